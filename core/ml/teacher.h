#pragma once
// The frozen teacher f_t of FoPro-KD: a feature extractor loaded from a TF.js layers model (the
// standard layout: model.json + binary weight shards, e.g. the demo MobileNetV2 converted by
// packaging/convert-tfjs-teacher.js) or from a TorchScript file exported by the user.
//
// Plain C++ header (no torch types except the forward-declared at::Tensor of `forward`).
// Errors travel as fopro::Result (core/common/result.h, QString-based; fopro_core_ml links Qt6::Core
// publicly for it), naming the file and the reason.
//
// Contract of every teacher:
//  - input: N×3×H×W float RGB in [0,1] (the student's input tensor). When the teacher declares an
//    input size (inputSize() > 0) and H×W differs, the input is resized bilinearly to it first;
//    TorchScript teachers then apply their own mean/std normalisation, TF.js teachers take [0,1].
//  - output: N×D features (featureDim() = D).
//  - frozen: eval mode, no parameter requires a gradient; forward() stays differentiable with
//    respect to its input (the Fourier prompt's gradients flow through the teacher).
//  - copies share the same frozen network.

#include "core/common/result.h"

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace at {
class Tensor;
}

namespace fopro::ml {

class Teacher {
public:
    /// Imports a TF.js layers model (functional "Model"/"Functional" or "Sequential" topology).
    /// `modelJson`: path of model.json; its weightsManifest paths are relative to its folder.
    /// Weights: float32, or uint8/uint16-quantised per tensor (w = q·scale + min).
    /// `outputLayer`: the layer whose output is the feature (the model is truncated there; only
    /// the layers it depends on must be supported); empty = the model's own output.
    /// `globalAveragePool`: a 4-D output (N×C×H×W) is averaged over H, W → N×C. Without it a 4-D
    /// output is flattened (in Keras' H, W, C order) to N×(H·W·C).
    /// Supported layer classes: InputLayer, ZeroPadding2D, Conv2D, DepthwiseConv2D,
    /// BatchNormalization, ReLU, Activation (relu, relu6, linear, softmax, sigmoid, tanh), Add,
    /// Concatenate, AveragePooling2D, MaxPooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D,
    /// Flatten, Dropout, Dense. Anything else in the used part is an Unsupported error naming it.
    static Result<Teacher> loadTfjs(const std::string &modelJson, const std::string &outputLayer = {},
                                    bool globalAveragePool = true);

    /// Loads a TorchScript module (torch::jit::load). Its forward takes N×3×S×S normalised input,
    /// (x − mean)/std per channel; an N×D output is used as is, N×C×H×W is global-average-pooled.
    /// `inputSize` S (> 0, or 0 = take the input's size as is). `sidecarJson` (optional, empty =
    /// none) may override: {"inputSize": 224, "mean": [..3], "std": [..3], "name": "..."}.
    /// The feature dimension and the time per image come from a dry run at load time.
    static Result<Teacher> loadTorchScript(const std::string &path, int inputSize,
                                           const std::array<float, 3> &mean = {0.485f, 0.456f, 0.406f},
                                           const std::array<float, 3> &std = {0.229f, 0.224f, 0.225f},
                                           const std::string &sidecarJson = {});

    Teacher(const Teacher &) = default;
    Teacher(Teacher &&) noexcept = default;
    Teacher &operator=(const Teacher &) = default;
    Teacher &operator=(Teacher &&) noexcept = default;
    ~Teacher();

    int featureDim() const;
    /// Square input side the teacher declares (e.g. 224), 0 when it takes any size.
    int inputSize() const;
    /// A teacher sharing this one's frozen network that resizes its input to `side`×`side` instead
    /// (0 = take the input as it is). For convolutional teachers on small images (a run knob:
    /// the teacher's input size); secondsPerImage() is measured again at the new size.
    Teacher withInputSize(int side) const;
    /// One line for people: kind, file, output layer, layer count, input size, feature size.
    std::string description() const;
    /// Seconds per image of a forward pass at inputSize(), measured by the dry run at load time
    /// (batch of one, after a warm-up pass).
    double secondsPerImage() const;

    /// N×3×H×W float RGB in [0,1] → N×featureDim() (float32, CPU).
    at::Tensor forward(const at::Tensor &nchw01) const;

    struct Impl;

private:
    explicit Teacher(std::shared_ptr<Impl> impl);
    std::shared_ptr<Impl> m_impl;
};

// ---- Loading a teacher from a path (the CLI, the trainer and the GUI all go through here) ---------

enum class TeacherKind {
    TfjsLayers,  ///< a TF.js layers model: model.json (+ weight shards)
    TorchScript, ///< a TorchScript file, with an optional sidecar JSON beside it (exportSidecarPath)
};

/// "tfjs" or "torchscript" (TrainConfig's teacher.kind).
QString teacherKindName(TeacherKind kind);
/// Parses "tfjs" / "torchscript"; false for anything else.
bool parseTeacherKind(const QString &text, TeacherKind *kind);

/// Where a teacher path points.
struct TeacherSource {
    TeacherKind kind = TeacherKind::TorchScript;
    QString file; ///< the model.json or the TorchScript file (absolute)
};

/// The one place the kind of a teacher is decided: a folder holding model.json, or a file whose
/// content is a JSON object with "modelTopology", is a TF.js layers model; any other file is taken
/// as TorchScript. NotFound for a missing path or a folder without model.json.
Result<TeacherSource> resolveTeacher(const QString &path);

struct TeacherOptions {
    QString outputLayer; ///< TF.js: the layer whose (pooled) output is the feature; empty = the model's output
    int inputSize = 0;   ///< TorchScript: the input side S (0 = take the input as it is); a sidecar may override
    std::array<float, 3> mean{{0.485f, 0.456f, 0.406f}}; ///< TorchScript normalisation (a sidecar may override)
    std::array<float, 3> std{{0.229f, 0.224f, 0.225f}};
};

/// Loads the teacher at `source` (TF.js layers model or TorchScript with its sidecar when present).
Result<Teacher> loadTeacher(const TeacherSource &source, const TeacherOptions &options = {});
/// resolveTeacher(path), then loadTeacher. InvalidArgument when an output layer is given for a
/// TorchScript teacher.
Result<Teacher> loadTeacher(const QString &path, const TeacherOptions &options = {});

/// One layer of a TF.js layers model (for choosing the feature layer: `fopro teacher inspect`).
struct TeacherLayer {
    QString name;
    QString className; ///< the Keras class ("Conv2D", "BatchNormalization", ...)
    std::vector<std::int64_t>
        outputShape; ///< Keras order, batch first as -1: {-1, H, W, C} or {-1, D}; empty = unknown
};

/// Every layer of a TF.js layers model (`modelJson`: its model.json) in topological order (Keras'
/// own order when it is one), with its output shape for a `inputSize`×`inputSize` input (0: the
/// size the model declares, else 224), found by running the model once. The shapes stay empty when
/// the model cannot run (a layer class the importer does not support, missing weights): the names
/// and classes are still listed. Errors: NotFound, Malformed (not a TF.js layers model.json).
Result<std::vector<TeacherLayer>> listTfjsLayers(const QString &modelJson, int inputSize = 0);

} // namespace fopro::ml
