#pragma once
// Parallel decode-and-resize on a small bounded pool of its own (a private QThreadPool), so that
// decoding never competes with the global pool or with another DecodePool: give training and
// thumbnails one pool each and browsing never waits for training.
//
// Two ways in:
//  - decodeMany(): blocking, for batches. Results come back in the order of the indices given, one
//    Result per item: a bad file is reported with its name and reason while the others succeed.
//  - request(): asynchronous, for thumbnails. `done` runs on a worker thread (marshal to the GUI
//    thread yourself, e.g. QMetaObject::invokeMethod with Qt::QueuedConnection). cancelPending()
//    makes every earlier request stale: stale requests are not decoded, and a request that was
//    decoding when it went stale does not call `done`.
//
// Threads: OpenCV's own parallelism (TBB here) is switched off process-wide with
// cv::setNumThreads(1) when the first DecodePool is created. The pool is the parallelism; letting
// each cv::resize spread over every core as well oversubscribes the machine (2 decode threads × N
// OpenCV threads on 2 cores) and makes decoding slower, not faster. Code that needs OpenCV's
// internal threads back may call cv::setNumThreads() again.
//
// Lifetime: the DatasetIndex given to request() must outlive the request (or be cancelled and
// waited for). The destructor makes pending requests stale and waits for running work: no thread
// outlives the pool. Do not call decodeMany() from inside a `done` callback of the same pool (it
// would wait for threads that are busy waiting for it).

#include "core/common/result.h"
#include "core/data/datasetindex.h"
#include "core/data/imagecache.h"
#include "core/data/imageloader.h"
#include "core/jobs/jobcontrol.h"

#include <QtCore/QThreadPool>

#include <atomic>
#include <functional>
#include <vector>

namespace fopro::data {

/// cv::setNumThreads(1), once per process: for code whose own threads are the parallelism (the
/// decoding pool, the training data workers).
void useSingleThreadedOpenCv();

class DecodePool {
public:
    using Done = std::function<void(int sampleIndex, Result<cv::Mat> image)>;
    using ItemDone = std::function<void(int position, const Result<cv::Mat> &image)>;

    /// `threads` is clamped to ≥ 1.
    explicit DecodePool(int threads = 2);
    ~DecodePool();
    DecodePool(const DecodePool &) = delete;
    DecodePool &operator=(const DecodePool &) = delete;

    int threadCount() const { return m_pool.maxThreadCount(); }

    /// Reduced-size JPEG decoding (on by default); off only to measure or compare.
    void setLoadOptions(const LoadOptions &options) { m_reducedJpeg = options.reducedJpegDecoding; }
    LoadOptions loadOptions() const { return LoadOptions{m_reducedJpeg.load()}; }

    /// Cache used by request() (none by default; e.g. &ImageCache::shared()). decodeMany() takes
    /// its cache as an argument.
    void setCache(ImageCache *cache) { m_cache = cache; }
    ImageCache *cache() const { return m_cache.load(); }

    /// Decodes and resizes index.samples[i] for each i of `sampleIndices`, on the pool, and waits.
    /// result[k] belongs to sampleIndices[k]. An index out of range gives InvalidArgument; items not
    /// started when `cancel` fires give Cancelled (the rest are kept). `itemDone`, when set, is
    /// called on the worker thread that finished an item (so possibly concurrently), with the item's
    /// position in `sampleIndices`; it may cancel `cancel` (e.g. after the first error).
    std::vector<Result<cv::Mat>> decodeMany(const DatasetIndex &index, const std::vector<int> &sampleIndices,
                                            ResizeSpec spec, ImageCache *cache = nullptr, JobControl *cancel = nullptr,
                                            const ItemDone &itemDone = {});

    /// Queues one sample; `done(sampleIndex, result)` is called on a worker thread unless the
    /// request went stale first (see cancelPending()).
    void request(const DatasetIndex *index, int sampleIndex, ResizeSpec spec, Done done);
    /// Drops every request made so far that has not delivered its result yet.
    void cancelPending();
    /// Requests queued or running (stale ones included until they leave the queue).
    int pendingCount() const { return m_pending.load(); }
    /// Waits until the pool is idle.
    void waitForDone() { m_pool.waitForDone(); }

private:
    Result<cv::Mat> decodeOne(const DatasetIndex &index, int sampleIndex, const ResizeSpec &spec,
                              ImageCache *cache) const;

    QThreadPool m_pool;
    std::atomic<quint64> m_generation{0};
    std::atomic<int> m_pending{0};
    std::atomic<ImageCache *> m_cache{nullptr};
    std::atomic<bool> m_reducedJpeg{true};
};

} // namespace fopro::data
