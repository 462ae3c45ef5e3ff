#pragma once
// RunLock: one writer per run folder. A training process claims `<run>/.lock` (QLockFile: the file
// names the owning process id, host and program) for as long as it writes the run; a second
// process that wants to train into or resume the same folder is refused with the owner named. A
// lock whose process is gone (a crash, kill -9) is stale and taken over; a lock is never taken over
// because of its age, since a run holds it for hours.

#include "core/common/result.h"

#include <QtCore/QString>

#include <memory>

class QLockFile;

namespace fopro::project {

class RunLock {
public:
    /// The lock file's name inside a run folder (hidden: listings and packages skip it).
    static QString fileName();

    /// Claims `dir` (an existing folder). InvalidArgument naming the folder and the owner
    /// ("in use by process 1234 on host ws1 (fopro)") when a live process holds it; WriteFailed
    /// when the lock file cannot be written.
    static Result<RunLock> acquire(const QString &dir);

    RunLock(RunLock &&) noexcept;
    RunLock &operator=(RunLock &&) noexcept;
    ~RunLock(); ///< releases the lock
    /// Releases the lock now (also done by the destructor).
    void release();

private:
    RunLock();
    std::unique_ptr<QLockFile> m_file;
};

} // namespace fopro::project
