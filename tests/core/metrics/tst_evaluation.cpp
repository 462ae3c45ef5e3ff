// evaluate() end to end on a hand-computed example, its input checks, and the JSON / CSV export.
#include "core/metrics/evaluation.h"
#include "tests/support/testsupport.h"

#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtTest/QtTest>

#include <cmath>
#include <limits>

using namespace fopro::metrics;

namespace {

bool near(double a, double b)
{
    return std::fabs(a - b) <= 1e-12;
}

// Example A (see tst_classification / tst_rocauc for the derivations):
// y_true [0,0,1,1,2,2], y_pred = arg-max = [0,1,1,1,2,0]
// accuracy 2/3, balanced 2/3, precision [1/2, 2/3, 1], recall [1/2, 1, 1/2], F1 [1/2, 4/5, 2/3],
// macro-F1 59/90, MCC 12/sqrt(528), kappa 1/2, quadratic kappa 2/7, AUC [7/8, 1, 15/16] macro 15/16.
const std::vector<int> kTrue{0, 0, 1, 1, 2, 2};
const std::vector<int> kPred{0, 1, 1, 1, 2, 0};
const std::vector<double> kProb{
    0.7, 0.2, 0.1, //
    0.3, 0.4, 0.3, //
    0.2, 0.6, 0.2, //
    0.1, 0.8, 0.1, //
    0.2, 0.2, 0.6, //
    0.5, 0.2, 0.3, //
};

EvaluationOptions optionsA()
{
    EvaluationOptions o;
    o.numClasses = 3;
    // Training counts [150, 50, 10] with 100/20: class 0 head, class 1 medium, class 2 tail.
    o.trainCounts = {150, 50, 10};
    return o;
}

} // namespace

