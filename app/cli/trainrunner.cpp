#include "app/cli/trainrunner.h"

#include "app/cli/clioutput.h"

#include <QtCore/QDir>
#include <QtCore/QRegularExpression>

#include <atomic>
#include <cmath>
#include <cstdio>

#include <sys/ioctl.h>
#include <unistd.h>

namespace fopro::cli {

using ml::TrainProgress;

namespace {

int terminalColumns()
{
    winsize w{};
    if (ioctl(STDERR_FILENO, TIOCGWINSZ, &w) == 0 && w.ws_col > 20) return w.ws_col;
    return 100;
}

void writeErr(const QString &text)
{
    const QByteArray bytes = text.toLocal8Bit();
    std::fwrite(bytes.constData(), 1, std::size_t(bytes.size()), stderr);
    std::fflush(stderr);
}

QString number(double v)
{
    if (!std::isfinite(v)) return QStringLiteral("-");
    return QString::number(v, 'g', std::fabs(v) >= 100 ? 5 : 4);
}

// ---- signals ------------------------------------------------------------------------------------

std::atomic<CancelToken *> g_signalToken{nullptr};
std::atomic<bool> g_signalled{false};
static_assert(std::atomic<CancelToken *>::is_always_lock_free, "the signal handler needs a lock-free pointer");
static_assert(std::atomic<bool>::is_always_lock_free, "the signal handler needs a lock-free flag");

extern "C" void onTerminationSignal(int)
{
    // Only async-signal-safe calls here: atomic stores, sigaction, write.
    if (CancelToken *token = g_signalToken.load()) token->cancel();
    g_signalled.store(true);
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    sigaction(SIGINT, &dfl, nullptr);
    sigaction(SIGTERM, &dfl, nullptr);
    static const char message[] = "\nfopro: stopping after the current batch (press Ctrl-C again to quit at once)\n";
    const ssize_t written = write(STDERR_FILENO, message, sizeof message - 1);
    (void)written;
}

} // namespace

// ---- progress -----------------------------------------------------------------------------------

ProgressPrinter::ProgressPrinter(int terminal) : m_terminal(terminal < 0 ? isatty(fileno(stderr)) != 0 : terminal != 0)
{
    m_clock.start();
}

ProgressPrinter::~ProgressPrinter() { finish(); }

ml::ProgressCallback ProgressPrinter::callback()
{
    return [this](const TrainProgress &p) { update(p); };
}

QString formatDuration(double seconds)
{
    if (!std::isfinite(seconds) || seconds < 0) return QStringLiteral("?");
    const qint64 s = qint64(std::llround(seconds));
    if (s < 60) return QStringLiteral("%1s").arg(s);
    if (s < 3600) return QStringLiteral("%1m%2s").arg(s / 60).arg(s % 60, 2, 10, QLatin1Char('0'));
    return QStringLiteral("%1h%2m").arg(s / 3600).arg((s % 3600) / 60, 2, 10, QLatin1Char('0'));
}

QString ProgressPrinter::statusLine(const TrainProgress &p, bool bar, const QString &label)
{
    QString line;
    const QString epoch = QStringLiteral("epoch %1/%2").arg(p.epoch + 1).arg(p.epochs);
    switch (p.phase) {
    case TrainProgress::Phase::Preparing: line = QStringLiteral("preparing"); break;
    case TrainProgress::Phase::CachingTeacher: line = QStringLiteral("teacher features"); break;
    case TrainProgress::Phase::Training: line = epoch; break;
    case TrainProgress::Phase::Validating: line = epoch + QStringLiteral(" validation"); break;
    case TrainProgress::Phase::Evaluating: line = QStringLiteral("evaluating"); break;
    case TrainProgress::Phase::Finished: line = QStringLiteral("finished"); break;
    }
    if (!label.isEmpty()) line = p.phase == TrainProgress::Phase::Validating && p.epochs > 0 ? epoch + QStringLiteral(" ") + label : label;
    if (p.batches > 0) {
        const int done = std::clamp(p.batch, 0, p.batches);
        if (bar) {
            constexpr int kWidth = 24;
            const int filled = int(double(done) * kWidth / p.batches);
            line += QStringLiteral(" [") + QString(filled, QLatin1Char('#')) + QString(kWidth - filled, QLatin1Char('.')) + QLatin1Char(']');
        }
        // Training and validation count batches; teacher caching and evaluation count images.
        const bool images = p.phase == TrainProgress::Phase::CachingTeacher || p.phase == TrainProgress::Phase::Evaluating;
        line += QStringLiteral(" %1%2/%3%4")
                    .arg(bar || images ? QString() : QStringLiteral("batch "))
                    .arg(done)
                    .arg(p.batches)
                    .arg(images ? QStringLiteral(" images") : QString());
    }
    if (p.imagesPerSecond > 0) line += QStringLiteral("  %1 img/s").arg(p.imagesPerSecond, 0, 'f', p.imagesPerSecond < 10 ? 1 : 0);
    if (p.etaSeconds >= 0) line += QStringLiteral("  ETA ") + formatDuration(p.etaSeconds);
    if (!bar && p.elapsedSeconds > 0) line += QStringLiteral("  elapsed ") + formatDuration(p.elapsedSeconds);
    for (const auto &[name, value] : p.losses) line += QStringLiteral("  %1 %2").arg(name, number(value));
    return line;
}

void ProgressPrinter::clearLine()
{
    if (m_terminal && m_lineShown) writeErr(QStringLiteral("\r\033[K"));
    m_lineShown = false;
}

void ProgressPrinter::update(const TrainProgress &p)
{
    std::lock_guard<std::mutex> lock(m_mutex);
    const qint64 now = m_clock.elapsed();
    const bool phaseChanged = int(p.phase) != m_lastPhase;
    const bool changed = phaseChanged || p.epoch != m_lastEpoch;
    m_lastPhase = int(p.phase);
    m_lastEpoch = p.epoch;
    if (phaseChanged) m_label.clear();
    const bool epochEnd = p.phase == TrainProgress::Phase::Training && p.batches > 0 && p.batch >= p.batches;

    // The trainer's messages: on a terminal, the epoch summaries stay on screen and the others
    // ("validating", "caching teacher features", ...) label the status line of their phase.
    const QString message = p.message.trimmed();
    bool labelChanged = false;
    if (!message.isEmpty() && message != m_lastMessage) {
        m_lastMessage = message;
        if (p.phase != TrainProgress::Phase::Training && p.phase != TrainProgress::Phase::Finished) {
            m_label = message;
            labelChanged = true;
        }
        if (!m_terminal) {
            writeErr(message + QLatin1Char('\n'));
            if (epochEnd) m_epochLineFor = p.epoch; // the summary is this epoch's line
        } else if (p.phase == TrainProgress::Phase::Training) {
            clearLine();
            writeErr(message + QLatin1Char('\n'));
            m_lastDrawn = -1000000; // redraw the status line below it at once
        }
    }
    if (p.phase == TrainProgress::Phase::Finished) {
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
    if (epochEnd && m_epochLineFor != p.epoch) m_epochLineFor = p.epoch;
    else if (p.batches <= 0 || p.batch <= 0 || now - m_lastDrawn < 5000) return;
    writeErr(statusLine(p, false, m_label) + QLatin1Char('\n'));
    m_lastDrawn = now;
}

void ProgressPrinter::finish()
{
    std::lock_guard<std::mutex> lock(m_mutex);
    clearLine();
}

// ---- Ctrl-C ----------------------------------------------------------------------------------------

CancelOnSignal::CancelOnSignal(CancelToken *token)
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

bool CancelOnSignal::signalled() { return g_signalled.load(); }

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
        teacher = QStringLiteral("\nTeacher     ") + QDir::toNativeSeparators(c.teacher.path) + QStringLiteral(" (") + c.teacher.kind
                  + (c.teacher.outputLayer.isEmpty() ? QString() : QStringLiteral(", layer ") + c.teacher.outputLayer) + QLatin1Char(')');
    QString augment = QStringLiteral("off");
    if (c.augment.enabled) {
        QStringList parts;
        if (c.augment.cropScaleMin < 1) parts << QStringLiteral("crop %1-1").arg(c.augment.cropScaleMin);
        if (c.augment.horizontalFlip) parts << QStringLiteral("h-flip");
        if (c.augment.verticalFlip) parts << QStringLiteral("v-flip");
        if (c.augment.brightness > 0 || c.augment.contrast > 0 || c.augment.saturation > 0) parts << QStringLiteral("colour jitter");
        augment = parts.isEmpty() ? QStringLiteral("none") : parts.join(QStringLiteral(", "));
    }
    // Concatenated, not QString::arg() in steps: a path holding "%1" must come out as it is.
    return QStringLiteral("Dataset     ") + QDir::toNativeSeparators(c.dataset) + QStringLiteral("\nStrategy    ")
        + ml::strategyName(c.strategy) + teacher + QStringLiteral("\nStudent     ") + student + QStringLiteral(", ")
        + QString::number(c.imageSize) + QStringLiteral(" px (") + c.resizePolicy + QStringLiteral("), augmentation: ") + augment
        + QStringLiteral(", sampler ") + c.sampler + QStringLiteral("\nOptimiser   ") + c.optimizer + QStringLiteral(" lr ")
        + QString::number(c.lr) + QStringLiteral(", ") + c.schedule + QStringLiteral(" schedule, batch ") + QString::number(c.batchSize)
        + QStringLiteral(", ") + QString::number(c.epochs) + QStringLiteral(" epoch(s)")
        + (c.maxTrainBatches > 0 ? QStringLiteral(" of at most %1 batches").arg(c.maxTrainBatches) : QString())
        + QStringLiteral(", seed ") + QString::number(c.seed);
}

namespace {

QString percentOrDash(double v) { return std::isfinite(v) ? percent(v) : QStringLiteral("-"); }

void printHistory(const std::vector<ml::EpochRecord> &history)
{
    if (history.empty()) return;
    QStringList lossNames;
    for (const auto &[name, value] : history.back().losses) lossNames << name;
    QStringList header{QStringLiteral("epoch")};
    header << lossNames << QStringLiteral("val acc") << QStringLiteral("val bal. acc") << QStringLiteral("val macro-F1")
           << QStringLiteral("time") << QStringLiteral("img/s") << QString();
    TextTable t(header);
    for (int c = 0; c < header.size() - 1; ++c) t.setRightAligned(c);
    constexpr std::size_t kShown = 12;
    const std::size_t first = history.size() > kShown ? history.size() - kShown : 0;
    for (std::size_t i = first; i < history.size(); ++i) {
        const ml::EpochRecord &e = history[i];
        QStringList row{QString::number(e.epoch)};
        for (const QString &name : lossNames) {
            double v = NAN;
            for (const auto &[n, value] : e.losses)
                if (n == name) v = value;
            row << number(v);
        }
        row << percentOrDash(e.valAccuracy) << percentOrDash(e.valBalancedAccuracy) << percentOrDash(e.valMacroF1)
            << formatDuration(e.seconds) << QString::number(e.imagesPerSecond, 'f', 0) << (e.best ? QStringLiteral("best") : QString());
        t.addRow(row);
    }
    if (first > 0) out() << "  (last " << kShown << " of " << history.size() << " epochs; all of them in epochs.csv)\n";
    out() << t.render();
}

} // namespace

int runTraining(const ml::TrainConfig *config, const QString &resumeDir, int epochs, ml::TrainOutcome *outcomeOut)
{
    const QString runDir = config ? config->runDir : resumeDir;
    ml::TrainControl control;
    Result<ml::TrainOutcome> result = makeError(ErrorCode::Cancelled, runDir, QStringLiteral("not started"));
    QElapsedTimer clock;
    clock.start();
    out() << (config ? "Training    " : "Resuming    ") << QDir::toNativeSeparators(runDir)
          << "  (Ctrl-C stops after the current batch; resume with 'fopro train --resume RUN')\n";
    out().flush();
    {
        CancelOnSignal signalGuard(&control.cancel);
        ProgressPrinter progress;
        result = config ? ml::trainRun(*config, &control, progress.callback())
                        : ml::resumeRun(resumeDir, &control, progress.callback(), epochs);
        progress.finish();
    }
    const bool cancelled = (result.ok() && result->status == ml::TrainOutcome::Status::Cancelled)
                           || (!result.ok() && result.error().code == ErrorCode::Cancelled);
    if (result.ok() && outcomeOut) *outcomeOut = *result;
    if (cancelled) {
        out().flush();
        if (result.ok() && result->epochsDone > 0)
            err() << "stopped after " << result->epochsDone << " finished epoch(s) (" << formatDuration(clock.elapsed() / 1000.0) << ")\n";
        err() << "cancelled; resume with: fopro train --resume " << shellQuote(QDir::toNativeSeparators(runDir)) << Qt::endl;
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
    if (!o.summary.trimmed().isEmpty()) out() << "\n" << o.summary.trimmed() << "\n";
    const QString quoted = shellQuote(QDir::toNativeSeparators(o.runDir.isEmpty() ? runDir : o.runDir));
    out() << "\nRun folder  " << QDir::toNativeSeparators(o.runDir.isEmpty() ? runDir : o.runDir) << "\n"
          << "Next        fopro eval " << quoted << " --split test   |   fopro export " << quoted << "\n";
    return 0;
}

} // namespace fopro::cli
