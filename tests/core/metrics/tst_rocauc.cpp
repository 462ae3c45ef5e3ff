// ROC-AUC against sklearn.metrics.roc_auc_score: binary, and one-vs-rest macro for multi-class.
// Expected values are counted by hand over positive/negative pairs: a pair scores 1 when the
// positive ranks higher, 1/2 on a tie, 0 otherwise; AUC = sum / (n+ · n−).
#include "core/metrics/rocauc.h"
#include "tests/support/testsupport.h"

#include <QtTest/QtTest>

#include <cmath>
#include <limits>

using namespace fopro::metrics;

namespace {

bool near(double a, double b)
{
    return std::fabs(a - b) <= 1e-12;
}

double get(const fopro::Result<double> &r)
{
    if (!r) qFatal("metric failed: %s", qPrintable(r.error().message()));
    return *r;
}

// Example A of tst_classification: y_true [0,0,1,1,2,2], arg-max [0,1,1,1,2,0].
const std::vector<int> kTrueA{0, 0, 1, 1, 2, 2};
const std::vector<double> kProbA{
    0.7, 0.2, 0.1, //
    0.3, 0.4, 0.3, //
    0.2, 0.6, 0.2, //
    0.1, 0.8, 0.1, //
    0.2, 0.2, 0.6, //
    0.5, 0.2, 0.3, //
};

} // namespace

