// Grad-CAM on networks built by hand so that the answer is known: a bright square patch in a random
// corner of a dark noisy image is the only thing the networks respond to, so the heat must sit on
// the patch.
//  - A student (CIFAR ResNet) whose weights are set by hand and exported: the stem's channel 0 is
//    relu(mean intensity − 0.5) (≈ 0.5 on the patch, 0 on the background, whose pixels are ≤ 0.4),
//    every residual branch is zero and every shortcut passes channel c on as channel c, so layer4's
//    channel 0 is the stem's channel 0 subsampled by 8; fc gives class 1 the logit 10·GAP(channel 0)
//    and class 0 the logit 0. For class 1, ∂logit/∂A_0 = 10/(h·w) > 0 and 0 for every other channel:
//    heat = A_0 (normalised), non-zero exactly on the patch's cells. For class 0 every weight is 0:
//    the heat is all zero.
//  - A TorchScript teacher (conv 1×1 detector, ReLU, global pooling) and a TF.js teacher (Conv2D 1×1
//    with ReLU, GlobalAveragePooling2D) computing the same detector: the explained score ‖GAP(A)‖²
//    has ∂/∂A_0 = 2·GAP(A_0)/(h·w) > 0, so again heat = A_0 / max = 1 on the patch, 0 elsewhere.
#include <torch/script.h>
#include <torch/torch.h>

#include "core/ml/export.h"
#include "core/ml/gradcam.h"
#include "core/ml/models.h"
#include "core/ml/trainconfig.h"
#include "core/project/runfolder.h"
#include "tests/support/testsupport.h"

#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtTest/QtTest>

#include <random>

using fopro::ErrorCode;
using fopro::ml::GradCam;
using fopro::ml::Student;
using fopro::ml::StudentConfig;

