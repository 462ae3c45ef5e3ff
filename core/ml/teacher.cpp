#include "core/ml/teacher.h"

#include <torch/script.h>
#include <torch/torch.h>

#include <QtCore/QDir>
#include <QtCore/QFile>
#include <QtCore/QFileInfo>
#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>

#include <chrono>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <set>
#include <sstream>
#include <vector>

namespace F = torch::nn::functional;

namespace fopro::ml {

namespace {

QString qs(const std::string &s)
{
    return QString::fromStdString(s);
}

// ------------------------------------------------------------------------------------------------
// TF.js layers model as a LibTorch module: one Op per Keras layer, run in topological order.

enum class OpKind {
    Input, ZeroPad, Conv, Depthwise, BatchNorm, Relu, Activation, Add, Concat, AvgPool, MaxPool,
    GlobalAvgPool, GlobalMaxPool, Flatten, Identity, Dense
};

enum class Act { Linear, Relu, Relu6, Softmax, Sigmoid, Tanh };

struct Op {
    std::string name;
    OpKind kind = OpKind::Identity;
    std::vector<int> inputs;           // indices of earlier ops
    // Convolution / pooling geometry.
    int kernel[2] = {1, 1};
    int stride[2] = {1, 1};
    int dilation[2] = {1, 1};
    bool same = false;                 // TF "same" padding (computed per input size)
    int pad[4] = {0, 0, 0, 0};         // ZeroPadding2D: top, bottom, left, right
    int groups = 1;
    bool keepDims = false;             // global pooling
    int axis = -1;                     // Concatenate (Keras axis)
    // Activation / ReLU.
    Act act = Act::Linear;
    double maxValue = -1.0;            // ReLU max_value (< 0: none)
    double negativeSlope = 0.0;
    // Weights (already in torch layout).
    torch::Tensor weight, bias, bnScale, bnShift;
};

/// TF "same" padding along one axis: total = max((ceil(in/s)−1)·s + k_eff − in, 0), the odd pixel
/// after (bottom/right).
std::pair<int64_t, int64_t> samePadding(int64_t in, int k, int s, int d)
{
    const int64_t kEff = int64_t(k - 1) * d + 1;
    const int64_t out = (in + s - 1) / s;
    const int64_t total = std::max<int64_t>((out - 1) * s + kEff - in, 0);
    return {total / 2, total - total / 2};
}

torch::Tensor applyAct(const torch::Tensor &x, Act act)
{
    switch (act) {
    case Act::Linear: return x;
    case Act::Relu: return torch::relu(x);
    case Act::Relu6: return torch::clamp(x, 0.0, 6.0);
    case Act::Softmax: return torch::softmax(x, x.dim() == 4 ? 1 : -1);
    case Act::Sigmoid: return torch::sigmoid(x);
    case Act::Tanh: return torch::tanh(x);
    }
    return x;
}

/// Tensors here are NCHW (4-D) or N×D (2-D); Keras' channel axis (-1) is dim 1.
int64_t torchAxis(int kerasAxis, int64_t rank)
{
    if (kerasAxis < 0) kerasAxis += int(rank);
    if (rank != 4) return kerasAxis;
    // Keras NHWC axis → torch NCHW dim.
    static const int64_t map[4] = {0, 2, 3, 1};
    return map[kerasAxis];
}

struct TfjsNetImpl : torch::nn::Module {
    std::vector<Op> ops;
    int output = -1;
    bool globalAveragePool = true;

