// Study packages: what writeStudyPackage copies and lists, and what verifyStudyPackage catches.
// Hashes are checked against SHA-256 values known independently of this code: the FIPS 180-2
// test vector SHA-256("abc") = ba7816bf...f20015ad, and SHA-256 of the empty string e3b0c442...b855.
#include "core/common/fileio.h"
#include "core/project/runfolder.h"
#include "core/project/studypackage.h"
#include "tests/support/testsupport.h"

#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtTest/QtTest>

using fopro::ErrorCode;
using namespace fopro::project;

namespace {

const QString kAbc = QStringLiteral("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
const QString kEmpty = QStringLiteral("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");

QJsonObject readJson(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return {};
    return QJsonDocument::fromJson(f.readAll()).object();
}

} // namespace

class TestStudyPackage : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_tmp.isValid());
        // A run whose dataset manifest holds "abc" (the package copies it byte for byte; nothing
        // here parses it), with results, epochs and an exported model with its sidecar.
        m_manifest = m_tmp.filePath(QStringLiteral("data/manifest.json"));
        QVERIFY(fopro::test::writeText(m_manifest, "abc"));
        m_run = m_tmp.filePath(QStringLiteral("run"));
        auto run = RunFolder::create(m_run);
        QVERIFY(run.ok());
        QVERIFY(
            run
                ->writeHeader(QJsonObject{
                    {QStringLiteral("config"), QJsonObject{{QStringLiteral("strategy"), QStringLiteral("bsm")}}},
                    {QStringLiteral("versions"), QJsonObject{{QStringLiteral("libtorch"), QStringLiteral("1.13.1")}}},
                    {QStringLiteral("dataset"),
                     QJsonObject{{QStringLiteral("manifest"), m_manifest}, {QStringLiteral("sha256"), kAbc}}}})
                .ok());
        QVERIFY(fopro::test::writeText(run->metricsFile(QStringLiteral("test")), "{\"accuracy\": 0.5}"));
        QVERIFY(fopro::test::writeText(run->predictionsFile(QStringLiteral("test")), "sample,true,predicted\n"));
        QVERIFY(fopro::test::writeText(run->resultsDir() + QStringLiteral("/ignored.txt"), "not a result"));
        QVERIFY(fopro::test::writeText(run->epochsFile(), "epoch\n1\n"));
        m_model = m_tmp.filePath(QStringLiteral("export/model.pt"));
        QVERIFY(fopro::test::writeText(m_model, ""));
        QVERIFY(fopro::test::writeText(m_tmp.filePath(QStringLiteral("export/model.json")), "{}"));
        m_report = m_tmp.filePath(QStringLiteral("report.html"));
        QVERIFY(fopro::test::writeText(m_report, "<html></html>"));
    }

    void writesAndVerifies()
    {
        const QString out = m_tmp.filePath(QStringLiteral("package"));
        auto written = writeStudyPackage({m_run, m_model, {m_report}}, out);
        QVERIFY2(written.ok(), qPrintable(written.error().message()));
        QCOMPARE(*written, QDir(out).absolutePath());
        QVERIFY(isStudyPackage(out));
        QVERIFY(!isStudyPackage(m_run));

        const QJsonObject json = readJson(out + QStringLiteral("/package.json"));
        QCOMPARE(json.value(QStringLiteral("format")).toString(), QStringLiteral("fopro-study-package"));
        const QJsonObject dataset = json.value(QStringLiteral("dataset")).toObject();
        QCOMPARE(dataset.value(QStringLiteral("manifest")).toString(), QStringLiteral("dataset/manifest.json"));
        QCOMPARE(dataset.value(QStringLiteral("sha256")).toString(), kAbc);
        QCOMPARE(dataset.value(QStringLiteral("recordedSha256")).toString(), kAbc);
        QCOMPARE(dataset.value(QStringLiteral("originalManifest")).toString(),
                 QFileInfo(m_manifest).absoluteFilePath());
        QCOMPARE(json.value(QStringLiteral("model")).toString(), QStringLiteral("model/model.pt"));
        QCOMPARE(json.value(QStringLiteral("run")).toObject().value(QStringLiteral("strategy")).toString(),
                 QStringLiteral("bsm"));
        const QJsonObject versions = json.value(QStringLiteral("versions")).toObject();
        QCOMPARE(versions.value(QStringLiteral("libtorch")).toString(), QStringLiteral("1.13.1"));
        QVERIFY(versions.value(QStringLiteral("packagedWith")).toObject().contains(QStringLiteral("qt")));

        // Every file but package.json, sorted, with its hash and size; results/ keeps .csv and
        // .json only.
        QStringList paths;
        QHash<QString, QString> hashes;
        for (const QJsonValue &v : json.value(QStringLiteral("files")).toArray()) {
            paths << v.toObject().value(QStringLiteral("path")).toString();
            hashes.insert(paths.back(), v.toObject().value(QStringLiteral("sha256")).toString());
        }
        QCOMPARE(paths, (QStringList{QStringLiteral("config.json"), QStringLiteral("dataset/manifest.json"),
                                     QStringLiteral("epochs.csv"), QStringLiteral("manifest.sha256"),
                                     QStringLiteral("model/model.json"), QStringLiteral("model/model.pt"),
                                     QStringLiteral("reports/report.html"), QStringLiteral("results/test_metrics.json"),
                                     QStringLiteral("results/test_predictions.csv")}));
        QCOMPARE(hashes.value(QStringLiteral("dataset/manifest.json")), kAbc);
        QCOMPARE(hashes.value(QStringLiteral("model/model.pt")), kEmpty);
        auto sums = fopro::fileio::readAll(out + QStringLiteral("/manifest.sha256"));
        QVERIFY(sums.ok());
        QCOMPARE(QString::fromUtf8(*sums), kAbc + QStringLiteral("  dataset/manifest.json\n"));
        QVERIFY(verifyStudyPackage(out).ok());
        QCOMPARE(*fileSha256(m_manifest), kAbc);

        // The folder must be new or empty.
        auto again = writeStudyPackage({m_run, {}, {}}, out);
        QVERIFY(!again.ok());
        QCOMPARE(again.error().code, ErrorCode::InvalidArgument);
    }

    void verifyCatchesChanges()
    {
        const QString out = m_tmp.filePath(QStringLiteral("tampered"));
        QVERIFY(writeStudyPackage({m_run, {}, {}}, out).ok());
        QVERIFY(verifyStudyPackage(out).ok());
        // A changed result is named with both hashes.
        const QString metrics = out + QStringLiteral("/results/test_metrics.json");
        QVERIFY(fopro::test::writeText(metrics, "{\"accuracy\": 0.9}"));
        auto r = verifyStudyPackage(out);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, ErrorCode::Malformed);
        QCOMPARE(r.error().file, metrics);
        QVERIFY(fopro::test::writeText(metrics, "{\"accuracy\": 0.5}"));
        QVERIFY(verifyStudyPackage(out).ok());
        // An added file.
        const QString extra = out + QStringLiteral("/results/extra.csv");
        QVERIFY(fopro::test::writeText(extra, "x"));
        r = verifyStudyPackage(out);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().file, extra);
        QVERIFY(QFile::remove(extra));
        // A missing file.
        const QString epochs = out + QStringLiteral("/epochs.csv");
        QVERIFY(QFile::remove(epochs));
        r = verifyStudyPackage(out);
        QCOMPARE(r.error().code, ErrorCode::NotFound);
        QCOMPARE(r.error().file, epochs);
        // Not a package.
        QCOMPARE(verifyStudyPackage(m_run).error().code, ErrorCode::NotFound);
    }

    void errorsNameTheFile()
    {
        const QString missing = m_tmp.filePath(QStringLiteral("no-report.pdf"));
        auto r = writeStudyPackage({m_run, {}, {missing}}, m_tmp.filePath(QStringLiteral("p1")));
        QCOMPARE(r.error().code, ErrorCode::NotFound);
        QCOMPARE(r.error().file, missing);
        const QString model = m_tmp.filePath(QStringLiteral("lonely/model.pt"));
        QVERIFY(fopro::test::writeText(model, "x"));
        r = writeStudyPackage({m_run, model, {}}, m_tmp.filePath(QStringLiteral("p2")));
        QCOMPARE(r.error().code, ErrorCode::NotFound);
        QCOMPARE(r.error().file, m_tmp.filePath(QStringLiteral("lonely/model.json")));
        r = writeStudyPackage({m_tmp.filePath(QStringLiteral("no-run")), {}, {}}, m_tmp.filePath(QStringLiteral("p3")));
        QVERIFY(!r.ok());
        QVERIFY(r.error().message().contains(QLatin1String("no-run")));
    }

private:
    QTemporaryDir m_tmp;
    QString m_manifest, m_run, m_model, m_report;
};

QTEST_GUILESS_MAIN(TestStudyPackage)
#include "tst_studypackage.moc"
