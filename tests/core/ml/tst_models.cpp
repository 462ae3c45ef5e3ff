// Student networks (torchvision-layout ResNet-18, CIFAR-style ResNet) and the EKD heads.
//
// The ResNet-18 figures are torchvision's: 11,689,512 parameters with 1000 classes
// (sum(p.numel() for p in torchvision.models.resnet18().parameters())), and 122 state_dict entries:
// conv1 (1) + bn1 (5) + 8 BasicBlocks × (conv1 1 + bn1 5 + conv2 1 + bn2 5) + 3 downsamples × (1 + 5)
// + fc (2) = 6 + 96 + 18 + 2 = 122.
#include <torch/torch.h> // before Qt (QT_NO_KEYWORDS is set anyway)

#include "core/ml/models.h"

#include <QtCore/QFile>
#include <QtCore/QTemporaryDir>
#include <QtTest/QtTest>

#include <fstream>
#include <map>

using namespace fopro::ml;

namespace {

/// torchvision's resnet18().state_dict().keys(), in order.
std::vector<std::string> torchvisionResnet18Keys()
{
    const std::vector<std::string> bn{"weight", "bias", "running_mean", "running_var", "num_batches_tracked"};
    std::vector<std::string> keys{"conv1.weight"};
    for (const auto &b : bn)
        keys.push_back("bn1." + b);
    for (int layer = 1; layer <= 4; ++layer) {
        for (int block = 0; block < 2; ++block) {
            const std::string p = "layer" + std::to_string(layer) + "." + std::to_string(block) + ".";
            keys.push_back(p + "conv1.weight");
            for (const auto &b : bn)
                keys.push_back(p + "bn1." + b);
            keys.push_back(p + "conv2.weight");
            for (const auto &b : bn)
                keys.push_back(p + "bn2." + b);
            if (layer > 1 && block == 0) {
                keys.push_back(p + "downsample.0.weight");
                for (const auto &b : bn)
                    keys.push_back(p + "downsample.1." + b);
            }
        }
    }
    keys.push_back("fc.weight");
    keys.push_back("fc.bias");
    return keys;
}

std::map<std::string, torch::Tensor> stateMap(Student &s)
{
    std::map<std::string, torch::Tensor> out;
    for (const auto &[name, t] : s.namedState())
        out[name] = t;
    return out;
}

StudentConfig smallCifar(int classes = 5, std::int64_t seed = 0)
{
    StudentConfig c;
    c.architecture = "cifar_resnet";
    c.widthMultiplier = 0.25;
    c.numClasses = classes;
    c.cifarBlocks = {{1, 1, 1, 1}};
    c.seed = seed;
    return c;
}

} // namespace

