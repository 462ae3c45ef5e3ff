#pragma once
// Student networks of FoPro-KD (the backbone g and main classifier fc of docs/method.md) and the EKD
// training heads (projection head p and auxiliary classifier fc_aux).
//
// Students:
//  - "resnet18": ResNet-18 in torchvision's layout (7×7 stride-2 conv stem, BN, ReLU, 3×3 stride-2
//    max-pool, four stages of [2,2,2,2] BasicBlocks with widths 64/128/256/512 × width multiplier,
//    1×1 conv + BN downsample where the shape changes, adaptive average pool, fc). The parameter and
//    buffer names are exactly torchvision's state_dict keys (conv1.weight, bn1.running_mean,
//    layer1.0.conv1.weight, layer2.0.downsample.0.weight, layer2.0.downsample.1.bias, fc.weight, ...),
//    so weights can be exchanged with torchvision in both directions.
//  - "cifar_resnet": the small-image variant (3×3 stride-1 stem, no max-pool) for inputs of at most
//    about 64 px; same names, configurable blocks per stage ([2,2,2,2] or e.g. [1,1,1,1]) and width.
//
// Initialisation follows torchvision: convolutions Kaiming-normal (fan_out, ReLU), batch norm
// weight 1 and bias 0, linear layers PyTorch's default (Kaiming-uniform a=√5, uniform bias).
//
// Plain C++ header (PIMPL): torch types are forward-declared only; the torch modules (XxxImpl +
// TORCH_MODULE) live in models.cpp. Errors travel as fopro::Result naming the file and the reason.

#include "core/common/result.h"

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace at {
class Tensor;
}

namespace fopro::ml {

/// Configuration of a student network.
struct StudentConfig {
    std::string architecture = "resnet18"; ///< "resnet18" (torchvision layout) or "cifar_resnet"
    double widthMultiplier = 1.0;          ///< stage widths round(64/128/256/512 · w), at least 1 each
    int numClasses = 1000;                 ///< outputs of fc (C)
    int inputChannels = 3;                 ///< channels of the input images
    /// Blocks per stage of "cifar_resnet" (each ≥ 1); "resnet18" always uses [2,2,2,2].
    std::array<int, 4> cifarBlocks{{2, 2, 2, 2}};
    /// ≥ 0: torch::manual_seed(seed) right before the weights are created, so the same seed gives
    /// the same initial network (note: this resets torch's global CPU generator). < 0: use the
    /// global generator as it is.
    std::int64_t seed = 0;
    /// Cosine classifier (LDAM's NormedLinear): logits = cosineScale · normalize(f)·normalize(W)ᵀ,
    /// with fc.bias kept in the state but unused. Off: the plain fc (W f + b).
    bool cosineClassifier = false;
    double cosineScale = 30.0; ///< s of the cosine classifier (LDAM's s = 30)
};

/// What loadParameters does with the classifier fc.
enum class ClassifierLoad {
    Strict,         ///< fc must be in the file with the model's shape, like every other parameter
    SkipOnMismatch, ///< when fc.weight/fc.bias are missing or their shape differs (another number of
                    ///< classes, e.g. ImageNet weights for a 7-class task), keep the freshly
                    ///< initialised fc and load everything else strictly
};

/// Checks a configuration; InvalidArgument naming the field otherwise.
Result<void> validateStudentConfig(const StudentConfig &config);

/// The student g + fc (movable, not copyable).
class Student {
public:
    /// Builds the network. Throws std::invalid_argument for an invalid configuration (see
    /// validateStudentConfig / create for the non-throwing way).
    explicit Student(const StudentConfig &config = {});
    /// validateStudentConfig, then construction.
    static Result<Student> create(const StudentConfig &config);

    ~Student();
    Student(Student &&) noexcept;
    Student &operator=(Student &&) noexcept;
    Student(const Student &) = delete;
    Student &operator=(const Student &) = delete;

    const StudentConfig &config() const;

    /// Pooled backbone feature g(x): B × featureDim() for x of B × inputChannels × H × W (float).
    at::Tensor features(const at::Tensor &x);
    /// Main classifier fc: B × featureDim() → B × numClasses.
    at::Tensor logits(const at::Tensor &features);
    /// logits(features(x)).
    at::Tensor forward(const at::Tensor &x);

    /// round(512 · widthMultiplier) (512 for the plain ResNet-18).
    int featureDim() const;
    int numClasses() const;

