// ROC and precision-recall curves, each checked against the values sklearn returns for the same
// input (worked out by hand below, step by step as sklearn's _binary_clf_curve does), and the most
// confused pairs of a confusion matrix.
#include "core/metrics/curves.h"
#include "core/metrics/rocauc.h"
#include "tests/support/testsupport.h"

#include <QtTest/QtTest>

#include <cmath>
#include <limits>

using namespace fopro::metrics;

namespace {

bool near(double a, double b)
{
    return std::fabs(a - b) <= 1e-12 || (std::isinf(a) && std::isinf(b) && (a > 0) == (b > 0));
}

bool sameVector(const std::vector<double> &got, const std::vector<double> &want)
{
    if (got.size() != want.size()) return false;
    for (size_t i = 0; i < got.size(); ++i)
        if (!near(got[i], want[i])) return false;
    return true;
}

QByteArray show(const std::vector<double> &v)
{
    QStringList parts;
    for (double x : v)
        parts << QString::number(x, 'g', 10);
    return parts.join(QStringLiteral(", ")).toUtf8();
}

const double kInf = std::numeric_limits<double>::infinity();

// Seven samples, three classes; class 2 is the positive of the curves below. Its column (scores
// descending): .9 P, .8 P, .7 N, .6 N, .5 P, .5 N, .3 N (P = class 2), so sklearn's distinct
// thresholds and cumulative counts are
//   threshold .9 .8 .7 .6 .5 .3
//   tps        1  2  2  2  3  3
//   fps        0  0  1  2  3  4
const std::vector<int> kTrue{2, 2, 0, 1, 2, 0, 1};
const std::vector<double> kProb{
    0.05, 0.05, 0.9, // 2
    0.1,  0.1,  0.8, // 2
    0.2,  0.1,  0.7, // 0
    0.3,  0.1,  0.6, // 1
    0.25, 0.25, 0.5, // 2
    0.3,  0.2,  0.5, // 0
    0.4,  0.3,  0.3, // 1
};

} // namespace

