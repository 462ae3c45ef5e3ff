#include "core/metrics/rocauc.h"

#include "core/metrics/scores.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace fopro::metrics {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

/// AUC of `scores[i*stride + offset]` with positives marked by `positive`; NaN when there are no
/// positives or no negatives. Ties get mid-ranks, so a tied positive / negative pair counts 1/2.
double aucByRanks(const std::vector<char> &positive, const std::vector<double> &scores, size_t stride, size_t offset)
{
    const size_t n = positive.size();
    std::vector<size_t> order(n);
    std::iota(order.begin(), order.end(), size_t(0));
    auto score = [&](size_t i) { return scores[i * stride + offset]; };
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return score(a) < score(b); });

    long double positiveRankSum = 0;
    long long nPos = 0;
    size_t start = 0;
    while (start < n) {
        size_t end = start + 1;
        while (end < n && score(order[end]) == score(order[start]))
            ++end;
        // Ranks start+1 .. end (1-based) share their mean.
        const long double midRank = ((long double)(start + 1) + (long double)end) / 2.0L;
        for (size_t k = start; k < end; ++k) {
            if (positive[order[k]]) {
                positiveRankSum += midRank;
                ++nPos;
            }
        }
        start = end;
    }
    const long long nNeg = (long long)n - nPos;
    if (nPos == 0 || nNeg == 0) return kNaN;
    const long double u = positiveRankSum - (long double)nPos * (long double)(nPos + 1) / 2.0L;
    return double(u / ((long double)nPos * (long double)nNeg));
}

} // namespace

Result<double> binaryRocAuc(const std::vector<int> &yTrue, const std::vector<double> &scores)
{
    if (yTrue.empty())
        return makeError(ErrorCode::InvalidArgument, QString(), QStringLiteral("no samples to evaluate"));
    if (yTrue.size() != scores.size()) {
        return makeError(
            ErrorCode::InvalidArgument, QString(),
            QStringLiteral("%1 labels but %2 scores").arg(qulonglong(yTrue.size())).arg(qulonglong(scores.size())));
    }
    if (Result<void> ok = checkLabels(yTrue, 2, QStringLiteral("binary label")); !ok) return ok.error();
    if (Result<void> ok = checkScores(scores, int(scores.size()), 1, ScoreRange::Finite); !ok) return ok.error();
    std::vector<char> positive(yTrue.size());
    for (size_t i = 0; i < yTrue.size(); ++i)
        positive[i] = yTrue[i] == 1;
    const double auc = aucByRanks(positive, scores, 1, 0);
    if (std::isnan(auc)) {
        return makeError(ErrorCode::InvalidArgument, QString(),
                         QStringLiteral("only one class present in the labels: ROC AUC is not defined"));
    }
    return auc;
}

Result<RocAuc> rocAucOneVsRest(const std::vector<int> &yTrue, const std::vector<double> &probabilities, int numClasses)
{
    if (Result<void> ok = checkSamples(yTrue, numClasses); !ok) return ok.error();
    if (Result<void> ok = checkScores(probabilities, int(yTrue.size()), numClasses, ScoreRange::Finite); !ok)
        return ok.error();

    RocAuc out;
    out.perClass.resize(size_t(numClasses), kNaN);
    std::vector<char> positive(yTrue.size());
    double sum = 0;
    for (int k = 0; k < numClasses; ++k) {
        for (size_t i = 0; i < yTrue.size(); ++i)
            positive[i] = yTrue[i] == k;
        const double auc = aucByRanks(positive, probabilities, size_t(numClasses), size_t(k));
        out.perClass[size_t(k)] = auc;
        if (!std::isnan(auc)) {
            sum += auc;
            ++out.definedClasses;
        }
    }
    out.macro = out.definedClasses > 0 ? sum / double(out.definedClasses) : kNaN;
    return out;
}

} // namespace fopro::metrics
