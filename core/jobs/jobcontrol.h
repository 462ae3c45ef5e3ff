#pragma once
// The one control handle of a piece of background work: cancel, pause and resume. Thread-safe.
// The work polls isCancelled() at every step of its loops (every file, every batch) and calls
// waitWhilePaused() where pausing is meaningful (between batches); the owner calls cancel(),
// pause() and resume() from any thread. Passed as `JobControl *` everywhere; a null control is
// never cancelled and never paused.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>

namespace fopro {

class JobControl {
public:
    void cancel()
    {
        m_cancelled.store(true, std::memory_order_relaxed);
        m_cv.notify_all();
    }
    bool isCancelled() const { return m_cancelled.load(std::memory_order_relaxed); }

    void pause() { m_paused.store(true); }
    void resume()
    {
        m_paused.store(false);
        m_cv.notify_all();
    }
    bool isPaused() const { return m_paused.load(); }

    /// Blocks while paused; returns early when cancelled. Returns true when it did wait.
    bool waitWhilePaused()
    {
        if (!m_paused.load()) return false;
        std::unique_lock<std::mutex> lock(m_mutex);
        while (m_paused.load() && !isCancelled())
            m_cv.wait_for(lock, std::chrono::milliseconds(100));
        return true;
    }

    /// Clears cancel and pause (for a control reused across runs).
    void reset()
    {
        m_cancelled.store(false);
        resume();
    }

private:
    std::atomic<bool> m_cancelled{false};
    std::atomic<bool> m_paused{false};
    std::mutex m_mutex;
    std::condition_variable m_cv;
};

/// Null-safe polls.
inline bool isCancelled(const JobControl *control)
{
    return control && control->isCancelled();
}
inline bool waitWhilePaused(JobControl *control)
{
    return control && control->waitWhilePaused();
}

} // namespace fopro
