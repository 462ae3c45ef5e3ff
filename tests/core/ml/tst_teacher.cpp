// Teacher import: a TF.js layers model written by the test is compared with the same network built
// by hand from LibTorch functions; the real demo teacher (MobileNetV2 ImageNet layers from
// nsfwjs@4.4.0, converted by packaging/install-deps.sh) is pinned on a fixed input and compared with
// TF.js itself (tfjs_reference.js, run by node); TorchScript teachers written from C++ are loaded and
// checked by hand.
#include <torch/script.h>
#include <torch/torch.h>

#include "core/ml/teacher.h"
#include "tests/support/testsupport.h"

#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QProcess>
#include <QtCore/QStandardPaths>
#include <QtTest/QtTest>

#include <algorithm>
#include <cmath>
#include <functional>

namespace F = torch::nn::functional;
using fopro::ml::Teacher;

namespace {

/// Collects weights into one binary shard and its weightsManifest entries.
struct ShardWriter {
    QByteArray bytes;
    QJsonArray entries;

    static QJsonArray shapeOf(const torch::Tensor &t)
    {
        QJsonArray s;
        for (int64_t d : t.sizes())
            s.append(qint64(d));
        return s;
    }
    void addFloat(const QString &name, const torch::Tensor &t)
    {
        const torch::Tensor c = t.to(torch::kFloat32).contiguous();
        bytes.append(reinterpret_cast<const char *>(c.data_ptr<float>()), qsizetype(c.numel() * 4));
        entries.append(QJsonObject{{QStringLiteral("name"), name},
                                   {QStringLiteral("shape"), shapeOf(c)},
                                   {QStringLiteral("dtype"), QStringLiteral("float32")}});
    }
    void addUint8(const QString &name, const torch::Tensor &q, double scale, double min)
    {
        const torch::Tensor c = q.to(torch::kUInt8).contiguous();
        bytes.append(reinterpret_cast<const char *>(c.data_ptr<uint8_t>()), qsizetype(c.numel()));
        entries.append(
            QJsonObject{{QStringLiteral("name"), name},
                        {QStringLiteral("shape"), shapeOf(c)},
                        {QStringLiteral("dtype"), QStringLiteral("float32")},
                        {QStringLiteral("quantization"), QJsonObject{{QStringLiteral("dtype"), QStringLiteral("uint8")},
                                                                     {QStringLiteral("scale"), scale},
                                                                     {QStringLiteral("min"), min}}}});
    }
};

QJsonObject layer(const QString &name, const QString &cls, QJsonObject config, const QStringList &inputs)
{
    config.insert(QStringLiteral("name"), name);
    config.insert(QStringLiteral("trainable"), false);
    QJsonArray node;
    for (const QString &in : inputs)
        node.append(QJsonArray{in, 0, 0, QJsonObject{}});
    QJsonArray nodes;
    if (!inputs.isEmpty()) nodes.append(node);
    return QJsonObject{{QStringLiteral("name"), name},
                       {QStringLiteral("class_name"), cls},
                       {QStringLiteral("config"), config},
                       {QStringLiteral("inbound_nodes"), nodes}};
}

QJsonArray pairOf(int a, int b)
{
    return QJsonArray{a, b};
}

/// The small network's weights (deterministic), kept to build the hand-made reference.
struct SmallNet {
    torch::Tensor q1; // conv1 kernel, uint8 codes, HWIO 3×3×3×4
    double scale1 = 0.004, min1 = -0.5;
    torch::Tensor b1, g1, beta1, mean1, var1; // conv1 bias, bn1
    torch::Tensor wd, beta2, mean2, var2;     // depthwise HWC1 3×3×4×1, bn2 (scale:false)
    torch::Tensor w2, b2;                     // conv2 HWIO 2×2×4×5
    torch::Tensor wk, bk;                     // dense [5,3]

    SmallNet()
    {
        torch::manual_seed(7);
        q1 = torch::randint(0, 256, {3, 3, 3, 4}, torch::kInt64);
        b1 = torch::rand({4}) - 0.5;
        g1 = torch::rand({4}) * 2 + 1;
        beta1 = torch::rand({4}) * 2 + 2;
        mean1 = torch::rand({4}) - 0.5;
        var1 = torch::rand({4}) + 0.5;
        wd = torch::rand({3, 3, 4, 1}) - 0.5;
        beta2 = torch::rand({4}) - 0.5;
        mean2 = torch::rand({4}) - 0.5;
        var2 = torch::rand({4}) + 0.5;
        w2 = torch::rand({2, 2, 4, 5}) - 0.5;
        b2 = torch::rand({5}) - 0.5;
        wk = torch::rand({5, 3}) - 0.5;
        bk = torch::rand({3}) - 0.5;
    }

    torch::Tensor w1() const { return (q1.to(torch::kFloat64) * scale1 + min1).to(torch::kFloat32); }

