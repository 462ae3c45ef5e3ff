#pragma once
// Running the ML core from the terminal: a progress display for training and evaluation on stderr,
// Ctrl-C handling (SIGINT/SIGTERM cancel the work at the next batch; a second one ends the process),
// and training with both, shared by `fopro train` and `fopro demo`.

#include "core/jobs/jobcontrol.h"
#include "core/jobs/progress.h"
#include "core/ml/runevaluation.h"
#include "core/ml/trainer.h"

#include <QtCore/QElapsedTimer>
#include <QtCore/QString>

#include <mutex>

#include <signal.h>

namespace fopro::cli {

/// Shows the fopro::Progress of training, evaluation and the probe on stderr. On a terminal: one status line (phase,
/// epoch, a bar, batch, images/s, ETA, running losses) redrawn in place with '\r' at most ten times a second, with the
/// trainer's epoch summaries printed above it (its other messages label the status line).
/// Otherwise (a log file, a pipe): every message of the trainer on its own line, plus a plain status
/// line at the end of every epoch and at most one every five seconds in between.
/// Thread-safe; keep it alive for as long as its callback may be called.
class ProgressPrinter {
public:
    /// `terminal`: redraw in place; by default when stderr is a TTY.
    explicit ProgressPrinter(int terminal = -1);
    ~ProgressPrinter();
    ProgressPrinter(const ProgressPrinter &) = delete;
    ProgressPrinter &operator=(const ProgressPrinter &) = delete;

    void update(const Progress &progress);
    /// A sink calling update() (for runBlocking and the core's functions).
    ProgressSink sink();
    /// Removes the status line from the terminal, so that what follows starts on a clean line.
    void finish();

    /// The status line of `progress` (without the bar when `bar` is false); `label` replaces the
    /// name of the phase.
    static QString statusLine(const Progress &progress, bool bar, const QString &label = {});

private:
    void clearLine();

    bool m_terminal = false;
    std::mutex m_mutex;
    QElapsedTimer m_clock;
    qint64 m_lastDrawn = -1000000;
    bool m_lineShown = false;
    QString m_lastMessage;
    QString m_label;
    QString m_lastPhase;
    int m_lastEpoch = -1;
    int m_epochLineFor = -1;
};

/// While alive, SIGINT and SIGTERM cancel `token` (an atomic store, async-signal-safe) and say so on
/// stderr; the first signal also restores the default actions, so a second Ctrl-C ends the process
/// at once. The previous handlers are restored on destruction. One instance at a time.
class CancelOnSignal {
public:
    explicit CancelOnSignal(JobControl *token);
    ~CancelOnSignal();
    CancelOnSignal(const CancelOnSignal &) = delete;
    CancelOnSignal &operator=(const CancelOnSignal &) = delete;
    /// True once a signal arrived.
    static bool signalled();

private:
    struct sigaction m_oldInt {};
    struct sigaction m_oldTerm {};
};

/// Exit code of a cancelled command (128 + SIGINT, as shells report it).
inline constexpr int kCancelledExitCode = 130;

/// `path` quoted for a POSIX shell when it needs quoting (for the commands the tool suggests).
QString shellQuote(const QString &path);
/// "42s", "3m05s", "1h02m".
QString formatDuration(double seconds);

/// Trains with progress and Ctrl-C handling, then prints the outcome (epochs, best epoch, the
/// summary, the run folder and what to do next). `config` starts a new run; null resumes the run in
/// `resumeDir` (with `epochs` > 0 changing its number of epochs). Returns the exit code: 0
/// finished, 1 failed (reported), 130 cancelled (after printing how to resume). `outcome` receives
/// the outcome when training ran. `printEvaluation` false leaves out the per-class table (a caller
/// that shows the results its own way).
int runTraining(const ml::TrainConfig *config, const QString &resumeDir = {}, int epochs = 0,
                ml::TrainOutcome *outcome = nullptr, bool printEvaluation = true);

/// How this process takes part in a distributed run (from the environment and the options of
/// `fopro train`, core/ml/distributed.h); one process until set. Ranks other than 0 train quietly:
/// they print only their errors.
void setDistribution(const ml::DistributedSettings &settings);
const ml::DistributedSettings &distribution();

/// One paragraph describing a configuration (strategy, student, data, optimisation) for people.
QString describeConfig(const ml::TrainConfig &config);

/// The per-class table of an evaluation (class, training count, head/medium/tail group, support,
/// recall, precision, F1) and its main metrics, for people.
QString evaluationSummary(const ml::SplitEvaluation &evaluation);

/// Runs a job of the core on a worker with Ctrl-C cancelling it and `printer` showing its progress
/// (the same JobFunction the GUI submits to its JobManager).
template <typename T>
Result<T> runWithSignals(const JobFunction<T> &job, JobControl &control, ProgressPrinter &printer, const QString &what)
{
    Result<T> result = makeError(ErrorCode::Cancelled, {}, QStringLiteral("not started"));
    {
        CancelOnSignal guard(&control);
        result = runBlocking(job, control, printer.sink(), what);
        printer.finish();
    }
    return result;
}

} // namespace fopro::cli
