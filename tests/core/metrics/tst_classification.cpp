// Label-based metrics against scikit-learn's definitions. Every expected value is derived by hand
// in the comment next to it (and was cross-checked with a plain-Python re-implementation of the
// sklearn formulas); where sklearn's docstring documents an output, that example is used.
//
// Notation: n samples, c correct, t_k = row sums (support), p_k = column sums (predicted).
#include "core/data/longtail.h"
#include "core/metrics/classification.h"
#include "tests/support/testsupport.h"

#include <QtTest/QtTest>

#include <cmath>

using namespace fopro::metrics;

namespace {

ConfusionMatrix build(const std::vector<int> &yTrue, const std::vector<int> &yPred, int numClasses)
{
    auto cm = ConfusionMatrix::fromLabels(yTrue, yPred, numClasses);
    if (!cm) qFatal("fromLabels failed: %s", qPrintable(cm.error().message()));
    return std::move(cm.value());
}

double get(const fopro::Result<double> &r)
{
    if (!r) qFatal("metric failed: %s", qPrintable(r.error().message()));
    return *r;
}

bool near(double a, double b, double tol = 1e-12)
{
    return std::fabs(a - b) <= tol;
}

#define QNEAR(actual, expected)                                                                                        \
    QVERIFY2(near((actual), (expected)), qPrintable(QStringLiteral("%1 = %2, expected %3")                             \
                                                        .arg(#actual)                                                  \
                                                        .arg((actual), 0, 'g', 17)                                     \
                                                        .arg((expected), 0, 'g', 17)))

void compareVector(const std::vector<double> &actual, const std::vector<double> &expected)
{
    QCOMPARE(actual.size(), expected.size());
    for (size_t i = 0; i < actual.size(); ++i)
        QNEAR(actual[i], expected[i]);
}

} // namespace

class TestClassification : public QObject {
    Q_OBJECT
private Q_SLOTS:
    // ---------------------------------------------------------------- a worked 3-class example
    void workedExample()
    {
        // y_true = [0,0,1,1,2,2], y_pred = [0,1,1,1,2,0]
        // confusion [[1,1,0],[0,2,0],[1,0,1]]: t = [2,2,2], p = [2,3,1], c = 4, n = 6
        const ConfusionMatrix cm = build({0, 0, 1, 1, 2, 2}, {0, 1, 1, 1, 2, 0}, 3);

        // accuracy = 4/6
        QNEAR(get(accuracy(cm)), 4.0 / 6);
        // recall = tp / t = [1/2, 2/2, 1/2]; balanced accuracy = (1/2 + 1 + 1/2) / 3 = 2/3
        QNEAR(get(balancedAccuracy(cm)), 2.0 / 3);

        const ClassScores s = classScores(cm);
        // precision = tp / p = [1/2, 2/3, 1/1]
        compareVector(s.precision, {0.5, 2.0 / 3, 1.0});
        compareVector(s.recall, {0.5, 1.0, 0.5});
        // F1 = 2tp / (2tp + fp + fn): class 0: 2/(2+1+1) = 1/2; class 1: 4/(4+1+0) = 4/5;
        // class 2: 2/(2+0+1) = 2/3
        compareVector(s.f1, {0.5, 0.8, 2.0 / 3});
        QCOMPARE(s.support, (std::vector<int>{2, 2, 2}));
        QCOMPARE(s.predicted, (std::vector<int>{2, 3, 1}));

        // macro F1 = (1/2 + 4/5 + 2/3) / 3 = (15 + 24 + 20) / 90 = 59/90
        QNEAR(get(macroF1(cm)), 59.0 / 90);

        // MCC: cov(t,p) = c·n − Σ t_k p_k = 24 − (4 + 6 + 2) = 12
        //      cov(p,p) = n² − Σ p_k² = 36 − (4 + 9 + 1) = 22
        //      cov(t,t) = n² − Σ t_k² = 36 − 12 = 24
        //      MCC = 12 / sqrt(24 · 22) = 12 / sqrt(528)
        QNEAR(get(matthewsCorrelation(cm)), 12.0 / std::sqrt(528.0));

        // kappa: p_o = 4/6, p_e = Σ t_k p_k / n² = 12/36 = 1/3, κ = (2/3 − 1/3) / (1 − 1/3) = 1/2
        QNEAR(get(cohenKappa(cm)), 0.5);
        // sklearn form: E_ij = p_i · t_j / n = p_i / 3 (all t_j = 2).
        // quadratic: Σ w·O = O_01·1 + O_20·4 = 1 + 4 = 5;
        //            Σ w·E = (p_0·(0+1+4) + p_1·(1+0+1) + p_2·(4+1+0)) / 3 = (10 + 6 + 5) / 3 = 7
        //            κ_q = 1 − 5/7 = 2/7
        QNEAR(get(cohenKappa(cm, KappaWeights::Quadratic)), 2.0 / 7);
        // linear: Σ w·O = 1·1 + 2·1 = 3; Σ w·E = (2·3 + 3·2 + 1·3) / 3 = 5; κ_l = 1 − 3/5 = 2/5
        QNEAR(get(cohenKappa(cm, KappaWeights::Linear)), 0.4);
    }

