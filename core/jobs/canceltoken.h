#pragma once
// A cancel token shared between whoever starts a long piece of work and the work itself. The work
// polls isCancelled() at every step of its loops (every file, every batch); the owner calls cancel().

#include <atomic>

namespace fopro {

class CancelToken {
public:
    void cancel() { m_cancelled.store(true, std::memory_order_relaxed); }
    void reset() { m_cancelled.store(false, std::memory_order_relaxed); }
    bool isCancelled() const { return m_cancelled.load(std::memory_order_relaxed); }

private:
    std::atomic<bool> m_cancelled{false};
};

/// Convenience for optional tokens: a null token is never cancelled.
inline bool isCancelled(const CancelToken *token) { return token && token->isCancelled(); }

} // namespace fopro
