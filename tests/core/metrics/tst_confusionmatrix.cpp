// The confusion matrix against sklearn.metrics.confusion_matrix (rows = true, columns = predicted),
// its normalised views (normalize='true' / 'pred' / 'all'), the per-cell sample indices a GUI
// opens, and bad input.
#include "core/metrics/confusionmatrix.h"
#include "tests/support/testsupport.h"

#include <QtTest/QtTest>

using namespace fopro::metrics;

namespace {

ConfusionMatrix build(const std::vector<int> &yTrue, const std::vector<int> &yPred, int numClasses)
{
    auto cm = ConfusionMatrix::fromLabels(yTrue, yPred, numClasses);
    if (!cm) qFatal("fromLabels failed: %s", qPrintable(cm.error().message()));
    return std::move(cm.value());
}

} // namespace

class TestConfusionMatrix : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void sklearnDocstringExample()
    {
        // sklearn confusion_matrix docstring:
        // confusion_matrix([2, 0, 2, 2, 0, 1], [0, 0, 2, 2, 0, 2]) == [[2, 0, 0], [0, 0, 1], [1, 0, 2]]
        const ConfusionMatrix cm = build({2, 0, 2, 2, 0, 1}, {0, 0, 2, 2, 0, 2}, 3);
        QCOMPARE(cm.numClasses(), 3);
        QCOMPARE(cm.total(), 6);
        QCOMPARE(cm.counts(), (std::vector<int>{2, 0, 0, 0, 0, 1, 1, 0, 2}));
        QCOMPARE(cm.count(2, 0), 1);
        QCOMPARE(cm.count(1, 2), 1);
        QCOMPARE(cm.trace(), 4);
        QCOMPARE(cm.rowSums(), (std::vector<int>{2, 1, 3}));    // support
        QCOMPARE(cm.columnSums(), (std::vector<int>{3, 0, 3})); // predicted
        QCOMPARE(cm.rowSum(2), 3);
        QCOMPARE(cm.columnSum(1), 0);
    }

    void binaryRavel()
    {
        // sklearn docstring: tn, fp, fn, tp = confusion_matrix([0, 1, 0, 1], [1, 1, 1, 0]).ravel()
        // == (0, 2, 1, 1)
        const ConfusionMatrix cm = build({0, 1, 0, 1}, {1, 1, 1, 0}, 2);
        QCOMPARE(cm.counts(), (std::vector<int>{0, 2, 1, 1}));
    }

    void normalizedViews()
    {
        // y_true = [0,0,1,1,2,2], y_pred = [0,1,1,1,2,0]
        // counts [[1,1,0],[0,2,0],[1,0,1]]; row sums [2,2,2]; column sums [2,3,1]; total 6.
        const ConfusionMatrix cm = build({0, 0, 1, 1, 2, 2}, {0, 1, 1, 1, 2, 0}, 3);
        // normalize='true': each row / 2 -> [[.5,.5,0],[0,1,0],[.5,0,.5]]
        QCOMPARE(cm.normalized(Normalization::ByRow), (std::vector<double>{0.5, 0.5, 0, 0, 1, 0, 0.5, 0, 0.5}));
        // normalize='pred': columns / [2,3,1] -> [[1/2,1/3,0],[0,2/3,0],[1/2,0,1]]
        const std::vector<double> byCol = cm.normalized(Normalization::ByColumn);
        const std::vector<double> expectCol{0.5, 1.0 / 3, 0, 0, 2.0 / 3, 0, 0.5, 0, 1};
        for (size_t i = 0; i < expectCol.size(); ++i)
            QCOMPARE(byCol[i], expectCol[i]);
        // normalize='all': counts / 6
        const std::vector<double> byAll = cm.normalized(Normalization::ByTotal);
        QCOMPARE(byAll[0], 1.0 / 6);
        QCOMPARE(byAll[4], 2.0 / 6);
        double sum = 0;
        for (double v : byAll)
            sum += v;
        QCOMPARE(sum, 1.0);
        QCOMPARE(cm.normalized(Normalization::None), (std::vector<double>{1, 1, 0, 0, 2, 0, 1, 0, 1}));
        QCOMPARE(cm.normalized(2, 0, Normalization::ByRow), 0.5);
        QCOMPARE(cm.normalized(0, 1, Normalization::ByColumn), 1.0 / 3);
    }

    void emptyRowsAndColumnsNormaliseToZero()
    {
        // Class 2 absent from y_true (row 2 empty) and class 1 never predicted (column 1 empty):
        // sklearn divides 0/0 and replaces the NaN by 0 (np.nan_to_num).
        const ConfusionMatrix cm = build({0, 1, 0}, {0, 2, 2}, 3);
        // counts [[1,0,1],[0,0,1],[0,0,0]]
        const std::vector<double> byRow = cm.normalized(Normalization::ByRow);
        QCOMPARE(byRow, (std::vector<double>{0.5, 0, 0.5, 0, 0, 1, 0, 0, 0}));
        const std::vector<double> byCol = cm.normalized(Normalization::ByColumn);
        QCOMPARE(byCol, (std::vector<double>{1, 0, 0.5, 0, 0, 0.5, 0, 0, 0}));
        for (double v : byRow)
            QVERIFY(!std::isnan(v));
    }

    void sampleIndicesPerCell()
    {
        // y_true = [0,0,1,1,2,2], y_pred = [0,1,1,1,2,0]: cell (1,1) holds samples 2 and 3,
        // cell (2,0) sample 5, cell (0,1) sample 1, cell (2,1) nothing.
        const ConfusionMatrix cm = build({0, 0, 1, 1, 2, 2}, {0, 1, 1, 1, 2, 0}, 3);
        QVERIFY(cm.keepsSampleIndices());
        QCOMPARE(cm.sampleIndices(1, 1), (std::vector<int>{2, 3}));
        QCOMPARE(cm.sampleIndices(2, 0), (std::vector<int>{5}));
        QCOMPARE(cm.sampleIndices(0, 1), (std::vector<int>{1}));
        QCOMPARE(cm.sampleIndices(0, 0), (std::vector<int>{0}));
        QVERIFY(cm.sampleIndices(2, 1).empty());
        // Every sample is in exactly one cell.
        size_t listed = 0;
        for (int t = 0; t < 3; ++t) {
            for (int p = 0; p < 3; ++p) {
                QCOMPARE(int(cm.sampleIndices(t, p).size()), cm.count(t, p));
                listed += cm.sampleIndices(t, p).size();
            }
        }
        QCOMPARE(int(listed), cm.total());
        // Out of range: empty, not a crash.
        QVERIFY(cm.sampleIndices(3, 0).empty());
        QVERIFY(cm.sampleIndices(-1, 0).empty());
        QCOMPARE(cm.count(0, 7), 0);
    }

    void withoutSampleIndices()
    {
        auto cm = ConfusionMatrix::fromLabels({0, 1, 1}, {0, 1, 0}, 2, false);
        QVERIFY(cm.ok());
        QVERIFY(!cm->keepsSampleIndices());
        QCOMPARE(cm->count(1, 1), 1);
        QVERIFY(cm->sampleIndices(1, 1).empty());
    }

    void addIncrementally()
    {
        ConfusionMatrix cm(3);
        QVERIFY(cm.add(0, 0).ok());     // sample 0
        QVERIFY(cm.add(2, 1).ok());     // sample 1
        QVERIFY(cm.add(2, 1, 40).ok()); // caller's index 40
        QCOMPARE(cm.total(), 3);
        QCOMPARE(cm.count(2, 1), 2);
        QCOMPARE(cm.sampleIndices(2, 1), (std::vector<int>{1, 40}));
        QCOMPARE(cm.rowSum(2), 2);
        QCOMPARE(cm.columnSum(1), 2);

        // A bad label is refused, names the sample, and leaves the matrix unchanged.
        const auto bad = cm.add(1, 3);
        QVERIFY(!bad.ok());
        QCOMPARE(bad.error().code, fopro::ErrorCode::InvalidArgument);
        QVERIFY2(bad.error().detail.contains(QStringLiteral("sample 3")), qPrintable(bad.error().detail));
        QVERIFY(bad.error().detail.contains(QStringLiteral("predicted")));
        QCOMPARE(cm.total(), 3);
        QVERIFY(!cm.add(-1, 0).ok());

        // Built by add() == built from vectors.
        ConfusionMatrix a(3);
        const std::vector<int> yt{2, 0, 2, 2, 0, 1}, yp{0, 0, 2, 2, 0, 2};
        for (size_t i = 0; i < yt.size(); ++i)
            QVERIFY(a.add(yt[i], yp[i]).ok());
        const ConfusionMatrix b = build(yt, yp, 3);
        QCOMPARE(a.counts(), b.counts());
        for (int t = 0; t < 3; ++t)
            for (int p = 0; p < 3; ++p)
                QCOMPARE(a.sampleIndices(t, p), b.sampleIndices(t, p));
    }

    void invalidLabelsNameTheIndex()
    {
        auto cm = ConfusionMatrix::fromLabels({0, 1, 5, 1}, {0, 1, 1, 1}, 3);
        QVERIFY(!cm.ok());
        QCOMPARE(cm.error().code, fopro::ErrorCode::InvalidArgument);
        QVERIFY2(cm.error().detail.contains(QStringLiteral("sample 2")), qPrintable(cm.error().detail));
        QVERIFY(cm.error().detail.contains(QStringLiteral("true label 5")));

        cm = ConfusionMatrix::fromLabels({0, 1}, {0, -1}, 3);
        QVERIFY(!cm.ok());
        QVERIFY2(cm.error().detail.contains(QStringLiteral("sample 1")), qPrintable(cm.error().detail));
        QVERIFY(cm.error().detail.contains(QStringLiteral("predicted label -1")));
    }

    void badShapes()
    {
        auto cm = ConfusionMatrix::fromLabels({0, 1}, {0}, 2);
        QVERIFY(!cm.ok());
        QVERIFY(cm.error().detail.contains(QStringLiteral("2 true labels but 1 predicted")));
        cm = ConfusionMatrix::fromLabels({0}, {0}, 0);
        QVERIFY(!cm.ok());
        QVERIFY(!ConfusionMatrix().add(0, 0).ok());
        QCOMPARE(ConfusionMatrix().numClasses(), 0);
    }

    void emptyInputIsAZeroMatrix()
    {
        // sklearn confusion_matrix([], [], labels=[0, 1, 2]) returns a 3×3 zero matrix; so does this.
        // (The metrics refuse an empty matrix; see tst_classification.)
        auto cm = ConfusionMatrix::fromLabels({}, {}, 3);
        QVERIFY(cm.ok());
        QVERIFY(cm->isEmpty());
        QCOMPARE(cm->counts(), std::vector<int>(9, 0));
        QCOMPARE(cm->normalized(Normalization::ByTotal), std::vector<double>(9, 0.0));
    }

    void singleClass()
    {
        const ConfusionMatrix cm = build({0, 0, 0}, {0, 0, 0}, 1);
        QCOMPARE(cm.counts(), (std::vector<int>{3}));
        QCOMPARE(cm.normalized(Normalization::ByRow), (std::vector<double>{1.0}));
        QCOMPARE(cm.sampleIndices(0, 0), (std::vector<int>{0, 1, 2}));
    }
};

QTEST_GUILESS_MAIN(TestConfusionMatrix)
#include "tst_confusionmatrix.moc"
