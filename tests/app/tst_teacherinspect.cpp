// `fopro teacher inspect` on the demo teacher (skipped when it is not installed): every layer with
// its class and output shape, the suggested feature layer, and the feature size and time per image at
// a chosen layer and input size; a copy elsewhere is not "the demo teacher"; errors name the cause.
#include "tests/app/clitest.h"

#include <QtCore/QJsonArray>
#include <QtCore/QJsonObject>
#include <QtTest/QtTest>

using namespace fopro::test;

namespace {

const QString kLayer = QStringLiteral("block_10_project_BN");

QJsonObject inspectJson(const QStringList &args, CliRun *run = nullptr)
{
    const CliRun r = runCli(QStringList{QStringLiteral("teacher"), QStringLiteral("inspect")} + args +
                            QStringList{QStringLiteral("--json")});
    if (run) *run = r;
    return QJsonDocument::fromJson(r.out).object();
}

QJsonObject layerNamed(const QJsonObject &o, const QString &name)
{
    for (const QJsonValue &v : o.value(QStringLiteral("layers")).toArray())
        if (v.toObject().value(QStringLiteral("name")).toString() == name) return v.toObject();
    return {};
}

} // namespace

class TestTeacherInspect : public QObject {
    Q_OBJECT
    QString m_teacher;
    QTemporaryDir m_tmp;

private Q_SLOTS:
    void initTestCase()
    {
        m_teacher = demoTeacherFile();
        if (m_teacher.isEmpty()) QSKIP("the demo teacher is not installed (packaging/install-deps.sh fetches it)");
    }

    void demoTeacherLayers()
    {
        CliRun r;
        const QJsonObject o = inspectJson({QFileInfo(m_teacher).absolutePath()}, &r); // the folder works too
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QCOMPARE(o.value(QStringLiteral("kind")).toString(), QStringLiteral("tfjs"));
        QCOMPARE(o.value(QStringLiteral("suggestedLayer")).toString(), kLayer);
        QCOMPARE(o.value(QStringLiteral("inputSize")).toInt(), 224);
        QVERIFY(o.value(QStringLiteral("featureDim")).toInt() > 0);
        QVERIFY(o.value(QStringLiteral("msPerImage")).toDouble() > 0);
        const QJsonArray layers = o.value(QStringLiteral("layers")).toArray();
        QVERIFY(layers.size() > 100);
        // Topological order: the input first; every layer has a class and a shape (batch as null).
        QCOMPARE(layers.first().toObject().value(QStringLiteral("class")).toString(), QStringLiteral("InputLayer"));
        for (const QJsonValue &v : layers) {
            const QJsonObject l = v.toObject();
            QVERIFY(!l.value(QStringLiteral("class")).toString().isEmpty());
            const QJsonArray shape = l.value(QStringLiteral("outputShape")).toArray();
            QVERIFY2(shape.size() >= 2 && shape.first().isNull(),
                     qPrintable(l.value(QStringLiteral("name")).toString()));
        }
        // MobileNetV2 at 224 px: block 10's projection is 14 × 14 × 96.
        const QJsonObject block10 = layerNamed(o, kLayer);
        QCOMPARE(block10.value(QStringLiteral("class")).toString(), QStringLiteral("BatchNormalization"));
        QCOMPARE(block10.value(QStringLiteral("outputShape")).toArray(),
                 (QJsonArray{QJsonValue(QJsonValue::Null), 14, 14, 96}));
    }

    void chosenLayerAndSize()
    {
        CliRun r;
        const QJsonObject o = inspectJson(
            {m_teacher, QStringLiteral("--layer"), kLayer, QStringLiteral("--size"), QStringLiteral("64")}, &r);
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QCOMPARE(o.value(QStringLiteral("layer")).toString(), kLayer);
        QCOMPARE(o.value(QStringLiteral("featureDim")).toInt(), 96);
        QCOMPARE(o.value(QStringLiteral("inputSize")).toInt(), 64);
        QVERIFY(o.value(QStringLiteral("msPerImage")).toDouble() > 0);
        QCOMPARE(layerNamed(o, kLayer).value(QStringLiteral("outputShape")).toArray(),
                 (QJsonArray{QJsonValue(QJsonValue::Null), 4, 4, 96})); // shapes at the chosen size

        // For people: the table marks the feature layer and the suggested one.
        r = runCli(
            {QStringLiteral("teacher"), QStringLiteral("inspect"), m_teacher, QStringLiteral("--layer"), kLayer});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        const QString text = QString::fromUtf8(r.out);
        QVERIFY2(text.contains(QLatin1String("<- feature, suggested")), qPrintable(text));
        QVERIFY2(text.contains(QLatin1String("Suggested   --teacher-layer block_10_project_BN")), qPrintable(text));
    }

    void aCopyIsNotTheDemoTeacher()
    {
        const QString dir = m_tmp.filePath(QStringLiteral("my-teacher"));
        QVERIFY(QDir().mkpath(dir));
        for (const QFileInfo &f : QDir(QFileInfo(m_teacher).absolutePath()).entryInfoList(QDir::Files))
            QVERIFY(QFile::copy(f.absoluteFilePath(), dir + QLatin1Char('/') + f.fileName()));
        CliRun r;
        const QJsonObject o = inspectJson({dir + QStringLiteral("/model.json")}, &r);
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QCOMPARE(o.value(QStringLiteral("suggestedLayer")).toString(), QString());
        QVERIFY(!layerNamed(o, kLayer).isEmpty());
    }

    void errors()
    {
        CliRun r = runCli({QStringLiteral("teacher"), QStringLiteral("inspect"), m_teacher, QStringLiteral("--layer"),
                           QStringLiteral("no_such_layer")});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains(QLatin1String("no_such_layer")), qPrintable(r.err));
        r = runCli({QStringLiteral("teacher"), QStringLiteral("inspect"), m_tmp.filePath(QStringLiteral("missing"))});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains(QLatin1String("missing")), qPrintable(r.err));
        r = runCli({QStringLiteral("teacher"), QStringLiteral("frobnicate")});
        QCOMPARE(r.code, 2);
    }
};

QTEST_GUILESS_MAIN(TestTeacherInspect)
#include "tst_teacherinspect.moc"