    torch::Tensor forward(const torch::Tensor &input)
    {
        std::vector<torch::Tensor> values(ops.size());
        for (size_t i = 0; i < ops.size(); ++i) {
            const Op &op = ops[i];
            const torch::Tensor x = op.inputs.empty() ? input : values[size_t(op.inputs[0])];
            torch::Tensor y;
            switch (op.kind) {
            case OpKind::Input:
            case OpKind::Identity: y = x; break;
            case OpKind::ZeroPad: y = F::pad(x, F::PadFuncOptions({op.pad[2], op.pad[3], op.pad[0], op.pad[1]})); break;
            case OpKind::Conv:
            case OpKind::Depthwise: {
                torch::Tensor in = x;
                if (op.same) {
                    const auto [t, b] = samePadding(x.size(2), op.kernel[0], op.stride[0], op.dilation[0]);
                    const auto [l, r] = samePadding(x.size(3), op.kernel[1], op.stride[1], op.dilation[1]);
                    if (t || b || l || r) in = F::pad(x, F::PadFuncOptions({l, r, t, b}));
                }
                y = F::conv2d(in, op.weight, F::Conv2dFuncOptions()
                                                 .bias(op.bias)
                                                 .stride({op.stride[0], op.stride[1]})
                                                 .dilation({op.dilation[0], op.dilation[1]})
                                                 .groups(op.groups));
                y = applyAct(y, op.act);
                break;
            }
            case OpKind::BatchNorm:
                y = x.dim() == 4 ? x * op.bnScale.view({1, -1, 1, 1}) + op.bnShift.view({1, -1, 1, 1})
                                 : x * op.bnScale + op.bnShift;
                break;
            case OpKind::Relu: {
                y = op.negativeSlope != 0.0 ? F::leaky_relu(x, F::LeakyReLUFuncOptions().negative_slope(op.negativeSlope))
                                            : torch::relu(x);
                if (op.maxValue >= 0.0) y = torch::clamp_max(y, op.maxValue);
                break;
            }
            case OpKind::Activation: y = applyAct(x, op.act); break;
            case OpKind::Add:
                y = x;
                for (size_t k = 1; k < op.inputs.size(); ++k) y = y + values[size_t(op.inputs[k])];
                break;
            case OpKind::Concat: {
                std::vector<torch::Tensor> parts;
                for (int k : op.inputs) parts.push_back(values[size_t(k)]);
                y = torch::cat(parts, torchAxis(op.axis, x.dim()));
                break;
            }
            case OpKind::AvgPool:
            case OpKind::MaxPool: {
                int64_t t = 0, b = 0, l = 0, r = 0;
                if (op.same) {
                    std::tie(t, b) = samePadding(x.size(2), op.kernel[0], op.stride[0], 1);
                    std::tie(l, r) = samePadding(x.size(3), op.kernel[1], op.stride[1], 1);
                }
                const bool padded = t || b || l || r;
                const std::vector<int64_t> k{op.kernel[0], op.kernel[1]}, s{op.stride[0], op.stride[1]};
                if (op.kind == OpKind::MaxPool) {
                    const torch::Tensor in = padded
                        ? F::pad(x, F::PadFuncOptions({l, r, t, b}).value(-std::numeric_limits<double>::infinity()))
                        : x;
                    y = F::max_pool2d(in, F::MaxPool2dFuncOptions(k).stride(s));
                } else if (!padded) {
                    y = F::avg_pool2d(x, F::AvgPool2dFuncOptions(k).stride(s));
                } else {
                    // "same" average excludes the padding: sum over the window / valid count.
                    const auto opts = F::PadFuncOptions({l, r, t, b});
                    const torch::Tensor ones = torch::ones({1, 1, x.size(2), x.size(3)}, x.options());
                    y = F::avg_pool2d(F::pad(x, opts), F::AvgPool2dFuncOptions(k).stride(s))
                        / F::avg_pool2d(F::pad(ones, opts), F::AvgPool2dFuncOptions(k).stride(s));
                }
                break;
            }
            case OpKind::GlobalAvgPool: y = x.mean({2, 3}, op.keepDims); break;
            case OpKind::GlobalMaxPool: y = x.amax({2, 3}, op.keepDims); break;
            case OpKind::Flatten: y = x.dim() == 4 ? x.permute({0, 2, 3, 1}).flatten(1) : x.flatten(1); break;
            case OpKind::Dense:
                if (x.dim() == 4) // Keras applies Dense to the last (channel) axis
                    y = F::linear(x.permute({0, 2, 3, 1}), op.weight, op.bias).permute({0, 3, 1, 2});
                else
                    y = F::linear(x, op.weight, op.bias);
                y = applyAct(y, op.act);
                break;
            }
            values[i] = y;
            if (int(i) == output) break;
        }
        torch::Tensor out = values[size_t(output)];
        if (out.dim() == 4)
            out = globalAveragePool ? out.mean({2, 3}) : out.permute({0, 2, 3, 1}).flatten(1);
        else if (out.dim() != 2)
            out = out.flatten(1);
        return out;
    }
};
TORCH_MODULE(TfjsNet);

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
            const QString shard = dir + QLatin1Char('/') + p.toString();
            shardNames << shard;
            QByteArray part;
            if (!QFileInfo::exists(shard))
                return LoadError{ErrorCode::NotFound, shard.toStdString(), "weight shard not found (listed in the weightsManifest of "
                                                                               + modelJson.toStdString() + ")"};
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
                shape.push_back(d.toInteger());
                count *= d.toInteger();
            }
            const std::string dtype = w.value(QStringLiteral("dtype")).toString(QStringLiteral("float32")).toStdString();
            const QJsonObject quant = w.value(QStringLiteral("quantization")).toObject();
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
            } else {
                return LoadError{ErrorCode::Unsupported, modelJson.toStdString(),
                                 "weight " + name + ": unsupported dtype '" + dtype + "'"};
            }
            offset += size;
            weights[name] = t;
        }
        // Every weight must have been read, and the shards must hold exactly that many bytes.
        int64_t expected = 0;
        for (const QJsonValue &wv : group.value(QStringLiteral("weights")).toArray()) {
            const QJsonObject w = wv.toObject();
            int64_t count = 1;
            for (const QJsonValue &d : w.value(QStringLiteral("shape")).toArray()) count *= d.toInteger();
            const QJsonObject quant = w.value(QStringLiteral("quantization")).toObject();
            const QString qtype = quant.value(QStringLiteral("dtype")).toString();
            expected += count * (quant.isEmpty() ? 4 : (qtype == QLatin1String("uint16") ? 2 : 1));
        }
        if (expected != bytes.size())
            return LoadError{ErrorCode::Malformed, shardNames.join(QStringLiteral(", ")).toStdString(),
                             "size mismatch: the weightsManifest needs " + std::to_string(expected)
                                 + " bytes, the shard(s) hold " + std::to_string(bytes.size())};
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
std::string buildOp(const QString &cls, const QJsonObject &cfg, const WeightMap &weights, Op &op)
{
    const std::string &n = op.name;
    auto need = [&](const std::string &param, torch::Tensor &dst, int64_t rank) -> std::string {
        dst = findWeight(weights, n, param);
        if (!dst.defined()) return "layer " + n + " (" + cls.toStdString() + "): weight " + n + "/" + param + " missing from the weightsManifest";
        if (dst.dim() != rank) return "layer " + n + ": weight " + param + " has shape " + shapeString(dst) + ", expected rank " + std::to_string(rank);
        return {};
    };
    auto activation = [&]() -> std::string {
        const QString a = cfg.value(QStringLiteral("activation")).toString(QStringLiteral("linear"));
        const auto act = parseAct(a);
        if (!act) return "layer " + n + ": unsupported activation '" + a.toStdString() + "'";
        op.act = *act;
        return {};
    };
    auto padding = [&]() -> std::string {
        const QString p = cfg.value(QStringLiteral("padding")).toString(QStringLiteral("valid"));
        if (p != QLatin1String("same") && p != QLatin1String("valid"))
            return "layer " + n + ": unsupported padding '" + p.toStdString() + "'";
        op.same = p == QLatin1String("same");
        return {};
    };
    auto channelsLast = [&]() -> std::string {
        const QString f = cfg.value(QStringLiteral("data_format")).toString(QStringLiteral("channels_last"));
        if (f != QLatin1String("channels_last")) return "layer " + n + ": only data_format channels_last is supported";
        return {};
    };
    std::string e;

    if (cls == QLatin1String("InputLayer")) {
        op.kind = OpKind::Input;
    } else if (cls == QLatin1String("Dropout") || cls == QLatin1String("SpatialDropout2D")) {
        op.kind = OpKind::Identity; // inference
    } else if (cls == QLatin1String("ZeroPadding2D")) {
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
    } else if (cls == QLatin1String("Conv2D") || cls == QLatin1String("DepthwiseConv2D")) {
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
            op.groups = int(k.size(2));
            op.weight = k.permute({2, 3, 0, 1}).reshape({k.size(2) * k.size(3), 1, k.size(0), k.size(1)}).contiguous();
        } else {
            op.groups = cfg.value(QStringLiteral("groups")).toInt(1);
            const int filters = cfg.value(QStringLiteral("filters")).toInt(int(k.size(3)));
            if (k.size(3) != filters)
                return "layer " + n + ": kernel shape " + shapeString(k) + " does not match filters " + std::to_string(filters);
            op.weight = k.permute({3, 2, 0, 1}).contiguous(); // HWIO → OIHW
        }
        if (cfg.value(QStringLiteral("use_bias")).toBool(true)) {
            if (!(e = need("bias", op.bias, 1)).empty()) return e;
            if (op.bias.size(0) != op.weight.size(0)) return "layer " + n + ": bias size does not match the kernel";
        }
    } else if (cls == QLatin1String("BatchNormalization")) {
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
    } else if (cls == QLatin1String("ReLU")) {
        op.kind = OpKind::Relu;
        const QJsonValue mv = cfg.value(QStringLiteral("max_value"));
        op.maxValue = mv.isDouble() ? mv.toDouble() : -1.0;
        op.negativeSlope = cfg.value(QStringLiteral("negative_slope")).toDouble(0.0);
        if (cfg.value(QStringLiteral("threshold")).toDouble(0.0) != 0.0)
            return "layer " + n + ": ReLU with a non-zero threshold is not supported";
    } else if (cls == QLatin1String("Activation")) {
        op.kind = OpKind::Activation;
        if (!(e = activation()).empty()) return e;
    } else if (cls == QLatin1String("Add")) {
        op.kind = OpKind::Add;
    } else if (cls == QLatin1String("Concatenate")) {
        op.kind = OpKind::Concat;
        op.axis = cfg.value(QStringLiteral("axis")).toInt(-1);
    } else if (cls == QLatin1String("AveragePooling2D") || cls == QLatin1String("MaxPooling2D")) {
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
    } else if (cls == QLatin1String("GlobalAveragePooling2D") || cls == QLatin1String("GlobalMaxPooling2D")) {
        op.kind = cls == QLatin1String("GlobalMaxPooling2D") ? OpKind::GlobalMaxPool : OpKind::GlobalAvgPool;
        if (!(e = channelsLast()).empty()) return e;
        op.keepDims = cfg.value(QStringLiteral("keepdims")).toBool(false);
    } else if (cls == QLatin1String("Flatten")) {
        op.kind = OpKind::Flatten;
    } else if (cls == QLatin1String("Dense")) {
        op.kind = OpKind::Dense;
        if (!(e = activation()).empty()) return e;
        torch::Tensor k;
        if (!(e = need("kernel", k, 2)).empty()) return e;
        op.weight = k.t().contiguous(); // [in, out] → [out, in]
        if (cfg.value(QStringLiteral("use_bias")).toBool(true)) {
            if (!(e = need("bias", op.bias, 1)).empty()) return e;
            if (op.bias.size(0) != op.weight.size(0)) return "layer " + n + ": bias size does not match the kernel";
        }
    } else {
        return "unsupported layer class " + cls.toStdString() + " (layer " + n + ")";
    }
    return {};
}

