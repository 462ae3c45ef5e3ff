#include "core/jobs/jobmanager.h"

#include <QtCore/QMetaObject>

namespace fopro {

struct JobManager::Entry {
    JobInfo info;
    JobControl control;
    Deliver deliver;
    std::unique_ptr<ProgressThrottle> throttle;
};

JobManager::JobManager(QObject *parent, int ioThreads) : QObject(parent)
{
    qRegisterMetaType<fopro::Progress>();
    qRegisterMetaType<fopro::JobManager::JobId>("fopro::JobManager::JobId");
    m_trainingPool.setMaxThreadCount(1);
    m_ioPool.setMaxThreadCount(qMax(1, ioThreads));
}

JobManager::~JobManager()
{
    shutdown();
}

JobManager::JobId JobManager::enqueue(Kind kind, const QString &title, Work work, Deliver deliver)
{
    const JobId id = m_next++;
    auto entry = std::make_shared<Entry>();
    entry->info.id = id;
    entry->info.kind = kind;
    entry->info.title = title;
    entry->deliver = std::move(deliver);
    if (m_shuttingDown) entry->control.cancel();
    // Progress goes from the worker thread to the GUI thread through a throttle (ten per second).
    QPointer<JobManager> self(this);
    entry->throttle = std::make_unique<ProgressThrottle>([self, id](const Progress &p) {
        if (!self) return;
        QMetaObject::invokeMethod(
            self.data(),
            [self, id, p] {
                if (self) self->onProgress(id, p);
            },
            Qt::QueuedConnection);
    });
    m_entries.insert(id, entry);
    m_order.append(id);
    Q_EMIT jobQueued(id, title);
    Q_EMIT busyChanged(true);

    QThreadPool *pool = kind == Kind::Training ? &m_trainingPool : &m_ioPool;
    // The entry is kept alive by the worker until it has reported; the manager's destructor waits
    // for the pools, so `this` outlives every worker.
    pool->start([this, entry, work = std::move(work), id]() {
        Error error;
        if (entry->control.isCancelled()) {
            error = makeError(ErrorCode::Cancelled, {}, QStringLiteral("cancelled before it started"));
        } else {
            QMetaObject::invokeMethod(
                this, [this, id] { onStarted(id); }, Qt::QueuedConnection);
            ProgressThrottle *throttle = entry->throttle.get();
            const ProgressSink sink = [throttle](const Progress &p) { (*throttle)(p); };
            const Result<void> r = callGuarded([&] { return work(entry->control, sink); }, entry->info.title);
            if (!r.ok()) error = r.error();
            if (error.code == ErrorCode::None && entry->control.isCancelled())
                error = makeError(ErrorCode::Cancelled, {}, QStringLiteral("cancelled"));
        }
        QMetaObject::invokeMethod(
            this, [this, id, error] { onEnded(id, error); }, Qt::QueuedConnection);
    });
    return id;
}

void JobManager::onStarted(JobId id)
{
    auto it = m_entries.find(id);
    if (it == m_entries.end()) return;
    if ((*it)->info.state == State::Queued)
        (*it)->info.state = (*it)->control.isPaused() ? State::Paused : State::Running;
    Q_EMIT jobStarted(id);
}

void JobManager::onProgress(JobId id, const Progress &p)
{
    auto it = m_entries.find(id);
    if (it == m_entries.end()) return;
    (*it)->info.progress = p;
    Q_EMIT progressChanged(id, p);
}

void JobManager::onEnded(JobId id, const Error &error)
{
    auto it = m_entries.find(id);
    if (it == m_entries.end()) return;
    std::shared_ptr<Entry> entry = *it;
    m_entries.erase(it);
    m_order.removeAll(id);
    if (error.code == ErrorCode::None) {
        entry->info.state = State::Finished;
    } else if (error.code == ErrorCode::Cancelled || entry->control.isCancelled()) {
        entry->info.state = State::Cancelled;
    } else {
        entry->info.state = State::Failed;
        entry->info.error = error.message();
    }
    if (entry->deliver) entry->deliver(error);
    switch (entry->info.state) {
    case State::Finished:
        Q_EMIT jobFinished(id);
        break;
    case State::Cancelled:
        Q_EMIT jobCancelled(id);
        break;
    default:
        Q_EMIT jobFailed(id, entry->info.error);
        break;
    }
    Q_EMIT busyChanged(!m_entries.isEmpty());
}

void JobManager::cancel(JobId id)
{
    if (auto it = m_entries.find(id); it != m_entries.end()) (*it)->control.cancel();
}

void JobManager::pause(JobId id)
{
    auto it = m_entries.find(id);
    if (it == m_entries.end()) return;
    (*it)->control.pause();
    if ((*it)->info.state == State::Running) (*it)->info.state = State::Paused;
    Q_EMIT jobPaused(id, true);
}

void JobManager::resume(JobId id)
{
    auto it = m_entries.find(id);
    if (it == m_entries.end()) return;
    (*it)->control.resume();
    if ((*it)->info.state == State::Paused) (*it)->info.state = State::Running;
    Q_EMIT jobPaused(id, false);
}

void JobManager::cancelAll()
{
    for (const auto &entry : std::as_const(m_entries))
        entry->control.cancel();
}

bool JobManager::shutdown(int msecs)
{
    m_shuttingDown = true;
    cancelAll();
    const bool a = m_trainingPool.waitForDone(msecs);
    const bool b = m_ioPool.waitForDone(msecs);
    return a && b;
}

bool JobManager::isBusy() const
{
    return !m_entries.isEmpty();
}

bool JobManager::isBusy(Kind kind) const
{
    for (const auto &entry : m_entries)
        if (entry->info.kind == kind) return true;
    return false;
}

std::optional<JobManager::JobInfo> JobManager::info(JobId id) const
{
    auto it = m_entries.find(id);
    if (it == m_entries.end()) return std::nullopt;
    return (*it)->info;
}

QList<JobManager::JobInfo> JobManager::jobs() const
{
    QList<JobInfo> out;
    for (JobId id : m_order)
        out.append(m_entries.value(id)->info);
    return out;
}

} // namespace fopro
