// Expected calibration error and the reliability diagram: 15 equal-width bins on the max
// probability, bin b = (b/15, (b+1)/15], confidence 0 in bin 0, ECE = Σ_b (n_b/N)·|acc_b − conf_b|.
// Expected values are computed by hand below (bin edges: 1/15 ≈ 0.0667, so bin 5 = (0.333, 0.4],
// bin 7 = (0.467, 0.533], bin 13 = (0.867, 0.933], bin 14 = (0.933, 1]).
#include "core/metrics/calibration.h"
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

// Eight samples, three classes.
//  i  true  row                 max   arg-max  correct  bin
//  0  0     .95 .03 .02         .95   0        yes      14
//  1  1     .01 .97 .02         .97   1        yes      14
//  2  2     .005 .99 .005       .99   1        no       14
//  3  0     .9  .3  .0 (sum 1.2) .90  0        yes      13
//  4  1     .88 .06 .06         .88   0        no       13
//  5  2     .25 .25 .5          .50   2        yes       7
//  6  0     .26 .48 .26         .48   1        no        7
//  7  1     .35 .33 .32         .35   0        no        5
const std::vector<int> kTrue{0, 1, 2, 0, 1, 2, 0, 1};
const std::vector<double> kProb{
    0.95,  0.03, 0.02,  //
    0.01,  0.97, 0.02,  //
    0.005, 0.99, 0.005, //
    0.9,   0.3,  0.0,   //
    0.88,  0.06, 0.06,  //
    0.25,  0.25, 0.5,   //
    0.26,  0.48, 0.26,  //
    0.35,  0.33, 0.32,  //
};

} // namespace

