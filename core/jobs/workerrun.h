#pragma once
// A training that runs in its own process: `fopro train --events` (workerprotocol.h), started
// detached so that it survives the window when the user lets it finish in the background, and so
// that a crash, abort or out-of-memory inside LibTorch never takes the window down.
//
// How the two sides talk:
//  - the worker's standard output (protocol events, one JSON object per line) goes to an events
//    file and its standard error to a stderr file, both in the state folder; the supervisor tails
//    the events file (every 50 ms; a new line reaches the owner within about 0.1 s);
//  - commands travel as signals: SIGUSR1 pause, SIGUSR2 resume, SIGTERM cancel after the current
//    batch (the worker's protocol); kill() is SIGKILL, for a worker that does not stop;
//  - a record (<state>/<name>.json: pid, its start time, the run folder, the files, the command)
//    lets a later session find the worker again: attach() replays the events written so far and
//    goes on tailing; a worker that is gone without a "finished" or "error" event has died.
// A pid is only trusted together with its start time (/proc/<pid>/stat), so a recycled pid is
// never mistaken for the worker. Linux only (the product's platform).

#include "core/common/result.h"
#include "core/jobs/workerprotocol.h"

#include <QtCore/QDateTime>
#include <QtCore/QJsonObject>
#include <QtCore/QObject>
#include <QtCore/QString>
#include <QtCore/QStringList>

class QTimer;

namespace fopro::worker {

/// What a worker record holds (<state>/<name>.json).
struct WorkerRecord {
    QString name;       ///< the record's name (the run folder's name)
    QString recordFile; ///< <state>/<name>.json
    QString eventsFile; ///< <state>/<name>.events.jsonl
    QString stderrFile; ///< <state>/<name>.stderr.txt
    QString runDir;     ///< the run folder the worker writes
    QString program;
    QStringList arguments;
    QString kind;      ///< "train" or "resume"
    qint64 pid = 0;    ///< 0 before the start
    qint64 ticks = -1; ///< the process's start time (clock ticks since boot), -1 when unknown
    QDateTime started; ///< UTC

    QJsonObject toJson() const;
    static Result<WorkerRecord> fromJson(const QJsonObject &object, const QString &file);
    static Result<WorkerRecord> load(const QString &recordFile);
};

/// The worker program: $FOPRO_CLI when set, else `fopro` beside the running executable, else
/// `fopro` on the PATH.
QString workerProgram();
/// Start time of a live process (field 22 of /proc/<pid>/stat), -1 when there is no such process
/// or it is a zombie.
qint64 processStartTicks(qint64 pid);

class WorkerRun : public QObject {
    Q_OBJECT
public:
    enum class State {
        Running,   ///< started, or attached to a live worker
        Paused,    ///< a "paused" log event arrived after a pause()
        Finished,  ///< a "finished" event with state "finished"
        Cancelled, ///< a "finished" event with state "cancelled" (resumable)
        Failed,    ///< an "error" event (the worker reported why)
        Died,      ///< the process ended without saying how (killed, crashed, out of memory)
    };

    /// Starts `program arguments` detached, its output to files in `stateDir` named after `name`.
    /// WriteFailed when the state folder cannot be written; Internal when the process does not start.
    static Result<WorkerRun *> launch(const QString &stateDir, const QString &name, const QString &runDir,
                                      const QString &kind, const QString &program, const QStringList &arguments,
                                      QObject *parent = nullptr);
    /// Attaches to the worker of a record: its events so far are replayed (from the event loop),
    /// then tailed; a worker that is gone ends as Died unless its events say how it ended.
    static Result<WorkerRun *> attach(const QString &recordFile, QObject *parent = nullptr);
    /// The record files in `stateDir`, oldest first.
    static QStringList records(const QString &stateDir);

    ~WorkerRun() override;

    const WorkerRecord &record() const { return m_record; }
    QString runDir() const { return m_record.runDir; }
    State state() const { return m_state; }
    bool isEnded() const;
    /// The process is still there (same pid, same start time, not a zombie).
    bool isAlive() const;

    /// Pauses after the current batch (SIGUSR1; sent once the worker said it started).
    void pause();
    void resume();
    /// Cancels after the current batch (SIGTERM); the run stays resumable.
    void cancel();
    /// SIGKILL.
    void kill();
    /// Waits up to `msecs` for the process to end (the event loop is not run). True when it ended.
    bool waitForExit(int msecs) const;

    /// The last `n` log lines received (log events), oldest first.
    QStringList lastLogLines(int n = 20) const;
    /// The last `n` lines of the worker's standard error (aborts and crashes write there).
    QStringList stderrTail(int n = 20) const;
    /// The error of a Failed run, or a description of a Died one.
    const Error &failure() const { return m_failure; }
    /// Removes the record, events and stderr files (after the owner took what it needs).
    void discardFiles() const;
    /// Reads what arrived now (normally done by the timer).
    void poll();
    /// Reads everything written so far and, when the process is gone, decides how the run ended
    /// (from its events, else Died): for records of workers that ended while nobody watched.
    void settle();

Q_SIGNALS:
    void eventReceived(const fopro::worker::Event &event);
    void stateChanged(fopro::worker::WorkerRun::State state);
    /// The run ended (Finished, Cancelled, Failed or Died); emitted once.
    void ended(fopro::worker::WorkerRun::State state);

private:
    explicit WorkerRun(WorkerRecord record, QObject *parent);
    void handle(const Event &event);
    void setState(State state);
    void checkAlive();

    WorkerRecord m_record;
    State m_state = State::Running;
    qint64 m_offset = 0;
    LineSplitter m_splitter;
    QStringList m_log;
    Error m_failure;
    QTimer *m_timer = nullptr;
    int m_ticksSinceLivenessCheck = 0;
    bool m_endedEmitted = false;
    bool m_pauseRequested = false;
    bool m_started = false; ///< the "started" event arrived (the worker handles its signals)
};

} // namespace fopro::worker
