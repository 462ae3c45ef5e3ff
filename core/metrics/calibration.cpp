#include "core/metrics/calibration.h"

#include "core/metrics/scores.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace fopro::metrics {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

Result<CalibrationResult> compute(const std::vector<int> &yTrue, const std::vector<int> *yPred,
                                  const std::vector<double> &probabilities, int numClasses, int numBins)
{
    if (numBins < 1) {
        return makeError(ErrorCode::InvalidArgument, QString(),
                         QStringLiteral("the number of calibration bins must be at least 1 (got %1)").arg(numBins));
    }
    if (Result<void> ok = checkSamples(yTrue, numClasses); !ok) return ok.error();
    if (yPred) {
        if (yPred->size() != yTrue.size()) {
            return makeError(ErrorCode::InvalidArgument, QString(),
                             QStringLiteral("%1 true labels but %2 predicted labels")
                                 .arg(qulonglong(yTrue.size()))
                                 .arg(qulonglong(yPred->size())));
        }
        if (Result<void> ok = checkLabels(*yPred, numClasses, QStringLiteral("predicted label")); !ok)
            return ok.error();
    }
    if (Result<void> ok = checkScores(probabilities, int(yTrue.size()), numClasses, ScoreRange::UnitRange); !ok)
        return ok.error();

    const std::vector<int> argmax = argmaxRows(probabilities, numClasses);
    std::vector<double> confidenceSum(size_t(numBins), 0.0);
    std::vector<int> correct(size_t(numBins), 0);
    CalibrationResult out;
    out.bins.resize(size_t(numBins));
    for (size_t i = 0; i < yTrue.size(); ++i) {
        const int predicted = yPred ? (*yPred)[i] : argmax[i];
        const double confidence = probabilities[i * size_t(numClasses) + size_t(argmax[i])];
        const size_t b = size_t(calibrationBinOf(confidence, numBins));
        ++out.bins[b].count;
        confidenceSum[b] += confidence;
        if (predicted == yTrue[i]) ++correct[b];
    }
    const double n = double(yTrue.size());
    for (int b = 0; b < numBins; ++b) {
        ReliabilityBin &bin = out.bins[size_t(b)];
        bin.lower = double(b) / double(numBins);
        bin.upper = double(b + 1) / double(numBins);
        if (bin.count == 0) {
            bin.meanConfidence = kNaN;
            bin.accuracy = kNaN;
            continue;
        }
        bin.meanConfidence = confidenceSum[size_t(b)] / double(bin.count);
        bin.accuracy = double(correct[size_t(b)]) / double(bin.count);
        const double gap = std::fabs(bin.accuracy - bin.meanConfidence);
        out.ece += double(bin.count) / n * gap;
        out.mce = std::max(out.mce, gap);
    }
    return out;
}

} // namespace

int calibrationBinOf(double confidence, int numBins)
{
    if (numBins <= 1 || !(confidence > 0.0)) return 0;
    const double bins = double(numBins);
    int b = int(std::ceil(confidence * bins)) - 1;
    b = std::clamp(b, 0, numBins - 1);
    // confidence * bins may round across a boundary: settle on lower < confidence <= upper with the
    // boundaries exactly as stored in ReliabilityBin.
    while (b > 0 && confidence <= double(b) / bins)
        --b;
    while (b < numBins - 1 && confidence > double(b + 1) / bins)
        ++b;
    return b;
}

Result<CalibrationResult> expectedCalibration(const std::vector<int> &yTrue, const std::vector<double> &probabilities,
                                              int numClasses, int numBins)
{
    return compute(yTrue, nullptr, probabilities, numClasses, numBins);
}

Result<CalibrationResult> expectedCalibration(const std::vector<int> &yTrue, const std::vector<int> &yPred,
                                              const std::vector<double> &probabilities, int numClasses, int numBins)
{
    return compute(yTrue, &yPred, probabilities, numClasses, numBins);
}

} // namespace fopro::metrics