class TestCalibration : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void fifteenBins()
    {
        // bin 14: n 3, conf (.95+.97+.99)/3 = .97, acc 2/3, gap .97 − .6667 = .30333
        // bin 13: n 2, conf (.90+.88)/2 = .89, acc 1/2, gap .39
        // bin  7: n 2, conf (.50+.48)/2 = .49, acc 1/2, gap .01
        // bin  5: n 1, conf .35, acc 0, gap .35
        // ECE = (3·.30333 + 2·.39 + 2·.01 + 1·.35) / 8 = (.91 + .78 + .02 + .35) / 8 = 2.06/8 = .2575
        // MCE = .39
        auto r = expectedCalibration(kTrue, kProb, 3);
        QVERIFY2(r.ok(), qPrintable(r.error().message()));
        QVERIFY(near(r->ece, 0.2575));
        QVERIFY(near(r->mce, 0.39));
        QCOMPARE(r->bins.size(), size_t(15));

        const ReliabilityBin &b14 = r->bins[14];
        QCOMPARE(b14.count, 3);
        QVERIFY(near(b14.meanConfidence, 0.97));
        QVERIFY(near(b14.accuracy, 2.0 / 3));
        QVERIFY(near(b14.lower, 14.0 / 15));
        QCOMPARE(b14.upper, 1.0);
        QCOMPARE(r->bins[13].count, 2);
        QVERIFY(near(r->bins[13].meanConfidence, 0.89));
        QVERIFY(near(r->bins[13].accuracy, 0.5));
        QCOMPARE(r->bins[7].count, 2);
        QVERIFY(near(r->bins[7].meanConfidence, 0.49));
        QCOMPARE(r->bins[5].count, 1);
        QVERIFY(near(r->bins[5].accuracy, 0.0));

        // Empty bins: count 0, NaN mean confidence and accuracy (nothing to plot).
        QCOMPARE(r->bins[0].count, 0);
        QVERIFY(std::isnan(r->bins[0].meanConfidence));
        QVERIFY(std::isnan(r->bins[0].accuracy));
        QCOMPARE(r->bins[0].lower, 0.0);
        QVERIFY(near(r->bins[0].upper, 1.0 / 15));
        int total = 0;
        for (const ReliabilityBin &b : r->bins)
            total += b.count;
        QCOMPARE(total, 8);
    }

    void givenPredictions()
    {
        // Judge the given predictions instead of the arg-max: sample 2 is now predicted 2 (right),
        // its confidence stays .99. bin 14: acc 3/3, gap .03 ->
        // ECE = (3·.03 + .78 + .02 + .35) / 8 = 1.24/8 = .155; MCE still .39
        auto r = expectedCalibration(kTrue, {0, 1, 2, 0, 0, 2, 1, 0}, kProb, 3);
        QVERIFY(r.ok());
        QVERIFY(near(r->ece, 0.155));
        QVERIFY(near(r->mce, 0.39));
        QVERIFY(near(r->bins[14].accuracy, 1.0));
        // With the arg-max as predictions, both overloads agree.
        auto a = expectedCalibration(kTrue, {0, 1, 1, 0, 0, 2, 1, 0}, kProb, 3);
        auto b = expectedCalibration(kTrue, kProb, 3);
        QVERIFY(a.ok() && b.ok());
        QCOMPARE(a->ece, b->ece);
        // Bad predictions.
        QVERIFY(!expectedCalibration(kTrue, {0, 1}, kProb, 3).ok());
        auto bad = expectedCalibration(kTrue, {0, 1, 2, 0, 0, 2, 1, 7}, kProb, 3);
        QVERIFY(!bad.ok());
        QVERIFY(bad.error().detail.contains(QStringLiteral("sample 7")));
    }

    void otherBinCounts()
    {
        // One bin: |overall accuracy − mean confidence| = |4/8 − 6.02/8| = .2525
        auto r = expectedCalibration(kTrue, kProb, 3, 1);
        QVERIFY(r.ok());
        QVERIFY(near(r->ece, 0.2525));
        QCOMPARE(r->bins[0].count, 8);
        // Five bins (.2 wide): (.2,.4] {.35}: gap .35; (.4,.6] {.5,.48}: gap .01;
        // (.8,1] {.95,.97,.99,.9,.88}: conf 4.69/5 = .938, acc 3/5, gap .338
        // ECE = (.35 + 2·.01 + 5·.338) / 8 = (.35 + .02 + 1.69) / 8 = 2.06/8 = .2575; MCE .35
        r = expectedCalibration(kTrue, kProb, 3, 5);
        QVERIFY(r.ok());
        QVERIFY(near(r->ece, 0.2575));
        QVERIFY(near(r->mce, 0.35));
        QCOMPARE(r->bins[4].count, 5);
        QVERIFY(!expectedCalibration(kTrue, kProb, 3, 0).ok());
    }

    void binEdges()
    {
        // lower < confidence <= upper; 0 goes to bin 0; boundaries b/15 as doubles.
        QCOMPARE(calibrationBinOf(0.0, 15), 0);
        QCOMPARE(calibrationBinOf(1.0 / 15, 15), 0); // on the upper edge of bin 0
        QCOMPARE(calibrationBinOf(std::nextafter(1.0 / 15, 1.0), 15), 1);
        QCOMPARE(calibrationBinOf(2.0 / 15, 15), 1);
        for (int b = 1; b <= 15; ++b) {
            const double edge = double(b) / 15;
            QCOMPARE(calibrationBinOf(edge, 15), b - 1);
            if (b < 15) QCOMPARE(calibrationBinOf(std::nextafter(edge, 2.0), 15), b);
        }
        QCOMPARE(calibrationBinOf(1.0, 15), 14);
        QCOMPARE(calibrationBinOf(0.5, 15), 7);
        QCOMPARE(calibrationBinOf(0.4, 15), 5); // 0.4 == 6/15 as doubles: top of bin 5
        QCOMPARE(calibrationBinOf(0.7, 1), 0);

        // A sample with an all-zero row: confidence 0, bin 0, arg-max class 0.
        auto r = expectedCalibration({0, 1}, {0.0, 0.0, 0.2, 0.8}, 2);
        QVERIFY(r.ok());
        QCOMPARE(r->bins[0].count, 1);
        QCOMPARE(r->bins[0].accuracy, 1.0); // predicted 0 (first maximum), true 0
        QCOMPARE(r->bins[11].count, 1);     // 0.8 == 12/15: top of bin 11
        // ECE = (1·|1 − 0| + 1·|1 − .8|) / 2 = .6
        QVERIFY(near(r->ece, 0.6));
    }

    void perfectCalibration()
    {
        // Confidence 1 and always right: ECE 0.
        auto r = expectedCalibration({0, 1, 2}, {1, 0, 0, 0, 1, 0, 0, 0, 1}, 3);
        QVERIFY(r.ok());
        QCOMPARE(r->ece, 0.0);
        QCOMPARE(r->mce, 0.0);
    }

    void invalidProbabilities()
    {
        std::vector<double> p = kProb;
        p[7] = std::numeric_limits<double>::quiet_NaN(); // sample 2, class 1
        auto r = expectedCalibration(kTrue, p, 3);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, fopro::ErrorCode::InvalidArgument);
        QVERIFY2(r.error().detail.contains(QStringLiteral("sample 2, class 1")), qPrintable(r.error().detail));
        QVERIFY(r.error().detail.contains(QStringLiteral("NaN")));
        p[7] = 1.5;
        r = expectedCalibration(kTrue, p, 3);
        QVERIFY(!r.ok());
        QVERIFY(r.error().detail.contains(QStringLiteral("not a probability")));
        p[7] = -0.1;
        QVERIFY(!expectedCalibration(kTrue, p, 3).ok());
        QVERIFY(!expectedCalibration(kTrue, {0.5, 0.5}, 3).ok());    // wrong size
        QVERIFY(!expectedCalibration({}, {}, 3).ok());               // empty
        QVERIFY(!expectedCalibration({0, 5}, {1, 0, 0, 1}, 2).ok()); // bad label
    }
};

QTEST_GUILESS_MAIN(TestCalibration)
#include "tst_calibration.moc"
