#include "core/ml/trainer.h"

#include "core/data/imagecache.h"
#include "core/data/imageloader.h"
#include "core/metrics/evaluation.h"
#include "core/ml/export.h"
#include "core/ml/fourierprompt.h"
#include "core/ml/losses.h"
#include "core/ml/models.h"
#include "core/ml/teacher.h"
#include "core/ml/torchinfo.h"
#include "core/ml/trainsupport.h"
#include "core/project/project.h"

#include <torch/torch.h>

#include <QtCore/QCryptographicHash>
#include <QtCore/QDateTime>
#include <QtCore/QDir>
#include <QtCore/QFile>
#include <QtCore/QFileInfo>
#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QSaveFile>
#include <QtCore/QSysInfo>
#include <QtCore/QTextStream>

#include <opencv2/core/version.hpp>
#include <opencv2/imgproc.hpp>

#include <chrono>
#include <cmath>
#include <future>
#include <random>
#include <thread>

namespace fopro::ml {

using data::DatasetIndex;
using data::Split;
using torch::Tensor;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int kRunFormatVersion = 1;

QString qs(const std::string &s) { return QString::fromStdString(s); }

double secondsSince(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

/// splitmix64: the per-epoch and per-sample generator seeds.
std::uint64_t mix(std::uint64_t x)
{
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

std::uint64_t seedFor(std::int64_t seed, std::uint64_t a, std::uint64_t b = 0)
{
    return mix(mix(mix(std::uint64_t(seed)) ^ a) ^ (b * 0xD1B54A32D192ED03ull));
}

// ------------------------------------------------------------------------------------------------
// Data: a split as sample positions, images decoded once into the cache, batches built on workers.

struct SplitData {
    std::vector<int> samples; // indices into DatasetIndex::samples
    std::vector<int> labels;
};

SplitData collect(const DatasetIndex &index, Split split)
{
    SplitData d;
    for (int i = 0; i < int(index.samples.size()); ++i) {
        const auto &s = index.samples[size_t(i)];
        if (s.split != split || !DatasetIndex::isActive(s)) continue;
        d.samples.push_back(i);
        d.labels.push_back(s.label);
    }
    return d;
}

data::ResizePolicy policyOf(const QString &name)
{
    if (name == QLatin1String("stretch")) return data::ResizePolicy::Stretch;
    if (name == QLatin1String("letterbox")) return data::ResizePolicy::Letterbox;
    return data::ResizePolicy::ShorterSideCrop;
}

struct Batch {
    Tensor x01;    // B×3×S×S in [0,1]
    Tensor labels; // B int64
    std::vector<int> positions; // positions within the split
};

class ImageSource {
public:
    ImageSource(const DatasetIndex &index, const TrainConfig &c)
        : m_index(index)
        , m_config(c)
        , m_spec{c.imageSize, policyOf(c.resizePolicy)}
        , m_cache(std::max<qint64>(c.cacheMegabytes, 0) * 1024 * 1024)
    {
    }

    /// The decoded, resized image of a sample (cached).
    Result<cv::Mat> image(int sampleIndex)
    {
        const auto &s = m_index.samples[size_t(sampleIndex)];
        const data::ImageCache::Key key{m_index.absolutePath(s) + QLatin1Char('#') + QString::number(s.entry), m_spec};
        if (auto hit = m_cache.get(key)) return std::move(*hit);
        auto img = data::loadResized(m_index, s, m_spec);
        if (!img) return img.error();
        m_cache.put(key, img.value());
        return img;
    }

    /// Decodes every listed sample once (filling the cache and finding unreadable files early).
    Result<void> warm(const std::vector<int> &samples, int workers, TrainControl *control,
                      const std::function<void(int)> &done)
    {
        std::atomic<int> next{0}, count{0};
        std::mutex errorMutex;
        QStringList errors;
        auto work = [&] {
            for (;;) {
                if (control && control->cancel.isCancelled()) return;
                const int i = next.fetch_add(1);
                if (i >= int(samples.size())) return;
                auto r = image(samples[size_t(i)]);
                if (!r) {
                    std::lock_guard<std::mutex> lock(errorMutex);
                    errors << QStringLiteral("%1: %2").arg(r.error().file.isEmpty() ? m_index.samples[size_t(samples[size_t(i)])].path : r.error().file, r.error().detail);
                }
                count.fetch_add(1);
            }
        };
        std::vector<std::thread> threads;
        for (int w = 1; w < workers; ++w) threads.emplace_back(work);
        // The calling thread works too and reports progress.
        std::thread reporter;
        work();
        for (auto &t : threads) t.join();
        if (done) done(count.load());
        if (!errors.isEmpty()) {
            errors.sort();
            const int n = int(errors.size());
            QStringList shown = errors.mid(0, 5);
            return makeError(ErrorCode::Unreadable, {},
                             QStringLiteral("%1 image(s) cannot be decoded: %2%3").arg(n).arg(shown.join(QStringLiteral("; ")), n > 5 ? QStringLiteral("; ...") : QString()));
        }
        return {};
    }

    /// Builds a batch: decode (cached), augment with a generator seeded per sample, convert to float.
    Result<Batch> batch(const SplitData &split, const std::vector<int> &positions, bool augment, std::uint64_t epochSeed)
    {
        const int B = int(positions.size()), S = m_config.imageSize;
        Batch b;
        b.positions = positions;
        b.x01 = torch::empty({B, 3, S, S}, torch::kFloat32);
        b.labels = torch::empty({B}, torch::kInt64);
        float *dst = b.x01.data_ptr<float>();
        std::int64_t *lab = b.labels.data_ptr<std::int64_t>();
        std::atomic<int> next{0};
        std::mutex errorMutex;
        std::optional<Error> error;
        auto work = [&] {
            for (;;) {
                const int i = next.fetch_add(1);
                if (i >= B) return;
                const int pos = positions[size_t(i)];
                auto img = image(split.samples[size_t(pos)]);
                if (!img) {
                    std::lock_guard<std::mutex> lock(errorMutex);
                    if (!error) error = img.error();
                    continue;
                }
                cv::Mat rgb = std::move(img).value();
                std::mt19937_64 rng(seedFor(std::int64_t(epochSeed), std::uint64_t(pos), 0xA5));
                if (augment) rgb = augmentImage(rgb, m_config.augment, rng, S);
                toChw01(rgb, dst + std::size_t(i) * 3 * S * S, augment ? &m_config.augment : nullptr, rng);
                lab[i] = split.labels[size_t(pos)];
            }
        };
        const int workers = std::max(1, std::min(m_config.workers, B));
        std::vector<std::thread> threads;
        for (int w = 1; w < workers; ++w) threads.emplace_back(work);
        work();
        for (auto &t : threads) t.join();
        if (error) return *error;
        return b;
    }

    const data::ResizeSpec &spec() const { return m_spec; }

private:
    const DatasetIndex &m_index;
    const TrainConfig &m_config;
    data::ResizeSpec m_spec;
    data::ImageCache m_cache;
};

/// Batches of an epoch: positions within the training split, in the epoch's order.
std::vector<std::vector<int>> epochBatches(const TrainConfig &c, const SplitData &train, int numClasses, int epoch)
{
    std::mt19937_64 rng(seedFor(c.seed, 0x5EED0000ull + std::uint64_t(epoch)));
    const int n = int(train.samples.size());
    std::vector<int> order(static_cast<size_t>(n));
    if (c.sampler == QLatin1String("class_balanced")) {
        std::vector<std::vector<int>> byClass(static_cast<size_t>(numClasses));
        for (int i = 0; i < n; ++i) byClass[size_t(train.labels[size_t(i)])].push_back(i);
        std::vector<int> present;
        for (int k = 0; k < numClasses; ++k)
            if (!byClass[size_t(k)].empty()) present.push_back(k);
        for (int i = 0; i < n; ++i) {
            const auto &members = byClass[size_t(present[size_t(rng() % present.size())])];
            order[size_t(i)] = members[size_t(rng() % members.size())];
        }
    } else {
        std::iota(order.begin(), order.end(), 0);
        for (int i = n - 1; i > 0; --i) std::swap(order[size_t(i)], order[size_t(rng() % std::uint64_t(i + 1))]);
    }
    std::vector<std::vector<int>> batches;
    for (int start = 0; start < n; start += c.batchSize) {
        const int end = std::min(n, start + c.batchSize);
        if (end - start < 2) break; // batch norm needs two samples
        batches.emplace_back(order.begin() + start, order.begin() + end);
        if (c.maxTrainBatches > 0 && int(batches.size()) >= c.maxTrainBatches) break;
    }
    return batches;
}

std::vector<std::vector<int>> sequentialBatches(int n, int batchSize)
{
    std::vector<std::vector<int>> batches;
    for (int start = 0; start < n; start += batchSize) {
        std::vector<int> b;
        for (int i = start; i < std::min(n, start + batchSize); ++i) b.push_back(i);
        batches.push_back(std::move(b));
    }
    return batches;
}

// ------------------------------------------------------------------------------------------------
// Run folder helpers.

Result<void> writeText(const QString &file, const QByteArray &bytes)
{
    QDir().mkpath(QFileInfo(file).absolutePath());
    QSaveFile f(file);
    if (!f.open(QIODevice::WriteOnly)) return makeError(ErrorCode::WriteFailed, file, f.errorString());
    f.write(bytes);
    if (!f.commit()) return makeError(ErrorCode::WriteFailed, file, f.errorString());
    return {};
}

Result<void> writeJson(const QString &file, const QJsonObject &o)
{
    return writeText(file, QJsonDocument(o).toJson(QJsonDocument::Indented));
}

Result<QJsonObject> readJson(const QString &file)
{
    QFile f(file);
    if (!f.exists()) return makeError(ErrorCode::NotFound, file, QStringLiteral("file not found"));
    if (!f.open(QIODevice::ReadOnly)) return makeError(ErrorCode::Unreadable, file, f.errorString());
    QJsonParseError pe;
    const auto doc = QJsonDocument::fromJson(f.readAll(), &pe);
    if (!doc.isObject()) return makeError(ErrorCode::Malformed, file, QStringLiteral("not a JSON object: %1").arg(pe.errorString()));
    return doc.object();
}

class RunLog {
public:
    explicit RunLog(const QString &file) : m_file(file) {}
    void line(const QString &text) const
    {
        QFile f(m_file);
        if (!f.open(QIODevice::Append | QIODevice::Text)) return;
        f.write((QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs) + QLatin1Char(' ') + text + QLatin1Char('\n')).toUtf8());
    }

private:
    QString m_file;
};

QString csvField(const QString &s)
{
    if (!s.contains(QLatin1Char(',')) && !s.contains(QLatin1Char('"')) && !s.contains(QLatin1Char('\n')) && !s.contains(QLatin1Char('\r')))
        return s;
    QString q = s;
    q.replace(QLatin1String("\""), QLatin1String("\"\""));
    return QLatin1Char('"') + q + QLatin1Char('"');
}

QString num(double v)
{
    if (std::isnan(v)) return QString();
    return QString::number(v, 'g', 8);
}

/// The dataset a configuration names: a manifest file or a project folder.
struct LoadedDataset {
    DatasetIndex index;
    QString manifest; // absolute path of the manifest file
    QString sha256;
};

Result<LoadedDataset> loadDataset(const QString &path)
{
    if (path.isEmpty()) return makeError(ErrorCode::InvalidArgument, {}, QStringLiteral("no dataset given (setting \"dataset\")"));
    LoadedDataset d;
    if (project::Project::isProject(path)) {
        auto p = project::Project::open(path);
        if (!p) return p.error();
        d.index = std::move(p.value().dataset);
        d.manifest = p.value().datasetFile();
    } else {
        if (!QFileInfo::exists(path)) return makeError(ErrorCode::NotFound, path, QStringLiteral("dataset manifest not found"));
        auto idx = DatasetIndex::load(path);
        if (!idx) return idx.error();
        d.index = std::move(idx).value();
        d.manifest = QFileInfo(path).absoluteFilePath();
    }
    QFile f(d.manifest);
    if (f.open(QIODevice::ReadOnly)) {
        QCryptographicHash h(QCryptographicHash::Sha256);
        h.addData(&f);
        d.sha256 = QString::fromLatin1(h.result().toHex());
    }
    return d;
}

std::vector<std::int64_t> countsOf(const SplitData &s, int numClasses)
{
    std::vector<std::int64_t> n(size_t(numClasses), 0);
    for (int l : s.labels) ++n[size_t(l)];
    return n;
}

StudentConfig studentConfigFor(const TrainConfig &c, int numClasses)
{
    StudentConfig s = c.student;
    s.numClasses = numClasses;
    s.inputChannels = 3;
    s.seed = c.seed;
    if (c.strategy == Strategy::LdamDrw) {
        s.cosineClassifier = true;
        s.cosineScale = c.ldamScale;
    }
    return s;
}

Tensor normalise(const Tensor &x01, const std::array<float, 3> &mean, const std::array<float, 3> &std)
{
    const auto m = torch::tensor({mean[0], mean[1], mean[2]}).view({1, 3, 1, 1});
    const auto s = torch::tensor({std[0], std[1], std[2]}).view({1, 3, 1, 1});
    return (x01 - m) / s;
}

Result<Teacher> loadTeacher(const TrainConfig &c, int studentSize)
{
    const TeacherSettings &t = c.teacher;
    Result<Teacher> teacher = makeError(ErrorCode::InvalidArgument, t.path, QStringLiteral("no teacher"));
    if (t.kind == QLatin1String("tfjs")) {
        teacher = Teacher::loadTfjs(t.path.toStdString(), t.outputLayer.toStdString(), true);
    } else {
        const QString sidecar = QFileInfo(t.path).path() + QLatin1Char('/') + QFileInfo(t.path).completeBaseName() + QStringLiteral(".json");
        teacher = Teacher::loadTorchScript(t.path.toStdString(), std::max(0, t.inputSize), t.mean, t.std,
                                           QFileInfo::exists(sidecar) ? sidecar.toStdString() : std::string());
    }
    if (!teacher) return teacher;
    if (t.inputSize == 0) return teacher.value().withInputSize(studentSize);
    if (t.inputSize > 0 && teacher.value().inputSize() != t.inputSize) return teacher.value().withInputSize(t.inputSize);
    return teacher;
}

double scheduledLr(const TrainConfig &c, int epoch)
{
    double lr = c.lr;
    if (c.schedule == QLatin1String("cosine")) lr = c.lr * 0.5 * (1.0 + std::cos(M_PI * epoch / double(c.epochs)));
    else if (c.schedule == QLatin1String("step")) lr = c.lr * std::pow(c.stepGamma, epoch / c.stepEpochs);
    if (epoch < c.warmupEpochs) lr *= double(epoch + 1) / double(c.warmupEpochs + 1);
    return lr;
}

// ------------------------------------------------------------------------------------------------
// The training session: models, optimisers, checkpoints.

struct Session {
    TrainConfig config;
    QString runDir;
    LoadedDataset data;
    SplitData train, val, test;
    std::vector<std::int64_t> counts;
    QStringList classNames;
    int numClasses = 0;

    std::optional<Student> student;
    std::optional<EkdHeads> heads;
    std::optional<FourierPrompt> prompt;
    std::optional<Teacher> teacher;
    std::unique_ptr<torch::optim::Optimizer> optimizer;
    std::unique_ptr<torch::optim::Adam> promptOptimizer;
    Tensor featureCache; // train-split teacher outputs when cached

    int epochsDone = 0;
    int bestEpoch = 0;
    double bestScore = -1;
    std::vector<EpochRecord> history;
    std::int64_t steps = 0;

    QString file(const QString &name) const { return QDir(runDir).filePath(name); }
    bool usesTeacher() const { return strategyUsesTeacher(config.strategy); }
    bool cachesTeacher() const
    {
        return usesTeacher() && config.strategy != Strategy::FoProKd && config.teacher.cacheFeatures && !config.augment.enabled;
    }
};

QJsonObject historyToJson(const std::vector<EpochRecord> &h)
{
    QJsonArray a;
    for (const auto &r : h) {
        QJsonObject losses;
        for (const auto &[k, v] : r.losses) losses.insert(k, v);
        a.append(QJsonObject{{"epoch", r.epoch}, {"lr", r.lr}, {"losses", losses},
                             {"valAccuracy", std::isnan(r.valAccuracy) ? QJsonValue() : QJsonValue(r.valAccuracy)},
                             {"valBalancedAccuracy", std::isnan(r.valBalancedAccuracy) ? QJsonValue() : QJsonValue(r.valBalancedAccuracy)},
                             {"valMacroF1", std::isnan(r.valMacroF1) ? QJsonValue() : QJsonValue(r.valMacroF1)},
                             {"seconds", r.seconds}, {"imagesPerSecond", r.imagesPerSecond}, {"best", r.best}});
    }
    return QJsonObject{{"epochs", a}};
}

std::vector<EpochRecord> historyFromJson(const QJsonObject &o)
{
    std::vector<EpochRecord> h;
    const auto nanOr = [](const QJsonValue &v) { return v.isDouble() ? v.toDouble() : std::nan(""); };
    for (const auto &v : o.value(QStringLiteral("epochs")).toArray()) {
        const QJsonObject e = v.toObject();
        EpochRecord r;
        r.epoch = e.value(QStringLiteral("epoch")).toInt();
        r.lr = e.value(QStringLiteral("lr")).toDouble();
        const QJsonObject losses = e.value(QStringLiteral("losses")).toObject();
        for (auto it = losses.begin(); it != losses.end(); ++it) r.losses.emplace_back(it.key(), it.value().toDouble());
        std::sort(r.losses.begin(), r.losses.end(), [](const auto &a, const auto &b) {
            return (a.first == QLatin1String("loss")) != (b.first == QLatin1String("loss")) ? a.first == QLatin1String("loss") : a.first < b.first;
        });
        r.valAccuracy = nanOr(e.value(QStringLiteral("valAccuracy")));
        r.valBalancedAccuracy = nanOr(e.value(QStringLiteral("valBalancedAccuracy")));
        r.valMacroF1 = nanOr(e.value(QStringLiteral("valMacroF1")));
        r.seconds = e.value(QStringLiteral("seconds")).toDouble();
        r.imagesPerSecond = e.value(QStringLiteral("imagesPerSecond")).toDouble();
        r.best = e.value(QStringLiteral("best")).toBool();
        h.push_back(r);
    }
    return h;
}

QString epochsCsv(const std::vector<EpochRecord> &h)
{
    QStringList lossNames;
    for (const auto &r : h)
        for (const auto &l : r.losses)
            if (!lossNames.contains(l.first)) lossNames << l.first;
    QString out = QStringLiteral("epoch,lr");
    for (const auto &n : lossNames) out += QLatin1Char(',') + n;
    out += QStringLiteral(",val_accuracy,val_balanced_accuracy,val_macro_f1,seconds,images_per_second,best\n");
    for (const auto &r : h) {
        out += QString::number(r.epoch) + QLatin1Char(',') + num(r.lr);
        for (const auto &n : lossNames) {
            double v = std::nan("");
            for (const auto &l : r.losses)
                if (l.first == n) v = l.second;
            out += QLatin1Char(',') + num(v);
        }
        out += QLatin1Char(',') + num(r.valAccuracy) + QLatin1Char(',') + num(r.valBalancedAccuracy) + QLatin1Char(',') +
               num(r.valMacroF1) + QLatin1Char(',') + num(r.seconds) + QLatin1Char(',') + num(r.imagesPerSecond) +
               QLatin1Char(',') + (r.best ? QStringLiteral("1") : QStringLiteral("0")) + QLatin1Char('\n');
    }
    return out;
}

void writeStatus(const Session &s, const QString &state, const QString &detail = {})
{
    QJsonObject o{{"state", state}, {"epochsDone", s.epochsDone}, {"epochs", s.config.epochs}, {"bestEpoch", s.bestEpoch},
                  {"bestValBalancedAccuracy", s.bestScore >= 0 ? QJsonValue(s.bestScore) : QJsonValue()},
                  {"updated", QDateTime::currentDateTimeUtc().toString(Qt::ISODate)}};
    if (!detail.isEmpty()) o.insert(QStringLiteral("detail"), detail);
    (void)writeJson(s.file(QStringLiteral("status.json")), o);
}

Result<void> saveCheckpoint(Session &s)
{
    torch::serialize::OutputArchive ar;
    for (const auto &[name, t] : s.student->namedState()) ar.write("student." + name, t, true);
    if (s.heads)
        for (const auto &[name, t] : s.heads->namedState()) ar.write("heads." + name, t, true);
    if (s.prompt) {
        const auto params = s.prompt->parameters();
        for (size_t i = 0; i < params.size(); ++i) ar.write("prompt." + std::to_string(i), params[i], true);
    }
    torch::serialize::OutputArchive opt;
    s.optimizer->save(opt);
    ar.write("optimizer", opt);
    if (s.promptOptimizer) {
        torch::serialize::OutputArchive popt;
        s.promptOptimizer->save(popt);
        ar.write("prompt_optimizer", popt);
    }
    QJsonObject meta = historyToJson(s.history);
    meta.insert(QStringLiteral("epochsDone"), s.epochsDone);
    meta.insert(QStringLiteral("bestEpoch"), s.bestEpoch);
    meta.insert(QStringLiteral("bestScore"), s.bestScore);
    meta.insert(QStringLiteral("steps"), double(s.steps));
    ar.write("meta", c10::IValue(QJsonDocument(meta).toJson(QJsonDocument::Compact).toStdString()));

    const QString path = s.file(QStringLiteral("checkpoints/last.ckpt"));
    QDir().mkpath(QFileInfo(path).absolutePath());
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly)) return makeError(ErrorCode::WriteFailed, path, f.errorString());
    try {
        ar.save_to([&f](const void *data, size_t size) -> size_t {
            return f.write(static_cast<const char *>(data), qint64(size)) == qint64(size) ? size : 0;
        });
    } catch (const std::exception &e) {
        f.cancelWriting();
        return makeError(ErrorCode::WriteFailed, path, qs(e.what()));
    }
    if (!f.commit()) return makeError(ErrorCode::WriteFailed, path, f.errorString());
    return {};
}