struct KerasLayer {
    QString cls;
    QJsonObject config;
    std::vector<std::string> inbound;
};

// ------------------------------------------------------------------------------------------------

void freeze(torch::nn::Module &m)
{
    for (auto &p : m.parameters()) p.requires_grad_(false);
    m.eval();
}

} // namespace

// ------------------------------------------------------------------------------------------------

struct Teacher::Impl {
    bool torchScript = false;
    TfjsNet tfjs{nullptr};
    std::optional<torch::jit::Module> script;
    torch::Tensor mean, std; // 1×3×1×1, TorchScript only
    int inputSize = 0;
    int featureDim = 0;
    double secondsPerImage = 0.0;
    std::string description;

    torch::Tensor run(const torch::Tensor &nchw01)
    {
        TORCH_CHECK(nchw01.dim() == 4 && nchw01.size(1) == 3, "teacher input must be N×3×H×W, got ", nchw01.sizes());
        torch::Tensor x = nchw01.to(torch::kFloat32);
        if (inputSize > 0 && (x.size(2) != inputSize || x.size(3) != inputSize))
            x = F::interpolate(x, F::InterpolateFuncOptions()
                                      .size(std::vector<int64_t>{inputSize, inputSize})
                                      .mode(torch::kBilinear)
                                      .align_corners(false));
        if (!torchScript) return tfjs->forward(x);
        x = (x - mean) / std;
        torch::jit::IValue out = script->forward({x});
        if (out.isTuple()) out = out.toTuple()->elements().at(0);
        else if (out.isList()) out = out.toList().get(0);
        TORCH_CHECK(out.isTensor(), "the TorchScript forward does not return a tensor");
        torch::Tensor y = out.toTensor().to(torch::kFloat32);
        if (y.dim() == 4) return y.mean({2, 3});
        TORCH_CHECK(y.dim() == 2, "the TorchScript forward returns shape ", y.sizes(), ", expected N×D or N×C×H×W");
        return y;
    }