    // ---------------------------------------------------------------- sklearn docstring examples
    void sklearnAccuracyDocstring()
    {
        // accuracy_score([0, 1, 2, 3], [0, 2, 1, 3]) == 0.5
        QNEAR(get(accuracy(build({0, 1, 2, 3}, {0, 2, 1, 3}, 4))), 0.5);
    }

    void sklearnBalancedAccuracyDocstring()
    {
        // balanced_accuracy_score([0,1,0,0,1,0], [0,1,0,0,0,1]) == 0.625:
        // recall_0 = 3/4, recall_1 = 1/2, mean 5/8
        const ConfusionMatrix cm = build({0, 1, 0, 0, 1, 0}, {0, 1, 0, 0, 0, 1}, 2);
        QNEAR(get(balancedAccuracy(cm)), 0.625);
        // adjusted=True: (0.625 − 1/2) / (1 − 1/2) = 0.25
        QNEAR(get(balancedAccuracy(cm, true)), 0.25);
    }

    void sklearnF1Docstring()
    {
        // f1_score([0,1,2,0,1,2], [0,2,1,0,0,1], average='macro') == 0.2666...;
        // average=None == [0.8, 0, 0]; precision_score(..., average='macro') == 0.2222...;
        // recall_score(..., average='macro') == 0.3333...
        // confusion [[2,0,0],[1,0,1],[0,2,0]]: class 0 tp 2, fp 1, fn 0 -> P 2/3, R 1, F1 4/5;
        // classes 1 and 2 have tp 0 -> 0.
        const ConfusionMatrix cm = build({0, 1, 2, 0, 1, 2}, {0, 2, 1, 0, 0, 1}, 3);
        QNEAR(get(macroF1(cm)), 0.8 / 3); // 0.2666...
        const ClassScores s = classScores(cm);
        compareVector(s.f1, {0.8, 0, 0});
        compareVector(s.precision, {2.0 / 3, 0, 0});
        QNEAR((s.precision[0] + s.precision[1] + s.precision[2]) / 3, 2.0 / 9); // 0.2222...
        QNEAR((s.recall[0] + s.recall[1] + s.recall[2]) / 3, 1.0 / 3);
    }

    void sklearnMatthewsDocstring()
    {
        // matthews_corrcoef([+1,+1,+1,-1], [+1,-1,+1,+1]) == -0.333...; with -1 -> 0, +1 -> 1:
        // y_true [1,1,1,0], y_pred [1,0,1,1]: n = 4, c = 2, t = [1,3], p = [1,3]
        // cov(t,p) = 8 − 10 = −2; cov(p,p) = cov(t,t) = 16 − 10 = 6; MCC = −2/6 = −1/3
        QNEAR(get(matthewsCorrelation(build({1, 1, 1, 0}, {1, 0, 1, 1}, 2))), -1.0 / 3);
    }