Result<void> loadCheckpoint(Session &s, const QString &path)
{
    try {
        torch::serialize::InputArchive ar;
        ar.load_from(path.toStdString());
        torch::NoGradGuard noGrad;
        for (auto &[name, t] : s.student->namedState()) {
            Tensor v;
            ar.read("student." + name, v, true);
            t.copy_(v);
        }
        if (s.heads)
            for (auto &[name, t] : s.heads->namedState()) {
                Tensor v;
                ar.read("heads." + name, v, true);
                t.copy_(v);
            }
        if (s.prompt) {
            auto params = s.prompt->parameters();
            for (size_t i = 0; i < params.size(); ++i) {
                Tensor v;
                ar.read("prompt." + std::to_string(i), v, true);
                params[i].copy_(v);
            }
        }
        torch::serialize::InputArchive opt;
        ar.read("optimizer", opt);
        s.optimizer->load(opt);
        if (s.promptOptimizer) {
            torch::serialize::InputArchive popt;
            ar.read("prompt_optimizer", popt);
            s.promptOptimizer->load(popt);
        }
        c10::IValue metaValue;
        ar.read("meta", metaValue);
        const QJsonObject meta = QJsonDocument::fromJson(QByteArray::fromStdString(metaValue.toStringRef())).object();
        s.history = historyFromJson(meta);
        s.epochsDone = meta.value(QStringLiteral("epochsDone")).toInt();
        s.bestEpoch = meta.value(QStringLiteral("bestEpoch")).toInt();
        s.bestScore = meta.value(QStringLiteral("bestScore")).toDouble(-1);
        s.steps = std::int64_t(meta.value(QStringLiteral("steps")).toDouble());
    } catch (const std::exception &e) {
        return makeError(ErrorCode::Malformed, path, QStringLiteral("not a usable checkpoint of this run: %1").arg(qs(e.what()).section(QLatin1Char('\n'), 0, 0)));
    }
    return {};
}