namespace {

constexpr int kSide = 64;  // image side = the networks' input side
constexpr int kPatch = 16; // the bright patch (aligned to layer4's 8-pixel cells)

/// A dark noisy image (values 0..102 ≈ ≤ 0.4) with a white kPatch×kPatch square in corner `corner`
/// (0 top-left, 1 top-right, 2 bottom-left, 3 bottom-right). Returns the patch's rectangle.
cv::Rect patchImage(cv::Mat &rgb, int corner, unsigned seed)
{
    std::mt19937 rng(seed);
    std::uniform_int_distribution<int> noise(0, 102);
    rgb.create(kSide, kSide, CV_8UC3);
    for (int y = 0; y < kSide; ++y)
        for (int x = 0; x < kSide; ++x)
            for (int c = 0; c < 3; ++c)
                rgb.at<cv::Vec3b>(y, x)[c] = uchar(noise(rng));
    const cv::Rect patch(corner % 2 ? kSide - kPatch : 0, corner / 2 ? kSide - kPatch : 0, kPatch, kPatch);
    rgb(patch).setTo(cv::Scalar(255, 255, 255));
    return patch;
}

StudentConfig detectorConfig()
{
    StudentConfig c;
    c.architecture = "cifar_resnet";
    c.widthMultiplier = 0.25;
    c.numClasses = 2;
    c.cifarBlocks = {{1, 1, 1, 1}};
    c.seed = 3;
    return c;
}

/// The hand-set student described at the top.
void setDetectorWeights(Student &s)
{
    torch::NoGradGuard noGrad;
    for (auto &[name, t] : s.namedState()) {
        const auto ends = [&](const std::string &suffix) {
            return name.size() >= suffix.size() &&
                   name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
        };
        if (ends("running_var") || (t.dim() == 1 && ends(".weight") && name.find("bn") != std::string::npos) ||
            (name.find("downsample.1.weight") != std::string::npos))
            t.fill_(1); // batch norm: identity scale and variance
        else if (t.is_floating_point())
            t.zero_();
        if (name.find("downsample.0.weight") != std::string::npos)
            for (int64_t c = 0; c < t.size(1); ++c)
                t[c][c][0][0] = 1; // channel c → channel c
    }
    for (auto &[name, t] : s.namedState()) {
        if (name == "conv1.weight")
            for (int c = 0; c < 3; ++c)
                t[0][c][1][1] = 1.0 / 3.0; // centre tap: mean intensity
        if (name == "bn1.bias") t[0] = -0.5;
        if (name == "fc.weight") t[1][0] = 10;
    }
}

fopro::ml::ExportInfo detectorInfo()
{
    fopro::ml::ExportInfo info;
    info.classNames = {QStringLiteral("plain"), QStringLiteral("patch")};
    info.inputSize = kSide;
    info.mean = {{0, 0, 0}};
    info.std = {{1, 1, 1}};
    info.resizePolicy = QStringLiteral("stretch");
    return info;
}

/// The heat's maximum lies in the patch, and at least `share` of its mass.
void checkHeatOnPatch(const cv::Mat &heat, const cv::Rect &patch, double share)
{
    QCOMPARE(heat.type(), CV_32F);
    QCOMPARE(heat.size(), cv::Size(kSide, kSide));
    double lo = 0, hi = 0;
    cv::Point at;
    cv::minMaxLoc(heat, &lo, &hi, nullptr, &at);
    QVERIFY(lo >= 0);
    QCOMPARE(hi, 1.0);
    QVERIFY2(patch.contains(at), qPrintable(QStringLiteral("maximum at %1,%2").arg(at.x).arg(at.y)));
    const double inside = cv::sum(heat(patch))[0], total = cv::sum(heat)[0];
    qInfo("heat mass inside the patch: %.3f", inside / total);
    QVERIFY2(inside / total >= share, qPrintable(QString::number(inside / total)));
}

/// Writes a little-endian float32 tensor's bytes.
QByteArray floatBytes(const std::vector<float> &v)
{
    return QByteArray(reinterpret_cast<const char *>(v.data()), qsizetype(v.size() * sizeof(float)));
}

/// A TF.js layers model: input 64×64×3, Conv2D "detector" (1 filter, 1×1, weights 1/3, bias −0.5,
/// ReLU), GlobalAveragePooling2D "gap".
bool writeTfjsDetector(const QString &dir)
{
    const auto layer = [](const QString &name, const QString &cls, QJsonObject config, const QString &input) {
        config.insert(QStringLiteral("name"), name);
        QJsonArray inbound;
        if (!input.isEmpty()) inbound.append(QJsonArray{QJsonArray{input, 0, 0, QJsonObject()}});
        return QJsonObject{{QStringLiteral("class_name"), cls},
                           {QStringLiteral("name"), name},
                           {QStringLiteral("config"), config},
                           {QStringLiteral("inbound_nodes"), inbound}};
    };
    QJsonArray layers;
    layers.append(layer(QStringLiteral("input_1"), QStringLiteral("InputLayer"),
                        {{QStringLiteral("batch_input_shape"), QJsonArray{QJsonValue(), kSide, kSide, 3}}}, {}));
    layers.append(layer(QStringLiteral("detector"), QStringLiteral("Conv2D"),
                        {{QStringLiteral("filters"), 1},
                         {QStringLiteral("kernel_size"), QJsonArray{1, 1}},
                         {QStringLiteral("strides"), QJsonArray{1, 1}},
                         {QStringLiteral("padding"), QStringLiteral("valid")},
                         {QStringLiteral("use_bias"), true},
                         {QStringLiteral("activation"), QStringLiteral("relu")},
                         {QStringLiteral("dilation_rate"), QJsonArray{1, 1}}},
                        QStringLiteral("input_1")));
    layers.append(
        layer(QStringLiteral("gap"), QStringLiteral("GlobalAveragePooling2D"), {}, QStringLiteral("detector")));
    const QJsonObject topology{
        {QStringLiteral("model_config"),
         QJsonObject{
             {QStringLiteral("class_name"), QStringLiteral("Model")},
             {QStringLiteral("config"),
              QJsonObject{{QStringLiteral("name"), QStringLiteral("detector")},
                          {QStringLiteral("layers"), layers},
                          {QStringLiteral("input_layers"), QJsonArray{QJsonArray{QStringLiteral("input_1"), 0, 0}}},
                          {QStringLiteral("output_layers"), QJsonArray{QJsonArray{QStringLiteral("gap"), 0, 0}}}}}}}};
    const QJsonArray weights{QJsonObject{{QStringLiteral("name"), QStringLiteral("detector/kernel")},
                                         {QStringLiteral("shape"), QJsonArray{1, 1, 3, 1}},
                                         {QStringLiteral("dtype"), QStringLiteral("float32")}},
                             QJsonObject{{QStringLiteral("name"), QStringLiteral("detector/bias")},
                                         {QStringLiteral("shape"), QJsonArray{1}},
                                         {QStringLiteral("dtype"), QStringLiteral("float32")}}};
    const QJsonObject model{
        {QStringLiteral("format"), QStringLiteral("layers-model")},
        {QStringLiteral("modelTopology"), topology},
        {QStringLiteral("weightsManifest"),
         QJsonArray{QJsonObject{{QStringLiteral("paths"), QJsonArray{QStringLiteral("group1-shard1of1.bin")}},
                                {QStringLiteral("weights"), weights}}}}};
    const float third = 1.0f / 3.0f;
    return fopro::test::writeText(dir + QStringLiteral("/model.json"), QJsonDocument(model).toJson()) &&
           fopro::test::writeText(dir + QStringLiteral("/group1-shard1of1.bin"),
                                  floatBytes({third, third, third, -0.5f}));
}

/// The same detector as a TorchScript module (input normalised with mean 0, std 1 by its sidecar).
bool writeScriptDetector(const QString &file)
{
    torch::jit::Module m("Detector");
    m.register_parameter("weight", torch::full({1, 3, 1, 1}, 1.0 / 3.0), false);
    m.register_parameter("bias", torch::full({1}, -0.5), false);
    m.define("def forward(self, x):\n"
             "    a = torch.relu(torch.conv2d(x, self.weight, self.bias))\n"
             "    return torch.flatten(torch.adaptive_avg_pool2d(a, [1, 1]), 1)\n");
    m.save(file.toStdString());
    const QJsonObject sidecar{{QStringLiteral("inputSize"), kSide},
                              {QStringLiteral("mean"), QJsonArray{0, 0, 0}},
                              {QStringLiteral("std"), QJsonArray{1, 1, 1}}};
    return fopro::test::writeText(fopro::ml::exportSidecarPath(file), QJsonDocument(sidecar).toJson());
}

} // namespace

