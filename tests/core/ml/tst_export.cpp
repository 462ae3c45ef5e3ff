// TorchScript export of students: the exported module, loaded back with torch::jit::load (and with
// Debian's python3-torch when present), must compute exactly what Student::forward computes in
// evaluation mode and carry the student's state-dict keys; the sidecar records what deployment
// needs; ExportedModel preprocesses, runs and softmaxes like the test does by hand; bad files give
// errors naming the file.
#include <torch/script.h>
#include <torch/torch.h>

#include "core/data/imageloader.h"
#include "core/ml/export.h"
#include "core/ml/models.h"
#include "tests/support/testsupport.h"

#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QProcess>
#include <QtTest/QtTest>

#include <algorithm>
#include <cmath>
#include <set>

using fopro::ErrorCode;
using fopro::ml::ExportedModel;
using fopro::ml::ExportInfo;
using fopro::ml::Student;
using fopro::ml::StudentConfig;

namespace {

double maxAbsDiff(const torch::Tensor &a, const torch::Tensor &b)
{
    return (a.to(torch::kFloat64) - b.to(torch::kFloat64)).abs().max().item<double>();
}

bool endsWith(const std::string &s, const std::string &suffix)
{
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

StudentConfig cifarConfig(bool cosine = false)
{
    StudentConfig c;
    c.architecture = "cifar_resnet";
    c.widthMultiplier = 0.25;
    c.numClasses = 3;
    c.cifarBlocks = {{1, 1, 1, 1}};
    c.seed = 11;
    c.cosineClassifier = cosine;
    c.cosineScale = 16.0;
    return c;
}

StudentConfig resnet18Config()
{
    StudentConfig c;
    c.architecture = "resnet18";
    c.widthMultiplier = 0.25;
    c.numClasses = 5;
    c.seed = 12;
    return c;
}

/// Gives batch norm non-trivial statistics and affine parameters, and fc a non-zero bias, so that
/// an export that mixed up running_mean/var, weight/bias or dropped the bias would show.
void randomiseState(Student &s, int seed)
{
    torch::manual_seed(seed);
    torch::NoGradGuard noGrad;
    for (auto &[name, t] : s.namedState()) {
        const bool bn = name.find("bn") != std::string::npos || name.find("downsample.1") != std::string::npos;
        if (endsWith(name, "running_mean"))
            t.uniform_(-0.2, 0.2);
        else if (endsWith(name, "running_var"))
            t.uniform_(0.5, 2.0);
        else if (endsWith(name, "num_batches_tracked"))
            t.fill_(7);
        else if (bn && endsWith(name, ".weight"))
            t.uniform_(0.6, 1.4);
        else if (bn && endsWith(name, ".bias"))
            t.uniform_(-0.2, 0.2);
        else if (name == "fc.bias")
            t.uniform_(-0.5, 0.5);
    }
}

ExportInfo infoFor(int classes, int size)
{
    ExportInfo info;
    for (int c = 0; c < classes; ++c)
        info.classNames << QStringLiteral("class %1").arg(c);
    info.inputSize = size;
    info.mean = {{0.5f, 0.25f, 0.125f}};
    info.std = {{0.2f, 0.3f, 0.4f}};
    info.resizePolicy = QStringLiteral("crop");
    return info;
}

/// The fixed input both the C++ side and the Python check compute: sin(0.37·k) in N×3×S×S order.
torch::Tensor fixedInput(int n, int size)
{
    return (torch::arange(int64_t(n) * 3 * size * size, torch::kFloat32) * 0.37).sin().reshape({n, 3, size, size});
}

QJsonObject readJson(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return {};
    return QJsonDocument::fromJson(f.readAll()).object();
}

/// Exports the student, loads the file with torch::jit::load and compares with the student.
void checkRoundTrip(Student &student, int size, const QString &modelPath)
{
    const ExportInfo info = infoFor(student.numClasses(), size);
    const auto written = fopro::ml::exportTorchScript(student, info, modelPath);
    QVERIFY2(written.ok(), qPrintable(written.error().message()));
    QVERIFY(QFileInfo::exists(modelPath));
    QVERIFY(QFileInfo::exists(fopro::ml::exportSidecarPath(modelPath)));

    torch::jit::Module module = torch::jit::load(modelPath.toStdString());
    module.eval();
    torch::manual_seed(5);
    const torch::Tensor x = torch::randn({4, 3, size, size});
    torch::NoGradGuard noGrad;
    student.eval();
    const torch::Tensor expected = student.forward(x);
    const torch::Tensor got = module.forward({x}).toTensor();
    QCOMPARE(got.sizes().vec(), expected.sizes().vec());
    const double diff = maxAbsDiff(got, expected);
    QVERIFY2(diff < 1e-5, qPrintable(QStringLiteral("max |exported - student| = %1 (logits up to %2)")
                                         .arg(diff)
                                         .arg(expected.abs().max().item<double>())));
    // The logits are not trivially small, so the comparison means something.
    QVERIFY(expected.abs().max().item<double>() > 1e-2);
    // The features method is the pooled backbone.
    const torch::Tensor features = module.get_method("features")({x}).toTensor();
    QVERIFY(maxAbsDiff(features, student.features(x)) < 1e-5);

    // Same keys as the student (torchvision's), same values, parameters vs buffers as in PyTorch.
    std::map<std::string, torch::Tensor> exported;
    std::set<std::string> parameterNames;
    for (const auto &p : module.named_parameters(true)) {
        exported[p.name] = p.value;
        parameterNames.insert(p.name);
    }
    for (const auto &b : module.named_buffers(true))
        exported[b.name] = b.value;
    const auto state = student.namedState();
    QCOMPARE(exported.size(), state.size());
    for (const auto &[name, tensor] : state) {
        QVERIFY2(exported.count(name), name.c_str());
        QVERIFY2(torch::equal(exported[name], tensor), name.c_str());
        const bool buffer =
            endsWith(name, "running_mean") || endsWith(name, "running_var") || endsWith(name, "num_batches_tracked");
        QCOMPARE(parameterNames.count(name) == 1, !buffer);
    }
    QVERIFY(!module.is_training());
    // Nothing temporary left behind.
    const QStringList leftovers = QFileInfo(modelPath).dir().entryList({QStringLiteral("*.part")}, QDir::Files);
    QVERIFY2(leftovers.isEmpty(), qPrintable(leftovers.join(QLatin1Char(' '))));
}

} // namespace

class TestExport : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void cifarResnetRoundTrip()
    {
        QTemporaryDir dir;
        Student student(cifarConfig());
        randomiseState(student, 1);
        checkRoundTrip(student, 32, dir.filePath(QStringLiteral("cifar.pt")));
    }