class TestModels : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { torch::set_num_threads(1); }

    void resnet18ParameterCountMatchesTorchvision()
    {
        Student s(StudentConfig{});
        QCOMPARE(s.parameterCount(), std::int64_t(11689512));
        QCOMPARE(s.featureDim(), 512);
        QCOMPARE(s.numClasses(), 1000);
        std::int64_t viaParameters = 0;
        for (const auto &p : s.parameters())
            viaParameters += p.numel();
        QCOMPARE(viaParameters, std::int64_t(11689512));
    }

    void resnet18StateKeysMatchTorchvision()
    {
        Student s(StudentConfig{});
        const auto expected = torchvisionResnet18Keys();
        QCOMPARE(int(expected.size()), 122);
        QVERIFY(s.stateKeys() == expected);
        auto state = stateMap(s);
        QCOMPARE(state["conv1.weight"].sizes().vec(), (std::vector<std::int64_t>{64, 3, 7, 7}));
        QCOMPARE(state["layer2.0.downsample.0.weight"].sizes().vec(), (std::vector<std::int64_t>{128, 64, 1, 1}));
        QCOMPARE(state["layer4.1.conv2.weight"].sizes().vec(), (std::vector<std::int64_t>{512, 512, 3, 3}));
        QCOMPARE(state["fc.weight"].sizes().vec(), (std::vector<std::int64_t>{1000, 512}));
        QCOMPARE(state["bn1.num_batches_tracked"].scalar_type(), torch::kInt64);
        // torchvision init: BN weight 1, bias 0; conv std ≈ sqrt(2 / fan_out) = sqrt(2/(64·49)) ≈ 0.0253.
        QVERIFY(torch::all(state["bn1.weight"] == 1).item<bool>());
        QVERIFY(torch::all(state["bn1.bias"] == 0).item<bool>());
        const double std = state["layer1.0.conv1.weight"].std().item<double>(); // fan_out 64·9: 0.0589
        QVERIFY2(std > 0.053 && std < 0.065, qPrintable(QString::number(std)));
    }

    void resnet18OutputShapes()
    {
        StudentConfig c;
        c.numClasses = 7;
        Student s(c);
        s.eval();
        torch::NoGradGuard noGrad;
        for (int size : {224, 112}) {
            const auto x = torch::rand({2, 3, size, size});
            const auto f = s.features(x);
            QCOMPARE(f.sizes().vec(), (std::vector<std::int64_t>{2, 512}));
            QCOMPARE(s.logits(f).sizes().vec(), (std::vector<std::int64_t>{2, 7}));
            QVERIFY(torch::allclose(s.forward(x), s.logits(f)));
        }
    }

    void cifarResnetAt32px()
    {
        StudentConfig c;
        c.architecture = "cifar_resnet";
        c.numClasses = 10;
        Student deep(c);
        QVERIFY(deep.stateKeys() == torchvisionResnet18Keys()); // same names, 3×3 stem
        QCOMPARE(stateMap(deep)["conv1.weight"].sizes().vec(), (std::vector<std::int64_t>{64, 3, 3, 3}));
        // 11,689,512 − 7·7·3·64 + 3·3·3·64 − 1000·513 + 10·513 = 11,173,962.
        QCOMPARE(deep.parameterCount(), std::int64_t(11173962));
        deep.eval();
        torch::NoGradGuard noGrad;
        QCOMPARE(deep.forward(torch::rand({3, 3, 32, 32})).sizes().vec(), (std::vector<std::int64_t>{3, 10}));

        c.cifarBlocks = {{1, 1, 1, 1}};
        c.inputChannels = 1;
        Student shallow(c);
        const auto keys = shallow.stateKeys();
        QCOMPARE(int(keys.size()), 6 + 4 * 12 + 3 * 6 + 2);
        QVERIFY(std::find(keys.begin(), keys.end(), "layer1.1.conv1.weight") == keys.end());
        QVERIFY(std::find(keys.begin(), keys.end(), "layer3.0.downsample.1.running_var") != keys.end());
        shallow.eval();
        QCOMPARE(shallow.features(torch::rand({2, 1, 32, 32})).sizes().vec(), (std::vector<std::int64_t>{2, 512}));
    }

    void widthMultiplier()
    {
        StudentConfig c;
        c.widthMultiplier = 0.5;
        c.numClasses = 4;
        Student s(c);
        QCOMPARE(s.featureDim(), 256);
        auto state = stateMap(s);
        QCOMPARE(state["conv1.weight"].sizes().vec(), (std::vector<std::int64_t>{32, 3, 7, 7}));
        QCOMPARE(state["fc.weight"].sizes().vec(), (std::vector<std::int64_t>{4, 256}));
        s.eval();
        torch::NoGradGuard noGrad;
        QCOMPARE(s.features(torch::rand({2, 3, 64, 64})).sizes().vec(), (std::vector<std::int64_t>{2, 256}));
    }

    void invalidConfig()
    {
        StudentConfig c;
        c.architecture = "vgg16";
        auto r = Student::create(c);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, fopro::ErrorCode::InvalidArgument);
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, Student{c});
        c = StudentConfig{};
        c.widthMultiplier = 0.0;
        QVERIFY(!validateStudentConfig(c).ok());
        c = smallCifar();
        c.cifarBlocks = {{1, 0, 1, 1}};
        QVERIFY(!validateStudentConfig(c).ok());
        QVERIFY(Student::create(smallCifar()).ok());
    }

    void seedsAreDeterministic()
    {
        const auto x = torch::rand({2, 3, 32, 32});
        Student a(smallCifar(5, 11)), b(smallCifar(5, 11)), c(smallCifar(5, 12));
        a.eval();
        b.eval();
        c.eval();
        torch::NoGradGuard noGrad;
        QVERIFY(torch::equal(a.forward(x), b.forward(x)));
        QVERIFY(!torch::equal(a.forward(x), c.forward(x)));
    }

    void saveLoadRoundTrip()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const std::string path = dir.filePath(QStringLiteral("student.pt")).toStdString();
        const auto x = torch::rand({4, 3, 32, 32});

        Student a(smallCifar(5, 1));
        {
            torch::NoGradGuard noGrad;
            a.forward(torch::rand({8, 3, 32, 32})); // training mode: moves the running statistics
        }
        auto saved = a.saveParameters(path);
        QVERIFY2(saved.ok(), qPrintable(saved.error().message()));
        QVERIFY(QFile::exists(QString::fromStdString(path)));
        QVERIFY(!QFile::exists(QString::fromStdString(path + ".part")));

        Student b(smallCifar(5, 2));
        a.eval();
        b.eval();
        torch::NoGradGuard noGrad;
        QVERIFY(!torch::equal(a.forward(x), b.forward(x)));
        auto loaded = b.loadParameters(path);
        QVERIFY2(loaded.ok(), qPrintable(loaded.error().message()));
        QVERIFY(torch::equal(a.forward(x), b.forward(x)));
        QCOMPARE(stateMap(b)["bn1.num_batches_tracked"].item<std::int64_t>(), std::int64_t(1));

        // Saving again over an existing file replaces it.
        QVERIFY(b.saveParameters(path).ok());
    }

    void loadPickledStateDict()
    {
        // torch::pickle_save writes what Python's torch.save(state_dict) writes (zip + pickle).
        QTemporaryDir dir;
        const std::string path = dir.filePath(QStringLiteral("state.pt")).toStdString();
        Student a(smallCifar(5, 3));
        c10::Dict<std::string, at::Tensor> dict;
        for (const auto &[name, t] : a.namedState())
            dict.insert(name, t.detach());
        const auto bytes = torch::pickle_save(dict);
        std::ofstream(path, std::ios::binary).write(bytes.data(), std::streamsize(bytes.size()));

        Student b(smallCifar(5, 4));
        auto loaded = b.loadParameters(path);
        QVERIFY2(loaded.ok(), qPrintable(loaded.error().message()));
        a.eval();
        b.eval();
        torch::NoGradGuard noGrad;
        const auto x = torch::rand({2, 3, 32, 32});
        QVERIFY(torch::equal(a.forward(x), b.forward(x)));
    }

    void loadErrors()
    {
        QTemporaryDir dir;
        const QString qpath = dir.filePath(QStringLiteral("half.pt"));
        const std::string path = qpath.toStdString();

        // A width-0.5 file does not fit a width-1.0 model: names the parameter and the file.
        auto wide = smallCifar();
        wide.widthMultiplier = 0.5;
        QVERIFY(Student(smallCifar()).saveParameters(path).ok());
        Student target(wide);
        const auto before = stateMap(target)["conv1.weight"].clone();
        auto r = target.loadParameters(path);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, fopro::ErrorCode::Malformed);
        QCOMPARE(r.error().file, qpath);
        QVERIFY2(r.error().message().contains(QStringLiteral("'conv1.weight'")), qPrintable(r.error().message()));
        QVERIFY(r.error().message().contains(qpath));
        QVERIFY(torch::equal(stateMap(target)["conv1.weight"], before)); // nothing changed

        // Other depth: missing / unexpected keys are named.
        auto deeper = smallCifar();
        deeper.cifarBlocks = {{2, 1, 1, 1}};
        Student deep(deeper);
        r = deep.loadParameters(path);
        QVERIFY(!r.ok());
        QVERIFY2(r.error().detail.contains(QStringLiteral("missing keys: layer1.1.conv1.weight")),
                 qPrintable(r.error().detail));
        const std::string deepPath = dir.filePath(QStringLiteral("deep.pt")).toStdString();
        QVERIFY(deep.saveParameters(deepPath).ok());
        r = Student(smallCifar()).loadParameters(deepPath);
        QVERIFY(!r.ok());
        QVERIFY2(r.error().detail.contains(QStringLiteral("unexpected keys: layer1.1.bn1.bias")),
                 qPrintable(r.error().detail));

        // Another number of classes: strict fails on fc, SkipOnMismatch keeps the model's fc.
        Student other(smallCifar(9, 5));
        const std::string otherPath = dir.filePath(QStringLiteral("nine.pt")).toStdString();
        QVERIFY(other.saveParameters(otherPath).ok());
        Student five(smallCifar(5, 6));
        const auto fcBefore = stateMap(five)["fc.weight"].clone();
        r = five.loadParameters(otherPath);
        QVERIFY(!r.ok());
        QVERIFY(r.error().detail.contains(QStringLiteral("'fc.weight'")));
        r = five.loadParameters(otherPath, ClassifierLoad::SkipOnMismatch);
        QVERIFY2(r.ok(), qPrintable(r.error().message()));
        QVERIFY(torch::equal(stateMap(five)["fc.weight"], fcBefore));
        QVERIFY(torch::equal(stateMap(five)["layer4.0.conv2.weight"], stateMap(other)["layer4.0.conv2.weight"]));

        // Missing and garbage files.
        r = five.loadParameters(dir.filePath(QStringLiteral("nope.pt")).toStdString());
        QCOMPARE(r.error().code, fopro::ErrorCode::NotFound);
        const QString junk = dir.filePath(QStringLiteral("junk.pt"));
        QFile f(junk);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("not a model");
        f.close();
        r = five.loadParameters(junk.toStdString());
        QCOMPARE(r.error().code, fopro::ErrorCode::Malformed);
        QCOMPARE(r.error().file, junk);

        // Saving creates missing folders; where a file stands in the way it fails cleanly, naming
        // the file.
        QVERIFY(five.saveParameters(dir.filePath(QStringLiteral("new/dir/x.pt")).toStdString()).ok());
        auto w = five.saveParameters((junk + QStringLiteral("/x.pt")).toStdString());
        QVERIFY(!w.ok());
        QCOMPARE(w.error().code, fopro::ErrorCode::WriteFailed);
        QCOMPARE(w.error().file, junk + QStringLiteral("/x.pt"));
    }

    void ekdHeads()
    {
        Student s(smallCifar(6, 7));
        EkdHeadsConfig hc;
        hc.featureDim = s.featureDim(); // 128
        hc.teacherDim = 384;
        hc.numClasses = 6;
        EkdHeads heads(hc);
        // (128·512 + 512) + 2·512 + (512·384 + 384) + (384·6 + 6) = 66048 + 1024 + 196992 + 2310.
        QCOMPARE(heads.parameterCount(), std::int64_t(266374));
        std::vector<std::string> names;
        for (const auto &e : heads.namedState())
            names.push_back(e.first);
        QCOMPARE(names.front(), std::string("projection.0.weight"));
        QCOMPARE(names.back(), std::string("fc_aux.bias"));

        const auto x = torch::rand({4, 3, 32, 32});
        const auto projected = heads.project(s.features(x));
        QCOMPARE(projected.sizes().vec(), (std::vector<std::int64_t>{4, 384}));
        const auto aux = heads.auxLogits(projected);
        QCOMPARE(aux.sizes().vec(), (std::vector<std::int64_t>{4, 6}));

        (projected.square().mean() + aux.mean()).backward();
        const auto stem = s.parameters().front(); // conv1.weight
        QVERIFY(stem.grad().defined());
        QVERIFY(stem.grad().abs().sum().item<double>() > 0.0);
        for (const auto &p : heads.parameters())
            QVERIFY(p.grad().defined());
        QVERIFY(!s.parameters().back().grad().defined()); // fc is not on this path

        // Same seed → same parameters (the forward above moved heads' BN running statistics, so
        // compare parameters, not outputs); another seed → other outputs; save/load round trip.
        EkdHeads again(hc);
        const auto p1 = heads.parameters(), p2 = again.parameters();
        QCOMPARE(p1.size(), p2.size());
        for (std::size_t i = 0; i < p1.size(); ++i)
            QVERIFY(torch::equal(p1[i], p2[i]));
        heads.eval();
        again.eval();
        torch::NoGradGuard noGrad;
        const auto f = torch::rand({3, 128});
        hc.seed = 99;
        EkdHeads different(hc);
        different.eval();
        QVERIFY(!torch::equal(heads.project(f), different.project(f)));
        QTemporaryDir dir;
        const std::string path = dir.filePath(QStringLiteral("heads.pt")).toStdString();
        QVERIFY(heads.saveParameters(path).ok());
        auto r = different.loadParameters(path);
        QVERIFY2(r.ok(), qPrintable(r.error().message()));
        QVERIFY(torch::equal(heads.project(f), different.project(f)));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, EkdHeads(EkdHeadsConfig{0, 512, 512, 10, 0}));
    }

    void trainAndEvalBatchNormDiffer()
    {
        Student s(smallCifar(3, 8));
        QVERIFY(s.isTraining());
        const auto x = torch::rand({4, 3, 32, 32});
        torch::NoGradGuard noGrad;
        s.eval();
        QVERIFY(!s.isTraining());
        const auto evalBefore = s.forward(x);
        QVERIFY(torch::equal(evalBefore, s.forward(x))); // eval is repeatable, stats untouched
        s.train();
        const auto trainOut = s.forward(x); // batch statistics, updates the running ones
        QVERIFY(!torch::allclose(trainOut, evalBefore));
        s.eval();
        QVERIFY(!torch::equal(s.forward(x), evalBefore));
        QCOMPARE(stateMap(s)["bn1.num_batches_tracked"].item<std::int64_t>(), std::int64_t(1));
    }
};

QTEST_GUILESS_MAIN(TestModels)
#include "tst_models.moc"
