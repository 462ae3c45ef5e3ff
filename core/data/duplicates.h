#pragma once
// Duplicate finder: exact duplicates (same bytes for image files, same decoded pixels for IDX
// entries and DICOM frames) and near duplicates (64-bit perceptual hash, OpenCV img_hash::PHash,
// within a Hamming distance), reporting the clusters that cross splits (leakage).
//
// Near duplicates are found without comparing all pairs: two 64-bit hashes within Hamming distance
// t agree exactly on at least one of t + 1 disjoint bit chunks (pigeonhole), so hashes are bucketed
// by (chunk, value) and only hashes sharing a bucket are compared.

#include "core/common/result.h"
#include "core/data/datasetindex.h"
#include "core/jobs/jobcontrol.h"
#include "core/jobs/progress.h"

#include <QtCore/QByteArray>

#include <opencv2/core/mat.hpp>

#include <functional>
#include <vector>

namespace fopro::data {

/// 64-bit perceptual hash (DCT-based, cv::img_hash::pHash) of an 8-bit image (1, 3 or 4 channels;
/// 3 channels are taken as RGB). The image is first reduced to 32×32 grey with area averaging, so
/// rescaled copies hash alike. Bit 63 is the first bit of PHash's first byte.
quint64 perceptualHash(const cv::Mat &image);

/// Number of differing bits.
int hammingDistance(quint64 a, quint64 b);

/// 32×32 grey thumbnail (area-averaged, 1,024 bytes) used to confirm perceptual-hash matches.
QByteArray similarityThumbnail(const cv::Mat &image);
/// Mean absolute difference of two thumbnails in grey levels (0..255) after removing the uniform
/// brightness shift between them (the difference of their means); 255 when sizes differ.
double thumbnailDifference(const QByteArray &a, const QByteArray &b);

/// The hashes of one item, input to clusterHashes.
struct ImageHash {
    QByteArray content; // exact-content digest; empty when unknown (never matches exactly)
    quint64 perceptual = 0;
    bool hasPerceptual = false; // false when the image could not be decoded
    Split split = Split::None;
    QByteArray thumbnail; // similarityThumbnail(); empty = no confirmation needed
};

/// A set of items that are duplicates of each other. Every item is in at most one cluster.
struct DuplicateCluster {
    std::vector<int> samples; // ascending (sample indices from findDuplicates; item indices from clusterHashes)
    bool exact = false;       // all members have the same content digest
    bool crossSplit = false;  // members sit in two or more different splits (None does not count)
};

/// Groups items by equal content digests, then gathers near duplicates by leader clustering:
/// groups are visited in order of their first item; a group not yet in a cluster leads a new one
/// and takes every group not yet in a cluster that matches the leader. Two groups match when their
/// perceptual hashes are within `threshold` bits (0..64; negative: exact duplicates only) and, when
/// both carry a thumbnail, thumbnailDifference <= maxDifference (different images of small,
/// look-alike datasets often share a hash; the pixel check rejects them). There is no chaining
/// (A~B and B~C do not put A and C together unless both match the leader). A cluster whose members
/// all share one digest is exact; one joining different digests is near (exact = false), even when
/// some members are byte-identical. Only clusters of two or more items are returned, ordered by
/// their first member.
std::vector<DuplicateCluster> clusterHashes(const std::vector<ImageHash> &items, int threshold,
                                            double maxDifference = 6.0);

struct DuplicateOptions {
    int threshold = 6;            // near duplicates: Hamming distance <= threshold (0..64)
    double maxDifference = 6.0;   // ... and 32×32 thumbnails within this many grey levels on average
    bool nearDuplicates = true;   // false: exact duplicates only (image files are then not decoded)
    bool includeExcluded = false; // also look at samples flagged excluded (missing ones never)
    int threads = 0;              // worker threads for hashing; 0 = QThread::idealThreadCount()
    /// Called after each sample is hashed, from worker threads (done/total samples). May be empty.
    ProgressSink progress;
};

/// A sample that could not be read or decoded; it is left out of the comparisons it needs.
struct DuplicateProblem {
    int sample = -1;
    QString reason;
};

struct DuplicateReport {
    std::vector<DuplicateCluster> clusters; // sample indices into DatasetIndex::samples
    std::vector<DuplicateProblem> problems; // ascending sample index
    int samplesChecked = 0;
    int exactClusters = 0;
    int nearClusters = 0;
    int withinSplitClusters = 0;
    int crossSplitClusters = 0; // leakage between splits
    int duplicateSamples = 0;   // samples in some cluster beyond the first of each
};

/// Hashes every sample of `index` in parallel (SHA-1 of the file bytes for image files, of the
/// decoded pixels for IDX entries and DICOM frames; perceptual hash of the decoded image — files
/// are read once and decoded from memory with decodeImageBytes, other sources with loadImage) and
/// clusters them. Unreadable or undecodable samples are listed as problems; the
/// rest goes on. Polls `cancel` per sample. Errors: InvalidArgument for a threshold outside 0..64,
/// Cancelled when cancelled.
Result<DuplicateReport> findDuplicates(const DatasetIndex &index, const DuplicateOptions &options = {},
                                       JobControl *cancel = nullptr);

} // namespace fopro::data
