#pragma once
// JobManager: the one owner of background work in the desktop application (a QObject living on the
// GUI thread). It has a training slot (one job at a time, further ones queue) and an I/O pool (a
// few threads for imports, scans, proposals, decoding-heavy dialogs). Each job gets a JobControl
// (cancel, pause, resume) and a throttled progress sink; its result comes back on the GUI thread
// as a value through the callback given to submit(). Closing the window calls shutdown(), which
// cancels every job and waits until no worker thread is left running.
//
// The CLI runs the same job functions through runBlocking(), on a pool of its own, with its
// progress printer as the sink.

#include "core/common/result.h"
#include "core/jobs/jobcontrol.h"
#include "core/jobs/progress.h"
#include "core/jobs/runjob.h"

#include <QtCore/QHash>
#include <QtCore/QObject>
#include <QtCore/QPointer>
#include <QtCore/QThreadPool>

#include <functional>
#include <memory>
#include <optional>

namespace fopro {

/// The signature of a job: it reads its control and reports through the sink.
template <typename T> using JobFunction = std::function<Result<T>(JobControl &control, const ProgressSink &progress)>;

/// Runs a job on the calling thread's behalf: on a private one-thread pool, blocking until it ends,
/// with progress throttled to ten updates per second and delivered (on the worker thread) to
/// `sink`. `control` may be cancelled from another thread or a signal handler's watcher.
template <typename T>
Result<T> runBlocking(const JobFunction<T> &job, JobControl &control, const ProgressSink &sink = {},
                      const QString &what = {})
{
    QThreadPool pool;
    pool.setMaxThreadCount(1);
    ProgressThrottle throttle(sink);
    const ProgressSink throttled = sink ? throttle.sink() : ProgressSink();
    auto future = runJob(
        &pool, [&]() -> Result<T> { return job(control, throttled); }, what);
    future.waitForFinished();
    return future.result();
}

class JobManager : public QObject {
    Q_OBJECT
public:
    using JobId = quint64;
    enum class Kind { Training, Io };
    enum class State { Queued, Running, Paused, Finished, Failed, Cancelled };

    struct JobInfo {
        JobId id = 0;
        Kind kind = Kind::Io;
        QString title;
        State state = State::Queued;
        Progress progress;
        QString error; ///< the failure's message when state == Failed
    };

    explicit JobManager(QObject *parent = nullptr, int ioThreads = 2);
    ~JobManager() override; ///< shutdown()

    /// Queues `job`. When it ends, `done` is called on the GUI thread with its result, unless
    /// `context` (when given) was destroyed meanwhile. A job cancelled before it started never runs
    /// and ends with an Error of code Cancelled.
    template <typename T>
    JobId submit(Kind kind, const QString &title, JobFunction<T> job, std::function<void(const Result<T> &)> done = {},
                 QObject *context = nullptr)
    {
        auto slot = std::make_shared<std::optional<Result<T>>>();
        const QPointer<QObject> guard(context);
        const bool guarded = context != nullptr;
        auto work = [job = std::move(job), slot](JobControl &control, const ProgressSink &sink) -> Result<void> {
            *slot = job(control, sink);
            if ((*slot)->ok()) return {};
            return (*slot)->error();
        };
        auto deliver = [done = std::move(done), slot, guard, guarded](const Error &failure) {
            if (!done || (guarded && !guard)) return;
            if (slot->has_value())
                done(**slot);
            else
                done(Result<T>(failure));
        };
        return enqueue(kind, title, std::move(work), std::move(deliver));
    }

    void cancel(JobId id);
    void pause(JobId id);
    void resume(JobId id);
    /// Cancels every queued and running job (results are still delivered, as Cancelled).
    void cancelAll();
    /// Cancels everything and blocks until no worker thread of this manager runs. Returns false
    /// when `msecs` (>= 0) ran out first.
    bool shutdown(int msecs = -1);

    bool isBusy() const; ///< any job queued or running
    bool isBusy(Kind kind) const;
    std::optional<JobInfo> info(JobId id) const;
    QList<JobInfo> jobs() const; ///< queued and running jobs, in submission order

    QThreadPool *ioPool() { return &m_ioPool; }

Q_SIGNALS:
    void jobQueued(fopro::JobManager::JobId id, const QString &title);
    void jobStarted(fopro::JobManager::JobId id);
    void jobPaused(fopro::JobManager::JobId id, bool paused);
    void progressChanged(fopro::JobManager::JobId id, const fopro::Progress &progress);
    void jobFinished(fopro::JobManager::JobId id);
    void jobFailed(fopro::JobManager::JobId id, const QString &message);
    void jobCancelled(fopro::JobManager::JobId id);
    /// After any of the above: the set of queued/running jobs or their state changed.
    void busyChanged(bool busy);

private:
    using Work = std::function<Result<void>(JobControl &, const ProgressSink &)>;
    using Deliver = std::function<void(const Error &)>;
    struct Entry;

    JobId enqueue(Kind kind, const QString &title, Work work, Deliver deliver);
    void onStarted(JobId id);
    void onProgress(JobId id, const Progress &p);
    void onEnded(JobId id, const Error &error);

    QThreadPool m_trainingPool;
    QThreadPool m_ioPool;
    QHash<JobId, std::shared_ptr<Entry>> m_entries;
    QList<JobId> m_order;
    JobId m_next = 1;
    bool m_shuttingDown = false;
};

} // namespace fopro
