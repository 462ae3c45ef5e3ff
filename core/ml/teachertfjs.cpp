// The TF.js layers importer of Teacher (Teacher::loadTfjs): model.json's Keras topology and its
// weight shards become a LibTorch module of one op per layer, run in topological order.

#include "core/ml/kerastopology_p.h"
#include "core/ml/teacher_p.h"
#include "core/ml/tfjsnet_p.h"

#include "core/common/fileio.h"
#include "core/ml/errortext.h"

#include <QtCore/QDir>
#include <QtCore/QFile>
#include <QtCore/QFileInfo>
#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <vector>

namespace F = torch::nn::functional;

namespace fopro::ml {

using detail::qs;
using namespace tfjs;

namespace {

/// Limits that no real teacher comes near and a hostile file must not pass: zero padding per side,
/// and the input image's side.
constexpr int kMaxPadding = 1024;
constexpr std::int64_t kMaxInputSide = 4096;

// ------------------------------------------------------------------------------------------------
// Reading the TF.js files.

struct LoadError {
    ErrorCode code;
    std::string file;
    std::string detail;
};

using WeightMap = std::map<std::string, torch::Tensor>;

bool readFile(const QString &path, QByteArray &out)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return false;
    out = f.readAll();
    return true;
}

/// Reads every weight group: the group's shards are concatenated, its weights follow in order.
std::optional<LoadError> readWeights(const QString &modelJson, const QJsonArray &manifest, WeightMap &weights)
{
    const QString dir = QFileInfo(modelJson).absolutePath();
    for (const QJsonValue &groupValue : manifest) {
        const QJsonObject group = groupValue.toObject();
        QByteArray bytes;
        QStringList shardNames;
        for (const QJsonValue &p : group.value(QStringLiteral("paths")).toArray()) {
            const QString shard = QDir::cleanPath(dir + QLatin1Char('/') + p.toString());
            shardNames << shard;
            // Shards live beside model.json; a path leading elsewhere is refused, not followed.
            if (p.toString().isEmpty() || QDir::isAbsolutePath(p.toString()) ||
                !shard.startsWith(QDir::cleanPath(dir) + QLatin1Char('/')))
                return LoadError{ErrorCode::Malformed, modelJson.toStdString(),
                                 "weight shard path '" + p.toString().toStdString() +
                                     "' leaves the model's folder (shards must lie beside model.json)"};
            QByteArray part;
            if (!QFileInfo::exists(shard))
                return LoadError{ErrorCode::NotFound, shard.toStdString(),
                                 "weight shard not found (listed in the weightsManifest of " + modelJson.toStdString() +
                                     ")"};
            if (!readFile(shard, part))
                return LoadError{ErrorCode::Unreadable, shard.toStdString(), "cannot read the weight shard"};
            bytes += part;
        }
        int64_t offset = 0;
        for (const QJsonValue &wv : group.value(QStringLiteral("weights")).toArray()) {
            const QJsonObject w = wv.toObject();
            const std::string name = w.value(QStringLiteral("name")).toString().toStdString();
            std::vector<int64_t> shape;
            int64_t count = 1;
            for (const QJsonValue &d : w.value(QStringLiteral("shape")).toArray()) {
                // Whole numbers from 0 to 2^31 only: a bad manifest must be an error naming the
                // weight, never a failed allocation or an overflow (a count beyond the shards' bytes
                // is a size mismatch, below).
                const double v = d.toDouble(-1);
                if (!d.isDouble() || v < 0 || v != std::floor(v) || v > 2147483648.0)
                    return LoadError{ErrorCode::Malformed, modelJson.toStdString(),
                                     "weight " + name + ": shape " +
                                         QJsonDocument(w.value(QStringLiteral("shape")).toArray())
                                             .toJson(QJsonDocument::Compact)
                                             .toStdString() +
                                         " is not a list of whole sizes from 0 to 2^31"};
                shape.push_back(int64_t(v));
                count *= int64_t(v);
                if (count > bytes.size()) break; // reported below as a size mismatch
            }
            if (count > bytes.size()) break;
            const std::string dtype =
                w.value(QStringLiteral("dtype")).toString(QStringLiteral("float32")).toStdString();
            const QJsonObject quant = w.value(QStringLiteral("quantization")).toObject();
            if (dtype != "float32" && dtype != "int32")
                return LoadError{ErrorCode::Unsupported, modelJson.toStdString(),
                                 "weight " + name + ": unsupported dtype '" + dtype + "' (float32 and int32 are)"};
            torch::Tensor t;
            int64_t size = 0;
            if (!quant.isEmpty()) {
                const std::string qtype = quant.value(QStringLiteral("dtype")).toString().toStdString();
                if (qtype != "uint8" && qtype != "uint16")
                    return LoadError{ErrorCode::Unsupported, modelJson.toStdString(),
                                     "weight " + name + ": unsupported quantization dtype '" + qtype + "'"};
                if (!quant.contains(QStringLiteral("scale")) || !quant.contains(QStringLiteral("min")))
                    return LoadError{ErrorCode::Unsupported, modelJson.toStdString(),
                                     "weight " + name + ": quantization without scale/min is not supported"};
                const int width = qtype == "uint8" ? 1 : 2;
                size = count * width;
                if (offset + size > bytes.size()) break; // reported below as a size mismatch
                const double scale = quant.value(QStringLiteral("scale")).toDouble();
                const double min = quant.value(QStringLiteral("min")).toDouble();
                const double largest = std::abs(min) + std::abs(scale) * (width == 1 ? 255.0 : 65535.0);
                if (!std::isfinite(scale) || !std::isfinite(min) || !(largest <= std::numeric_limits<float>::max()))
                    return LoadError{ErrorCode::Malformed, modelJson.toStdString(),
                                     "weight " + name + ": quantization scale/min give values beyond float32 (scale " +
                                         std::to_string(scale) + ", min " + std::to_string(min) + ")"};
                // Like TF.js: q·scale + min in double precision, stored as float32.
                t = torch::empty(shape, torch::kFloat32);
                float *dst = t.data_ptr<float>();
                const auto *src = reinterpret_cast<const unsigned char *>(bytes.constData() + offset);
                for (int64_t i = 0; i < count; ++i) {
                    const double q = width == 1 ? src[i] : double(src[2 * i] | (src[2 * i + 1] << 8));
                    dst[i] = float(q * scale + min);
                }
            } else if (dtype == "float32" || dtype == "int32") {
                size = count * 4;
                if (offset + size > bytes.size()) break;
                t = torch::empty(shape, dtype == "float32" ? torch::kFloat32 : torch::kInt32);
                std::memcpy(t.data_ptr(), bytes.constData() + offset, size_t(size));
                t = t.to(torch::kFloat32);
                if (!torch::isfinite(t).all().item<bool>())
                    return LoadError{ErrorCode::Malformed, shardNames.join(QStringLiteral(", ")).toStdString(),
                                     "weight " + name + " holds NaN or infinite values"};
            } else {
                return LoadError{ErrorCode::Unsupported, modelJson.toStdString(),
                                 "weight " + name + ": unsupported dtype '" + dtype + "'"};
            }
            offset += size;
            weights[name] = t;
        }
        // Every weight must have been read, and the shards must hold exactly that many bytes.
        // In double precision: sizes from a bad manifest must not overflow.
        double expected = 0;
        for (const QJsonValue &wv : group.value(QStringLiteral("weights")).toArray()) {
            const QJsonObject w = wv.toObject();
            double count = 1;
            for (const QJsonValue &d : w.value(QStringLiteral("shape")).toArray())
                count *= std::max(0.0, d.toDouble());
            const QJsonObject quant = w.value(QStringLiteral("quantization")).toObject();
            const QString qtype = quant.value(QStringLiteral("dtype")).toString();
            expected += count * (quant.isEmpty() ? 4 : (qtype == QLatin1String("uint16") ? 2 : 1));
        }
        if (expected != double(bytes.size()))
            return LoadError{ErrorCode::Malformed, shardNames.join(QStringLiteral(", ")).toStdString(),
                             "size mismatch: the weightsManifest needs " +
                                 QString::number(expected, 'f', 0).toStdString() + " bytes, the shard(s) hold " +
                                 std::to_string(bytes.size())};
    }
    return std::nullopt;
}

/// Looks a layer's weight up by "layer/param" (also accepting a prefix "scope/layer/param" and a
/// ":0" suffix, as some exporters write).
torch::Tensor findWeight(const WeightMap &weights, const std::string &layer, const std::string &param)
{
    const std::string key = layer + "/" + param;
    if (auto it = weights.find(key); it != weights.end()) return it->second;
    for (const auto &[name, t] : weights) {
        std::string n = name;
        if (n.size() > 2 && n.compare(n.size() - 2, 2, ":0") == 0) n.resize(n.size() - 2);
        if (n == key || (n.size() > key.size() && n.compare(n.size() - key.size() - 1, key.size() + 1, "/" + key) == 0))
            return t;
    }
    return {};
}

std::optional<Act> parseAct(const QString &name)
{
    if (name == QLatin1String("linear") || name.isEmpty()) return Act::Linear;
    if (name == QLatin1String("relu")) return Act::Relu;
    if (name == QLatin1String("relu6")) return Act::Relu6;
    if (name == QLatin1String("softmax")) return Act::Softmax;
    if (name == QLatin1String("sigmoid")) return Act::Sigmoid;
    if (name == QLatin1String("tanh")) return Act::Tanh;
    return std::nullopt;
}

void pair2(const QJsonValue &v, int out[2], int fallback)
{
    if (v.isArray()) {
        const QJsonArray a = v.toArray();
        out[0] = a.size() > 0 ? a.at(0).toInt(fallback) : fallback;
        out[1] = a.size() > 1 ? a.at(1).toInt(fallback) : out[0];
    } else {
        out[0] = out[1] = v.toInt(fallback);
    }
}

std::string shapeString(const torch::Tensor &t)
{
    std::ostringstream s;
    s << t.sizes();
    return s.str();
}

/// One Keras layer → Op (weights converted to torch layout). Returns an error detail or empty.
/// Reads one Keras layer's configuration and weights into an Op; every method returns an error
/// detail, empty when fine.
struct LayerReader {
    const QString &cls;
    const QJsonObject &cfg;
    const WeightMap &weights;
    Op &op;

