#include "core/ml/models.h"

#include "core/ml/archive_p.h"

#include <torch/script.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>

namespace fopro::ml {

namespace {

using NamedTensors = std::vector<std::pair<std::string, torch::Tensor>>;

QString qs(const std::string &s)
{
    return QString::fromStdString(s);
}

/// Stage width round(base · w), at least 1.
int scaledWidth(int base, double multiplier)
{
    return std::max(1, static_cast<int>(std::lround(base * multiplier)));
}

std::string shapeText(const torch::Tensor &t)
{
    std::ostringstream out;
    out << t.sizes();
    return out.str();
}

/// "a, b, c" with at most `limit` names, then "and N more".
std::string joinNames(const std::vector<std::string> &names, std::size_t limit = 8)
{
    std::string out;
    for (std::size_t i = 0; i < names.size() && i < limit; ++i)
        out += (i ? ", " : "") + names[i];
    if (names.size() > limit) out += " and " + std::to_string(names.size() - limit) + " more";
    return out;
}

bool startsWith(const std::string &s, const std::string &prefix)
{
    return s.compare(0, prefix.size(), prefix) == 0;
}

bool endsWith(const std::string &s, const std::string &suffix)
{
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

/// Parameters and buffers in PyTorch's state_dict order: per module (pre-order), its own
/// parameters, then its own buffers, then its children.
void collectState(const torch::nn::Module &module, const std::string &prefix, NamedTensors &out)
{
    for (const auto &p : module.named_parameters(/*recurse=*/false))
        out.emplace_back(prefix + p.key(), p.value());
    for (const auto &b : module.named_buffers(/*recurse=*/false))
        out.emplace_back(prefix + b.key(), b.value());
    for (const auto &child : module.named_children())
        collectState(*child.value(), prefix + child.key() + ".", out);
}

NamedTensors moduleState(const torch::nn::Module &module)
{
    NamedTensors out;
    collectState(module, {}, out);
    return out;
}

std::int64_t countParameters(const torch::nn::Module &module)
{
    std::int64_t n = 0;
    for (const auto &p : module.parameters())
        n += p.numel();
    return n;
}

/// Reads name → tensor from a TorchScript / torch::save archive, or from a pickled dict.
Result<std::map<std::string, torch::Tensor>> readStateFile(const std::string &path)
{
    const QString file = qs(path);
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec))
        return makeError(ErrorCode::NotFound, file, QStringLiteral("parameter file not found"));

    std::map<std::string, torch::Tensor> out;
    std::string jitError;
    try {
        const torch::jit::Module module = torch::jit::load(path, torch::kCPU);
        for (const auto &p : module.named_parameters(/*recurse=*/true))
            out[p.name] = p.value.detach();
        for (const auto &b : module.named_buffers(/*recurse=*/true))
            out[b.name] = b.value.detach();
        return out;
    } catch (const std::exception &e) {
        jitError = e.what();
        jitError = jitError.substr(0, jitError.find('\n'));
    }

