// The training loop end to end on small generated datasets with a known right answer: a texture
// task a student must learn, a constructed long tail on which Balanced Softmax must beat CE on the
// tail class, bit-identical resume after an interruption, cancel within a batch, pause, the teacher
// feature cache, the Fourier prompt's two update modes, configuration files, augmentations.
#include <torch/script.h>
#include <torch/torch.h>

#include "core/data/datasetindex.h"
#include "core/ml/export.h"
#include "core/ml/imagesource.h"
#include "core/ml/strategies.h"
#include "core/ml/trainer.h"
#include "core/ml/trainsupport.h"
#include "core/project/runfolder.h"
#include "core/spectral/gainmap.h"
#include "tests/support/testsupport.h"

#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtTest/QtTest>

#include <opencv2/imgproc.hpp>

#include <numeric>
#include <random>
#include <thread>

using namespace fopro;
using namespace fopro::ml;

namespace {

/// Writes images and a manifest: `perClass[k]` training images of class k, plus `valPerClass` and
/// `testPerClass` of every class. `make(k, i, rng)` draws an image of class k.
QString writeDataset(const QString &dir, const QStringList &classes, const std::vector<int> &perClass, int valPerClass,
                     int testPerClass, const std::function<cv::Mat(int, std::mt19937_64 &)> &make)
{
    data::DatasetIndex index;
    index.format = QStringLiteral("folder");
    index.root = dir;
    index.classes = classes;
    std::mt19937_64 rng(1234);
    QDir().mkpath(dir + QStringLiteral("/images"));
    for (int k = 0; k < int(classes.size()); ++k) {
        const std::vector<std::pair<data::Split, int>> parts{{data::Split::Train, perClass[size_t(k)]},
                                                             {data::Split::Val, valPerClass},
                                                             {data::Split::Test, testPerClass}};
        for (const auto &[split, n] : parts)
            for (int i = 0; i < n; ++i) {
                const QString rel =
                    QStringLiteral("images/%1_%2_%3.png").arg(classes[k], data::splitName(split)).arg(i);
                if (!fopro::test::writeImage(dir + QLatin1Char('/') + rel, make(k, rng))) return {};
                data::Sample s;
                s.path = rel;
                s.label = k;
                s.originalLabel = k;
                s.split = split;
                index.samples.push_back(s);
            }
    }
    const QString manifest = dir + QStringLiteral("/dataset.json");
    if (!index.save(manifest)) return {};
    return manifest;
}

cv::Mat clamp8(const cv::Mat &f)
{
    cv::Mat out;
    f.convertTo(out, CV_8UC3, 255.0);
    return out;
}

/// Smooth random background; class 1 adds a fine checkerboard (high-frequency texture only).
cv::Mat textureImage(int k, std::mt19937_64 &rng)
{
    std::uniform_real_distribution<float> u(0.25f, 0.75f);
    cv::Mat small(4, 4, CV_32FC3);
    for (int y = 0; y < 4; ++y)
        for (int x = 0; x < 4; ++x)
            small.at<cv::Vec3f>(y, x) = cv::Vec3f(u(rng), u(rng), u(rng));
    cv::Mat img;
    cv::resize(small, img, cv::Size(16, 16), 0, 0, cv::INTER_CUBIC);
    if (k == 1)
        for (int y = 0; y < 16; ++y)
            for (int x = 0; x < 16; ++x)
                img.at<cv::Vec3f>(y, x) += cv::Vec3f::all(((x + y) % 2) ? 0.15f : -0.15f);
    return clamp8(img);
}

/// Brightness tells the classes apart, with overlap: head ~ 0.42, tail ~ 0.58 (σ 0.06), plus noise.
cv::Mat brightnessImage(int k, std::mt19937_64 &rng)
{
    std::normal_distribution<float> level(k == 0 ? 0.42f : 0.58f, 0.06f);
    std::normal_distribution<float> noise(0.0f, 0.05f);
    const float b = level(rng);
    cv::Mat img(16, 16, CV_32FC3);
    for (int y = 0; y < 16; ++y)
        for (int x = 0; x < 16; ++x)
            img.at<cv::Vec3f>(y, x) = cv::Vec3f(b + noise(rng), b + noise(rng), b + noise(rng));
    return clamp8(img);
}

TrainConfig smallConfig(const QString &manifest, const QString &runDir)
{
    TrainConfig c;
    c.dataset = manifest;
    c.runDir = runDir;
    c.imageSize = 16;
    c.student.architecture = "cifar_resnet";
    c.student.widthMultiplier = 0.25;
    c.student.cifarBlocks = {{1, 1, 1, 1}};
    c.strategy = Strategy::CrossEntropy;
    c.augment.enabled = false;
    c.epochs = 3;
    c.batchSize = 16;
    c.lr = 1e-3;
    c.threads = 2;
    c.workers = 2;
    c.mean = {{0.5f, 0.5f, 0.5f}};
    c.std = {{0.25f, 0.25f, 0.25f}};
    return c;
}

/// A fixed TorchScript "teacher": 4×4 average pooling of the image, squashed (48 features).
QString writeTeacher(const QString &dir)
{
    torch::jit::Module m("PoolTeacher");
    m.define(R"(
def forward(self, x):
    return torch.tanh(4.0 * torch.adaptive_avg_pool2d(x, [4, 4]).flatten(1))
)");
    const QString path = dir + QStringLiteral("/teacher.pt");
    m.save(path.toStdString());
    return path;
}

QMap<QString, double> perClassRecall(const QString &runDir)
{
    QFile f(runDir + QStringLiteral("/results/test_per_class.csv"));
    QMap<QString, double> recall;
    if (!f.open(QIODevice::ReadOnly)) return recall;
    const QStringList lines = QString::fromUtf8(f.readAll()).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    for (int i = 1; i < lines.size(); ++i) {
        const QStringList cells = lines[i].split(QLatin1Char(','));
        recall.insert(cells[0], cells[2].toDouble());
    }
    return recall;
}

std::map<std::string, torch::Tensor> checkpointTensors(const QString &path, const std::string &prefix)
{
    torch::serialize::InputArchive ar;
    ar.load_from(path.toStdString());
    std::map<std::string, torch::Tensor> out;
    for (const auto &key : ar.keys()) {
        if (key.rfind(prefix, 0) != 0) continue;
        if (prefix.empty() && key.rfind("student.", 0) != 0 && key.rfind("heads.", 0) != 0 &&
            key.rfind("prompt.", 0) != 0)
            continue; // optimiser states are nested archives, the meta is a string
        torch::Tensor t;
        ar.read(key, t, true);
        out[key] = t;
    }
    return out;
}

} // namespace

