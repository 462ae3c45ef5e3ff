#pragma once
// Grad-CAM (Selvaraju et al. 2017, "Grad-CAM: visual explanations from deep networks via
// gradient-based localization"): where in an image a convolutional network looks for a score.
//   A_k    the activation maps (channel k, H'×W') of the explained convolutional layer
//   w_k    = mean over space of ∂score/∂A_k
//   heat   = ReLU(Σ_k w_k A_k), upsampled bilinearly to the image's size, divided by its maximum
//            (all zero when the maximum is 0: nothing in the image raises the score)
// The score is a class logit (before the softmax, as in the paper) for a student; a teacher has no
// classes, see forTeacher.
//
// Plain C++ header (PIMPL, no torch types). Copies share the same network. explain() may be called
// from any thread, one call at a time per network (the GUI runs it on its I/O pool).

#include "core/common/result.h"

#include <QtCore/QString>
#include <QtCore/QStringList>

#include <opencv2/core/mat.hpp>

#include <memory>
#include <vector>

namespace fopro::ml {

struct GradCamResult {
    cv::Mat heat;                     ///< CV_32F, the input image's size, in [0,1]
    int explainedClass = -1;          ///< the class whose logit was explained; -1 for a teacher
    int predictedClass = -1;          ///< the arg-max of the probabilities; -1 for a teacher
    std::vector<float> probabilities; ///< softmax of the logits (empty for a teacher)
    QString layer;                    ///< the explained layer ("layer4", a TF.js layer name, a graph value)
};

class GradCam {
public:
    /// The student of an exported model (TorchScript + sidecar, core/ml/export.h), explained at its
    /// last convolutional block (layer4, before the global pooling). The image is prepared as
    /// ExportedModel prepares it (the sidecar's size, resize policy, mean/std). Errors: those of
    /// ExportedModel::load (NotFound, Malformed, Unsupported), naming the file.
    static Result<GradCam> forExportedModel(const QString &modelFile);
    /// A run's best student (checkpoints/best.pt + config.json), at its last convolutional block
    /// (layer4), prepared as the run's configuration says (imageSize, resizePolicy, mean/std).
    /// Errors: NotFound (not a run, no best.pt yet), Malformed (no class names, unreadable weights).
    static Result<GradCam> forRun(const QString &runDir);
    /// A CNN teacher (a TF.js layers model, or TorchScript with its optional sidecar; the kind is
    /// decided by resolveTeacher) explained at `layer`:
    ///  - TF.js: a layer name (as `fopro teacher inspect` lists them) whose output is 4-D;
    ///    empty = the last layer of the model with a 4-D output larger than 1×1.
    ///  - TorchScript: must be empty: the last 4-D activation (spatially larger than 1×1) computed
    ///    by the module's forward (found by running it once on a grey image).
    /// A teacher has no classes: the explained score is the squared L2 norm of its pooled feature,
    /// ‖GAP(A)‖² with A the explained layer's activation (the feature a run distils from when
    /// its teacher.outputLayer is that layer), so the heat shows what makes the feature strong.
    /// `inputSize`: the image side fed to the teacher (0 = the size it declares, else 224).
    /// Errors: NotFound (no such file / layer), InvalidArgument (a layer whose output is not 4-D,
    /// a layer named for a TorchScript teacher), Malformed / Unsupported from the loaders.
    static Result<GradCam> forTeacher(const QString &teacherPath, const QString &layer, int inputSize = 0);

    GradCam(const GradCam &) = default;
    GradCam(GradCam &&) noexcept = default;
    GradCam &operator=(const GradCam &) = default;
    GradCam &operator=(GradCam &&) noexcept = default;
    ~GradCam();

    /// Explains one RGB8 image (CV_8UC3, any size; resized as the model's sidecar / run / teacher
    /// says). targetClass −1 = the predicted class; a teacher takes −1 only. The heat has the
    /// image's own size. Errors (InvalidArgument): an empty or non-RGB8 image, a target class
    /// outside 0..C-1 (or other than −1 for a teacher); Internal for a failure inside torch.
    Result<GradCamResult> explain(const cv::Mat &rgb8, int targetClass = -1) const;

    /// The classes of a student (empty for a teacher).
    QStringList classNames() const;
    /// One line for people: what is explained, from which file, at which layer and size.
    QString description() const;
    /// The explained layer's name (see GradCamResult::layer).
    QString layer() const;
    /// The square side the image is resized to before the network.
    int inputSize() const;
    /// True for a student (class scores), false for a teacher (feature norm).
    bool hasClasses() const;

    struct Impl;

private:
    explicit GradCam(std::shared_ptr<Impl> impl);
    std::shared_ptr<const Impl> m_impl;
};

/// Colour maps of overlayHeat.
enum class HeatColourMap {
    Jet,     ///< cv::COLORMAP_JET, the usual Grad-CAM picture
    Viridis, ///< cv::COLORMAP_VIRIDIS, readable with colour-blind vision
};

/// The heat map blended over the image as RGB8 (CV_8UC3, the image's size):
/// out = (1 − opacity)·image + opacity·colour(heat) per pixel, the heat first resized (bilinear)
/// to the image when its size differs. `opacity` is clamped to [0,1]; an empty heat returns a copy
/// of the image. Expects CV_8UC3 RGB and a CV_32F heat in [0,1] (values outside are clamped).
cv::Mat overlayHeat(const cv::Mat &rgb8, const cv::Mat &heat, double opacity,
                    HeatColourMap colours = HeatColourMap::Jet);

} // namespace fopro::ml