/// Builds models, optimisers and the teacher of a session (weights from the seed).
Result<void> buildModels(Session &s)
{
    const TrainConfig &c = s.config;
    configureTorchThreads(c.threads);
    auto student = Student::create(studentConfigFor(c, s.numClasses));
    if (!student) return student.error();
    s.student.emplace(std::move(student).value());
    if (!c.studentInit.isEmpty()) {
        auto r = s.student->loadParameters(c.studentInit.toStdString(), ClassifierLoad::SkipOnMismatch);
        if (!r) return r.error();
    }
    if (s.usesTeacher()) {
        auto t = loadTeacher(c, c.imageSize);
        if (!t) return t.error();
        s.teacher.emplace(std::move(t).value());
        if (c.strategy == Strategy::HintonKd && s.teacher->featureDim() != s.numClasses)
            return makeError(ErrorCode::InvalidArgument, c.teacher.path,
                             QStringLiteral("Hinton KD needs a teacher with %1 class outputs; this one gives %2 values").arg(s.numClasses).arg(s.teacher->featureDim()));
    }
    std::vector<Tensor> params = s.student->parameters();
    if (c.strategy == Strategy::Ekd || c.strategy == Strategy::FoProKd) {
        EkdHeadsConfig hc;
        hc.featureDim = s.student->featureDim();
        hc.hiddenDim = c.ekdHiddenDim;
        hc.teacherDim = s.teacher->featureDim();
        hc.numClasses = s.numClasses;
        hc.seed = c.seed + 1;
        s.heads.emplace(hc);
        for (auto &p : s.heads->parameters()) params.push_back(p);
    }
    if (c.strategy == Strategy::FoProKd) {
        FourierPromptConfig pc = c.prompt;
        pc.imageSize = c.imageSize;
        pc.imageWidth = 0;
        pc.channels = 3;
        torch::manual_seed(std::uint64_t(c.seed) + 2);
        s.prompt.emplace(pc);
        s.promptOptimizer = std::make_unique<torch::optim::Adam>(s.prompt->parameters(), torch::optim::AdamOptions(c.promptLr));
    }
    if (c.optimizer == QLatin1String("sgd"))
        s.optimizer = std::make_unique<torch::optim::SGD>(
            params, torch::optim::SGDOptions(c.lr).momentum(c.momentum).nesterov(c.nesterov).weight_decay(c.weightDecay));
    else
        s.optimizer = std::make_unique<torch::optim::Adam>(params, torch::optim::AdamOptions(c.lr).weight_decay(c.weightDecay));
    return {};
}

