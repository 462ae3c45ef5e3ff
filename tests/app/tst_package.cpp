// Study packages from the command line: `fopro package RUN OUT` and `fopro eval PACKAGE` on a tiny
// run trained here. The re-check re-runs the packaged (exported) model on the test split of the
// packaged manifest: the exported TorchScript computes what the run's student computed, so the
// metrics must come out identical; a package whose file changed is refused naming the file; a
// package whose packaged metrics are not what the model gives lists the differences.
#include "tests/app/clitest.h"

#include <QtCore/QJsonArray>
#include <QtTest/QtTest>

using namespace fopro::test;

namespace {

QJsonObject readJson(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return {};
    return QJsonDocument::fromJson(f.readAll()).object();
}

bool writeJson(const QString &path, const QJsonObject &o)
{
    return writeText(path, QJsonDocument(o).toJson());
}

} // namespace

class TestPackage : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_tmp.isValid());
        m_manifest = makeStripesManifest(m_tmp.filePath(QStringLiteral("data")));
        QVERIFY(!m_manifest.isEmpty());
        m_run = m_tmp.filePath(QStringLiteral("run"));
        CliRun r = runCli(tinyTrainArgs(m_manifest, m_run, 2));
        QVERIFY2(r.code == 0, qPrintable(r.err));
        r = runCli({QStringLiteral("export"), m_run});
        QVERIFY2(r.code == 0, qPrintable(r.err));
    }

    void packageAndRecheck()
    {
        const QString package = m_tmp.filePath(QStringLiteral("package"));
        const QString report = m_tmp.filePath(QStringLiteral("report.html"));
        QVERIFY(writeText(report, "<html>report</html>"));
        CliRun r = runCli({QStringLiteral("package"), m_run, package, QStringLiteral("--report"), report});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY(QFile::exists(package + QStringLiteral("/model/model.pt"))); // the run's export by default
        QVERIFY(QFile::exists(package + QStringLiteral("/reports/report.html")));
        QVERIFY(QFile::exists(package + QStringLiteral("/results/test_predictions.csv")));

        r = runCli({QStringLiteral("eval"), package});
        QVERIFY2(r.code == 0, qPrintable(r.err + QString::fromUtf8(r.out)));
        const QString out = QString::fromUtf8(r.out);
        QVERIFY2(out.contains(QLatin1String("files verified")), qPrintable(out));
        QVERIFY2(out.contains(QLatin1String("re-checked: identical")), qPrintable(out));
        // 2 × 12 images split 50/25/25: 6 test images.
        QVERIFY2(out.contains(QLatin1String("Test split  6 images")), qPrintable(out));

        // A changed file: refused, naming it.
        const QString metrics = package + QStringLiteral("/results/test_metrics.json");
        QJsonObject m = readJson(metrics);
        m.insert(QStringLiteral("accuracy"), 0.123);
        QVERIFY(writeJson(metrics, m));
        r = runCli({QStringLiteral("eval"), package});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains(metrics) && r.err.contains(QLatin1String("SHA-256")), qPrintable(r.err));
    }

    void differencesAreListed()
    {
        // A copy of the run whose recorded test metrics are not what its model gives.
        const QString run = m_tmp.filePath(QStringLiteral("run-edited"));
        QVERIFY(QDir().mkpath(run));
        QDirIterator it(m_run, QDir::Files, QDirIterator::Subdirectories);
        while (it.hasNext()) {
            const QString file = it.next();
            const QString target = run + QLatin1Char('/') + QDir(m_run).relativeFilePath(file);
            QVERIFY(QDir().mkpath(QFileInfo(target).absolutePath()));
            QVERIFY(QFile::copy(file, target));
        }
        const QString metrics = run + QStringLiteral("/results/test_metrics.json");
        QJsonObject m = readJson(metrics);
        const double accuracy = m.value(QStringLiteral("accuracy")).toDouble();
        m.insert(QStringLiteral("accuracy"), accuracy + 0.25);
        QVERIFY(writeJson(metrics, m));
        const QString package = m_tmp.filePath(QStringLiteral("package-edited"));
        CliRun r = runCli({QStringLiteral("package"), run, package, QStringLiteral("--model"),
                           m_run + QStringLiteral("/export/model.pt")});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        r = runCli({QStringLiteral("eval"), package});
        QCOMPARE(r.code, 1);
        const QString out = QString::fromUtf8(r.out);
        QVERIFY2(out.contains(QLatin1String("1 difference(s)")), qPrintable(out));
        QVERIFY2(out.contains(QStringLiteral("accuracy: packaged %1, re-checked %2")
                                  .arg(QString::number(accuracy + 0.25, 'g', 10), QString::number(accuracy, 'g', 10))),
                 qPrintable(out));
    }

    void usageErrors()
    {
        CliRun r = runCli({QStringLiteral("package"), m_run});
        QCOMPARE(r.code, 2);
        r = runCli({QStringLiteral("package"), m_tmp.filePath(QStringLiteral("nothing")),
                    m_tmp.filePath(QStringLiteral("p"))});
        QCOMPARE(r.code, 1);
        QVERIFY(r.err.contains(QLatin1String("nothing")));
        // A run folder still goes to the run evaluation.
        r = runCli({QStringLiteral("eval"), m_run});
        QVERIFY2(r.code == 0, qPrintable(r.err));
    }

private:
    QTemporaryDir m_tmp;
    QString m_manifest, m_run;
};

QTEST_GUILESS_MAIN(TestPackage)
#include "tst_package.moc"