    /// Dry run at load time: feature dimension and seconds per image (batch of one, after warm-up).
    void dryRun()
    {
        torch::NoGradGuard noGrad;
        const int side = inputSize > 0 ? inputSize : 224;
        const torch::Tensor probe = torch::full({1, 3, side, side}, 0.5f);
        featureDim = int(run(probe).size(1));
        const auto t0 = std::chrono::steady_clock::now();
        run(probe);
        secondsPerImage = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    }
};

Teacher::Teacher(std::shared_ptr<Impl> impl) : m_impl(std::move(impl)) {}
Teacher::~Teacher() = default;

int Teacher::featureDim() const { return m_impl->featureDim; }
int Teacher::inputSize() const { return m_impl->inputSize; }
std::string Teacher::description() const { return m_impl->description; }

Teacher Teacher::withInputSize(int side) const
{
    auto impl = std::make_shared<Impl>(*m_impl); // the network handles are shared, not copied
    impl->inputSize = std::max(0, side);
    impl->dryRun();
    return Teacher(std::move(impl));
}
double Teacher::secondsPerImage() const { return m_impl->secondsPerImage; }

at::Tensor Teacher::forward(const at::Tensor &nchw01) const
{
    return m_impl->run(nchw01);
}

Result<Teacher> Teacher::loadTfjs(const std::string &modelJson, const std::string &outputLayer, bool globalAveragePool)
{
    const QString file = qs(modelJson);
    auto fail = [&](ErrorCode code, const std::string &detail) { return makeError(code, file, qs(detail)); };
    if (!QFileInfo::exists(file)) return fail(ErrorCode::NotFound, "TF.js model.json not found");
    QByteArray text;
    if (!readFile(file, text)) return fail(ErrorCode::Unreadable, "cannot read the file");
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(text, &parseError);
    if (doc.isNull() || !doc.isObject())
        return fail(ErrorCode::Malformed, "not JSON: " + parseError.errorString().toStdString());
    const QJsonObject root = doc.object();
    QJsonObject topology = root.value(QStringLiteral("modelTopology")).toObject();
    if (topology.isEmpty()) return fail(ErrorCode::Malformed, "no modelTopology (is this a TF.js layers model?)");
    if (!root.value(QStringLiteral("weightsManifest")).isArray())
        return fail(ErrorCode::Malformed, "no weightsManifest");
    if (topology.contains(QStringLiteral("model_config"))) topology = topology.value(QStringLiteral("model_config")).toObject();
    const QString modelClass = topology.value(QStringLiteral("class_name")).toString();
    const QJsonValue configValue = topology.value(QStringLiteral("config"));

    // Layers, by name, with their inputs.
    std::vector<std::string> order;
    std::map<std::string, KerasLayer> layers;
    std::string defaultOutput;
    std::vector<int64_t> inputShape;
    auto readShape = [&](const QJsonObject &cfg) {
        const QJsonValue s = cfg.contains(QStringLiteral("batch_input_shape")) ? cfg.value(QStringLiteral("batch_input_shape"))
                                                                               : cfg.value(QStringLiteral("batch_shape"));
        if (s.isArray() && inputShape.empty())
            for (const QJsonValue &d : s.toArray()) inputShape.push_back(d.isDouble() ? d.toInteger() : -1);
    };
    if (modelClass == QLatin1String("Sequential")) {
        const QJsonArray list = configValue.isArray() ? configValue.toArray()
                                                      : configValue.toObject().value(QStringLiteral("layers")).toArray();
        std::string previous;
        for (const QJsonValue &lv : list) {
            const QJsonObject l = lv.toObject();
            KerasLayer layer{l.value(QStringLiteral("class_name")).toString(), l.value(QStringLiteral("config")).toObject(), {}};
            std::string name = layer.config.value(QStringLiteral("name")).toString().toStdString();
            if (name.empty()) name = "layer_" + std::to_string(order.size());
            readShape(layer.config);
            if (order.empty() && layer.cls != QLatin1String("InputLayer")) {
                layers["input"] = KerasLayer{QStringLiteral("InputLayer"), {}, {}};
                order.push_back("input");
                previous = "input";
            }
            if (!previous.empty()) layer.inbound.push_back(previous);
            layers[name] = layer;
            order.push_back(name);
            previous = name;
        }
        defaultOutput = previous;
    } else if (modelClass == QLatin1String("Model") || modelClass == QLatin1String("Functional")) {
        const QJsonObject config = configValue.toObject();
        for (const QJsonValue &lv : config.value(QStringLiteral("layers")).toArray()) {
            const QJsonObject l = lv.toObject();
            const std::string name = l.value(QStringLiteral("name")).toString().toStdString();
            KerasLayer layer{l.value(QStringLiteral("class_name")).toString(), l.value(QStringLiteral("config")).toObject(), {}};
            const QJsonArray nodes = l.value(QStringLiteral("inbound_nodes")).toArray();
            if (nodes.size() > 1)
                return fail(ErrorCode::Unsupported, "layer " + name + " is shared (called " + std::to_string(nodes.size()) + " times); not supported");
            if (!nodes.isEmpty()) {
                if (!nodes.at(0).isArray())
                    return fail(ErrorCode::Unsupported, "layer " + name + ": inbound_nodes format not supported (expected Keras 2 lists)");
                for (const QJsonValue &in : nodes.at(0).toArray())
                    layer.inbound.push_back(in.toArray().at(0).toString().toStdString());
            }
            if (layer.cls == QLatin1String("InputLayer")) readShape(layer.config);
            layers[name] = layer;
            order.push_back(name);
        }
        const QJsonArray outs = config.value(QStringLiteral("output_layers")).toArray();
        if (!outs.isEmpty()) defaultOutput = outs.at(0).toArray().at(0).toString().toStdString();
        const QJsonArray ins = config.value(QStringLiteral("input_layers")).toArray();
        if (ins.size() > 1) return fail(ErrorCode::Unsupported, "models with more than one input are not supported");
    } else {
        return fail(ErrorCode::Unsupported, "model class '" + modelClass.toStdString() + "' not supported (Model, Functional or Sequential)");
    }
    const std::string output = outputLayer.empty() ? defaultOutput : outputLayer;
    if (!layers.count(output)) return fail(ErrorCode::NotFound, "output layer '" + output + "' is not in the model");

    // Only the layers the output depends on, in topological order (depth-first post-order).
    std::vector<std::string> used;
    {
        std::set<std::string> done, onStack;
        std::vector<std::pair<std::string, size_t>> stack{{output, 0}};
        onStack.insert(output);
        while (!stack.empty()) {
            auto &[name, next] = stack.back();
            const KerasLayer &layer = layers.at(name);
            if (next < layer.inbound.size()) {
                const std::string in = layer.inbound[next++];
                if (!layers.count(in)) return fail(ErrorCode::Malformed, "layer " + name + " takes input from unknown layer " + in);
                if (onStack.count(in)) return fail(ErrorCode::Malformed, "the layer graph has a cycle at " + in);
                if (!done.count(in)) {
                    onStack.insert(in);
                    stack.emplace_back(in, 0);
                }
                continue;
            }
            used.push_back(name);
            done.insert(name);
            onStack.erase(name);
            stack.pop_back();
        }
    }

    WeightMap weights;
    if (const auto error = readWeights(file, root.value(QStringLiteral("weightsManifest")).toArray(), weights))
        return makeError(error->code, qs(error->file), qs(error->detail));

    TfjsNet net;
    std::map<std::string, int> index;
    int inputs = 0;
    for (const std::string &name : used) {
        const KerasLayer &layer = layers.at(name);
        Op op;
        op.name = name;
        const std::string detail = buildOp(layer.cls, layer.config, weights, op);
        if (!detail.empty())
            return fail(detail.rfind("unsupported layer class", 0) == 0 ? ErrorCode::Unsupported : ErrorCode::Malformed, detail);
        if (op.kind == OpKind::Input) ++inputs;
        else if (layer.inbound.empty()) return fail(ErrorCode::Malformed, "layer " + name + " has no input");
        if ((op.kind == OpKind::Add || op.kind == OpKind::Concat) && layer.inbound.size() < 2)
            return fail(ErrorCode::Malformed, "layer " + name + " needs at least two inputs");
        for (const std::string &in : layer.inbound) op.inputs.push_back(index.at(in));
        // Register the weights so the module owns them (frozen below).
        const std::string key = "l" + std::to_string(net->ops.size());
        if (op.weight.defined()) op.weight = net->register_parameter(key + "_weight", op.weight, false);
        if (op.bias.defined()) op.bias = net->register_parameter(key + "_bias", op.bias, false);
        if (op.bnScale.defined()) op.bnScale = net->register_parameter(key + "_bn_scale", op.bnScale, false);
        if (op.bnShift.defined()) op.bnShift = net->register_parameter(key + "_bn_shift", op.bnShift, false);
        index[name] = int(net->ops.size());
        net->ops.push_back(std::move(op));
    }
    if (inputs != 1) return fail(ErrorCode::Malformed, "the used part of the model has " + std::to_string(inputs) + " inputs, expected 1");
    net->output = int(net->ops.size()) - 1;
    net->globalAveragePool = globalAveragePool;
    freeze(*net);

    auto impl = std::make_shared<Impl>();
    impl->tfjs = net;
    if (inputShape.size() == 4) {
        if (inputShape[3] != 3 && inputShape[3] != -1)
            return fail(ErrorCode::Unsupported, "the model takes " + std::to_string(inputShape[3]) + " channels; teachers take RGB (3)");
        if (inputShape[1] > 0 && inputShape[1] == inputShape[2]) impl->inputSize = int(inputShape[1]);
    }
    try {
        impl->dryRun();
    } catch (const std::exception &e) {
        std::string what = e.what();
        what = what.substr(0, what.find('\n'));
        return fail(ErrorCode::Malformed, "the imported network does not run (weights inconsistent with the layers?): " + what);
    }
    std::ostringstream d;
    d << "TF.js layers model " << QFileInfo(file).dir().dirName().toStdString() << "/" << QFileInfo(file).fileName().toStdString()
      << " truncated at " << output << " (" << used.size() << " of " << order.size() << " layers), "
      << (impl->inputSize > 0 ? std::to_string(impl->inputSize) + "x" + std::to_string(impl->inputSize) : std::string("any size"))
      << " RGB input in [0,1], " << (globalAveragePool ? "global-average-pooled, " : "") << impl->featureDim << " features";
    impl->description = d.str();
    return Teacher(std::move(impl));
}