/// Prepares a session from a configuration (dataset, splits, counts), without models.
Result<void> prepareData(Session &s)
{
    auto d = loadDataset(s.config.dataset);
    if (!d) return d.error();
    s.data = std::move(d).value();
    s.numClasses = s.data.index.classCount();
    s.classNames = s.data.index.classes;
    s.train = collect(s.data.index, Split::Train);
    s.val = collect(s.data.index, Split::Val);
    s.test = collect(s.data.index, Split::Test);
    if (s.numClasses < 2) return makeError(ErrorCode::InvalidArgument, s.data.manifest, QStringLiteral("training needs at least two classes"));
    if (int(s.train.samples.size()) < 2)
        return makeError(ErrorCode::InvalidArgument, s.data.manifest,
                         QStringLiteral("the training split has %1 usable image(s); assign a split first (fopro dataset split)").arg(s.train.samples.size()));
    s.counts = countsOf(s.train, s.numClasses);
    return {};
}

// ------------------------------------------------------------------------------------------------
// Evaluation of a student on a split.

struct Predictions {
    std::vector<int> yTrue, yPred;
    std::vector<double> probabilities; // N×C
};

Result<Predictions> predict(Student &student, ImageSource &images, const SplitData &split, const TrainConfig &c,
                            int numClasses, CancelToken *cancel, const std::function<void(int, int)> &tick)
{
    Predictions p;
    student.eval();
    torch::NoGradGuard noGrad;
    const auto batches = sequentialBatches(int(split.samples.size()), std::max(c.batchSize, 64));
    int done = 0;
    for (const auto &positions : batches) {
        if (fopro::isCancelled(cancel)) return makeError(ErrorCode::Cancelled, {}, QStringLiteral("cancelled"));
        auto b = images.batch(split, positions, false, 0);
        if (!b) return b.error();
        const Tensor probs = torch::softmax(student.forward(normalise(b.value().x01, c.mean, c.std)), 1).to(torch::kFloat64).contiguous();
        const double *pp = probs.data_ptr<double>();
        for (size_t i = 0; i < positions.size(); ++i) {
            int arg = 0;
            for (int k = 0; k < numClasses; ++k) {
                const double v = std::clamp(pp[i * size_t(numClasses) + size_t(k)], 0.0, 1.0);
                p.probabilities.push_back(v);
                if (v > pp[i * size_t(numClasses) + size_t(arg)]) arg = k;
            }
            p.yPred.push_back(arg);
            p.yTrue.push_back(split.labels[size_t(positions[i])]);
        }
        done += int(positions.size());
        if (tick) tick(done, int(split.samples.size()));
    }
    return p;
}

QString summaryText(const metrics::EvaluationReport &r, const QStringList &names, const QString &splitName,
                    const std::vector<std::int64_t> &counts)
{
    QString out;
    QTextStream ts(&out);
    int width = 5;
    for (const auto &n : names) width = std::max(width, int(n.size()));
    ts << splitName << " split, " << r.numSamples << " images\n";
    ts << QStringLiteral("%1  %2  %3  %4  %5  %6  %7\n")
              .arg(QStringLiteral("class"), -width)
              .arg(QStringLiteral("train"), 6)
              .arg(QStringLiteral("group"), -6)
              .arg(QStringLiteral("support"), 7)
              .arg(QStringLiteral("recall"), 7)
              .arg(QStringLiteral("precision"), 9)
              .arg(QStringLiteral("F1"), 6);
    for (int k = 0; k < r.numClasses; ++k) {
        QString group;
        if (r.hasTailGroups) {
            const auto in = [k](const metrics::GroupRecall &g) { return std::find(g.classes.begin(), g.classes.end(), k) != g.classes.end(); };
            group = in(r.tailGroups.head) ? QStringLiteral("head") : in(r.tailGroups.tail) ? QStringLiteral("tail") : QStringLiteral("medium");
        }
        ts << QStringLiteral("%1  %2  %3  %4  %5  %6  %7\n")
                  .arg(metrics::classLabel(k, names), -width)
                  .arg(counts.empty() ? 0 : counts[size_t(k)], 6)
                  .arg(group, -6)
                  .arg(r.perClass.support[size_t(k)], 7)
                  .arg(r.perClass.recall[size_t(k)], 7, 'f', 3)
                  .arg(r.perClass.precision[size_t(k)], 9, 'f', 3)
                  .arg(r.perClass.f1[size_t(k)], 6, 'f', 3);
    }
    ts << QStringLiteral("accuracy %1  balanced accuracy %2  macro-F1 %3  MCC %4")
              .arg(r.accuracy, 0, 'f', 4)
              .arg(r.balancedAccuracy, 0, 'f', 4)
              .arg(r.macroF1, 0, 'f', 4)
              .arg(r.matthews, 0, 'f', 4);
    if (r.hasProbabilities) ts << QStringLiteral("  ECE %1").arg(r.calibration.ece, 0, 'f', 4);
    ts << "\n";
    if (r.hasTailGroups) {
        const auto g = [](const metrics::GroupRecall &x) {
            return x.evaluated.empty() ? QStringLiteral("n/a") : QString::number(x.meanRecall, 'f', 4);
        };
        ts << QStringLiteral("head recall %1 (%2 classes)  medium %3 (%4)  tail %5 (%6)\n")
                  .arg(g(r.tailGroups.head))
                  .arg(r.tailGroups.head.classes.size())
                  .arg(g(r.tailGroups.medium))
                  .arg(r.tailGroups.medium.classes.size())
                  .arg(g(r.tailGroups.tail))
                  .arg(r.tailGroups.tail.classes.size());
    }
    return out;
}

