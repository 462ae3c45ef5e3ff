#pragma once
// The configuration of one training run: every knob of docs/method.md plus the runtime settings.
// It is written in full to the run folder (config.json) and read back by `fopro train --config`,
// by resume and by evaluation. Plain C++/Qt: no torch here.
//
// JSON form: an object whose keys are the field names below (nested objects "student", "teacher",
// "prompt", "augment"). Missing keys keep their defaults; an unknown key is an error naming it
// (a misspelt knob must not silently fall back to a default).

#include "core/common/result.h"
#include "core/ml/fourierprompt.h"
#include "core/ml/models.h"

#include <QtCore/QJsonObject>
#include <QtCore/QString>

#include <array>
#include <cstdint>

namespace fopro::ml {

/// What the student learns from (docs/method.md, "Baselines the product offers").
enum class Strategy {
    CrossEntropy,    ///< "ce"
    Focal,           ///< "focal" (γ = focalGamma)
    ClassBalanced,   ///< "cb" (β = cbBeta)
    LdamDrw,         ///< "ldam_drw" (cosine classifier, margins, DRW in the last 20% of epochs)
    BalancedSoftmax, ///< "bsm"
    LogitAdjusted,   ///< "la" (τ = laTau)
    HintonKd,        ///< "kd": a teacher whose output is C class logits (e.g. an exported model)
    Ekd,             ///< "ekd": feature distillation, no prompt
    FoProKd,         ///< "fopro_kd": EKD with the Fourier prompt in front of the teacher
};

/// How the prompt step of FoPro-KD moves the prompt.
enum class PromptUpdate {
    Adversarial, ///< "akd": maximise the teacher–student discrepancy minus the regulariser
    Explore,     ///< "explore": minimise it (ablation)
};

QString strategyName(Strategy s);
bool parseStrategy(const QString &text, Strategy *s);
QString promptUpdateName(PromptUpdate u);
bool parsePromptUpdate(const QString &text, PromptUpdate *u);
/// True for the strategies that need a teacher (kd, ekd, fopro_kd).
bool strategyUsesTeacher(Strategy s);

struct TeacherSettings {
    QString kind = QStringLiteral("tfjs"); ///< "tfjs" (model.json) or "torchscript"
    QString path;                          ///< model.json or the TorchScript file
    QString outputLayer;                   ///< TF.js: the layer whose pooled output is the feature
    int inputSize = -1;                    ///< -1: the teacher's own; 0: the student's size; > 0: this side
    std::array<float, 3> mean{{0.485f, 0.456f, 0.406f}}; ///< TorchScript normalisation
    std::array<float, 3> std{{0.229f, 0.224f, 0.225f}};
    bool cacheFeatures = true; ///< cache f_t(x) when the teacher's input is deterministic
};

struct AugmentSettings {
    bool enabled = true;
    double cropScaleMin = 0.35; ///< random resized crop: area fraction in [cropScaleMin, 1]; ≥ 1 = off
    bool horizontalFlip = true;
    bool verticalFlip = false;  ///< sensible for dermoscopy, not for endoscopy
    double brightness = 0.2;    ///< colour jitter: factors in [1 − b, 1 + b]; 0 = off
    double contrast = 0.2;
    double saturation = 0.2;
};

struct TrainConfig {
    // --- data -------------------------------------------------------------------------------------
    QString dataset;  ///< dataset manifest (dataset.json) or a project folder holding one
    int imageSize = 224;
    QString resizePolicy = QStringLiteral("crop"); ///< "crop", "stretch", "letterbox"
    std::array<float, 3> mean{{0.485f, 0.456f, 0.406f}}; ///< student input normalisation
    std::array<float, 3> std{{0.229f, 0.224f, 0.225f}};
    AugmentSettings augment;
    QString sampler = QStringLiteral("shuffle"); ///< "shuffle" or "class_balanced"

    // --- models -----------------------------------------------------------------------------------
    StudentConfig student; ///< numClasses and seed are set from the dataset and `seed`
    QString studentInit;   ///< optional weights (TorchScript or saved parameters); fc kept if shapes differ
    TeacherSettings teacher;

    // --- objective --------------------------------------------------------------------------------
    Strategy strategy = Strategy::FoProKd;
    double focalGamma = 2.0;
    double cbBeta = 0.9999;
    double ldamMaxMargin = 0.5;
    double ldamScale = 30.0;
    double laTau = 1.0;
    double kdTemperature = 4.0;
    double kdAlpha = 0.9;       ///< Hinton KD: (1 − α)·CE + α·KD
    double ekdLambda = 3.0;     ///< λ of the feature loss
    bool cbFeatureLoss = false; ///< class-balanced feature loss in the last 20% of epochs
    double cbFeatureBeta = 0.9999;
    int ekdHiddenDim = 512;     ///< projection head width (512 in EKD)

    // --- Fourier prompt (fopro_kd) ----------------------------------------------------------------
    FourierPromptConfig prompt; ///< imageSize/channels follow the data
    PromptUpdate promptUpdate = PromptUpdate::Adversarial;
    double promptRegulariser = 1e-3;
    double promptLr = 1e-3;
    int promptEvery = 1; ///< k: a prompt step every k student steps

    // --- optimisation -----------------------------------------------------------------------------
    QString optimizer = QStringLiteral("adam"); ///< "adam" or "sgd"
    double lr = 3e-4;
    double momentum = 0.9;   ///< SGD
    bool nesterov = false;   ///< SGD
    double weightDecay = 0.0;
    QString schedule = QStringLiteral("constant"); ///< "constant", "cosine", "step"
    int stepEpochs = 30;     ///< step schedule: multiply by stepGamma every stepEpochs
    double stepGamma = 0.1;
    int warmupEpochs = 0;    ///< linear warm-up from lr/(warmup+1)
    double clipNorm = 5.0;   ///< gradient-norm clipping; ≤ 0 = off
    int epochs = 100;
    int batchSize = 32;

    // --- runtime ----------------------------------------------------------------------------------
    std::int64_t seed = 0;
    int threads = 0;  ///< torch intra-op threads; 0 = one per core
    int workers = 2;  ///< data-loading threads (decode + augmentation)
    std::int64_t cacheMegabytes = 1024; ///< decoded-image cache
    int many = 100;   ///< head: training count > many
    int few = 20;     ///< tail: training count < few
    int maxTrainBatches = 0; ///< > 0: stop each epoch after this many batches (smoke tests)

    QString runDir; ///< where the run folder goes (created; must be empty or not exist)

    QJsonObject toJson() const;
    /// Reads the JSON form; `file` names the source in errors.
    static Result<TrainConfig> fromJson(const QJsonObject &object, const QString &file = {});
    static Result<TrainConfig> load(const QString &file);
    /// The JSON object of a configuration file, or of a run's config.json (unwrapped), without
    /// checking its keys or values (fromJson does that): for callers that change it first.
    static Result<QJsonObject> readJson(const QString &file);
    /// Checks values and combinations; InvalidArgument naming the field.
    Result<void> validate() const;
};

} // namespace fopro::ml
