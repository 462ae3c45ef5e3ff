// The session of a training run: its dataset and splits, its models and optimisers, the run header
// and the teacher-feature cache.

#include "core/ml/archive_p.h"
#include "core/ml/errortext.h"
#include "core/ml/session_p.h"
#include "core/ml/torchinfo.h"
#include "core/ml/trainer.h"
#include "core/project/project.h"

#include <QtCore/QCryptographicHash>
#include <QtCore/QDateTime>
#include <QtCore/QFile>
#include <QtCore/QFileInfo>
#include <QtCore/QJsonArray>
#include <QtCore/QSysInfo>

#include <opencv2/core/version.hpp>

namespace fopro::ml {

using detail::qs;

// ---- shared helpers ------------------------------------------------------------------------------------

bool Session::cachesTeacher() const
{
    return usesTeacher() && !strategy->usesPrompt && config.teacher.cacheFeatures && !config.augment.enabled;
}

void Session::writeStatus(const QString &state, const QString &detail) const
{
    project::RunStatus st;
    st.state = state;
    st.epochsDone = epochsDone;
    st.epochs = config.epochs;
    st.bestEpoch = bestEpoch;
    st.bestValBalancedAccuracy = bestScore >= 0 && !val.empty() ? bestScore : std::nan("");
    st.detail = detail;
    if (writes()) (void)run.writeStatus(st); // a status file that cannot be written never stops the training
}

void Session::log(const QString &line) const
{
    if (writes()) run.log(line);
}

Result<Batch> makeBatch(ImageSource &images, const SplitData &split, const std::vector<int> &positions, bool augment,
                        std::uint64_t epochSeed, int imageSize, int workers)
{
    const std::int64_t count = std::int64_t(positions.size());
    Batch b;
    b.positions = positions;
    b.x01 = torch::empty({count, 3, imageSize, imageSize}, torch::kFloat32);
    b.labels = torch::empty({count}, torch::kInt64);
    if (auto r = images.fillBatch(split, positions, augment, epochSeed, b.x01.data_ptr<float>(),
                                  b.labels.data_ptr<std::int64_t>(), workers);
        !r)
        return r.error();
    return b;
}

torch::Tensor normalise(const torch::Tensor &x01, const std::array<float, 3> &mean, const std::array<float, 3> &std)
{
    const auto m = torch::tensor({mean[0], mean[1], mean[2]}).view({1, 3, 1, 1});
    const auto s = torch::tensor({std[0], std[1], std[2]}).view({1, 3, 1, 1});
    return (x01 - m) / s;
}

StudentConfig studentConfigFor(const TrainConfig &c, int numClasses)
{
    StudentConfig s = c.student;
    s.numClasses = numClasses;
    s.inputChannels = 3;
    s.seed = c.seed;
    const StrategyInfo *info = c.strategyInfo();
    if (info && info->cosineClassifier) {
        s.cosineClassifier = true;
        s.cosineScale = c.ldamScale;
    }
    return s;
}

// ---- data ------------------------------------------------------------------------------------------

namespace {

Result<LoadedDataset> loadDataset(const QString &path)
{
    if (path.isEmpty())
        return makeError(ErrorCode::InvalidArgument, {}, QStringLiteral("no dataset given (setting \"dataset\")"));
    LoadedDataset d;
    if (project::Project::isProject(path)) {
        auto p = project::Project::open(path);
        if (!p) return p.error();
        d.index = std::move(p.value().dataset);
        d.manifest = p.value().datasetFile();
        d.project = p.value().folder;
    } else {
        if (!QFileInfo::exists(path))
            return makeError(ErrorCode::NotFound, path, QStringLiteral("dataset manifest not found"));
        auto idx = data::DatasetIndex::load(path);
        if (!idx) return idx.error();
        d.index = std::move(idx).value();
        d.manifest = QFileInfo(path).absoluteFilePath();
        const QString beside = QFileInfo(d.manifest).absolutePath();
        if (project::Project::isProject(beside) && QFileInfo(d.manifest).fileName() == QLatin1String("dataset.json"))
            d.project = beside; // the manifest of a project
    }
    QFile f(d.manifest);
    if (f.open(QIODevice::ReadOnly)) {
        QCryptographicHash h(QCryptographicHash::Sha256);
        h.addData(&f);
        d.sha256 = QString::fromLatin1(h.result().toHex());
    }
    return d;
}

/// The teacher of a configuration at the run's sizes (`teacher.inputSize`: -1 its own, 0 the
/// student's, > 0 that side).
Result<Teacher> loadRunTeacher(const TrainConfig &c)
{
    const TeacherSettings &t = c.teacher;
    TeacherSource source;
    if (!parseTeacherKind(t.kind, &source.kind))
        return makeError(ErrorCode::InvalidArgument, t.path,
                         QStringLiteral("teacher.kind must be tfjs or torchscript"));
    auto resolved = resolveTeacher(t.path); // a TF.js folder names its model.json
    source.file = resolved ? resolved->file : t.path;
    TeacherOptions options;
    options.outputLayer = source.kind == TeacherKind::TfjsLayers ? t.outputLayer : QString();
    options.inputSize = std::max(0, t.inputSize);
    options.mean = t.mean;
    options.std = t.std;
    auto teacher = loadTeacher(source, options);
    if (!teacher) return teacher;
    if (t.inputSize == 0) return teacher.value().withInputSize(c.imageSize);
    if (t.inputSize > 0 && teacher.value().inputSize() != t.inputSize)
        return teacher.value().withInputSize(t.inputSize);
    return teacher;
}

std::unique_ptr<torch::optim::Optimizer> makeOptimizer(const TrainConfig &c, const std::vector<torch::Tensor> &params)
{
    if (c.optimizer == QLatin1String("sgd"))
        return std::make_unique<torch::optim::SGD>(
            params,
            torch::optim::SGDOptions(c.lr).momentum(c.momentum).nesterov(c.nesterov).weight_decay(c.weightDecay));
    return std::make_unique<torch::optim::Adam>(params, torch::optim::AdamOptions(c.lr).weight_decay(c.weightDecay));
}

} // namespace

Result<void> prepareData(Session &s)
{
    s.strategy = s.config.strategyInfo();
    auto d = loadDataset(s.config.dataset);
    if (!d) return d.error();
    s.data = std::move(d).value();
    s.numClasses = s.data.index.classCount();
    s.classNames = s.data.index.classes;
    s.train = collectSplit(s.data.index, data::Split::Train);
    s.val = collectSplit(s.data.index, data::Split::Val);
    s.test = collectSplit(s.data.index, data::Split::Test);
    if (s.numClasses < 2)
        return makeError(ErrorCode::InvalidArgument, s.data.manifest,
                         QStringLiteral("training needs at least two classes"));
    if (s.train.size() < 2)
        return makeError(
            ErrorCode::InvalidArgument, s.data.manifest,
            QStringLiteral("the training split has %1 usable image(s); assign a split first (fopro dataset split)")
                .arg(s.train.size()));
    s.counts = classCounts(s.train, s.numClasses);
    return {};
}

Result<void> openRun(Session &s, const QString &runDir)
{
    auto run = project::RunFolder::open(runDir);
    if (!run) return run.error();
    s.run = std::move(run).value();
    auto cfg = TrainConfig::load(s.run.configFile());
    if (!cfg) return cfg.error();
    s.config = std::move(cfg).value();
    s.config.runDir = s.run.dir();
    if (auto r = prepareData(s); !r) return r;
    if (auto header = s.run.readHeader()) {
        const QString recorded =
            header->value(QStringLiteral("dataset")).toObject().value(QStringLiteral("sha256")).toString();
        if (!recorded.isEmpty() && recorded != s.data.sha256)
            s.run.log(
                QStringLiteral("note: the dataset manifest changed since the run started (%1)").arg(s.data.manifest));
    }
    return {};
}

Result<void> buildModels(Session &s)
{
    const TrainConfig &c = s.config;
    if (c.device.startsWith(QLatin1String("cuda"))) {
        const bool visible = torch::cuda::is_available();
        return makeError(
            ErrorCode::InvalidArgument, {},
            visible ? QStringLiteral("device %1: this build trains on the CPU only (the CUDA path is not built; see "
                                     "docs/distributed.md); use device cpu or auto")
                          .arg(c.device)
                    : QStringLiteral("device %1: no CUDA device: this LibTorch has no CUDA support or no GPU is "
                                     "visible (torch::cuda::is_available() is false; Debian's libtorch is built for "
                                     "the CPU only); use device cpu or auto")
                          .arg(c.device));
    }
    // threads: 0 is every core of the machine, shared by the run's processes on it.
    configureTorchThreads(c.threads > 0 || !s.group ? c.threads : s.group->settings().defaultThreads());
    auto student = Student::create(studentConfigFor(c, s.numClasses));
    if (!student) return student.error();
    s.student.emplace(std::move(student).value());
    if (!c.studentInit.isEmpty())
        if (auto r = s.student->loadParameters(c.studentInit.toStdString(), ClassifierLoad::SkipOnMismatch); !r)
            return r;
    if (s.usesTeacher()) {
        auto t = loadRunTeacher(c);
        if (!t) return t.error();
        s.teacher.emplace(std::move(t).value());
        if (s.strategy->teacherGivesLogits && s.teacher->featureDim() != s.numClasses)
            return makeError(ErrorCode::InvalidArgument, c.teacher.path,
                             QStringLiteral("%1 needs a teacher with %2 class outputs; this one gives %3 values")
                                 .arg(s.strategy->displayName)
                                 .arg(s.numClasses)
                                 .arg(s.teacher->featureDim()));
    }
    std::vector<torch::Tensor> params = s.student->parameters();
    if (s.strategy->featureDistillation) {
        EkdHeadsConfig hc;
        hc.featureDim = s.student->featureDim();
        hc.hiddenDim = c.ekdHiddenDim;
        hc.teacherDim = s.teacher->featureDim();
        hc.numClasses = s.numClasses;
        hc.seed = c.seed + 1;
        s.heads.emplace(hc);
        for (auto &p : s.heads->parameters())
            params.push_back(p);
    }
    if (s.strategy->usesPrompt) {
        FourierPromptConfig pc = c.prompt;
        pc.imageSize = c.imageSize;
        pc.imageWidth = 0;
        pc.channels = 3;
        torch::manual_seed(std::uint64_t(c.seed) + 2);
        s.prompt.emplace(pc);
        s.promptOptimizer =
            std::make_unique<torch::optim::Adam>(s.prompt->parameters(), torch::optim::AdamOptions(c.promptLr));
    }
    s.optimizer = makeOptimizer(c, params);
    return {};
}

QJsonObject runHeader(const Session &s)
{
    const TorchInfo ti = torchInfo();
    QJsonArray counts;
    for (auto n : s.counts)
        counts.append(double(n));
    return QJsonObject{
        {"config", s.config.toJson()},
        {"versions", QJsonObject{{"app", QStringLiteral(FOPRO_VERSION)},
                                 {"libtorch", qs(ti.version)},
                                 {"qt", QString::fromLatin1(qVersion())},
                                 {"opencv", QStringLiteral(CV_VERSION)}}},
        {"dataset", QJsonObject{{"manifest", s.data.manifest},
                                {"sha256", s.data.sha256},
                                {"classes", QJsonArray::fromStringList(s.classNames)},
                                {"trainCounts", counts},
                                {"train", int(s.train.size())},
                                {"val", int(s.val.size())},
                                {"test", int(s.test.size())}}},
        {"threads", ti.intraOpThreads},
        {"processes", s.worldSize()}, // a distributed run resumes with as many
        {"created", QDateTime::currentDateTimeUtc().toString(Qt::ISODate)},
        {"host", QSysInfo::machineHostName()},
    };
}

// ---- teacher-feature cache --------------------------------------------------------------------------

namespace {

torch::Tensor readFeatureCache(const QString &path, std::int64_t rows, std::int64_t columns)
{
    if (!QFileInfo::exists(path)) return {};
    try {
        torch::serialize::InputArchive ar;
        ar.load_from(path.toStdString());
        torch::Tensor f;
        ar.read("features", f, true);
        if (f.dim() == 2 && f.size(0) == rows && f.size(1) == columns) return f;
    } catch (const std::exception &) {
        // An unreadable cache is rebuilt.
    }
    return {};
}

void writeFeatureCache(const QString &path, const torch::Tensor &features)
{
    torch::serialize::OutputArchive ar;
    ar.write("features", features, true);
    // The cache file only saves time on resume; training goes on without it when it cannot be
    // written.
    (void)detail::writeArchive(ar, path);
}

} // namespace

Result<void> cacheTeacherFeatures(Session &s, ImageSource &images, JobControl *control, const ProgressSink &progress)
{
    const QString path = s.run.teacherFeaturesFile();
    const std::int64_t n = std::int64_t(s.train.size());
    const std::int64_t dim = s.teacher->featureDim();
    s.featureCache = readFeatureCache(path, n, dim);
    if (s.group) { // the file serves only when every rank could read it
        torch::Tensor have = torch::tensor({s.featureCache.defined() ? 1.0 : 0.0}, torch::kFloat64);
        s.group->sum(have);
        if (have.item<double>() < double(s.group->size())) s.featureCache = torch::Tensor();
    }
    if (s.featureCache.defined()) return {};
    // Each rank computes a contiguous part; the parts are gathered by a sum (the others add zeros).
    const auto [begin, end] =
        s.group ? shardRange(int(n), s.group->rank(), s.group->size()) : std::pair<int, int>{0, int(n)};
    torch::Tensor all = torch::zeros({n, dim}, torch::kFloat32);
    Progress p;
    p.phase = kPhaseTeacherFeatures;
    p.total = end - begin;
    p.stages = s.config.epochs;
    p.message = QStringLiteral("caching teacher features");
    for (auto positions : sequentialBatches(end - begin, 64)) {
        if (!s.group && isCancelled(control)) return makeError(ErrorCode::Cancelled, {}, QStringLiteral("cancelled"));
        if (!s.group) waitWhilePaused(control);
        for (int &position : positions)
            position += begin;
        auto b = makeBatch(images, s.train, positions, false, 0, s.config.imageSize);
        if (!b) return b.error();
        torch::Tensor features;
        {
            c10::InferenceMode inference; // the teacher is frozen: no graph, no version counters
            features = s.teacher->forward(b.value().x01);
        }
        all.narrow(0, positions.front(), std::int64_t(positions.size())).copy_(features);
        p.done += std::int64_t(positions.size());
        report(progress, p);
    }
    if (s.group) s.group->sum(all);
    s.featureCache = all;
    if (s.writes()) writeFeatureCache(path, s.featureCache);
    return {};
}

} // namespace fopro::ml
