#include "core/ml/export.h"

#include "core/data/imageloader.h"
#include "core/ml/models.h"

#include <torch/script.h>
#include <torch/torch.h>

#include <QtCore/QDir>
#include <QtCore/QFile>
#include <QtCore/QFileInfo>
#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <unordered_map>

#include "core/ml/errortext.h"

namespace fopro::ml {

namespace {

using detail::firstLine;
using detail::qs;

using data::resizePolicyFromName;

// ------------------------------------------------------------------------------------------------
// Building the TorchScript module.

/// Builds the module tree; every module gets its own (mangled) class in one compilation unit, like
/// Python's scripting of distinct instances.
class ScriptBuilder {
public:
    explicit ScriptBuilder(std::map<std::string, torch::Tensor> state) : m_state(std::move(state)) {}

    torch::jit::Module module(const std::string &className)
    {
        torch::jit::Module m(c10::QualifiedName("__torch__.fopro." + className), m_cu, /*shouldMangle=*/true);
        m.register_attribute("training", c10::BoolType::get(), false);
        return m;
    }

    /// Takes `key` out of the state (a copy that owns its memory) and registers it on `m` as `name`.
    void take(torch::jit::Module &m, const std::string &key, const std::string &name, bool buffer)
    {
        const auto it = m_state.find(key);
        if (it == m_state.end()) throw std::runtime_error("the student has no state entry '" + key + "'");
        torch::Tensor t = it->second.detach().clone().contiguous();
        if (!buffer) t.set_requires_grad(true); // like a Python nn.Parameter (the loader freezes it)
        m.register_parameter(name, t, buffer);
        m_state.erase(it);
    }

    bool has(const std::string &key) const { return m_state.count(key) > 0; }
    const torch::Tensor &tensor(const std::string &key) const { return m_state.at(key); }

    torch::jit::Module conv(const std::string &key, int stride, int padding)
    {
        auto m = module("Conv2d");
        take(m, key + ".weight", "weight", false);
        const std::string s = std::to_string(stride), p = std::to_string(padding);
        m.define("def forward(self, x):\n"
                 "    return torch.conv2d(x, self.weight, None, [" +
                 s + ", " + s + "], [" + p + ", " + p + "])\n");
        return m;
    }

    torch::jit::Module batchNorm(const std::string &key)
    {
        auto m = module("BatchNorm2d");
        take(m, key + ".weight", "weight", false);
        take(m, key + ".bias", "bias", false);
        take(m, key + ".running_mean", "running_mean", true);
        take(m, key + ".running_var", "running_var", true);
        if (has(key + ".num_batches_tracked")) take(m, key + ".num_batches_tracked", "num_batches_tracked", true);
        m.define("def forward(self, x):\n"
                 "    return torch.batch_norm(x, self.weight, self.bias, self.running_mean, self.running_var,\n"
                 "                            False, 0.1, 1e-05, False)\n");
        return m;
    }

    /// torchvision's BasicBlock under `key` (e.g. "layer2.0").
    torch::jit::Module basicBlock(const std::string &key, int stride)
    {
        auto m = module("BasicBlock");
        m.register_module("conv1", conv(key + ".conv1", stride, 1));
        m.register_module("bn1", batchNorm(key + ".bn1"));
        m.register_module("conv2", conv(key + ".conv2", 1, 1));
        m.register_module("bn2", batchNorm(key + ".bn2"));
        const bool downsample = has(key + ".downsample.0.weight");
        if (downsample) {
            auto seq = module("Sequential");
            seq.register_module("0", conv(key + ".downsample.0", stride, 0));
            seq.register_module("1", batchNorm(key + ".downsample.1"));
            seq.define("def forward(self, x):\n"
                       "    x = getattr(self, \"0\").forward(x)\n"
                       "    return getattr(self, \"1\").forward(x)\n");
            m.register_module("downsample", seq);
        }
        m.define(std::string("def forward(self, x):\n"
                             "    out = torch.relu(self.bn1.forward(self.conv1.forward(x)))\n"
                             "    out = self.bn2.forward(self.conv2.forward(out))\n") +
                 (downsample ? "    identity = self.downsample.forward(x)\n" : "    identity = x\n") +
                 "    return torch.relu(out + identity)\n");
        return m;
    }