    /// Writes model.json + group1-shard1of1.bin into `dir`; `extraLayer` (optional) is appended.
    bool write(const QString &dir, const QJsonObject &extraLayer = {}) const
    {
        ShardWriter shard;
        shard.addUint8(QStringLiteral("conv1/kernel"), q1, scale1, min1);
        shard.addFloat(QStringLiteral("conv1/bias"), b1);
        shard.addFloat(QStringLiteral("bn1/gamma"), g1);
        shard.addFloat(QStringLiteral("bn1/beta"), beta1);
        shard.addFloat(QStringLiteral("bn1/moving_mean"), mean1);
        shard.addFloat(QStringLiteral("bn1/moving_variance"), var1);
        shard.addFloat(QStringLiteral("dw/depthwise_kernel"), wd);
        shard.addFloat(QStringLiteral("bn2/beta"), beta2);
        shard.addFloat(QStringLiteral("bn2/moving_mean"), mean2);
        shard.addFloat(QStringLiteral("bn2/moving_variance"), var2);
        shard.addFloat(QStringLiteral("conv2/kernel"), w2);
        shard.addFloat(QStringLiteral("conv2/bias"), b2);
        shard.addFloat(QStringLiteral("dense/kernel"), wk);
        shard.addFloat(QStringLiteral("dense/bias"), bk);

        QJsonArray layers;
        layers.append(layer(QStringLiteral("input_1"), QStringLiteral("InputLayer"),
                            {{QStringLiteral("batch_input_shape"), QJsonArray{QJsonValue(), 8, 8, 3}}}, {}));
        layers.append(layer(QStringLiteral("conv1"), QStringLiteral("Conv2D"),
                            {{QStringLiteral("filters"), 4},
                             {QStringLiteral("kernel_size"), pairOf(3, 3)},
                             {QStringLiteral("strides"), pairOf(2, 2)},
                             {QStringLiteral("padding"), QStringLiteral("same")},
                             {QStringLiteral("use_bias"), true},
                             {QStringLiteral("activation"), QStringLiteral("linear")},
                             {QStringLiteral("dilation_rate"), pairOf(1, 1)}},
                            {QStringLiteral("input_1")}));
        layers.append(layer(QStringLiteral("bn1"), QStringLiteral("BatchNormalization"),
                            {{QStringLiteral("axis"), -1}, {QStringLiteral("epsilon"), 0.001}},
                            {QStringLiteral("conv1")}));
        layers.append(layer(QStringLiteral("relu1"), QStringLiteral("ReLU"), {{QStringLiteral("max_value"), 6}},
                            {QStringLiteral("bn1")}));
        layers.append(layer(QStringLiteral("dw"), QStringLiteral("DepthwiseConv2D"),
                            {{QStringLiteral("kernel_size"), pairOf(3, 3)},
                             {QStringLiteral("strides"), pairOf(1, 1)},
                             {QStringLiteral("padding"), QStringLiteral("same")},
                             {QStringLiteral("depth_multiplier"), 1},
                             {QStringLiteral("use_bias"), false}},
                            {QStringLiteral("relu1")}));
        layers.append(layer(QStringLiteral("bn2"), QStringLiteral("BatchNormalization"),
                            {{QStringLiteral("epsilon"), 0.01}, {QStringLiteral("scale"), false}},
                            {QStringLiteral("dw")}));
        layers.append(
            layer(QStringLiteral("add"), QStringLiteral("Add"), {}, {QStringLiteral("relu1"), QStringLiteral("bn2")}));
        layers.append(layer(QStringLiteral("pad"), QStringLiteral("ZeroPadding2D"),
                            {{QStringLiteral("padding"), QJsonArray{pairOf(0, 1), pairOf(0, 1)}}},
                            {QStringLiteral("add")}));
        layers.append(layer(QStringLiteral("conv2"), QStringLiteral("Conv2D"),
                            {{QStringLiteral("filters"), 5},
                             {QStringLiteral("kernel_size"), pairOf(2, 2)},
                             {QStringLiteral("strides"), pairOf(1, 1)},
                             {QStringLiteral("padding"), QStringLiteral("valid")},
                             {QStringLiteral("activation"), QStringLiteral("relu")}},
                            {QStringLiteral("pad")}));
        layers.append(
            layer(QStringLiteral("gap"), QStringLiteral("GlobalAveragePooling2D"), {}, {QStringLiteral("conv2")}));
        layers.append(layer(QStringLiteral("drop"), QStringLiteral("Dropout"), {{QStringLiteral("rate"), 0.5}},
                            {QStringLiteral("gap")}));
        layers.append(layer(QStringLiteral("dense"), QStringLiteral("Dense"),
                            {{QStringLiteral("units"), 3}, {QStringLiteral("activation"), QStringLiteral("linear")}},
                            {QStringLiteral("drop")}));
        QString output = QStringLiteral("dense");
        if (!extraLayer.isEmpty()) {
            layers.append(extraLayer);
            output = extraLayer.value(QStringLiteral("name")).toString();
        }
        const QJsonObject topology{
            {QStringLiteral("keras_version"), QStringLiteral("2.2.4")},
            {QStringLiteral("model_config"),
             QJsonObject{
                 {QStringLiteral("class_name"), QStringLiteral("Model")},
                 {QStringLiteral("config"),
                  QJsonObject{{QStringLiteral("name"), QStringLiteral("small")},
                              {QStringLiteral("layers"), layers},
                              {QStringLiteral("input_layers"), QJsonArray{QJsonArray{QStringLiteral("input_1"), 0, 0}}},
                              {QStringLiteral("output_layers"), QJsonArray{QJsonArray{output, 0, 0}}}}}}}};
        const QJsonObject model{
            {QStringLiteral("format"), QStringLiteral("layers-model")},
            {QStringLiteral("modelTopology"), topology},
            {QStringLiteral("weightsManifest"),
             QJsonArray{QJsonObject{{QStringLiteral("paths"), QJsonArray{QStringLiteral("group1-shard1of1.bin")}},
                                    {QStringLiteral("weights"), shard.entries}}}}};
        return fopro::test::writeText(dir + QStringLiteral("/model.json"), QJsonDocument(model).toJson()) &&
               fopro::test::writeText(dir + QStringLiteral("/group1-shard1of1.bin"), shard.bytes);
    }

