// The training loop: prepare (decode every image once, cache the teacher's features), then per
// epoch train (batches built on the data workers while the previous step runs), validate and record
// (best student, checkpoint, epochs.csv, the prompt's gain, status, log, the epoch sink); at the end
// the best student is evaluated on val and test.

#include "core/ml/errortext.h"
#include "core/ml/session_p.h"
#include "core/ml/trainer.h"
#include "core/project/runlock.h"
#include "core/spectral/gainmap.h"

#include <QtCore/QDir>
#include <QtCore/QFileInfo>
#include <QtCore/QThread>

#include <chrono>
#include <cmath>
#include <future>
#include <thread>

namespace fopro::ml {

using detail::qs;
using Clock = std::chrono::steady_clock;

const SplitEvaluation *TrainOutcome::mainEvaluation() const
{
    const SplitEvaluation *found = nullptr;
    for (const SplitEvaluation &e : evaluations)
        if (!found || e.split == QLatin1String("test")) found = &e;
    return found;
}

namespace {

/// The prompt's gain map of a finished epoch as a snapshot file (core/spectral/gainmap.h), so the
/// Spectra page can show the learned prompt and its evolution without LibTorch.
Result<void> saveGainSnapshot(FourierPrompt &prompt, const QString &runDir, int epoch)
{
    const at::Tensor g = prompt.gainMap().to(torch::kCPU, torch::kFloat32).contiguous();
    spectral::GainMap map;
    map.channels = int(g.size(0));
    map.height = int(g.size(1));
    map.width = prompt.config().imageWidth > 0 ? prompt.config().imageWidth : prompt.config().imageSize;
    const float *data = g.data_ptr<float>();
    map.values.assign(data, data + g.numel());
    return spectral::saveGainMap(map, spectral::gainSnapshotPath(runDir, epoch));
}

double secondsSince(Clock::time_point t0)
{
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

double scheduledLr(const TrainConfig &c, int epoch)
{
    double lr = c.lr;
    if (c.schedule == QLatin1String("cosine"))
        lr = c.lr * 0.5 * (1.0 + std::cos(M_PI * epoch / double(c.epochs)));
    else if (c.schedule == QLatin1String("step"))
        lr = c.lr * std::pow(c.stepGamma, epoch / c.stepEpochs);
    if (epoch < c.warmupEpochs) lr *= double(epoch + 1) / double(c.warmupEpochs + 1);
    return lr;
}

/// Running means of the loss terms of an epoch.
struct LossMeans {
    std::vector<std::pair<QString, double>> sums;
    int n = 0;
    void add(const std::vector<std::pair<QString, double>> &terms)
    {
        if (sums.empty())
            for (const auto &t : terms)
                sums.emplace_back(t.first, 0.0);
        for (size_t i = 0; i < terms.size() && i < sums.size(); ++i)
            sums[i].second += terms[i].second;
        ++n;
    }
    std::vector<std::pair<QString, double>> means() const
    {
        auto m = sums;
        for (auto &t : m)
            t.second /= std::max(1, n);
        return m;
    }
};

Error cancelledError()
{
    return makeError(ErrorCode::Cancelled, {}, QStringLiteral("cancelled"));
}

QString numberText(double v)
{
    return std::isnan(v) ? QString() : QString::number(v, 'g', 8);
}

/// The log line of an epoch (also the progress message at its end).
QString epochLine(const EpochRecord &rec, int epochs)
{
    QString lossText;
    for (const auto &[k, v] : rec.losses)
        lossText += QStringLiteral(" %1=%2").arg(k).arg(v, 0, 'f', 4);
    return QStringLiteral("epoch %1/%2:%3 val_bacc=%4%5 (%6 s, %7 img/s)")
        .arg(rec.epoch)
        .arg(epochs)
        .arg(lossText, numberText(rec.valBalancedAccuracy), rec.best ? QStringLiteral(" best") : QString())
        .arg(rec.seconds, 0, 'f', 1)
        .arg(rec.imagesPerSecond, 0, 'f', 0);
}

class TrainLoop {
public:
    TrainLoop(Session &s, JobControl *control, const TrainHooks &hooks)
        : m_s(s), m_c(s.config), m_control(control), m_hooks(hooks),
          m_images(
              s.data.index, s.config,
              QDir(s.data.project.isEmpty() ? s.run.dir() : s.data.project).filePath(QStringLiteral("cache/images"))),
          m_start(Clock::now())
    {
    }

    Result<TrainOutcome> run()
    {
        if (m_s.writes() && !QDir().mkpath(m_s.run.checkpointsDir()))
            return makeError(ErrorCode::WriteFailed, m_s.run.checkpointsDir(),
                             QStringLiteral("cannot create the folder"));
        if (auto r = prepare(); !r) return finishFailed(r.error());
        for (int epoch = m_s.epochsDone; epoch < m_c.epochs; ++epoch) {
            auto rec = trainEpoch(epoch);
            if (!rec) return finishFailed(rec.error());
            if (auto r = validate(*rec); !r) return finishFailed(r.error());
            if (auto r = record(std::move(rec).value()); !r) return finishFailed(r.error());
            if (stopAgreed()) return finishCancelled();
        }
        auto evaluations = evaluateBest();
        if (!evaluations) return finishFailed(evaluations.error());
        // No rank leaves (closing its connections, or the store with rank 0) while another still
        // evaluates.
        if (m_s.group) m_s.group->barrier();
        return finish(std::move(evaluations).value());
    }

private:
    bool cancelled() const { return isCancelled(m_control); }

    /// Agrees with the other ranks on cancel and pause: every rank adds its own flags and the
    /// loss terms of its last step weighted by its share; afterwards every rank holds the same
    /// m_stop / m_pause and the global batch's loss terms. One process: its own flags.
    std::vector<std::pair<QString, double>> agree(std::vector<std::pair<QString, double>> terms = {},
                                                  double share = 1.0)
    {
        if (!m_s.group) {
            m_stop = cancelled();
            m_pause = m_control && m_control->isPaused();
            return terms;
        }
        std::vector<double> values{cancelled() ? 1.0 : 0.0, m_control && m_control->isPaused() ? 1.0 : 0.0};
        for (const auto &t : terms)
            values.push_back(t.second * share);
        torch::Tensor v = torch::tensor(values, torch::kFloat64);
        m_s.group->sum(v);
        const double *sums = v.data_ptr<double>();
        m_stop = sums[0] > 0;
        m_pause = sums[1] > 0;
        for (size_t i = 0; i < terms.size(); ++i)
            terms[i].second = sums[i + 2];
        return terms;
    }

    bool stopAgreed()
    {
        agree();
        return m_stop;
    }

    void report(Progress p)
    {
        p.elapsedSeconds = secondsSince(m_start) - m_pausedSeconds;
        if (p.stages == 0) p.stages = m_c.epochs;
        fopro::report(m_hooks.progress, p);
    }

    TrainOutcome outcome(TrainOutcome::Status status) const
    {
        TrainOutcome o;
        o.status = status;
        o.runDir = m_s.run.dir();
        o.epochsDone = m_s.epochsDone;
        o.bestEpoch = m_s.bestEpoch;
        o.bestValBalancedAccuracy = m_s.bestScore >= 0 && !m_s.val.empty() ? m_s.bestScore : std::nan("");
        o.history = m_s.history;
        return o;
    }

    Result<TrainOutcome> finishCancelled()
    {
        m_s.log(QStringLiteral("cancelled after %1 finished epoch(s); resumable from checkpoints/last.ckpt")
                    .arg(m_s.epochsDone));
        m_s.writeStatus(QStringLiteral("cancelled"));
        return outcome(TrainOutcome::Status::Cancelled);
    }

    /// A failure inside the loop: a cancellation ends as a cancelled run, anything else is logged.
    Result<TrainOutcome> finishFailed(const Error &error)
    {
        if (cancelled() || error.code == ErrorCode::Cancelled) return finishCancelled();
        if (m_s.group) m_s.group->recordFailure(error.message());
        m_s.log(QStringLiteral("failed: %1").arg(error.message()));
        m_s.writeStatus(QStringLiteral("failed"), error.message());
        return error;
    }

    /// Decodes everything once (unreadable files are found before any training time is spent) and
    /// caches the teacher's features when its input is deterministic.
    Result<void> prepare()
    {
        Progress p;
        p.phase = kPhasePreparing;
        p.message = QStringLiteral("decoding %1 images").arg(m_s.train.size() + m_s.val.size());
        report(p);
        m_s.log(m_images.plan(m_s.train.size(), m_s.val.size() + m_s.test.size()));
        if (auto warm = m_images.warm(m_s.train.samples, m_c.workers, m_control, /*training=*/true); !warm)
            return makeError(warm.error().code, m_s.data.manifest, warm.error().detail);
        if (auto warm = m_images.warm(m_s.val.samples, m_c.workers, m_control); !warm)
            return makeError(warm.error().code, m_s.data.manifest, warm.error().detail);
        if (cancelled()) return cancelledError();
        if (!m_s.cachesTeacher()) return {};
        if (auto r = cacheTeacherFeatures(m_s, m_images, m_control, [this](const Progress &tp) { report(tp); }); !r)
            return r;
        m_s.log(QStringLiteral("teacher features cached: %1 x %2")
                    .arg(m_s.featureCache.size(0))
                    .arg(m_s.featureCache.size(1)));
        return {};
    }

    /// Blocks while paused (the time is left out of throughput and ETA); returns the seconds waited.
    /// A distributed run pauses as a whole: while any rank is paused, every rank waits here,
    /// agreeing again five times a second (so no collective waits long enough to time out).
    double holdWhilePaused(int epoch, size_t batch)
    {
        if (m_s.group ? !m_pause : (!m_control || !m_control->isPaused())) return 0;
        const auto p0 = Clock::now();
        m_s.writeStatus(QStringLiteral("paused"));
        m_s.log(QStringLiteral("paused in epoch %1 at batch %2").arg(epoch + 1).arg(batch));
        if (m_s.group) {
            while (m_pause && !m_stop) {
                std::this_thread::sleep_for(std::chrono::milliseconds(200));
                agree();
            }
        } else {
            m_control->waitWhilePaused();
        }
        const double waited = secondsSince(p0);
        m_pausedSeconds += waited;
        m_s.log(QStringLiteral("resumed"));
        m_s.writeStatus(QStringLiteral("running"));
        return waited;
    }

    /// Trains one epoch; the record has lr, losses and throughput (validation comes next).
    Result<EpochRecord> trainEpoch(int epoch)
    {
        const double lr = scheduledLr(m_c, epoch);
        for (auto &g : m_s.optimizer->param_groups())
            g.options().set_lr(lr);
        auto batches = epochBatches(m_c, m_s.train, m_s.numClasses, epoch);
        // Every rank's shard must hold two images (batch norm): a short trailing batch is dropped.
        const int world = m_s.worldSize();
        while (world > 1 && !batches.empty() && int(batches.back().size()) < 2 * world)
            batches.pop_back();
        if (batches.empty())
            return makeError(ErrorCode::InvalidArgument, m_s.data.manifest,
                             QStringLiteral("no training batch (fewer than 2 training images)"));
        const std::uint64_t epochSeed = seedFor(m_c.seed, 0xE90C0000ull + std::uint64_t(epoch));
        // The next batch is prepared while the step runs on torch's threads: its workers get the
        // cores torch leaves free, at least one (images come from the cache; decoding is rare).
        const int prefetchWorkers = std::clamp(std::max(1, QThread::idealThreadCount()) - torch::get_num_threads(), 1,
                                               std::max(1, m_c.workers));
        const int rank = m_s.group ? m_s.group->rank() : 0;
        auto fetch = [&](size_t i) {
            return std::async(std::launch::async, [&, i]() -> Result<Batch> {
                const auto [begin, end] = shardRange(int(batches[i].size()), rank, world);
                const std::vector<int> shard(batches[i].begin() + begin, batches[i].begin() + end);
                auto b = makeBatch(m_images, m_s.train, shard, m_c.augment.enabled, epochSeed, m_c.imageSize,
                                   prefetchWorkers);
                if (b) b.value().globalCount = int(batches[i].size());
                return b;
            });
        };
        LossMeans means;
        m_epochStart = Clock::now();
        m_epochPaused = 0;
        std::int64_t images = 0;
        if (m_s.group) m_s.group->takeCommunicationSeconds();
        std::future<Result<Batch>> next = fetch(0);
        for (size_t bi = 0; bi < batches.size(); ++bi) {
            m_epochPaused += holdWhilePaused(epoch, bi);
            if (!m_s.group) m_stop = cancelled();
            if (m_stop) {
                next.wait();
                return cancelledError();
            }
            auto batch = next.get();
            if (!batch) return batch.error();
            if (bi + 1 < batches.size()) next = fetch(bi + 1);
            auto terms = trainStep(m_s, batch.value(), epoch);
            if (m_s.group) {
                terms = agree(std::move(terms), batch.value().share());
                m_s.group->recordStep(m_s.steps);
            }
            means.add(terms);
            images += std::int64_t(batches[bi].size());
            reportBatch(epoch, bi + 1, batches.size(), images, means.means());
        }
        EpochRecord rec = EpochRecord::withoutValidation(epoch + 1);
        rec.lr = lr;
        rec.losses = means.means();
        const double trainPart = secondsSince(m_epochStart) - m_epochPaused;
        rec.imagesPerSecond = trainPart > 0 ? double(images) / trainPart : 0;
        m_batches = int(batches.size());
        if (m_s.group) {
            const double comm = m_s.group->takeCommunicationSeconds();
            m_s.log(QStringLiteral("epoch %1: %2 processes, collectives %3 s in %4 steps (%5 ms per step, %6 % of "
                                   "the epoch's training time)")
                        .arg(epoch + 1)
                        .arg(world)
                        .arg(comm, 0, 'f', 2)
                        .arg(batches.size())
                        .arg(1000.0 * comm / double(batches.size()), 0, 'f', 1)
                        .arg(trainPart > 0 ? 100.0 * comm / trainPart : 0.0, 0, 'f', 1));
            averageRunningStatistics();
        }
        return rec;
    }

    /// Batch norm saw each rank's shard: the running statistics become their mean over the ranks.
    void averageRunningStatistics()
    {
        std::vector<torch::Tensor> stats;
        const auto collect = [&stats](const std::vector<std::pair<std::string, torch::Tensor>> &state) {
            for (const auto &[name, t] : state)
                if (name.find("running_") != std::string::npos) stats.push_back(t);
        };
        collect(m_s.student->namedState());
        if (m_s.heads) collect(m_s.heads->namedState());
        m_s.group->average(stats);
    }

    void reportBatch(int epoch, size_t done, size_t total, std::int64_t images,
                     std::vector<std::pair<QString, double>> losses)
    {
        Progress p;
        p.phase = kPhaseTraining;
        p.stage = epoch;
        p.done = qint64(done);
        p.total = qint64(total);
        const double epochSeconds = secondsSince(m_epochStart) - m_epochPaused;
        p.rate = epochSeconds > 0 ? double(images) / epochSeconds : 0;
        const double perBatch = epochSeconds / double(done);
        const double perEpoch = perBatch * double(total) + m_lastValSeconds;
        p.etaSeconds = perBatch * double(total - done) + m_lastValSeconds + perEpoch * double(m_c.epochs - epoch - 1);
        p.metrics = std::move(losses);
        report(p);
    }

    /// Validation metrics of the epoch's student on the val split (none without one).
    Result<void> validate(EpochRecord &rec)
    {
        const auto valStart = Clock::now();
        if (!m_s.val.empty()) {
            Progress p;
            p.phase = kPhaseValidating;
            p.stage = rec.epoch - 1;
            p.message = QStringLiteral("validating");
            report(p);
            auto predictions = predictSplit(m_s, m_images, m_s.val, m_control);
            if (!predictions) return predictions.error();
            metrics::EvaluationOptions o;
            o.numClasses = m_s.numClasses;
            o.trainCounts.assign(m_s.counts.begin(), m_s.counts.end());
            o.many = m_c.many;
            o.few = m_c.few;
            auto r = metrics::evaluate(predictions->yTrue, predictions->yPred, {}, o);
            if (!r) return r.error();
            rec.valAccuracy = r->accuracy;
            rec.valBalancedAccuracy = r->balancedAccuracy;
            rec.valMacroF1 = r->macroF1;
            rec.valHeadRecall = r->tailGroups.head.meanRecall;
            rec.valMediumRecall = r->tailGroups.medium.meanRecall;
            rec.valTailRecall = r->tailGroups.tail.meanRecall;
        }
        m_lastValSeconds = secondsSince(valStart);
        rec.seconds = secondsSince(m_epochStart) - m_epochPaused;
        return {};
    }

    /// Model selection and the run's records of a finished epoch.
    Result<void> record(EpochRecord rec)
    {
        const double score = std::isnan(rec.valBalancedAccuracy) ? double(rec.epoch - 1) : rec.valBalancedAccuracy;
        if (m_s.bestEpoch == 0 || score > m_s.bestScore) {
            m_s.bestScore = score;
            m_s.bestEpoch = rec.epoch;
            rec.best = true;
            for (auto &h : m_s.history)
                h.best = false;
            if (m_s.writes())
                if (auto w = m_s.student->saveParameters(m_s.run.bestCheckpoint().toStdString()); !w) return w;
        }
        m_s.history.push_back(rec);
        m_s.epochsDone = rec.epoch;
        if (m_s.writes()) {
            if (auto w = saveCheckpoint(m_s); !w) return w;
            if (auto w = m_s.run.writeEpochs(m_s.history); !w) return w;
        }
        if (m_s.prompt && m_s.writes()) {
            (void)m_s.run.writePromptGain(rec.epoch, m_s.prompt->radialGainProfile(16));
            if (auto w = saveGainSnapshot(*m_s.prompt, m_s.run.dir(), rec.epoch); !w) return w;
        }
        m_s.writeStatus(QStringLiteral("running"));
        const QString line = epochLine(rec, m_c.epochs);
        m_s.log(line);
        Progress p;
        p.phase = kPhaseTraining;
        p.stage = rec.epoch - 1;
        p.done = p.total = m_batches;
        p.rate = rec.imagesPerSecond;
        p.etaSeconds = rec.seconds * double(m_c.epochs - rec.epoch);
        p.metrics = rec.losses;
        p.message = line;
        report(p);
        if (m_hooks.epochEnded) m_hooks.epochEnded(rec);
        return {};
    }

    /// The best student on val and test.
    Result<std::vector<SplitEvaluation>> evaluateBest()
    {
        // Rank 0 reads the best student and hands it to the others (no shared file system needed).
        if (m_s.writes())
            if (auto r = m_s.student->loadParameters(m_s.run.bestCheckpoint().toStdString()); !r) return r.error();
        if (m_s.group) {
            std::vector<torch::Tensor> state;
            for (const auto &[name, t] : m_s.student->namedState())
                state.push_back(t);
            m_s.group->broadcast(state);
        }
        std::vector<SplitEvaluation> evaluations;
        for (const auto &[name, split] : {std::pair<QString, const SplitData *>{QStringLiteral("val"), &m_s.val},
                                          std::pair<QString, const SplitData *>{QStringLiteral("test"), &m_s.test}}) {
            if (split->empty()) continue;
            auto r = evaluateSplit(m_s, m_images, *split, name, m_control, [this](const Progress &p) { report(p); });
            if (!r) return r.error();
            evaluations.push_back(std::move(r).value());
        }
        return evaluations;
    }

    Result<TrainOutcome> finish(std::vector<SplitEvaluation> evaluations)
    {
        m_s.writeStatus(QStringLiteral("finished"));
        m_s.log(QStringLiteral("finished: best epoch %1 (val balanced accuracy %2)")
                    .arg(m_s.bestEpoch)
                    .arg(numberText(m_s.bestScore)));
        TrainOutcome o = outcome(TrainOutcome::Status::Finished);
        o.evaluations = std::move(evaluations);
        Progress done;
        done.phase = kPhaseFinished;
        done.stage = m_c.epochs - 1;
        done.message = QStringLiteral("finished");
        report(done);
        return o;
    }

    Session &m_s;
    const TrainConfig &m_c;
    JobControl *m_control;
    TrainHooks m_hooks;
    ImageSource m_images;
    Clock::time_point m_start;
    Clock::time_point m_epochStart;
    double m_pausedSeconds = 0;
    double m_epochPaused = 0;
    double m_lastValSeconds = 0;
    int m_batches = 0;
    bool m_stop = false;  ///< agreed: cancel (every rank stops at the same step)
    bool m_pause = false; ///< agreed: some rank is paused
};

/// Runs `f`, turning an exception into a failed run (status.json, log.txt) and an error; in a
/// distributed run the other ranks learn why this one stops.
Result<TrainOutcome> guarded(const Session &s, const std::function<Result<TrainOutcome>()> &f)
{
    try {
        return f();
    } catch (const std::exception &e) {
        const QString detail = qs(detail::firstLine(e));
        if (s.group) s.group->recordFailure(detail);
        s.writeStatus(QStringLiteral("failed"), detail);
        s.log(QStringLiteral("failed: ") + detail);
        return makeError(ErrorCode::Malformed, s.run.dir(), QStringLiteral("training failed: %1").arg(detail));
    }
}

/// Joins the process group of a distributed run (nothing for one process).
Result<void> joinGroup(Session &s, const DistributedSettings &distributed)
{
    if (!distributed.enabled()) return {};
    auto group = Collective::join(distributed);
    if (!group) return group.error();
    s.group = std::move(group).value();
    return {};
}

/// A failure before the training loop: the other ranks learn of it, then it is returned.
Error told(const Session &s, Error error)
{
    if (s.group) s.group->recordFailure(error.message());
    return error;
}

/// Every rank starts from rank 0's weights (the seed gives them all the same, this makes sure).
void startTogether(Session &s)
{
    if (!s.group) return;
    std::vector<torch::Tensor> state;
    for (const auto &[name, t] : s.student->namedState())
        state.push_back(t);
    if (s.heads)
        for (const auto &[name, t] : s.heads->namedState())
            state.push_back(t);
    if (s.prompt)
        for (const auto &t : s.prompt->parameters())
            state.push_back(t);
    s.group->broadcast(state);
}

QString startLine(const Session &s)
{
    return QStringLiteral(
               "started: strategy %1, %2 train / %3 val / %4 test images, %5 classes, student %6 (%7 parameters)%8")
        .arg(strategyName(s.config.strategy))
        .arg(s.train.size())
        .arg(s.val.size())
        .arg(s.test.size())
        .arg(s.numClasses)
        .arg(qs(s.student->config().architecture))
        .arg(s.student->parameterCount())
        .arg(s.teacher ? QStringLiteral(", teacher ") + qs(s.teacher->description()) : QString());
}

} // namespace

// ------------------------------------------------------------------------------------------------

Result<TrainOutcome> trainRun(const TrainConfig &config, JobControl *control, const TrainHooks &hooks,
                              const DistributedSettings &distributed)
{
    if (auto v = config.validate(); !v) return v.error();
    if (config.runDir.isEmpty())
        return makeError(ErrorCode::InvalidArgument, {}, QStringLiteral("no run folder given (setting \"runDir\")"));
    if (distributed.enabled() && config.batchSize < 2 * distributed.worldSize)
        return makeError(ErrorCode::InvalidArgument, {},
                         QStringLiteral("batchSize %1 is too small for %2 processes: each needs at least two images "
                                        "of every batch (batch norm); use a batch of at least %3")
                             .arg(config.batchSize)
                             .arg(distributed.worldSize)
                             .arg(2 * distributed.worldSize));
    const QDir dir(config.runDir);
    if (distributed.writer() && dir.exists() && !dir.isEmpty())
        return makeError(ErrorCode::InvalidArgument, config.runDir,
                         QStringLiteral("the run folder exists and is not empty"));
    auto s = std::make_unique<Session>();
    s->config = config;
    s->run = project::RunFolder(config.runDir);
    s->config.runDir = s->run.dir();
    if (auto r = joinGroup(*s, distributed); !r) return r.error();
    if (auto r = prepareData(*s); !r) return told(*s, r.error());
    std::optional<project::RunLock> lock;
    if (s->writes()) {
        auto created = project::RunFolder::create(s->run.dir());
        if (!created) return told(*s, created.error());
        // One writer per run folder: a second `fopro train --run X` started at the same moment passed
        // the emptiness check above too; whoever claims the lock second is refused, and whoever claims
        // it after the first run wrote anything finds the folder no longer empty.
        auto claimed = project::RunLock::acquire(s->run.dir());
        if (!claimed) return told(*s, claimed.error());
        lock.emplace(std::move(claimed).value());
        if (!QDir(s->run.dir()).isEmpty())
            return told(*s, makeError(ErrorCode::InvalidArgument, s->run.dir(),
                                      QStringLiteral("the run folder exists and is not empty (choose another folder, "
                                                     "or resume it)")));
    }
    return guarded(*s, [&]() -> Result<TrainOutcome> {
        if (auto r = buildModels(*s); !r) return told(*s, r.error());
        startTogether(*s);
        if (s->writes())
            if (auto w = s->run.writeHeader(runHeader(*s)); !w) return told(*s, w.error());
        s->writeStatus(QStringLiteral("running"));
        s->log(startLine(*s));
        return TrainLoop(*s, control, hooks).run();
    });
}

Result<TrainOutcome> resumeRun(const QString &runDir, JobControl *control, const TrainHooks &hooks, int epochs,
                               const DistributedSettings &distributed)
{
    auto s = std::make_unique<Session>();
    auto folder = project::RunFolder::open(runDir);
    if (!folder) return folder.error();
    if (auto r = joinGroup(*s, distributed); !r) return r.error();
    std::optional<project::RunLock> lock;
    if (s->writes()) {
        auto claimed = project::RunLock::acquire(folder->dir());
        if (!claimed) return told(*s, claimed.error());
        lock.emplace(std::move(claimed).value());
    }
    if (auto r = openRun(*s, runDir); !r) return told(*s, r.error());
    if (epochs > 0) s->config.epochs = epochs;
    return guarded(*s, [&]() -> Result<TrainOutcome> {
        if (auto r = buildModels(*s); !r) return told(*s, r.error());
        if (QFileInfo::exists(s->run.lastCheckpoint()))
            if (auto r = loadCheckpoint(*s, s->run.lastCheckpoint()); !r) return told(*s, r.error());
        startTogether(*s);
        // Record a new length in config.json so that later resumes and readers agree.
        if (epochs > 0 && s->writes()) (void)s->run.updateConfig(s->config.toJson());
        s->log(QStringLiteral("resumed after %1 finished epoch(s)%2")
                   .arg(s->epochsDone)
                   .arg(s->group ? QStringLiteral(" with %1 processes").arg(s->worldSize()) : QString()));
        s->writeStatus(QStringLiteral("running"));
        return TrainLoop(*s, control, hooks).run();
    });
}

JobFunction<TrainOutcome> trainJob(TrainConfig config, EpochSink epochEnded, DistributedSettings distributed)
{
    return [config = std::move(config), epochEnded = std::move(epochEnded),
            distributed = std::move(distributed)](JobControl &control, const ProgressSink &progress) {
        return callGuarded(
            [&] {
                return trainRun(config, &control, TrainHooks{progress, epochEnded}, distributed);
            },
            QStringLiteral("training"));
    };
}

JobFunction<TrainOutcome> resumeJob(QString runDir, int epochs, EpochSink epochEnded, DistributedSettings distributed)
{
    return [runDir = std::move(runDir), epochs, epochEnded = std::move(epochEnded),
            distributed = std::move(distributed)](JobControl &control, const ProgressSink &progress) {
        return callGuarded(
            [&] {
                return resumeRun(runDir, &control, TrainHooks{progress, epochEnded}, epochs, distributed);
            },
            QStringLiteral("training"));
    };
}

} // namespace fopro::ml
