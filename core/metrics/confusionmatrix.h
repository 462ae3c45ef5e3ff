#pragma once
// The confusion matrix every classification metric of this folder is computed from. Rows are the
// true class, columns the predicted class, both indexed 0..C-1, exactly like
// sklearn.metrics.confusion_matrix(y_true, y_pred, labels=range(C)). Each cell can also remember
// which samples fell in it, so a GUI can open the images behind a cell.

#include "core/common/result.h"

#include <vector>

namespace fopro::metrics {

/// How to normalise a confusion matrix: sklearn confusion_matrix's `normalize` argument. As in
/// sklearn (np.nan_to_num), a row / column / matrix that sums to 0 normalises to 0, not NaN.
enum class Normalization {
    None,     ///< raw counts (normalize=None)
    ByRow,    ///< normalize='true': each non-empty row sums to 1; the diagonal is the recall
    ByColumn, ///< normalize='pred': each non-empty column sums to 1; the diagonal is the precision
    ByTotal,  ///< normalize='all': the non-empty matrix sums to 1
};

/// C×C counts, rows = true class, columns = predicted class.
/// Matches sklearn.metrics.confusion_matrix(y_true, y_pred, labels=range(C)); an empty input gives
/// an all-zero matrix, as sklearn does when `labels` is given.
class ConfusionMatrix {
public:
    /// A matrix with no class (numClasses() == 0); add() always fails on it.
    ConfusionMatrix() = default;
    /// An all-zero C×C matrix (C < 0 is treated as 0). With keepSampleIndices, every add() also
    /// records a sample index in its cell (see sampleIndices()).
    explicit ConfusionMatrix(int numClasses, bool keepSampleIndices = true);

    /// Counts the pairs (yTrue[i], yPred[i]); sample i is recorded under index i.
    /// Errors (InvalidArgument): numClasses < 1, different lengths, more than INT_MAX samples, a
    /// label outside 0..numClasses-1 (the detail names the first offending sample index).
    static Result<ConfusionMatrix> fromLabels(const std::vector<int> &yTrue, const std::vector<int> &yPred,
                                              int numClasses, bool keepSampleIndices = true);

    /// Counts one sample. Its index is total() before the call, so a sequence of add() calls
    /// numbers samples 0, 1, 2, ... like fromLabels(). Error (InvalidArgument, naming the sample
    /// index) when a label is outside 0..C-1; the matrix is then unchanged.
    Result<void> add(int trueLabel, int predictedLabel);
    /// Counts one sample recorded under the caller's `sampleIndex` (e.g. a dataset row).
    Result<void> add(int trueLabel, int predictedLabel, int sampleIndex);

    int numClasses() const { return m_numClasses; }
    /// Number of samples counted.
    int total() const { return m_total; }
    bool isEmpty() const { return m_total == 0; }
    /// Samples of true class `trueLabel` predicted as `predictedLabel`; 0 outside the matrix.
    int count(int trueLabel, int predictedLabel) const;
    /// All counts, row-major: counts()[t * C + p].
    const std::vector<int> &counts() const { return m_counts; }
    /// Correct predictions: the sum of the diagonal.
    int trace() const;

    /// Samples whose true class is `trueLabel` (the class's support); 0 outside the matrix.
    int rowSum(int trueLabel) const;
    /// Samples predicted as `predictedLabel`; 0 outside the matrix.
    int columnSum(int predictedLabel) const;
    const std::vector<int> &rowSums() const { return m_rowSums; }
    const std::vector<int> &columnSums() const { return m_columnSums; }

    /// One normalised cell; 0 outside the matrix or when its row / column / matrix is empty.
    double normalized(int trueLabel, int predictedLabel, Normalization how) const;
    /// The whole normalised matrix, row-major (sklearn confusion_matrix(..., normalize=...)).
    std::vector<double> normalized(Normalization how) const;

    bool keepsSampleIndices() const { return m_keepIndices; }
    /// The sample indices counted in a cell, in the order they were added; empty when indices are
    /// not kept or the cell is outside the matrix.
    const std::vector<int> &sampleIndices(int trueLabel, int predictedLabel) const;

private:
    bool inRange(int label) const { return label >= 0 && label < m_numClasses; }

    int m_numClasses = 0;
    int m_total = 0;
    bool m_keepIndices = false;
    std::vector<int> m_counts;               // C*C, row-major
    std::vector<int> m_rowSums;              // C
    std::vector<int> m_columnSums;           // C
    std::vector<std::vector<int>> m_indices; // C*C when m_keepIndices, else empty
};

} // namespace fopro::metrics
