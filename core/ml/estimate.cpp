// estimateRun: a dry run of a training configuration (estimate.h). The session is built exactly as
// trainRun builds it (prepareData, buildModels) and the steps are the training loop's trainStep;
// only the run folder lives in a temporary folder.

#include "core/ml/estimate.h"

#include "core/ml/errortext.h"
#include "core/ml/session_p.h"
#include "core/ml/trainer.h"

#include <QtCore/QDir>
#include <QtCore/QFileInfo>
#include <QtCore/QJsonDocument>
#include <QtCore/QTemporaryDir>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <set>
#include <sstream>

namespace fopro::ml {

using detail::qs;

namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point t0)
{
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

Error cancelledError()
{
    return makeError(ErrorCode::Cancelled, {}, QStringLiteral("cancelled"));
}

/// Bytes of teacher_features.pt for `rows` × `columns` float32 values: the archive's overhead is
/// measured on one row, the rest is the raw data.
std::int64_t featureCacheBytes(std::int64_t rows, std::int64_t columns)
{
    torch::serialize::OutputArchive ar;
    ar.write("features", torch::zeros({1, columns}), true);
    std::ostringstream os;
    ar.save_to(os);
    return std::int64_t(os.str().size()) + std::max<std::int64_t>(0, rows - 1) * columns * 4;
}

/// The first `n` samples of a split.
SplitData firstSamples(const SplitData &split, std::size_t n)
{
    SplitData subset;
    n = std::min(n, split.size());
    subset.samples.assign(split.samples.begin(), split.samples.begin() + std::ptrdiff_t(n));
    subset.labels.assign(split.labels.begin(), split.labels.begin() + std::ptrdiff_t(n));
    return subset;
}

class Estimator {
public:
    Estimator(Session &s, JobControl *control)
        : m_s(s), m_c(s.config), m_control(control), m_images(s.data.index, s.config)
    {
    }

    Result<TrainEstimate> run(int steps)
    {
        describe(steps);
        const auto batches = epochBatches(m_c, m_s.train, m_s.numClasses, 0);
        if (batches.empty())
            return makeError(ErrorCode::InvalidArgument, m_s.data.manifest,
                             QStringLiteral("no training batch (fewer than 2 training images)"));
        m_e.batchesPerEpoch = int(batches.size());
        std::vector<std::vector<int>> used; // the warm-up batch, then the timed ones
        for (int i = 0; i <= steps; ++i)
            used.push_back(batches[std::size_t(i) % batches.size()]);
        if (auto r = timeDecoding(used); !r) return r.error();
        if (m_s.teacher)
            if (auto r = timeTeacher(used.front()); !r) return r.error();
        if (auto r = timeSteps(used); !r) return r.error();
        if (auto r = timeValidation(); !r) return r.error();
        if (auto r = timeCheckpoint(); !r) return r.error();
        m_e.recordBytes = recordBytes();
        m_e.diskBytes = m_e.checkpointBytes + m_e.teacherCacheBytes + m_e.recordBytes;
        m_e.trainSecondsPerEpoch = m_e.secondsPerBatch * m_e.batchesPerEpoch;
        m_e.estimatedSeconds =
            m_e.prepareSeconds + m_e.teacherCacheSeconds +
            m_e.epochs * (m_e.trainSecondsPerEpoch + m_e.validationSecondsPerEpoch + m_e.checkpointSecondsPerEpoch) +
            m_e.evaluationSeconds;
        return m_e;
    }

private:
    bool cancelled() const { return isCancelled(m_control); }

    void describe(int steps)
    {
        m_e.steps = steps;
        m_e.batchSize = m_c.batchSize;
        m_e.epochs = m_c.epochs;
        m_e.trainImages = int(m_s.train.size());
        m_e.valImages = int(m_s.val.size());
        m_e.testImages = int(m_s.test.size());
        m_e.numClasses = m_s.numClasses;
    }

    /// Decodes the images of the batches used (the loop decodes every train and val image once).
    Result<void> timeDecoding(const std::vector<std::vector<int>> &used)
    {
        std::set<int> positions;
        for (const auto &b : used)
            positions.insert(b.begin(), b.end());
        std::vector<int> samples;
        for (int p : positions)
            samples.push_back(m_s.train.samples[std::size_t(p)]);
        // The first image pays one-time costs (opening an IDX file, ...): outside the timing.
        if (auto warm = m_images.warm({samples.front()}, 1, m_control, /*training=*/true); !warm)
            return makeError(warm.error().code, m_s.data.manifest, warm.error().detail);
        samples.erase(samples.begin());
        const auto t0 = Clock::now();
        if (auto warm = m_images.warm(samples, m_c.workers, m_control, /*training=*/true); !warm)
            return makeError(warm.error().code, m_s.data.manifest, warm.error().detail);
        if (cancelled()) return cancelledError();
        m_decodePerImage = secondsSince(t0) / double(std::max<std::size_t>(1, samples.size()));
        m_e.prepareSeconds = m_decodePerImage * double(m_s.train.size() + m_s.val.size());
        return {};
    }

    /// The teacher on a batch of the run (after a small warm-up call); its cache when it has one.
    Result<void> timeTeacher(const std::vector<int> &positions)
    {
        auto b = makeBatch(m_images, m_s.train, positions, false, 0, m_c.imageSize);
        if (!b) return b.error();
        torch::NoGradGuard noGrad;
        (void)m_s.teacher->forward(b->x01.narrow(0, 0, std::min<std::int64_t>(2, b->x01.size(0))));
        const auto t0 = Clock::now();
        (void)m_s.teacher->forward(b->x01);
        const std::int64_t n = std::int64_t(m_s.train.size()), d = m_s.teacher->featureDim();
        m_e.hasTeacher = true;
        m_e.teacherSecondsPerImage = secondsSince(t0) / double(positions.size());
        m_e.teacherInputSize = m_s.teacher->inputSize() > 0 ? m_s.teacher->inputSize() : m_c.imageSize;
        m_e.teacherFeatureDim = int(d);
        m_e.teacherDescription = qs(m_s.teacher->description());
        if (m_s.cachesTeacher()) {
            m_e.cachesTeacher = true;
            m_e.teacherCacheSeconds = m_e.teacherSecondsPerImage * double(n);
            m_e.teacherCacheBytes = featureCacheBytes(n, d);
            m_s.featureCache = torch::zeros({n, d}); // the steps read the cache, as in the loop
        }
        return {};
    }

    /// One warm-up step, then the timed ones: batch assembly and the loop's trainStep.
    Result<void> timeSteps(const std::vector<std::vector<int>> &used)
    {
        const std::uint64_t epochSeed = seedFor(m_c.seed, 0xE90C0000ull);
        double timed = 0;
        for (std::size_t i = 0; i < used.size(); ++i) {
            if (cancelled()) return cancelledError();
            const auto t0 = Clock::now();
            auto b = makeBatch(m_images, m_s.train, used[i], m_c.augment.enabled, epochSeed, m_c.imageSize);
            if (!b) return b.error();
            m_lossTerms = int(trainStep(m_s, *b, 0).size());
            if (i > 0) timed += secondsSince(t0);
        }
        m_e.secondsPerBatch = timed / double(used.size() - 1);
        return {};
    }

    /// The student's forward pass on one evaluation batch of the val split (else test, else train).
    Result<void> timeValidation()
    {
        const SplitData &from = !m_s.val.empty() ? m_s.val : !m_s.test.empty() ? m_s.test : m_s.train;
        const SplitData subset = firstSamples(from, std::size_t(std::max(m_c.batchSize, 64)));
        if (auto warm = m_images.warm(subset.samples, m_c.workers, m_control); !warm)
            return makeError(warm.error().code, m_s.data.manifest, warm.error().detail);
        const auto t0 = Clock::now();
        auto p = predictSplit(m_s, m_images, subset, m_control);
        if (!p) return p.error();
        const double perImage = secondsSince(t0) / double(std::max<std::size_t>(1, subset.size()));
        m_e.validationSecondsPerEpoch = perImage * double(m_s.val.size());
        m_e.evaluationSeconds =
            perImage * double(m_s.val.size() + m_s.test.size()) + m_decodePerImage * double(m_s.test.size());
        return {};
    }

    /// The loop's checkpoint (student, heads, prompt, optimiser moments) and best.pt, written for real.
    Result<void> timeCheckpoint()
    {
        const auto t0 = Clock::now();
        if (auto w = saveCheckpoint(m_s); !w) return w;
        if (auto w = m_s.student->saveParameters(m_s.run.bestCheckpoint().toStdString()); !w) return w;
        m_e.checkpointSecondsPerEpoch = secondsSince(t0);
        m_e.checkpointBytes = QFileInfo(m_s.run.lastCheckpoint()).size() + QFileInfo(m_s.run.bestCheckpoint()).size();
        return {};
    }

    /// results/ (predictions, per-class, metrics of val and test), epochs.csv, log.txt, the
    /// header and status, and FoPro-KD's gain snapshots and prompt_gain.csv.
    std::int64_t recordBytes() const
    {
        const int c = m_s.numClasses;
        double names = 0;
        for (const QString &n : m_s.classNames)
            names += double(n.toUtf8().size());
        names /= std::max(1, c);
        const SplitData &some = !m_s.test.empty() ? m_s.test : m_s.train;
        double ids = 0;
        const std::size_t sampled = std::min<std::size_t>(some.size(), 200);
        for (std::size_t i = 0; i < sampled; ++i)
            ids += double(m_s.data.index.samples[std::size_t(some.samples[i])].id().toUtf8().size());
        ids /= double(std::max<std::size_t>(1, sampled));
        const double row = ids + 2 * names + c * 11.0 + 4;
        double bytes = 0;
        for (std::size_t n : {m_s.val.size(), m_s.test.size()})
            if (n > 0) bytes += double(n) * row + c * (names + 320.0) + c * c * 8.0 + 4000;
        bytes += double(m_c.epochs) * (280 + 24.0 * m_lossTerms);
        bytes += double(QJsonDocument(runHeader(m_s)).toJson().size()) + 1000;
        if (m_s.prompt) {
            const double side = m_c.imageSize;
            bytes += double(m_c.epochs) * (20 + 3 * side * (std::floor(side / 2) + 1) * 4 + 16 * 12);
        }
        return std::int64_t(bytes);
    }

    Session &m_s;
    const TrainConfig &m_c;
    JobControl *m_control;
    ImageSource m_images;
    TrainEstimate m_e;
    double m_decodePerImage = 0;
    int m_lossTerms = 1;
};

} // namespace

