// The prompt's gain map as plain numbers: the radial profile matches a hand computation on a tiny
// map, the full shifted view mirrors the half spectrum, files round trip and damaged ones are
// refused with the file named, and a run folder's snapshots are listed by epoch.
#include "core/spectral/gainmap.h"
#include "tests/support/testsupport.h"

#include <QtCore/QTemporaryDir>
#include <QtTest/QtTest>

#include <cmath>

using namespace fopro;
using namespace fopro::spectral;

class TestGainMap : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void radialProfileByHand()
    {
        // 4 × 4 image: half spectrum 4 × 3. fftfreq(4) = 0, .25, -.5, -.25; rfftfreq(4) = 0, .25, .5.
        // ρ = 2·sqrt(fy² + fx²):        x=0     x=1      x=2
        //                      y=0:    0       0.5      1
        //                      y=1:    0.5     0.707    1.118
        //                      y=2:    1       1.118    1.414
        //                      y=3:    0.5     0.707    1.118
        // Two bands: [0, .5) holds only DC; [.5, ∞) the other 11 bins.
        GainMap g;
        g.channels = 2;
        g.height = 4;
        g.width = 4;
        g.values.resize(2 * 4 * 3);
        for (int c = 0; c < 2; ++c)
            for (int y = 0; y < 4; ++y)
                for (int x = 0; x < 3; ++x)
                    g.values[std::size_t((c * 4 + y) * 3 + x)] = float(c + 1) * float(y * 3 + x);
        // Channel means: (1 + 2)/2 · (y·3 + x) = 1.5·k for k = 0..11.
        const auto p = g.radialProfile(2);
        QCOMPARE(p.size(), std::size_t(2));
        QCOMPARE(p[0], 0.0);                                  // DC: k = 0
        QVERIFY(std::abs(p[1] - 1.5 * (66.0 / 11.0)) < 1e-9); // k = 1..11, mean 6
        // Four bands: [0,.25) DC; [.25,.5) none → NaN; [.5,.75): k = 1, 3, 4, 9, 10 ; rest in the last.
        const auto q = g.radialProfile(4);
        QCOMPARE(q[0], 0.0);
        QVERIFY(std::isnan(q[1]));
        QVERIFY(std::abs(q[2] - 1.5 * (1 + 3 + 4 + 9 + 10) / 5.0) < 1e-9);
        QVERIFY(std::abs(q[3] - 1.5 * (2 + 5 + 6 + 7 + 8 + 11) / 6.0) < 1e-9);
    }

    void identityIsOneEverywhere()
    {
        GainMap g;
        g.channels = 3;
        g.height = 7;
        g.width = 9;
        g.values.assign(std::size_t(3 * 7 * 5), 1.0f);
        for (double v : g.radialProfile(8))
            QCOMPARE(v, 1.0);
        const cv::Mat full = g.fullShifted();
        QCOMPARE(full.rows, 7);
        QCOMPARE(full.cols, 9);
        double lo = 0, hi = 0;
        cv::minMaxLoc(full, &lo, &hi);
        QCOMPARE(lo, 1.0);
        QCOMPARE(hi, 1.0);
    }

    void fullViewMirrorsTheHalfSpectrum()
    {
        GainMap g;
        g.channels = 1;
        g.height = 4;
        g.width = 4;
        g.values.resize(12);
        for (int k = 0; k < 12; ++k)
            g.values[std::size_t(k)] = float(k);
        const cv::Mat full = g.fullShifted(0);
        // Shifted: row r ↔ unshifted (r + 2) mod 4, column c ↔ (c + 2) mod 4. Unshifted (y, 3)
        // mirrors (−y mod 4, 1).
        QCOMPARE(full.at<float>(2, 2), g.at(0, 0, 0)); // DC
        QCOMPARE(full.at<float>(2, 3), g.at(0, 0, 1));
        QCOMPARE(full.at<float>(2, 1), g.at(0, 0, 1)); // unshifted (0, 3) = mirror of (0, 1)
        QCOMPARE(full.at<float>(3, 1), g.at(0, 3, 1)); // unshifted (1, 3) = mirror of (3, 1)
        QCOMPARE(full.at<float>(0, 0), g.at(0, 2, 2)); // unshifted (2, 2): Nyquist corner
    }

    void filesRoundTripAndDamageIsReported()
    {
        QTemporaryDir dir;
        GainMap g;
        g.channels = 3;
        g.height = 6;
        g.width = 5;
        for (int k = 0; k < 3 * 6 * 3; ++k)
            g.values.push_back(1.0f + 0.01f * float(k));
        const QString run = dir.path();
        QVERIFY(saveGainMap(g, gainSnapshotPath(run, 2)).ok());
        QVERIFY(saveGainMap(g, gainSnapshotPath(run, 10)).ok());
        QVERIFY(saveGainMap(g, gainSnapshotPath(run, 1)).ok());
        QCOMPARE(gainSnapshotEpochs(run), (std::vector<int>{1, 2, 10}));
        const auto back = loadGainMap(gainSnapshotPath(run, 10));
        QVERIFY2(back.ok(), qPrintable(back.error().message()));
        QCOMPARE(back->channels, 3);
        QCOMPARE(back->height, 6);
        QCOMPARE(back->width, 5);
        QCOMPARE(back->values, g.values);

        QFile f(gainSnapshotPath(run, 2));
        QVERIFY(f.open(QIODevice::ReadWrite));
        f.resize(f.size() - 4); // truncated
        f.close();
        const auto truncated = loadGainMap(gainSnapshotPath(run, 2));
        QCOMPARE(truncated.error().code, ErrorCode::Malformed);
        QCOMPARE(truncated.error().file, gainSnapshotPath(run, 2));
        QVERIFY(test::writeText(gainSnapshotPath(run, 1), "not a gain map at all"));
        QCOMPARE(loadGainMap(gainSnapshotPath(run, 1)).error().code, ErrorCode::Malformed);
        QCOMPARE(loadGainMap(gainSnapshotPath(run, 99)).error().code, ErrorCode::NotFound);
        GainMap empty;
        QVERIFY(!saveGainMap(empty, dir.filePath(QStringLiteral("x.bin"))).ok());
    }
};

QTEST_GUILESS_MAIN(TestGainMap)
#include "tst_gainmap.moc"
