// ml::listTfjsLayers on small TF.js layers models written here: every layer in order with its class
// and its output shape in Keras' order (batch as -1) at the declared or a given input size; an op
// that cannot run at that size leaves its shape unknown; an unsupported layer leaves every shape
// unknown but the layers listed; files that are not TF.js models are errors naming the file.
#include "core/ml/teacher.h"
#include "tests/support/testsupport.h"

#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtTest/QtTest>

using fopro::ml::TeacherLayer;
using Shape = std::vector<std::int64_t>;

namespace {

QByteArray floats(int count, float start)
{
    QByteArray bytes;
    for (int i = 0; i < count; ++i) {
        const float v = start + 0.01f * float(i % 17);
        bytes.append(reinterpret_cast<const char *>(&v), sizeof v);
    }
    return bytes;
}

QJsonObject weight(const QString &name, const QJsonArray &shape)
{
    return {{"name", name}, {"shape", shape}, {"dtype", "float32"}};
}

/// A Sequential model: 8×8×3 input → Conv2D(4, 3×3, stride 2, same) → Flatten → Dense(2), plus
/// `extra` layers (Keras layer objects) after the Dense.
bool writeModel(const QString &dir, const QJsonArray &extra = {})
{
    QJsonArray layers{
        QJsonObject{{"class_name", "Conv2D"},
                    {"config", QJsonObject{{"name", "conv"},
                                           {"batch_input_shape", QJsonArray{QJsonValue(), 8, 8, 3}},
                                           {"filters", 4},
                                           {"kernel_size", QJsonArray{3, 3}},
                                           {"strides", QJsonArray{2, 2}},
                                           {"padding", "same"},
                                           {"activation", "relu"}}}},
        QJsonObject{{"class_name", "Flatten"}, {"config", QJsonObject{{"name", "flat"}}}},
        QJsonObject{{"class_name", "Dense"}, {"config", QJsonObject{{"name", "dense"}, {"units", 2}}}},
    };
    for (const QJsonValue &l : extra)
        layers.append(l);
    const QJsonArray weights{weight("conv/kernel", {3, 3, 3, 4}), weight("conv/bias", {4}),
                             weight("dense/kernel", {64, 2}), weight("dense/bias", {2})};
    const QByteArray shard = floats(108, -0.1f) + floats(4, 0.0f) + floats(128, -0.05f) + floats(2, 0.0f);
    const QJsonObject model{
        {"format", "layers-model"},
        {"modelTopology",
         QJsonObject{{"class_name", "Sequential"}, {"config", QJsonObject{{"name", "tiny"}, {"layers", layers}}}}},
        {"weightsManifest", QJsonArray{QJsonObject{{"paths", QJsonArray{"shard.bin"}}, {"weights", weights}}}}};
    return fopro::test::writeText(dir + "/model.json", QJsonDocument(model).toJson()) &&
           fopro::test::writeText(dir + "/shard.bin", shard);
}

QStringList names(const std::vector<TeacherLayer> &layers)
{
    QStringList n;
    for (const TeacherLayer &l : layers)
        n << l.name;
    return n;
}

} // namespace

class TestTfjsLayers : public QObject {
    Q_OBJECT
    QTemporaryDir m_tmp;

private Q_SLOTS:
    void layersAndShapes()
    {
        const QString dir = m_tmp.filePath("tiny");
        QVERIFY(writeModel(dir));
        auto layers = fopro::ml::listTfjsLayers(dir + "/model.json");
        QVERIFY2(layers.ok(), qPrintable(layers.error().message()));
        QCOMPARE(names(*layers), (QStringList{"input", "conv", "flat", "dense"}));
        QCOMPARE((*layers)[0].className, QStringLiteral("InputLayer"));
        QCOMPARE((*layers)[1].className, QStringLiteral("Conv2D"));
        QCOMPARE((*layers)[0].outputShape, (Shape{-1, 8, 8, 3}));
        QCOMPARE((*layers)[1].outputShape, (Shape{-1, 4, 4, 4}));
        QCOMPARE((*layers)[2].outputShape, (Shape{-1, 64}));
        QCOMPARE((*layers)[3].outputShape, (Shape{-1, 2}));
    }

    void anotherSize()
    {
        const QString dir = m_tmp.filePath("tiny16");
        QVERIFY(writeModel(dir));
        auto layers = fopro::ml::listTfjsLayers(dir + "/model.json", 16);
        QVERIFY(layers.ok());
        QCOMPARE((*layers)[1].outputShape, (Shape{-1, 8, 8, 4}));
        QCOMPARE((*layers)[2].outputShape, (Shape{-1, 256}));
        QVERIFY((*layers)[3].outputShape.empty()); // the Dense expects 64 inputs: unknown at 16 px
    }

    void unsupportedLayerStillListed()
    {
        const QString dir = m_tmp.filePath("lstm");
        QVERIFY(writeModel(dir, {QJsonObject{{"class_name", "LSTM"}, {"config", QJsonObject{{"name", "memory"}}}}}));
        auto layers = fopro::ml::listTfjsLayers(dir + "/model.json");
        QVERIFY(layers.ok());
        QCOMPARE(names(*layers), (QStringList{"input", "conv", "flat", "dense", "memory"}));
        QCOMPARE((*layers)[4].className, QStringLiteral("LSTM"));
        for (const TeacherLayer &l : *layers)
            QVERIFY(l.outputShape.empty());
    }

    void notAModel()
    {
        const QString missing = m_tmp.filePath("missing/model.json");
        auto r = fopro::ml::listTfjsLayers(missing);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, fopro::ErrorCode::NotFound);
        QCOMPARE(r.error().file, missing);
        const QString other = m_tmp.filePath("other.json");
        QVERIFY(fopro::test::writeText(other, "{\"hello\": 1}"));
        r = fopro::ml::listTfjsLayers(other);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, fopro::ErrorCode::Malformed);
        QVERIFY(r.error().detail.contains(QLatin1String("modelTopology")));
    }
};

QTEST_GUILESS_MAIN(TestTfjsLayers)
#include "tst_tfjslayers.moc"