    std::string need(const std::string &param, torch::Tensor &dst, int64_t rank) const
    {
        const std::string &n = op.name;
        dst = findWeight(weights, n, param);
        if (!dst.defined())
            return "layer " + n + " (" + cls.toStdString() + "): weight " + n + "/" + param +
                   " missing from the weightsManifest";
        if (dst.dim() != rank)
            return "layer " + n + ": weight " + param + " has shape " + shapeString(dst) + ", expected rank " +
                   std::to_string(rank);
        return {};
    }
    std::string activation()
    {
        const QString a = cfg.value(QStringLiteral("activation")).toString(QStringLiteral("linear"));
        const auto act = parseAct(a);
        if (!act) return "layer " + op.name + ": unsupported activation '" + a.toStdString() + "'";
        op.act = *act;
        return {};
    }
    std::string padding()
    {
        const QString p = cfg.value(QStringLiteral("padding")).toString(QStringLiteral("valid"));
        if (p != QLatin1String("same") && p != QLatin1String("valid"))
            return "layer " + op.name + ": unsupported padding '" + p.toStdString() + "'";
        op.same = p == QLatin1String("same");
        return {};
    }
    std::string channelsLast() const
    {
        const QString f = cfg.value(QStringLiteral("data_format")).toString(QStringLiteral("channels_last"));
        if (f != QLatin1String("channels_last"))
            return "layer " + op.name + ": only data_format channels_last is supported";
        return {};
    }