/// Predicts a split with the student and writes results/<name>_*.
Result<QString> writeResults(Session &s, ImageSource &images, const SplitData &split, const QString &name,
                             CancelToken *cancel, const ProgressCallback &progress)
{
    auto p = predict(*s.student, images, split, s.config, s.numClasses, cancel, [&](int done, int total) {
        if (!progress) return;
        TrainProgress tp;
        tp.phase = TrainProgress::Phase::Evaluating;
        tp.batch = done;
        tp.batches = total;
        tp.message = QStringLiteral("evaluating the %1 split").arg(name);
        progress(tp);
    });
    if (!p) return p.error();
    metrics::EvaluationOptions o;
    o.numClasses = s.numClasses;
    o.trainCounts.assign(s.counts.begin(), s.counts.end());
    o.many = s.config.many;
    o.few = s.config.few;
    auto report = metrics::evaluate(p.value().yTrue, p.value().yPred, p.value().probabilities, o);
    if (!report) return report.error();
    const auto &r = report.value();
    const QString dir = s.file(QStringLiteral("results"));
    QJsonObject full = metrics::reportToJson(r, s.classNames);
    full.insert(QStringLiteral("split"), name);
    full.insert(QStringLiteral("bestEpoch"), s.bestEpoch);
    if (auto w = writeJson(dir + QStringLiteral("/%1_metrics.json").arg(name), full); !w) return w.error();
    if (auto w = writeJson(dir + QStringLiteral("/%1_per_class.json").arg(name), metrics::classMetricsToJson(r, s.classNames)); !w) return w.error();
    if (auto w = writeText(dir + QStringLiteral("/%1_per_class.csv").arg(name), metrics::classMetricsToCsv(r, s.classNames).toUtf8()); !w) return w.error();
    QString csv = QStringLiteral("sample_id,true_label,predicted_label");
    for (int k = 0; k < s.numClasses; ++k) csv += QStringLiteral(",p_") + csvField(metrics::classLabel(k, s.classNames));
    csv += QLatin1Char('\n');
    const auto &pr = p.value();
    for (size_t i = 0; i < split.samples.size(); ++i) {
        csv += csvField(s.data.index.samples[size_t(split.samples[i])].id()) + QLatin1Char(',') +
               csvField(metrics::classLabel(pr.yTrue[i], s.classNames)) + QLatin1Char(',') +
               csvField(metrics::classLabel(pr.yPred[i], s.classNames));
        for (int k = 0; k < s.numClasses; ++k) csv += QLatin1Char(',') + QString::number(pr.probabilities[i * size_t(s.numClasses) + size_t(k)], 'g', 6);
        csv += QLatin1Char('\n');
    }
    if (auto w = writeText(dir + QStringLiteral("/%1_predictions.csv").arg(name), csv.toUtf8()); !w) return w.error();
    return summaryText(r, s.classNames, name, s.counts);
}

// ------------------------------------------------------------------------------------------------
// The loop.

struct LossMeans {
    std::vector<std::pair<QString, double>> sums;
    int n = 0;
    void add(const std::vector<std::pair<QString, double>> &terms)
    {
        if (sums.empty())
            for (const auto &t : terms) sums.emplace_back(t.first, 0.0);
        for (size_t i = 0; i < terms.size() && i < sums.size(); ++i) sums[i].second += terms[i].second;
        ++n;
    }
    std::vector<std::pair<QString, double>> means() const
    {
        auto m = sums;
        for (auto &t : m) t.second /= std::max(1, n);
        return m;
    }
};

Result<void> cacheTeacherFeatures(Session &s, ImageSource &images, TrainControl *control, const ProgressCallback &progress)
{
    const QString path = s.file(QStringLiteral("teacher_features.pt"));
    const std::int64_t n = std::int64_t(s.train.samples.size());
    if (QFileInfo::exists(path)) {
        try {
            torch::serialize::InputArchive ar;
            ar.load_from(path.toStdString());
            Tensor f;
            ar.read("features", f, true);
            if (f.dim() == 2 && f.size(0) == n && f.size(1) == s.teacher->featureDim()) {
                s.featureCache = f;
                return {};
            }
        } catch (const std::exception &) {
        }
    }
    torch::NoGradGuard noGrad;
    std::vector<Tensor> parts;
    const auto batches = sequentialBatches(int(n), 64);
    int done = 0;
    for (const auto &positions : batches) {
        if (control && control->cancel.isCancelled()) return makeError(ErrorCode::Cancelled, {}, QStringLiteral("cancelled"));
        if (control) control->waitWhilePaused();
        auto b = images.batch(s.train, positions, false, 0);
        if (!b) return b.error();
        parts.push_back(s.teacher->forward(b.value().x01).contiguous());
        done += int(positions.size());
        if (progress) {
            TrainProgress tp;
            tp.phase = TrainProgress::Phase::CachingTeacher;
            tp.batch = done;
            tp.batches = int(n);
            tp.epochs = s.config.epochs;
            tp.message = QStringLiteral("caching teacher features");
            progress(tp);
        }
    }
    s.featureCache = torch::cat(parts, 0);
    torch::serialize::OutputArchive ar;
    ar.write("features", s.featureCache, true);
    try {
        const QString tmp = path + QStringLiteral(".part");
        ar.save_to(tmp.toStdString());
        QFile::remove(path);
        QFile::rename(tmp, path);
    } catch (const std::exception &) {
        // The cache file only saves time on resume; training goes on without it.
    }
    return {};
}

void clipGradients(const std::vector<Tensor> &params, double maxNorm)
{
    if (maxNorm > 0) torch::nn::utils::clip_grad_norm_(params, maxNorm);
}

/// One training step; returns the loss terms.
std::vector<std::pair<QString, double>> trainStep(Session &s, const Batch &b, int epoch)
{
    const TrainConfig &c = s.config;
    const Tensor x = normalise(b.x01, c.mean, c.std);
    const Tensor &y = b.labels;
    std::vector<std::pair<QString, double>> terms;

    Tensor teacherOut;
    Tensor promptedTeacher; // FoPro-KD: teacher output with the graph to the prompt
    const bool promptStep = c.strategy == Strategy::FoProKd && (s.steps % c.promptEvery == 0);
    if (s.usesTeacher()) {
        if (s.featureCache.defined()) {
            std::vector<std::int64_t> idx(b.positions.begin(), b.positions.end());
            teacherOut = s.featureCache.index_select(0, torch::tensor(idx, torch::kInt64));
        } else if (c.strategy == Strategy::FoProKd) {
            if (promptStep) {
                s.prompt->setTraining(true);
                promptedTeacher = s.teacher->forward(s.prompt->apply(b.x01));
                teacherOut = promptedTeacher.detach();
            } else {
                torch::NoGradGuard noGrad;
                teacherOut = s.teacher->forward(s.prompt->apply(b.x01));
            }
        } else {
            torch::NoGradGuard noGrad;
            teacherOut = s.teacher->forward(b.x01);
        }
    }

    s.student->train(true);
    if (s.heads) s.heads->train(true);
    const Tensor features = s.student->features(x);
    const Tensor logits = s.student->logits(features);
    Tensor loss;
    Tensor projected;
    switch (c.strategy) {
    case Strategy::CrossEntropy: loss = crossEntropyLoss(logits, y); break;
    case Strategy::Focal: loss = focalLoss(logits, y, c.focalGamma); break;
    case Strategy::ClassBalanced: loss = classBalancedCrossEntropyLoss(logits, y, s.counts, c.cbBeta); break;
    case Strategy::LdamDrw:
        loss = ldamLoss(logits / c.ldamScale, y, s.counts, drwWeights(s.counts, epoch, c.epochs, c.cbBeta), c.ldamMaxMargin, c.ldamScale);
        break;
    case Strategy::BalancedSoftmax: loss = balancedSoftmaxLoss(logits, y, s.counts); break;
    case Strategy::LogitAdjusted: loss = logitAdjustedLoss(logits, y, s.counts, c.laTau); break;
    case Strategy::HintonKd: {
        const Tensor ce = crossEntropyLoss(logits, y);
        const Tensor kd = hintonKdLoss(logits, teacherOut, c.kdTemperature);
        loss = (1.0 - c.kdAlpha) * ce + c.kdAlpha * kd;
        terms = {{QStringLiteral("ce"), ce.item<double>()}, {QStringLiteral("kd"), kd.item<double>()}};
        break;
    }
    case Strategy::Ekd:
    case Strategy::FoProKd: {
        projected = s.heads->project(features);
        const Tensor aux = s.heads->auxLogits(projected);
        EkdLossTerms t;
        if (c.cbFeatureLoss && epoch >= drwStartEpoch(c.epochs))
            loss = ekdLoss(logits, aux, projected, teacherOut, y, s.counts,
                           sampleWeights(y, classBalancedWeights(s.counts, c.cbFeatureBeta)), c.ekdLambda, &t);
        else
            loss = ekdLoss(logits, aux, projected, teacherOut, y, s.counts, c.ekdLambda, &t);
        terms = {{QStringLiteral("feature"), t.feature}, {QStringLiteral("main_bsm"), t.mainBsm}, {QStringLiteral("aux_bsm"), t.auxBsm}};
        break;
    }
    }
    s.optimizer->zero_grad();
    loss.backward();
    std::vector<Tensor> params;
    for (auto &group : s.optimizer->param_groups())
        for (auto &p : group.params()) params.push_back(p);
    clipGradients(params, c.clipNorm);
    s.optimizer->step();
    terms.insert(terms.begin(), {QStringLiteral("loss"), loss.item<double>()});

    if (promptStep && promptedTeacher.defined()) {
        // The prompt's own step: the discrepancy between the (fixed) student projection and the
        // teacher on the prompted image; AKD ascends it, explore descends it.
        namespace F = torch::nn::functional;
        const auto opts = F::NormalizeFuncOptions().dim(1).eps(1e-12);
        const Tensor cosine = (F::normalize(projected.detach(), opts) * F::normalize(promptedTeacher, opts)).sum(1);
        const Tensor discrepancy = (2.0 - 2.0 * cosine).mean();
        const double sign = c.promptUpdate == PromptUpdate::Adversarial ? -1.0 : 1.0;
        const Tensor reg = s.prompt->regulariser();
        const Tensor promptLoss = sign * discrepancy + c.promptRegulariser * reg;
        s.promptOptimizer->zero_grad();
        promptLoss.backward();
        s.promptOptimizer->step();
        terms.emplace_back(QStringLiteral("prompt_discrepancy"), discrepancy.item<double>());
        terms.emplace_back(QStringLiteral("prompt_regulariser"), reg.item<double>());
    }
    ++s.steps;
    return terms;
}

