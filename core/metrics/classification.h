#pragma once
// Label-based classification metrics, computed from a ConfusionMatrix, each equal to its
// scikit-learn counterpart (method.md, "Metrics"). Class labels are 0..C-1.
//
// Conventions shared by every function here:
// - An empty matrix (no sample) is an error (InvalidArgument), never a silent 0 or NaN.
// - sklearn's zero_division=0: a precision / recall / F1 whose denominator is 0 is 0.
// - `LabelSet` states which classes a macro average runs over, i.e. sklearn's `labels` argument.

#include "core/common/result.h"
#include "core/metrics/confusionmatrix.h"

#include <vector>

namespace fopro::metrics {

/// Which classes an average runs over: sklearn's `labels` argument.
enum class LabelSet {
    /// labels=range(C) (the default here): every class; a class absent from both y_true and y_pred
    /// adds a 0 F1 to the macro average.
    AllClasses,
    /// labels=None (sklearn's own default): the classes that occur in y_true or y_pred.
    ObservedClasses,
};

/// Per-class scores, indexed by class: sklearn precision_recall_fscore_support(y_true, y_pred,
/// labels=range(C), average=None, zero_division=0). `predicted` is the column sum (how often the
/// class was predicted), which sklearn does not return.
struct ClassScores {
    std::vector<double> precision; ///< tp / (tp + fp), 0 when the class is never predicted
    std::vector<double> recall;    ///< tp / (tp + fn), 0 when the class is absent from y_true
    std::vector<double> f1;        ///< 2tp / (2tp + fp + fn), 0 when that is 0 / 0
    std::vector<int> support;      ///< samples of the class in y_true
    std::vector<int> predicted;    ///< samples predicted as the class
};

/// sklearn.metrics.accuracy_score: correct / total.
Result<double> accuracy(const ConfusionMatrix &cm);

/// sklearn.metrics.balanced_accuracy_score: the mean recall over the classes present in y_true
/// (support > 0). Classes absent from y_true are left out (sklearn drops them and warns); classes
/// never predicted count with recall 0. With `adjusted`, sklearn's adjusted=True:
/// (score - 1/K) / (1 - 1/K) with K the classes averaged; with K == 1 this divides by 0 in IEEE
/// arithmetic exactly like sklearn (NaN when the recall is 1, -inf otherwise).
Result<double> balancedAccuracy(const ConfusionMatrix &cm, bool adjusted = false);

/// Per-class precision, recall, F1 and support (see ClassScores). Never fails; an empty matrix gives
/// all zeros.
ClassScores classScores(const ConfusionMatrix &cm);

/// sklearn.metrics.f1_score(y_true, y_pred, average='macro', zero_division=0) with
/// labels=range(C) (LabelSet::AllClasses, default) or labels=None (LabelSet::ObservedClasses).
Result<double> macroF1(const ConfusionMatrix &cm, LabelSet labels = LabelSet::AllClasses);
/// The same with an explicit `labels` list (each in 0..C-1, no repeats, not empty).
Result<double> macroF1(const ConfusionMatrix &cm, const std::vector<int> &labels);

/// sklearn.metrics.matthews_corrcoef (multi-class, Gorodkin's R_K):
/// cov(t,p) / sqrt(cov(t,t) · cov(p,p)) with cov(t,p) = c·s − Σ_k t_k p_k,
/// cov(t,t) = s² − Σ t_k², cov(p,p) = s² − Σ p_k² (c correct, s samples, t_k / p_k the row /
/// column sums). 0 when the denominator is 0 (sklearn's behaviour), e.g. one true class only.
Result<double> matthewsCorrelation(const ConfusionMatrix &cm);

/// Weighting of Cohen's kappa: sklearn cohen_kappa_score's `weights`.
enum class KappaWeights {
    None,      ///< weights=None: 1 off the diagonal
    Linear,    ///< weights='linear': |i − j|
    Quadratic, ///< weights='quadratic': (i − j)²
};

/// sklearn.metrics.cohen_kappa_score(y_true, y_pred, weights=...): 1 − Σ w·O / Σ w·E with
/// E_ij = colSum_i · rowSum_j / n. NaN when Σ w·E is 0 (sklearn returns nan there too, e.g. both
/// raters used one and the same class only).
/// `labels` matters only for Linear / Quadratic, whose weights use positions in the label list:
/// AllClasses (default) = sklearn labels=range(C), the distance between class indices;
/// ObservedClasses = sklearn labels=None, positions among the classes seen in y_true or y_pred.
/// The unweighted kappa is the same under both.
Result<double> cohenKappa(const ConfusionMatrix &cm, KappaWeights weights = KappaWeights::None,
                          LabelSet labels = LabelSet::AllClasses);

/// Head / medium / tail thresholds on training counts. The rule is the one of
/// fopro::data::tailGroupOf (core/data/longtail.h): head when count > many, tail when
/// count < few, medium otherwise (defaults 100 / 20; HyperKvasir preset 700 / 70).
/// Not re-using that header keeps this library free of the data layer (OpenCV, DCMTK).
constexpr int kDefaultManyShot = 100;
constexpr int kDefaultFewShot = 20;
constexpr int kHyperKvasirManyShot = 700;
constexpr int kHyperKvasirFewShot = 70;

/// One head / medium / tail group.
struct GroupRecall {
    std::vector<int> classes;   ///< classes whose training count puts them in the group, ascending
    std::vector<int> evaluated; ///< those of `classes` present in the test labels (support > 0)
    /// Mean recall over `evaluated`; NaN when `evaluated` is empty (numpy's mean of nothing).
    double meanRecall = 0;
};

struct TailGroupRecall {
    int many = kDefaultManyShot;
    int few = kDefaultFewShot;
    std::vector<int> trainCounts; ///< the training counts the groups were made from, per class
    GroupRecall head;
    GroupRecall medium;
    GroupRecall tail;
};

/// Head / medium / tail mean recall ("many / medium / few-shot accuracy" of the long-tail
/// literature, e.g. OLTR's shot_acc): classes are grouped by `trainCounts` (one per class) and each
/// group's recall is averaged over its classes present in the test labels, like balancedAccuracy().
/// Errors (InvalidArgument): empty matrix, trainCounts.size() != C, a negative count, a negative
/// threshold or few > many.
Result<TailGroupRecall> tailGroupRecall(const ConfusionMatrix &cm, const std::vector<int> &trainCounts,
                                        int many = kDefaultManyShot, int few = kDefaultFewShot);

} // namespace fopro::metrics