    torch::jit::Module stage(const std::string &key, int blocks, int firstStride)
    {
        auto m = module("Sequential");
        std::string src = "def forward(self, x):\n";
        for (int b = 0; b < blocks; ++b) {
            const std::string name = std::to_string(b);
            m.register_module(name, basicBlock(key + "." + name, b == 0 ? firstStride : 1));
            src += "    x = getattr(self, \"" + name + "\").forward(x)\n";
        }
        src += "    return x\n";
        m.define(src);
        return m;
    }

    torch::jit::Module classifier(bool cosine, double scale)
    {
        auto m = module(cosine ? "NormedLinear" : "Linear");
        take(m, "fc.weight", "weight", false);
        take(m, "fc.bias", "bias", false);
        if (!cosine) {
            m.define("def forward(self, x):\n"
                     "    return torch.linear(x, self.weight, self.bias)\n");
            return m;
        }
        m.register_attribute("scale", c10::FloatType::get(), scale);
        // F.normalize(t, dim=1, eps=1e-12) = t / max(‖t‖₂ over dim 1, eps); fc.bias is unused.
        m.define(
            "def forward(self, x):\n"
            "    f = x / torch.clamp_min(x.norm(2.0, [1], True), 1e-12).expand_as(x)\n"
            "    w = self.weight / torch.clamp_min(self.weight.norm(2.0, [1], True), 1e-12).expand_as(self.weight)\n"
            "    return self.scale * torch.linear(f, w)\n");
        return m;
    }

