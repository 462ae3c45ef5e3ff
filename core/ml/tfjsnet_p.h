#pragma once
// Private to core/ml (included by its .cpp files only; it includes torch): a TF.js layers model as a
// LibTorch module, one Op per Keras layer, run in topological order. teachertfjs.cpp builds it
// from model.json; tfjsnet.cpp runs it.

#include <torch/torch.h>

#include <string>
#include <vector>

namespace fopro::ml {

enum class OpKind {
    Input,
    ZeroPad,
    Conv,
    Depthwise,
    BatchNorm,
    Relu,
    Activation,
    Add,
    Concat,
    AvgPool,
    MaxPool,
    GlobalAvgPool,
    GlobalMaxPool,
    Flatten,
    Identity,
    Dense
};

enum class Act { Linear, Relu, Relu6, Softmax, Sigmoid, Tanh };

struct Op {
    std::string name;
    OpKind kind = OpKind::Identity;
    std::vector<int> inputs; // indices of earlier ops
    // Convolution / pooling geometry.
    int kernel[2] = {1, 1};
    int stride[2] = {1, 1};
    int dilation[2] = {1, 1};
    bool same = false;         // TF "same" padding (computed per input size)
    int pad[4] = {0, 0, 0, 0}; // ZeroPadding2D: top, bottom, left, right
    int groups = 1;
    bool keepDims = false; // global pooling
    int axis = -1;         // Concatenate (Keras axis)
    // Activation / ReLU.
    Act act = Act::Linear;
    double maxValue = -1.0; // ReLU max_value (< 0: none)
    double negativeSlope = 0.0;
    // Weights (already in torch layout).
    torch::Tensor weight, bias, bnScale, bnShift;
    // Set by TfjsNetImpl::prepare on the steps of the fused plan only.
    int convPadding[2] = {0, 0}; // a symmetric ZeroPadding2D folded into this convolution
    bool addInPlace = false;     // Add: accumulate into the first input (its only consumer is this op)
};

struct TfjsNetImpl : torch::nn::Module {
    std::vector<Op> ops;
    int output = -1;
    bool globalAveragePool = true;

    /// Builds the fused plan forward() runs (call once after the ops are complete, before any
    /// forward): batch norm folded into the convolution before it, ReLU/ReLU6 applied in place on
    /// the convolution's output, symmetric zero padding done by the convolution itself, residual
    /// additions in place, and each intermediate value released after its last consumer ran.
    /// forwardAll keeps running the ops one by one (it reports every layer's own output).
    void prepare();
    /// N×3×H×W → N×D (a 4-D output is pooled or flattened in Keras' order, see Teacher::loadTfjs).
    torch::Tensor forward(const torch::Tensor &input);
    /// The output of every op (NCHW or N×D, as computed), in the order of `ops`; undefined for an op
    /// that cannot run on this input (and for the ops that depend on it).
    std::vector<torch::Tensor> forwardAll(const torch::Tensor &input);

private:
    std::vector<Op> m_plan;               // the fused steps (inputs index m_plan); empty before prepare
    std::vector<std::vector<int>> m_free; // per step: the values no later step reads
    int m_planOutput = -1;
};
TORCH_MODULE(TfjsNet);

} // namespace fopro::ml
