#pragma once
// Temperature scaling (Guo et al. 2017, "On calibration of modern neural networks", §4.2): one
// scalar T > 0 divides every logit; fitted on a validation set by minimising the negative
// log-likelihood, it changes the confidences but never the arg-max prediction. Plain C++ (no torch).

#include "core/common/result.h"

#include <vector>

namespace fopro::metrics {

/// The fitted temperature and the validation NLL (mean over samples, natural log) at T = 1 and at
/// the fitted T.
struct TemperatureFit {
    double temperature = 1;
    double nllBefore = 0, nllAfter = 0;
    int iterations = 0; ///< iterations of the 1-D minimisation
};

/// Fits T > 0 minimising the mean negative log-likelihood of softmax(logits / T) (Guo et al. 2017)
/// by a 1-D minimisation over log T: the NLL is convex in 1/T, so it is unimodal in log T, and a
/// golden-section search over log T in [ln 1e-2, ln 1e2] narrows it to |Δ log T| < 1e-7 (T is
/// kept within [1e-2, 1e2]). `logits` N×C row-major; probabilities work too
/// when given as log-probabilities (logProbabilities(): softmax(log p / T) ∝ p^(1/T)).
/// nllAfter <= nllBefore always (T = 1 is kept when nothing better is found).
/// Errors (InvalidArgument): numClasses < 2, no samples, a size other than N×C, a label outside
/// 0..C-1, a NaN or infinite logit (naming sample and class).
Result<TemperatureFit> fitTemperature(const std::vector<int> &yTrue, const std::vector<double> &logits, int numClasses);

/// softmax(logits / T), row-major N×C (numerically stable: the row maximum is subtracted first).
/// Expects logits.size() to be a multiple of numClasses (>= 1) and T > 0.
std::vector<double> applyTemperature(const std::vector<double> &logits, int numClasses, double temperature);

/// log of probabilities clamped at 1e-12 (to use stored probabilities as logits).
std::vector<double> logProbabilities(const std::vector<double> &probabilities);

/// The mean negative log-likelihood of softmax(logits / T) for the true labels (no checks: the
/// caller validated sizes and labels).
double temperatureNll(const std::vector<int> &yTrue, const std::vector<double> &logits, int numClasses,
                      double temperature);

} // namespace fopro::metrics
