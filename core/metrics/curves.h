#pragma once
// Per-class curves of a probabilistic classifier for the Results page and the reports: one-vs-rest
// ROC and precision-recall curves (each equal to scikit-learn's function on the same input), and the
// most confused class pairs of a confusion matrix.
//
// Conventions: `probabilities` is N×C row-major (one row per sample, as everywhere in
// core/metrics); only column `positive` is used by the curves, so the rows need not sum to 1 (any
// finite score ranks). The curves' points come in scikit-learn's order.

#include "core/common/result.h"
#include "core/metrics/confusionmatrix.h"

#include <vector>

namespace fopro::metrics {

/// The points of one curve and the area under it. x[i], y[i] is the point reached with the
/// decision threshold thresholds[i] (score >= threshold → positive).
struct CurvePoints {
    std::vector<double> x, y, thresholds;
    double area = 0;
};

/// One-vs-rest ROC of class `positive` from N×C probabilities (row-major):
/// sklearn.metrics.roc_curve(y_true == positive, p[:, positive], drop_intermediate=True), x = FPR,
/// y = TPR, thresholds decreasing as sklearn >= 1.3 returns them (the first point is (0, 0) with
/// threshold +infinity; sklearn < 1.3 wrote max score + 1 there); area = sklearn.metrics.roc_auc_score of the same
/// binary problem (trapezoids over the undropped curve, equal to the rank formula of rocauc.h). Errors
/// (InvalidArgument): numClasses < 1, empty input, a size other than N×C, a label outside 0..C-1, a NaN or infinite
/// score, `positive` outside 0..C-1, and a class absent from y_true or the only class in it (the detail names the
/// class; sklearn warns and returns NaN there).
Result<CurvePoints> rocCurve(const std::vector<int> &yTrue, const std::vector<double> &probabilities, int numClasses,
                             int positive);

/// One-vs-rest precision-recall curve of class `positive`:
/// sklearn.metrics.precision_recall_curve(y_true == positive, p[:, positive]), x = recall,
/// y = precision, in the order of sklearn >= 1.1 with drop_intermediate=False (one point per
/// distinct score, thresholds ascending so recall decreases, then the final point recall 0 /
/// precision 1, which has no threshold: thresholds has one value fewer than x and y). area =
/// sklearn.metrics.average_precision_score (Σ (R_n − R_{n−1}) P_n, no interpolation). Errors: as rocCurve (a class
/// absent from y_true is an error naming the class).
Result<CurvePoints> precisionRecallCurve(const std::vector<int> &yTrue, const std::vector<double> &probabilities,
                                         int numClasses, int positive);

/// A cell off the diagonal of a confusion matrix.
struct ConfusedPair {
    int trueClass = 0;
    int predictedClass = 0;
    int count = 0;         ///< samples of trueClass predicted as predictedClass
    double rateOfTrue = 0; ///< count / support of trueClass (the row-normalised cell)
};

/// The most confused pairs (true ≠ predicted, count > 0) by count, descending, at most `limit`
/// (limit <= 0 gives none). Ties: the higher rateOfTrue first, then by true class, then by
/// predicted class (ascending), so the order is deterministic.
std::vector<ConfusedPair> mostConfusedPairs(const ConfusionMatrix &cm, int limit = 10);

} // namespace fopro::metrics
