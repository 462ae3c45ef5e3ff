#include "core/metrics/classification.h"

#include <cmath>
#include <limits>

namespace fopro::metrics {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

Error emptyError()
{
    return makeError(ErrorCode::InvalidArgument, QString(), QStringLiteral("no samples to evaluate"));
}

/// Classes that occur in y_true or y_pred, ascending (sklearn's unique_labels(y_true, y_pred)).
std::vector<int> observedClasses(const ConfusionMatrix &cm)
{
    std::vector<int> out;
    for (int k = 0; k < cm.numClasses(); ++k) {
        if (cm.rowSum(k) > 0 || cm.columnSum(k) > 0) out.push_back(k);
    }
    return out;
}

std::vector<int> allClasses(const ConfusionMatrix &cm)
{
    std::vector<int> out(size_t(cm.numClasses()));
    for (int k = 0; k < cm.numClasses(); ++k)
        out[size_t(k)] = k;
    return out;
}

double ratioOrZero(long long numerator, long long denominator)
{
    return denominator > 0 ? double(numerator) / double(denominator) : 0.0;
}

double recallOf(const ConfusionMatrix &cm, int k)
{
    return ratioOrZero(cm.count(k, k), cm.rowSum(k));
}

double f1Of(const ConfusionMatrix &cm, int k)
{
    // sklearn >= 1.3 computes F1 as 2tp / (2tp + fp + fn); with zero_division=0 this equals the
    // older 2PR / (P + R) with P or R set to 0 when undefined.
    const long long tp = cm.count(k, k);
    const long long fp = cm.columnSum(k) - tp;
    const long long fn = cm.rowSum(k) - tp;
    return ratioOrZero(2 * tp, 2 * tp + fp + fn);
}

} // namespace

Result<double> accuracy(const ConfusionMatrix &cm)
{
    if (cm.isEmpty()) return emptyError();
    return double(cm.trace()) / double(cm.total());
}

Result<double> balancedAccuracy(const ConfusionMatrix &cm, bool adjusted)
{
    if (cm.isEmpty()) return emptyError();
    double sum = 0;
    int classes = 0;
    for (int k = 0; k < cm.numClasses(); ++k) {
        if (cm.rowSum(k) == 0) continue; // absent from y_true: sklearn drops the NaN recall
        sum += recallOf(cm, k);
        ++classes;
    }
    double score = sum / double(classes); // classes >= 1 since the matrix is not empty
    if (adjusted) {
        const double chance = 1.0 / double(classes);
        score = (score - chance) / (1.0 - chance);
    }
    return score;
}

ClassScores classScores(const ConfusionMatrix &cm)
{
    ClassScores out;
    const size_t c = size_t(cm.numClasses());
    out.precision.resize(c);
    out.recall.resize(c);
    out.f1.resize(c);
    out.support.resize(c);
    out.predicted.resize(c);
    for (int k = 0; k < cm.numClasses(); ++k) {
        const size_t i = size_t(k);
        out.precision[i] = ratioOrZero(cm.count(k, k), cm.columnSum(k));
        out.recall[i] = recallOf(cm, k);
        out.f1[i] = f1Of(cm, k);
        out.support[i] = cm.rowSum(k);
        out.predicted[i] = cm.columnSum(k);
    }
    return out;
}

Result<double> macroF1(const ConfusionMatrix &cm, LabelSet labels)
{
    return macroF1(cm, labels == LabelSet::AllClasses ? allClasses(cm) : observedClasses(cm));
}

Result<double> macroF1(const ConfusionMatrix &cm, const std::vector<int> &labels)
{
    if (cm.isEmpty()) return emptyError();
    if (labels.empty())
        return makeError(ErrorCode::InvalidArgument, QString(), QStringLiteral("no class to average over"));
    std::vector<bool> seen(size_t(cm.numClasses()), false);
    double sum = 0;
    for (int k : labels) {
        if (k < 0 || k >= cm.numClasses()) {
            return makeError(ErrorCode::InvalidArgument, QString(),
                             QStringLiteral("class %1 is outside 0..%2").arg(k).arg(cm.numClasses() - 1));
        }
        if (seen[size_t(k)]) {
            return makeError(ErrorCode::InvalidArgument, QString(), QStringLiteral("class %1 is listed twice").arg(k));
        }
        seen[size_t(k)] = true;
        sum += f1Of(cm, k);
    }
    return sum / double(labels.size());
}