    void resnet18RoundTrip()
    {
        QTemporaryDir dir;
        Student student(resnet18Config());
        randomiseState(student, 2);
        checkRoundTrip(student, 64, dir.filePath(QStringLiteral("resnet18.pt")));
    }

    void cosineClassifierRoundTrip()
    {
        QTemporaryDir dir;
        Student student(cifarConfig(/*cosine=*/true));
        randomiseState(student, 3);
        const QString path = dir.filePath(QStringLiteral("cosine.pt"));
        checkRoundTrip(student, 32, path);
        if (QTest::currentTestFailed()) return;
        // Cosine logits are bounded by the scale and ignore the (non-zero) bias.
        torch::jit::Module module = torch::jit::load(path.toStdString());
        torch::NoGradGuard noGrad;
        const torch::Tensor y = module.forward({torch::randn({3, 3, 32, 32})}).toTensor();
        QVERIFY(y.abs().max().item<double>() <= 16.0 + 1e-4);
        QCOMPARE(readJson(fopro::ml::exportSidecarPath(path)).value(QStringLiteral("cosineScale")).toDouble(), 16.0);
        // A plain export of the same weights differs (the bias is used there, no normalisation).
        StudentConfig plainConfig = cifarConfig(false);
        Student plain(plainConfig);
        randomiseState(plain, 3);
        plain.eval();
        student.eval();
        const torch::Tensor x = torch::randn({2, 3, 32, 32});
        QVERIFY(maxAbsDiff(plain.forward(x), student.forward(x)) > 1e-3);
    }

