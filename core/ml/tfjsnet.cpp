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

/// The activation of a convolution (or of a ReLU folded into it) on its fresh output, in place
/// where autograd allows it (ReLU and ReLU6 keep only their result for the backward pass).
torch::Tensor applyActInPlace(torch::Tensor &y, const Op &op)
{
    if (op.kind == OpKind::Relu) {
        if (op.maxValue >= 0.0) return torch::hardtanh_(y, 0.0, op.maxValue);
        return torch::relu_(y);
    }
    switch (op.act) {
    case Act::Relu:
        return torch::relu_(y);
    case Act::Relu6:
        return torch::hardtanh_(y, 0.0, 6.0);
    default:
        return applyAct(y, op.act);
    }
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
        int64_t padH = op.convPadding[0], padW = op.convPadding[1];
        if (op.same) {
            const auto [t, b] = samePadding(x.size(2), op.kernel[0], op.stride[0], op.dilation[0]);
            const auto [l, r] = samePadding(x.size(3), op.kernel[1], op.stride[1], op.dilation[1]);
            if (t == b && l == r) { // the convolution pads symmetric borders itself, without a copy
                padH += t;
                padW += l;
            } else {
                in = F::pad(x, F::PadFuncOptions({l, r, t, b}));
            }
        }
        y = F::conv2d(in, op.weight,
                      F::Conv2dFuncOptions()
                          .bias(op.bias)
                          .stride({op.stride[0], op.stride[1]})
                          .padding({padH, padW})
                          .dilation({op.dilation[0], op.dilation[1]})
                          .groups(op.groups));
        y = applyActInPlace(y, op);
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
            y = op.addInPlace ? y.add_(values[size_t(op.inputs[k])]) : y + values[size_t(op.inputs[k])];
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

namespace {

bool isConv(const Op &op)
{
    return op.kind == OpKind::Conv || op.kind == OpKind::Depthwise;
}

/// A ReLU or ReLU6 layer (no leak), which applyActInPlace can run on a convolution's output.
bool isFoldableRelu(const Op &op)
{
    if (op.kind == OpKind::Relu) return op.negativeSlope == 0.0;
    return op.kind == OpKind::Activation && (op.act == Act::Relu || op.act == Act::Relu6);
}

/// Conv → BatchNorm as one convolution: w' = w·s per output channel, b' = b·s + t (in double).
void foldBatchNorm(Op &conv, const Op &bn)
{
    const torch::Tensor scale = bn.bnScale.to(torch::kFloat64);
    const torch::Tensor shift = bn.bnShift.to(torch::kFloat64);
    const torch::Tensor w = conv.weight.to(torch::kFloat64) * scale.view({-1, 1, 1, 1});
    const torch::Tensor b = conv.bias.defined() ? conv.bias.to(torch::kFloat64) * scale + shift : shift;
    conv.weight = w.to(torch::kFloat32);
    conv.bias = b.to(torch::kFloat32);
}

} // namespace

void TfjsNetImpl::prepare()
{
    m_plan.clear();
    m_free.clear();
    const int last = output;
    // How many ops read each value (the output counts as read once more: it must survive).
    std::vector<int> readers(ops.size(), 0);
    for (int i = 0; i <= last; ++i)
        for (int in : ops[size_t(i)].inputs)
            ++readers[size_t(in)];
    ++readers[size_t(last)];
    std::vector<int> stepOf(ops.size(), -1); // op index → the plan step that produces its value
    for (int i = 0; i <= last; ++i) {
        const Op &op = ops[size_t(i)];
        const int first = op.inputs.empty() ? -1 : op.inputs[0];
        const bool solo = first >= 0 && op.inputs.size() == 1 && readers[size_t(first)] == 1;
        Op *producer = solo ? &m_plan[size_t(stepOf[size_t(first)])] : nullptr;
        // The producer's own value is no longer observable once folded: only its single reader used it.
        if (producer && op.kind == OpKind::BatchNorm && isConv(*producer) && producer->act == Act::Linear &&
            op.bnScale.defined() && op.bnScale.size(0) == producer->weight.size(0)) {
            foldBatchNorm(*producer, op);
            stepOf[size_t(i)] = stepOf[size_t(first)];
            continue;
        }
        if (producer && isFoldableRelu(op) && isConv(*producer) && producer->act == Act::Linear) {
            const bool capped6 = op.kind == OpKind::Relu ? op.maxValue == 6.0 : op.act == Act::Relu6;
            const bool plain = op.kind == OpKind::Relu ? op.maxValue < 0.0 : op.act == Act::Relu;
            if (capped6 || plain) {
                producer->act = capped6 ? Act::Relu6 : Act::Relu;
                stepOf[size_t(i)] = stepOf[size_t(first)];
                continue;
            }
        }
        Op step = op;
        for (int &in : step.inputs)
            in = stepOf[size_t(in)];
        if (isConv(step) && !step.same && !step.inputs.empty()) {
            // A symmetric ZeroPadding2D read by this convolution only becomes the convolution's padding.
            const Op &pad = m_plan[size_t(step.inputs[0])];
            if (pad.kind == OpKind::ZeroPad && readers[size_t(first)] == 1 && pad.pad[0] == pad.pad[1] &&
                pad.pad[2] == pad.pad[3] && pad.inputs.size() == 1) {
                step.convPadding[0] = pad.pad[0];
                step.convPadding[1] = pad.pad[2];
                step.inputs[0] = pad.inputs[0];
                Op &unread = m_plan[size_t(stepOf[size_t(first)])]; // nothing reads the padded copy now
                unread.kind = OpKind::Identity;
                unread.inputs.clear();
            }
        }
        stepOf[size_t(i)] = int(m_plan.size());
        m_plan.push_back(std::move(step));
    }
    m_planOutput = stepOf[size_t(last)];
    // Each value is released after its last reader ran.
    std::vector<int> lastRead(m_plan.size(), -1);
    for (size_t k = 0; k < m_plan.size(); ++k)
        for (int in : m_plan[k].inputs)
            lastRead[size_t(in)] = int(k);
    m_free.assign(m_plan.size(), {});
    for (size_t v = 0; v < m_plan.size(); ++v)
        if (int(v) != m_planOutput && lastRead[v] >= 0) m_free[size_t(lastRead[v])].push_back(int(v));
    // A residual sum accumulates into its first input when nothing else reads that value and
    // autograd keeps nothing of it: the fresh output of a convolution without activation, or of
    // another sum.
    std::vector<int> reads(m_plan.size(), 0);
    for (const Op &step : m_plan)
        for (int in : step.inputs)
            ++reads[size_t(in)];
    const auto accumulable = [&](int v) {
        const Op &t = m_plan[size_t(v)];
        const bool fresh = (isConv(t) && t.act == Act::Linear) || t.kind == OpKind::Add;
        return fresh && reads[size_t(v)] == 1 && v != m_planOutput;
    };
    for (Op &step : m_plan) {
        if (step.kind != OpKind::Add) continue;
        // a + b is b + a exactly in floating point: a two-input sum may accumulate into either.
        if (step.inputs.size() == 2 && !accumulable(step.inputs[0]) && accumulable(step.inputs[1]))
            std::swap(step.inputs[0], step.inputs[1]);
        step.addInPlace = accumulable(step.inputs[0]);
    }
}

torch::Tensor TfjsNetImpl::forward(const torch::Tensor &input)
{
    TORCH_CHECK(!m_plan.empty(), "TfjsNet::forward before prepare()");
    std::vector<torch::Tensor> values(m_plan.size());
    for (size_t k = 0; k <= size_t(m_planOutput); ++k) {
        const Op &step = m_plan[k];
        values[k] = runOp(step, step.inputs.empty() ? input : values[size_t(step.inputs[0])], values);
        for (int v : m_free[k])
            values[size_t(v)] = torch::Tensor();
    }
    torch::Tensor out = values[size_t(m_planOutput)];
    if (out.dim() == 4)
        out = globalAveragePool ? out.mean({2, 3}) : out.permute({0, 2, 3, 1}).flatten(1);
    else if (out.dim() != 2)
        out = out.flatten(1);
    return out;
}

} // namespace fopro::ml
