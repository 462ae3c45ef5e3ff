#include "core/ml/tfjsnet_p.h"

#include <limits>
#include <tuple>

namespace F = torch::nn::functional;

namespace fopro::ml {

namespace {

/// Tensors here are NCHW (4-D) or N×D (2-D); Keras' channel axis (-1) is dim 1.
int64_t torchAxis(int kerasAxis, int64_t rank)
{
    if (kerasAxis < 0) kerasAxis += int(rank);
    if (rank != 4) return kerasAxis;
    // Keras NHWC axis → torch NCHW dim.
    static const int64_t map[4] = {0, 2, 3, 1};
    return map[kerasAxis];
}

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
    case Act::Linear:
        return x;
    case Act::Relu:
        return torch::relu(x);
    case Act::Relu6:
        return torch::clamp(x, 0.0, 6.0);
    case Act::Softmax:
        return torch::softmax(x, x.dim() == 4 ? 1 : -1);
    case Act::Sigmoid:
        return torch::sigmoid(x);
    case Act::Tanh:
        return torch::tanh(x);
    }
    return x;
}

/// Average or max pooling with TF's "valid" or "same" padding.
torch::Tensor pool(const Op &op, const torch::Tensor &x)
{
    torch::Tensor y;
    int64_t t = 0, b = 0, l = 0, r = 0;
    if (op.same) {
        std::tie(t, b) = samePadding(x.size(2), op.kernel[0], op.stride[0], 1);
        std::tie(l, r) = samePadding(x.size(3), op.kernel[1], op.stride[1], 1);
    }
    const bool padded = t || b || l || r;
    const std::vector<int64_t> k{op.kernel[0], op.kernel[1]}, s{op.stride[0], op.stride[1]};
    if (op.kind == OpKind::MaxPool) {
        const torch::Tensor in =
            padded ? F::pad(x, F::PadFuncOptions({l, r, t, b}).value(-std::numeric_limits<double>::infinity())) : x;
        y = F::max_pool2d(in, F::MaxPool2dFuncOptions(k).stride(s));
    } else if (!padded) {
        y = F::avg_pool2d(x, F::AvgPool2dFuncOptions(k).stride(s));
    } else {
        // "same" average excludes the padding: sum over the window / valid count.
        const auto opts = F::PadFuncOptions({l, r, t, b});
        const torch::Tensor ones = torch::ones({1, 1, x.size(2), x.size(3)}, x.options());
        y = F::avg_pool2d(F::pad(x, opts), F::AvgPool2dFuncOptions(k).stride(s)) /
            F::avg_pool2d(F::pad(ones, opts), F::AvgPool2dFuncOptions(k).stride(s));
    }
    return y;
}

/// One op on its first input `x` (`values` holds the outputs of the earlier ops).
torch::Tensor runOp(const Op &op, const torch::Tensor &x, const std::vector<torch::Tensor> &values)
{
    torch::Tensor y;
    switch (op.kind) {
    case OpKind::Input:
    case OpKind::Identity:
        y = x;
        break;
    case OpKind::ZeroPad:
        y = F::pad(x, F::PadFuncOptions({op.pad[2], op.pad[3], op.pad[0], op.pad[1]}));
        break;
    case OpKind::Conv:
    case OpKind::Depthwise: {
        torch::Tensor in = x;
        if (op.same) {
            const auto [t, b] = samePadding(x.size(2), op.kernel[0], op.stride[0], op.dilation[0]);
            const auto [l, r] = samePadding(x.size(3), op.kernel[1], op.stride[1], op.dilation[1]);
            if (t || b || l || r) in = F::pad(x, F::PadFuncOptions({l, r, t, b}));
        }
        y = F::conv2d(in, op.weight,
                      F::Conv2dFuncOptions()
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
    case OpKind::Activation:
        y = applyAct(x, op.act);
        break;
    case OpKind::Add:
        y = x;
        for (size_t k = 1; k < op.inputs.size(); ++k)
            y = y + values[size_t(op.inputs[k])];
        break;
    case OpKind::Concat: {
        std::vector<torch::Tensor> parts;
        for (int k : op.inputs)
            parts.push_back(values[size_t(k)]);
        y = torch::cat(parts, torchAxis(op.axis, x.dim()));
        break;
    }
    case OpKind::AvgPool:
    case OpKind::MaxPool:
        y = pool(op, x);
        break;
    case OpKind::GlobalAvgPool:
        y = x.mean({2, 3}, op.keepDims);
        break;
    case OpKind::GlobalMaxPool:
        y = x.amax({2, 3}, op.keepDims);
        break;
    case OpKind::Flatten:
        y = x.dim() == 4 ? x.permute({0, 2, 3, 1}).flatten(1) : x.flatten(1);
        break;
    case OpKind::Dense:
        if (x.dim() == 4) // Keras applies Dense to the last (channel) axis
            y = F::linear(x.permute({0, 2, 3, 1}), op.weight, op.bias).permute({0, 3, 1, 2});
        else
            y = F::linear(x, op.weight, op.bias);
        y = applyAct(y, op.act);
        break;
    }
    return y;
}

} // namespace

std::vector<torch::Tensor> TfjsNetImpl::runOps(const torch::Tensor &input, int last)
{
    std::vector<torch::Tensor> values(ops.size());
    for (size_t i = 0; i < ops.size(); ++i) {
        const Op &op = ops[i];
        values[i] = runOp(op, op.inputs.empty() ? input : values[size_t(op.inputs[0])], values);
        if (int(i) == last) break;
    }
    return values;
}

std::vector<torch::Tensor> TfjsNetImpl::forwardAll(const torch::Tensor &input)
{
    std::vector<torch::Tensor> values(ops.size());
    for (size_t i = 0; i < ops.size(); ++i) {
        const Op &op = ops[i];
        bool ready = true;
        for (int in : op.inputs)
            ready = ready && values[size_t(in)].defined();
        if (!ready) continue;
        try {
            values[i] = runOp(op, op.inputs.empty() ? input : values[size_t(op.inputs[0])], values);
        } catch (const std::exception &) {
            // Left undefined (e.g. a Dense layer after Flatten at another input size), and so are its consumers.
        }
    }
    return values;
}

torch::Tensor TfjsNetImpl::forward(const torch::Tensor &input)
{
    const std::vector<torch::Tensor> values = runOps(input, output);
    torch::Tensor out = values[size_t(output)];
    if (out.dim() == 4)
        out = globalAveragePool ? out.mean({2, 3}) : out.permute({0, 2, 3, 1}).flatten(1);
    else if (out.dim() != 2)
        out = out.flatten(1);
    return out;
}

} // namespace fopro::ml
