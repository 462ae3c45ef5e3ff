#pragma once
// One progress value for every kind of background work (imports, duplicate search, training,
// evaluation, probes, exports), and a throttle that forwards at most a few updates per second.

#include <QtCore/QMetaType>
#include <QtCore/QString>

#include <chrono>
#include <functional>
#include <mutex>
#include <utility>
#include <vector>

namespace fopro {

struct Progress {
    qint64 done = 0;        ///< units done in the current phase
    qint64 total = 0;       ///< units in the current phase; 0 while unknown
    int stage = 0;          ///< outer loop (for training: the 0-based epoch); 0 when there is none
    int stages = 0;         ///< outer loop length (epochs); 0 when there is none
    QString phase;          ///< short name of what is being done ("Training", "Decoding", ...)
    QString message;        ///< one line for people, set at phase changes and milestones
    double rate = 0;        ///< units (images, files) per second, 0 while unknown
    double etaSeconds = -1; ///< remaining time of the whole job, -1 while unknown
    double elapsedSeconds = 0;
    std::vector<std::pair<QString, double>> metrics; ///< named values (running losses, ...)

    /// Fraction of the whole job in [0, 1], or -1 when unknown (uses stage/stages when set).
    double fraction() const
    {
        const double inner = total > 0 ? double(done) / double(total) : -1;
        if (stages > 0) return (double(stage) + (inner < 0 ? 0 : inner)) / double(stages);
        return inner;
    }
    /// The value of a named metric, or `fallback` when absent.
    double metric(const QString &name, double fallback = 0) const
    {
        for (const auto &m : metrics)
            if (m.first == name) return m.second;
        return fallback;
    }
};

using ProgressSink = std::function<void(const Progress &)>;

/// Forwards to a sink at most once per `interval` (default 100 ms: ten per second), except that
/// a change of phase or message, the first update and a finished phase (done == total) always
/// pass. Thread-safe: a job may report from several worker threads.
class ProgressThrottle {
public:
    explicit ProgressThrottle(ProgressSink sink, std::chrono::milliseconds interval = std::chrono::milliseconds(100))
        : m_sink(std::move(sink)), m_interval(interval)
    {
    }

    void operator()(const Progress &p)
    {
        if (!m_sink) return;
        // The sink is called under the lock, so reports from several threads never interleave.
        std::lock_guard<std::mutex> lock(m_mutex);
        const auto now = Clock::now();
        const bool milestone = !m_started || p.phase != m_lastPhase || p.message != m_lastMessage ||
                               p.stage != m_lastStage || (p.total > 0 && p.done >= p.total);
        if (!milestone && now - m_last < m_interval) return;
        m_started = true;
        m_last = now;
        m_lastPhase = p.phase;
        m_lastMessage = p.message;
        m_lastStage = p.stage;
        m_sink(p);
    }

    /// A sink that calls this throttle (the throttle must outlive it).
    ProgressSink sink()
    {
        return [this](const Progress &p) { (*this)(p); };
    }

private:
    using Clock = std::chrono::steady_clock;
    ProgressSink m_sink;
    std::chrono::milliseconds m_interval;
    std::mutex m_mutex;
    Clock::time_point m_last{};
    bool m_started = false;
    QString m_lastPhase, m_lastMessage;
    int m_lastStage = 0;
};

/// Null-safe report.
inline void report(const ProgressSink &sink, const Progress &p)
{
    if (sink) sink(p);
}

} // namespace fopro

Q_DECLARE_METATYPE(fopro::Progress)