    void sidecarContents()
    {
        QTemporaryDir dir;
        Student student(cifarConfig());
        ExportInfo info = infoFor(3, 32);
        info.classNames = QStringList{QStringLiteral("nevus"), QStringLiteral("melanoma"), QStringLiteral("bcc é")};
        info.resizePolicy = QStringLiteral("letterbox");
        info.extra =
            QJsonObject{{QStringLiteral("run"), QStringLiteral("r42")}, {QStringLiteral("balancedAccuracy"), 0.75}};
        const QString path = dir.filePath(QStringLiteral("model.pt"));
        const auto written = fopro::ml::exportTorchScript(student, info, path);
        QVERIFY2(written.ok(), qPrintable(written.error().message()));
        QCOMPARE(fopro::ml::exportSidecarPath(path), dir.filePath(QStringLiteral("model.json")));

        const QJsonObject side = readJson(dir.filePath(QStringLiteral("model.json")));
        QCOMPARE(side.value(QStringLiteral("format")).toString(), QStringLiteral("fopro-kd-student-torchscript"));
        QCOMPARE(side.value(QStringLiteral("formatVersion")).toInt(), 1);
        QCOMPARE(side.value(QStringLiteral("modelFile")).toString(), QStringLiteral("model.pt"));
        QCOMPARE(side.value(QStringLiteral("architecture")).toString(), QStringLiteral("cifar_resnet"));
        QCOMPARE(side.value(QStringLiteral("widthMultiplier")).toDouble(), 0.25);
        QCOMPARE(side.value(QStringLiteral("cifarBlocks")).toArray(), (QJsonArray{1, 1, 1, 1}));
        QCOMPARE(side.value(QStringLiteral("cosineClassifier")).toBool(true), false);
        QCOMPARE(side.value(QStringLiteral("numClasses")).toInt(), 3);
        QCOMPARE(side.value(QStringLiteral("featureDim")).toInt(), student.featureDim());
        QCOMPARE(side.value(QStringLiteral("classNames")).toArray(),
                 (QJsonArray{QStringLiteral("nevus"), QStringLiteral("melanoma"), QStringLiteral("bcc é")}));
        QCOMPARE(side.value(QStringLiteral("inputSize")).toInt(), 32);
        QCOMPARE(side.value(QStringLiteral("inputChannels")).toInt(), 3);
        QCOMPARE(side.value(QStringLiteral("mean")).toArray(), (QJsonArray{0.5, 0.25, 0.125}));
        QCOMPARE(side.value(QStringLiteral("std")).toArray(), (QJsonArray{0.2, 0.3, 0.4}));
        QCOMPARE(side.value(QStringLiteral("resizePolicy")).toString(), QStringLiteral("letterbox"));
        QCOMPARE(side.value(QStringLiteral("output")).toString(), QStringLiteral("logits"));
        QCOMPARE(side.value(QStringLiteral("extra")).toObject(), info.extra);

        // The same JSON travels inside the .pt as the extra file fopro.json.
        torch::jit::ExtraFilesMap extra{{"fopro.json", ""}};
        torch::jit::load(path.toStdString(), torch::kCPU, extra);
        QCOMPARE(QJsonDocument::fromJson(QByteArray::fromStdString(extra["fopro.json"])).object(), side);

        // The loader reads it back.
        const auto model = ExportedModel::load(path);
        QVERIFY2(model.ok(), qPrintable(model.error().message()));
        QCOMPARE(model->classNames(), info.classNames);
        QCOMPARE(model->numClasses(), 3);
        QCOMPARE(model->inputSize(), 32);
        QCOMPARE(model->mean(), info.mean);
        QCOMPARE(model->std(), info.std);
        QCOMPARE(model->resizePolicy(), QStringLiteral("letterbox"));
        QCOMPARE(model->architecture(), QStringLiteral("cifar_resnet"));
        QCOMPARE(model->sidecarPath(), dir.filePath(QStringLiteral("model.json")));

        // Exporting again over the same name replaces both files.
        info.classNames[0] = QStringLiteral("naevus");
        QVERIFY(fopro::ml::exportTorchScript(student, info, path).ok());
        QCOMPARE(readJson(dir.filePath(QStringLiteral("model.json")))
                     .value(QStringLiteral("classNames"))
                     .toArray()
                     .at(0)
                     .toString(),
                 QStringLiteral("naevus"));
        QCOMPARE(QDir(dir.path()).entryList(QDir::Files).size(), 2);
    }