QJsonObject runHeader(const Session &s)
{
    const TorchInfo ti = torchInfo();
    QJsonArray counts;
    for (auto n : s.counts) counts.append(double(n));
    return QJsonObject{
        {"format", "fopro-run"},
        {"version", kRunFormatVersion},
        {"config", s.config.toJson()},
        {"versions", QJsonObject{{"app", QStringLiteral(FOPRO_VERSION)}, {"libtorch", qs(ti.version)},
                                 {"qt", QString::fromLatin1(qVersion())}, {"opencv", QStringLiteral(CV_VERSION)}}},
        {"dataset", QJsonObject{{"manifest", s.data.manifest},
                                {"sha256", s.data.sha256},
                                {"classes", QJsonArray::fromStringList(s.classNames)},
                                {"trainCounts", counts},
                                {"train", int(s.train.samples.size())},
                                {"val", int(s.val.samples.size())},
                                {"test", int(s.test.samples.size())}}},
        {"threads", ti.intraOpThreads},
        {"created", QDateTime::currentDateTimeUtc().toString(Qt::ISODate)},
        {"host", QSysInfo::machineHostName()},
    };
}

Result<TrainOutcome> runLoop(Session &s, TrainControl *control, const ProgressCallback &progress)
{
    const TrainConfig &c = s.config;
    RunLog log(s.file(QStringLiteral("log.txt")));
    if (!QDir().mkpath(s.file(QStringLiteral("checkpoints"))))
        return makeError(ErrorCode::WriteFailed, s.file(QStringLiteral("checkpoints")), QStringLiteral("cannot create the folder"));
    ImageSource images(s.data.index, c);
    const auto startWall = Clock::now();
    double pausedSeconds = 0;
    auto report = [&](TrainProgress tp) {
        tp.elapsedSeconds = secondsSince(startWall) - pausedSeconds;
        if (tp.epochs == 0) tp.epochs = c.epochs;
        if (progress) progress(tp);
    };
    auto cancelled = [&] { return control && control->cancel.isCancelled(); };
    auto finishCancelled = [&]() -> Result<TrainOutcome> {
        log.line(QStringLiteral("cancelled after %1 finished epoch(s); resumable from checkpoints/last.ckpt").arg(s.epochsDone));
        writeStatus(s, QStringLiteral("cancelled"));
        TrainOutcome o;
        o.status = TrainOutcome::Status::Cancelled;
        o.runDir = s.runDir;
        o.epochsDone = s.epochsDone;
        o.bestEpoch = s.bestEpoch;
        o.bestValBalancedAccuracy = s.bestScore >= 0 ? s.bestScore : std::nan("");
        o.history = s.history;
        return o;
    };

    // Decode everything once: unreadable files are found before any training time is spent.
    {
        TrainProgress tp;
        tp.phase = TrainProgress::Phase::Preparing;
        tp.message = QStringLiteral("decoding %1 images").arg(s.train.samples.size() + s.val.samples.size());
        report(tp);
        std::vector<int> all = s.train.samples;
        all.insert(all.end(), s.val.samples.begin(), s.val.samples.end());
        auto warm = images.warm(all, c.workers, control, {});
        if (!warm) {
            log.line(QStringLiteral("failed: %1").arg(warm.error().detail));
            writeStatus(s, QStringLiteral("failed"), warm.error().detail);
            return makeError(warm.error().code, s.data.manifest, warm.error().detail);
        }
        if (cancelled()) return finishCancelled();
    }
    if (s.cachesTeacher()) {
        auto r = cacheTeacherFeatures(s, images, control, [&](const TrainProgress &tp) { report(tp); });
        if (!r) {
            if (cancelled()) return finishCancelled();
            return r.error();
        }
        log.line(QStringLiteral("teacher features cached: %1 x %2").arg(s.featureCache.size(0)).arg(s.featureCache.size(1)));
    }

    double trainSeconds = 0; // excluding pauses and validation
    std::int64_t trainImages = 0;
    double lastValSeconds = 0;
    for (int epoch = s.epochsDone; epoch < c.epochs; ++epoch) {
        const double lr = scheduledLr(c, epoch);
        for (auto &g : s.optimizer->param_groups()) g.options().set_lr(lr);
        const auto batches = epochBatches(c, s.train, s.numClasses, epoch);
        const std::uint64_t epochSeed = seedFor(c.seed, 0xE90C0000ull + std::uint64_t(epoch));
        LossMeans means;
        const auto epochStart = Clock::now();
        double epochPaused = 0;
        std::int64_t epochImages = 0;
        std::future<Result<Batch>> next;
        auto fetch = [&](size_t i) {
            return std::async(std::launch::async, [&, i] { return images.batch(s.train, batches[i], c.augment.enabled, epochSeed); });
        };
        if (!batches.empty()) next = fetch(0);
        for (size_t bi = 0; bi < batches.size(); ++bi) {
            if (control && control->isPaused()) {
                const auto p0 = Clock::now();
                writeStatus(s, QStringLiteral("paused"));
                log.line(QStringLiteral("paused in epoch %1 at batch %2").arg(epoch + 1).arg(bi));
                control->waitWhilePaused();
                const double p = secondsSince(p0);
                pausedSeconds += p;
                epochPaused += p;
                log.line(QStringLiteral("resumed"));
                writeStatus(s, QStringLiteral("running"));
            }
            if (cancelled()) {
                next.wait();
                return finishCancelled();
            }
            auto batch = next.get();
            if (!batch) {
                writeStatus(s, QStringLiteral("failed"), batch.error().detail);
                return batch.error();
            }
            if (bi + 1 < batches.size()) next = fetch(bi + 1);
            const auto stepStart = Clock::now();
            means.add(trainStep(s, batch.value(), epoch));
            trainSeconds += secondsSince(stepStart);
            trainImages += std::int64_t(batches[bi].size());
            epochImages += std::int64_t(batches[bi].size());

            TrainProgress tp;
            tp.phase = TrainProgress::Phase::Training;
            tp.epoch = epoch;
            tp.batch = int(bi + 1);
            tp.batches = int(batches.size());
            const double epochSeconds = secondsSince(epochStart) - epochPaused;
            tp.imagesPerSecond = epochSeconds > 0 ? double(epochImages) / epochSeconds : 0;
            const double perBatch = epochSeconds / double(bi + 1);
            const double perEpoch = perBatch * double(batches.size()) + lastValSeconds;
            tp.etaSeconds = perBatch * double(batches.size() - bi - 1) + lastValSeconds + perEpoch * double(c.epochs - epoch - 1);
            tp.losses = means.means();
            report(tp);
        }
        if (batches.empty()) return makeError(ErrorCode::InvalidArgument, s.data.manifest, QStringLiteral("no training batch (fewer than 2 training images)"));

        // Validation and model selection.
        EpochRecord rec;
        rec.epoch = epoch + 1;
        rec.lr = lr;
        rec.losses = means.means();
        rec.valAccuracy = rec.valBalancedAccuracy = rec.valMacroF1 = std::nan("");
        const double trainPart = secondsSince(epochStart) - epochPaused;
        rec.imagesPerSecond = trainPart > 0 ? double(epochImages) / trainPart : 0;
        const auto valStart = Clock::now();
        if (!s.val.samples.empty()) {
            TrainProgress tp;
            tp.phase = TrainProgress::Phase::Validating;
            tp.epoch = epoch;
            tp.message = QStringLiteral("validating");
            report(tp);
            auto p = predict(*s.student, images, s.val, c, s.numClasses, control ? &control->cancel : nullptr, {});
            if (!p) {
                if (cancelled()) return finishCancelled();
                return p.error();
            }
            metrics::EvaluationOptions o;
            o.numClasses = s.numClasses;
            auto r = metrics::evaluate(p.value().yTrue, p.value().yPred, {}, o);
            if (!r) return r.error();
            rec.valAccuracy = r.value().accuracy;
            rec.valBalancedAccuracy = r.value().balancedAccuracy;
            rec.valMacroF1 = r.value().macroF1;
        }
        lastValSeconds = secondsSince(valStart);
        rec.seconds = secondsSince(epochStart) - epochPaused;
        const double score = std::isnan(rec.valBalancedAccuracy) ? double(epoch) : rec.valBalancedAccuracy;
        if (s.bestEpoch == 0 || score > s.bestScore) {
            s.bestScore = score;
            s.bestEpoch = epoch + 1;
            rec.best = true;
            for (auto &h : s.history) h.best = false;
            if (auto w = s.student->saveParameters(s.file(QStringLiteral("checkpoints/best.pt")).toStdString()); !w) return w.error();
        }
        s.history.push_back(rec);
        s.epochsDone = epoch + 1;
        if (auto w = saveCheckpoint(s); !w) return w.error();
        if (auto w = writeText(s.file(QStringLiteral("epochs.csv")), epochsCsv(s.history).toUtf8()); !w) return w.error();
        if (s.prompt) {
            const auto profile = s.prompt->radialGainProfile(16);
            QString line = QString::number(epoch + 1);
            for (double g : profile) line += QLatin1Char(',') + num(g);
            QString csv;
            QFile old(s.file(QStringLiteral("prompt_gain.csv")));
            if (epoch > 0 && old.open(QIODevice::ReadOnly)) {
                // Keep the rows of earlier epochs only (a resumed run rewrites from its epoch).
                for (const QString &l : QString::fromUtf8(old.readAll()).split(QLatin1Char('\n'), Qt::SkipEmptyParts))
                    if (l.startsWith(QLatin1String("epoch")) || l.section(QLatin1Char(','), 0, 0).toInt() <= epoch) csv += l + QLatin1Char('\n');
            }
            if (csv.isEmpty()) {
                csv = QStringLiteral("epoch");
                for (int b = 0; b < 16; ++b) csv += QStringLiteral(",band_%1").arg(b);
                csv += QLatin1Char('\n');
            }
            csv += line + QLatin1Char('\n');
            (void)writeText(s.file(QStringLiteral("prompt_gain.csv")), csv.toUtf8());
        }
        writeStatus(s, QStringLiteral("running"));
        QString lossText;
        for (const auto &[k, v] : rec.losses) lossText += QStringLiteral(" %1=%2").arg(k).arg(v, 0, 'f', 4);
        const QString msg = QStringLiteral("epoch %1/%2:%3 val_bacc=%4%5 (%6 s, %7 img/s)")
                                .arg(epoch + 1)
                                .arg(c.epochs)
                                .arg(lossText)
                                .arg(num(rec.valBalancedAccuracy))
                                .arg(rec.best ? QStringLiteral(" best") : QString())
                                .arg(rec.seconds, 0, 'f', 1)
                                .arg(rec.imagesPerSecond, 0, 'f', 0);
        log.line(msg);
        TrainProgress tp;
        tp.phase = TrainProgress::Phase::Training;
        tp.epoch = epoch;
        tp.batch = tp.batches = int(batches.size());
        tp.imagesPerSecond = rec.imagesPerSecond;
        tp.etaSeconds = rec.seconds * double(c.epochs - epoch - 1);
        tp.losses = rec.losses;
        tp.message = msg;
        report(tp);
        if (cancelled()) return finishCancelled();
    }
    (void)trainSeconds;
    (void)trainImages;

    // The best student, evaluated on val and test.
    if (auto r = s.student->loadParameters(s.file(QStringLiteral("checkpoints/best.pt")).toStdString()); !r) return r.error();
    QString summary;
    for (const auto &[name, split] : {std::pair<QString, const SplitData *>{QStringLiteral("val"), &s.val},
                                      std::pair<QString, const SplitData *>{QStringLiteral("test"), &s.test}}) {
        if (split->samples.empty()) continue;
        auto r = writeResults(s, images, *split, name, control ? &control->cancel : nullptr, [&](const TrainProgress &tp) { report(tp); });
        if (!r) {
            if (cancelled()) return finishCancelled();
            return r.error();
        }
        if (name == QLatin1String("test") || s.test.samples.empty()) summary = r.value();
    }
    writeStatus(s, QStringLiteral("finished"));
    log.line(QStringLiteral("finished: best epoch %1 (val balanced accuracy %2)").arg(s.bestEpoch).arg(num(s.bestScore)));
    TrainOutcome o;
    o.status = TrainOutcome::Status::Finished;
    o.runDir = s.runDir;
    o.epochsDone = s.epochsDone;
    o.bestEpoch = s.bestEpoch;
    o.bestValBalancedAccuracy = s.val.samples.empty() ? std::nan("") : s.bestScore;
    o.history = s.history;
    o.summary = summary;
    TrainProgress done;
    done.phase = TrainProgress::Phase::Finished;
    done.epoch = c.epochs - 1;
    done.message = QStringLiteral("finished");
    report(done);
    return o;
}