    std::vector<std::string> leftover() const
    {
        std::vector<std::string> out;
        for (const auto &entry : m_state)
            out.push_back(entry.first);
        return out;
    }

private:
    std::shared_ptr<torch::jit::CompilationUnit> m_cu = std::make_shared<torch::jit::CompilationUnit>();
    std::map<std::string, torch::Tensor> m_state;
};

torch::jit::Module buildScript(Student &student)
{
    const StudentConfig &config = student.config();
    std::map<std::string, torch::Tensor> state;
    for (auto &[name, tensor] : student.namedState())
        state[name] = tensor.to(torch::kCPU);
    ScriptBuilder b(std::move(state));

    const bool imagenet = config.architecture == "resnet18";
    auto root = b.module("ResNet");
    root.register_module("conv1", imagenet ? b.conv("conv1", 2, 3) : b.conv("conv1", 1, 1));
    root.register_module("bn1", b.batchNorm("bn1"));
    const std::array<int, 4> blocks = imagenet ? std::array<int, 4>{{2, 2, 2, 2}} : config.cifarBlocks;
    for (int s = 0; s < 4; ++s) {
        const std::string key = "layer" + std::to_string(s + 1);
        root.register_module(key, b.stage(key, blocks[size_t(s)], s == 0 ? 1 : 2));
    }
    root.register_module("fc", b.classifier(config.cosineClassifier, config.cosineScale));
    const auto rest = b.leftover();
    if (!rest.empty()) {
        std::string names;
        for (const auto &n : rest)
            names += (names.empty() ? "" : ", ") + n;
        throw std::runtime_error("state entries the exporter does not know: " + names);
    }
    root.define(std::string("def features(self, x):\n"
                            "    x = torch.relu(self.bn1.forward(self.conv1.forward(x)))\n") +
                (imagenet ? "    x = torch.max_pool2d(x, [3, 3], [2, 2], [1, 1], [1, 1], False)\n" : "") +
                "    x = self.layer1.forward(x)\n"
                "    x = self.layer2.forward(x)\n"
                "    x = self.layer3.forward(x)\n"
                "    x = self.layer4.forward(x)\n"
                "    x = torch.adaptive_avg_pool2d(x, [1, 1])\n"
                "    return torch.flatten(x, 1)\n"
                "\n"
                "def forward(self, x):\n"
                "    return self.fc.forward(self.features(x))\n");
    root.eval();
    return root;
}

QJsonArray floats(const std::array<float, 3> &v)
{
    // The shortest decimal that reads back as the same float, so the JSON shows 0.485, not
    // 0.48500001430511475.
    QJsonArray a;
    for (float x : v) {
        double shortest = double(x);
        for (int digits = 1; digits <= 9; ++digits) {
            const double candidate = QString::number(double(x), 'g', digits).toDouble();
            if (float(candidate) == x) {
                shortest = candidate;
                break;
            }
        }
        a.append(shortest);
    }
    return a;
}

void removeQuietly(const std::string &path)
{
    std::error_code ec;
    std::filesystem::remove(path, ec);
}

// ------------------------------------------------------------------------------------------------
// Sidecar reading.

Result<QJsonObject> readSidecar(const QString &side)
{
    if (!QFileInfo::exists(side))
        return makeError(ErrorCode::NotFound, side, QStringLiteral("the export's sidecar JSON is missing"));
    QFile f(side);
    if (!f.open(QIODevice::ReadOnly))
        return makeError(ErrorCode::Unreadable, side, QStringLiteral("cannot read the file"));
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(f.readAll(), &parseError);
    if (parseError.error != QJsonParseError::NoError)
        return makeError(ErrorCode::Malformed, side, QStringLiteral("not valid JSON: ") + parseError.errorString());
    if (!doc.isObject()) return makeError(ErrorCode::Malformed, side, QStringLiteral("not a JSON object"));
    return doc.object();
}

Result<std::array<float, 3>> readTriple(const QJsonObject &o, const QString &key, const QString &side, bool positive)
{
    const QJsonValue v = o.value(key);
    const QJsonArray a = v.toArray();
    if (!v.isArray() || a.size() != 3)
        return makeError(ErrorCode::Malformed, side, QStringLiteral("\"%1\" must be an array of 3 numbers").arg(key));
    std::array<float, 3> out{};
    for (int i = 0; i < 3; ++i) {
        if (!a.at(i).isDouble() || !std::isfinite(a.at(i).toDouble()) || (positive && !(a.at(i).toDouble() > 0.0)))
            return makeError(ErrorCode::Malformed, side,
                             QStringLiteral("\"%1\" must hold 3 %2numbers")
                                 .arg(key, positive ? QStringLiteral("positive ") : QString()));
        out[size_t(i)] = float(a.at(i).toDouble());
    }
    return out;
}

} // namespace

// ---------------------------------------------------------------------------------------------------
// Export

QString exportSidecarPath(const QString &modelPath)
{
    const QFileInfo info(modelPath);
    const QString base = info.completeBaseName().isEmpty() ? info.fileName() : info.completeBaseName();
    return QDir(info.path()).filePath(base + QStringLiteral(".json"));
}

Result<void> exportTorchScript(Student &student, const ExportInfo &info, const QString &modelPath)
{
    const StudentConfig &config = student.config();
    const auto bad = [&](const QString &detail) { return makeError(ErrorCode::InvalidArgument, modelPath, detail); };
    if (modelPath.isEmpty()) return bad(QStringLiteral("no output path given"));
    const QString sidePath = exportSidecarPath(modelPath);
    if (QFileInfo(sidePath).absoluteFilePath() == QFileInfo(modelPath).absoluteFilePath())
        return bad(QStringLiteral("the model file must not end in .json (that name is taken by the sidecar)"));
    if (info.classNames.size() != config.numClasses)
        return bad(QStringLiteral("%1 class names given for a student with %2 outputs")
                       .arg(info.classNames.size())
                       .arg(config.numClasses));
    if (info.inputSize <= 0) return bad(QStringLiteral("the input size must be positive"));
    for (int c = 0; c < 3; ++c) {
        if (!std::isfinite(info.mean[size_t(c)]) || !std::isfinite(info.std[size_t(c)]) ||
            !(info.std[size_t(c)] > 0.0f))
            return bad(QStringLiteral("normalisation mean must be finite and std positive"));
    }
    if (!resizePolicyFromName(info.resizePolicy))
        return bad(QStringLiteral("unknown resize policy \"%1\" (expected stretch, crop or letterbox)")
                       .arg(info.resizePolicy));
    if (config.inputChannels != 3) return bad(QStringLiteral("only 3-channel (RGB) students can be exported"));

    torch::jit::Module script;
    try {
        script = buildScript(student);
    } catch (const std::exception &e) {
        return makeError(ErrorCode::Unsupported, modelPath, qs("cannot build the TorchScript module: " + firstLine(e)));
    }

    QJsonArray names;
    for (const QString &n : info.classNames)
        names.append(n);
    QJsonObject side{
        {QStringLiteral("format"), QString::fromLatin1(kExportFormat)},
        {QStringLiteral("formatVersion"), kExportFormatVersion},
        {QStringLiteral("modelFile"), QFileInfo(modelPath).fileName()},
        {QStringLiteral("architecture"), qs(config.architecture)},
        {QStringLiteral("widthMultiplier"), config.widthMultiplier},
        {QStringLiteral("cosineClassifier"), config.cosineClassifier},
        {QStringLiteral("featureDim"), student.featureDim()},
        {QStringLiteral("numClasses"), config.numClasses},
        {QStringLiteral("classNames"), names},
        {QStringLiteral("inputSize"), info.inputSize},
        {QStringLiteral("inputChannels"), config.inputChannels},
        {QStringLiteral("mean"), floats(info.mean)},
        {QStringLiteral("std"), floats(info.std)},
        {QStringLiteral("resizePolicy"), info.resizePolicy},
        {QStringLiteral("pixelScale"), QStringLiteral("rgb8/255")},
        {QStringLiteral("output"), QStringLiteral("logits")},
        {QStringLiteral("extra"), info.extra},
    };
    if (config.cosineClassifier) side.insert(QStringLiteral("cosineScale"), config.cosineScale);
    if (config.architecture == "cifar_resnet")
        side.insert(QStringLiteral("cifarBlocks"), QJsonArray{config.cifarBlocks[0], config.cifarBlocks[1],
                                                              config.cifarBlocks[2], config.cifarBlocks[3]});
    const QByteArray json = QJsonDocument(side).toJson(QJsonDocument::Indented);

    // Model to a temporary name, sidecar to a temporary name, then rename the sidecar and the model.
    const std::string modelFile = QFile::encodeName(modelPath).toStdString();
    const std::string sideFile = QFile::encodeName(sidePath).toStdString();
    const std::string modelTemp = modelFile + ".part";
    const std::string sideTemp = sideFile + ".part";
    // Serialised in memory, then written: LibTorch's own file writer ends the process (it throws
    // from a destructor) when a write fails on a full disk; here that is an error naming the file.
    std::ostringstream serialised;
    try {
        torch::jit::ExtraFilesMap extra{{"fopro.json", json.toStdString()}};
        script.save(serialised, extra);
    } catch (const std::exception &e) {
        return makeError(ErrorCode::WriteFailed, modelPath,
                         qs("cannot serialise the TorchScript model: " + firstLine(e)));
    }
    {
        const std::string bytes = serialised.str();
        serialised = std::ostringstream();
        QFile f(QFile::decodeName(QByteArray::fromStdString(modelTemp)));
        if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate) ||
            f.write(bytes.data(), qint64(bytes.size())) != qint64(bytes.size()) || !f.flush()) {
            const QString reason = f.errorString();
            f.close();
            removeQuietly(modelTemp);
            return makeError(ErrorCode::WriteFailed, modelPath,
                             QStringLiteral("cannot write the TorchScript file: ") + reason);
        }
        f.close();
    }
    {
        QFile f(QFile::decodeName(QByteArray::fromStdString(sideTemp)));
        if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate) || f.write(json) != json.size() || !f.flush()) {
            f.close();
            removeQuietly(sideTemp);
            removeQuietly(modelTemp);
            return makeError(ErrorCode::WriteFailed, sidePath,
                             QStringLiteral("cannot write the sidecar: ") + f.errorString());
        }
        f.close();
    }
    std::error_code ec;
    std::filesystem::rename(sideTemp, sideFile, ec);
    if (ec) {
        removeQuietly(sideTemp);
        removeQuietly(modelTemp);
        return makeError(ErrorCode::WriteFailed, sidePath, qs("cannot rename the temporary file: " + ec.message()));
    }
    std::filesystem::rename(modelTemp, modelFile, ec);
    if (ec) {
        removeQuietly(modelTemp);
        return makeError(ErrorCode::WriteFailed, modelPath, qs("cannot rename the temporary file: " + ec.message()));
    }
    return {};
}