    void predictProbabilitiesMatchStudent()
    {
        QTemporaryDir dir;
        Student student(cifarConfig());
        randomiseState(student, 4);
        const ExportInfo info = infoFor(3, 32);
        const QString path = dir.filePath(QStringLiteral("model.pt"));
        QVERIFY(fopro::ml::exportTorchScript(student, info, path).ok());
        const auto model = ExportedModel::load(path);
        QVERIFY2(model.ok(), qPrintable(model.error().message()));

        // 37 images (two batches of the loader), of different sizes and aspect ratios.
        std::vector<cv::Mat> images;
        for (int i = 0; i < 37; ++i)
            images.push_back(fopro::test::photoLikeImage(40 + i, 30 + 2 * i, i, false));
        const auto probabilities = model->predictProbabilities(images);
        QVERIFY2(probabilities.ok(), qPrintable(probabilities.error().message()));
        QCOMPARE(probabilities->size(), images.size());

        // By hand: crop-resize, [0,1], (x − mean)/std, the student in eval mode, softmax.
        student.eval();
        torch::NoGradGuard noGrad;
        const torch::Tensor mean = torch::tensor({0.5f, 0.25f, 0.125f}).view({3, 1, 1});
        const torch::Tensor sd = torch::tensor({0.2f, 0.3f, 0.4f}).view({3, 1, 1});
        for (size_t i = 0; i < images.size(); ++i) {
            const cv::Mat r = fopro::data::resizeImage(images[i], {32, fopro::data::ResizePolicy::ShorterSideCrop});
            QCOMPARE(r.rows, 32);
            torch::Tensor x = torch::empty({3, 32, 32});
            auto a = x.accessor<float, 3>();
            for (int c = 0; c < 3; ++c)
                for (int y = 0; y < 32; ++y)
                    for (int xx = 0; xx < 32; ++xx)
                        a[c][y][xx] = float(r.at<cv::Vec3b>(y, xx)[c]) / 255.0f;
            x = ((x - mean) / sd).unsqueeze(0);
            const torch::Tensor expected = torch::softmax(student.forward(x), 1)[0];
            const std::vector<float> &got = (*probabilities)[i];
            QCOMPARE(int(got.size()), 3);
            double sum = 0.0;
            for (int c = 0; c < 3; ++c) {
                QVERIFY2(std::abs(got[size_t(c)] - expected[c].item<float>()) < 1e-5,
                         qPrintable(QStringLiteral("image %1 class %2: %3 vs %4")
                                        .arg(i)
                                        .arg(c)
                                        .arg(got[size_t(c)])
                                        .arg(expected[c].item<float>())));
                sum += got[size_t(c)];
            }
            QVERIFY(std::abs(sum - 1.0) < 1e-5);
        }
        // Logits agree with the probabilities.
        const auto logits = model->predictLogits({images[0]});
        QVERIFY(logits.ok());
        const torch::Tensor l = torch::tensor((*logits)[0]);
        QVERIFY(maxAbsDiff(torch::softmax(l, 0), torch::tensor((*probabilities)[0])) < 1e-6);

        // Images of the wrong type are refused, naming their index.
        cv::Mat grey(20, 20, CV_8UC1, cv::Scalar(3));
        const auto wrong = model->predictProbabilities({images[0], grey});
        QVERIFY(!wrong.ok());
        QCOMPARE(wrong.error().code, ErrorCode::InvalidArgument);
        QVERIFY(wrong.error().detail.contains(QLatin1String("image 1")));
        QVERIFY(model->predictProbabilities({}).ok());
    }

    void loadErrorsNameTheFile()
    {
        QTemporaryDir dir;
        Student student(cifarConfig());
        const QString path = dir.filePath(QStringLiteral("model.pt"));
        const QString side = dir.filePath(QStringLiteral("model.json"));
        QVERIFY(fopro::ml::exportTorchScript(student, infoFor(3, 32), path).ok());
        QFile sideFile(side);
        QVERIFY(sideFile.open(QIODevice::ReadOnly));
        const QByteArray goodSide = sideFile.readAll();
        sideFile.close();
        QFile modelFile(path);
        QVERIFY(modelFile.open(QIODevice::ReadOnly));
        const QByteArray goodModel = modelFile.readAll();
        modelFile.close();

        // Missing model.
        auto r = ExportedModel::load(dir.filePath(QStringLiteral("none.pt")));
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, ErrorCode::NotFound);
        QCOMPARE(r.error().file, dir.filePath(QStringLiteral("none.pt")));