class TestGradCam : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { QVERIFY(m_tmp.isValid()); }

    void exportedStudentLooksAtThePatch()
    {
        auto student = Student::create(detectorConfig());
        QVERIFY(student.ok());
        setDetectorWeights(*student);
        student->eval();
        const QString model = m_tmp.filePath(QStringLiteral("student/model.pt"));
        QVERIFY(QDir().mkpath(m_tmp.filePath(QStringLiteral("student"))));
        QVERIFY(fopro::ml::exportTorchScript(*student, detectorInfo(), model).ok());
        auto cam = GradCam::forExportedModel(model);
        QVERIFY2(cam.ok(), qPrintable(cam.error().message()));
        QCOMPARE(cam->classNames(), (QStringList{QStringLiteral("plain"), QStringLiteral("patch")}));
        QCOMPARE(cam->layer(), QStringLiteral("layer4"));
        QCOMPARE(cam->inputSize(), kSide);
        QVERIFY(cam->hasClasses());
        for (int corner = 0; corner < 4; ++corner) {
            cv::Mat image;
            const cv::Rect patch = patchImage(image, corner, unsigned(corner + 1));
            auto r = cam->explain(image);
            QVERIFY2(r.ok(), qPrintable(r.error().message()));
            // logit 1 = 10·GAP(A_0) = 10·(4 cells of 0.5)/64 = 0.3125 > 0 = logit 0.
            QCOMPARE(r->predictedClass, 1);
            QCOMPARE(r->explainedClass, 1);
            QCOMPARE(r->probabilities.size(), size_t(2));
            const double p1 = 1.0 / (1.0 + std::exp(-0.3125));
            QVERIFY2(std::abs(r->probabilities[1] - p1) < 1e-5, qPrintable(QString::number(r->probabilities[1])));
            // The 2×2 hot cells upsampled bilinearly: the heat is 1 between their centres and falls to
            // 0 half a cell (4 px) outside the patch, so about (14/16)·(16/16) ≈ 87% of the mass (a
            // corner patch spreads on two sides only) lies inside.
            checkHeatOnPatch(r->heat, patch, 0.8);
        }
        // Class 0's logit does not depend on A: every weight is 0, the heat is all zero.
        cv::Mat image;
        patchImage(image, 2, 9);
        auto zero = cam->explain(image, 0);
        QVERIFY(zero.ok());
        QCOMPARE(zero->explainedClass, 0);
        QCOMPARE(cv::countNonZero(zero->heat), 0);
        // Any image size: the heat has the image's size (stretch policy: the same geometry).
        cv::Mat big;
        cv::resize(image, big, cv::Size(200, 100), 0, 0, cv::INTER_NEAREST);
        auto resized = cam->explain(big);
        QVERIFY(resized.ok());
        QCOMPARE(resized->heat.size(), cv::Size(200, 100));
        // Bad input.
        QCOMPARE(cam->explain(cv::Mat()).error().code, ErrorCode::InvalidArgument);
        QCOMPARE(cam->explain(image, 2).error().code, ErrorCode::InvalidArgument);
        cv::Mat grey(10, 10, CV_8UC1, cv::Scalar(0));
        QCOMPARE(cam->explain(grey).error().code, ErrorCode::InvalidArgument);
        QCOMPARE(GradCam::forExportedModel(m_tmp.filePath(QStringLiteral("none.pt"))).error().code,
                 ErrorCode::NotFound);
    }

    void runStudentLooksAtThePatch()
    {
        // A run folder holding the same student as checkpoints/best.pt.
        const QString dir = m_tmp.filePath(QStringLiteral("run"));
        auto run = fopro::project::RunFolder::create(dir);
        QVERIFY(run.ok());
        fopro::ml::TrainConfig config;
        config.imageSize = kSide;
        config.resizePolicy = QStringLiteral("stretch");
        config.mean = {{0, 0, 0}};
        config.std = {{1, 1, 1}};
        config.student = detectorConfig();
        QVERIFY(fopro::ml::parseStrategy(QStringLiteral("bsm"), &config.strategy));
        QVERIFY(
            run->writeHeader(QJsonObject{{QStringLiteral("config"), config.toJson()},
                                         {QStringLiteral("dataset"),
                                          QJsonObject{{QStringLiteral("classes"),
                                                       QJsonArray{QStringLiteral("plain"), QStringLiteral("patch")}}}}})
                .ok());
        auto student = Student::create(detectorConfig());
        QVERIFY(student.ok());
        setDetectorWeights(*student);
        QVERIFY(QDir().mkpath(run->checkpointsDir()));
        QVERIFY(student->saveParameters(run->bestCheckpoint().toStdString()).ok());
        auto cam = GradCam::forRun(dir);
        QVERIFY2(cam.ok(), qPrintable(cam.error().message()));
        QVERIFY2(cam->description().contains(QLatin1String("run")), qPrintable(cam->description()));
        cv::Mat image;
        const cv::Rect patch = patchImage(image, 3, 5);
        auto r = cam->explain(image);
        QVERIFY(r.ok());
        QCOMPARE(r->predictedClass, 1);
        checkHeatOnPatch(r->heat, patch, 0.8);
        // Not a run / no best.pt.
        QVERIFY(!GradCam::forRun(m_tmp.filePath(QStringLiteral("student"))).ok());
    }

    void torchScriptTeacherLooksAtThePatch()
    {
        const QString file = m_tmp.filePath(QStringLiteral("teacher/detector.pt"));
        QVERIFY(QDir().mkpath(m_tmp.filePath(QStringLiteral("teacher"))));
        QVERIFY(writeScriptDetector(file));
        auto cam = GradCam::forTeacher(file, {});
        QVERIFY2(cam.ok(), qPrintable(cam.error().message()));
        QVERIFY(!cam->hasClasses());
        QCOMPARE(cam->inputSize(), kSide);
        QVERIFY2(cam->layer().contains(QLatin1String("relu")), qPrintable(cam->layer()));
        cv::Mat image;
        const cv::Rect patch = patchImage(image, 1, 21);
        auto r = cam->explain(image);
        QVERIFY2(r.ok(), qPrintable(r.error().message()));
        QCOMPARE(r->explainedClass, -1);
        QVERIFY(r->probabilities.empty());
        // Full resolution: the heat is exactly 1 on the patch and 0 elsewhere.
        checkHeatOnPatch(r->heat, patch, 1.0);
        QCOMPARE(cv::countNonZero(r->heat), kPatch * kPatch);
        QCOMPARE(cam->explain(image, 0).error().code, ErrorCode::InvalidArgument);
        QCOMPARE(GradCam::forTeacher(file, QStringLiteral("conv")).error().code, ErrorCode::InvalidArgument);
    }

    void tfjsTeacherLooksAtThePatch()
    {
        const QString dir = m_tmp.filePath(QStringLiteral("tfjs"));
        QVERIFY(writeTfjsDetector(dir));
        for (const QString &layer : {QString(), QStringLiteral("detector")}) {
            auto cam = GradCam::forTeacher(dir, layer);
            QVERIFY2(cam.ok(), qPrintable(cam.error().message()));
            QCOMPARE(cam->layer(), QStringLiteral("detector"));
            QCOMPARE(cam->inputSize(), kSide);
            cv::Mat image;
            const cv::Rect patch = patchImage(image, 2, 33);
            auto r = cam->explain(image);
            QVERIFY2(r.ok(), qPrintable(r.error().message()));
            checkHeatOnPatch(r->heat, patch, 1.0);
            QCOMPARE(cv::countNonZero(r->heat), kPatch * kPatch);
        }
        QCOMPARE(GradCam::forTeacher(dir, QStringLiteral("gap")).error().code, ErrorCode::InvalidArgument);
        QCOMPARE(GradCam::forTeacher(dir, QStringLiteral("nope")).error().code, ErrorCode::NotFound);
    }

    void overlay()
    {
        // A 2×1 image, heat 0 and 1: jet(0) = dark blue (0, 0, 128) and jet(255) = dark red
        // (128, 0, 0) in RGB; opacity .5 gives the mean of the image and the colour.
        cv::Mat image(1, 2, CV_8UC3, cv::Scalar(100, 100, 100));
        cv::Mat heat(1, 2, CV_32F);
        heat.at<float>(0, 0) = 0;
        heat.at<float>(0, 1) = 1;
        const cv::Mat out = fopro::ml::overlayHeat(image, heat, 0.5);
        QCOMPARE(out.type(), CV_8UC3);
        QCOMPARE(out.at<cv::Vec3b>(0, 0), cv::Vec3b(50, 50, 114));
        QCOMPARE(out.at<cv::Vec3b>(0, 1), cv::Vec3b(114, 50, 50));
        QCOMPARE(fopro::ml::overlayHeat(image, heat, 0.0).at<cv::Vec3b>(0, 1), cv::Vec3b(100, 100, 100));
        QCOMPARE(fopro::ml::overlayHeat(image, cv::Mat(), 0.5).at<cv::Vec3b>(0, 0), cv::Vec3b(100, 100, 100));
        // A heat of another size is resized to the image.
        cv::Mat small(1, 1, CV_32F, cv::Scalar(1));
        QCOMPARE(fopro::ml::overlayHeat(image, small, 1.0).at<cv::Vec3b>(0, 0), cv::Vec3b(128, 0, 0));
    }

private:
    QTemporaryDir m_tmp;
};

QTEST_GUILESS_MAIN(TestGradCam)
#include "tst_gradcam.moc"
