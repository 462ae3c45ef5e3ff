#include "app/cli/trainrunner.h"

#include "app/cli/clioutput.h"
#include "core/common/librarymessages.h"
#include "core/metrics/evaluation.h"

#include <QtCore/QDir>
#include <QtCore/QRegularExpression>
#include <QtCore/QTextStream>

#include <atomic>
#include <cmath>
#include <cstdio>

#include <sys/ioctl.h>
#include <unistd.h>

namespace fopro::cli {

namespace {

int terminalColumns()
{
    winsize w{};
    if (ioctl(fileno(fopro::userErrorStream()), TIOCGWINSZ, &w) == 0 && w.ws_col > 20) return w.ws_col;
    return 100;
}

void writeErr(const QString &text)
{
    const QByteArray bytes = text.toLocal8Bit();
    std::fwrite(bytes.constData(), 1, std::size_t(bytes.size()), fopro::userErrorStream());
    std::fflush(fopro::userErrorStream());
}

QString number(double v)
{
    if (!std::isfinite(v)) return QStringLiteral("-");
    return QString::number(v, 'g', std::fabs(v) >= 100 ? 5 : 4);
}

// ---- signals ------------------------------------------------------------------------------------

std::atomic<JobControl *> g_signalToken{nullptr};
std::atomic<bool> g_signalled{false};
static_assert(std::atomic<JobControl *>::is_always_lock_free, "the signal handler needs a lock-free pointer");
static_assert(std::atomic<bool>::is_always_lock_free, "the signal handler needs a lock-free flag");

extern "C" void onTerminationSignal(int)
{
    // Only async-signal-safe calls here: atomic stores, sigaction, write.
    if (JobControl *token = g_signalToken.load()) token->cancel();
    g_signalled.store(true);
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    sigaction(SIGINT, &dfl, nullptr);
    sigaction(SIGTERM, &dfl, nullptr);
    static const char message[] = "\nfopro: stopping after the current batch (press Ctrl-C again to quit at once)\n";
    const ssize_t written = write(fopro::userErrorFd(), message, sizeof message - 1);
    (void)written;
}

} // namespace

// ---- progress -----------------------------------------------------------------------------------

ProgressPrinter::ProgressPrinter(int terminal)
    : m_terminal(terminal < 0 ? isatty(fileno(fopro::userErrorStream())) != 0 : terminal != 0)
{
    m_clock.start();
}

ProgressPrinter::~ProgressPrinter()
{
    finish();
}

ProgressSink ProgressPrinter::sink()
{
    return [this](const Progress &p) { update(p); };
}

QString formatDuration(double seconds)
{
    if (!std::isfinite(seconds) || seconds < 0) return QStringLiteral("?");
    const qint64 s = qint64(std::llround(seconds));
    if (s < 60) return QStringLiteral("%1s").arg(s);
    if (s < 3600) return QStringLiteral("%1m%2s").arg(s / 60).arg(s % 60, 2, 10, QLatin1Char('0'));
    return QStringLiteral("%1h%2m").arg(s / 3600).arg((s % 3600) / 60, 2, 10, QLatin1Char('0'));
}

namespace {

bool isPhase(const Progress &p, const QString &phase)
{
    return p.phase == phase;
}

/// What done/total count in a phase: batches while training, images or teacher calls otherwise.
QString unitsOf(const Progress &p)
{
    if (isPhase(p, ml::kPhaseTeacherFeatures) || isPhase(p, ml::kPhaseEvaluating)) return QStringLiteral(" images");
    if (isPhase(p, QStringLiteral("probing"))) return QStringLiteral(" teacher calls");
    return {};
}

} // namespace

QString ProgressPrinter::statusLine(const Progress &p, bool bar, const QString &label)
{
    const QString epoch = QStringLiteral("epoch %1/%2").arg(p.stage + 1).arg(p.stages);
    const bool validating = isPhase(p, ml::kPhaseValidating);
    QString line = isPhase(p, ml::kPhaseTraining) ? epoch
                   : validating                   ? epoch + QStringLiteral(" validation")
                                                  : p.phase;
    if (!label.isEmpty()) line = validating && p.stages > 0 ? epoch + QStringLiteral(" ") + label : label;
    if (p.total > 0) {
        const qint64 done = std::clamp<qint64>(p.done, 0, p.total);
        if (bar) {
            constexpr int kWidth = 24;
            const int filled = int(double(done) * kWidth / double(p.total));
            line += QStringLiteral(" [") + QString(filled, QLatin1Char('#')) +
                    QString(kWidth - filled, QLatin1Char('.')) + QLatin1Char(']');
        }
        const QString units = unitsOf(p);
        line += QStringLiteral(" %1%2/%3%4")
                    .arg(bar || !units.isEmpty() ? QString() : QStringLiteral("batch "))
                    .arg(done)
                    .arg(p.total)
                    .arg(units);
    }
    if (p.rate > 0) line += QStringLiteral("  %1 img/s").arg(p.rate, 0, 'f', p.rate < 10 ? 1 : 0);
    if (p.etaSeconds >= 0) line += QStringLiteral("  ETA ") + formatDuration(p.etaSeconds);
    if (!bar && p.elapsedSeconds > 0) line += QStringLiteral("  elapsed ") + formatDuration(p.elapsedSeconds);
    for (const auto &[name, value] : p.metrics)
        line += QStringLiteral("  %1 %2").arg(name, number(value));
    return line;
}

void ProgressPrinter::clearLine()
{
    if (m_terminal && m_lineShown) writeErr(QStringLiteral("\r\033[K"));
    m_lineShown = false;
}

void ProgressPrinter::update(const Progress &p)
{
    std::lock_guard<std::mutex> lock(m_mutex);
    const qint64 now = m_clock.elapsed();
    const bool phaseChanged = p.phase != m_lastPhase;
    const bool changed = phaseChanged || p.stage != m_lastEpoch;
    m_lastPhase = p.phase;
    m_lastEpoch = p.stage;
    if (phaseChanged) m_label.clear();
    const bool training = isPhase(p, ml::kPhaseTraining), finished = isPhase(p, ml::kPhaseFinished);
    const bool epochEnd = training && p.total > 0 && p.done >= p.total;

    // The trainer's messages: on a terminal, the epoch summaries stay on screen and the others
    // ("validating", "caching teacher features", ...) label the status line of their phase.
    const QString message = p.message.trimmed();
    bool labelChanged = false;
    if (!message.isEmpty() && message != m_lastMessage) {
        m_lastMessage = message;
        if (!training && !finished) {
            m_label = message;
            labelChanged = true;
        }
        if (!m_terminal) {
            writeErr(message + QLatin1Char('\n'));
            if (epochEnd) m_epochLineFor = p.stage; // the summary is this epoch's line
        } else if (training) {
            clearLine();
            writeErr(message + QLatin1Char('\n'));
            m_lastDrawn = -1000000; // redraw the status line below it at once
        }
    }
    if (finished) {
        clearLine();
        return;
    }
    if (m_terminal) {
        if (!(changed || labelChanged || epochEnd || now - m_lastDrawn >= 100)) return;
        QString line = statusLine(p, true, m_label);
        const int columns = terminalColumns();
        if (line.size() >= columns) line.truncate(columns - 1); // a wrapped line could not be redrawn with '\r'
        writeErr(QLatin1Char('\r') + line + QStringLiteral("\033[K"));
        m_lineShown = true;
        m_lastDrawn = now;
        return;
    }
    // Plain lines: one at the end of every epoch, else at most one every five seconds while batches move.
    if (epochEnd && m_epochLineFor != p.stage)
        m_epochLineFor = p.stage;
    else if (p.total <= 0 || p.done <= 0 || now - m_lastDrawn < 5000)
        return;
    writeErr(statusLine(p, false, m_label) + QLatin1Char('\n'));
    m_lastDrawn = now;
}

void ProgressPrinter::finish()
{
    std::lock_guard<std::mutex> lock(m_mutex);
    clearLine();
}

// ---- Ctrl-C ----------------------------------------------------------------------------------------

CancelOnSignal::CancelOnSignal(JobControl *token)
{
    g_signalled.store(false);
    g_signalToken.store(token);
    struct sigaction sa {};
    sa.sa_handler = onTerminationSignal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0; // no SA_RESTART: a blocking read may return early, the work polls the token anyway
    sigaction(SIGINT, &sa, &m_oldInt);
    sigaction(SIGTERM, &sa, &m_oldTerm);
}

CancelOnSignal::~CancelOnSignal()
{
    sigaction(SIGINT, &m_oldInt, nullptr);
    sigaction(SIGTERM, &m_oldTerm, nullptr);
    g_signalToken.store(nullptr);
}

bool CancelOnSignal::signalled()
{
    return g_signalled.load();
}

// ---- training ----------------------------------------------------------------------------------------

QString shellQuote(const QString &path)
{
    static const QRegularExpression plain(QStringLiteral("^[A-Za-z0-9_./:=+,@%-]+$"));
    if (!path.isEmpty() && plain.match(path).hasMatch()) return path;
    QString quoted = path;
    quoted.replace(QLatin1Char('\''), QStringLiteral("'\\''"));
    return QLatin1Char('\'') + quoted + QLatin1Char('\'');
}

QString describeConfig(const ml::TrainConfig &c)
{
    QString student = QString::fromStdString(c.student.architecture);
    if (c.student.widthMultiplier != 1.0) student += QStringLiteral(" width %1").arg(c.student.widthMultiplier);
    if (c.student.architecture == "cifar_resnet") {
        const auto &b = c.student.cifarBlocks;
        student += QStringLiteral(" blocks [%1,%2,%3,%4]").arg(b[0]).arg(b[1]).arg(b[2]).arg(b[3]);
    }
    QString teacher;
    if (ml::strategyUsesTeacher(c.strategy))
        teacher = QStringLiteral("\nTeacher     ") + QDir::toNativeSeparators(c.teacher.path) + QStringLiteral(" (") +
                  c.teacher.kind +
                  (c.teacher.outputLayer.isEmpty() ? QString() : QStringLiteral(", layer ") + c.teacher.outputLayer) +
                  QLatin1Char(')');
    QString augment = QStringLiteral("off");
    if (c.augment.enabled) {
        QStringList parts;
        if (c.augment.cropScaleMin < 1) parts << QStringLiteral("crop %1-1").arg(c.augment.cropScaleMin);
        if (c.augment.horizontalFlip) parts << QStringLiteral("h-flip");
        if (c.augment.verticalFlip) parts << QStringLiteral("v-flip");
        if (c.augment.brightness > 0 || c.augment.contrast > 0 || c.augment.saturation > 0)
            parts << QStringLiteral("colour jitter");
        augment = parts.isEmpty() ? QStringLiteral("none") : parts.join(QStringLiteral(", "));
    }
    // Concatenated, not QString::arg() in steps: a path holding "%1" must come out as it is.
    return QStringLiteral("Dataset     ") + QDir::toNativeSeparators(c.dataset) + QStringLiteral("\nStrategy    ") +
           ml::strategyName(c.strategy) + teacher + QStringLiteral("\nStudent     ") + student + QStringLiteral(", ") +
           QString::number(c.imageSize) + QStringLiteral(" px (") + c.resizePolicy +
           QStringLiteral("), augmentation: ") + augment + QStringLiteral(", sampler ") + c.sampler +
           QStringLiteral("\nOptimiser   ") + c.optimizer + QStringLiteral(" lr ") + QString::number(c.lr) +
           QStringLiteral(", ") + c.schedule + QStringLiteral(" schedule, batch ") + QString::number(c.batchSize) +
           QStringLiteral(", ") + QString::number(c.epochs) + QStringLiteral(" epoch(s)") +
           (c.maxTrainBatches > 0 ? QStringLiteral(" of at most %1 batches").arg(c.maxTrainBatches) : QString()) +
           QStringLiteral(", seed ") + QString::number(c.seed);
}

namespace {

QString percentOrDash(double v)
{
    return std::isfinite(v) ? percent(v) : QStringLiteral("-");
}

void printHistory(const std::vector<ml::EpochRecord> &history)
{
    if (history.empty()) return;
    QStringList lossNames;
    for (const auto &[name, value] : history.back().losses)
        lossNames << name;
    QStringList header{QStringLiteral("epoch")};
    header << lossNames << QStringLiteral("val acc") << QStringLiteral("val bal. acc") << QStringLiteral("val macro-F1")
           << QStringLiteral("time") << QStringLiteral("img/s") << QString();
    TextTable t(header);
    for (int c = 0; c < header.size() - 1; ++c)
        t.setRightAligned(c);
    constexpr std::size_t kShown = 12;
    const std::size_t first = history.size() > kShown ? history.size() - kShown : 0;
    for (std::size_t i = first; i < history.size(); ++i) {
        const ml::EpochRecord &e = history[i];
        QStringList row{QString::number(e.epoch)};
        for (const QString &name : lossNames)
            row << number(e.loss(name));
        row << percentOrDash(e.valAccuracy) << percentOrDash(e.valBalancedAccuracy) << percentOrDash(e.valMacroF1)
            << formatDuration(e.seconds) << QString::number(e.imagesPerSecond, 'f', 0)
            << (e.best ? QStringLiteral("best") : QString());
        t.addRow(row);
    }
    if (first > 0) out() << "  (last " << kShown << " of " << history.size() << " epochs; all of them in epochs.csv)\n";
    out() << t.render();
}

} // namespace

QString evaluationSummary(const ml::SplitEvaluation &e)
{
    const metrics::EvaluationReport &r = e.report;
    QString out;
    QTextStream ts(&out);
    int width = 5;
    for (const auto &n : e.classNames)
        width = std::max(width, int(n.size()));
    ts << e.split << " split, " << r.numSamples << " images\n";
    const auto row = [&](const QString &a, const QString &b, const QString &c, const QString &d, const QString &f,
                         const QString &g, const QString &h) {
        ts << QStringLiteral("%1  %2  %3  %4  %5  %6  %7\n")
                  .arg(a, -width)
                  .arg(b, 6)
                  .arg(c, -6)
                  .arg(d, 7)
                  .arg(f, 7)
                  .arg(g, 9)
                  .arg(h, 6);
    };
    row(QStringLiteral("class"), QStringLiteral("train"), QStringLiteral("group"), QStringLiteral("support"),
        QStringLiteral("recall"), QStringLiteral("precision"), QStringLiteral("F1"));
    const auto in = [](const metrics::GroupRecall &g, int k) {
        return std::find(g.classes.begin(), g.classes.end(), k) != g.classes.end();
    };
    for (int k = 0; k < r.numClasses; ++k) {
        QString group;
        if (r.hasTailGroups)
            group = in(r.tailGroups.head, k)   ? QStringLiteral("head")
                    : in(r.tailGroups.tail, k) ? QStringLiteral("tail")
                                               : QStringLiteral("medium");
        const auto fixed = [](double v, int places) { return QString::number(v, 'f', places); };
        row(metrics::classLabel(k, e.classNames),
            QString::number(size_t(k) < e.trainCounts.size() ? e.trainCounts[size_t(k)] : 0), group,
            QString::number(r.perClass.support[size_t(k)]), fixed(r.perClass.recall[size_t(k)], 3),
            fixed(r.perClass.precision[size_t(k)], 3), fixed(r.perClass.f1[size_t(k)], 3));
    }
    ts << QStringLiteral("accuracy %1  balanced accuracy %2  macro-F1 %3  MCC %4")
              .arg(r.accuracy, 0, 'f', 4)
              .arg(r.balancedAccuracy, 0, 'f', 4)
              .arg(r.macroF1, 0, 'f', 4)
              .arg(r.matthews, 0, 'f', 4);
    if (r.hasProbabilities) ts << QStringLiteral("  ECE %1").arg(r.calibration.ece, 0, 'f', 4);
    ts << "\n";
    if (r.hasTailGroups) {
        const auto g = [](const metrics::GroupRecall &x) {
            return x.evaluated.empty() ? QStringLiteral("n/a") : QString::number(x.meanRecall, 'f', 4);
        };
        ts << QStringLiteral("head recall %1 (%2 classes)  medium %3 (%4)  tail %5 (%6)\n")
                  .arg(g(r.tailGroups.head))
                  .arg(r.tailGroups.head.classes.size())
                  .arg(g(r.tailGroups.medium))
                  .arg(r.tailGroups.medium.classes.size())
                  .arg(g(r.tailGroups.tail))
                  .arg(r.tailGroups.tail.classes.size());
    }
    return out;
}

namespace {
ml::DistributedSettings g_distribution;
}

void setDistribution(const ml::DistributedSettings &settings)
{
    g_distribution = settings;
}

const ml::DistributedSettings &distribution()
{
    return g_distribution;
}

int runTraining(const ml::TrainConfig *config, const QString &resumeDir, int epochs, ml::TrainOutcome *outcomeOut,
                bool printEvaluation)
{
    const QString runDir = config ? config->runDir : resumeDir;
    if (!g_distribution.writer()) { // a rank other than 0: rank 0 speaks for the run
        JobControl control;
        const auto job =
            config ? ml::trainJob(*config, {}, g_distribution) : ml::resumeJob(resumeDir, epochs, {}, g_distribution);
        Result<ml::TrainOutcome> result = makeError(ErrorCode::Cancelled, {}, QStringLiteral("not started"));
        {
            CancelOnSignal guard(&control);
            result = runBlocking(job, control, ProgressSink{}, QStringLiteral("training"));
        }
        if ((result.ok() && result->status == ml::TrainOutcome::Status::Cancelled) ||
            (!result.ok() && result.error().code == ErrorCode::Cancelled))
            return kCancelledExitCode;
        if (!result) return fail(result.error().message());
        if (outcomeOut) *outcomeOut = *result;
        return 0;
    }
    QElapsedTimer clock;
    clock.start();
    out() << (config ? "Training    " : "Resuming    ") << QDir::toNativeSeparators(runDir)
          << "  (Ctrl-C stops after the current batch; resume with 'fopro train --resume RUN')\n";
    out().flush();
    JobControl control;
    ProgressPrinter progress;
    const auto job =
        config ? ml::trainJob(*config, {}, g_distribution) : ml::resumeJob(resumeDir, epochs, {}, g_distribution);
    const Result<ml::TrainOutcome> result = runWithSignals(job, control, progress, QStringLiteral("training"));
    const bool cancelled = (result.ok() && result->status == ml::TrainOutcome::Status::Cancelled) ||
                           (!result.ok() && result.error().code == ErrorCode::Cancelled);
    if (result.ok() && outcomeOut) *outcomeOut = *result;
    if (cancelled) {
        out().flush();
        if (result.ok() && result->epochsDone > 0)
            err() << "stopped after " << result->epochsDone << " finished epoch(s) ("
                  << formatDuration(clock.elapsed() / 1000.0) << ")\n";
        err() << "cancelled; resume with: fopro train --resume " << shellQuote(QDir::toNativeSeparators(runDir))
              << Qt::endl;
        return kCancelledExitCode;
    }
    if (!result) return fail(result.error().message());
    const ml::TrainOutcome &o = *result;
    out() << "\n";
    printHistory(o.history);
    out() << "\nFinished    " << o.epochsDone << " epoch(s) in " << formatDuration(clock.elapsed() / 1000.0);
    if (o.bestEpoch > 0)
        out() << "; best epoch " << o.bestEpoch
              << (std::isfinite(o.bestValBalancedAccuracy)
                      ? QStringLiteral(" (validation balanced accuracy %1)").arg(percent(o.bestValBalancedAccuracy))
                      : QStringLiteral(" (no validation split: the last epoch)"));
    out() << "\n";
    if (const ml::SplitEvaluation *e = o.mainEvaluation(); e && printEvaluation)
        out() << "\n" << evaluationSummary(*e).trimmed() << "\n";
    const QString folder = QDir::toNativeSeparators(o.runDir.isEmpty() ? runDir : o.runDir);
    out() << "\nRun folder  " << folder << "\n"
          << "Next        fopro eval " << shellQuote(folder) << " --split test   |   fopro export "
          << shellQuote(folder) << "\n";
    return 0;
}

} // namespace fopro::cli