    // Not a module: maybe a pickled state dict (Python torch.save(state_dict), torch::pickle_save).
    std::ifstream in(path, std::ios::binary);
    if (!in) return makeError(ErrorCode::Unreadable, file, QStringLiteral("cannot read the file"));
    const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    try {
        const torch::IValue value = torch::pickle_load(bytes);
        if (!value.isGenericDict())
            return makeError(ErrorCode::Malformed, file,
                             QStringLiteral("the pickled object is not a dict of name → tensor"));
        for (const auto &entry : value.toGenericDict()) {
            if (!entry.key().isString() || !entry.value().isTensor())
                return makeError(ErrorCode::Malformed, file,
                                 QStringLiteral("the pickled dict does not map names to tensors"));
            out[entry.key().toStringRef()] = entry.value().toTensor().detach();
        }
        return out;
    } catch (const std::exception &) {
        return makeError(ErrorCode::Malformed, file,
                         qs("neither a TorchScript/torch::save archive nor a pickled state dict (" + jitError + ")"));
    }
}

/// Strict by-name load into `module`; with `skipPrefix` non-empty, entries under that prefix that
/// are missing or have another shape keep their current values (all of them together).
Result<void> loadState(torch::nn::Module &module, const std::string &path, const std::string &skipPrefix)
{
    auto read = readStateFile(path);
    if (!read) return read.error();
    const auto &fileState = read.value();
    const QString file = qs(path);
    const NamedTensors own = moduleState(module);

    // Decide whether the skippable block (the classifier) is taken from the file at all.
    bool skipBlock = false;
    if (!skipPrefix.empty()) {
        for (const auto &[name, tensor] : own) {
            if (!startsWith(name, skipPrefix)) continue;
            const auto it = fileState.find(name);
            if (it == fileState.end() || it->second.sizes() != tensor.sizes()) skipBlock = true;
        }
    }

    std::vector<std::string> missing;
    std::vector<std::string> mismatched;
    std::set<std::string> known;
    for (const auto &[name, tensor] : own) {
        known.insert(name);
        if (skipBlock && startsWith(name, skipPrefix)) continue;
        const auto it = fileState.find(name);
        if (it == fileState.end()) {
            if (!endsWith(name, "num_batches_tracked")) missing.push_back(name);
            continue;
        }
        if (it->second.sizes() != tensor.sizes())
            mismatched.push_back("'" + name + "' has shape " + shapeText(it->second) + " in the file but " +
                                 shapeText(tensor) + " in the model");
    }
    std::vector<std::string> unexpected;
    for (const auto &[name, tensor] : fileState) {
        if (known.count(name)) continue;
        if (skipBlock && startsWith(name, skipPrefix)) continue; // e.g. a file's own fc of another shape
        unexpected.push_back(name);
    }

    std::vector<std::string> problems;
    if (!mismatched.empty()) problems.push_back("parameter " + joinNames(mismatched, 4));
    if (!missing.empty()) problems.push_back("missing keys: " + joinNames(missing));
    if (!unexpected.empty()) problems.push_back("unexpected keys: " + joinNames(unexpected));
    if (!problems.empty()) {
        std::string detail = "the parameters do not fit the model: ";
        for (std::size_t i = 0; i < problems.size(); ++i)
            detail += (i ? "; " : "") + problems[i];
        return makeError(ErrorCode::Malformed, file, qs(detail));
    }

    torch::NoGradGuard noGrad;
    for (const auto &[name, tensor] : own) {
        if (skipBlock && startsWith(name, skipPrefix)) continue;
        const auto it = fileState.find(name);
        if (it == fileState.end()) continue; // a tolerated num_batches_tracked
        auto target = tensor;                // shares storage with the module
        target.copy_(it->second.to(target.device(), target.scalar_type()));
    }
    return {};
}

/// The module's parameters and buffers as a torch::save archive, written with writeArchive (a
/// temporary file renamed over `path`; a failed write is an error and leaves `path` as it was).
Result<void> saveModule(const std::shared_ptr<torch::nn::Module> &module, const std::string &path)
{
    try {
        torch::serialize::OutputArchive archive;
        module->save(archive);
        return detail::writeArchive(archive, qs(path));
    } catch (const std::exception &e) {
        std::string what = e.what();
        return makeError(ErrorCode::WriteFailed, qs(path),
                         qs("cannot write the parameters: " + what.substr(0, what.find('\n'))));
    }
}

} // namespace

namespace detail {

/// torchvision's BasicBlock: conv3×3(stride) → BN → ReLU → conv3×3 → BN, + identity or
/// downsample (1×1 conv(stride) → BN), → ReLU. Names: conv1, bn1, conv2, bn2, downsample.{0,1}.
class BasicBlockImpl : public torch::nn::Module {
public:
    BasicBlockImpl(int in, int out, int stride)
    {
        namespace nn = torch::nn;
        m_conv1 =
            register_module("conv1", nn::Conv2d(nn::Conv2dOptions(in, out, 3).stride(stride).padding(1).bias(false)));
        m_bn1 = register_module("bn1", nn::BatchNorm2d(out));
        m_conv2 = register_module("conv2", nn::Conv2d(nn::Conv2dOptions(out, out, 3).stride(1).padding(1).bias(false)));
        m_bn2 = register_module("bn2", nn::BatchNorm2d(out));
        if (stride != 1 || in != out) {
            m_downsample = register_module(
                "downsample", nn::Sequential(nn::Conv2d(nn::Conv2dOptions(in, out, 1).stride(stride).bias(false)),
                                             nn::BatchNorm2d(out)));
        }
    }

