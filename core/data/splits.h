#pragma once
// Train/val/test splits and k-fold cross-validation: stratified by class and group-aware (a group —
// patient, lesion, video — never lands in two splits), seeded and reproducible, plus the
// HyperKvasir fold protocol and a leakage checker.
//
// Randomness: every function here draws from std::mt19937_64 (its output sequence is fixed by the
// C++ standard) through SeededRandom below, which implements its own uniform integers and shuffle.
// std::uniform_int_distribution and std::shuffle are implementation-defined and would give
// different splits with libstdc++, libc++ and MSVC; with SeededRandom a seed gives the same split
// on every platform.

#include "core/common/result.h"
#include "core/data/curation.h"
#include "core/data/datasetindex.h"
#include "core/data/longtail.h"
#include "core/jobs/jobcontrol.h"

#include <QtCore/QList>

#include <cstddef>
#include <random>
#include <utility>
#include <vector>

namespace fopro::data {

/// Portable seeded random numbers (see the note at the top of this file).
class SeededRandom {
public:
    explicit SeededRandom(quint64 seed) : m_engine(seed) {}

    /// A uniform integer in [0, n); n must be > 0. Rejection sampling, no modulo bias.
    quint64 below(quint64 n)
    {
        const quint64 threshold = (0 - n) % n; // 2^64 mod n
        for (;;) {
            const quint64 x = m_engine();
            if (x >= threshold) return x % n;
        }
    }

    /// Fisher–Yates shuffle in place.
    template <typename T> void shuffle(std::vector<T> &v)
    {
        for (std::size_t i = v.size(); i > 1; --i)
            std::swap(v[i - 1], v[std::size_t(below(i))]);
    }