Result<TrainOutcome> guarded(const std::function<Result<TrainOutcome>()> &f, const QString &runDir)
{
    try {
        return f();
    } catch (const std::exception &e) {
        const QString detail = qs(e.what()).section(QLatin1Char('\n'), 0, 0);
        (void)writeJson(QDir(runDir).filePath(QStringLiteral("status.json")), QJsonObject{{"state", "failed"}, {"detail", detail}});
        RunLog(QDir(runDir).filePath(QStringLiteral("log.txt"))).line(QStringLiteral("failed: ") + detail);
        return makeError(ErrorCode::Malformed, runDir, QStringLiteral("training failed: %1").arg(detail));
    }
}

/// Reads config.json of a run into a session (configuration and data).
Result<void> openRun(Session &s, const QString &runDir)
{
    const QString file = QDir(runDir).filePath(QStringLiteral("config.json"));
    if (!QFileInfo::exists(file)) return makeError(ErrorCode::NotFound, runDir, QStringLiteral("not a training run (no config.json)"));
    auto cfg = TrainConfig::load(file);
    if (!cfg) return cfg.error();
    s.config = std::move(cfg).value();
    s.runDir = QFileInfo(runDir).absoluteFilePath();
    s.config.runDir = s.runDir;
    if (auto r = prepareData(s); !r) return r.error();
    auto header = readJson(file);
    if (header) {
        const QString recorded = header.value().value(QStringLiteral("dataset")).toObject().value(QStringLiteral("sha256")).toString();
        if (!recorded.isEmpty() && recorded != s.data.sha256)
            RunLog(s.file(QStringLiteral("log.txt"))).line(QStringLiteral("note: the dataset manifest changed since the run started (%1)").arg(s.data.manifest));
    }
    return {};
}

} // namespace

// ------------------------------------------------------------------------------------------------

