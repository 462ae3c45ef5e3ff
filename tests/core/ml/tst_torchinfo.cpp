// LibTorch links and computes; thread configuration takes effect.
#include "core/ml/torchinfo.h"

#include <QtTest/QtTest>

class TestTorchInfo : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void versionIsOneThirteen()
    {
        const auto info = fopro::ml::torchInfo();
        QVERIFY2(QString::fromStdString(info.version).startsWith(QLatin1String("1.13")), info.version.c_str());
    }
    void computesAMatrixProduct()
    {
        // [[1,2],[3,4]]·[[5,6],[7,8]] = [[19,22],[43,50]], sum 134 (by hand).
        QCOMPARE(fopro::ml::torchSelfCheck(), 134.0);
    }
    void setsThreadsExplicitly()
    {
        fopro::ml::configureTorchThreads(2);
        QCOMPARE(fopro::ml::torchInfo().intraOpThreads, 2);
        fopro::ml::configureTorchThreads(1);
        QCOMPARE(fopro::ml::torchInfo().intraOpThreads, 1);
    }
};

QTEST_GUILESS_MAIN(TestTorchInfo)
#include "tst_torchinfo.moc"