    void sklearnKappaDocstring()
    {
        // cohen_kappa_score(["negative","positive","negative","neutral","positive"],
        //                   ["negative","positive","negative","neutral","negative"]) == 0.6875
        // Labels sorted: negative 0, neutral 1, positive 2 -> y1 [0,2,0,1,2], y2 [0,2,0,1,0].
        // p_o = 4/5; rows (y1) [2,1,2], columns (y2) [3,1,1]; p_e = (6 + 1 + 2)/25 = 9/25;
        // κ = (20/25 − 9/25) / (16/25) = 11/16 = 0.6875
        const ConfusionMatrix cm = build({0, 2, 0, 1, 2}, {0, 2, 0, 1, 0}, 3);
        QNEAR(get(cohenKappa(cm)), 0.6875);
        // Symmetric in its two arguments.
        QNEAR(get(cohenKappa(build({0, 2, 0, 1, 0}, {0, 2, 0, 1, 2}, 3))), 0.6875);
        // quadratic: O off-diagonal only (2,0) -> Σ w·O = 4; E_ij = col_i · row_j / 5 with
        // col = [3,1,1], row = [2,1,2]: Σ (i−j)² col_i row_j = 3·(1·1 + 4·2) + 1·(1·2 + 1·2)
        // + 1·(4·2 + 1·1) = 27 + 4 + 9 = 40 -> Σ w·E = 8; κ_q = 1 − 4/8 = 1/2
        QNEAR(get(cohenKappa(cm, KappaWeights::Quadratic)), 0.5);
    }

    // ---------------------------------------------------------------- degenerate cases
    void classNeverPredicted()
    {
        // y_true = [0,0,1,1,2,2], y_pred = [0,0,1,1,1,1]: class 2 is never predicted.
        // confusion [[2,0,0],[0,2,0],[0,2,0]]; t = [2,2,2], p = [2,4,0]
        const ConfusionMatrix cm = build({0, 0, 1, 1, 2, 2}, {0, 0, 1, 1, 1, 1}, 3);
        const ClassScores s = classScores(cm);
        // precision_2 = 0/0 -> 0 (zero_division=0); precision_1 = 2/4
        compareVector(s.precision, {1.0, 0.5, 0.0});
        compareVector(s.recall, {1.0, 1.0, 0.0});
        // F1_1 = 4 / (4 + 2 + 0) = 2/3; F1_2 = 0 / (0 + 0 + 2) = 0
        compareVector(s.f1, {1.0, 2.0 / 3, 0.0});
        for (double v : s.precision)
            QVERIFY(!std::isnan(v));
        QNEAR(get(balancedAccuracy(cm)), 2.0 / 3); // (1 + 1 + 0) / 3
        QNEAR(get(macroF1(cm)), 5.0 / 9);          // (1 + 2/3 + 0) / 3
        // MCC: cov(t,p) = 4·6 − (4 + 8 + 0) = 12; cov(p,p) = 36 − 20 = 16; cov(t,t) = 24
        QNEAR(get(matthewsCorrelation(cm)), 12.0 / std::sqrt(16.0 * 24.0));
        // kappa: p_o = 4/6, p_e = (4 + 8 + 0)/36 = 1/3 -> 1/2
        QNEAR(get(cohenKappa(cm)), 0.5);
    }

    void classAbsentFromTestSplit()
    {
        // C = 3, y_true = [0,0,1,1], y_pred = [0,2,1,1]: class 2 has no test sample but is predicted
        // once. confusion [[1,0,1],[0,2,0],[0,0,0]]
        const ConfusionMatrix cm = build({0, 0, 1, 1}, {0, 2, 1, 1}, 3);
        const ClassScores s = classScores(cm);
        QCOMPARE(s.support, (std::vector<int>{2, 2, 0}));
        compareVector(s.recall, {0.5, 1.0, 0.0});    // recall_2 = 0/0 -> 0
        compareVector(s.precision, {1.0, 1.0, 0.0}); // precision_2 = 0/1
        compareVector(s.f1, {2.0 / 3, 1.0, 0.0});    // F1_0 = 2/(2+0+1)
        // balanced accuracy leaves class 2 out: (1/2 + 1) / 2 = 3/4 (not (1/2 + 1 + 0) / 3)
        QNEAR(get(balancedAccuracy(cm)), 0.75);
        // macro F1: class 2 occurs in y_pred, so it is averaged under both label sets: 5/9
        QNEAR(get(macroF1(cm, LabelSet::AllClasses)), 5.0 / 9);
        QNEAR(get(macroF1(cm, LabelSet::ObservedClasses)), 5.0 / 9);
    }