    torch::Tensor forward(const torch::Tensor &x)
    {
        // In place where autograd allows it, as torchvision does: batch norm keeps its input, not
        // its output, for the backward pass, and ReLU keeps its result.
        auto out = m_bn1(m_conv1(x)).relu_();
        out = m_bn2(m_conv2(out));
        out += m_downsample.is_empty() ? x : m_downsample->forward(x);
        return out.relu_();
    }

private:
    torch::nn::Conv2d m_conv1{nullptr};
    torch::nn::BatchNorm2d m_bn1{nullptr};
    torch::nn::Conv2d m_conv2{nullptr};
    torch::nn::BatchNorm2d m_bn2{nullptr};
    torch::nn::Sequential m_downsample{nullptr};
};
TORCH_MODULE(BasicBlock);

/// ResNet with BasicBlocks in torchvision's naming (conv1, bn1, layer1..layer4, fc).
class ResNetImpl : public torch::nn::Module {
public:
    explicit ResNetImpl(const StudentConfig &config)
        : m_imagenetStem(config.architecture == "resnet18"), m_cosine(config.cosineClassifier),
          m_cosineScale(config.cosineScale)
    {
        namespace nn = torch::nn;
        const double w = config.widthMultiplier;
        const int stem = scaledWidth(64, w);
        if (m_imagenetStem)
            m_conv1 = register_module(
                "conv1", nn::Conv2d(nn::Conv2dOptions(config.inputChannels, stem, 7).stride(2).padding(3).bias(false)));
        else
            m_conv1 = register_module(
                "conv1", nn::Conv2d(nn::Conv2dOptions(config.inputChannels, stem, 3).stride(1).padding(1).bias(false)));
        m_bn1 = register_module("bn1", nn::BatchNorm2d(stem));

        const std::array<int, 4> blocks = m_imagenetStem ? std::array<int, 4>{{2, 2, 2, 2}} : config.cifarBlocks;
        const std::array<int, 4> bases{{64, 128, 256, 512}};
        int in = stem;
        for (int stage = 0; stage < 4; ++stage) {
            const int out = scaledWidth(bases[stage], w);
            nn::Sequential layer;
            for (int b = 0; b < blocks[stage]; ++b) {
                layer->push_back(BasicBlock(in, out, (b == 0 && stage > 0) ? 2 : 1));
                in = out;
            }
            m_layers[stage] = register_module("layer" + std::to_string(stage + 1), layer);
        }
        m_featureDim = in;
        m_fc = register_module("fc", nn::Linear(in, config.numClasses));

        // torchvision's initialisation (Linear keeps PyTorch's default, as in torchvision).
        torch::NoGradGuard noGrad;
        for (const auto &module : modules(/*include_self=*/false)) {
            if (auto *conv = module->as<nn::Conv2d>()) {
                nn::init::kaiming_normal_(conv->weight, 0.0, torch::kFanOut, torch::kReLU);
            } else if (auto *bn = module->as<nn::BatchNorm2d>()) {
                nn::init::ones_(bn->weight);
                nn::init::zeros_(bn->bias);
            }
        }
    }

    torch::Tensor features(const torch::Tensor &x)
    {
        TORCH_CHECK(x.dim() == 4, "student input must be B x C x H x W, got ", x.sizes());
        auto y = m_bn1(m_conv1(x)).relu_();
        if (m_imagenetStem) y = torch::max_pool2d(y, 3, 2, 1);
        for (auto &layer : m_layers)
            y = layer->forward(y);
        return torch::adaptive_avg_pool2d(y, {1, 1}).flatten(1);
    }

    torch::Tensor logits(const torch::Tensor &features)
    {
        if (!m_cosine) return m_fc(features);
        namespace F = torch::nn::functional;
        const auto opts = F::NormalizeFuncOptions().dim(1).eps(1e-12);
        return m_cosineScale * torch::linear(F::normalize(features, opts), F::normalize(m_fc->weight, opts));
    }
    int featureDim() const { return m_featureDim; }

private:
    bool m_imagenetStem = true;
    bool m_cosine = false;
    double m_cosineScale = 30.0;
    int m_featureDim = 0;
    torch::nn::Conv2d m_conv1{nullptr};
    torch::nn::BatchNorm2d m_bn1{nullptr};
    std::array<torch::nn::Sequential, 4> m_layers{{torch::nn::Sequential{nullptr}, torch::nn::Sequential{nullptr},
                                                   torch::nn::Sequential{nullptr}, torch::nn::Sequential{nullptr}}};
    torch::nn::Linear m_fc{nullptr};
};
TORCH_MODULE(ResNet);

/// EKD heads: projection = Sequential(Linear, BatchNorm1d, ReLU, Linear), fc_aux = Linear.
class EkdHeadsModuleImpl : public torch::nn::Module {
public:
    explicit EkdHeadsModuleImpl(const EkdHeadsConfig &c)
    {
        namespace nn = torch::nn;
        m_projection = register_module("projection", nn::Sequential(nn::Linear(c.featureDim, c.hiddenDim),
                                                                    nn::BatchNorm1d(c.hiddenDim), nn::ReLU(),
                                                                    nn::Linear(c.hiddenDim, c.teacherDim)));
        m_fcAux = register_module("fc_aux", nn::Linear(c.teacherDim, c.numClasses));
    }

    torch::Tensor project(const torch::Tensor &features) { return m_projection->forward(features); }
    torch::Tensor auxLogits(const torch::Tensor &projected) { return m_fcAux(projected); }

private:
    torch::nn::Sequential m_projection{nullptr};
    torch::nn::Linear m_fcAux{nullptr};
};
TORCH_MODULE(EkdHeadsModule);

} // namespace detail

