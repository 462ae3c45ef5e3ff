#include "core/project/runlock.h"

#include <QtCore/QDir>
#include <QtCore/QFileInfo>
#include <QtCore/QLockFile>

namespace fopro::project {

namespace {

QString lockPath(const QString &dir)
{
    return QDir(dir).filePath(RunLock::fileName());
}

QString describeOwner(const QLockFile &lock)
{
    qint64 pid = 0;
    QString host, app;
    if (!lock.getLockInfo(&pid, &host, &app)) return QStringLiteral("another process");
    QString who = QStringLiteral("process %1").arg(pid);
    if (!host.isEmpty()) who += QStringLiteral(" on host %1").arg(host);
    if (!app.isEmpty()) who += QStringLiteral(" (%1)").arg(app);
    return who;
}

} // namespace

QString RunLock::fileName()
{
    return QStringLiteral(".lock");
}

RunLock::RunLock() = default;
RunLock::RunLock(RunLock &&) noexcept = default;
RunLock &RunLock::operator=(RunLock &&) noexcept = default;

RunLock::~RunLock()
{
    release();
}

void RunLock::release()
{
    if (m_file) m_file->unlock();
    m_file.reset();
}

Result<RunLock> RunLock::acquire(const QString &dir)
{
    const QString folder = QDir::cleanPath(QFileInfo(dir).absoluteFilePath());
    if (!QFileInfo(folder).isDir())
        return makeError(ErrorCode::NotFound, folder, QStringLiteral("the run folder does not exist"));
    auto file = std::make_unique<QLockFile>(lockPath(folder));
    // Never stale by age (a run holds its lock for hours); QLockFile still takes over a lock whose
    // process is gone from this host.
    file->setStaleLockTime(0);
    if (file->tryLock(0)) {
        RunLock lock;
        lock.m_file = std::move(file);
        return lock;
    }
    if (file->error() == QLockFile::LockFailedError)
        return makeError(ErrorCode::InvalidArgument, folder,
                         QStringLiteral("the run folder is in use by %1; wait until it finishes or stop it "
                                        "(a lock left by a process that has ended is taken over by itself)")
                             .arg(describeOwner(*file)));
    return makeError(ErrorCode::WriteFailed, lockPath(folder),
                     QStringLiteral("cannot write the run folder's lock file"));
}

} // namespace fopro::project