    std::mt19937_64 &engine() { return m_engine; }

private:
    std::mt19937_64 m_engine;
};

/// Shares of the active samples for train, val and test. They need not sum to 1 (they are
/// normalised); each must be >= 0 and at least one > 0.
struct SplitFractions {
    double train = 0.7;
    double val = 0.15;
    double test = 0.15;
};

/// Assigns Split::Train/Val/Test to every active sample (DatasetIndex::isActive), stratified by class
/// and group-aware: groups (Sample::effectiveGroup) are the units, so no group is in two splits.
/// Every class with at least as many groups as there are splits with a non-zero fraction appears in
/// every such split (guaranteed when each group holds one class; best effort — with local repair —
/// when groups mix classes, where it can be impossible). Per-class proportions follow the fractions
/// as closely as the group sizes allow. Inactive samples get Split::None.
/// Algorithm: a coverage pass (rarest class first, each split lacking the class receives the smallest
/// unassigned group holding it), then the remaining groups in descending size (ties shuffled by the
/// seed) each go to the split with the largest class-weighted relative deficit against its target.
/// Errors: InvalidArgument for bad fractions.
Result<void> assignSplits(DatasetIndex &index, SplitFractions fractions, quint64 seed);

/// Stratified, group-aware k-fold: a fold number 0..k-1 per sample (indexed like index.samples), -1
/// for inactive samples. Same guarantees as assignSplits (every class with >= k groups is in every
/// fold, no group in two folds, per-class fold sizes as equal as the groups allow).
/// Errors: InvalidArgument when k < 2 or k exceeds the number of active groups.
Result<std::vector<int>> stratifiedGroupKFold(const DatasetIndex &index, int k, quint64 seed);

/// A copy of `index` for one cross-validation round: samples of fold `testFold` get Split::Test, the
/// other folds Split::Train, samples with fold -1 Split::None. With valFractionOfTrain > 0 a
/// validation part is carved out of the training folds, stratified and group-aware (seeded by
/// `seed`). `folds` must have one entry per sample.
DatasetIndex foldIndex(const DatasetIndex &index, const std::vector<int> &folds, int testFold,
                       double valFractionOfTrain = 0, quint64 seed = 0);

/// Exact-size stratified k-fold at the image level (groups are ignored): every fold holds exactly
/// N / k (integer division) of the N active samples and, for every class, the fold counts differ by
/// at most one. Classes are processed in alphabetical order of their names; inside a class the
/// samples are ordered by Sample::id() and shuffled with the seed, so the result does not depend on
/// the order of classes or samples in the index. Each class deals floor(n_c / k) samples to every
/// fold; its n_c mod k remaining samples are dealt round-robin over the folds, continuing where the
/// previous class stopped; the last N mod k samples of that deal are left in no fold (-1).
/// Errors: InvalidArgument when k < 2 or there are fewer than k active samples.
Result<std::vector<int>> exactStratifiedKFold(const DatasetIndex &index, int k, quint64 seed);

/// The HyperKvasir protocol (method.md, "Datasets and protocols"): stratified 5-fold
/// cross-validation, classes in alphabetical order, each fold exactly N//5 images, seed 0. Read
/// here as exactStratifiedKFold(index, 5, 0): image-level (the labelled HyperKvasir images carry no
/// patient ids), and the N mod 5 left-over images (2 of 10,662) are in no fold (-1).
Result<std::vector<int>> hyperKvasirFolds(const DatasetIndex &index);

/// A group found in more than one split (a leak): the group id and its splits in ascending order.
struct SplitLeak {
    QString group;
    QList<Split> splits;
};

/// Groups (Sample::effectiveGroup of active samples with a split other than None) that occur in
/// more than one split, sorted by group id.
std::vector<SplitLeak> findGroupLeaks(const DatasetIndex &index);

// ---- Proposing new splits for a whole dataset (what the desktop application's Split manager shows
// before anything changes) -----------------------------------------------------------------------

enum class SplitMethod {
    Fractions,   ///< assignSplits with `fractions`
    KFold,       ///< stratifiedGroupKFold(k), fold `testFold` as test, optional validation share
    HyperKvasir, ///< hyperKvasirFolds, fold `testFold` as test, optional validation share
    LongTail,    ///< makeLongTail(longTail): samples not kept are excluded and unassigned
};

struct SplitRequest {
    SplitMethod method = SplitMethod::Fractions;
    SplitFractions fractions;
    quint64 seed = 0;
    int k = 5;                  ///< KFold only (HyperKvasir is always 5)
    int testFold = 0;           ///< counted from 0
    double valShareOfTrain = 0; ///< KFold and HyperKvasir: share of the training folds that validates
    LongTailOptions longTail;   ///< LongTail only (its seed is `seed`)
    /// Protect the current test (validation) set: its active samples keep their split and the
    /// method only distributes the other samples. Fractions: the kept split's share is dropped.
    /// KFold / HyperKvasir with keepTest: the fold chosen as test validates instead (keepTest and
    /// keepVal together leave k-fold nothing to rotate: InvalidArgument); with keepVal no validation
    /// share is carved out. LongTail: no test (validation) images are held out of the pool.
    bool keepTest = false;
    bool keepVal = false;
    /// Sets of sample indices that must land in one split, e.g. the near-duplicate clusters of
    /// findDuplicates: the groups of each set's members are merged for the split (transitively), so
    /// group-aware methods keep them together. HyperKvasir splits images, not groups: it ignores them.
    std::vector<std::vector<int>> keepTogether;
};

struct SplitProposal {
    DatasetIndex after;    ///< the dataset with the proposal applied
    CurationEdit edit;     ///< from the current state to `after` (empty when nothing changes)
    int groupLeaks = 0;    ///< groups of `after` found in more than one split
    int newlyExcluded = 0; ///< samples active before that the proposal excludes (LongTail)
};

/// The change from `before` to `after` as one curation edit: every sample whose label, imported
/// label, flags or split differ. Both must hold the same samples in the same order (`after` is a
/// modified copy of `before`); classes are compared too.
CurationEdit diffDatasets(const DatasetIndex &before, const DatasetIndex &after, const QString &description);

/// Computes new splits for `current` by `request` without changing it, and the edit that applying
/// them would be (described by `description`, worded by the caller). Errors: those of the method
/// (InvalidArgument for bad fractions, too few groups for k, an impossible long tail), Cancelled
/// when `control` was cancelled.
Result<SplitProposal> proposeSplit(const DatasetIndex &current, const SplitRequest &request, const QString &description,
                                   JobControl *control = nullptr);

} // namespace fopro::data