// ---------------------------------------------------------------------------------------------------
// ExportedModel

struct ExportedModel::Impl {
    QString modelPath;
    QString sidecarPath;
    QJsonObject sidecar;
    QStringList classNames;
    int inputSize = 0;
    std::array<float, 3> mean{}, std{};
    QString resizePolicyName;
    data::ResizePolicy resizePolicy = data::ResizePolicy::ShorterSideCrop;
    QString architecture;
    mutable torch::jit::Module module; ///< as loaded
    /// What run() runs: a copy frozen and optimised for inference (torch::jit::optimize_for_inference),
    /// or the loaded module itself (Arithmetic::AsTrained, or a module that cannot be frozen).
    mutable torch::jit::Module inference;

    torch::Tensor run(const torch::Tensor &x) const
    {
        torch::Tensor y;
        {
            c10::InferenceMode inferenceMode; // no graph, no version counters
            torch::jit::IValue out = inference.forward({x});
            TORCH_CHECK(out.isTensor(), "the module's forward does not return a tensor");
            y = out.toTensor();
        }
        return y.clone(); // an ordinary tensor for the caller (N × C: cheap)
    }

    /// Resized, normalised batch of images [begin, end).
    Result<torch::Tensor> preprocess(const std::vector<cv::Mat> &images, std::size_t begin, std::size_t end) const
    {
        const auto s = int64_t(inputSize);
        torch::Tensor batch = torch::empty({int64_t(end - begin), 3, s, s});
        const torch::Tensor m = torch::tensor({mean[0], mean[1], mean[2]}).view({3, 1, 1});
        const torch::Tensor d = torch::tensor({std[0], std[1], std[2]}).view({3, 1, 1});
        for (std::size_t i = begin; i < end; ++i) {
            const cv::Mat &image = images[i];
            if (image.empty() || image.type() != CV_8UC3)
                return makeError(ErrorCode::InvalidArgument, modelPath,
                                 QStringLiteral("image %1 is %2, expected 8-bit RGB (CV_8UC3)")
                                     .arg(i)
                                     .arg(image.empty() ? QStringLiteral("empty") : QStringLiteral("of another type")));
            const cv::Mat resized = data::resizeImage(image, data::ResizeSpec{inputSize, resizePolicy});
            if (resized.empty() || resized.rows != inputSize || resized.cols != inputSize || !resized.isContinuous())
                return makeError(ErrorCode::InvalidArgument, modelPath,
                                 QStringLiteral("image %1 could not be resized").arg(i));
            const torch::Tensor hwc =
                torch::from_blob(const_cast<uchar *>(resized.ptr<uchar>()), {s, s, 3}, torch::kUInt8);
            batch[int64_t(i - begin)].copy_((hwc.permute({2, 0, 1}).to(torch::kFloat32) / 255.0f - m) / d);
        }
        return batch;
    }

