#pragma once
// Worker mode of `fopro train --events`: the process a supervisor (the desktop application's
// Training page) starts and reads. Its standard output carries only the event lines of
// core/jobs/workerprotocol.h, one JSON object per line, flushed line by line; everything for people
// goes to stderr. Commands arrive as lines on stdin ("pause", "resume", "cancel") or as signals:
// SIGUSR1 pause, SIGUSR2 resume, SIGTERM / SIGINT cancel after the current batch (every time; a
// supervisor that cannot wait sends SIGKILL). The handlers are installed as soon as the arguments
// are read (a signal sent earlier, while the libraries load, has its default action: a supervisor
// signals once it has read the `started` line, or accepts that). End of input on stdin means
// nothing (it never cancels). When stdout fails (the supervisor went away) the run goes on silently:
// the run folder records everything.

#include "core/jobs/workerprotocol.h"
#include "core/ml/trainconfig.h"

#include <QtCore/QByteArray>
#include <QtCore/QString>

namespace fopro::cli {

/// The event stream on the process's real standard output.
class WorkerEvents {
public:
    /// Switches the process to worker mode: SIGPIPE ignored, the real stdout kept for events only and
    /// file descriptor 1 pointed at stderr (so that nothing else can write to the event stream), and
    /// every failure reported through fail() also sent as an `error` event; the command signals
    /// (SIGUSR1, SIGUSR2, SIGTERM, SIGINT) are caught from here on and applied by the training's
    /// command thread (before it runs they wait). Idempotent.
    static void begin();
    /// True after begin().
    static bool active();
    /// Writes one event line (thread-safe). After a failed write nothing more is written.
    static void send(const worker::Event &event);
    /// Writes one line (a '\n' is added when missing), for outputs that are not events (the estimate).
    static void writeLine(const QByteArray &line);
    /// One `log` event per line of `text` (empty lines skipped).
    static void logLines(const QString &text);
};

/// Trains in worker mode: `config` starts a new run, null resumes the run in `resumeDir` (`epochs` > 0
/// changes its number of epochs). Emits started, progress (at most ten a second), log, epoch,
/// error and finished events. Returns the exit code: 0 finished, 1 failed, 130 cancelled.
int runWorkerTraining(const ml::TrainConfig *config, const QString &resumeDir = {}, int epochs = 0);

} // namespace fopro::cli
