#pragma once
// Long-tail statistics (head / medium / tail groups, imbalance ratio) and long-tailed
// sub-sampling of a dataset by the ISIC-2019-LT rule (method.md, "Datasets and protocols" and
// "Head / medium / tail"; shared/data/isic2019-lt/README.md).

#include "core/common/result.h"
#include "core/data/datasetindex.h"

#include <QtCore/QStringList>

#include <optional>
#include <vector>

namespace fopro::data {

/// Head / medium / tail thresholds on (training) counts: head when count > many, tail when
/// count < few, medium otherwise.
struct TailThresholds {
    int many = 100;
    int few = 20;

    /// The common long-tail convention: many > 100, few < 20.
    static TailThresholds defaults() { return {100, 20}; }
    /// The HyperKvasir preset: head > 700, tail < 70.
    static TailThresholds hyperKvasir() { return {700, 70}; }
};

enum class TailGroup { Head, Medium, Tail };

/// "head", "medium", "tail".
QString tailGroupName(TailGroup group);
/// The group a class with `count` samples falls in.
TailGroup tailGroupOf(int count, TailThresholds thresholds);

struct ClassStat {
    int classIndex = -1;
    QString name;
    int count = 0;
    TailGroup group = TailGroup::Tail;
};

struct LongTailSummary {
    std::vector<ClassStat> sorted; // every class, descending count, ties by class index
    double imbalanceRatio = 0;     // max / min over classes with count > 0; 0 when there are none
    int emptyClasses = 0;          // classes with no (active) sample
    int total = 0;                 // active samples counted
    int head = 0;                  // number of classes in each group (empty classes are tail)
    int medium = 0;
    int tail = 0;
};

/// Class counts of `index` (DatasetIndex::classCounts: excluded and missing samples do not count),
/// restricted to `split` when given, sorted and grouped by `thresholds`.
LongTailSummary summarizeLongTail(const DatasetIndex &index, TailThresholds thresholds,
                                  std::optional<Split> split = {});

/// Per-class image counts by split of one dataset state: what the long-tail plot and the split
/// preview draw. Active samples (DatasetIndex::isActive) count in their split (Split::None is
/// "unassigned"); labelled samples that are excluded or missing count in `excluded`. The vectors are
/// indexed like classNames; missing entries count 0.
struct ClassSplitCounts {
    QStringList classNames;
    std::vector<int> train, val, test, unassigned, excluded;

    int classCount() const { return int(classNames.size()); }
    int trainCount(int c) const { return at(train, c); }
    int valCount(int c) const { return at(val, c); }
    int testCount(int c) const { return at(test, c); }
    int unassignedCount(int c) const { return at(unassigned, c); }
    int excludedCount(int c) const { return at(excluded, c); }
    /// train + val + test + unassigned of class `c` (its active samples).
    int total(int c) const { return trainCount(c) + valCount(c) + testCount(c) + unassignedCount(c); }
    /// Sum of total() over all classes.
    int grandTotal() const;
    /// True when any class has a training sample.
    bool anyTraining() const;

private:
    static int at(const std::vector<int> &v, int c) { return c >= 0 && c < int(v.size()) ? v[std::size_t(c)] : 0; }
};

/// The counts of `index` (one pass over the samples).
ClassSplitCounts classSplitCounts(const DatasetIndex &index);

/// The long-tail figures of a ClassSplitCounts, as the plot shows them. Head / medium / tail and
/// the imbalance ratio are decided on training counts when any sample is in the training split
/// (balanced validation and test sets would hide the long tail), else on totals.
struct TailStats {
    std::vector<int> order;        ///< class indices by descending total, ties by class index
    std::vector<int> groupCounts;  ///< per class: the count that decides its group
    std::vector<TailGroup> groups; ///< per class
    bool byTraining = false;       ///< groupCounts are training counts
    double imbalanceRatio = 0;     ///< largest / smallest non-zero groupCount; 0 when none
    int largest = 0;               ///< largest non-zero groupCount
    int smallest = 0;              ///< smallest non-zero groupCount
    int maxTotal = 0;              ///< largest total
    int nonEmptyClasses = 0;       ///< classes with total > 0
};

TailStats tailStats(const ClassSplitCounts &counts, TailThresholds thresholds);

/// The ISIC-2019-LT rule: n_i = min(available_i, floor(nmax * factor^(i / (C - 1)))) where i is the
/// position in `classSizesRankedDescending` (sizes before hold-out, largest first), C its length,
/// nmax its largest value and available_i = size_i - heldOutPerClass (never below 0). Computed in
/// long double with a relative epsilon before the floor, so products that are exact integers are
/// not lost to rounding. With a single class, n_0 = available_0.
std::vector<int> longTailTargetCounts(const std::vector<int> &classSizesRankedDescending, double factor,
                                      int heldOutPerClass);

struct LongTailOptions {
    double factor = 0.01; // imbalance factor in (0, 1]: smallest / largest target
    int valPerClass = 0;  // held-out validation samples per class
    int testPerClass = 0; // held-out test samples per class
    quint64 seed = 0;
    bool onlyTrainSplit = false; // only Split::Train samples are the pool; Val/Test kept as they are
};

/// A long-tailed copy of `in`, built like ISIC-2019-LT:
/// 1. The pool is the active samples (with onlyTrainSplit: the active Split::Train samples; active
///    Val/Test samples are then kept unchanged and other samples dropped). Classes are ranked by
///    their pool count (descending, ties by class index); classes with an empty pool get nothing
///    and do not take part in the ranking (so C counts the non-empty classes).
/// 2. Hold-out: per class, testPerClass samples go to Split::Test and valPerClass to Split::Val,
///    chosen at random (seeded) by whole groups (Sample::effectiveGroup), rarest class first. A
///    chosen group goes entirely to one split; its samples beyond that split's per-class quota are
///    dropped, never used for training, so no group is in two splits and held-out splits are exactly
///    balanced.
/// 3. Training: per class, n_i = longTailTargetCounts(...)[rank] random samples (seeded) among the
///    samples not held out (fewer when group hold-out dropped some), as Split::Train.
/// The result holds only the kept samples, in their original order; classes keep names and order.
/// `info["longTail"]` records the options. Deterministic for a seed on every platform (SeededRandom).
/// Errors: InvalidArgument when factor is not in (0, 1], a per-class count is negative, a class
/// (empty ones included) has fewer pool samples than valPerClass + testPerClass (naming it), or its
/// groups cannot provide the hold-out without splitting a group.
Result<DatasetIndex> makeLongTail(const DatasetIndex &in, const LongTailOptions &options);

} // namespace fopro::data