    Result<std::vector<std::vector<float>>> predict(const std::vector<cv::Mat> &images, bool softmax) const
    {
        std::vector<std::vector<float>> out;
        out.reserve(images.size());
        constexpr std::size_t batchSize = 32;
        for (std::size_t begin = 0; begin < images.size(); begin += batchSize) {
            const std::size_t end = std::min(images.size(), begin + batchSize);
            auto batch = preprocess(images, begin, end);
            if (!batch) return batch.error();
            torch::Tensor y;
            try {
                y = run(batch.value());
            } catch (const std::exception &e) {
                return makeError(ErrorCode::Malformed, modelPath, qs("the model failed to run: " + firstLine(e)));
            }
            if (y.dim() != 2 || y.size(0) != int64_t(end - begin) || y.size(1) != classNames.size())
                return makeError(ErrorCode::Malformed, modelPath,
                                 QStringLiteral("the model returned an unexpected shape"));
            if (softmax) y = torch::softmax(y.to(torch::kFloat32), 1);
            y = y.to(torch::kFloat32).contiguous();
            const float *p = y.data_ptr<float>();
            for (int64_t r = 0; r < y.size(0); ++r)
                out.emplace_back(p + r * y.size(1), p + (r + 1) * y.size(1));
        }
        return out;
    }
};

