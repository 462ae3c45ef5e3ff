#pragma once
// The images of a training run (plain OpenCV and Qt, no torch): the samples of a split, each image
// decoded once into a byte-capped cache, resized to the run's size, and batches built on the data
// workers (augmented with a generator seeded per sample and epoch) as planar float values, plus the
// order of the samples in each epoch. The trainer turns the float buffers into tensors.

#include "core/common/result.h"
#include "core/data/datasetindex.h"
#include "core/data/imagecache.h"
#include "core/data/imageloader.h"
#include "core/jobs/jobcontrol.h"
#include "core/ml/trainconfig.h"

#include <opencv2/core/mat.hpp>

#include <cstdint>
#include <vector>

namespace fopro::ml {

/// The usable samples of one split (excluded and missing images left out).
struct SplitData {
    std::vector<int> samples; ///< indices into DatasetIndex::samples
    std::vector<int> labels;  ///< their labels, same order

    std::size_t size() const { return samples.size(); }
    bool empty() const { return samples.empty(); }
};

SplitData collectSplit(const data::DatasetIndex &index, data::Split split);
/// Images per class (C values).
std::vector<std::int64_t> classCounts(const SplitData &split, int numClasses);

/// A generator seed derived from the run's seed and up to two numbers (splitmix64 mixing).
std::uint64_t seedFor(std::int64_t seed, std::uint64_t a, std::uint64_t b = 0);

/// The batches of an epoch: positions within the training split in the epoch's order (shuffled,
/// or class-balanced sampling with replacement), drawn from a generator seeded by (seed, epoch);
/// a trailing batch of one is dropped (batch norm); at most maxTrainBatches when that is > 0.
std::vector<std::vector<int>> epochBatches(const TrainConfig &config, const SplitData &train, int numClasses,
                                           int epoch);
/// 0..n-1 in batches of batchSize (the last one may be smaller).
std::vector<std::vector<int>> sequentialBatches(int n, int batchSize);

/// Side of the images kept for augmented training: random-resized crops cover as little as
/// cropScaleMin of the area, so a crop of an image cached at imageSize/√cropScaleMin still has
/// imageSize pixels across (it is scaled down, never up); at most twice imageSize. imageSize when
/// crops are off.
int trainingSourceSide(const TrainConfig &config);

class ImageSource {
public:
    /// `diskFolder`: where decoded images spill when the run's images do not fit the memory cache
    /// (see plan()); empty: memory only.
    ImageSource(const data::DatasetIndex &index, const TrainConfig &config, const QString &diskFolder = QString());

    /// The decoded, resized image of a sample (cached): at trainingSourceSide() for augmented
    /// training (`training`), at the run's imageSize otherwise. An imageSize copy of an image held
    /// at the training size is made from that copy, not decoded again.
    Result<cv::Mat> image(int sampleIndex, bool training = false);
    /// Sizes the cache for the images `training` and `evaluation` will need (their pixel bytes at
    /// their sides): the memory cache holds them all when config.cacheMegabytes allows; otherwise
    /// the disk folder (when given) takes every decoded image, so that none is decoded twice.
    /// Returns a line for the run's log.
    QString plan(std::size_t trainingImages, std::size_t evaluationImages);
    /// Decodes every listed sample once on `workers` threads (fills the cache and finds unreadable
    /// files before any training). Unreadable: the first five files and the reason.
    Result<void> warm(const std::vector<int> &samples, int workers, const JobControl *control, bool training = false);
    /// Writes the images of `positions` (within `split`) as B×3×S×S planar floats in [0, 1] to
    /// `pixels` and their labels to `labels`, on `workers` threads (≤ 0: the configured workers);
    /// with `augment`, each image is a crop of its training-size copy, augmented with a generator
    /// seeded by (epochSeed, position).
    Result<void> fillBatch(const SplitData &split, const std::vector<int> &positions, bool augment,
                           std::uint64_t epochSeed, float *pixels, std::int64_t *labels, int workers = 0);

    const data::ImageCache &cache() const { return m_cache; }

private:
    const data::DatasetIndex &m_index;
    const TrainConfig &m_config;
    data::ResizeSpec m_spec;      ///< evaluation (and non-augmented training)
    data::ResizeSpec m_trainSpec; ///< augmented training
    QString m_diskFolder;
    data::ImageCache m_cache;
};

} // namespace fopro::ml