    /// The bias when use_bias (default true), sized like the kernel's output.
    std::string bias()
    {
        if (!cfg.value(QStringLiteral("use_bias")).toBool(true)) return {};
        if (std::string e = need("bias", op.bias, 1); !e.empty()) return e;
        if (op.bias.size(0) != op.weight.size(0)) return "layer " + op.name + ": bias size does not match the kernel";
        return {};
    }

    /// ZeroPadding2D: symmetric or ((top, bottom), (left, right)).
    std::string zeroPadding()
    {
        std::string e;
        op.kind = OpKind::ZeroPad;
        if (!(e = channelsLast()).empty()) return e;
        const QJsonValue p = cfg.value(QStringLiteral("padding"));
        if (p.isArray() && p.toArray().size() == 2 && p.toArray().at(0).isArray()) {
            const QJsonArray a = p.toArray();
            op.pad[0] = a.at(0).toArray().at(0).toInt();
            op.pad[1] = a.at(0).toArray().at(1).toInt();
            op.pad[2] = a.at(1).toArray().at(0).toInt();
            op.pad[3] = a.at(1).toArray().at(1).toInt();
        } else {
            int hw[2];
            pair2(p, hw, 1);
            op.pad[0] = op.pad[1] = hw[0];
            op.pad[2] = op.pad[3] = hw[1];
        }
        // Real networks pad by a few pixels; a bad file's 100,000 would ask for gigabytes.
        for (int pad : op.pad)
            if (pad < 0 || pad > kMaxPadding)
                return "layer " + op.name + ": zero padding of " + std::to_string(pad) + " pixels (supported: 0 to " +
                       std::to_string(kMaxPadding) + ")";
        return {};
    }