ExportedModel::ExportedModel(std::shared_ptr<Impl> impl) : m_impl(std::move(impl)) {}

ExportedModel::~ExportedModel() = default;

Result<ExportedModel> ExportedModel::load(const QString &modelPath, Arithmetic arithmetic)
{
    if (!QFileInfo::exists(modelPath))
        return makeError(ErrorCode::NotFound, modelPath, QStringLiteral("exported model file not found"));
    auto impl = std::make_shared<Impl>();
    impl->modelPath = modelPath;
    impl->sidecarPath = exportSidecarPath(modelPath);
    const QString &side = impl->sidecarPath;
    auto read = readSidecar(side);
    if (!read) return read.error();
    const QJsonObject o = read.value();
    const auto malformed = [&](const QString &detail) { return makeError(ErrorCode::Malformed, side, detail); };

    if (o.value(QStringLiteral("format")).toString() != QLatin1String(kExportFormat))
        return malformed(QStringLiteral("not a FoPro-KD export sidecar (\"format\" is not \"%1\")")
                             .arg(QLatin1String(kExportFormat)));
    const QJsonValue version = o.value(QStringLiteral("formatVersion"));
    if (!version.isDouble() || version.toDouble() != std::floor(version.toDouble()) || version.toDouble() < 1)
        return malformed(QStringLiteral("\"formatVersion\" must be a positive integer"));
    if (version.toInt() > kExportFormatVersion)
        return makeError(ErrorCode::Unsupported, side,
                         QStringLiteral("format version %1 is newer than this program reads (%2)")
                             .arg(version.toInt())
                             .arg(kExportFormatVersion));

    const QJsonValue names = o.value(QStringLiteral("classNames"));
    if (!names.isArray() || names.toArray().isEmpty())
        return malformed(QStringLiteral("\"classNames\" must be a non-empty array of strings"));
    for (const QJsonValue &n : names.toArray()) {
        if (!n.isString()) return malformed(QStringLiteral("\"classNames\" must be a non-empty array of strings"));
        impl->classNames.append(n.toString());
    }
    if (o.contains(QStringLiteral("numClasses")) &&
        o.value(QStringLiteral("numClasses")).toInt(-1) != impl->classNames.size())
        return malformed(QStringLiteral("\"numClasses\" (%1) differs from the %2 class names")
                             .arg(o.value(QStringLiteral("numClasses")).toVariant().toString())
                             .arg(impl->classNames.size()));
    const QJsonValue size = o.value(QStringLiteral("inputSize"));
    if (!size.isDouble() || size.toDouble() != std::floor(size.toDouble()) || size.toDouble() < 1 ||
        size.toDouble() > 65536)
        return malformed(QStringLiteral("\"inputSize\" must be a positive integer"));
    impl->inputSize = size.toInt();
    auto mean = readTriple(o, QStringLiteral("mean"), side, false);
    if (!mean) return mean.error();
    auto sd = readTriple(o, QStringLiteral("std"), side, true);
    if (!sd) return sd.error();
    impl->mean = mean.value();
    impl->std = sd.value();
    impl->resizePolicyName = o.value(QStringLiteral("resizePolicy")).toString();
    const auto policy = resizePolicyFromName(impl->resizePolicyName);
    if (!policy) return malformed(QStringLiteral("\"resizePolicy\" must be \"stretch\", \"crop\" or \"letterbox\""));
    impl->resizePolicy = *policy;
    impl->architecture = o.value(QStringLiteral("architecture")).toString();
    impl->sidecar = o;

    try {
        impl->module = torch::jit::load(QFile::encodeName(modelPath).toStdString(), torch::kCPU);
        impl->module.eval();
        for (auto p : impl->module.parameters())
            p.requires_grad_(false);
    } catch (const std::exception &e) {
        return makeError(ErrorCode::Malformed, modelPath, qs("not a loadable TorchScript file: " + firstLine(e)));
    }
    impl->inference = impl->module;
    if (arithmetic == Arithmetic::Fast) {
        try {
            // Frozen (constants inlined, batch norm folded into the convolutions), then rewritten
            // for oneDNN with weights packed once instead of on every call: measured 2-3x at batch
            // 32 and up to 20x at batch 1 on a 2-core machine (README, Benchmarks).
            impl->inference = torch::jit::optimize_for_inference(impl->module);
        } catch (const std::exception &) {
            // A module freeze cannot handle runs as it is.
        }
    }
    torch::Tensor y;
    try {
        y = impl->run(torch::zeros({1, 3, impl->inputSize, impl->inputSize}));
    } catch (const std::exception &e) {
        return makeError(ErrorCode::Malformed, modelPath,
                         qs("the module does not run on a 1x3x" + std::to_string(impl->inputSize) + "x" +
                            std::to_string(impl->inputSize) + " input: " + firstLine(e)));
    }
    if (y.dim() != 2 || y.size(0) != 1 || y.size(1) != impl->classNames.size()) {
        std::ostringstream shape;
        shape << y.sizes();
        return makeError(ErrorCode::Malformed, modelPath,
                         qs("the module returns shape " + shape.str() + " for one image, but the sidecar " +
                            QFileInfo(side).fileName().toStdString() + " lists " +
                            std::to_string(impl->classNames.size()) + " classes"));
    }
    return ExportedModel(std::move(impl));
}

