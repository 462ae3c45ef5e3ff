#pragma once
// Helpers for per-sample score matrices (N×C, row-major, one row per sample): validation and
// arg-max. Shared by ROC-AUC, calibration and evaluate().

#include "core/common/result.h"

#include <vector>

namespace fopro::metrics {

/// How strict checkScores() is about the values.
enum class ScoreRange {
    Finite,    ///< any finite value (ROC-AUC only ranks scores)
    UnitRange, ///< probabilities: finite and within [0, 1]; rows need NOT sum to 1
};

/// Checks that `scores` holds numSamples × numClasses values and that each is allowed by `range`.
/// NaN and ±inf are always rejected. Errors (InvalidArgument) name the first offending sample (row)
/// and class (column).
Result<void> checkScores(const std::vector<double> &scores, int numSamples, int numClasses, ScoreRange range);

/// The checks every metric entry point starts with: numClasses >= 1, at least one sample, no more
/// than INT_MAX samples, and every true label in 0..numClasses-1.
Result<void> checkSamples(const std::vector<int> &yTrue, int numClasses);

/// Checks that every label is in 0..numClasses-1; the error names the first offending sample.
/// `what` words the vector in the message ("true label", "predicted label").
Result<void> checkLabels(const std::vector<int> &labels, int numClasses, const QString &what);

/// numpy.argmax(scores, axis=1): per row, the index of the largest value; the first one on ties.
/// Expects scores.size() to be a multiple of numClasses (numClasses >= 1).
std::vector<int> argmaxRows(const std::vector<double> &scores, int numClasses);

} // namespace fopro::metrics