Result<Teacher> Teacher::loadTorchScript(const std::string &path, int inputSize, const std::array<float, 3> &mean,
                                         const std::array<float, 3> &std, const std::string &sidecarJson)
{
    const QString file = qs(path);
    if (!QFileInfo::exists(file)) return makeError(ErrorCode::NotFound, file, QStringLiteral("TorchScript file not found"));
    std::array<float, 3> m = mean, s = std;
    std::string name;
    if (!sidecarJson.empty()) {
        const QString side = qs(sidecarJson);
        QByteArray text;
        if (!QFileInfo::exists(side)) return makeError(ErrorCode::NotFound, side, QStringLiteral("sidecar JSON not found"));
        if (!readFile(side, text)) return makeError(ErrorCode::Unreadable, side, QStringLiteral("cannot read the file"));
        QJsonParseError parseError;
        const QJsonDocument doc = QJsonDocument::fromJson(text, &parseError);
        if (!doc.isObject()) return makeError(ErrorCode::Malformed, side, QStringLiteral("not a JSON object: ") + parseError.errorString());
        const QJsonObject o = doc.object();
        if (o.contains(QStringLiteral("inputSize"))) inputSize = o.value(QStringLiteral("inputSize")).toInt(-1);
        for (const auto &[key, dst] : {std::pair{QStringLiteral("mean"), &m}, std::pair{QStringLiteral("std"), &s}}) {
            if (!o.contains(key)) continue;
            const QJsonArray a = o.value(key).toArray();
            if (a.size() != 3) return makeError(ErrorCode::Malformed, side, key + QStringLiteral(" must be an array of 3 numbers"));
            for (int i = 0; i < 3; ++i) (*dst)[size_t(i)] = float(a.at(i).toDouble());
        }
        name = o.value(QStringLiteral("name")).toString().toStdString();
    }
    if (inputSize < 0) return makeError(ErrorCode::InvalidArgument, file, QStringLiteral("input size must be >= 0"));
    for (float v : s)
        if (!(v > 0.0f)) return makeError(ErrorCode::InvalidArgument, file, QStringLiteral("normalisation std must be > 0"));

    auto impl = std::make_shared<Impl>();
    impl->torchScript = true;
    impl->inputSize = inputSize;
    impl->mean = torch::tensor({m[0], m[1], m[2]}).view({1, 3, 1, 1});
    impl->std = torch::tensor({s[0], s[1], s[2]}).view({1, 3, 1, 1});
    try {
        torch::jit::Module module = torch::jit::load(path, torch::kCPU);
        module.eval();
        for (auto p : module.parameters()) p.requires_grad_(false);
        impl->script = module;
    } catch (const std::exception &e) {
        std::string what = e.what();
        return makeError(ErrorCode::Malformed, file, qs("not a loadable TorchScript file: " + what.substr(0, what.find('\n'))));
    }
    try {
        impl->dryRun();
    } catch (const std::exception &e) {
        std::string what = e.what();
        return makeError(ErrorCode::Unsupported, file, qs("the dry run failed: " + what.substr(0, what.find('\n'))));
    }
    std::ostringstream d;
    d << "TorchScript " << (name.empty() ? QFileInfo(file).fileName().toStdString() : name) << ", "
      << (inputSize > 0 ? std::to_string(inputSize) + "x" + std::to_string(inputSize) : std::string("any size"))
      << " input, mean/std (" << m[0] << ", " << m[1] << ", " << m[2] << ")/(" << s[0] << ", " << s[1] << ", " << s[2]
      << "), " << impl->featureDim << " features";
    impl->description = d.str();
    return Teacher(std::move(impl));
}

} // namespace fopro::ml