QString ExportedModel::modelPath() const
{
    return m_impl->modelPath;
}
QString ExportedModel::sidecarPath() const
{
    return m_impl->sidecarPath;
}
QJsonObject ExportedModel::sidecar() const
{
    return m_impl->sidecar;
}
QStringList ExportedModel::classNames() const
{
    return m_impl->classNames;
}
int ExportedModel::numClasses() const
{
    return int(m_impl->classNames.size());
}
int ExportedModel::inputSize() const
{
    return m_impl->inputSize;
}
std::array<float, 3> ExportedModel::mean() const
{
    return m_impl->mean;
}
std::array<float, 3> ExportedModel::std() const
{
    return m_impl->std;
}
QString ExportedModel::resizePolicy() const
{
    return m_impl->resizePolicyName;
}
QString ExportedModel::architecture() const
{
    return m_impl->architecture;
}

Result<std::vector<std::vector<float>>>
ExportedModel::predictProbabilities(const std::vector<cv::Mat> &rgb8Images) const
{
    return m_impl->predict(rgb8Images, /*softmax=*/true);
}

Result<std::vector<std::vector<float>>> ExportedModel::predictLogits(const std::vector<cv::Mat> &rgb8Images) const
{
    return m_impl->predict(rgb8Images, /*softmax=*/false);
}

at::Tensor ExportedModel::forward(const at::Tensor &normalised) const
{
    return m_impl->run(normalised);
}

} // namespace fopro::ml