class TestEvaluation : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void everythingOnExampleA()
    {
        auto r = evaluate(kTrue, kPred, kProb, optionsA());
        QVERIFY2(r.ok(), qPrintable(r.error().message()));
        const EvaluationReport &e = *r;
        QCOMPARE(e.numClasses, 3);
        QCOMPARE(e.numSamples, 6);
        QCOMPARE(e.confusion.counts(), (std::vector<int>{1, 1, 0, 0, 2, 0, 1, 0, 1}));
        QCOMPARE(e.confusion.sampleIndices(2, 0), (std::vector<int>{5}));
        QVERIFY(near(e.accuracy, 2.0 / 3));
        QVERIFY(near(e.balancedAccuracy, 2.0 / 3));
        QVERIFY(near(e.macroF1, 59.0 / 90));
        QVERIFY(near(e.matthews, 12.0 / std::sqrt(528.0)));
        QVERIFY(near(e.kappa, 0.5));
        QVERIFY(near(e.quadraticKappa, 2.0 / 7));
        QVERIFY(near(e.perClass.precision[1], 2.0 / 3));
        QVERIFY(near(e.perClass.f1[1], 0.8));
        QCOMPARE(e.perClass.support, (std::vector<int>{2, 2, 2}));

        QVERIFY(e.hasProbabilities);
        QVERIFY(near(e.rocAuc.macro, 15.0 / 16));
        QVERIFY(near(e.rocAuc.perClass[0], 7.0 / 8));
        // Confidences .7 .4 .6 .8 .6 .5, correct 1 0 1 1 1 0. Each non-empty bin holds a single
        // confidence value: .4 (wrong, gap .4), .5 (wrong, gap .5), .6 ×2 (right, gap .4 each),
        // .7 (right, gap .3), .8 (right, gap .2): ECE = (.4 + .5 + .8 + .3 + .2) / 6 = 2.2/6; MCE .5
        QVERIFY(near(e.calibration.ece, 2.2 / 6));
        QVERIFY(near(e.calibration.mce, 0.5));

        QVERIFY(e.hasTailGroups);
        QCOMPARE(e.tailGroups.head.classes, (std::vector<int>{0}));
        QCOMPARE(e.tailGroups.medium.classes, (std::vector<int>{1}));
        QCOMPARE(e.tailGroups.tail.classes, (std::vector<int>{2}));
        QVERIFY(near(e.tailGroups.head.meanRecall, 0.5));
        QVERIFY(near(e.tailGroups.medium.meanRecall, 1.0));
        QVERIFY(near(e.tailGroups.tail.meanRecall, 0.5));
    }

    void predictionsFromProbabilities()
    {
        // No y_pred: the arg-max of the probabilities is used, which is kPred.
        auto derived = evaluate(kTrue, {}, kProb, optionsA());
        auto given = evaluate(kTrue, kPred, kProb, optionsA());
        QVERIFY(derived.ok() && given.ok());
        QCOMPARE(derived->confusion.counts(), given->confusion.counts());
        QCOMPARE(derived->macroF1, given->macroF1);
    }

    void withoutProbabilitiesOrCounts()
    {
        EvaluationOptions o;
        o.numClasses = 3;
        auto r = evaluate(kTrue, kPred, {}, o);
        QVERIFY(r.ok());
        QVERIFY(!r->hasProbabilities);
        QVERIFY(!r->hasTailGroups);
        QVERIFY(near(r->accuracy, 2.0 / 3));
        const QJsonObject json = reportToJson(*r);
        QVERIFY(!json.contains(QStringLiteral("rocAuc")));
        QVERIFY(!json.contains(QStringLiteral("calibration")));
        QVERIFY(!json.contains(QStringLiteral("tailGroups")));
    }

    void hyperKvasirPresetAndLabelSets()
    {
        EvaluationOptions o = optionsA();
        o.trainCounts = {800, 100, 69}; // 700/70: head {0}, medium {1}, tail {2}
        o.many = kHyperKvasirManyShot;
        o.few = kHyperKvasirFewShot;
        auto r = evaluate(kTrue, kPred, {}, o);
        QVERIFY(r.ok());
        QCOMPARE(r->tailGroups.many, 700);
        QCOMPARE(r->tailGroups.tail.classes, (std::vector<int>{2}));
        // C = 4 with class 3 unseen: macro over all classes 59/90 · 3/4 = 59/120; observed 59/90.
        o.numClasses = 4;
        o.trainCounts.clear();
        r = evaluate(kTrue, kPred, {}, o);
        QVERIFY(r.ok());
        QVERIFY(near(r->macroF1, 59.0 / 120));
        o.macroLabels = LabelSet::ObservedClasses;
        r = evaluate(kTrue, kPred, {}, o);
        QVERIFY(near(r->macroF1, 59.0 / 90));
    }

    void oneClassOnly()
    {
        EvaluationOptions o;
        o.numClasses = 1;
        auto r = evaluate({0, 0}, {0, 0}, {1.0, 1.0}, o);
        QVERIFY(r.ok());
        QCOMPARE(r->accuracy, 1.0);
        QCOMPARE(r->matthews, 0.0);
        QVERIFY(std::isnan(r->kappa));
        QVERIFY(std::isnan(r->rocAuc.macro));
        QCOMPARE(r->calibration.ece, 0.0);
        // NaN is exported as null.
        const QJsonObject json = reportToJson(*r);
        QVERIFY(json.value(QStringLiteral("cohenKappa")).isNull());
        QVERIFY(json.value(QStringLiteral("rocAuc")).toObject().value(QStringLiteral("macro")).isNull());
        QCOMPARE(json.value(QStringLiteral("matthewsCorrelation")).toDouble(-1), 0.0);
        // And the document stays valid JSON.
        const QByteArray text = QJsonDocument(json).toJson();
        QJsonParseError err;
        QJsonDocument::fromJson(text, &err);
        QCOMPARE(err.error, QJsonParseError::NoError);
    }

    void rowsNotSummingToOne()
    {
        // Rows summing to 1.2 / 0.5 are accepted; the confidence is the row maximum.
        EvaluationOptions o;
        o.numClasses = 2;
        auto r = evaluate({0, 1}, {}, {0.9, 0.3, 0.1, 0.4}, o);
        QVERIFY(r.ok());
        QCOMPARE(r->accuracy, 1.0);
        // confidences .9 and .4, both right: ECE = (.1 + .6) / 2 = .35
        QVERIFY(near(r->calibration.ece, 0.35));
    }

    void inputErrors()
    {
        EvaluationOptions o = optionsA();
        const auto nan = std::numeric_limits<double>::quiet_NaN();

        auto r = evaluate({}, {}, {}, o);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, fopro::ErrorCode::InvalidArgument);
        QCOMPARE(r.error().detail, QStringLiteral("no samples to evaluate"));

        r = evaluate(kTrue, {}, {}, o);
        QVERIFY(!r.ok());
        QVERIFY(r.error().detail.contains(QStringLiteral("neither predictions nor probabilities")));

        r = evaluate(kTrue, {0, 1}, {}, o);
        QVERIFY(!r.ok());
        QVERIFY(r.error().detail.contains(QStringLiteral("6 true labels but 2 predicted")));

        r = evaluate(kTrue, {0, 1, 1, 3, 2, 0}, {}, o);
        QVERIFY(!r.ok());
        QVERIFY2(r.error().detail.contains(QStringLiteral("sample 3")), qPrintable(r.error().detail));

        std::vector<double> p = kProb;
        p[17] = nan; // sample 5, class 2
        r = evaluate(kTrue, kPred, p, o);
        QVERIFY(!r.ok());
        QVERIFY2(r.error().detail.contains(QStringLiteral("sample 5, class 2")), qPrintable(r.error().detail));
        QVERIFY(r.error().detail.contains(QStringLiteral("NaN")));

        p = kProb;
        p.pop_back();
        QVERIFY(!evaluate(kTrue, kPred, p, o).ok());

        o.trainCounts = {1, 2};
        QVERIFY(!evaluate(kTrue, kPred, kProb, o).ok());
        o.trainCounts = {1, 2, -3};
        QVERIFY(!evaluate(kTrue, kPred, kProb, o).ok());
        o = optionsA();
        o.few = 200;
        QVERIFY(!evaluate(kTrue, kPred, kProb, o).ok());
        o = optionsA();
        o.calibrationBins = 0;
        QVERIFY(!evaluate(kTrue, kPred, kProb, o).ok());
        o = optionsA();
        o.numClasses = 0;
        QVERIFY(!evaluate(kTrue, kPred, kProb, o).ok());
    }

    void csvExport()
    {
        auto r = evaluate(kTrue, kPred, kProb, optionsA());
        QVERIFY(r.ok());
        // Names with a comma are quoted; a missing name falls back to the index.
        const QString csv = classMetricsToCsv(*r, {QStringLiteral("polyp"), QStringLiteral("ulcer, active")});
        const QString expected = QStringLiteral("class,precision,recall,f1,support\n"
                                                "polyp,0.5,0.5,0.5,2\n"
                                                "\"ulcer, active\",0.6666666666666666,1,0.8,2\n"
                                                "2,1,0.5,0.6666666666666666,2\n");
        QCOMPARE(csv, expected);
        // Numbers read back exactly.
        QCOMPARE(QStringLiteral("0.6666666666666666").toDouble(), 2.0 / 3);
    }

    void jsonExport()
    {
        auto r = evaluate(kTrue, kPred, kProb, optionsA());
        QVERIFY(r.ok());
        const QStringList names{QStringLiteral("a"), QStringLiteral("b"), QStringLiteral("c")};

        const QJsonArray classes = classMetricsToJson(*r, names).value(QStringLiteral("classes")).toArray();
        QCOMPARE(classes.size(), 3);
        const QJsonObject c1 = classes.at(1).toObject();
        QCOMPARE(c1.value(QStringLiteral("index")).toInt(), 1);
        QCOMPARE(c1.value(QStringLiteral("class")).toString(), QStringLiteral("b"));
        QCOMPARE(c1.value(QStringLiteral("precision")).toDouble(), 2.0 / 3);
        QCOMPARE(c1.value(QStringLiteral("recall")).toDouble(), 1.0);
        QCOMPARE(c1.value(QStringLiteral("f1")).toDouble(), 0.8);
        QCOMPARE(c1.value(QStringLiteral("support")).toInt(), 2);
        QCOMPARE(c1.value(QStringLiteral("predicted")).toInt(), 3);
        QCOMPARE(c1.value(QStringLiteral("rocAuc")).toDouble(), 1.0);
        QCOMPARE(c1.value(QStringLiteral("trainCount")).toInt(), 50);
        QCOMPARE(c1.value(QStringLiteral("group")).toString(), QStringLiteral("medium"));
        QCOMPARE(classes.at(0).toObject().value(QStringLiteral("group")).toString(), QStringLiteral("head"));
        QCOMPARE(classes.at(2).toObject().value(QStringLiteral("group")).toString(), QStringLiteral("tail"));

        const QJsonObject all = reportToJson(*r, names);
        QCOMPARE(all.value(QStringLiteral("numSamples")).toInt(), 6);
        QVERIFY(near(all.value(QStringLiteral("macroF1")).toDouble(), 59.0 / 90));
        QVERIFY(near(all.value(QStringLiteral("quadraticKappa")).toDouble(), 2.0 / 7));
        QCOMPARE(all.value(QStringLiteral("perClass")).toArray(), classes);
        const QJsonArray matrix = all.value(QStringLiteral("confusionMatrix")).toArray();
        QCOMPARE(matrix.size(), 3);
        QCOMPARE(matrix.at(2).toArray(), (QJsonArray{1, 0, 1}));
        const QJsonObject calibration = all.value(QStringLiteral("calibration")).toObject();
        QVERIFY(near(calibration.value(QStringLiteral("ece")).toDouble(), 2.2 / 6));
        const QJsonArray bins = calibration.value(QStringLiteral("bins")).toArray();
        QCOMPARE(bins.size(), 15);
        QCOMPARE(bins.at(0).toObject().value(QStringLiteral("count")).toInt(), 0);
        QVERIFY(bins.at(0).toObject().value(QStringLiteral("accuracy")).isNull()); // empty bin
        QCOMPARE(bins.at(5).toObject().value(QStringLiteral("count")).toInt(), 1); // the .4
        const QJsonObject groups = all.value(QStringLiteral("tailGroups")).toObject();
        QCOMPARE(groups.value(QStringLiteral("many")).toInt(), 100);
        QCOMPARE(groups.value(QStringLiteral("few")).toInt(), 20);
        QCOMPARE(groups.value(QStringLiteral("medium")).toObject().value(QStringLiteral("meanRecall")).toDouble(), 1.0);
        QCOMPARE(all.value(QStringLiteral("rocAuc")).toObject().value(QStringLiteral("definedClasses")).toInt(), 3);
    }
};

QTEST_GUILESS_MAIN(TestEvaluation)
#include "tst_evaluation.moc"