// ---------------------------------------------------------------------------------------------------
// Student

struct Student::Impl {
    StudentConfig config;
    detail::ResNet net{nullptr};
};

Student::Student(const StudentConfig &config) : m_impl(std::make_unique<Impl>())
{
    const auto valid = validateStudentConfig(config);
    if (!valid) throw std::invalid_argument(valid.error().detail.toStdString());
    m_impl->config = config;
    if (config.seed >= 0) torch::manual_seed(static_cast<std::uint64_t>(config.seed));
    m_impl->net = detail::ResNet(config);
}

Result<Student> Student::create(const StudentConfig &config)
{
    const auto valid = validateStudentConfig(config);
    if (!valid) return valid.error();
    return Student(config);
}

Student::~Student() = default;
Student::Student(Student &&) noexcept = default;
Student &Student::operator=(Student &&) noexcept = default;

const StudentConfig &Student::config() const
{
    return m_impl->config;
}

at::Tensor Student::features(const at::Tensor &x)
{
    return m_impl->net->features(x);
}

at::Tensor Student::logits(const at::Tensor &features)
{
    return m_impl->net->logits(features);
}

at::Tensor Student::forward(const at::Tensor &x)
{
    return logits(features(x));
}

int Student::featureDim() const
{
    return m_impl->net->featureDim();
}

int Student::numClasses() const
{
    return m_impl->config.numClasses;
}

std::vector<at::Tensor> Student::parameters()
{
    return m_impl->net->parameters();
}

std::vector<std::pair<std::string, at::Tensor>> Student::namedState()
{
    return moduleState(*m_impl->net);
}

std::vector<std::string> Student::stateKeys() const
{
    std::vector<std::string> keys;
    for (const auto &entry : moduleState(*m_impl->net))
        keys.push_back(entry.first);
    return keys;
}

std::int64_t Student::parameterCount() const
{
    return countParameters(*m_impl->net);
}

void Student::train(bool on)
{
    m_impl->net->train(on);
}

void Student::eval()
{
    m_impl->net->eval();
}

bool Student::isTraining() const
{
    return m_impl->net->is_training();
}

void Student::freezeBatchNorm()
{
    for (const auto &m : m_impl->net->modules())
        if (m->as<torch::nn::BatchNorm2d>()) m->eval();
}

Result<void> Student::loadParameters(const std::string &path, ClassifierLoad classifier)
{
    return loadState(*m_impl->net, path, classifier == ClassifierLoad::SkipOnMismatch ? "fc." : "");
}

Result<void> Student::saveParameters(const std::string &path) const
{
    return saveModule(m_impl->net.ptr(), path);
}

// ---------------------------------------------------------------------------------------------------
// EkdHeads

struct EkdHeads::Impl {
    EkdHeadsConfig config;
    detail::EkdHeadsModule heads{nullptr};
};

EkdHeads::EkdHeads(const EkdHeadsConfig &config) : m_impl(std::make_unique<Impl>())
{
    if (config.featureDim < 1 || config.hiddenDim < 1 || config.teacherDim < 1 || config.numClasses < 1)
        throw std::invalid_argument("EKD head sizes must be positive");
    m_impl->config = config;
    if (config.seed >= 0) torch::manual_seed(static_cast<std::uint64_t>(config.seed));
    m_impl->heads = detail::EkdHeadsModule(config);
}

EkdHeads::~EkdHeads() = default;
EkdHeads::EkdHeads(EkdHeads &&) noexcept = default;
EkdHeads &EkdHeads::operator=(EkdHeads &&) noexcept = default;

const EkdHeadsConfig &EkdHeads::config() const
{
    return m_impl->config;
}

at::Tensor EkdHeads::project(const at::Tensor &features)
{
    return m_impl->heads->project(features);
}

at::Tensor EkdHeads::auxLogits(const at::Tensor &projected)
{
    return m_impl->heads->auxLogits(projected);
}

std::vector<at::Tensor> EkdHeads::parameters()
{
    return m_impl->heads->parameters();
}

std::vector<std::pair<std::string, at::Tensor>> EkdHeads::namedState()
{
    return moduleState(*m_impl->heads);
}

std::int64_t EkdHeads::parameterCount() const
{
    return countParameters(*m_impl->heads);
}

void EkdHeads::train(bool on)
{
    m_impl->heads->train(on);
}

void EkdHeads::eval()
{
    m_impl->heads->eval();
}

bool EkdHeads::isTraining() const
{
    return m_impl->heads->is_training();
}

Result<void> EkdHeads::loadParameters(const std::string &path)
{
    return loadState(*m_impl->heads, path, {});
}

Result<void> EkdHeads::saveParameters(const std::string &path) const
{
    return saveModule(m_impl->heads.ptr(), path);
}

} // namespace fopro::ml
