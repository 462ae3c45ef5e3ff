#include "core/metrics/temperature.h"

#include "core/metrics/scores.h"

#include <algorithm>
#include <cmath>

namespace fopro::metrics {

namespace {

constexpr double kMinLogT = -4.605170185988091; // ln 1e-2
constexpr double kMaxLogT = 4.605170185988091;  // ln 1e2
constexpr double kTolerance = 1e-7;

} // namespace

double temperatureNll(const std::vector<int> &yTrue, const std::vector<double> &logits, int numClasses,
                      double temperature)
{
    const size_t c = size_t(numClasses);
    long double sum = 0;
    for (size_t i = 0; i < yTrue.size(); ++i) {
        const double *row = logits.data() + i * c;
        const double top = *std::max_element(row, row + c) / temperature;
        long double z = 0;
        for (size_t k = 0; k < c; ++k)
            z += std::exp(row[k] / temperature - top);
        sum += top + std::log(z) - row[size_t(yTrue[i])] / temperature;
    }
    return double(sum / (long double)yTrue.size());
}

Result<TemperatureFit> fitTemperature(const std::vector<int> &yTrue, const std::vector<double> &logits, int numClasses)
{
    if (numClasses < 2)
        return makeError(ErrorCode::InvalidArgument, {},
                         QStringLiteral("temperature scaling needs at least 2 classes, got %1").arg(numClasses));
    if (Result<void> ok = checkSamples(yTrue, numClasses); !ok) return ok.error();
    if (Result<void> ok = checkScores(logits, int(yTrue.size()), numClasses, ScoreRange::Finite); !ok)
        return ok.error();
    const auto nll = [&](double logT) { return temperatureNll(yTrue, logits, numClasses, std::exp(logT)); };

    // Golden-section search for the minimum of a unimodal function of log T.
    const double invPhi = (std::sqrt(5.0) - 1.0) / 2.0;
    double a = kMinLogT, b = kMaxLogT;
    double c = b - invPhi * (b - a), d = a + invPhi * (b - a);
    double fc = nll(c), fd = nll(d);
    TemperatureFit fit;
    while (b - a > kTolerance) {
        ++fit.iterations;
        if (fc < fd) {
            b = d;
            d = c;
            fd = fc;
            c = b - invPhi * (b - a);
            fc = nll(c);
        } else {
            a = c;
            c = d;
            fc = fd;
            d = a + invPhi * (b - a);
            fd = nll(d);
        }
    }
    const double logT = (a + b) / 2;
    fit.nllBefore = nll(0.0);
    fit.temperature = std::exp(logT);
    fit.nllAfter = nll(logT);
    if (!(fit.nllAfter <= fit.nllBefore)) {
        fit.temperature = 1;
        fit.nllAfter = fit.nllBefore;
    }
    return fit;
}

std::vector<double> applyTemperature(const std::vector<double> &logits, int numClasses, double temperature)
{
    const size_t c = size_t(std::max(1, numClasses));
    std::vector<double> out(logits.size());
    for (size_t i = 0; i + c <= logits.size(); i += c) {
        const double top = *std::max_element(logits.begin() + long(i), logits.begin() + long(i + c)) / temperature;
        double z = 0;
        for (size_t k = 0; k < c; ++k)
            z += out[i + k] = std::exp(logits[i + k] / temperature - top);
        for (size_t k = 0; k < c; ++k)
            out[i + k] /= z;
    }
    return out;
}

std::vector<double> logProbabilities(const std::vector<double> &probabilities)
{
    std::vector<double> out(probabilities.size());
    for (size_t i = 0; i < probabilities.size(); ++i)
        out[i] = std::log(std::max(probabilities[i], 1e-12));
    return out;
}

} // namespace fopro::metrics