QJsonObject TrainEstimate::toJson() const
{
    return QJsonObject{
        {"steps", steps},
        {"secondsPerBatch", secondsPerBatch},
        {"batchSize", batchSize},
        {"batchesPerEpoch", batchesPerEpoch},
        {"epochs", epochs},
        {"trainImages", trainImages},
        {"valImages", valImages},
        {"testImages", testImages},
        {"numClasses", numClasses},
        {"prepareSeconds", prepareSeconds},
        {"teacherCacheSeconds", teacherCacheSeconds},
        {"trainSecondsPerEpoch", trainSecondsPerEpoch},
        {"validationSecondsPerEpoch", validationSecondsPerEpoch},
        {"checkpointSecondsPerEpoch", checkpointSecondsPerEpoch},
        {"evaluationSeconds", evaluationSeconds},
        {"estimatedSeconds", estimatedSeconds},
        {"checkpointBytes", double(checkpointBytes)},
        {"teacherCacheBytes", double(teacherCacheBytes)},
        {"recordBytes", double(recordBytes)},
        {"diskBytes", double(diskBytes)},
        {"hasTeacher", hasTeacher},
        {"cachesTeacher", cachesTeacher},
        {"teacherInputSize", teacherInputSize},
        {"teacherFeatureDim", teacherFeatureDim},
        {"teacherSecondsPerImage", teacherSecondsPerImage},
        {"teacherDescription", teacherDescription},
    };
}

