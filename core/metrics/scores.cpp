#include "core/metrics/scores.h"

#include <limits>

#include <cmath>

namespace fopro::metrics {

Result<void> checkScores(const std::vector<double> &scores, int numSamples, int numClasses, ScoreRange range)
{
    if (numClasses < 1) {
        return makeError(ErrorCode::InvalidArgument, QString(),
                         QStringLiteral("the number of classes must be at least 1 (got %1)").arg(numClasses));
    }
    if (numSamples < 0 || scores.size() != size_t(numSamples) * size_t(numClasses)) {
        return makeError(ErrorCode::InvalidArgument, QString(),
                         QStringLiteral("expected %1 × %2 = %3 scores, got %4")
                             .arg(numSamples)
                             .arg(numClasses)
                             .arg(qulonglong(numSamples < 0 ? 0 : size_t(numSamples) * size_t(numClasses)))
                             .arg(qulonglong(scores.size())));
    }
    for (size_t i = 0; i < scores.size(); ++i) {
        const double v = scores[i];
        const bool bad = !std::isfinite(v) || (range == ScoreRange::UnitRange && (v < 0.0 || v > 1.0));
        if (bad) {
            const size_t row = i / size_t(numClasses);
            const size_t col = i % size_t(numClasses);
            const QString why = std::isnan(v)       ? QStringLiteral("is NaN")
                                : !std::isfinite(v) ? QStringLiteral("is infinite")
                                                    : QStringLiteral("%1 is not a probability in [0, 1]").arg(v);
            return makeError(ErrorCode::InvalidArgument, QString(),
                             QStringLiteral("sample %1, class %2: score %3").arg(row).arg(col).arg(why));
        }
    }
    return {};
}

Result<void> checkLabels(const std::vector<int> &labels, int numClasses, const QString &what)
{
    for (size_t i = 0; i < labels.size(); ++i) {
        if (labels[i] < 0 || labels[i] >= numClasses) {
            return makeError(ErrorCode::InvalidArgument, QString(),
                             QStringLiteral("sample %1: %2 %3 is outside the classes 0..%4")
                                 .arg(qulonglong(i))
                                 .arg(what)
                                 .arg(labels[i])
                                 .arg(numClasses - 1));
        }
    }
    return {};
}

std::vector<int> argmaxRows(const std::vector<double> &scores, int numClasses)
{
    std::vector<int> out;
    if (numClasses < 1) return out;
    const size_t c = size_t(numClasses);
    out.reserve(scores.size() / c);
    for (size_t row = 0; row + c <= scores.size(); row += c) {
        int best = 0;
        for (size_t k = 1; k < c; ++k) {
            if (scores[row + k] > scores[row + size_t(best)]) best = int(k);
        }
        out.push_back(best);
    }
    return out;
}

Result<void> checkSamples(const std::vector<int> &yTrue, int numClasses)
{
    if (numClasses < 1) {
        return makeError(ErrorCode::InvalidArgument, QString(),
                         QStringLiteral("the number of classes must be at least 1 (got %1)").arg(numClasses));
    }
    if (yTrue.empty())
        return makeError(ErrorCode::InvalidArgument, QString(), QStringLiteral("no samples to evaluate"));
    if (yTrue.size() > size_t(std::numeric_limits<int>::max())) {
        return makeError(ErrorCode::InvalidArgument, QString(),
                         QStringLiteral("too many samples (%1)").arg(qulonglong(yTrue.size())));
    }
    return checkLabels(yTrue, numClasses, QStringLiteral("true label"));
}

} // namespace fopro::metrics
