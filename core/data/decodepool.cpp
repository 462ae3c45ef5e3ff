#include "core/data/decodepool.h"

#include <opencv2/core/utility.hpp>

#include <condition_variable>
#include <exception>
#include <mutex>

namespace fopro::data {

void useSingleThreadedOpenCv()
{
    static std::once_flag once;
    std::call_once(once, [] { cv::setNumThreads(1); });
}

DecodePool::DecodePool(int threads)
{
    useSingleThreadedOpenCv();
    m_pool.setMaxThreadCount(std::max(1, threads));
    m_pool.setObjectName(QStringLiteral("DecodePool"));
}

DecodePool::~DecodePool()
{
    cancelPending();
    m_pool.waitForDone();
}

Result<cv::Mat> DecodePool::decodeOne(const DatasetIndex &index, int sampleIndex, const ResizeSpec &spec,
                                      ImageCache *cache) const
{
    if (sampleIndex < 0 || sampleIndex >= int(index.samples.size()))
        return makeError(ErrorCode::InvalidArgument, QString(),
                         QStringLiteral("sample %1 is out of range (the dataset has %2 samples)")
                             .arg(sampleIndex)
                             .arg(index.samples.size()));
    const Sample &sample = index.samples[std::size_t(sampleIndex)];
    const LoadOptions options{m_reducedJpeg.load()};
    try { // nothing escapes a worker thread
        return cache ? cachedLoad(*cache, index, sample, spec, options) : loadResized(index, sample, spec, options);
    } catch (const std::exception &e) {
        return makeError(ErrorCode::Malformed, index.absolutePath(sample), QString::fromLocal8Bit(e.what()));
    } catch (...) {
        return makeError(ErrorCode::Malformed, index.absolutePath(sample),
                         QStringLiteral("unknown error while decoding"));
    }
}

std::vector<Result<cv::Mat>> DecodePool::decodeMany(const DatasetIndex &index, const std::vector<int> &sampleIndices,
                                                    ResizeSpec spec, ImageCache *cache, JobControl *cancel,
                                                    const ItemDone &itemDone)
{
    const int n = int(sampleIndices.size());
    std::vector<Result<cv::Mat>> results(std::size_t(n),
                                         Result<cv::Mat>(Error{ErrorCode::Cancelled, QString(), QString()}));
    std::vector<char> finished(std::size_t(n), 0);
    if (n == 0) return results;

    // A fixed number of tasks pull the next position from a shared counter: items start in order,
    // cancellation is checked before each one, and the queue never holds more than `threads` tasks.
    struct Batch {
        std::atomic<int> next{0};
        std::mutex mutex;
        std::condition_variable idle;
        int running = 0;
    } batch;
    const int tasks = std::min(n, threadCount());
    batch.running = tasks;
    for (int t = 0; t < tasks; ++t) {
        // Priority 1: ahead of queued thumbnail requests of this pool.
        m_pool.start(
            [&, this] {
                for (;;) {
                    if (isCancelled(cancel)) break;
                    const int k = batch.next.fetch_add(1);
                    if (k >= n) break;
                    results[std::size_t(k)] = decodeOne(index, sampleIndices[std::size_t(k)], spec, cache);
                    finished[std::size_t(k)] = 1;
                    if (itemDone) {
                        try {
                            itemDone(k, results[std::size_t(k)]);
                        } catch (...) { // a callback's exception must not kill the worker
                        }
                    }
                }
                std::lock_guard<std::mutex> lock(batch.mutex);
                if (--batch.running == 0) batch.idle.notify_all();
            },
            1);
    }
    {
        std::unique_lock<std::mutex> lock(batch.mutex);
        batch.idle.wait(lock, [&] { return batch.running == 0; });
    }

    for (int k = 0; k < n; ++k) {
        if (finished[std::size_t(k)]) continue;
        const int i = sampleIndices[std::size_t(k)];
        const QString file =
            i >= 0 && i < int(index.samples.size()) ? index.absolutePath(index.samples[std::size_t(i)]) : QString();
        results[std::size_t(k)] = makeError(ErrorCode::Cancelled, file, QStringLiteral("cancelled before decoding"));
    }
    return results;
}

void DecodePool::request(const DatasetIndex *index, int sampleIndex, ResizeSpec spec, Done done)
{
    const quint64 generation = m_generation.load();
    ++m_pending;
    m_pool.start([this, index, sampleIndex, spec, generation, done = std::move(done)] {
        struct PendingGuard {
            std::atomic<int> &pending;
            ~PendingGuard() { --pending; }
        } guard{m_pending};
        if (generation != m_generation.load() || !index) return; // stale: dropped unseen
        Result<cv::Mat> result = decodeOne(*index, sampleIndex, spec, m_cache.load());
        if (generation != m_generation.load()) return; // went stale while decoding
        if (done) {
            try {
                done(sampleIndex, std::move(result));
            } catch (...) {
            }
        }
    });
}

void DecodePool::cancelPending()
{
    // Queued tasks stay in the QThreadPool queue (QThreadPool::clear() would also remove the tasks
    // of a decodeMany() waiting in another thread) but return at once when they run.
    ++m_generation;
}

} // namespace fopro::data
