#include "core/metrics/curves.h"

#include "core/metrics/scores.h"

#include <algorithm>
#include <limits>
#include <numeric>

namespace fopro::metrics {

namespace {

/// sklearn's _binary_clf_curve: scores sorted descending, one entry per distinct score (the last
/// sample holding it): cumulative true and false positives at that threshold.
struct BinaryCounts {
    std::vector<double> tps, fps, thresholds;
};

BinaryCounts binaryCounts(const std::vector<char> &positive, const std::vector<double> &scores, size_t stride,
                          size_t offset)
{
    const size_t n = positive.size();
    std::vector<size_t> order(n);
    std::iota(order.begin(), order.end(), size_t(0));
    auto score = [&](size_t i) { return scores[i * stride + offset]; };
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return score(a) > score(b); });
    BinaryCounts out;
    double tp = 0, fp = 0;
    for (size_t k = 0; k < n; ++k) {
        (positive[order[k]] ? tp : fp) += 1;
        if (k + 1 < n && score(order[k + 1]) == score(order[k])) continue;
        out.tps.push_back(tp);
        out.fps.push_back(fp);
        out.thresholds.push_back(score(order[k]));
    }
    return out;
}

/// The checks of both curves, then the positives of class `positive` (error: a class absent from
/// y_true or the only class in it).
Result<std::vector<char>> positivesOf(const std::vector<int> &yTrue, const std::vector<double> &probabilities,
                                      int numClasses, int positive)
{
    if (Result<void> ok = checkSamples(yTrue, numClasses); !ok) return ok.error();
    if (Result<void> ok = checkScores(probabilities, int(yTrue.size()), numClasses, ScoreRange::Finite); !ok)
        return ok.error();
    if (positive < 0 || positive >= numClasses)
        return makeError(ErrorCode::InvalidArgument, {},
                         QStringLiteral("class %1 is outside 0..%2").arg(positive).arg(numClasses - 1));
    std::vector<char> isPositive(yTrue.size());
    size_t count = 0;
    for (size_t i = 0; i < yTrue.size(); ++i) {
        isPositive[i] = yTrue[i] == positive;
        count += size_t(isPositive[i]);
    }
    if (count == 0)
        return makeError(
            ErrorCode::InvalidArgument, {},
            QStringLiteral("class %1 has no sample in the true labels: its curve is not defined").arg(positive));
    if (count == yTrue.size())
        return makeError(
            ErrorCode::InvalidArgument, {},
            QStringLiteral("class %1 is the only class in the true labels: its curve is not defined").arg(positive));
    return isPositive;
}

} // namespace

Result<CurvePoints> rocCurve(const std::vector<int> &yTrue, const std::vector<double> &probabilities, int numClasses,
                             int positive)
{
    auto isPositive = positivesOf(yTrue, probabilities, numClasses, positive);
    if (!isPositive) return isPositive.error();
    const BinaryCounts c = binaryCounts(*isPositive, probabilities, size_t(numClasses), size_t(positive));
    const size_t m = c.tps.size();
    // drop_intermediate: keep the ends and every point where the curve bends (second differences).
    std::vector<size_t> kept;
    for (size_t i = 0; i < m; ++i) {
        const bool end = i == 0 || i + 1 == m || m <= 2;
        const bool bend = !end && (c.fps[i + 1] - 2 * c.fps[i] + c.fps[i - 1] != 0 ||
                                   c.tps[i + 1] - 2 * c.tps[i] + c.tps[i - 1] != 0);
        if (end || bend) kept.push_back(i);
    }
    const double totalPositives = c.tps.back(), totalNegatives = c.fps.back();
    CurvePoints out;
    out.x.push_back(0);
    out.y.push_back(0);
    out.thresholds.push_back(std::numeric_limits<double>::infinity());
    for (size_t i : kept) {
        out.x.push_back(c.fps[i] / totalNegatives);
        out.y.push_back(c.tps[i] / totalPositives);
        out.thresholds.push_back(c.thresholds[i]);
    }
    // Trapezoids (sklearn.metrics.auc); dropped points were collinear, so the area is unchanged.
    long double area = 0;
    for (size_t i = 1; i < out.x.size(); ++i)
        area += (long double)(out.x[i] - out.x[i - 1]) * (out.y[i] + out.y[i - 1]) / 2.0L;
    out.area = double(area);
    return out;
}

Result<CurvePoints> precisionRecallCurve(const std::vector<int> &yTrue, const std::vector<double> &probabilities,
                                         int numClasses, int positive)
{
    auto isPositive = positivesOf(yTrue, probabilities, numClasses, positive);
    if (!isPositive) return isPositive.error();
    const BinaryCounts c = binaryCounts(*isPositive, probabilities, size_t(numClasses), size_t(positive));
    const size_t m = c.tps.size();
    const double totalPositives = c.tps.back();
    CurvePoints out;
    for (size_t k = m; k-- > 0;) {
        out.x.push_back(c.tps[k] / totalPositives);
        out.y.push_back(c.tps[k] / (c.tps[k] + c.fps[k]));
        out.thresholds.push_back(c.thresholds[k]);
    }
    out.x.push_back(0);
    out.y.push_back(1);
    // average_precision_score: -Σ diff(recall) · precision[:-1] over the reversed curve.
    long double ap = 0;
    for (size_t i = 0; i + 1 < out.x.size(); ++i)
        ap += (long double)(out.x[i] - out.x[i + 1]) * out.y[i];
    out.area = double(ap);
    return out;
}

std::vector<ConfusedPair> mostConfusedPairs(const ConfusionMatrix &cm, int limit)
{
    std::vector<ConfusedPair> pairs;
    if (limit <= 0) return pairs;
    const int c = cm.numClasses();
    for (int t = 0; t < c; ++t)
        for (int p = 0; p < c; ++p) {
            const int n = cm.count(t, p);
            if (t == p || n == 0) continue;
            pairs.push_back({t, p, n, double(n) / double(cm.rowSum(t))});
        }
    std::sort(pairs.begin(), pairs.end(), [](const ConfusedPair &a, const ConfusedPair &b) {
        if (a.count != b.count) return a.count > b.count;
        if (a.rateOfTrue != b.rateOfTrue) return a.rateOfTrue > b.rateOfTrue;
        if (a.trueClass != b.trueClass) return a.trueClass < b.trueClass;
        return a.predictedClass < b.predictedClass;
    });
    if (int(pairs.size()) > limit) pairs.resize(size_t(limit));
    return pairs;
}

} // namespace fopro::metrics