    /// Conv2D and DepthwiseConv2D: HWIO / HWCM kernels to torch layout.
    std::string convolution()
    {
        const std::string &n = op.name;
        std::string e;
        const bool depthwise = cls == QLatin1String("DepthwiseConv2D");
        op.kind = depthwise ? OpKind::Depthwise : OpKind::Conv;
        if (!(e = channelsLast()).empty() || !(e = padding()).empty() || !(e = activation()).empty()) return e;
        pair2(cfg.value(QStringLiteral("kernel_size")), op.kernel, 1);
        pair2(cfg.value(QStringLiteral("strides")), op.stride, 1);
        pair2(cfg.value(QStringLiteral("dilation_rate")), op.dilation, 1);
        if ((op.stride[0] > 1 || op.stride[1] > 1) && (op.dilation[0] > 1 || op.dilation[1] > 1))
            return "layer " + n + ": strides and dilation together are not supported";
        torch::Tensor k;
        if (!(e = need(depthwise ? "depthwise_kernel" : "kernel", k, 4)).empty()) return e;
        if (k.size(0) != op.kernel[0] || k.size(1) != op.kernel[1])
            return "layer " + n + ": kernel shape " + shapeString(k) + " does not match kernel_size";
        if (depthwise) {
            // HWCM → (C·M)×1×H×W, output channel c·M + m as in TF; groups = C.
            // The configuration must agree with the weights (a contradiction means a broken file).
            const double multiplier = cfg.value(QStringLiteral("depth_multiplier")).toDouble(double(k.size(3)));
            if (double(k.size(3)) != multiplier)
                return "layer " + n + ": depthwise kernel shape " + shapeString(k) +
                       " does not match depth_multiplier " + QString::number(multiplier, 'g', 12).toStdString();
            op.groups = int(k.size(2));
            op.weight = k.permute({2, 3, 0, 1}).reshape({k.size(2) * k.size(3), 1, k.size(0), k.size(1)}).contiguous();
        } else {
            op.groups = cfg.value(QStringLiteral("groups")).toInt(1);
            // Compared as a number: a value no int can hold must not fall back to the kernel's own.
            const double filters = cfg.value(QStringLiteral("filters")).toDouble(double(k.size(3)));
            if (double(k.size(3)) != filters)
                return "layer " + n + ": kernel shape " + shapeString(k) + " does not match filters " +
                       QString::number(filters, 'g', 12).toStdString();
            op.weight = k.permute({3, 2, 0, 1}).contiguous(); // HWIO → OIHW
        }
        if (!(e = bias()).empty()) return e;
        return {};
    }

    /// BatchNormalization folded into a scale and a shift.
    std::string batchNorm()
    {
        const std::string &n = op.name;
        std::string e;
        op.kind = OpKind::BatchNorm;
        const int axis = cfg.value(QStringLiteral("axis")).isArray()
                             ? cfg.value(QStringLiteral("axis")).toArray().at(0).toInt(-1)
                             : cfg.value(QStringLiteral("axis")).toInt(-1);
        if (axis != -1 && axis != 3)
            return "layer " + n + ": BatchNormalization over axis " + std::to_string(axis) + " is not supported";
        const double eps = cfg.value(QStringLiteral("epsilon")).toDouble(1e-3);
        torch::Tensor mean, var, gamma, beta;
        if (!(e = need("moving_mean", mean, 1)).empty() || !(e = need("moving_variance", var, 1)).empty()) return e;
        if (cfg.value(QStringLiteral("scale")).toBool(true)) {
            if (!(e = need("gamma", gamma, 1)).empty()) return e;
        } else {
            gamma = torch::ones_like(mean);
        }
        if (cfg.value(QStringLiteral("center")).toBool(true)) {
            if (!(e = need("beta", beta, 1)).empty()) return e;
        } else {
            beta = torch::zeros_like(mean);
        }
        if (var.size(0) != mean.size(0) || gamma.size(0) != mean.size(0) || beta.size(0) != mean.size(0))
            return "layer " + n + ": BatchNormalization weights of different sizes";
        op.bnScale = (gamma.to(torch::kFloat64) / torch::sqrt(var.to(torch::kFloat64) + eps));
        op.bnShift = (beta.to(torch::kFloat64) - mean.to(torch::kFloat64) * op.bnScale).to(torch::kFloat32);
        op.bnScale = op.bnScale.to(torch::kFloat32);
        return {};
    }