Result<TrainEstimate> estimateRun(const TrainConfig &config, int steps, JobControl *control)
{
    if (auto v = config.validate(); !v) return v.error();
    QTemporaryDir tmp(QDir::temp().filePath(QStringLiteral("fopro-estimate-XXXXXX")));
    if (!tmp.isValid())
        return makeError(ErrorCode::WriteFailed, QDir::tempPath(), QStringLiteral("cannot create a temporary folder"));
    auto s = std::make_unique<Session>();
    s->config = config;
    s->config.runDir = tmp.filePath(QStringLiteral("run"));
    s->run = project::RunFolder(s->config.runDir);
    if (auto r = prepareData(*s); !r) return r.error();
    if (!QDir().mkpath(s->run.checkpointsDir()))
        return makeError(ErrorCode::WriteFailed, s->run.checkpointsDir(), QStringLiteral("cannot create the folder"));
    try {
        if (auto r = buildModels(*s); !r) return r.error();
        return Estimator(*s, control).run(std::max(1, steps));
    } catch (const std::exception &e) {
        return makeError(ErrorCode::Internal, {},
                         QStringLiteral("the dry run failed: %1").arg(qs(detail::firstLine(e))));
    }
}

JobFunction<TrainEstimate> estimateJob(TrainConfig config, int steps)
{
    return [config = std::move(config), steps](JobControl &control, const ProgressSink &) {
        return callGuarded([&] { return estimateRun(config, steps, &control); }, QStringLiteral("estimate"));
    };
}

} // namespace fopro::ml
