#pragma once
// Deployment export of a trained student (backbone g + main classifier fc; the EKD heads are
// training-only and never exported) as a TorchScript file plus a JSON sidecar, and the loader that
// runs such an export on RGB images.
//
// The TorchScript module is built in C++ (no Python involved): a module hierarchy in torchvision's
// layout (conv1, bn1, layer1.0.conv1, ..., layer2.0.downsample.0/1, fc) whose parameters and
// buffers are copies of Student::namedState(), so `state_dict()` of the loaded module in Python has
// exactly the student's (= torchvision's) keys. Every submodule has a TorchScript `forward` made of
// functional ops (torch.conv2d, torch.batch_norm with training=False, torch.relu, torch.max_pool2d,
// torch.adaptive_avg_pool2d, torch.flatten, torch.linear); the root also has `features(x)`.
//   forward(x): x = N×3×S×S float, RGB scaled to [0,1] then normalised per channel,
//               (x − mean)/std → N×C logits (the student's forward in evaluation mode: batch norm
//               always uses the running statistics, whatever mode the student was in).
//   Cosine classifier: logits = scale · linear(normalize(f), normalize(fc.weight)) (dim 1, eps 1e-12,
//   no bias; fc.bias is still in the state dict, unused), scale stored as the float attribute
//   `fc.scale`.
// Python: m = torch.jit.load("model.pt"); m.eval(); m(x) — no FoPro-KD code needed.
//
// Sidecar `<base name>.json` beside the model (model.pt → model.json), also embedded in the .pt as
// the extra file "fopro.json" (Python: torch.jit.load(p, _extra_files={"fopro.json": ""})):
//   {"format": "fopro-kd-student-torchscript", "formatVersion": 1, "modelFile": "model.pt",
//    "architecture": "resnet18" | "cifar_resnet", "widthMultiplier", "cifarBlocks" (cifar_resnet),
//    "cosineClassifier", "cosineScale", "featureDim", "numClasses", "classNames": [...],
//    "inputSize": S, "inputChannels": 3, "mean": [3], "std": [3],
//    "resizePolicy": "stretch" | "crop" | "letterbox", "pixelScale": "rgb8/255",
//    "output": "logits", "extra": {...caller's extra}}
// Its inputSize/mean/std keys are those Teacher::loadTorchScript's sidecar understands.
//
// Plain C++ header (PIMPL): torch types are forward-declared only. Errors travel as fopro::Result
// naming the file and the reason.

#include "core/common/result.h"

#include <QtCore/QJsonObject>
#include <QtCore/QString>
#include <QtCore/QStringList>

#include <opencv2/core/mat.hpp>

#include <array>
#include <memory>
#include <vector>

namespace at {
class Tensor;
}

namespace fopro::ml {

class Student;

/// Value of the sidecar's "format" key, and the version this code writes and reads.
inline constexpr const char *kExportFormat = "fopro-kd-student-torchscript";
inline constexpr int kExportFormatVersion = 1;

/// What the deployment needs besides the weights.
struct ExportInfo {
    QStringList classNames;                              ///< one per output, in logit order
    int inputSize = 224;                                 ///< S: the model takes S×S images
    std::array<float, 3> mean{{0.485f, 0.456f, 0.406f}}; ///< per RGB channel, on [0,1] pixels
    std::array<float, 3> std{{0.229f, 0.224f, 0.225f}};  ///< per RGB channel, > 0
    QString resizePolicy = QStringLiteral("crop");       ///< "stretch", "crop" or "letterbox"
    QJsonObject extra;                                   ///< free-form (run id, metrics, ...), kept as "extra"
};

/// The sidecar path of a model file: same folder and base name, suffix .json
/// ("/out/model.pt" → "/out/model.json", "/out/model" → "/out/model.json").
QString exportSidecarPath(const QString &modelPath);

/// Writes the student as TorchScript to `modelPath` and the sidecar next to it (see the file
/// comment). Both are written to temporary names first and renamed into place, the sidecar first.
/// Errors: InvalidArgument (class count ≠ numClasses, input size ≤ 0, std ≤ 0, unknown resize
/// policy, inputChannels ≠ 3, a model path ending in .json), Unsupported (state keys this exporter
/// does not know), WriteFailed (naming the file that could not be written).
Result<void> exportTorchScript(Student &student, const ExportInfo &info, const QString &modelPath);

/// Exports the best student of a run (checkpoints/best.pt) as TorchScript + sidecar JSON into
/// `outDir` (default: <run>/export). The class names come from the run itself, so a run exports
/// even when its dataset moved. Returns the path of the model file.
Result<QString> exportRun(const QString &runDir, const QString &outDir = {});

/// An exported model loaded for inference (copies share the same module).
class ExportedModel {
public:
    /// Reads the sidecar (exportSidecarPath(modelPath)) and the TorchScript module, then checks with
    /// one dry run on a zero image that the module returns 1 × classNames().size(). Errors name the
    /// file: NotFound (model or sidecar missing), Malformed (sidecar not JSON, wrong format tag or
    /// missing/invalid fields; model not a loadable TorchScript file; output shape that does not
    /// match the class count), Unsupported (a newer formatVersion).
    /// `arithmetic`: Fast (the default) runs a copy frozen with batch norm folded into the
    /// convolutions and rewritten for oneDNN (torch::jit::optimize_for_inference), whose outputs
    /// differ from the training-time student's in the last bits of a float (about 1e-6 relative);
    /// AsTrained runs the module as written, for
    /// comparisons that must reproduce the recorded metrics exactly (the package re-check).
    enum class Arithmetic { Fast, AsTrained };
    static Result<ExportedModel> load(const QString &modelPath, Arithmetic arithmetic = Arithmetic::Fast);

    ExportedModel(const ExportedModel &) = default;
    ExportedModel(ExportedModel &&) noexcept = default;
    ExportedModel &operator=(const ExportedModel &) = default;
    ExportedModel &operator=(ExportedModel &&) noexcept = default;
    ~ExportedModel();

    QString modelPath() const;
    QString sidecarPath() const;
    /// The whole sidecar as read.
    QJsonObject sidecar() const;
    QStringList classNames() const;
    int numClasses() const;
    int inputSize() const;
    std::array<float, 3> mean() const;
    std::array<float, 3> std() const;
    /// "stretch", "crop" or "letterbox".
    QString resizePolicy() const;
    /// "resnet18" or "cifar_resnet", as recorded in the sidecar.
    QString architecture() const;

    /// For each CV_8UC3 RGB image (any size): resizeImage to inputSize() with resizePolicy()
    /// (core/data/imageloader.h), /255, (x − mean)/std, the module's forward (batches of 32), softmax.
    /// One vector of numClasses() probabilities per image, in input order. InvalidArgument for an
    /// empty image or one that is not 8-bit 3-channel (naming its index).
    Result<std::vector<std::vector<float>>> predictProbabilities(const std::vector<cv::Mat> &rgb8Images) const;
    /// Same preprocessing; the raw logits.
    Result<std::vector<std::vector<float>>> predictLogits(const std::vector<cv::Mat> &rgb8Images) const;

    /// The module's forward on an already normalised N×3×S×S float tensor (no grad): N×C logits.
    at::Tensor forward(const at::Tensor &normalised) const;

    struct Impl;

private:
    explicit ExportedModel(std::shared_ptr<Impl> impl);
    std::shared_ptr<Impl> m_impl;
};

} // namespace fopro::ml