    /// ReLU with max_value and negative_slope.
    std::string relu()
    {
        const std::string &n = op.name;
        std::string e;
        op.kind = OpKind::Relu;
        const QJsonValue mv = cfg.value(QStringLiteral("max_value"));
        op.maxValue = mv.isDouble() ? mv.toDouble() : -1.0;
        op.negativeSlope = cfg.value(QStringLiteral("negative_slope")).toDouble(0.0);
        if (cfg.value(QStringLiteral("threshold")).toDouble(0.0) != 0.0)
            return "layer " + n + ": ReLU with a non-zero threshold is not supported";
        return {};
    }

    /// AveragePooling2D and MaxPooling2D.
    std::string pooling()
    {
        std::string e;
        op.kind = cls == QLatin1String("MaxPooling2D") ? OpKind::MaxPool : OpKind::AvgPool;
        if (!(e = channelsLast()).empty() || !(e = padding()).empty()) return e;
        pair2(cfg.value(QStringLiteral("pool_size")), op.kernel, 2);
        const QJsonValue s = cfg.value(QStringLiteral("strides"));
        if (s.isNull() || s.isUndefined()) {
            op.stride[0] = op.kernel[0];
            op.stride[1] = op.kernel[1];
        } else {
            pair2(s, op.stride, op.kernel[0]);
        }
        return {};
    }