        // Missing sidecar.
        QVERIFY(QFile::remove(side));
        r = ExportedModel::load(path);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, ErrorCode::NotFound);
        QCOMPARE(r.error().file, side);
        QVERIFY(r.error().message().contains(QLatin1String("model.json")));

        // Malformed JSON.
        QVERIFY(fopro::test::writeText(side, "{\"format\": \"fopro-kd-student-torchscript\", "));
        r = ExportedModel::load(path);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, ErrorCode::Malformed);
        QCOMPARE(r.error().file, side);

        // Another format tag, a newer version, missing fields.
        QJsonObject o = QJsonDocument::fromJson(goodSide).object();
        const auto writeSide = [&](const QJsonObject &obj) {
            return fopro::test::writeText(side, QJsonDocument(obj).toJson());
        };
        QJsonObject other = o;
        other[QStringLiteral("format")] = QStringLiteral("something-else");
        QVERIFY(writeSide(other));
        r = ExportedModel::load(path);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, ErrorCode::Malformed);
        QCOMPARE(r.error().file, side);
        other = o;
        other[QStringLiteral("formatVersion")] = 2;
        QVERIFY(writeSide(other));
        r = ExportedModel::load(path);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, ErrorCode::Unsupported);
        for (const char *key : {"classNames", "inputSize", "mean", "std", "resizePolicy"}) {
            other = o;
            other.remove(QLatin1String(key));
            QVERIFY(writeSide(other));
            r = ExportedModel::load(path);
            QVERIFY2(!r.ok(), key);
            QCOMPARE(r.error().code, ErrorCode::Malformed);
            QCOMPARE(r.error().file, side);
            QVERIFY2(r.error().detail.contains(QLatin1String(key)), qPrintable(r.error().detail));
        }

        // The module's output does not match the class count of the sidecar.
        other = o;
        other[QStringLiteral("classNames")] =
            QJsonArray{QStringLiteral("a"), QStringLiteral("b"), QStringLiteral("c"), QStringLiteral("d")};
        other.remove(QStringLiteral("numClasses"));
        QVERIFY(writeSide(other));
        r = ExportedModel::load(path);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, ErrorCode::Malformed);
        QCOMPARE(r.error().file, path);
        QVERIFY2(r.error().detail.contains(QLatin1String("[1, 3]")) &&
                     r.error().detail.contains(QLatin1String("4 classes")),
                 qPrintable(r.error().detail));

        // Good sidecar, truncated model file.
        QVERIFY(writeSide(o));
        QVERIFY(ExportedModel::load(path).ok());
        QVERIFY(fopro::test::writeText(path, goodModel.left(goodModel.size() / 2)));
        r = ExportedModel::load(path);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, ErrorCode::Malformed);
        QCOMPARE(r.error().file, path);
        // Not a zip at all.
        QVERIFY(fopro::test::writeText(path, "not a model"));
        r = ExportedModel::load(path);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().file, path);
    }

    void exportRefusesBadArguments()
    {
        QTemporaryDir dir;
        Student student(cifarConfig());
        const QString path = dir.filePath(QStringLiteral("model.pt"));
        ExportInfo info = infoFor(2, 32); // two names for three outputs
        auto r = fopro::ml::exportTorchScript(student, info, path);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, ErrorCode::InvalidArgument);
        QCOMPARE(r.error().file, path);
        info = infoFor(3, 0);
        QCOMPARE(fopro::ml::exportTorchScript(student, info, path).error().code, ErrorCode::InvalidArgument);
        info = infoFor(3, 32);
        info.resizePolicy = QStringLiteral("squash");
        QCOMPARE(fopro::ml::exportTorchScript(student, info, path).error().code, ErrorCode::InvalidArgument);
        info = infoFor(3, 32);
        info.std[1] = 0.0f;
        QCOMPARE(fopro::ml::exportTorchScript(student, info, path).error().code, ErrorCode::InvalidArgument);
        info = infoFor(3, 32);
        QCOMPARE(fopro::ml::exportTorchScript(student, info, dir.filePath(QStringLiteral("model.json"))).error().code,
                 ErrorCode::InvalidArgument);
        // Unwritable destination.
        r = fopro::ml::exportTorchScript(student, info, dir.filePath(QStringLiteral("no/such/folder/model.pt")));
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, ErrorCode::WriteFailed);
        QVERIFY(QDir(dir.path()).entryList(QDir::Files).isEmpty());
    }

    /// Debian's python3-torch (same LibTorch 1.13) loads the file and computes the same logits, and
    /// its state_dict() has the student's keys in torchvision's order.
    void pythonTorchLoadsTheExport()
    {
        const QString python = QStringLiteral("/usr/bin/python3");
        if (!QFileInfo::exists(python)) QSKIP("/usr/bin/python3 is not installed (apt-get install python3-torch)");
        // Debian's interpreter with its own packages only: no pyenv/virtualenv settings leak in.
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        for (const char *name : {"PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONUSERBASE", "VIRTUAL_ENV"})
            env.remove(QLatin1String(name));
        env.insert(QStringLiteral("PYTHONNOUSERSITE"), QStringLiteral("1"));
        {
            QProcess probe;
            probe.setProcessEnvironment(env);
            probe.start(python, {QStringLiteral("-c"), QStringLiteral("import torch")});
            QVERIFY(probe.waitForFinished(180000));
            if (probe.exitStatus() != QProcess::NormalExit || probe.exitCode() != 0)
                QSKIP("/usr/bin/python3 cannot import torch (Debian package python3-torch not installed)");
        }
        QTemporaryDir dir;
        Student student(resnet18Config());
        randomiseState(student, 6);
        const QString path = dir.filePath(QStringLiteral("model.pt"));
        QVERIFY(fopro::ml::exportTorchScript(student, infoFor(5, 48), path).ok());

        const QString script = QStringLiteral(
            "import json, sys, torch\n"
            "m = torch.jit.load(sys.argv[1])\n"
            "m.eval()\n"
            "x = (torch.arange(2 * 3 * 48 * 48, dtype=torch.float32) * 0.37).sin().reshape(2, 3, 48, 48)\n"
            "with torch.no_grad():\n"
            "    y = m(x)\n"
            "print(json.dumps({'keys': list(m.state_dict().keys()), 'logits': y.tolist(), 'training': m.training}))\n");
        QProcess proc;
        proc.setProcessEnvironment(env);
        proc.start(python, {QStringLiteral("-c"), script, path});
        QVERIFY(proc.waitForFinished(180000));
        const QByteArray err = proc.readAllStandardError();
        QVERIFY2(proc.exitStatus() == QProcess::NormalExit && proc.exitCode() == 0, err.constData());
        const QList<QByteArray> lines = proc.readAllStandardOutput().trimmed().split('\n');
        const QJsonObject out = QJsonDocument::fromJson(lines.last()).object();
        QVERIFY2(!out.isEmpty(), lines.last().constData());
        QCOMPARE(out.value(QStringLiteral("training")).toBool(true), false);

        QStringList keys;
        for (const auto &k : out.value(QStringLiteral("keys")).toArray())
            keys << k.toString();
        QStringList expectedKeys;
        for (const auto &k : student.stateKeys())
            expectedKeys << QString::fromStdString(k);
        QCOMPARE(keys, expectedKeys);

        torch::jit::Module module = torch::jit::load(path.toStdString());
        module.eval();
        torch::NoGradGuard noGrad;
        const torch::Tensor x = fixedInput(2, 48);
        const torch::Tensor cpp = module.forward({x}).toTensor();
        student.eval();
        QVERIFY(maxAbsDiff(cpp, student.forward(x)) < 1e-5);
        const QJsonArray rows = out.value(QStringLiteral("logits")).toArray();
        QCOMPARE(rows.size(), 2);
        for (int i = 0; i < 2; ++i) {
            const QJsonArray row = rows.at(i).toArray();
            QCOMPARE(row.size(), 5);
            for (int c = 0; c < 5; ++c)
                QVERIFY2(std::abs(row.at(c).toDouble() - cpp[i][c].item<double>()) < 1e-5,
                         qPrintable(QStringLiteral("[%1][%2]: python %3, C++ %4")
                                        .arg(i)
                                        .arg(c)
                                        .arg(row.at(c).toDouble())
                                        .arg(cpp[i][c].item<double>())));
        }
    }
};

QTEST_GUILESS_MAIN(TestExport)
#include "tst_export.moc"
