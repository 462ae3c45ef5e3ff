#include "core/ml/imagesource.h"

#include "core/ml/trainsupport.h"

#include "core/data/decodepool.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <mutex>
#include <numeric>
#include <optional>
#include <random>
#include <thread>

namespace fopro::ml {

using data::DatasetIndex;

namespace {

/// splitmix64: the per-epoch and per-sample generator seeds.
std::uint64_t mix(std::uint64_t x)
{
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

/// The configuration's resize policy (TrainConfig::validate accepted it; crop otherwise).
data::ResizePolicy policyOf(const QString &name)
{
    return data::resizePolicyFromName(name).value_or(data::ResizePolicy::ShorterSideCrop);
}

/// Runs `work` on `workers` threads, the calling thread being one of them.
template <typename F> void onWorkers(int workers, F &&work)
{
    std::vector<std::thread> threads;
    for (int w = 1; w < workers; ++w)
        threads.emplace_back(work);
    work();
    for (auto &t : threads)
        t.join();
}

std::vector<int> shuffledOrder(int n, std::mt19937_64 &rng)
{
    std::vector<int> order(static_cast<size_t>(n));
    std::iota(order.begin(), order.end(), 0);
    for (int i = n - 1; i > 0; --i)
        std::swap(order[size_t(i)], order[size_t(rng() % std::uint64_t(i + 1))]);
    return order;
}

/// Class-balanced sampling with replacement: a class uniformly, then one of its samples.
std::vector<int> classBalancedOrder(const SplitData &train, int numClasses, std::mt19937_64 &rng)
{
    const int n = int(train.size());
    std::vector<std::vector<int>> byClass(static_cast<size_t>(numClasses));
    for (int i = 0; i < n; ++i)
        byClass[size_t(train.labels[size_t(i)])].push_back(i);
    std::vector<int> present;
    for (int k = 0; k < numClasses; ++k)
        if (!byClass[size_t(k)].empty()) present.push_back(k);
    std::vector<int> order(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) {
        const auto &members = byClass[size_t(present[size_t(rng() % present.size())])];
        order[size_t(i)] = members[size_t(rng() % members.size())];
    }
    return order;
}

} // namespace

SplitData collectSplit(const DatasetIndex &index, data::Split split)
{
    SplitData d;
    for (int i = 0; i < int(index.samples.size()); ++i) {
        const auto &s = index.samples[size_t(i)];
        if (s.split != split || !DatasetIndex::isActive(s)) continue;
        d.samples.push_back(i);
        d.labels.push_back(s.label);
    }
    return d;
}

std::vector<std::int64_t> classCounts(const SplitData &split, int numClasses)
{
    std::vector<std::int64_t> n(size_t(numClasses), 0);
    for (int l : split.labels)
        ++n[size_t(l)];
    return n;
}

std::uint64_t seedFor(std::int64_t seed, std::uint64_t a, std::uint64_t b)
{
    return mix(mix(mix(std::uint64_t(seed)) ^ a) ^ (b * 0xD1B54A32D192ED03ull));
}

std::vector<std::vector<int>> epochBatches(const TrainConfig &c, const SplitData &train, int numClasses, int epoch)
{
    std::mt19937_64 rng(seedFor(c.seed, 0x5EED0000ull + std::uint64_t(epoch)));
    const int n = int(train.size());
    const std::vector<int> order = c.sampler == QLatin1String("class_balanced")
                                       ? classBalancedOrder(train, numClasses, rng)
                                       : shuffledOrder(n, rng);
    std::vector<std::vector<int>> batches;
    for (int start = 0; start < n; start += c.batchSize) {
        const int end = std::min(n, start + c.batchSize);
        if (end - start < 2) break; // batch norm needs two samples
        batches.emplace_back(order.begin() + start, order.begin() + end);
        if (c.maxTrainBatches > 0 && int(batches.size()) >= c.maxTrainBatches) break;
    }
    return batches;
}

std::vector<std::vector<int>> sequentialBatches(int n, int batchSize)
{
    std::vector<std::vector<int>> batches;
    for (int start = 0; start < n; start += batchSize) {
        std::vector<int> b(size_t(std::min(n, start + batchSize) - start));
        std::iota(b.begin(), b.end(), start);
        batches.push_back(std::move(b));
    }
    return batches;
}

// ---- ImageSource -------------------------------------------------------------------------------------

int trainingSourceSide(const TrainConfig &c)
{
    if (!c.augment.enabled || c.augment.cropScaleMin >= 1.0 || c.augment.cropScaleMin <= 0.0) return c.imageSize;
    const double side = std::ceil(double(c.imageSize) / std::sqrt(c.augment.cropScaleMin));
    return int(std::min(side, 2.0 * c.imageSize));
}

ImageSource::ImageSource(const DatasetIndex &index, const TrainConfig &c, const QString &diskFolder)
    : m_index(index), m_config(c), m_spec{c.imageSize, policyOf(c.resizePolicy)}, m_trainSpec{trainingSourceSide(c),
                                                                                              policyOf(c.resizePolicy)},
      m_diskFolder(diskFolder), m_cache(std::max<qint64>(c.cacheMegabytes, 0) * 1024 * 1024)
{
    data::useSingleThreadedOpenCv(); // the workers are the parallelism (see decodepool.h)
}

QString ImageSource::plan(std::size_t trainingImages, std::size_t evaluationImages)
{
    const auto bytes = [](int side) { return qint64(side) * side * 3; };
    const qint64 need = qint64(trainingImages) * bytes(m_config.augment.enabled ? m_trainSpec.size : m_spec.size) +
                        qint64(evaluationImages) * bytes(m_spec.size);
    const auto mib = [](qint64 b) { return QString::number(double(b) / (1024.0 * 1024.0), 'f', 0); };
    QString line = QStringLiteral("image cache: %1 MiB for %2 training images at %3 px and %4 others at %5 px; "
                                  "memory cap %6 MiB")
                       .arg(mib(need))
                       .arg(trainingImages)
                       .arg(m_config.augment.enabled ? m_trainSpec.size : m_spec.size)
                       .arg(evaluationImages)
                       .arg(m_spec.size)
                       .arg(mib(m_cache.capacity()));
    if (need <= m_cache.capacity()) return line + QStringLiteral(", all in memory");
    if (m_diskFolder.isEmpty() || !m_cache.setDiskFolder(m_diskFolder))
        return line + QStringLiteral(", no disk folder: images beyond the cap are decoded again when needed");
    return line + QStringLiteral(", the rest read back from %1").arg(m_diskFolder);
}

Result<cv::Mat> ImageSource::image(int sampleIndex, bool training)
{
    const auto &s = m_index.samples[size_t(sampleIndex)];
    const data::ResizeSpec &spec = training ? m_trainSpec : m_spec;
    const data::ImageCache::Key key = data::cacheKey(m_index, s, spec);
    if (!training && m_trainSpec != m_spec && !m_cache.contains(key)) {
        // A training image asked for at the evaluation size: scale its training copy down.
        data::ImageCache::Key large = key;
        large.spec = m_trainSpec;
        if (m_cache.contains(large))
            if (auto hit = m_cache.get(large)) {
                cv::Mat small;
                cv::resize(*hit, small, cv::Size(m_spec.size, m_spec.size), 0, 0, cv::INTER_AREA);
                return small;
            }
    }
    if (auto hit = m_cache.get(key)) return std::move(*hit);
    auto img = data::loadResized(m_index, s, spec);
    if (!img) return img.error();
    m_cache.put(key, img.value());
    return img;
}

Result<void> ImageSource::warm(const std::vector<int> &samples, int workers, const JobControl *control, bool training)
{
    std::atomic<int> next{0};
    std::mutex errorMutex;
    QStringList errors;
    onWorkers(workers, [&] {
        for (;;) {
            if (isCancelled(control)) return;
            const int i = next.fetch_add(1);
            if (i >= int(samples.size())) return;
            auto r = image(samples[size_t(i)], training && m_config.augment.enabled);
            if (r) continue;
            const QString file =
                r.error().file.isEmpty() ? m_index.samples[size_t(samples[size_t(i)])].path : r.error().file;
            std::lock_guard<std::mutex> lock(errorMutex);
            errors << QStringLiteral("%1: %2").arg(file, r.error().detail);
        }
    });
    if (errors.isEmpty()) return {};
    errors.sort();
    const int n = int(errors.size());
    return makeError(
        ErrorCode::Unreadable, {},
        QStringLiteral("%1 image(s) cannot be decoded: %2%3")
            .arg(n)
            .arg(errors.mid(0, 5).join(QStringLiteral("; ")), n > 5 ? QStringLiteral("; ...") : QString()));
}

Result<void> ImageSource::fillBatch(const SplitData &split, const std::vector<int> &positions, bool augment,
                                    std::uint64_t epochSeed, float *pixels, std::int64_t *labels, int workers)
{
    const int count = int(positions.size()), side = m_config.imageSize;
    std::atomic<int> next{0};
    std::mutex errorMutex;
    std::optional<Error> error;
    onWorkers(std::max(1, std::min(workers > 0 ? workers : m_config.workers, count)), [&] {
        for (;;) {
            const int i = next.fetch_add(1);
            if (i >= count) return;
            const int pos = positions[size_t(i)];
            auto img = image(split.samples[size_t(pos)], augment);
            if (!img) {
                std::lock_guard<std::mutex> lock(errorMutex);
                if (!error) error = img.error();
                continue;
            }
            cv::Mat rgb = std::move(img).value();
            std::mt19937_64 rng(seedFor(std::int64_t(epochSeed), std::uint64_t(pos), 0xA5));
            if (augment) rgb = augmentImage(rgb, m_config.augment, rng, side);
            toChw01(rgb, pixels + std::size_t(i) * 3 * side * side, augment ? &m_config.augment : nullptr, rng);
            labels[i] = split.labels[size_t(pos)];
        }
    });
    if (error) return *error;
    return {};
}

} // namespace fopro::ml