    void classAbsentFromBothLabelSets()
    {
        // Same data with C = 4: class 3 occurs nowhere.
        // labels=range(4): (2/3 + 1 + 0 + 0) / 4 = 5/12; labels=None: (2/3 + 1 + 0) / 3 = 5/9;
        // labels=[0, 1]: (2/3 + 1) / 2 = 5/6
        const ConfusionMatrix cm = build({0, 0, 1, 1}, {0, 2, 1, 1}, 4);
        QNEAR(get(macroF1(cm)), 5.0 / 12);
        QNEAR(get(macroF1(cm, LabelSet::AllClasses)), 5.0 / 12);
        QNEAR(get(macroF1(cm, LabelSet::ObservedClasses)), 5.0 / 9);
        QNEAR(get(macroF1(cm, std::vector<int>{0, 1})), 5.0 / 6);
        // Balanced accuracy, MCC and plain kappa do not depend on empty rows / columns.
        QNEAR(get(balancedAccuracy(cm)), 0.75);
        QNEAR(get(matthewsCorrelation(cm)), get(matthewsCorrelation(build({0, 0, 1, 1}, {0, 2, 1, 1}, 3))));
        QNEAR(get(cohenKappa(cm)), 0.6); // p_o = 3/4, p_e = (2·1 + 2·2)/16 = 3/8 -> (3/8)/(5/8)

        // Bad explicit label lists.
        QVERIFY(!macroF1(cm, std::vector<int>{}).ok());
        QVERIFY(!macroF1(cm, std::vector<int>{0, 4}).ok());
        QVERIFY(!macroF1(cm, std::vector<int>{1, 1}).ok());
    }

    void weightedKappaLabelSets()
    {
        // C = 4, y_true = [0,1,3,3,1], y_pred = [1,1,3,0,3]; class 2 occurs nowhere.
        // confusion: O_01 = 1, O_11 = 1, O_13 = 1, O_30 = 1, O_33 = 1; rows = columns = [1,2,0,2]
        // labels=range(4) (weights on class indices):
        //   Σ w·O = 1·1 + 4·1 + 9·1 = 14
        //   Σ_ij (i−j)² s_i s_j = 2·(1·1·2) + 2·(9·1·2) + 2·(4·2·2) = 4 + 36 + 32 = 72 -> Σ w·E = 72/5
        //   κ_q = 1 − 14 / 14.4 = 1/36
        // labels=None (classes 0,1,3 at positions 0,1,2):
        //   Σ w·O = 1 + 1 + 4 = 6; s = [1,2,2]: 2·(1·1·2) + 2·(4·1·2) + 2·(1·2·2) = 28 -> 28/5
        //   κ_q = 1 − 6 / 5.6 = −1/14
        const ConfusionMatrix cm = build({0, 1, 3, 3, 1}, {1, 1, 3, 0, 3}, 4);
        QNEAR(get(cohenKappa(cm, KappaWeights::Quadratic)), 1.0 / 36);
        QNEAR(get(cohenKappa(cm, KappaWeights::Quadratic, LabelSet::ObservedClasses)), -1.0 / 14);
        // Unweighted: p_o = 2/5, p_e = (1 + 4 + 4)/25 = 9/25 -> (1/25)/(16/25) = 1/16 under both.
        QNEAR(get(cohenKappa(cm)), 1.0 / 16);
        QNEAR(get(cohenKappa(cm, KappaWeights::None, LabelSet::ObservedClasses)), 1.0 / 16);
    }

    void oneClassOnly()
    {
        // C = 1, everything class 0.
        const ConfusionMatrix cm = build({0, 0, 0}, {0, 0, 0}, 1);
        QNEAR(get(accuracy(cm)), 1.0);
        QNEAR(get(balancedAccuracy(cm)), 1.0);
        QNEAR(get(macroF1(cm)), 1.0);
        // matthews_corrcoef([0,0,0],[0,0,0]) == 0.0: cov(t,t) = 9 − 9 = 0
        QNEAR(get(matthewsCorrelation(cm)), 0.0);
        // cohen_kappa_score([0,0,0],[0,0,0]) is nan (0/0): Σ w·E = 0
        QVERIFY(std::isnan(get(cohenKappa(cm))));
        QVERIFY(std::isnan(get(cohenKappa(cm, KappaWeights::Quadratic))));
        // balanced_accuracy_score(adjusted=True) with one class divides by 0: (1 − 1)/0 = NaN
        QVERIFY(std::isnan(get(balancedAccuracy(cm, true))));
    }