Result<TrainOutcome> trainRun(const TrainConfig &config, TrainControl *control, const ProgressCallback &progress)
{
    if (auto v = config.validate(); !v) return v.error();
    if (config.runDir.isEmpty()) return makeError(ErrorCode::InvalidArgument, {}, QStringLiteral("no run folder given (setting \"runDir\")"));
    const QDir dir(config.runDir);
    if (dir.exists() && !dir.isEmpty()) return makeError(ErrorCode::InvalidArgument, config.runDir, QStringLiteral("the run folder exists and is not empty"));
    auto s = std::make_unique<Session>();
    s->config = config;
    s->runDir = QFileInfo(config.runDir).absoluteFilePath();
    s->config.runDir = s->runDir;
    if (auto r = prepareData(*s); !r) return r.error();
    if (!QDir().mkpath(s->runDir)) return makeError(ErrorCode::WriteFailed, s->runDir, QStringLiteral("cannot create the run folder"));
    return guarded([&]() -> Result<TrainOutcome> {
        if (auto r = buildModels(*s); !r) return r.error();
        if (auto w = writeJson(s->file(QStringLiteral("config.json")), runHeader(*s)); !w) return w.error();
        writeStatus(*s, QStringLiteral("running"));
        RunLog(s->file(QStringLiteral("log.txt")))
            .line(QStringLiteral("started: strategy %1, %2 train / %3 val / %4 test images, %5 classes, student %6 (%7 parameters)%8")
                      .arg(strategyName(config.strategy))
                      .arg(s->train.samples.size())
                      .arg(s->val.samples.size())
                      .arg(s->test.samples.size())
                      .arg(s->numClasses)
                      .arg(qs(s->student->config().architecture))
                      .arg(s->student->parameterCount())
                      .arg(s->teacher ? QStringLiteral(", teacher ") + qs(s->teacher->description()) : QString()));
        return runLoop(*s, control, progress);
    }, s->runDir);
}

Result<TrainOutcome> resumeRun(const QString &runDir, TrainControl *control, const ProgressCallback &progress, int epochs)
{
    auto s = std::make_unique<Session>();
    if (auto r = openRun(*s, runDir); !r) return r.error();
    if (epochs > 0) s->config.epochs = epochs;
    return guarded([&]() -> Result<TrainOutcome> {
        if (auto r = buildModels(*s); !r) return r.error();
        const QString ckpt = s->file(QStringLiteral("checkpoints/last.ckpt"));
        if (QFileInfo::exists(ckpt))
            if (auto r = loadCheckpoint(*s, ckpt); !r) return r.error();
        if (epochs > 0) {
            // Record the new length in config.json so that later resumes and readers agree.
            auto header = readJson(s->file(QStringLiteral("config.json")));
            if (header) {
                QJsonObject h = header.value();
                h.insert(QStringLiteral("config"), s->config.toJson());
                (void)writeJson(s->file(QStringLiteral("config.json")), h);
            }
        }
        RunLog(s->file(QStringLiteral("log.txt"))).line(QStringLiteral("resumed after %1 finished epoch(s)").arg(s->epochsDone));
        writeStatus(*s, QStringLiteral("running"));
        return runLoop(*s, control, progress);
    }, s->runDir);
}

Result<QString> evaluateRun(const QString &runDir, const QString &split, const ProgressCallback &progress, CancelToken *cancel)
{
    auto s = std::make_unique<Session>();
    if (auto r = openRun(*s, runDir); !r) return r.error();
    const SplitData *part = split == QLatin1String("val") ? &s->val : split == QLatin1String("test") ? &s->test
                                                           : split == QLatin1String("train")      ? &s->train
                                                                                                  : nullptr;
    if (!part) return makeError(ErrorCode::InvalidArgument, {}, QStringLiteral("split must be train, val or test, not \"%1\"").arg(split));
    if (part->samples.empty())
        return makeError(ErrorCode::InvalidArgument, s->data.manifest, QStringLiteral("the dataset has no usable images in the %1 split").arg(split));
    const QString best = s->file(QStringLiteral("checkpoints/best.pt"));
    if (!QFileInfo::exists(best)) return makeError(ErrorCode::NotFound, best, QStringLiteral("the run has no finished epoch yet"));
    try {
        configureTorchThreads(s->config.threads);
        auto student = Student::create(studentConfigFor(s->config, s->numClasses));
        if (!student) return student.error();
        s->student.emplace(std::move(student).value());
        if (auto r = s->student->loadParameters(best.toStdString()); !r) return r.error();
        auto status = readJson(s->file(QStringLiteral("status.json")));
        if (status) s->bestEpoch = status.value().value(QStringLiteral("bestEpoch")).toInt();
        ImageSource images(s->data.index, s->config);
        return writeResults(*s, images, *part, split, cancel, progress);
    } catch (const std::exception &e) {
        return makeError(ErrorCode::Malformed, runDir, QStringLiteral("evaluation failed: %1").arg(qs(e.what()).section(QLatin1Char('\n'), 0, 0)));
    }
}

Result<std::vector<EpochRecord>> readEpochs(const QString &runDir)
{
    const QString path = QDir(runDir).filePath(QStringLiteral("checkpoints/last.ckpt"));
    if (!QFileInfo::exists(path)) {
        if (!QFileInfo::exists(QDir(runDir).filePath(QStringLiteral("config.json"))))
            return makeError(ErrorCode::NotFound, runDir, QStringLiteral("not a training run (no config.json)"));
        return std::vector<EpochRecord>{};
    }
    try {
        torch::serialize::InputArchive ar;
        ar.load_from(path.toStdString());
        c10::IValue metaValue;
        ar.read("meta", metaValue);
        return historyFromJson(QJsonDocument::fromJson(QByteArray::fromStdString(metaValue.toStringRef())).object());
    } catch (const std::exception &e) {
        return makeError(ErrorCode::Malformed, path, qs(e.what()).section(QLatin1Char('\n'), 0, 0));
    }
}

} // namespace fopro::ml

namespace fopro::ml {

Result<QString> exportRun(const QString &runDir, const QString &outDir)
{
    Session s;
    const QString file = QDir(runDir).filePath(QStringLiteral("config.json"));
    if (!QFileInfo::exists(file)) return makeError(ErrorCode::NotFound, runDir, QStringLiteral("not a training run (no config.json)"));
    auto header = readJson(file);
    if (!header) return header.error();
    auto cfg = TrainConfig::load(file);
    if (!cfg) return cfg.error();
    s.config = std::move(cfg).value();
    s.runDir = QFileInfo(runDir).absoluteFilePath();
    // The class names come from the run itself, so a run exports even when its dataset moved.
    const QJsonObject dataset = header.value().value(QStringLiteral("dataset")).toObject();
    for (const auto &v : dataset.value(QStringLiteral("classes")).toArray()) s.classNames << v.toString();
    if (s.classNames.size() < 2) return makeError(ErrorCode::Malformed, file, QStringLiteral("the run records no class names"));
    const QString best = s.file(QStringLiteral("checkpoints/best.pt"));
    if (!QFileInfo::exists(best)) return makeError(ErrorCode::NotFound, best, QStringLiteral("the run has no finished epoch yet"));
    try {
        auto student = Student::create(studentConfigFor(s.config, int(s.classNames.size())));
        if (!student) return student.error();
        Student st = std::move(student).value();
        if (auto r = st.loadParameters(best.toStdString()); !r) return r.error();
        st.eval();
        ExportInfo info;
        info.classNames = s.classNames;
        info.inputSize = s.config.imageSize;
        info.mean = s.config.mean;
        info.std = s.config.std;
        info.resizePolicy = s.config.resizePolicy;
        auto status = readJson(s.file(QStringLiteral("status.json")));
        info.extra = QJsonObject{{"run", s.runDir},
                                 {"strategy", strategyName(s.config.strategy)},
                                 {"bestEpoch", status ? status.value().value(QStringLiteral("bestEpoch")) : QJsonValue()},
                                 {"bestValBalancedAccuracy", status ? status.value().value(QStringLiteral("bestValBalancedAccuracy")) : QJsonValue()},
                                 {"datasetSha256", dataset.value(QStringLiteral("sha256"))}};
        const QString dir = outDir.isEmpty() ? s.file(QStringLiteral("export")) : outDir;
        if (!QDir().mkpath(dir)) return makeError(ErrorCode::WriteFailed, dir, QStringLiteral("cannot create the folder"));
        const QString model = QDir(dir).filePath(QStringLiteral("model.pt"));
        if (auto r = exportTorchScript(st, info, model); !r) return r.error();
        RunLog(s.file(QStringLiteral("log.txt"))).line(QStringLiteral("exported to %1").arg(model));
        return model;
    } catch (const std::exception &e) {
        return makeError(ErrorCode::Malformed, runDir, QStringLiteral("export failed: %1").arg(qs(e.what()).section(QLatin1Char('\n'), 0, 0)));
    }
}

} // namespace fopro::ml