    /// Dense: [in, out] kernel to [out, in].
    std::string dense()
    {
        std::string e;
        op.kind = OpKind::Dense;
        if (!(e = activation()).empty()) return e;
        torch::Tensor k;
        if (!(e = need("kernel", k, 2)).empty()) return e;
        op.weight = k.t().contiguous(); // [in, out] → [out, in]
        if (!(e = bias()).empty()) return e;
        return {};
    }
};

std::string buildOp(const QString &cls, const QJsonObject &cfg, const WeightMap &weights, Op &op)
{
    LayerReader r{cls, cfg, weights, op};
    const auto is = [&](const char *name) { return cls == QLatin1String(name); };
    if (is("InputLayer")) {
        op.kind = OpKind::Input;
    } else if (is("Dropout") || is("SpatialDropout2D")) {
        op.kind = OpKind::Identity; // inference
    } else if (is("ZeroPadding2D")) {
        return r.zeroPadding();
    } else if (is("Conv2D") || is("DepthwiseConv2D")) {
        return r.convolution();
    } else if (is("BatchNormalization")) {
        return r.batchNorm();
    } else if (is("ReLU")) {
        return r.relu();
    } else if (is("Activation")) {
        op.kind = OpKind::Activation;
        return r.activation();
    } else if (is("Add")) {
        op.kind = OpKind::Add;
    } else if (is("Concatenate")) {
        op.kind = OpKind::Concat;
        op.axis = cfg.value(QStringLiteral("axis")).toInt(-1);
    } else if (is("AveragePooling2D") || is("MaxPooling2D")) {
        return r.pooling();
    } else if (is("GlobalAveragePooling2D") || is("GlobalMaxPooling2D")) {
        op.kind = is("GlobalMaxPooling2D") ? OpKind::GlobalMaxPool : OpKind::GlobalAvgPool;
        op.keepDims = cfg.value(QStringLiteral("keepdims")).toBool(false);
        return r.channelsLast();
    } else if (is("Flatten")) {
        op.kind = OpKind::Flatten;
    } else if (is("Dense")) {
        return r.dense();
    } else {
        return "unsupported layer class " + cls.toStdString() + " (layer " + op.name + ")";
    }
    return {};
}

Check buildNet(const KerasModel &m, const std::vector<std::string> &used, const WeightMap &weights, TfjsNet &net)
{
    std::map<std::string, int> index;
    int inputs = 0;
    for (const std::string &name : used) {
        const KerasLayer &layer = m.layers.at(name);
        Op op;
        op.name = name;
        const std::string detail = buildOp(layer.cls, layer.config, weights, op);
        if (!detail.empty())
            return Failure{detail.rfind("unsupported layer class", 0) == 0 ? ErrorCode::Unsupported
                                                                           : ErrorCode::Malformed,
                           detail};
        if (op.kind == OpKind::Input)
            ++inputs;
        else if (layer.inbound.empty())
            return Failure{ErrorCode::Malformed, "layer " + name + " has no input"};
        if ((op.kind == OpKind::Add || op.kind == OpKind::Concat) && layer.inbound.size() < 2)
            return Failure{ErrorCode::Malformed, "layer " + name + " needs at least two inputs"};
        for (const std::string &in : layer.inbound)
            op.inputs.push_back(index.at(in));
        // Register the weights so the module owns them.
        const std::string key = "l" + std::to_string(net->ops.size());
        if (op.weight.defined()) op.weight = net->register_parameter(key + "_weight", op.weight, false);
        if (op.bias.defined()) op.bias = net->register_parameter(key + "_bias", op.bias, false);
        if (op.bnScale.defined()) op.bnScale = net->register_parameter(key + "_bn_scale", op.bnScale, false);
        if (op.bnShift.defined()) op.bnShift = net->register_parameter(key + "_bn_shift", op.bnShift, false);
        index[name] = int(net->ops.size());
        net->ops.push_back(std::move(op));
    }
    if (inputs != 1)
        return Failure{ErrorCode::Malformed,
                       "the used part of the model has " + std::to_string(inputs) + " inputs, expected 1"};
    net->output = int(net->ops.size()) - 1;
    return {};
}

void freeze(torch::nn::Module &m)
{
    for (auto &p : m.parameters())
        p.requires_grad_(false);
    m.eval();
}

/// model.json read, its topology parsed.
struct ModelFile {
    QString file;
    QJsonObject root;
    KerasModel model;
};

Result<ModelFile> readModelFile(const QString &file)
{
    auto fail = [&](ErrorCode code, const std::string &detail) { return makeError(code, file, qs(detail)); };
    if (!QFileInfo::exists(file)) return fail(ErrorCode::NotFound, "TF.js model.json not found");
    auto read = fileio::readJsonObject(file);
    if (!read) return makeError(read.error().code, file, read.error().detail);
    ModelFile m{file, *read, {}};
    const QJsonObject topology = m.root.value(QStringLiteral("modelTopology")).toObject();
    if (topology.isEmpty()) return fail(ErrorCode::Malformed, "no modelTopology (is this a TF.js layers model?)");
    if (!m.root.value(QStringLiteral("weightsManifest")).isArray())
        return fail(ErrorCode::Malformed, "no weightsManifest");
    if (Check c = readTopology(topology, m.model)) return fail(c->code, c->detail);
    return m;
}

/// The frozen network of the layers `output` depends on (`used`: their names, in the order of its ops).
Result<TfjsNet> buildTruncated(const ModelFile &m, const std::string &output, std::vector<std::string> &used)
{
    auto fail = [&](ErrorCode code, const std::string &detail) { return makeError(code, m.file, qs(detail)); };
    if (!m.model.layers.count(output))
        return fail(ErrorCode::NotFound, "output layer '" + output + "' is not in the model");
    if (Check c = usedLayers(m.model, output, used)) return fail(c->code, c->detail);
    WeightMap weights;
    if (const auto error = readWeights(m.file, m.root.value(QStringLiteral("weightsManifest")).toArray(), weights))
        return makeError(error->code, qs(error->file), qs(error->detail));
    TfjsNet net;
    if (Check c = buildNet(m.model, used, weights, net)) return fail(c->code, c->detail);
    freeze(*net);
    net->prepare();
    return net;
}

/// NCHW / N×D → Keras' order with the batch as -1.
std::vector<std::int64_t> kerasShape(const torch::Tensor &t)
{
    std::vector<std::int64_t> shape{-1};
    if (t.dim() == 4) return {-1, t.size(2), t.size(3), t.size(1)};
    for (int64_t d = 1; d < t.dim(); ++d)
        shape.push_back(t.size(d));
    return shape;
}

} // namespace