    void oneTrueClassAmongSeveral()
    {
        // C = 3, y_true = [1,1,1,1], y_pred = [1,1,0,2]
        // confusion row 1 = [1,2,1]; t = [0,4,0], p = [1,2,1]
        const ConfusionMatrix cm = build({1, 1, 1, 1}, {1, 1, 0, 2}, 3);
        QNEAR(get(accuracy(cm)), 0.5);
        QNEAR(get(balancedAccuracy(cm)), 0.5); // only class 1 has support
        // MCC: cov(t,t) = 16 − 16 = 0 -> 0 (sklearn returns 0.0)
        QNEAR(get(matthewsCorrelation(cm)), 0.0);
        // kappa: p_o = 1/2, p_e = (0·1 + 4·2 + 0·1)/16 = 1/2 -> 0
        QNEAR(get(cohenKappa(cm)), 0.0);
        // F1 = [0, 2·2/(4+0+2) = 2/3, 0] -> macro (labels=range(3)) 2/9
        QNEAR(get(macroF1(cm)), 2.0 / 9);
    }

    void emptyInputIsAnError()
    {
        auto cm = ConfusionMatrix::fromLabels({}, {}, 3);
        QVERIFY(cm.ok());
        for (const fopro::Result<double> &r :
             {accuracy(*cm), balancedAccuracy(*cm), macroF1(*cm), matthewsCorrelation(*cm), cohenKappa(*cm)}) {
            QVERIFY(!r.ok());
            QCOMPARE(r.error().code, fopro::ErrorCode::InvalidArgument);
            QCOMPARE(r.error().detail, QStringLiteral("no samples to evaluate"));
        }
        QVERIFY(!tailGroupRecall(*cm, {1, 2, 3}).ok());
        // classScores never fails: zeros.
        const ClassScores s = classScores(*cm);
        compareVector(s.f1, {0, 0, 0});
    }

    void perfectAndInverse()
    {
        // Perfect predictions: every score 1.
        const ConfusionMatrix perfect = build({0, 1, 2, 2}, {0, 1, 2, 2}, 3);
        QNEAR(get(matthewsCorrelation(perfect)), 1.0);
        QNEAR(get(cohenKappa(perfect)), 1.0);
        QNEAR(get(cohenKappa(perfect, KappaWeights::Quadratic)), 1.0);
        QNEAR(get(macroF1(perfect)), 1.0);
        // Binary, always wrong, balanced: MCC −1, kappa: p_o = 0, p_e = 1/2 -> −1
        const ConfusionMatrix inverse = build({0, 0, 1, 1}, {1, 1, 0, 0}, 2);
        QNEAR(get(matthewsCorrelation(inverse)), -1.0);
        QNEAR(get(cohenKappa(inverse)), -1.0);
    }