class TestRocAuc : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void sklearnBinaryDocstring()
    {
        // roc_auc_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == 0.75:
        // positives {0.35, 0.8} vs negatives {0.1, 0.4}: 0.35>0.1, 0.35<0.4, 0.8>both -> 3/4
        QVERIFY(near(get(binaryRocAuc({0, 0, 1, 1}, {0.1, 0.4, 0.35, 0.8})), 0.75));
    }

    void binaryTiesCountHalf()
    {
        // All tied: every pair 1/2 -> 0.5
        QVERIFY(near(get(binaryRocAuc({0, 1, 0, 1}, {0.5, 0.5, 0.5, 0.5})), 0.5));
        // positives {0.3, 0.9}, negatives {0.3, 0.1, 0.5}:
        // 0.3: tie(1/2) + >0.1 (1) + <0.5 (0) = 1.5; 0.9: 3 -> 4.5 / 6 = 0.75
        QVERIFY(near(get(binaryRocAuc({1, 0, 0, 1, 0}, {0.3, 0.3, 0.1, 0.9, 0.5})), 0.75));
        // Perfect and reversed rankings; any finite scores (not only probabilities).
        QVERIFY(near(get(binaryRocAuc({0, 0, 1}, {-3.0, 2.0, 7.5})), 1.0));
        QVERIFY(near(get(binaryRocAuc({1, 1, 0}, {-3.0, 2.0, 7.5})), 0.0));
    }

    void binaryErrors()
    {
        auto r = binaryRocAuc({1, 1, 1}, {0.1, 0.2, 0.3});
        QVERIFY(!r.ok());
        QVERIFY2(r.error().detail.contains(QStringLiteral("only one class")), qPrintable(r.error().detail));
        QVERIFY(!binaryRocAuc({}, {}).ok());
        QVERIFY(!binaryRocAuc({0, 1}, {0.1}).ok());
        r = binaryRocAuc({0, 2}, {0.1, 0.2}); // not 0/1
        QVERIFY(!r.ok());
        QVERIFY(r.error().detail.contains(QStringLiteral("sample 1")));
        r = binaryRocAuc({0, 1}, {0.1, std::numeric_limits<double>::quiet_NaN()});
        QVERIFY(!r.ok());
        QVERIFY2(r.error().detail.contains(QStringLiteral("NaN")), qPrintable(r.error().detail));
    }

    void oneVsRestMacro()
    {
        // Class 0 positives (samples 0,1) scores {0.7, 0.3}; negatives {0.2, 0.1, 0.2, 0.5}:
        //   0.7 beats all 4; 0.3 beats 0.2, 0.1, 0.2, loses to 0.5 -> 7/8
        // Class 1 positives {0.6, 0.8}; negatives {0.2, 0.4, 0.2, 0.2} -> 8/8
        // Class 2 positives {0.6, 0.3}; negatives {0.1, 0.3, 0.2, 0.1}:
        //   0.6 beats all 4; 0.3 beats 0.1, 0.2, 0.1 and ties 0.3 -> 3.5 -> 7.5/8 = 15/16
        // macro = (7/8 + 1 + 15/16) / 3 = (14 + 16 + 15) / 48 = 15/16
        auto r = rocAucOneVsRest(kTrueA, kProbA, 3);
        QVERIFY(r.ok());
        QCOMPARE(r->perClass.size(), size_t(3));
        QVERIFY(near(r->perClass[0], 7.0 / 8));
        QVERIFY(near(r->perClass[1], 1.0));
        QVERIFY(near(r->perClass[2], 15.0 / 16));
        QVERIFY(near(r->macro, 15.0 / 16));
        QCOMPARE(r->definedClasses, 3);
    }

    void twoColumnsMatchBinary()
    {
        // The binary docstring example as probabilities [1 − s, s]: both one-vs-rest AUCs are 3/4
        // (class 0's scores are the reversed ranking with the reversed positives), macro 3/4 ==
        // roc_auc_score(y, s).
        auto r = rocAucOneVsRest({0, 0, 1, 1}, {0.9, 0.1, 0.6, 0.4, 0.65, 0.35, 0.2, 0.8}, 2);
        QVERIFY(r.ok());
        QVERIFY(near(r->perClass[0], 0.75));
        QVERIFY(near(r->perClass[1], 0.75));
        QVERIFY(near(r->macro, 0.75));
    }

    void classAbsentFromTrueLabels()
    {
        // C = 3, y_true [0,0,1,1]: class 2 has no positive -> NaN (sklearn would raise), left out.
        // class 0 scores {0.8, 0.5} vs {0.3, 0.1}: 4/4; class 1 {0.6, 0.3} vs {0.1, 0.4}:
        // 0.6 beats both, 0.3 beats 0.1 -> 3/4; macro (1 + 3/4) / 2 = 7/8
        const std::vector<double> p{
            0.8, 0.1, 0.1, //
            0.5, 0.4, 0.1, //
            0.3, 0.6, 0.1, //
            0.1, 0.3, 0.6, //
        };
        auto r = rocAucOneVsRest({0, 0, 1, 1}, p, 3);
        QVERIFY(r.ok());
        QVERIFY(near(r->perClass[0], 1.0));
        QVERIFY(near(r->perClass[1], 0.75));
        QVERIFY(std::isnan(r->perClass[2]));
        QCOMPARE(r->definedClasses, 2);
        QVERIFY(near(r->macro, 0.875));
    }

    void oneClassOnly()
    {
        // Only class 1 in y_true: class 1 has no negatives, classes 0 and 2 no positives.
        auto r = rocAucOneVsRest({1, 1}, {0.2, 0.5, 0.3, 0.1, 0.8, 0.1}, 3);
        QVERIFY(r.ok());
        QCOMPARE(r->definedClasses, 0);
        QVERIFY(std::isnan(r->macro));
        for (double v : r->perClass)
            QVERIFY(std::isnan(v));
        // C = 1
        r = rocAucOneVsRest({0, 0}, {1.0, 1.0}, 1);
        QVERIFY(r.ok());
        QVERIFY(std::isnan(r->macro));
    }

    void rowsNotSummingToOneAccepted()
    {
        // sklearn refuses multi-class scores whose rows do not sum to 1; here each column is ranked
        // as it is. Doubling every score changes no ranking, so the AUCs are those of example A.
        std::vector<double> scaled = kProbA;
        for (double &v : scaled)
            v *= 2.0;
        auto r = rocAucOneVsRest(kTrueA, scaled, 3);
        QVERIFY(r.ok());
        QVERIFY(near(r->macro, 15.0 / 16));
    }

    void errors()
    {
        QVERIFY(!rocAucOneVsRest({}, {}, 3).ok());                  // empty
        QVERIFY(!rocAucOneVsRest({0, 1}, {0.5, 0.5, 0.5}, 2).ok()); // wrong size
        QVERIFY(!rocAucOneVsRest({0, 1}, {0.5, 0.5}, 0).ok());      // no class
        auto r = rocAucOneVsRest({0, 3}, {0.5, 0.5, 0.5, 0.5}, 2);  // bad label
        QVERIFY(!r.ok());
        QVERIFY(r.error().detail.contains(QStringLiteral("sample 1")));
        std::vector<double> p = kProbA;
        p[4] = std::numeric_limits<double>::quiet_NaN(); // sample 1, class 1
        r = rocAucOneVsRest(kTrueA, p, 3);
        QVERIFY(!r.ok());
        QVERIFY2(r.error().detail.contains(QStringLiteral("sample 1, class 1")), qPrintable(r.error().detail));
        QVERIFY(r.error().detail.contains(QStringLiteral("NaN")));
        p[4] = std::numeric_limits<double>::infinity();
        QVERIFY(!rocAucOneVsRest(kTrueA, p, 3).ok());
    }
};

QTEST_GUILESS_MAIN(TestRocAuc)
#include "tst_rocauc.moc"