class TestCurves : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void sklearnDocExample()
    {
        // sklearn's roc_curve docstring: y = [1, 1, 2, 2], scores [.1, .4, .35, .8], pos_label=2
        // → fpr [0, 0, .5, .5, 1], tpr [0, .5, .5, 1, 1], thresholds [inf, .8, .4, .35, .1];
        // roc_auc_score = .75. As two classes: label 2 → class 1, its column the scores.
        const std::vector<int> y{0, 0, 1, 1};
        const std::vector<double> p{0.9, 0.1, 0.6, 0.4, 0.65, 0.35, 0.2, 0.8};
        auto roc = rocCurve(y, p, 2, 1);
        QVERIFY(roc.ok());
        QVERIFY2(sameVector(roc->x, {0, 0, 0.5, 0.5, 1}), show(roc->x));
        QVERIFY2(sameVector(roc->y, {0, 0.5, 0.5, 1, 1}), show(roc->y));
        QVERIFY2(sameVector(roc->thresholds, {kInf, 0.8, 0.4, 0.35, 0.1}), show(roc->thresholds));
        QVERIFY(near(roc->area, 0.75));
        // precision_recall_curve docstring: y [0, 0, 1, 1], scores [.1, .4, .35, .8]
        // → precision [.5, 2/3, .5, 1, 1], recall [1, 1, .5, .5, 0], thresholds [.1, .35, .4, .8];
        // average_precision_score = (1 − .5)·2/3 + (.5 − 0)·1 = 5/6.
        auto pr = precisionRecallCurve(y, p, 2, 1);
        QVERIFY(pr.ok());
        QVERIFY2(sameVector(pr->y, {0.5, 2.0 / 3.0, 0.5, 1, 1}), show(pr->y));
        QVERIFY2(sameVector(pr->x, {1, 1, 0.5, 0.5, 0}), show(pr->x));
        QVERIFY2(sameVector(pr->thresholds, {0.1, 0.35, 0.4, 0.8}), show(pr->thresholds));
        QVERIFY(near(pr->area, 5.0 / 6.0));
    }

    void rocDropsCollinearPoints()
    {
        // Points (fps, tps): (0,1) (0,2) (1,2) (2,2) (3,3) (4,3). drop_intermediate keeps the ends
        // and the points where a second difference is non-zero: (1,2) lies between (0,2) and
        // (2,2) on a line (Δ²fps = 2−2·1+0 = 0, Δ²tps = 2−4+2 = 0) and is dropped; the others bend.
        // P = 3, N = 4: fpr [0, 0, 0, .5, .75, 1], tpr [0, 1/3, 2/3, 2/3, 1, 1],
        // thresholds [inf, .9, .8, .6, .5, .3].
        // Area by trapezoids: .5·2/3 + .25·(2/3 + 1)/2 + .25·1 = 19/24; by ranks: the positives
        // .9, .8 beat all 4 negatives, .5 beats .3 and ties .5: (4 + 4 + 1.5) / 12 = 19/24.
        auto roc = rocCurve(kTrue, kProb, 3, 2);
        QVERIFY(roc.ok());
        QVERIFY2(sameVector(roc->x, {0, 0, 0, 0.5, 0.75, 1}), show(roc->x));
        QVERIFY2(sameVector(roc->y, {0, 1.0 / 3, 2.0 / 3, 2.0 / 3, 1, 1}), show(roc->y));
        QVERIFY2(sameVector(roc->thresholds, {kInf, 0.9, 0.8, 0.6, 0.5, 0.3}), show(roc->thresholds));
        QVERIFY(near(roc->area, 19.0 / 24.0));
        auto auc = rocAucOneVsRest(kTrue, kProb, 3);
        QVERIFY(auc.ok());
        QVERIFY(near(auc->perClass[2], roc->area));
    }

    void precisionRecallKeepsEveryThreshold()
    {
        // Thresholds ascending (sklearn >= 1.1 keeps the ones past full recall):
        //   .3: tp 3 fp 4 → P 3/7, R 1     .5: tp 3 fp 3 → P .5, R 1
        //   .6: tp 2 fp 2 → P .5, R 2/3    .7: tp 2 fp 1 → P 2/3, R 2/3
        //   .8: tp 2 fp 0 → P 1, R 2/3     .9: tp 1 fp 0 → P 1, R 1/3     then (R 0, P 1).
        // AP = Σ (R_i − R_{i+1})·P_i = (1 − 2/3)·.5 + (2/3 − 1/3)·1 + (1/3 − 0)·1 = 5/6, which is
        // also the mean precision at the positives' ranks (1 + 1 + 3/6) / 3.
        auto pr = precisionRecallCurve(kTrue, kProb, 3, 2);
        QVERIFY(pr.ok());
        QVERIFY2(sameVector(pr->x, {1, 1, 2.0 / 3, 2.0 / 3, 2.0 / 3, 1.0 / 3, 0}), show(pr->x));
        QVERIFY2(sameVector(pr->y, {3.0 / 7, 0.5, 0.5, 2.0 / 3, 1, 1, 1}), show(pr->y));
        QVERIFY2(sameVector(pr->thresholds, {0.3, 0.5, 0.6, 0.7, 0.8, 0.9}), show(pr->thresholds));
        QVERIFY(near(pr->area, 5.0 / 6.0));
    }

    void classAbsentFromTruthIsNamed()
    {
        const std::vector<int> y{0, 0, 1, 1};
        const std::vector<double> p{0.8, 0.1, 0.1, 0.7, 0.2, 0.1, 0.2, 0.7, 0.1, 0.3, 0.3, 0.4};
        auto roc = rocCurve(y, p, 3, 2);
        QVERIFY(!roc.ok());
        QCOMPARE(roc.error().code, fopro::ErrorCode::InvalidArgument);
        QVERIFY2(roc.error().detail.contains(QLatin1String("class 2")), qPrintable(roc.error().detail));
        auto pr = precisionRecallCurve(y, p, 3, 2);
        QVERIFY(!pr.ok());
        QVERIFY(pr.error().detail.contains(QLatin1String("class 2")));
        // The only class present.
        auto only = rocCurve({1, 1}, {0.2, 0.8, 0.4, 0.6}, 2, 1);
        QVERIFY(!only.ok());
        QVERIFY(only.error().detail.contains(QLatin1String("class 1")));
        // Bad arguments.
        QVERIFY(!rocCurve(y, p, 3, 3).ok());
        QVERIFY(!rocCurve(y, {0.1, 0.2}, 3, 0).ok());
        QVERIFY(!precisionRecallCurve({}, {}, 3, 0).ok());
        std::vector<double> nan = p;
        nan[4] = std::numeric_limits<double>::quiet_NaN();
        QVERIFY(!rocCurve(y, nan, 3, 0).ok());
    }

    void mostConfused()
    {
        // true→pred counts: 0→1 ×3, 1→0 ×3, 2→0 ×1, 2→1 ×1, and correct ones. Supports: class 0
        // has 3 + 2 = 5, class 1 has 3 + 1 = 4, class 2 has 2 + 4 = 6.
        // Ties at count 3: 1→0 has rate 3/4 > 0→1's 3/5, so it comes first; at count 1, 2→0
        // before 2→1 (same rate 1/6, lower predicted class first).
        std::vector<int> t, p;
        auto add = [&](int a, int b, int n) {
            for (int i = 0; i < n; ++i) {
                t.push_back(a);
                p.push_back(b);
            }
        };
        add(0, 1, 3);
        add(0, 0, 2);
        add(1, 0, 3);
        add(1, 1, 1);
        add(2, 0, 1);
        add(2, 1, 1);
        add(2, 2, 4);
        auto cm = ConfusionMatrix::fromLabels(t, p, 3);
        QVERIFY(cm.ok());
        const auto pairs = mostConfusedPairs(*cm, 10);
        QCOMPARE(pairs.size(), size_t(4));
        QCOMPARE(pairs[0].trueClass, 1);
        QCOMPARE(pairs[0].predictedClass, 0);
        QCOMPARE(pairs[0].count, 3);
        QVERIFY(near(pairs[0].rateOfTrue, 0.75));
        QCOMPARE(pairs[1].trueClass, 0);
        QCOMPARE(pairs[1].predictedClass, 1);
        QVERIFY(near(pairs[1].rateOfTrue, 0.6));
        QCOMPARE(pairs[2].trueClass, 2);
        QCOMPARE(pairs[2].predictedClass, 0);
        QVERIFY(near(pairs[2].rateOfTrue, 1.0 / 6.0));
        QCOMPARE(pairs[3].predictedClass, 1);
        QCOMPARE(mostConfusedPairs(*cm, 2).size(), size_t(2));
        QVERIFY(mostConfusedPairs(*cm, 0).empty());
        QVERIFY(mostConfusedPairs(ConfusionMatrix(3), 5).empty());
    }
};

QTEST_GUILESS_MAIN(TestCurves)
#include "tst_curves.moc"
