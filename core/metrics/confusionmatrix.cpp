#include "core/metrics/confusionmatrix.h"

#include <climits>

namespace fopro::metrics {

namespace {

const std::vector<int> &emptyIndices()
{
    static const std::vector<int> empty;
    return empty;
}

} // namespace

ConfusionMatrix::ConfusionMatrix(int numClasses, bool keepSampleIndices)
    : m_numClasses(numClasses < 0 ? 0 : numClasses), m_keepIndices(keepSampleIndices)
{
    const size_t c = size_t(m_numClasses);
    m_counts.assign(c * c, 0);
    m_rowSums.assign(c, 0);
    m_columnSums.assign(c, 0);
    if (m_keepIndices) m_indices.resize(c * c);
}

Result<ConfusionMatrix> ConfusionMatrix::fromLabels(const std::vector<int> &yTrue, const std::vector<int> &yPred,
                                                    int numClasses, bool keepSampleIndices)
{
    if (numClasses < 1) {
        return makeError(ErrorCode::InvalidArgument, QString(),
                         QStringLiteral("the number of classes must be at least 1 (got %1)").arg(numClasses));
    }
    if (yTrue.size() != yPred.size()) {
        return makeError(ErrorCode::InvalidArgument, QString(),
                         QStringLiteral("%1 true labels but %2 predicted labels")
                             .arg(qulonglong(yTrue.size()))
                             .arg(qulonglong(yPred.size())));
    }
    if (yTrue.size() > size_t(INT_MAX)) {
        return makeError(ErrorCode::InvalidArgument, QString(),
                         QStringLiteral("too many samples (%1)").arg(qulonglong(yTrue.size())));
    }
    ConfusionMatrix cm(numClasses, keepSampleIndices);
    for (size_t i = 0; i < yTrue.size(); ++i) {
        Result<void> added = cm.add(yTrue[i], yPred[i], int(i));
        if (!added) return added.error();
    }
    return cm;
}

Result<void> ConfusionMatrix::add(int trueLabel, int predictedLabel)
{
    return add(trueLabel, predictedLabel, m_total);
}

Result<void> ConfusionMatrix::add(int trueLabel, int predictedLabel, int sampleIndex)
{
    if (!inRange(trueLabel) || !inRange(predictedLabel)) {
        const bool trueBad = !inRange(trueLabel);
        return makeError(ErrorCode::InvalidArgument, QString(),
                         QStringLiteral("sample %1: %2 label %3 is outside the classes 0..%4")
                             .arg(sampleIndex)
                             .arg(trueBad ? QStringLiteral("true") : QStringLiteral("predicted"))
                             .arg(trueBad ? trueLabel : predictedLabel)
                             .arg(m_numClasses - 1));
    }
    const size_t cell = size_t(trueLabel) * size_t(m_numClasses) + size_t(predictedLabel);
    ++m_counts[cell];
    ++m_rowSums[size_t(trueLabel)];
    ++m_columnSums[size_t(predictedLabel)];
    ++m_total;
    if (m_keepIndices) m_indices[cell].push_back(sampleIndex);
    return {};
}

int ConfusionMatrix::count(int trueLabel, int predictedLabel) const
{
    if (!inRange(trueLabel) || !inRange(predictedLabel)) return 0;
    return m_counts[size_t(trueLabel) * size_t(m_numClasses) + size_t(predictedLabel)];
}

int ConfusionMatrix::trace() const
{
    int sum = 0;
    for (int k = 0; k < m_numClasses; ++k)
        sum += count(k, k);
    return sum;
}

int ConfusionMatrix::rowSum(int trueLabel) const
{
    return inRange(trueLabel) ? m_rowSums[size_t(trueLabel)] : 0;
}

int ConfusionMatrix::columnSum(int predictedLabel) const
{
    return inRange(predictedLabel) ? m_columnSums[size_t(predictedLabel)] : 0;
}

double ConfusionMatrix::normalized(int trueLabel, int predictedLabel, Normalization how) const
{
    const int n = count(trueLabel, predictedLabel);
    int denominator = 1;
    switch (how) {
    case Normalization::None:
        return double(n);
    case Normalization::ByRow:
        denominator = rowSum(trueLabel);
        break;
    case Normalization::ByColumn:
        denominator = columnSum(predictedLabel);
        break;
    case Normalization::ByTotal:
        denominator = m_total;
        break;
    }
    return denominator > 0 ? double(n) / double(denominator) : 0.0;
}

std::vector<double> ConfusionMatrix::normalized(Normalization how) const
{
    std::vector<double> out(m_counts.size(), 0.0);
    for (int t = 0; t < m_numClasses; ++t) {
        for (int p = 0; p < m_numClasses; ++p)
            out[size_t(t) * size_t(m_numClasses) + size_t(p)] = normalized(t, p, how);
    }
    return out;
}

const std::vector<int> &ConfusionMatrix::sampleIndices(int trueLabel, int predictedLabel) const
{
    if (!m_keepIndices || !inRange(trueLabel) || !inRange(predictedLabel)) return emptyIndices();
    return m_indices[size_t(trueLabel) * size_t(m_numClasses) + size_t(predictedLabel)];
}

} // namespace fopro::metrics