    /// The learnable parameters, in state-dict order (for optimisers; they share storage with the
    /// network, so an optimiser built on them trains it).
    std::vector<at::Tensor> parameters();
    /// Parameters and buffers (running statistics, num_batches_tracked) by state-dict name, in
    /// torchvision's state_dict order. The tensors share storage with the network.
    std::vector<std::pair<std::string, at::Tensor>> namedState();
    /// The names of namedState().
    std::vector<std::string> stateKeys() const;
    /// Number of learnable scalars (11,689,512 for ResNet-18 with 1000 classes).
    std::int64_t parameterCount() const;

    /// Training mode (batch norm uses and updates batch statistics) or evaluation mode.
    void train(bool on = true);
    void eval();
    bool isTraining() const;
    /// Puts the batch-norm layers alone in evaluation mode (they normalise with their running
    /// statistics and leave them as they are; their scale and shift still learn), the rest as it is.
    void freezeBatchNorm();

    /// Loads parameters and buffers by name from `path`: a TorchScript module (torch.jit.save /
    /// torch::jit::save, e.g. a scripted torchvision resnet18), an archive written by torch::save /
    /// saveParameters, or a pickled name → tensor dict (Python torch.save(model.state_dict()) in
    /// the zip format, torch::pickle_save). Every name must match and every shape must agree:
    /// missing and unexpected keys and shape differences are Malformed errors naming the file and
    /// the keys; nothing is changed unless the whole file fits. A missing num_batches_tracked is
    /// tolerated (old checkpoints lack it; the model's counter is kept). Tensors are converted to
    /// the model's dtype. See ClassifierLoad for the fc layer.
    Result<void> loadParameters(const std::string &path, ClassifierLoad classifier = ClassifierLoad::Strict);
    /// Writes parameters and buffers with torch::save (loadable by loadParameters and by
    /// torch::jit::load) to a temporary name next to `path`, then renames it over `path`.
    Result<void> saveParameters(const std::string &path) const;

    struct Impl;

private:
    std::unique_ptr<Impl> m_impl;
};

/// Configuration of the EKD heads.
struct EkdHeadsConfig {
    int featureDim = 512;  ///< student feature size (Student::featureDim(), 512·w)
    int hiddenDim = 512;   ///< width of the projection head's hidden layer (512 in EKD)
    int teacherDim = 512;  ///< D_t, the teacher's feature size
    int numClasses = 1000; ///< C
    std::int64_t seed = 0; ///< as StudentConfig::seed
};

/// EKD's training-only heads (docs/method.md, "EKD"):
///   projection head p: Linear(featureDim, 512) → BatchNorm1d(512) → ReLU → Linear(512, D_t),
///   auxiliary classifier fc_aux: Linear(D_t, C) on p(g(x)).
/// State names: projection.0.{weight,bias}, projection.1.{weight,bias,running_mean,running_var,
/// num_batches_tracked}, projection.3.{weight,bias}, fc_aux.{weight,bias}.
/// Note: in training mode BatchNorm1d needs more than one sample per batch.
class EkdHeads {
public:
    /// Throws std::invalid_argument for non-positive sizes.
    explicit EkdHeads(const EkdHeadsConfig &config = {});
    ~EkdHeads();
    EkdHeads(EkdHeads &&) noexcept;
    EkdHeads &operator=(EkdHeads &&) noexcept;
    EkdHeads(const EkdHeads &) = delete;
    EkdHeads &operator=(const EkdHeads &) = delete;

    const EkdHeadsConfig &config() const;

    /// p(features): B × featureDim → B × D_t (differentiable into the student's features).
    at::Tensor project(const at::Tensor &features);
    /// fc_aux(projected): B × D_t → B × C.
    at::Tensor auxLogits(const at::Tensor &projected);

    std::vector<at::Tensor> parameters();
    std::vector<std::pair<std::string, at::Tensor>> namedState();
    std::int64_t parameterCount() const;

    void train(bool on = true);
    void eval();
    bool isTraining() const;

    /// As Student::loadParameters / saveParameters (strict; no classifier exception).
    Result<void> loadParameters(const std::string &path);
    Result<void> saveParameters(const std::string &path) const;

    struct Impl;

private:
    std::unique_ptr<Impl> m_impl;
};

} // namespace fopro::ml
