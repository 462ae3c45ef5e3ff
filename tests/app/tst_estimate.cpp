// `fopro train --estimate`: a dry run of a configuration gives finite, positive numbers, in JSON and
// for people, without creating the run; its disk estimate is within a factor of three of what a
// real run of the same configuration writes. With the demo teacher (when installed): its input
// size, feature size, time per image and the feature cache are part of the estimate.
#include "tests/app/clitest.h"

#include <QtCore/QJsonObject>
#include <QtTest/QtTest>

#include <cmath>

using namespace fopro::test;

namespace {

/// The one JSON object a --json / --events estimate writes on stdout.
QJsonObject estimateObject(const CliRun &r)
{
    const QList<QByteArray> lines = r.out.trimmed().split('\n');
    if (lines.size() != 1) return {};
    return QJsonDocument::fromJson(lines.front()).object();
}

bool positive(const QJsonObject &o, const char *key)
{
    const double v = o.value(QLatin1String(key)).toDouble(-1);
    return std::isfinite(v) && v > 0;
}

} // namespace

class TestEstimate : public QObject {
    Q_OBJECT
    QTemporaryDir m_tmp;
    QString m_manifest;

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_tmp.isValid());
        m_manifest = makeStripesManifest(m_tmp.filePath(QStringLiteral("data")));
        QVERIFY(!m_manifest.isEmpty());
    }

    void estimateMatchesARealRun()
    {
        const QString run = m_tmp.filePath(QStringLiteral("runs/real"));
        const QStringList args = tinyTrainArgs(m_manifest, run, 1, 0);
        const CliRun r = runCli(args + QStringList{QStringLiteral("--estimate"), QStringLiteral("--json")});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        const QJsonObject e = estimateObject(r);
        QVERIFY2(!e.isEmpty(), r.out.constData());
        for (const char *key :
             {"secondsPerBatch", "estimatedSeconds", "diskBytes", "checkpointBytes", "recordBytes", "prepareSeconds",
              "trainSecondsPerEpoch", "validationSecondsPerEpoch", "evaluationSeconds", "batchesPerEpoch"})
            QVERIFY2(positive(e, key), key);
        QCOMPARE(e.value(QStringLiteral("trainImages")).toInt(), 12);
        QCOMPARE(e.value(QStringLiteral("valImages")).toInt(), 6);
        QCOMPARE(e.value(QStringLiteral("testImages")).toInt(), 6);
        QCOMPARE(e.value(QStringLiteral("epochs")).toInt(), 1);
        QCOMPARE(e.value(QStringLiteral("batchesPerEpoch")).toInt(), 3); // 12 images in batches of 4
        QCOMPARE(e.value(QStringLiteral("hasTeacher")).toBool(), false);
        QVERIFY(!QFileInfo::exists(run)); // a dry run creates no run folder

        // The real run of the same configuration: the estimate's sizes within a factor of three.
        const CliRun real = runCli(args);
        QVERIFY2(real.code == 0, qPrintable(real.err));
        const double checkpoints = double(folderBytes(run + QStringLiteral("/checkpoints")));
        const double folder = double(folderBytes(run));
        const double estimatedCheckpoints = e.value(QStringLiteral("checkpointBytes")).toDouble();
        const double estimatedDisk = e.value(QStringLiteral("diskBytes")).toDouble();
        const QString sizes = QStringLiteral("checkpoints %1 (estimated %2), folder %3 (estimated %4)")
                                  .arg(checkpoints)
                                  .arg(estimatedCheckpoints)
                                  .arg(folder)
                                  .arg(estimatedDisk);
        qInfo("%s", qPrintable(sizes));
        QVERIFY2(estimatedCheckpoints > checkpoints / 3 && estimatedCheckpoints < checkpoints * 3, qPrintable(sizes));
        QVERIFY2(estimatedDisk > checkpoints / 3 && estimatedDisk < checkpoints * 3, qPrintable(sizes));
        QVERIFY2(estimatedDisk > folder / 3 && estimatedDisk < folder * 3, qPrintable(sizes));
    }

    void forPeopleAndForTheWorker()
    {
        const QStringList args = tinyTrainArgs(m_manifest, m_tmp.filePath(QStringLiteral("runs/never")), 5);
        CliRun r =
            runCli(args + QStringList{QStringLiteral("--estimate"), QStringLiteral("--steps"), QStringLiteral("2")});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        const QString text = QString::fromUtf8(r.out);
        QVERIFY2(text.contains(QLatin1String("Estimate    about ")), qPrintable(text));
        QVERIFY2(text.contains(QLatin1String("2 timed training step(s)")), qPrintable(text));
        QVERIFY2(text.contains(QLatin1String("5 epoch(s) x 2 batches")), qPrintable(text));
        QVERIFY2(text.contains(QLatin1String("last.ckpt with optimiser state")), qPrintable(text));
        // Worker mode: the same JSON object alone on stdout.
        r = runCli(args + QStringList{QStringLiteral("--estimate"), QStringLiteral("--events")});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY2(positive(estimateObject(r), "estimatedSeconds"), r.out.constData());
        // Usage errors.
        r = runCli(args + QStringList{QStringLiteral("--json")});
        QCOMPARE(r.code, 2);
        QVERIFY(r.err.contains(QLatin1String("--estimate")));
    }

    /// `--preset ID` lays a preset under the configuration file and the options; `--help-config`
    /// lists the keys of the registry the Training page's form is built from.
    void presetsAndTheKeyList()
    {
        const QString manifest = m_manifest;
        const QString configFile = m_tmp.filePath(QStringLiteral("override.json"));
        QFile f(configFile);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(R"({"batchSize": 8, "student": {"architecture": "cifar_resnet"}})");
        f.close();
        CliRun r = runCli({QStringLiteral("train"), QStringLiteral("--preset"), QStringLiteral("bsm-baseline"),
                           QStringLiteral("--config"), configFile, QStringLiteral("--dataset"), manifest,
                           QStringLiteral("--epochs"), QStringLiteral("7"), QStringLiteral("--print-config")});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        const QJsonObject c = QJsonDocument::fromJson(r.out).object();
        QCOMPARE(c.value(QStringLiteral("strategy")).toString(), QStringLiteral("bsm")); // the preset
        QCOMPARE(c.value(QStringLiteral("lr")).toDouble(), 3e-4);                        // the preset
        QCOMPARE(c.value(QStringLiteral("clipNorm")).toDouble(), 5.0);                   // the preset
        QCOMPARE(c.value(QStringLiteral("batchSize")).toInt(), 8);                       // the file over the preset
        QCOMPARE(c.value(QStringLiteral("student")).toObject().value(QStringLiteral("architecture")).toString(),
                 QStringLiteral("cifar_resnet"));               // the file
        QCOMPARE(c.value(QStringLiteral("epochs")).toInt(), 7); // the option over both

        r = runCli({QStringLiteral("train"), QStringLiteral("--preset"), QStringLiteral("nonsense"),
                    QStringLiteral("--dataset"), manifest, QStringLiteral("--print-config")});
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains(QLatin1String("quick-demo")) && r.err.contains(QLatin1String("nonsense")),
                 qPrintable(r.err));

        r = runCli({QStringLiteral("train"), QStringLiteral("--help-config")});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        const QString text = QString::fromUtf8(r.out);
        for (const char *key :
             {"batchSize", "ekdLambda", "teacher.outputLayer", "prompt.update", "augment.verticalFlip"})
            QVERIFY2(text.contains(QLatin1String(key)), key);
    }

    void estimateWithTheDemoTeacher()
    {
        const QString teacher = demoTeacherFile();
        if (teacher.isEmpty()) QSKIP("the demo teacher is not installed (packaging/install-deps.sh fetches it)");
        QStringList args = tinyTrainArgs(m_manifest, m_tmp.filePath(QStringLiteral("runs/ekd")), 2);
        args[args.indexOf(QStringLiteral("bsm"))] = QStringLiteral("ekd");
        args << QStringLiteral("--teacher") << teacher << QStringLiteral("--teacher-layer")
             << QStringLiteral("block_10_project_BN") << QStringLiteral("--teacher-size") << QStringLiteral("32")
             << QStringLiteral("--no-augment") << QStringLiteral("--estimate") << QStringLiteral("--json");
        const CliRun r = runCli(args);
        QVERIFY2(r.code == 0, qPrintable(r.err));
        const QJsonObject e = estimateObject(r);
        QVERIFY(e.value(QStringLiteral("hasTeacher")).toBool());
        QVERIFY(e.value(QStringLiteral("cachesTeacher")).toBool()); // EKD without augmentation caches f_t(x)
        QCOMPARE(e.value(QStringLiteral("teacherInputSize")).toInt(), 32);
        QCOMPARE(e.value(QStringLiteral("teacherFeatureDim")).toInt(), 96);
        for (const char *key : {"teacherSecondsPerImage", "teacherCacheSeconds", "teacherCacheBytes"})
            QVERIFY2(positive(e, key), key);
        // 12 × 96 float32 values plus the archive.
        QVERIFY(e.value(QStringLiteral("teacherCacheBytes")).toDouble() >= 12 * 96 * 4);
    }
};

QTEST_GUILESS_MAIN(TestEstimate)
#include "tst_estimate.moc"
