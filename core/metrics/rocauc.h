#pragma once
// Area under the ROC curve from scores, by the rank (Mann-Whitney U) formula:
// AUC = (R+ − n+(n+ + 1)/2) / (n+ · n−), R+ the sum of the positives' mid-ranks. This equals
// sklearn's trapezoidal area under roc_curve, ties between a positive and a negative counting 1/2.

#include "core/common/result.h"

#include <vector>

namespace fopro::metrics {

/// sklearn.metrics.roc_auc_score(y_true, y_score) for a binary problem: yTrue holds 0 / 1 (1 =
/// positive), scores any finite values (higher = more positive).
/// Errors (InvalidArgument): empty input, different lengths, a label other than 0 / 1, a NaN or
/// infinite score, or only one class present (sklearn raises "Only one class present in y_true").
Result<double> binaryRocAuc(const std::vector<int> &yTrue, const std::vector<double> &scores);

/// One-vs-rest ROC-AUC of every class and their macro average.
struct RocAuc {
    /// AUC of "class k vs the rest" using column k of the scores; NaN when y_true has no sample of
    /// class k or only samples of class k (undefined: sklearn raises instead).
    std::vector<double> perClass;
    /// Unweighted mean over the classes with a defined AUC; NaN when there is none.
    double macro = 0;
    /// Number of classes with a defined AUC (== C whenever sklearn would not raise).
    int definedClasses = 0;
};

/// sklearn.metrics.roc_auc_score(y_true, y_score, multi_class='ovr', average='macro',
/// labels=range(C)) with `probabilities` N×C row-major. Where sklearn would raise, this does not:
/// - a class absent from y_true (or the only class in it) gets a NaN AUC and is left out of the
///   macro average (`definedClasses` says how many classes were averaged);
/// - rows need not sum to 1 (sklearn requires it for multi-class input); each column is ranked as
///   it is, so any finite scores work. With C == 2 and rows summing to 1, both classes' AUC and the
///   macro equal the binary roc_auc_score(y_true, probabilities[:, 1]).
/// Errors (InvalidArgument): numClasses < 1, empty input, a label outside 0..C-1, a size other
/// than N×C, a NaN or infinite score (naming sample and class).
Result<RocAuc> rocAucOneVsRest(const std::vector<int> &yTrue, const std::vector<double> &probabilities, int numClasses);

} // namespace fopro::metrics
