#pragma once
// Expected calibration error (Guo et al. 2017, "On calibration of modern neural networks") and the
// data of its reliability diagram. scikit-learn has no ECE; this follows the common implementation
// (the `_ECELoss` of gpleiss/temperature_scaling): equal-width bins on the max-probability
// confidence, ECE = Σ_b (n_b / N) · |acc_b − conf_b|.

#include "core/common/result.h"

#include <vector>

namespace fopro::metrics {

constexpr int kDefaultCalibrationBins = 15;

/// One bin of the reliability diagram.
struct ReliabilityBin {
    double lower = 0;          ///< b / B (exclusive, except that confidence 0 falls in bin 0)
    double upper = 0;          ///< (b + 1) / B (inclusive)
    int count = 0;             ///< samples whose confidence falls in the bin
    double meanConfidence = 0; ///< mean confidence in the bin; NaN when count == 0
    double accuracy = 0;       ///< fraction of correct predictions in the bin; NaN when count == 0
};

struct CalibrationResult {
    /// Σ_b (n_b / N) · |accuracy_b − meanConfidence_b| over the non-empty bins.
    double ece = 0;
    /// Maximum calibration error: max_b |accuracy_b − meanConfidence_b| over the non-empty bins.
    double mce = 0;
    std::vector<ReliabilityBin> bins; ///< numBins bins, lowest confidence first
};

/// ECE and reliability diagram of N×C row-major probabilities. A sample's confidence is its row's
/// maximum, its prediction the row's arg-max (first maximum on ties, like numpy.argmax).
/// Bin b of B holds lower < confidence <= upper with lower = b/B and upper = (b+1)/B (computed as
/// double divisions); a confidence of exactly 0 goes to bin 0.
/// Rows need not sum to 1 (e.g. float rounding of a softmax, or independent sigmoid outputs): only
/// their maximum is used. Every value must be finite and within [0, 1].
/// Errors (InvalidArgument): numClasses < 1, numBins < 1, empty input, a size other than N×C, a
/// label outside 0..C-1, a NaN / infinite / out-of-range probability (naming sample and class).
Result<CalibrationResult> expectedCalibration(const std::vector<int> &yTrue, const std::vector<double> &probabilities,
                                              int numClasses, int numBins = kDefaultCalibrationBins);

/// The same, with correctness judged on the given predictions (yPred[i] == yTrue[i]) instead of
/// the arg-max; the confidence stays the row's maximum probability. Useful when the decision is
/// not the arg-max of the probabilities (e.g. post-hoc logit adjustment). Also fails when yPred has
/// another length than yTrue or a label outside 0..C-1.
Result<CalibrationResult> expectedCalibration(const std::vector<int> &yTrue, const std::vector<int> &yPred,
                                              const std::vector<double> &probabilities, int numClasses,
                                              int numBins = kDefaultCalibrationBins);

/// The bin (0..numBins-1) a confidence in [0, 1] falls in, by the rule above.
int calibrationBinOf(double confidence, int numBins);

} // namespace fopro::metrics
