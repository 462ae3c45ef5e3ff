// The headless tool as a user runs it: help everywhere, one-line errors with non-zero exits, and
// inspect / split / longtail / dedup on a dataset written here.
#include "core/data/datasetindex.h"
#include "tests/support/testsupport.h"

#include <QtTest/QtTest>

using fopro::test::patternImage;
using fopro::test::writeImage;

namespace {

struct Run {
    int code = -1;
    QString out;
    QString err;
};

Run runCli(const QStringList &args)
{
    QString exe = qEnvironmentVariable("FOPRO_CLI");
    if (exe.isEmpty()) exe = QStringLiteral(FOPRO_BINARY_DIR "/app/fopro");
    QProcess p;
    p.start(exe, args);
    if (!p.waitForFinished(120000)) return {};
    return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -2, QString::fromUtf8(p.readAllStandardOutput()),
            QString::fromUtf8(p.readAllStandardError())};
}

} // namespace

class TestCli : public QObject {
    Q_OBJECT
    QTemporaryDir m_tmp;
    QString m_data;

private Q_SLOTS:
    void initTestCase()
    {
        // A long-tailed folder dataset: 30 / 12 / 4 images; one exact copy across folders; one
        // patient group with two images.
        m_data = m_tmp.filePath(QStringLiteral("skin"));
        int seed = 0;
        const std::vector<std::pair<QString, int>> classes = {{"nevus", 30}, {"melanoma", 12}, {"dermatofibroma", 4}};
        for (const auto &[cls, n] : classes)
            for (int i = 0; i < n; ++i)
                QVERIFY(writeImage(QStringLiteral("%1/%2/%2_%3.png").arg(m_data, cls).arg(i), patternImage(64, 48, seed++)));
        QVERIFY(QFile::copy(m_data + QStringLiteral("/nevus/nevus_0.png"), m_data + QStringLiteral("/melanoma/copy_of_nevus_0.png")));
    }

    void helpEverywhere()
    {
        for (const QStringList &args : {QStringList{"--help"}, QStringList{"dataset", "inspect", "--help"},
                                        QStringList{"dataset", "split", "--help"}, QStringList{"dataset", "longtail", "--help"},
                                        QStringList{"dataset", "dedup", "--help"}, QStringList{"demo", "--help"}}) {
            const Run r = runCli(args);
            QVERIFY2(r.code == 0, qPrintable(args.join(QLatin1Char(' ')) + QStringLiteral(": ") + r.err));
            QVERIFY(r.out.contains(QLatin1String("Usage")) || r.out.contains(QLatin1String("Options")));
        }
    }

    void errorsAreOneLineNamingTheCause()
    {
        const QString missing = m_tmp.filePath(QStringLiteral("does-not-exist"));
        Run r = runCli({QStringLiteral("dataset"), QStringLiteral("inspect"), missing});
        QCOMPARE(r.code, 1);
        QCOMPARE(r.err.count(QLatin1Char('\n')), 1);
        QVERIFY(r.err.startsWith(QLatin1String("fopro: error: ")));
        QVERIFY(r.err.contains(missing));
        r = runCli({QStringLiteral("frobnicate")});
        QCOMPARE(r.code, 2);
        QVERIFY(r.err.contains(QLatin1String("frobnicate")));
        r = runCli({QStringLiteral("dataset"), QStringLiteral("split"), m_data});
        QCOMPARE(r.code, 2);
        QVERIFY(r.err.contains(QLatin1String("--out")));
        r = runCli({QStringLiteral("dataset"), QStringLiteral("longtail"), m_data, QStringLiteral("--factor"), QStringLiteral("3"),
                   QStringLiteral("--out"), m_tmp.filePath(QStringLiteral("x.json"))});
        QCOMPARE(r.code, 2);
        QVERIFY(r.err.contains(QLatin1String("--factor")));
    }

    void inspectJson()
    {
        const Run r = runCli({QStringLiteral("dataset"), QStringLiteral("inspect"), m_data, QStringLiteral("--json")});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        const QJsonObject o = QJsonDocument::fromJson(r.out.toUtf8()).object();
        QCOMPARE(o.value(QStringLiteral("format")).toString(), QStringLiteral("folder"));
        QCOMPARE(o.value(QStringLiteral("images")).toInt(), 47);
        const QJsonArray classes = o.value(QStringLiteral("classes")).toArray();
        QCOMPARE(classes.size(), 3);
        QCOMPARE(classes[0].toObject().value(QStringLiteral("name")).toString(), QStringLiteral("nevus"));
        QCOMPARE(classes[0].toObject().value(QStringLiteral("count")).toInt(), 30);
        QCOMPARE(classes[2].toObject().value(QStringLiteral("group")).toString(), QStringLiteral("tail")); // 4 < 20
        QCOMPARE(o.value(QStringLiteral("imbalanceRatio")).toDouble(), 7.5);                              // 30 / 4
        const QJsonObject dup = o.value(QStringLiteral("duplicates")).toObject();
        QCOMPARE(dup.value(QStringLiteral("exactClusters")).toInt(), 1);
    }

    void inspectTable()
    {
        const Run r = runCli({QStringLiteral("dataset"), QStringLiteral("inspect"), m_data});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY(r.out.contains(QLatin1String("Imbalance   7.5 (nevus 30 : dermatofibroma 4)")));
        QVERIFY(r.out.contains(QLatin1String("1 exact")));
    }

    void splitFolds()
    {
        const QString out = m_tmp.filePath(QStringLiteral("folds"));
        const Run r = runCli({QStringLiteral("dataset"), QStringLiteral("split"), m_data, QStringLiteral("--folds"), QStringLiteral("3"),
                             QStringLiteral("--seed"), QStringLiteral("7"), QStringLiteral("--out"), out});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        int testTotal = 0;
        for (int k = 1; k <= 3; ++k) {
            auto fold = fopro::data::DatasetIndex::load(QStringLiteral("%1/fold_%2.json").arg(out).arg(k));
            QVERIFY(fold.ok());
            const auto test = fold->classCounts(fopro::data::Split::Test);
            for (int c : test) QVERIFY(c > 0); // every class in every fold (all have >= 3 images)
            for (int c : test) testTotal += c;
        }
        QCOMPARE(testTotal, 47); // the folds partition the dataset
        QVERIFY(QFile::exists(out + QStringLiteral("/folds.csv")));
    }

    void longTailAndDedup()
    {
        const QString manifest = m_tmp.filePath(QStringLiteral("lt.json"));
        Run r = runCli({QStringLiteral("dataset"), QStringLiteral("longtail"), m_data, QStringLiteral("--factor"), QStringLiteral("0.1"),
                       QStringLiteral("--out"), manifest});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        auto lt = fopro::data::DatasetIndex::load(manifest);
        QVERIFY(lt.ok());
        // Ranked: nevus 30, melanoma 13 (12 + the copy), dermatofibroma 4; classes sorted by name.
        // n_i = min(available_i, floor(30 * 0.1^(i/2))): 30, min(13, 9) = 9, min(4, 3) = 3.
        QCOMPARE(lt->classCounts(fopro::data::Split::Train), (std::vector<int>{3, 9, 30}));
        r = runCli({QStringLiteral("dataset"), QStringLiteral("dedup"), m_data, QStringLiteral("--exact-only")});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY(r.out.contains(QLatin1String("copy_of_nevus_0.png")));
    }
};

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