Result<Teacher> Teacher::loadTfjs(const std::string &modelJson, const std::string &outputLayer, bool globalAveragePool)
{
    const QString file = qs(modelJson);
    auto fail = [&](ErrorCode code, const std::string &detail) { return makeError(code, file, qs(detail)); };
    // Whatever a malformed file makes LibTorch throw while the network is put together becomes an
    // error naming the file, never an exception out of the loader.
    try {
        return [&]() -> Result<Teacher> {
            auto m = readModelFile(file);
            if (!m) return m.error();
            const KerasModel &model = m->model;
            const std::string output = outputLayer.empty() ? model.defaultOutput : outputLayer;
            std::vector<std::string> used;
            auto built = buildTruncated(*m, output, used);
            if (!built) return built.error();
            TfjsNet net = *built;
            net->globalAveragePool = globalAveragePool;
            auto impl = std::make_shared<Impl>();
            impl->tfjs = [net](const torch::Tensor &x) mutable { return net->forward(x); };
            const std::vector<int64_t> &shape = model.inputShape;
            if (shape.size() == 4) {
                if (shape[3] != 3 && shape[3] != -1)
                    return fail(ErrorCode::Unsupported,
                                "the model takes " + std::to_string(shape[3]) + " channels; teachers take RGB (3)");
                for (int i : {1, 2})
                    if (shape[i] != -1 && (shape[i] < 1 || shape[i] > kMaxInputSide))
                        return fail(ErrorCode::Malformed, "the input layer declares an image side of " +
                                                              std::to_string(shape[i]) + " pixels (supported: 1 to " +
                                                              std::to_string(kMaxInputSide) + ")");
                if (shape[1] > 0 && shape[1] == shape[2]) impl->inputSize = int(shape[1]);
            }
            try {
                if (const std::string broken = impl->dryRun(); !broken.empty())
                    return fail(ErrorCode::Malformed, broken);
            } catch (const std::exception &e) {
                return fail(ErrorCode::Malformed,
                            "the imported network does not run (weights inconsistent with the layers?): " +
                                detail::firstLine(e));
            }
            std::ostringstream d;
            d << "TF.js layers model " << QFileInfo(file).dir().dirName().toStdString() << "/"
              << QFileInfo(file).fileName().toStdString() << " truncated at " << output << " (" << used.size() << " of "
              << model.order.size() << " layers), "
              << (impl->inputSize > 0 ? std::to_string(impl->inputSize) + "x" + std::to_string(impl->inputSize)
                                      : std::string("any size"))
              << " RGB input in [0,1], " << (globalAveragePool ? "global-average-pooled, " : "") << impl->featureDim
              << " features";
            impl->description = d.str();
            return Impl::make(std::move(impl));
        }();
    } catch (const std::exception &e) {
        return fail(ErrorCode::Malformed, "cannot import the model: " + detail::firstLine(e));
    }
}

namespace {

Result<std::vector<TeacherLayer>> listTfjsLayersUnguarded(const QString &modelJson, int inputSize)
{
    auto m = readModelFile(modelJson);
    if (!m) return m.error();
    const KerasModel &model = m->model;
    std::vector<TeacherLayer> layers;
    std::map<std::string, size_t> at;
    for (const std::string &name : topologicalOrder(model)) {
        at[name] = layers.size();
        layers.push_back({qs(name), model.layers.at(name).cls, {}});
    }
    // Output shapes: the part the model's output depends on, run once on a grey image.
    std::vector<std::string> used;
    auto net = buildTruncated(*m, model.defaultOutput, used);
    if (!net) return layers;
    const std::vector<int64_t> &shape = model.inputShape;
    const bool declared = shape.size() == 4 && shape[1] > 0 && shape[1] == shape[2];
    const int64_t side = inputSize > 0 ? inputSize : declared ? shape[1] : 224;
    try {
        torch::NoGradGuard noGrad;
        const std::vector<torch::Tensor> values = (*net)->forwardAll(torch::full({1, 3, side, side}, 0.5f));
        for (size_t i = 0; i < used.size() && i < values.size(); ++i)
            if (values[i].defined()) layers[at.at(used[i])].outputShape = kerasShape(values[i]);
    } catch (const std::exception &) {
        // The shapes stay unknown; the names and classes are listed anyway.
    }
    return layers;
}

} // namespace

Result<std::vector<TeacherLayer>> listTfjsLayers(const QString &modelJson, int inputSize)
{
    try {
        return listTfjsLayersUnguarded(modelJson, inputSize);
    } catch (const std::exception &e) {
        return makeError(ErrorCode::Malformed, modelJson, qs("cannot import the model: " + detail::firstLine(e)));
    }
}

} // namespace fopro::ml