    /// The same network by hand, NCHW, with explicit padding (TF "same": the odd pixel bottom/right).
    std::pair<torch::Tensor, torch::Tensor> reference(const torch::Tensor &x) const
    {
        // conv1: in 8, stride 2, k 3 → out 4, total pad (4−1)·2 + 3 − 8 = 1 → 0 top/left, 1 bottom/right.
        torch::Tensor y = F::conv2d(F::pad(x, F::PadFuncOptions({0, 1, 0, 1})), w1().permute({3, 2, 0, 1}),
                                    F::Conv2dFuncOptions().bias(b1).stride(2));
        y = F::batch_norm(y, mean1, var1, F::BatchNormFuncOptions().weight(g1).bias(beta1).eps(1e-3).training(false));
        const torch::Tensor r1 = torch::clamp(y, 0.0, 6.0);
        // depthwise 3×3 stride 1 "same": pad 1 on each side; HWC1 → C1HW, groups = C.
        torch::Tensor d = F::conv2d(F::pad(r1, F::PadFuncOptions({1, 1, 1, 1})), wd.permute({2, 3, 0, 1}),
                                    F::Conv2dFuncOptions().groups(4));
        d = F::batch_norm(d, mean2, var2, F::BatchNormFuncOptions().bias(beta2).eps(0.01).training(false));
        const torch::Tensor sum = r1 + d;
        torch::Tensor z = F::pad(sum, F::PadFuncOptions({0, 1, 0, 1}));
        z = torch::relu(F::conv2d(z, w2.permute({3, 2, 0, 1}), F::Conv2dFuncOptions().bias(b2)));
        const torch::Tensor out = F::linear(z.mean({2, 3}), wk.t(), bk);
        return {out, sum};
    }
};

/// The fixed input of the pinned values: pixel (y, x, c) = ((x·3 + y·5 + c·7) mod 256)/255.
torch::Tensor pinnedImage(int side)
{
    const torch::Tensor y = torch::arange(side, torch::kInt64).view({1, side, 1});
    const torch::Tensor x = torch::arange(side, torch::kInt64).view({1, 1, side});
    const torch::Tensor c = torch::arange(3, torch::kInt64).view({3, 1, 1});
    return ((x * 3 + y * 5 + c * 7) % 256).to(torch::kFloat32).div(255.0).unsqueeze(0);
}

double maxAbsDiff(const torch::Tensor &a, const torch::Tensor &b)
{
    return (a - b).abs().max().item<double>();
}

/// The demo teacher's model.json with one change, for the mutation test below.
struct Mutation {
    const char *what;
    std::function<void(QJsonObject &model)> apply;
    const char *mustMention = nullptr; // a word the refusal must contain, when one is required
};

QJsonArray &layersOf(QJsonObject &model, QJsonObject &topology, QJsonObject &config, QJsonObject &inner,
                     QJsonArray &layers)
{
    topology = model.value(QStringLiteral("modelTopology")).toObject();
    config = topology.value(QStringLiteral("model_config")).toObject();
    inner = config.value(QStringLiteral("config")).toObject();
    layers = inner.value(QStringLiteral("layers")).toArray();
    return layers;
}

/// Applies `fn` to the layer named `name` (its whole JSON object) of the model's topology.
std::function<void(QJsonObject &)> onLayer(const QString &name, std::function<void(QJsonObject &)> fn)
{
    return [name, fn](QJsonObject &model) {
        QJsonObject topology, config, inner;
        QJsonArray layers;
        layersOf(model, topology, config, inner, layers);
        for (qsizetype i = 0; i < layers.size(); ++i) {
            QJsonObject l = layers[i].toObject();
            if (l.value(QStringLiteral("name")).toString() != name) continue;
            fn(l);
            layers[i] = l;
        }
        inner[QStringLiteral("layers")] = layers;
        config[QStringLiteral("config")] = inner;
        topology[QStringLiteral("model_config")] = config;
        model[QStringLiteral("modelTopology")] = topology;
    };
}

/// Applies `fn` to the config object of layer `name`.
std::function<void(QJsonObject &)> onLayerConfig(const QString &name, std::function<void(QJsonObject &)> fn)
{
    return onLayer(name, [fn](QJsonObject &l) {
        QJsonObject c = l.value(QStringLiteral("config")).toObject();
        fn(c);
        l[QStringLiteral("config")] = c;
    });
}

/// Applies `fn` to the weightsManifest entry named `name`.
std::function<void(QJsonObject &)> onWeight(const QString &name, std::function<void(QJsonObject &)> fn)
{
    return [name, fn](QJsonObject &model) {
        QJsonArray groups = model.value(QStringLiteral("weightsManifest")).toArray();
        QJsonObject group = groups[0].toObject();
        QJsonArray weights = group.value(QStringLiteral("weights")).toArray();
        for (qsizetype i = 0; i < weights.size(); ++i) {
            QJsonObject w = weights[i].toObject();
            if (w.value(QStringLiteral("name")).toString() != name) continue;
            fn(w);
            weights[i] = w;
        }
        group[QStringLiteral("weights")] = weights;
        groups[0] = group;
        model[QStringLiteral("weightsManifest")] = groups;
    };
}

std::function<void(QJsonObject &)> setKey(const QString &key, const QJsonValue &v)
{
    return [key, v](QJsonObject &o) { o[key] = v; };
}

std::function<void(QJsonObject &)> setShapeDim(int i, const QJsonValue &v)
{
    return [i, v](QJsonObject &w) {
        QJsonArray shape = w.value(QStringLiteral("shape")).toArray();
        shape[i] = v;
        w[QStringLiteral("shape")] = shape;
    };
}

std::function<void(QJsonObject &)> setQuant(const QString &key, const QJsonValue &v)
{
    return [key, v](QJsonObject &w) {
        QJsonObject q = w.value(QStringLiteral("quantization")).toObject();
        q[key] = v;
        w[QStringLiteral("quantization")] = q;
    };
}

std::vector<Mutation> demoTeacherMutations()
{
    const QString k = QStringLiteral("Conv1/kernel"), g = QStringLiteral("bn_Conv1/gamma"),
                  v = QStringLiteral("bn_Conv1/moving_variance"),
                  dw = QStringLiteral("expanded_conv_depthwise/depthwise_kernel");
    const QJsonValue null;
    std::vector<Mutation> m = {
        // Weight shapes.
        {"negative dimension", onWeight(k, setShapeDim(0, -1)), "Conv1/kernel"},
        {"negative last dimension", onWeight(g, setShapeDim(0, -32)), "bn_Conv1/gamma"},
        {"zero dimension", onWeight(k, setShapeDim(3, 0))},
        {"doubled dimension", onWeight(k, setShapeDim(3, 64))},
        {"fractional dimension", onWeight(k, setShapeDim(0, 1.5)), "Conv1/kernel"},
        {"huge dimension", onWeight(k, setShapeDim(0, 1e12)), "Conv1/kernel"},
        {"dimension beyond int64", onWeight(k, setShapeDim(0, 1e30)), "Conv1/kernel"},
        {"dimension as a string", onWeight(k, setShapeDim(0, QStringLiteral("3"))), "Conv1/kernel"},
        {"dimension null", onWeight(k, setShapeDim(0, null)), "Conv1/kernel"},
        {"empty shape", onWeight(k, setKey(QStringLiteral("shape"), QJsonArray{}))},
        {"shape not a list", onWeight(k, setKey(QStringLiteral("shape"), 27))},
        {"shape of another rank", onWeight(k, setKey(QStringLiteral("shape"), QJsonArray{27, 32}))},
        {"depthwise kernel transposed", onWeight(dw, [](QJsonObject &w) {
             QJsonArray s = w.value(QStringLiteral("shape")).toArray();
             w[QStringLiteral("shape")] = QJsonArray{s[2], s[3], s[0], s[1]};
         })},
        // Weight types and quantisation.
        {"complex64 dtype", onWeight(k, setKey(QStringLiteral("dtype"), QStringLiteral("complex64"))), "complex64"},
        {"string dtype", onWeight(k, setKey(QStringLiteral("dtype"), QStringLiteral("string"))), "string"},
        {"dtype a number", onWeight(k, setKey(QStringLiteral("dtype"), 7))},
        {"int32 dtype", onWeight(k, setKey(QStringLiteral("dtype"), QStringLiteral("int32")))},
        {"quantisation scale 1e308", onWeight(k, setQuant(QStringLiteral("scale"), 1e308)), "quantization"},
        {"quantisation scale -1e308", onWeight(g, setQuant(QStringLiteral("scale"), -1e308)), "quantization"},
        {"quantisation min 1e308", onWeight(g, setQuant(QStringLiteral("min"), 1e308)), "quantization"},
        {"quantisation scale 1e38", onWeight(v, setQuant(QStringLiteral("scale"), 1e38))},
        {"quantisation scale a string", onWeight(k, setQuant(QStringLiteral("scale"), QStringLiteral("x")))},
        {"quantisation dtype uint4", onWeight(k, setQuant(QStringLiteral("dtype"), QStringLiteral("uint4"))), "uint4"},
        {"quantisation dtype uint16", onWeight(k, setQuant(QStringLiteral("dtype"), QStringLiteral("uint16")))},
        {"quantisation removed", onWeight(k, [](QJsonObject &w) { w.remove(QStringLiteral("quantization")); })},
        {"moving variance negative", onWeight(v, [](QJsonObject &w) {
             QJsonObject q = w.value(QStringLiteral("quantization")).toObject();
             q[QStringLiteral("min")] = -100.0;
             q[QStringLiteral("scale")] = 0.0;
             w[QStringLiteral("quantization")] = q;
         })},
        {"weight renamed", onWeight(k, setKey(QStringLiteral("name"), QStringLiteral("Conv1/other"))), "Conv1"},
        {"weight name removed", onWeight(g, [](QJsonObject &w) { w.remove(QStringLiteral("name")); })},
        // Layer configurations contradicting their weights, or meaningless.
        {"filters 0", onLayerConfig(QStringLiteral("Conv1"), setKey(QStringLiteral("filters"), 0)), "Conv1"},
        {"filters -1", onLayerConfig(QStringLiteral("Conv1"), setKey(QStringLiteral("filters"), -1)), "Conv1"},
        {"filters 1e12", onLayerConfig(QStringLiteral("Conv1"), setKey(QStringLiteral("filters"), 1e12)), "Conv1"},
        {"kernel 0x0", onLayerConfig(QStringLiteral("Conv1"), setKey(QStringLiteral("kernel_size"), QJsonArray{0, 0}))},
        {"kernel 99x99", onLayerConfig(QStringLiteral("Conv1"), setKey(QStringLiteral("kernel_size"), QJsonArray{99, 99}))},
        {"kernel -3", onLayerConfig(QStringLiteral("Conv1"), setKey(QStringLiteral("kernel_size"), QJsonArray{-3, -3}))},
        {"strides 0", onLayerConfig(QStringLiteral("Conv1"), setKey(QStringLiteral("strides"), QJsonArray{0, 0}))},
        {"strides -2", onLayerConfig(QStringLiteral("Conv1"), setKey(QStringLiteral("strides"), QJsonArray{-2, -2}))},
        {"strides 1e9", onLayerConfig(QStringLiteral("Conv1"), setKey(QStringLiteral("strides"), QJsonArray{1e9, 1e9}))},
        {"dilation 0", onLayerConfig(QStringLiteral("Conv1"), setKey(QStringLiteral("dilation_rate"), QJsonArray{0, 0}))},
        {"dilation 500", onLayerConfig(QStringLiteral("Conv1"), setKey(QStringLiteral("dilation_rate"), QJsonArray{500, 500}))},
        {"padding unknown", onLayerConfig(QStringLiteral("Conv1"), setKey(QStringLiteral("padding"), QStringLiteral("mirror")))},
        {"zero padding negative", onLayerConfig(QStringLiteral("Conv1_pad"),
                                                setKey(QStringLiteral("padding"), QJsonArray{QJsonArray{-9, -9}, QJsonArray{-9, -9}})),
         "Conv1_pad"},
        {"zero padding huge", onLayerConfig(QStringLiteral("Conv1_pad"),
                                            setKey(QStringLiteral("padding"), QJsonArray{QJsonArray{0, 100000}, QJsonArray{0, 1}})),
         "Conv1_pad"},
        {"activation unknown", onLayerConfig(QStringLiteral("Conv1"), setKey(QStringLiteral("activation"), QStringLiteral("swoosh")))},
        {"relu max_value NaN-like", onLayerConfig(QStringLiteral("Conv1_relu"), setKey(QStringLiteral("max_value"), -1e308))},
        {"depth multiplier 0", onLayerConfig(QStringLiteral("expanded_conv_depthwise"), setKey(QStringLiteral("depth_multiplier"), 0)),
         "depth_multiplier"},
        {"depth multiplier -1", onLayerConfig(QStringLiteral("expanded_conv_depthwise"), setKey(QStringLiteral("depth_multiplier"), -1)),
         "depth_multiplier"},
        {"epsilon -1", onLayerConfig(QStringLiteral("bn_Conv1"), setKey(QStringLiteral("epsilon"), -1.0))},
        {"epsilon 1e308", onLayerConfig(QStringLiteral("bn_Conv1"), setKey(QStringLiteral("epsilon"), 1e308))},
        {"batch norm axis 7", onLayerConfig(QStringLiteral("bn_Conv1"), setKey(QStringLiteral("axis"), 7))},
        {"batch norm without scale", onLayerConfig(QStringLiteral("bn_Conv1"), setKey(QStringLiteral("scale"), false))},
        {"use_bias turned on", onLayerConfig(QStringLiteral("Conv1"), setKey(QStringLiteral("use_bias"), true)), "Conv1"},
        {"input shape negative", onLayerConfig(QStringLiteral("input_1"),
                                               setKey(QStringLiteral("batch_input_shape"), QJsonArray{null, -5, -5, 3})),
         "image side"},
        {"input shape zero", onLayerConfig(QStringLiteral("input_1"),
                                           setKey(QStringLiteral("batch_input_shape"), QJsonArray{null, 0, 0, 3})),
         "image side"},
        {"input shape huge", onLayerConfig(QStringLiteral("input_1"),
                                           setKey(QStringLiteral("batch_input_shape"), QJsonArray{null, 1e9, 1e9, 3})),
         "image side"},
        {"input with 4 channels", onLayerConfig(QStringLiteral("input_1"),
                                                setKey(QStringLiteral("batch_input_shape"), QJsonArray{null, 224, 224, 4}))},
        // The graph.
        {"unknown layer class", onLayer(QStringLiteral("Conv1"), setKey(QStringLiteral("class_name"), QStringLiteral("Conv9D"))), "Conv9D"},
        {"inbound layer missing", onLayer(QStringLiteral("bn_Conv1"),
                                          setKey(QStringLiteral("inbound_nodes"),
                                                 QJsonArray{QJsonArray{QJsonArray{QStringLiteral("nowhere"), 0, 0, QJsonObject{}}}})),
         "nowhere"},
        {"inbound nodes removed", onLayer(QStringLiteral("bn_Conv1"), [](QJsonObject &l) { l.remove(QStringLiteral("inbound_nodes")); })},
        {"inbound nodes garbage", onLayer(QStringLiteral("bn_Conv1"), setKey(QStringLiteral("inbound_nodes"), QStringLiteral("x")))},
        {"a cycle", onLayer(QStringLiteral("Conv1_pad"),
                            setKey(QStringLiteral("inbound_nodes"),
                                   QJsonArray{QJsonArray{QJsonArray{QStringLiteral("bn_Conv1"), 0, 0, QJsonObject{}}}}))},
        {"layers not a list", [](QJsonObject &model) {
             QJsonObject t = model.value(QStringLiteral("modelTopology")).toObject();
             QJsonObject c = t.value(QStringLiteral("model_config")).toObject();
             QJsonObject i = c.value(QStringLiteral("config")).toObject();
             i[QStringLiteral("layers")] = 3;
             c[QStringLiteral("config")] = i;
             t[QStringLiteral("model_config")] = c;
             model[QStringLiteral("modelTopology")] = t;
         }},
        // The manifest's files.
        {"shard path climbing out", [](QJsonObject &model) {
             QJsonArray groups = model.value(QStringLiteral("weightsManifest")).toArray();
             QJsonObject g0 = groups[0].toObject();
             g0[QStringLiteral("paths")] = QJsonArray{QStringLiteral("../../../../../../etc/passwd")};
             groups[0] = g0;
             model[QStringLiteral("weightsManifest")] = groups;
         }, "leaves the model's folder"},
        {"shard missing", [](QJsonObject &model) {
             QJsonArray groups = model.value(QStringLiteral("weightsManifest")).toArray();
             QJsonObject g0 = groups[0].toObject();
             g0[QStringLiteral("paths")] = QJsonArray{QStringLiteral("nothing.bin")};
             groups[0] = g0;
             model[QStringLiteral("weightsManifest")] = groups;
         }, "nothing.bin"},
        {"no weightsManifest", [](QJsonObject &model) { model.remove(QStringLiteral("weightsManifest")); }},
        {"no modelTopology", [](QJsonObject &model) { model.remove(QStringLiteral("modelTopology")); }},
        {"modelTopology a string", setKey(QStringLiteral("modelTopology"), QStringLiteral("x"))},
    };
    return m;
}

} // namespace