Result<double> matthewsCorrelation(const ConfusionMatrix &cm)
{
    if (cm.isEmpty()) return emptyError();
    // Integer arithmetic is exact up to ~3e9 samples; the product of the two variances may not fit
    // in 64 bits, so the denominator is formed in long double.
    const long long s = cm.total();
    const long long c = cm.trace();
    long long tp = 0, pp = 0, tt = 0;
    for (int k = 0; k < cm.numClasses(); ++k) {
        const long long t = cm.rowSum(k);
        const long long p = cm.columnSum(k);
        tp += t * p;
        pp += p * p;
        tt += t * t;
    }
    const long long covYtYp = c * s - tp;
    const long long covYpYp = s * s - pp;
    const long long covYtYt = s * s - tt;
    if (covYpYp == 0 || covYtYt == 0) return 0.0;
    return double((long double)covYtYp / std::sqrt((long double)covYtYt * (long double)covYpYp));
}

Result<double> cohenKappa(const ConfusionMatrix &cm, KappaWeights weights, LabelSet labels)
{
    if (cm.isEmpty()) return emptyError();
    // Rows / columns of the classes taking part, in order; their position gives the weight.
    const std::vector<int> classes = labels == LabelSet::AllClasses ? allClasses(cm) : observedClasses(cm);
    const long double n = cm.total();
    long double observed = 0; // Σ w_ij O_ij
    long double expected = 0; // Σ w_ij E_ij, E_ij = colSum_i · rowSum_j / n (sklearn's outer(sum0, sum1))
    for (size_t a = 0; a < classes.size(); ++a) {
        for (size_t b = 0; b < classes.size(); ++b) {
            long double w = 0;
            const long double d = (long double)a - (long double)b;
            switch (weights) {
            case KappaWeights::None:
                w = a == b ? 0 : 1;
                break;
            case KappaWeights::Linear:
                w = std::fabs(d);
                break;
            case KappaWeights::Quadratic:
                w = d * d;
                break;
            }
            if (w == 0) continue;
            const int i = classes[a];
            const int j = classes[b];
            observed += w * (long double)cm.count(i, j);
            expected += w * (long double)cm.columnSum(i) * (long double)cm.rowSum(j) / n;
        }
    }
    if (expected == 0) return kNaN;
    return double(1.0L - observed / expected);
}

Result<TailGroupRecall> tailGroupRecall(const ConfusionMatrix &cm, const std::vector<int> &trainCounts, int many,
                                        int few)
{
    if (cm.isEmpty()) return emptyError();
    if (trainCounts.size() != size_t(cm.numClasses())) {
        return makeError(ErrorCode::InvalidArgument, QString(),
                         QStringLiteral("%1 training counts for %2 classes")
                             .arg(qulonglong(trainCounts.size()))
                             .arg(cm.numClasses()));
    }
    if (many < 0 || few < 0 || few > many) {
        return makeError(
            ErrorCode::InvalidArgument, QString(),
            QStringLiteral("thresholds many = %1, few = %2: both must be >= 0 and few <= many").arg(many).arg(few));
    }
    TailGroupRecall out;
    out.many = many;
    out.few = few;
    out.trainCounts = trainCounts;
    for (int k = 0; k < cm.numClasses(); ++k) {
        const int n = trainCounts[size_t(k)];
        if (n < 0) {
            return makeError(ErrorCode::InvalidArgument, QString(),
                             QStringLiteral("class %1: negative training count %2").arg(k).arg(n));
        }
        GroupRecall &group = n > many ? out.head : (n < few ? out.tail : out.medium);
        group.classes.push_back(k);
        if (cm.rowSum(k) > 0) group.evaluated.push_back(k);
    }
    for (GroupRecall *group : {&out.head, &out.medium, &out.tail}) {
        if (group->evaluated.empty()) {
            group->meanRecall = kNaN;
            continue;
        }
        double sum = 0;
        for (int k : group->evaluated)
            sum += recallOf(cm, k);
        group->meanRecall = sum / double(group->evaluated.size());
    }
    return out;
}

} // namespace fopro::metrics