class TestTrainer : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void configRoundTrip()
    {
        TrainConfig c;
        c.strategy = Strategy::LdamDrw;
        c.prompt.alpha = 0.25;
        c.promptUpdate = PromptUpdate::Explore;
        c.augment.verticalFlip = true;
        c.student.cifarBlocks = {{1, 2, 1, 1}};
        c.teacher.mean = {{0.1f, 0.2f, 0.3f}};
        c.seed = 77;
        auto back = TrainConfig::fromJson(c.toJson());
        QVERIFY2(back, qPrintable(back ? QString() : back.error().message()));
        QCOMPARE(back.value().toJson(), c.toJson());

        QJsonObject typo = c.toJson();
        typo.insert(QStringLiteral("learningRate"), 0.1);
        auto bad = TrainConfig::fromJson(typo, QStringLiteral("cfg.json"));
        QVERIFY(!bad);
        QVERIFY(bad.error().detail.contains(QStringLiteral("learningRate")));
        QCOMPARE(bad.error().file, QStringLiteral("cfg.json"));

        QJsonObject nested = c.toJson();
        QJsonObject prompt = nested.value(QStringLiteral("prompt")).toObject();
        prompt.insert(QStringLiteral("aplha"), 0.3);
        nested.insert(QStringLiteral("prompt"), prompt);
        auto badNested = TrainConfig::fromJson(nested);
        QVERIFY(!badNested);
        QVERIFY(badNested.error().detail.contains(QStringLiteral("prompt.aplha")));

        QJsonObject wrongType = c.toJson();
        wrongType.insert(QStringLiteral("epochs"), QStringLiteral("ten"));
        QVERIFY(!TrainConfig::fromJson(wrongType));
        QJsonObject unknownStrategy = c.toJson();
        unknownStrategy.insert(QStringLiteral("strategy"), QStringLiteral("magic"));
        auto us = TrainConfig::fromJson(unknownStrategy);
        QVERIFY(!us && us.error().detail.contains(QStringLiteral("magic")));
        QJsonObject noTeacher = c.toJson();
        noTeacher.insert(QStringLiteral("strategy"), QStringLiteral("ekd"));
        auto nt = TrainConfig::fromJson(noTeacher);
        QVERIFY(!nt && nt.error().detail.contains(QStringLiteral("teacher.path")));
    }

    /// Found by fuzz_trainconfig: a whole number too large for its integer field ({"imageSize":
    /// 1e300}, {"seed": 1e19}) was cast from double regardless (undefined behaviour; UBSan stops
    /// there). It is now an error naming the field; the extremes that fit still read.
    void configIntegersOutOfRange()
    {
        const std::pair<const char *, double> topLevel[] = {
            {"imageSize", 1e300}, {"epochs", 2147483648.0}, {"seed", 9223372036854775808.0}, {"cacheMegabytes", -1e19}};
        for (const auto &[key, value] : topLevel) {
            QJsonObject o = TrainConfig().toJson();
            o.insert(QString::fromLatin1(key), value);
            const auto r = TrainConfig::fromJson(o, QStringLiteral("cfg.json"));
            QVERIFY2(!r, key);
            QVERIFY2(r.error().detail == QStringLiteral("%1 is out of range").arg(QLatin1String(key)),
                     qPrintable(r.error().detail));
        }
        QJsonObject nested = TrainConfig().toJson();
        QJsonObject teacher = nested.value(QStringLiteral("teacher")).toObject();
        teacher.insert(QStringLiteral("inputSize"), 1e12);
        nested.insert(QStringLiteral("teacher"), teacher);
        const auto n = TrainConfig::fromJson(nested);
        QVERIFY(!n);
        QCOMPARE(n.error().detail, QStringLiteral("teacher.inputSize is out of range"));

        QJsonObject extreme = TrainConfig().toJson();
        extreme.insert(QStringLiteral("strategy"), QStringLiteral("ce"));
        extreme.insert(QStringLiteral("seed"), -9223372036854775808.0);
        extreme.insert(QStringLiteral("many"), 2147483647.0);
        const auto e = TrainConfig::fromJson(extreme);
        QVERIFY2(e, qPrintable(e ? QString() : e.error().message()));
        QCOMPARE(e->seed, std::numeric_limits<std::int64_t>::min());
        QCOMPARE(e->many, std::numeric_limits<int>::max());
    }

    void registryAndValidationAgree()
    {
        // Every registered strategy is a valid configuration (with a teacher when it needs one) and
        // round-trips through JSON; the registry knows what each needs.
        QVERIFY(strategies().size() >= 9);
        QStringList ids;
        for (const StrategyInfo &info : strategies()) {
            QVERIFY2(!info.displayName.isEmpty() && !info.help.isEmpty() && info.loss, qPrintable(info.id));
            QVERIFY2(!ids.contains(info.id), qPrintable(info.id));
            ids << info.id;
            TrainConfig c;
            QVERIFY(parseStrategy(info.id, &c.strategy));
            QCOMPARE(c.strategyInfo(), &info);
            if (info.needsTeacher) {
                QVERIFY(!c.validate());
                c.teacher.path = QStringLiteral("teacher.pt");
            }
            QVERIFY2(c.validate(), qPrintable(info.id));
            auto back = TrainConfig::fromJson(c.toJson());
            QVERIFY2(back, qPrintable(back ? QString() : back.error().message()));
            QCOMPARE(back->strategy, c.strategy);
            QCOMPARE(strategyUsesTeacher(c.strategy), info.needsTeacher);
        }
        QCOMPARE(strategyIds(), ids);
        QVERIFY(findStrategy(QStringLiteral("fopro_kd"))->usesPrompt);
        QVERIFY(findStrategy(QStringLiteral("ldam_drw"))->cosineClassifier);
        QVERIFY(findStrategy(QStringLiteral("kd"))->teacherGivesLogits);

        // An unknown strategy is an error naming it and every registered one, in fromJson and validate.
        TrainConfig c;
        c.strategy = Strategy(QStringLiteral("magic"));
        const auto v = c.validate();
        QVERIFY(!v);
        QJsonObject o = TrainConfig().toJson();
        o.insert(QStringLiteral("strategy"), QStringLiteral("magic"));
        const auto f = TrainConfig::fromJson(o);
        QVERIFY(!f);
        for (const QString &detail : {v.error().detail, f.error().detail}) {
            QVERIFY2(detail.contains(QStringLiteral("magic")), qPrintable(detail));
            for (const QString &id : ids)
                QVERIFY2(detail.contains(id), qPrintable(detail));
        }
        Strategy unchanged = Strategy::BalancedSoftmax;
        QVERIFY(!parseStrategy(QStringLiteral("magic"), &unchanged));
        QCOMPARE(unchanged, Strategy::BalancedSoftmax);
    }

    void augmentationIsSeededAndExact()
    {
        const cv::Mat img = fopro::test::patternImage(20, 20, 3);
        AugmentSettings a;
        std::mt19937_64 r1(5), r2(5);
        const cv::Mat x = augmentImage(img, a, r1, 16), y = augmentImage(img, a, r2, 16);
        QCOMPARE(x.size(), cv::Size(16, 16));
        QCOMPARE(cv::norm(x, y, cv::NORM_INF), 0.0);

        // No jitter: exact planar values.
        cv::Mat px(1, 2, CV_8UC3);
        px.at<cv::Vec3b>(0, 0) = cv::Vec3b(255, 0, 51);
        px.at<cv::Vec3b>(0, 1) = cv::Vec3b(0, 102, 255);
        float out[6];
        std::mt19937_64 r(0);
        toChw01(px, out, nullptr, r);
        const float expected[6] = {1.0f, 0.0f, 0.0f, 0.4f, 0.2f, 1.0f};
        for (int i = 0; i < 6; ++i)
            QVERIFY(std::abs(out[i] - expected[i]) < 1e-6f);

        // Saturation 0 (σ = 1 gives s ∈ [0, 2]; pin it by asking for contrast and brightness 0 and
        // checking the grey point is a fixed point): a grey pixel stays grey under any jitter.
        cv::Mat grey(1, 1, CV_8UC3, cv::Scalar(128, 128, 128));
        AugmentSettings j;
        j.brightness = 0;
        j.contrast = 0.5;
        j.saturation = 0.5;
        float g[3];
        toChw01(grey, g, &j, r);
        for (float v : g)
            QVERIFY(std::abs(v - 128.0f / 255.0f) < 1e-6f);
    }

    void trainingImagesAreKeptLargerAndDecodedOnce()
    {
        // The side kept for random-resized crops: ⌈S/√cropScaleMin⌉, at most 2·S, S without crops.
        TrainConfig sides;
        sides.imageSize = 224;
        sides.augment.cropScaleMin = 0.35;
        QCOMPARE(trainingSourceSide(sides), 379); // 224/√0.35 = 378.6
        sides.augment.cropScaleMin = 0.25;
        QCOMPARE(trainingSourceSide(sides), 448);
        sides.augment.cropScaleMin = 0.01;
        QCOMPARE(trainingSourceSide(sides), 448); // capped at 2·S
        sides.augment.cropScaleMin = 1.0;
        QCOMPARE(trainingSourceSide(sides), 224);
        sides.augment.cropScaleMin = 0.25;
        sides.augment.enabled = false;
        QCOMPARE(trainingSourceSide(sides), 224);

        QTemporaryDir tmp;
        const QString manifest =
            writeDataset(tmp.path() + QStringLiteral("/data"), {QStringLiteral("a"), QStringLiteral("b")}, {6, 6}, 2, 0,
                         [](int, std::mt19937_64 &) { return fopro::test::patternImage(48, 48, 3); });
        QVERIFY(!manifest.isEmpty());
        auto index = data::DatasetIndex::load(manifest);
        QVERIFY(index.ok());
        TrainConfig c = smallConfig(manifest, tmp.path() + QStringLiteral("/run"));
        c.augment.enabled = true;
        c.augment.cropScaleMin = 0.25; // training side 32 for imageSize 16
        c.cacheMegabytes = 0;          // nothing fits in memory: everything goes through the disk
        const SplitData train = collectSplit(*index, data::Split::Train);
        const SplitData val = collectSplit(*index, data::Split::Val);
        QCOMPARE(int(train.size()), 12);
        const QString disk = tmp.path() + QStringLiteral("/cache/images");
        ImageSource images(*index, c, disk);
        QVERIFY2(images.plan(train.size(), val.size()).contains(disk), "the plan names the disk folder");
        QVERIFY(images.warm(train.samples, 2, nullptr, /*training=*/true).ok());
        QVERIFY(images.warm(val.samples, 2, nullptr).ok());
        QCOMPARE(images.cache().misses(), qint64(16)); // each image decoded once
        QCOMPARE(QDir(disk).entryList(QDir::Files | QDir::NoDotAndDotDot).size(), 16);
        auto big = images.image(train.samples[0], true);
        QVERIFY(big.ok());
        QCOMPARE(big->cols, 32);
        QCOMPARE(big->rows, 32);

        // Two augmented batches and an evaluation batch of training images: no decoding, the
        // evaluation copy made from the training copy (area averaging).
        std::vector<int> all(train.size());
        std::iota(all.begin(), all.end(), 0);
        std::vector<float> pixels(all.size() * 3 * 16 * 16);
        std::vector<std::int64_t> labels(all.size());
        QVERIFY(images.fillBatch(train, all, true, 1, pixels.data(), labels.data()).ok());
        QVERIFY(images.fillBatch(train, all, true, 2, pixels.data(), labels.data()).ok());
        QVERIFY(images.fillBatch(train, all, false, 0, pixels.data(), labels.data()).ok());
        QCOMPARE(images.cache().misses(), qint64(16));
        QVERIFY(images.cache().diskHits() >= qint64(3 * all.size()));
        auto small = images.image(train.samples[0], false);
        QVERIFY(small.ok());
        cv::Mat expected;
        cv::resize(*big, expected, cv::Size(16, 16), 0, 0, cv::INTER_AREA);
        QCOMPARE(cv::norm(*small, expected, cv::NORM_INF), 0.0);
    }

    void learnsHighFrequencyTexture()
    {
        QTemporaryDir tmp;
        const QString manifest =
            writeDataset(tmp.path() + QStringLiteral("/data"), {QStringLiteral("smooth"), QStringLiteral("textured")},
                         {60, 60}, 20, 40, textureImage);
        QVERIFY(!manifest.isEmpty());
        TrainConfig c = smallConfig(manifest, tmp.path() + QStringLiteral("/run"));
        c.epochs = 4;
        std::vector<Progress> seen;
        std::vector<EpochRecord> epochsSeen;
        auto r = trainRun(c, nullptr,
                          TrainHooks{[&](const Progress &p) { seen.push_back(p); },
                                     [&](const EpochRecord &e) { epochsSeen.push_back(e); }});
        QVERIFY2(r, qPrintable(r ? QString() : r.error().message()));
        QCOMPARE(r.value().status, TrainOutcome::Status::Finished);
        QCOMPARE(r.value().epochsDone, 4);
        const auto recall = perClassRecall(c.runDir);
        QVERIFY2(recall.value(QStringLiteral("smooth")) >= 0.9 && recall.value(QStringLiteral("textured")) >= 0.9,
                 qPrintable(QString::number(recall.value(QStringLiteral("textured")))));
        QCOMPARE(int(r.value().evaluations.size()), 2);
        QVERIFY(r.value().mainEvaluation() && r.value().mainEvaluation()->split == QLatin1String("test"));

        // The run folder holds what the header promises.
        for (const char *f :
             {"config.json", "status.json", "log.txt", "epochs.csv", "checkpoints/last.ckpt", "checkpoints/best.pt",
              "results/test_metrics.json", "results/test_per_class.csv", "results/test_per_class.json",
              "results/test_predictions.csv", "results/val_metrics.json"})
            QVERIFY2(QFileInfo::exists(c.runDir + QLatin1Char('/') + QLatin1String(f)), f);
        QFile cfg(c.runDir + QStringLiteral("/config.json"));
        QVERIFY(cfg.open(QIODevice::ReadOnly));
        const QJsonObject header = QJsonDocument::fromJson(cfg.readAll()).object();
        QCOMPARE(header.value(QStringLiteral("format")).toString(), QStringLiteral("fopro-run"));
        QCOMPARE(header.value(QStringLiteral("dataset")).toObject().value(QStringLiteral("sha256")).toString().size(),
                 64);
        QCOMPARE(
            header.value(QStringLiteral("versions")).toObject().value(QStringLiteral("libtorch")).toString().left(4),
            QStringLiteral("1.13"));
        QCOMPARE(header.value(QStringLiteral("config")).toObject().value(QStringLiteral("epochs")).toInt(), 4);
        auto epochs = project::RunFolder(c.runDir).readEpochs();
        QVERIFY(epochs);
        QCOMPARE(int(epochs.value().size()), 4);
        // The epoch sink saw every epoch with what epochs.csv holds (validation, head/medium/tail).
        QCOMPARE(int(epochsSeen.size()), 4);
        for (size_t i = 0; i < epochsSeen.size(); ++i) {
            QCOMPARE(epochsSeen[i].epoch, int(i) + 1);
            QCOMPARE(epochs.value()[i].epoch, int(i) + 1);
            QVERIFY(std::abs(epochs.value()[i].valBalancedAccuracy - epochsSeen[i].valBalancedAccuracy) < 1e-6);
            QVERIFY(epochsSeen[i].valMacroF1 >= 0 && epochsSeen[i].lr > 0);
            QVERIFY(!std::isnan(epochsSeen[i].valMediumRecall) || !std::isnan(epochsSeen[i].valTailRecall) ||
                    !std::isnan(epochsSeen[i].valHeadRecall));
            QVERIFY(!std::isnan(epochsSeen[i].loss(QStringLiteral("loss"))));
        }
        QFile csv(c.runDir + QStringLiteral("/epochs.csv"));
        QVERIFY(csv.open(QIODevice::ReadOnly));
        QCOMPARE(QString::fromUtf8(csv.readAll()).split(QLatin1Char('\n'), Qt::SkipEmptyParts).size(), 5);
        QFile preds(c.runDir + QStringLiteral("/results/test_predictions.csv"));
        QVERIFY(preds.open(QIODevice::ReadOnly));
        const QStringList rows = QString::fromUtf8(preds.readAll()).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        QCOMPARE(rows.size(), 81);
        QCOMPARE(rows[0], QStringLiteral("sample_id,true_label,predicted_label,p_smooth,p_textured"));

        // Progress: every batch reported, with throughput and an ETA that reaches 0.
        int trainingReports = 0;
        for (const auto &p : seen)
            if (p.phase == kPhaseTraining) {
                ++trainingReports;
                QVERIFY(p.rate > 0);
                QVERIFY(p.etaSeconds >= 0);
            }
        QVERIFY(trainingReports >= 4 * 7);
        QCOMPARE(seen.back().phase, kPhaseFinished);

        // evaluateRun re-derives the same numbers from the best checkpoint.
        QFile m1(c.runDir + QStringLiteral("/results/test_metrics.json"));
        QVERIFY(m1.open(QIODevice::ReadOnly));
        const double bacc =
            QJsonDocument::fromJson(m1.readAll()).object().value(QStringLiteral("balancedAccuracy")).toDouble();
        m1.close();
        auto again = evaluateRun(c.runDir, QStringLiteral("test"));
        QVERIFY2(again, qPrintable(again ? QString() : again.error().message()));
        QVERIFY(m1.open(QIODevice::ReadOnly));
        QCOMPARE(QJsonDocument::fromJson(m1.readAll()).object().value(QStringLiteral("balancedAccuracy")).toDouble(),
                 bacc);

        // The exported model predicts what the run predicted (TorchScript + sidecar round trip).
        auto exported = exportRun(c.runDir);
        QVERIFY2(exported, qPrintable(exported ? QString() : exported.error().message()));
        auto model = ExportedModel::load(exported.value());
        QVERIFY2(model, qPrintable(model ? QString() : model.error().message()));
        QCOMPARE(model.value().classNames(), QStringList({QStringLiteral("smooth"), QStringLiteral("textured")}));
        QCOMPARE(model.value().inputSize(), 16);
        std::vector<cv::Mat> images;
        std::vector<double> expected;
        for (int i = 1; i <= 5; ++i) {
            const QStringList cells = rows[i].split(QLatin1Char(','));
            const cv::Mat bgr =
                cv::imread((tmp.path() + QStringLiteral("/data/") + cells[0]).toStdString(), cv::IMREAD_COLOR);
            cv::Mat rgb;
            cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
            images.push_back(rgb);
            expected.push_back(cells[4].toDouble());
        }
        auto probs = model.value().predictProbabilities(images);
        QVERIFY(probs);
        for (size_t i = 0; i < images.size(); ++i)
            QVERIFY(std::abs(probs.value()[i][1] - expected[i]) < 1e-5);

        // A second run into the same folder is refused.
        auto twice = trainRun(c);
        QVERIFY(!twice);
        QCOMPARE(twice.error().file, c.runDir);
    }

    void balancedSoftmaxBeatsCrossEntropyOnTheTail()
    {
        QTemporaryDir tmp;
        const QString manifest =
            writeDataset(tmp.path() + QStringLiteral("/data"), {QStringLiteral("head"), QStringLiteral("tail")},
                         {240, 12}, 20, 100, brightnessImage);
        QVERIFY(!manifest.isEmpty());
        QMap<QString, double> ce, bsm;
        for (const auto &strategy : {Strategy::CrossEntropy, Strategy::BalancedSoftmax}) {
            TrainConfig c = smallConfig(manifest, tmp.path() + QStringLiteral("/run_") + strategyName(strategy));
            c.strategy = strategy;
            c.epochs = 6;
            c.batchSize = 32;
            auto r = trainRun(c);
            QVERIFY2(r, qPrintable(r ? QString() : r.error().message()));
            (strategy == Strategy::CrossEntropy ? ce : bsm) = perClassRecall(c.runDir);
        }
        qInfo("tail recall: CE %.3f, BSM %.3f; head recall: CE %.3f, BSM %.3f", ce.value(QStringLiteral("tail")),
              bsm.value(QStringLiteral("tail")), ce.value(QStringLiteral("head")), bsm.value(QStringLiteral("head")));
        QVERIFY(bsm.value(QStringLiteral("tail")) > ce.value(QStringLiteral("tail")) + 0.1);
    }

    void resumedRunEqualsUninterruptedRun()
    {
        QTemporaryDir tmp;
        const QString manifest =
            writeDataset(tmp.path() + QStringLiteral("/data"), {QStringLiteral("smooth"), QStringLiteral("textured")},
                         {40, 40}, 8, 8, textureImage);
        const QString teacher = writeTeacher(tmp.path());
        TrainConfig c = smallConfig(manifest, tmp.path() + QStringLiteral("/whole"));
        c.strategy = Strategy::FoProKd;
        c.teacher.kind = QStringLiteral("torchscript");
        c.teacher.path = teacher;
        c.teacher.mean = {{0, 0, 0}};
        c.teacher.std = {{1, 1, 1}};
        c.teacher.inputSize = 0;
        c.ekdHiddenDim = 32;
        c.augment.enabled = true; // seeded per sample: must not break equality
        c.augment.cropScaleMin = 0.6;
        c.epochs = 3;
        auto whole = trainRun(c);
        QVERIFY2(whole, qPrintable(whole ? QString() : whole.error().message()));

        // Interrupted in the middle of epoch 3, then resumed.
        TrainConfig c2 = c;
        c2.runDir = tmp.path() + QStringLiteral("/interrupted");
        JobControl control;
        auto cut = trainRun(c2, &control,
                            TrainHooks{[&](const Progress &p) {
                                           if (p.phase == kPhaseTraining && p.stage == 2 && p.done == 2)
                                               control.cancel();
                                       },
                                       {}});
        QVERIFY(cut);
        QCOMPARE(cut.value().status, TrainOutcome::Status::Cancelled);
        QCOMPARE(cut.value().epochsDone, 2);
        auto resumed = resumeRun(c2.runDir);
        QVERIFY2(resumed, qPrintable(resumed ? QString() : resumed.error().message()));
        QCOMPARE(resumed.value().epochsDone, 3);

        const auto a = checkpointTensors(c.runDir + QStringLiteral("/checkpoints/last.ckpt"), "");
        const auto b = checkpointTensors(c2.runDir + QStringLiteral("/checkpoints/last.ckpt"), "");
        int compared = 0;
        for (const auto &[key, t] : a) {
            if (key.rfind("student.", 0) != 0 && key.rfind("heads.", 0) != 0 && key.rfind("prompt.", 0) != 0) continue;
            QVERIFY2(b.count(key), key.c_str());
            QVERIFY2(torch::equal(t, b.at(key)), key.c_str());
            ++compared;
        }
        QVERIFY(compared > 20);
        // The prompt moved away from identity (AKD) and its profile was logged per epoch.
        QVERIFY(QFileInfo::exists(c.runDir + QStringLiteral("/prompt_gain.csv")));
        QVERIFY(a.at("prompt.0").abs().max().item<float>() > 0);
    }

    void cancelStopsWithinOneBatch()
    {
        QTemporaryDir tmp;
        const QString manifest =
            writeDataset(tmp.path() + QStringLiteral("/data"), {QStringLiteral("smooth"), QStringLiteral("textured")},
                         {64, 64}, 4, 4, textureImage);
        TrainConfig c = smallConfig(manifest, tmp.path() + QStringLiteral("/run"));
        JobControl control;
        int batchesAfterCancel = 0;
        bool cancelled = false;
        auto r = trainRun(c, &control,
                          TrainHooks{[&](const Progress &p) {
                                         if (p.phase != kPhaseTraining || !p.message.isEmpty()) return;
                                         if (cancelled) ++batchesAfterCancel;
                                         if (p.stage == 0 && p.done == 3) {
                                             control.cancel();
                                             cancelled = true;
                                         }
                                     },
                                     {}});
        QVERIFY(r);
        QCOMPARE(r.value().status, TrainOutcome::Status::Cancelled);
        QCOMPARE(batchesAfterCancel, 0);
        QFile status(c.runDir + QStringLiteral("/status.json"));
        QVERIFY(status.open(QIODevice::ReadOnly));
        QCOMPARE(QJsonDocument::fromJson(status.readAll()).object().value(QStringLiteral("state")).toString(),
                 QStringLiteral("cancelled"));
        // Nothing finished, so resuming starts from the beginning and completes.
        auto resumed = resumeRun(c.runDir);
        QVERIFY(resumed);
        QCOMPARE(resumed.value().epochsDone, 3);
    }

    void pauseHoldsTheLoop()
    {
        QTemporaryDir tmp;
        const QString manifest =
            writeDataset(tmp.path() + QStringLiteral("/data"), {QStringLiteral("smooth"), QStringLiteral("textured")},
                         {32, 32}, 4, 4, textureImage);
        TrainConfig c = smallConfig(manifest, tmp.path() + QStringLiteral("/run"));
        c.epochs = 1;
        JobControl control;
        std::atomic<int> reports{0};
        std::atomic<bool> pausedOnce{false};
        Result<TrainOutcome> result = makeError(ErrorCode::InvalidArgument, {}, QStringLiteral("not run"));
        std::thread worker([&] {
            result = trainRun(c, &control,
                              TrainHooks{[&](const Progress &p) {
                                             if (p.phase != kPhaseTraining) return;
                                             ++reports;
                                             if (p.done == 1 && !pausedOnce.exchange(true)) control.pause();
                                         },
                                         {}});
        });
        QTRY_VERIFY(pausedOnce.load());
        const int before = reports.load();
        QTest::qWait(400);
        QCOMPARE(reports.load(), before); // nothing moves while paused
        QFile status(c.runDir + QStringLiteral("/status.json"));
        QVERIFY(status.open(QIODevice::ReadOnly));
        QCOMPARE(QJsonDocument::fromJson(status.readAll()).object().value(QStringLiteral("state")).toString(),
                 QStringLiteral("paused"));
        control.resume();
        worker.join();
        QVERIFY(result);
        QCOMPARE(result.value().status, TrainOutcome::Status::Finished);
        QVERIFY(reports.load() > before);
    }

    void ekdCachesTeacherFeaturesAndExploreMovesThePrompt()
    {
        QTemporaryDir tmp;
        const QString manifest =
            writeDataset(tmp.path() + QStringLiteral("/data"), {QStringLiteral("smooth"), QStringLiteral("textured")},
                         {30, 30}, 6, 6, textureImage);
        const QString teacher = writeTeacher(tmp.path());
        TrainConfig c = smallConfig(manifest, tmp.path() + QStringLiteral("/ekd"));
        c.strategy = Strategy::Ekd;
        c.teacher.kind = QStringLiteral("torchscript");
        c.teacher.path = teacher;
        c.teacher.mean = {{0, 0, 0}};
        c.teacher.std = {{1, 1, 1}};
        c.ekdHiddenDim = 16;
        c.epochs = 2;
        auto r = trainRun(c);
        QVERIFY2(r, qPrintable(r ? QString() : r.error().message()));
        const auto cache = checkpointTensors(c.runDir + QStringLiteral("/teacher_features.pt"), "features");
        QCOMPARE(cache.at("features").size(0), 60);
        QCOMPARE(cache.at("features").size(1), 48);
        // The cached value of a sample is the teacher's output on it: check one by hand.
        auto img = data::DatasetIndex::load(manifest).value();
        const auto first = std::find_if(img.samples.begin(), img.samples.end(),
                                        [](const data::Sample &s) { return s.split == data::Split::Train; });
        const cv::Mat rgb = cv::imread((img.root + QLatin1Char('/') + first->path).toStdString(), cv::IMREAD_COLOR);
        cv::Mat rgbOrder;
        cv::cvtColor(rgb, rgbOrder, cv::COLOR_BGR2RGB);
        const auto x =
            torch::from_blob(rgbOrder.data, {1, 16, 16, 3}, torch::kUInt8).permute({0, 3, 1, 2}).to(torch::kFloat32) /
            255.0;
        const auto expected = torch::tanh(4.0 * torch::adaptive_avg_pool2d(x, {4, 4}).flatten(1));
        const auto row = cache.at("features").index_select(0, torch::tensor({0}, torch::kInt64));
        QVERIFY(torch::allclose(row, expected, 1e-5, 1e-5));

        for (const auto update : {PromptUpdate::Adversarial, PromptUpdate::Explore}) {
            TrainConfig f = c;
            f.strategy = Strategy::FoProKd;
            f.promptUpdate = update;
            f.promptLr = 0.05;
            f.runDir = tmp.path() + QStringLiteral("/fopro_") + promptUpdateName(update);
            auto rf = trainRun(f);
            QVERIFY2(rf, qPrintable(rf ? QString() : rf.error().message()));
            QVERIFY(
                !QFileInfo::exists(f.runDir + QStringLiteral("/teacher_features.pt"))); // the prompt changes the input
            QFile gain(f.runDir + QStringLiteral("/prompt_gain.csv"));
            QVERIFY(gain.open(QIODevice::ReadOnly));
            const QStringList rows = QString::fromUtf8(gain.readAll()).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
            QCOMPARE(rows.size(), 3);
            const double lowBand = rows[2].split(QLatin1Char(','))[1].toDouble();
            QVERIFY2(std::abs(lowBand - 1.0) > 1e-3, qPrintable(rows[2])); // the prompt moved
            // One gain snapshot per epoch, whose radial profile (computed without torch) is the
            // prompt's own, as logged in prompt_gain.csv.
            QCOMPARE(spectral::gainSnapshotEpochs(f.runDir), (std::vector<int>{1, 2}));
            const auto map = spectral::loadGainMap(spectral::gainSnapshotPath(f.runDir, 2));
            QVERIFY2(map.ok(), qPrintable(map.error().message()));
            QCOMPARE(map->channels, 3);
            QCOMPARE(map->height, 16);
            QCOMPARE(map->width, 16);
            const auto logged = project::RunFolder(f.runDir).readPromptGain();
            QVERIFY(logged.ok());
            QCOMPARE(logged->back().first, 2);
            const std::vector<double> profile = map->radialProfile(16);
            QCOMPARE(profile.size(), logged->back().second.size());
            for (std::size_t b = 0; b < profile.size(); ++b) {
                const double expected = logged->back().second[b];
                QVERIFY2(std::isnan(expected) ? std::isnan(profile[b]) : std::abs(profile[b] - expected) < 1e-5,
                         qPrintable(QStringLiteral("band %1: %2 vs %3").arg(b).arg(profile[b]).arg(expected)));
            }
        }
    }

    void badInputsNameTheFile()
    {
        QTemporaryDir tmp;
        TrainConfig c = smallConfig(tmp.path() + QStringLiteral("/nothing.json"), tmp.path() + QStringLiteral("/run"));
        auto r = trainRun(c);
        QVERIFY(!r);
        QCOMPARE(r.error().file, c.dataset);
        QVERIFY(!QFileInfo::exists(c.runDir)); // nothing created for a run that cannot start

        // An unreadable image stops the run before training, naming the image.
        const QString manifest = writeDataset(tmp.path() + QStringLiteral("/data"),
                                              {QStringLiteral("a"), QStringLiteral("b")}, {6, 6}, 2, 2, textureImage);
        QFile broken(tmp.path() + QStringLiteral("/data/images/a_train_3.png"));
        QVERIFY(broken.open(QIODevice::WriteOnly | QIODevice::Truncate));
        broken.write("not a png");
        broken.close();
        c = smallConfig(manifest, tmp.path() + QStringLiteral("/run2"));
        auto r2 = trainRun(c);
        QVERIFY(!r2);
        QVERIFY2(r2.error().detail.contains(QStringLiteral("a_train_3.png")), qPrintable(r2.error().message()));
        QFile status(c.runDir + QStringLiteral("/status.json"));
        QVERIFY(status.open(QIODevice::ReadOnly));
        QCOMPARE(QJsonDocument::fromJson(status.readAll()).object().value(QStringLiteral("state")).toString(),
                 QStringLiteral("failed"));

        auto e = evaluateRun(tmp.path());
        QVERIFY(!e);
        QVERIFY(e.error().detail.contains(QStringLiteral("not a training run")));
    }
};

QTEST_GUILESS_MAIN(TestTrainer)
#include "tst_trainer.moc"
