#pragma once
// Private to core/ml (included by its .cpp files only; it includes torch): the shared state of a
// Teacher. teacher.cpp holds the common part and the TorchScript loader, teachertfjs.cpp the
// TF.js layers importer.

#include "core/ml/teacher.h"

#include <torch/script.h>
#include <torch/torch.h>

#include <functional>
#include <optional>
#include <string>

namespace fopro::ml {

struct Teacher::Impl {
    bool torchScript = false;
    /// TF.js: the imported network's forward (the lambda shares the module: copies share weights).
    std::function<torch::Tensor(const torch::Tensor &)> tfjs;
    std::optional<torch::jit::Module> script;
    torch::Tensor mean, std; // 1×3×1×1, TorchScript only
    int inputSize = 0;
    int featureDim = 0;
    double secondsPerImage = 0.0;
    std::string description;

    /// N×3×H×W in [0,1] → N×D (resizes to inputSize, normalises for TorchScript).
    torch::Tensor run(const torch::Tensor &nchw01);
    /// Dry run at load time: feature dimension and seconds per image (batch of one, after warm-up),
    /// on a deterministic test image (a colour ramp). Returns why the teacher cannot be used (its
    /// features there are not all finite: broken weights or layer settings), empty when fine.
    /// Throws what the network throws.
    std::string dryRun();
    /// A Teacher holding this state (the constructor is private to Teacher).
    static Teacher make(std::shared_ptr<Impl> impl) { return Teacher(std::move(impl)); }
};

} // namespace fopro::ml