    // ---------------------------------------------------------------- head / medium / tail
    void tailGroups()
    {
        // 6 classes, training counts [1000, 500, 100, 50, 20, 5].
        // Test set: class 0: 2 samples, both right (recall 1); class 1: 2, one right (1/2);
        // class 2: 4, one right (1/4); class 3: absent; class 4: 2, none right (0); class 5: 1 right.
        const std::vector<int> yTrue{0, 0, 1, 1, 2, 2, 2, 2, 4, 4, 5};
        const std::vector<int> yPred{0, 0, 1, 0, 2, 0, 0, 0, 0, 1, 5};
        const ConfusionMatrix cm = build(yTrue, yPred, 6);
        const std::vector<int> train{1000, 500, 100, 50, 20, 5};

        // Defaults 100 / 20: head = count > 100 -> {0, 1}; tail = count < 20 -> {5};
        // medium {2, 3, 4} (100 is not > 100; 20 is not < 20), evaluated {2, 4} (3 has no test sample)
        // head (1 + 1/2)/2 = 3/4; medium (1/4 + 0)/2 = 1/8; tail 1
        auto g = tailGroupRecall(cm, train);
        QVERIFY(g.ok());
        QCOMPARE(g->head.classes, (std::vector<int>{0, 1}));
        QCOMPARE(g->medium.classes, (std::vector<int>{2, 3, 4}));
        QCOMPARE(g->medium.evaluated, (std::vector<int>{2, 4}));
        QCOMPARE(g->tail.classes, (std::vector<int>{5}));
        QNEAR(g->head.meanRecall, 0.75);
        QNEAR(g->medium.meanRecall, 0.125);
        QNEAR(g->tail.meanRecall, 1.0);
        QCOMPARE(g->trainCounts, train);

        // HyperKvasir preset 700 / 70: head {0}; medium {1, 2} (500, 100); tail {3, 4, 5}
        // evaluated {4, 5}: head 1; medium (1/2 + 1/4)/2 = 3/8; tail (0 + 1)/2 = 1/2
        g = tailGroupRecall(cm, train, kHyperKvasirManyShot, kHyperKvasirFewShot);
        QVERIFY(g.ok());
        QCOMPARE(g->head.classes, (std::vector<int>{0}));
        QCOMPARE(g->medium.classes, (std::vector<int>{1, 2}));
        QCOMPARE(g->tail.classes, (std::vector<int>{3, 4, 5}));
        QCOMPARE(g->tail.evaluated, (std::vector<int>{4, 5}));
        QNEAR(g->head.meanRecall, 1.0);
        QNEAR(g->medium.meanRecall, 0.375);
        QNEAR(g->tail.meanRecall, 0.5);

        // A group without classes has a NaN mean (numpy's mean of an empty list).
        g = tailGroupRecall(cm, train, 2000, 1);
        QVERIFY(g.ok());
        QVERIFY(g->head.classes.empty());
        QVERIFY(std::isnan(g->head.meanRecall));
        QVERIFY(std::isnan(g->tail.meanRecall));
        // All six in medium; evaluated {0,1,2,4,5}: (1 + 1/2 + 1/4 + 0 + 1)/5 = 0.55 = balanced acc
        QNEAR(g->medium.meanRecall, 0.55);
        QNEAR(g->medium.meanRecall, get(balancedAccuracy(cm)));

        // Bad input.
        QVERIFY(!tailGroupRecall(cm, {1, 2, 3}).ok());           // wrong size
        QVERIFY(!tailGroupRecall(cm, {1, 2, 3, 4, 5, -1}).ok()); // negative count
        QVERIFY(!tailGroupRecall(cm, train, 20, 100).ok());      // few > many
        QVERIFY(!tailGroupRecall(cm, train, -1, -5).ok());       // negative thresholds
    }

    void tailGroupRuleMatchesDataLayer()
    {
        // The grouping must agree with fopro::data::tailGroupOf for every count and both presets.
        using fopro::data::TailGroup;
        using fopro::data::TailThresholds;
        for (const TailThresholds th : {TailThresholds::defaults(), TailThresholds::hyperKvasir()}) {
            std::vector<int> counts;
            for (int n = 0; n <= 1200; ++n)
                counts.push_back(n);
            ConfusionMatrix cm(int(counts.size()), false);
            QVERIFY(cm.add(0, 0).ok());
            auto g = tailGroupRecall(cm, counts, th.many, th.few);
            QVERIFY(g.ok());
            for (int k : g->head.classes)
                QCOMPARE(int(fopro::data::tailGroupOf(counts[size_t(k)], th)), int(TailGroup::Head));
            for (int k : g->medium.classes)
                QCOMPARE(int(fopro::data::tailGroupOf(counts[size_t(k)], th)), int(TailGroup::Medium));
            for (int k : g->tail.classes)
                QCOMPARE(int(fopro::data::tailGroupOf(counts[size_t(k)], th)), int(TailGroup::Tail));
            QCOMPARE(g->head.classes.size() + g->medium.classes.size() + g->tail.classes.size(), counts.size());
        }
    }
};

QTEST_GUILESS_MAIN(TestClassification)
#include "tst_classification.moc"