class TestTeacher : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void importsASmallTfjsModelExactly()
    {
        QTemporaryDir dir;
        SmallNet net;
        QVERIFY(net.write(dir.path()));
        const auto teacher =
            Teacher::loadTfjs((dir.path() + QStringLiteral("/model.json")).toStdString(), "dense", false);
        QVERIFY2(teacher.ok(), qPrintable(teacher.error().message()));
        QCOMPARE(teacher->featureDim(), 3);
        QCOMPARE(teacher->inputSize(), 8);
        QVERIFY(teacher->secondsPerImage() > 0.0);
        QVERIFY(!teacher->description().empty());

        torch::manual_seed(11);
        const torch::Tensor x = torch::rand({2, 3, 8, 8});
        const torch::Tensor got = teacher->forward(x);
        const auto [expected, sum] = net.reference(x);
        QCOMPARE(got.sizes().vec(), (std::vector<int64_t>{2, 3}));
        QVERIFY2(maxAbsDiff(got, expected) < 1e-5, qPrintable(QString::number(maxAbsDiff(got, expected))));
        // The ReLU6 clamp is really exercised by these weights (values above 6 before it).
        QVERIFY(sum.max().item<double>() > 6.0);
        // Frozen: no parameter asks for a gradient, so an input without one gives an output without one.
        QVERIFY(!got.requires_grad());

        // Truncated at the Add layer, global-average-pooled: 4 channels.
        const auto cut = Teacher::loadTfjs((dir.path() + QStringLiteral("/model.json")).toStdString(), "add", true);
        QVERIFY2(cut.ok(), qPrintable(cut.error().message()));
        QCOMPARE(cut->featureDim(), 4);
        QVERIFY(maxAbsDiff(cut->forward(x), sum.mean({2, 3})) < 1e-5);
    }

    void fusedForwardGivesTheInputGradient()
    {
        // The teacher's forward folds batch norm, runs ReLU6 and the residual sum in place and
        // releases values early; the Fourier prompt backpropagates through it, so the gradient
        // with respect to the input must be the hand-built network's (whose ops are all plain).
        QTemporaryDir dir;
        SmallNet net;
        QVERIFY(net.write(dir.path()));
        const auto teacher =
            Teacher::loadTfjs((dir.path() + QStringLiteral("/model.json")).toStdString(), "dense", false);
        QVERIFY2(teacher.ok(), qPrintable(teacher.error().message()));
        torch::manual_seed(12);
        const torch::Tensor x0 = torch::rand({2, 3, 8, 8});
        const torch::Tensor weights = torch::rand({2, 3}); // a loss that weighs every output differently
        const torch::Tensor x1 = x0.clone().requires_grad_(true);
        (teacher->forward(x1) * weights).sum().backward();
        const torch::Tensor x2 = x0.clone().requires_grad_(true);
        (net.reference(x2).first * weights).sum().backward();
        QVERIFY(x2.grad().abs().sum().item<double>() > 0.0);
        QVERIFY2(maxAbsDiff(x1.grad(), x2.grad()) < 1e-5,
                 qPrintable(QString::number(maxAbsDiff(x1.grad(), x2.grad()))));
    }

    void importsPoolingConcatenateAndSequential()
    {
        // in 6, pool 3, stride 2, "same": out 3, total pad (3−1)·2 + 3 − 6 = 1, on the bottom/right.
        torch::manual_seed(5);
        const torch::Tensor wk = torch::rand({3 * 3 * 6, 2}) - 0.5, bk = torch::rand({2}) - 0.5;
        const torch::Tensor wkSeq = torch::rand({3 * 3 * 3, 2}) - 0.5, bkSeq = torch::rand({2}) - 0.5;
        const QJsonObject pool{{QStringLiteral("pool_size"), pairOf(3, 3)},
                               {QStringLiteral("strides"), pairOf(2, 2)},
                               {QStringLiteral("padding"), QStringLiteral("same")}};
        const QJsonObject dense{{QStringLiteral("units"), 2},
                                {QStringLiteral("activation"), QStringLiteral("softmax")}};
        QTemporaryDir dir;
        auto writeModel = [&](const QString &sub, const QJsonObject &modelConfig, const torch::Tensor &k,
                              const torch::Tensor &b) {
            ShardWriter shard;
            shard.addFloat(QStringLiteral("dense/kernel"), k);
            shard.addFloat(QStringLiteral("dense/bias"), b);
            const QJsonObject model{
                {QStringLiteral("modelTopology"), QJsonObject{{QStringLiteral("model_config"), modelConfig}}},
                {QStringLiteral("weightsManifest"),
                 QJsonArray{QJsonObject{{QStringLiteral("paths"), QJsonArray{QStringLiteral("w.bin")}},
                                        {QStringLiteral("weights"), shard.entries}}}}};
            return fopro::test::writeText(dir.path() + sub + QStringLiteral("/model.json"),
                                          QJsonDocument(model).toJson()) &&
                   fopro::test::writeText(dir.path() + sub + QStringLiteral("/w.bin"), shard.bytes);
        };
        QJsonArray layers;
        layers.append(layer(QStringLiteral("in"), QStringLiteral("InputLayer"),
                            {{QStringLiteral("batch_input_shape"), QJsonArray{QJsonValue(), 6, 6, 3}}}, {}));
        layers.append(layer(QStringLiteral("avg"), QStringLiteral("AveragePooling2D"), pool, {QStringLiteral("in")}));
        layers.append(layer(QStringLiteral("max"), QStringLiteral("MaxPooling2D"), pool, {QStringLiteral("in")}));
        layers.append(layer(QStringLiteral("cat"), QStringLiteral("Concatenate"), {{QStringLiteral("axis"), -1}},
                            {QStringLiteral("avg"), QStringLiteral("max")}));
        layers.append(layer(QStringLiteral("sig"), QStringLiteral("Activation"),
                            {{QStringLiteral("activation"), QStringLiteral("sigmoid")}}, {QStringLiteral("cat")}));
        layers.append(layer(QStringLiteral("flat"), QStringLiteral("Flatten"), {}, {QStringLiteral("sig")}));
        layers.append(layer(QStringLiteral("dense"), QStringLiteral("Dense"), dense, {QStringLiteral("flat")}));
        QVERIFY(writeModel(QStringLiteral("/functional"),
                           QJsonObject{{QStringLiteral("class_name"), QStringLiteral("Functional")},
                                       {QStringLiteral("config"),
                                        QJsonObject{{QStringLiteral("layers"), layers},
                                                    {QStringLiteral("input_layers"),
                                                     QJsonArray{QJsonArray{QStringLiteral("in"), 0, 0}}},
                                                    {QStringLiteral("output_layers"),
                                                     QJsonArray{QJsonArray{QStringLiteral("dense"), 0, 0}}}}}},
                           wk, bk));
        QJsonObject firstPool = pool;
        firstPool.insert(QStringLiteral("name"), QStringLiteral("avg"));
        firstPool.insert(QStringLiteral("batch_input_shape"), QJsonArray{QJsonValue(), 6, 6, 3});
        QJsonObject denseNamed = dense;
        denseNamed.insert(QStringLiteral("name"), QStringLiteral("dense"));
        const QJsonArray seqLayers{
            QJsonObject{{QStringLiteral("class_name"), QStringLiteral("AveragePooling2D")},
                        {QStringLiteral("config"), firstPool}},
            QJsonObject{{QStringLiteral("class_name"), QStringLiteral("Flatten")},
                        {QStringLiteral("config"), QJsonObject{{QStringLiteral("name"), QStringLiteral("flat")}}}},
            QJsonObject{{QStringLiteral("class_name"), QStringLiteral("Dense")},
                        {QStringLiteral("config"), denseNamed}}};
        QVERIFY(writeModel(QStringLiteral("/sequential"),
                           QJsonObject{{QStringLiteral("class_name"), QStringLiteral("Sequential")},
                                       {QStringLiteral("config"), QJsonObject{{QStringLiteral("layers"), seqLayers}}}},
                           wkSeq, bkSeq));

        // Reference by explicit windows: the average counts only the pixels inside the image.
        const torch::Tensor x = torch::rand({2, 3, 6, 6});
        torch::Tensor avg = torch::zeros({2, 3, 3, 3}), max = torch::zeros({2, 3, 3, 3});
        for (int oy = 0; oy < 3; ++oy)
            for (int ox = 0; ox < 3; ++ox) {
                const torch::Tensor window =
                    x.slice(2, 2 * oy, std::min(2 * oy + 3, 6)).slice(3, 2 * ox, std::min(2 * ox + 3, 6));
                avg.select(2, oy).select(2, ox).copy_(window.mean({2, 3}));
                max.select(2, oy).select(2, ox).copy_(window.amax({2, 3}));
            }
        // Keras flattens in H, W, C order.
        const torch::Tensor flat = torch::sigmoid(torch::cat({avg, max}, 1)).permute({0, 2, 3, 1}).flatten(1);
        const torch::Tensor expected = torch::softmax(F::linear(flat, wk.t(), bk), 1);
        const auto functional =
            Teacher::loadTfjs((dir.path() + QStringLiteral("/functional/model.json")).toStdString(), "", false);
        QVERIFY2(functional.ok(), qPrintable(functional.error().message()));
        QVERIFY(maxAbsDiff(functional->forward(x), expected) < 1e-5);

        const torch::Tensor expectedSeq =
            torch::softmax(F::linear(avg.permute({0, 2, 3, 1}).flatten(1), wkSeq.t(), bkSeq), 1);
        const auto sequential =
            Teacher::loadTfjs((dir.path() + QStringLiteral("/sequential/model.json")).toStdString(), "", false);
        QVERIFY2(sequential.ok(), qPrintable(sequential.error().message()));
        QCOMPARE(sequential->inputSize(), 6);
        QVERIFY(maxAbsDiff(sequential->forward(x), expectedSeq) < 1e-5);
    }

    void reportsUnsupportedLayersAndMissingShards()
    {
        QTemporaryDir dir;
        SmallNet net;
        QVERIFY(net.write(dir.path(),
                          layer(QStringLiteral("lstm"), QStringLiteral("LSTM"), {}, {QStringLiteral("dense")})));
        const std::string model = (dir.path() + QStringLiteral("/model.json")).toStdString();
        const auto bad = Teacher::loadTfjs(model, "", true);
        QVERIFY(!bad.ok());
        QCOMPARE(bad.error().code, fopro::ErrorCode::Unsupported);
        QVERIFY2(bad.error().detail.contains(QLatin1String("LSTM")), qPrintable(bad.error().message()));
        QVERIFY(bad.error().file.endsWith(QLatin1String("model.json")));
        // Truncated before the unsupported layer, the same file loads.
        QVERIFY(Teacher::loadTfjs(model, "dense", true).ok());

        QVERIFY(QFile::resize(dir.path() + QStringLiteral("/group1-shard1of1.bin"), 100));
        const auto shortShard = Teacher::loadTfjs(model, "dense", true);
        QVERIFY(!shortShard.ok());
        QVERIFY2(shortShard.error().detail.contains(QLatin1String("size mismatch")),
                 qPrintable(shortShard.error().message()));

        QVERIFY(QFile::remove(dir.path() + QStringLiteral("/group1-shard1of1.bin")));
        const auto missing = Teacher::loadTfjs(model, "dense", true);
        QVERIFY(!missing.ok());
        QCOMPARE(missing.error().code, fopro::ErrorCode::NotFound);
        QVERIFY2(missing.error().file.endsWith(QLatin1String("group1-shard1of1.bin")),
                 qPrintable(missing.error().message()));

        const auto noOutput = Teacher::loadTfjs(model, "nonexistent", true);
        QVERIFY(!noOutput.ok());
        QVERIFY(noOutput.error().detail.contains(QLatin1String("nonexistent")));
    }

    void demoTeacherIsPinned()
    {
        const QString model = fopro::test::assetsDir() + QStringLiteral("/teachers/mobilenet_v2/model.json");
        if (!QFileInfo::exists(model))
            QSKIP("demo teacher absent: run packaging/install-deps.sh (needs npm to reach its registry)");
        const auto teacher = Teacher::loadTfjs(model.toStdString(), "block_10_project_BN", true);
        QVERIFY2(teacher.ok(), qPrintable(teacher.error().message()));
        QCOMPARE(teacher->featureDim(), 96);
        QCOMPARE(teacher->inputSize(), 224);
        qInfo("%s; %.4f s/image", teacher->description().c_str(), teacher->secondsPerImage());

        const torch::Tensor image = pinnedImage(224);
        const torch::Tensor f = teacher->forward(image);
        QCOMPARE(f.sizes().vec(), (std::vector<int64_t>{1, 96}));
        const auto v = f.accessor<float, 2>();
        qInfo("pinned: %.7g %.7g %.7g %.7g %.7g sum %.7g", v[0][0], v[0][1], v[0][2], v[0][3], v[0][4],
              f.sum().item<double>());
        // Recorded once from this importer on this input: they guard against regressions of the import
        // even where TF.js cannot run. Its correctness is what the hand-built comparison above checks
        // layer by layer and demoTeacherAgreesWithTfjs checks against TF.js itself on this very input.
        const double pinned[5] = {0.1506296, -0.8716116, -1.308382, 3.67517, 1.956364};
        const double pinnedSum = 15.34874;
        for (int i = 0; i < 5; ++i)
            QVERIFY2(std::abs(v[0][i] - pinned[i]) <= 1e-4 * std::abs(pinned[i]),
                     qPrintable(QStringLiteral("feature %1: %2 vs %3").arg(i).arg(v[0][i]).arg(pinned[i])));
        QVERIFY(std::abs(f.sum().item<double>() - pinnedSum) <= 1e-4 * std::abs(pinnedSum));

        // A batch of two: the first row is the single image's features.
        const torch::Tensor batch = torch::cat({image, image.flip({3})}, 0);
        const torch::Tensor fb = teacher->forward(batch);
        QCOMPARE(fb.sizes().vec(), (std::vector<int64_t>{2, 96}));
        QVERIFY(maxAbsDiff(fb[0], f[0]) < 1e-4);
        QVERIFY(maxAbsDiff(fb[0], fb[1]) > 1e-4);

        // Frozen weights, yet differentiable with respect to the input.
        const torch::Tensor x = batch.clone().requires_grad_(true);
        teacher->forward(x).pow(2).sum().backward();
        QVERIFY(x.grad().defined());
        QVERIFY(x.grad().abs().sum().item<double>() > 0.0);

        // The whole file (the package's own head included) also imports: AveragePooling2D, Flatten,
        // Dropout and Dense with softmax give 5 probabilities (only a sanity check of those layer
        // classes on real weights; the head is never used as a teacher).
        const auto whole = Teacher::loadTfjs(model.toStdString(), "", false);
        QVERIFY2(whole.ok(), qPrintable(whole.error().message()));
        QCOMPARE(whole->featureDim(), 5);
        const torch::Tensor p = whole->forward(batch);
        QVERIFY(std::abs(p.sum().item<double>() - 2.0) < 1e-5);
        QVERIFY(p.min().item<double>() >= 0.0);
    }

    void demoTeacherAgreesWithTfjs()
    {
        // TF.js itself (the pure-JavaScript @tensorflow/tfjs on its CPU backend, run by node through
        // tfjs_reference.js beside this file) computes the demo teacher's features of the pinned image;
        // the importer must compute the same. At the declared 224 and, with withInputSize, at an even
        // and an odd side that the network is not declared for (other padding and pooling sizes).
        const QString model = fopro::test::assetsDir() + QStringLiteral("/teachers/mobilenet_v2/model.json");
        if (!QFileInfo::exists(model))
            QSKIP("demo teacher absent: run packaging/install-deps.sh (needs npm to reach its registry)");
        const QString node = QStandardPaths::findExecutable(QStringLiteral("node"));
        if (node.isEmpty()) QSKIP("node is not on PATH: install Node.js (packaging/install-deps.sh installs nodejs)");
        const QString tfjs = fopro::test::assetsDir() + QStringLiteral("/tfjs");
        if (!QFileInfo::exists(tfjs + QStringLiteral("/node_modules/@tensorflow/tfjs/package.json")))
            QSKIP("@tensorflow/tfjs absent from the assets' tfjs folder: run packaging/install-deps.sh (needs npm "
                  "to reach its registry)");
        const QString script = QStringLiteral(FOPRO_SOURCE_DIR "/tests/core/ml/tfjs_reference.js");
        QVERIFY2(QFileInfo::exists(script), qPrintable(script));
        const std::string layerName = "block_10_project_BN";

        const auto teacher = Teacher::loadTfjs(model.toStdString(), layerName, true);
        QVERIFY2(teacher.ok(), qPrintable(teacher.error().message()));
        QCOMPARE(teacher->inputSize(), 224);
        for (const int side : {224, 160, 225}) {
            QProcess proc;
            proc.start(node, {script, tfjs, model, QString::fromStdString(layerName), QString::number(side)});
            // TF.js' CPU backend in plain JavaScript: seconds on a desktop, more on a loaded CI machine.
            if (!proc.waitForFinished(300000)) {
                proc.kill();
                proc.waitForFinished();
                QFAIL(qPrintable(QStringLiteral("node %1 did not finish (%2)").arg(script, proc.errorString())));
            }
            const QByteArray err = proc.readAllStandardError();
            QVERIFY2(proc.exitStatus() == QProcess::NormalExit && proc.exitCode() == 0, err.constData());
            const QList<QByteArray> lines = proc.readAllStandardOutput().trimmed().split('\n');
            QCOMPARE(lines.size(), 96);
            std::vector<double> values;
            for (const QByteArray &line : lines) {
                bool ok = false;
                values.push_back(line.trimmed().toDouble(&ok));
                QVERIFY2(ok, line.constData());
            }
            const torch::Tensor reference = torch::tensor(values, torch::kFloat64).view({1, 96});

            const Teacher sized = side == teacher->inputSize() ? *teacher : teacher->withInputSize(side);
            const torch::Tensor f = sized.forward(pinnedImage(side)).to(torch::kFloat64);
            QCOMPARE(f.sizes().vec(), (std::vector<int64_t>{1, 96}));
            const double diff = maxAbsDiff(f, reference);
            qInfo("%d px: importer vs TF.js, max |difference| %.3g over 96 features (largest |feature| %.4g)", side,
                  diff, reference.abs().max().item<double>());
            QVERIFY2(diff <= 1e-5, qPrintable(QStringLiteral("%1 px: max |difference| %2").arg(side).arg(diff)));
        }
    }

    void mutatedDemoTeacherIsRefusedOrFinite()
    {
        // Every deliberate corruption of the real teacher's model.json is either refused with an
        // error naming the file (and, where one exists, the weight or layer at fault), or loads
        // into a network whose features are finite numbers; never an abort, never NaN features.
        const QString dir = fopro::test::assetsDir() + QStringLiteral("/teachers/mobilenet_v2");
        if (!QFileInfo::exists(dir + QStringLiteral("/model.json")))
            QSKIP("demo teacher absent: run packaging/install-deps.sh (needs npm to reach its registry)");
        QFile in(dir + QStringLiteral("/model.json"));
        QVERIFY(in.open(QIODevice::ReadOnly));
        const QJsonObject original = QJsonDocument::fromJson(in.readAll()).object();
        QVERIFY(!original.isEmpty());
        QTemporaryDir tmp;
        QVERIFY(QFile::link(dir + QStringLiteral("/group1-shard1of1.bin"),
                            tmp.filePath(QStringLiteral("group1-shard1of1.bin"))));
        const QString file = tmp.filePath(QStringLiteral("model.json"));
        const torch::Tensor image = pinnedImage(224);
        int refused = 0, loaded = 0;
        const auto mutations = demoTeacherMutations();
        for (const Mutation &m : mutations) {
            QJsonObject model = original;
            m.apply(model);
            QVERIFY2(model != original, m.what); // the mutation changed something
            QVERIFY(fopro::test::writeText(file, QJsonDocument(model).toJson(QJsonDocument::Compact)));
            const auto t = Teacher::loadTfjs(file.toStdString(), "block_10_project_BN", true);
            if (!t) {
                ++refused;
                QVERIFY2(!t.error().file.isEmpty() && !t.error().detail.isEmpty(), m.what);
                if (m.mustMention)
                    QVERIFY2(t.error().message().contains(QLatin1String(m.mustMention)),
                             qPrintable(QStringLiteral("%1: %2").arg(QLatin1String(m.what), t.error().message())));
                continue;
            }
            ++loaded;
            QVERIFY2(!m.mustMention, qPrintable(QStringLiteral("%1 was accepted").arg(QLatin1String(m.what))));
            const torch::Tensor f = t->forward(image);
            QVERIFY2(torch::isfinite(f).all().item<bool>(), m.what);
        }
        qInfo("%d mutations: %d refused, %d loaded with finite features", int(mutations.size()), refused, loaded);

        // Corrupt shard bytes: a quantised shard holds bytes, so any value is a number; a shard cut
        // short or grown is a size mismatch naming the shard.
        QFile shard(dir + QStringLiteral("/group1-shard1of1.bin"));
        QVERIFY(shard.open(QIODevice::ReadOnly));
        const QByteArray bytes = shard.readAll();
        QVERIFY(fopro::test::writeText(file, QJsonDocument(original).toJson()));
        for (const QByteArray &b : {bytes.left(bytes.size() - 1), bytes + QByteArray(4, '\0'), QByteArray()}) {
            QVERIFY(QFile::remove(tmp.filePath(QStringLiteral("group1-shard1of1.bin"))));
            QVERIFY(fopro::test::writeText(tmp.filePath(QStringLiteral("group1-shard1of1.bin")), b));
            const auto t = Teacher::loadTfjs(file.toStdString(), "block_10_project_BN", true);
            QVERIFY(!t);
            QVERIFY2(t.error().message().contains(QLatin1String("group1-shard1of1.bin")),
                     qPrintable(t.error().message()));
        }
    }

    void loadsTorchScriptTeachers()
    {
        QTemporaryDir dir;
        // A 4-D output (N×3×H×W), global-average-pooled by the teacher.
        {
            torch::jit::Module m("ScaleChannels");
            m.register_parameter("w", torch::tensor({1.0f, 2.0f, -1.0f}).view({1, 3, 1, 1}), false);
            m.define("def forward(self, x):\n    return x * self.w\n");
            m.save((dir.path() + QStringLiteral("/scale.pt")).toStdString());
        }
        const auto t = Teacher::loadTorchScript((dir.path() + QStringLiteral("/scale.pt")).toStdString(), 0,
                                                {0.5f, 0.5f, 0.5f}, {0.25f, 0.5f, 1.0f});
        QVERIFY2(t.ok(), qPrintable(t.error().message()));
        QCOMPARE(t->featureDim(), 3);
        QCOMPARE(t->inputSize(), 0);
        QVERIFY(t->secondsPerImage() > 0.0);
        torch::manual_seed(3);
        const torch::Tensor x = torch::rand({2, 3, 4, 4});
        const torch::Tensor mean = torch::tensor({0.5f, 0.5f, 0.5f}).view({1, 3, 1, 1});
        const torch::Tensor std = torch::tensor({0.25f, 0.5f, 1.0f}).view({1, 3, 1, 1});
        const torch::Tensor w = torch::tensor({1.0f, 2.0f, -1.0f}).view({1, 3, 1, 1});
        QVERIFY(maxAbsDiff(t->forward(x), ((x - mean) / std * w).mean({2, 3})) < 1e-6);

        // A 2-D output (N×D) used as is; the sidecar sets size 2 and identity normalisation.
        {
            torch::jit::Module m("SumPixels");
            m.define("def forward(self, x):\n    return torch.sum(x, dim=[2, 3])\n");
            m.save((dir.path() + QStringLiteral("/sum.pt")).toStdString());
        }
        QVERIFY(fopro::test::writeText(
            dir.path() + QStringLiteral("/sum.json"),
            R"({"inputSize": 2, "mean": [0, 0, 0], "std": [1, 1, 1], "name": "sum of pixels"})"));
        const auto s =
            Teacher::loadTorchScript((dir.path() + QStringLiteral("/sum.pt")).toStdString(), 224, {0.5f, 0.5f, 0.5f},
                                     {0.2f, 0.2f, 0.2f}, (dir.path() + QStringLiteral("/sum.json")).toStdString());
        QVERIFY2(s.ok(), qPrintable(s.error().message()));
        QCOMPARE(s->inputSize(), 2);
        QVERIFY(QString::fromStdString(s->description()).contains(QLatin1String("sum of pixels")));
        // Channel c constant 0.1·(c+1) on 6×6: resized to 2×2 it stays constant, the sum is 4·0.1·(c+1).
        const torch::Tensor flat = torch::tensor({0.1f, 0.2f, 0.3f}).view({1, 3, 1, 1}).expand({1, 3, 6, 6});
        QVERIFY(maxAbsDiff(s->forward(flat), torch::tensor({{0.4f, 0.8f, 1.2f}})) < 1e-6);

        const auto missing = Teacher::loadTorchScript((dir.path() + QStringLiteral("/none.pt")).toStdString(), 224);
        QVERIFY(!missing.ok());
        QCOMPARE(missing.error().code, fopro::ErrorCode::NotFound);
        QVERIFY(fopro::test::writeText(dir.path() + QStringLiteral("/junk.pt"), "not a zip"));
        const auto junk = Teacher::loadTorchScript((dir.path() + QStringLiteral("/junk.pt")).toStdString(), 224);
        QVERIFY(!junk.ok());
        QVERIFY(junk.error().file.endsWith(QLatin1String("junk.pt")));
    }

    void loadsFromAPathWithTheKindDetected()
    {
        using fopro::ml::TeacherKind;
        QTemporaryDir dir;
        SmallNet net;
        QVERIFY(QDir().mkpath(dir.path() + QStringLiteral("/tfjs")));
        QVERIFY(net.write(dir.path() + QStringLiteral("/tfjs")));
        {
            torch::jit::Module m("SumPixels");
            m.define("def forward(self, x):\n    return torch.sum(x, dim=[2, 3])\n");
            m.save((dir.path() + QStringLiteral("/sum.pt")).toStdString());
        }
        // A TF.js folder, its model.json, a model.json under another name, a TorchScript file.
        const auto folder = fopro::ml::resolveTeacher(dir.path() + QStringLiteral("/tfjs"));
        QVERIFY(folder);
        QCOMPARE(folder->kind, TeacherKind::TfjsLayers);
        QVERIFY(folder->file.endsWith(QLatin1String("/tfjs/model.json")));
        QCOMPARE(fopro::ml::resolveTeacher(dir.path() + QStringLiteral("/tfjs/model.json"))->kind,
                 TeacherKind::TfjsLayers);
        QVERIFY(QFile::copy(dir.path() + QStringLiteral("/tfjs/model.json"),
                            dir.path() + QStringLiteral("/tfjs/teacher.model")));
        QCOMPARE(fopro::ml::resolveTeacher(dir.path() + QStringLiteral("/tfjs/teacher.model"))->kind,
                 TeacherKind::TfjsLayers);
        QCOMPARE(fopro::ml::resolveTeacher(dir.path() + QStringLiteral("/sum.pt"))->kind, TeacherKind::TorchScript);
        QCOMPARE(fopro::ml::teacherKindName(TeacherKind::TfjsLayers), QStringLiteral("tfjs"));
        QCOMPARE(fopro::ml::teacherKindName(TeacherKind::TorchScript), QStringLiteral("torchscript"));
        // Missing paths and folders without model.json are NotFound, naming the path.
        const auto missing = fopro::ml::resolveTeacher(dir.path() + QStringLiteral("/none"));
        QVERIFY(!missing);
        QCOMPARE(missing.error().code, fopro::ErrorCode::NotFound);
        QVERIFY(!fopro::ml::resolveTeacher(dir.path()));

        fopro::ml::TeacherOptions options;
        options.outputLayer = QStringLiteral("dense");
        const auto tfjs = fopro::ml::loadTeacher(dir.path() + QStringLiteral("/tfjs"), options);
        QVERIFY2(tfjs, qPrintable(tfjs ? QString() : tfjs.error().message()));
        QCOMPARE(tfjs->featureDim(), 3);
        const auto script = fopro::ml::loadTeacher(dir.path() + QStringLiteral("/sum.pt"));
        QVERIFY2(script, qPrintable(script ? QString() : script.error().message()));
        QCOMPARE(script->featureDim(), 3);
        // An output layer makes no sense for TorchScript.
        const auto layered = fopro::ml::loadTeacher(dir.path() + QStringLiteral("/sum.pt"), options);
        QVERIFY(!layered);
        QCOMPARE(layered.error().code, fopro::ErrorCode::InvalidArgument);
    }
};

QTEST_GUILESS_MAIN(TestTeacher)
#include "tst_teacher.moc"
