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
#include "core/ml/strategies.h"

#include <QtCore/QJsonObject>
#include <QtCore/QString>

#include <array>
#include <cstdint>
#include <utility>

namespace fopro::ml {

/// What the student learns from: the id of a registered strategy (strategies.h, e.g. "bsm").
/// The named constants are the strategies the product ships; any registered id works.
class Strategy {
public:
    Strategy() = default; ///< no strategy (invalid until set)
    explicit Strategy(QString id) : m_id(std::move(id)) {}
    const QString &id() const { return m_id; }
    /// The registry entry, or null for an unregistered id.
    const StrategyInfo *info() const { return findStrategy(m_id); }
    bool operator==(const Strategy &o) const { return m_id == o.m_id; }
    bool operator!=(const Strategy &o) const { return m_id != o.m_id; }

    static const Strategy CrossEntropy;    ///< "ce"
    static const Strategy Focal;           ///< "focal" (γ = focalGamma)
    static const Strategy ClassBalanced;   ///< "cb" (β = cbBeta)
    static const Strategy LdamDrw;         ///< "ldam_drw" (cosine classifier, margins, DRW in the last 20% of epochs)
    static const Strategy BalancedSoftmax; ///< "bsm"
    static const Strategy LogitAdjusted;   ///< "la" (τ = laTau)
    static const Strategy HintonKd;        ///< "kd": a teacher whose output is C class logits
    static const Strategy Ekd;             ///< "ekd": feature distillation, no prompt
    static const Strategy FoProKd;         ///< "fopro_kd": EKD with the Fourier prompt in front of the teacher

private:
    QString m_id;
};

inline const Strategy Strategy::CrossEntropy{QStringLiteral("ce")};
inline const Strategy Strategy::Focal{QStringLiteral("focal")};
inline const Strategy Strategy::ClassBalanced{QStringLiteral("cb")};
inline const Strategy Strategy::LdamDrw{QStringLiteral("ldam_drw")};
inline const Strategy Strategy::BalancedSoftmax{QStringLiteral("bsm")};
inline const Strategy Strategy::LogitAdjusted{QStringLiteral("la")};
inline const Strategy Strategy::HintonKd{QStringLiteral("kd")};
inline const Strategy Strategy::Ekd{QStringLiteral("ekd")};
inline const Strategy Strategy::FoProKd{QStringLiteral("fopro_kd")};

/// How the prompt step of FoPro-KD moves the prompt.
enum class PromptUpdate {
    Adversarial, ///< "akd": maximise the teacher–student discrepancy minus the regulariser
    Explore,     ///< "explore": minimise it (ablation)
};

QString strategyName(const Strategy &s);
/// False (leaving *s as it is) when `text` is not a registered strategy id.
bool parseStrategy(const QString &text, Strategy *s);
QString promptUpdateName(PromptUpdate u);
bool parsePromptUpdate(const QString &text, PromptUpdate *u);
/// True for the strategies that need a teacher (the registry's needsTeacher: kd, ekd, fopro_kd).
bool strategyUsesTeacher(const Strategy &s);

struct TeacherSettings {
    QString kind = QStringLiteral("tfjs"); ///< "tfjs" (model.json) or "torchscript"; set it with teacherKindOf()
    QString path;                          ///< model.json (or its folder) or the TorchScript file
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
    bool verticalFlip = false; ///< sensible for dermoscopy, not for endoscopy
    double brightness = 0.2;   ///< colour jitter: factors in [1 − b, 1 + b]; 0 = off
    double contrast = 0.2;
    double saturation = 0.2;
};

struct TrainConfig {
    // --- data -------------------------------------------------------------------------------------
    QString dataset; ///< dataset manifest (dataset.json) or a project folder holding one
    int imageSize = 224;
    QString resizePolicy = QStringLiteral("crop");       ///< "crop", "stretch", "letterbox"
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
    int ekdHiddenDim = 512; ///< projection head width (512 in EKD)

    // --- Fourier prompt (fopro_kd) ----------------------------------------------------------------
    FourierPromptConfig prompt; ///< imageSize/channels follow the data
    PromptUpdate promptUpdate = PromptUpdate::Adversarial;
    double promptRegulariser = 1e-3;
    double promptLr = 1e-3;
    int promptEvery = 1; ///< k: a prompt step every k student steps

    // --- optimisation -----------------------------------------------------------------------------
    QString optimizer = QStringLiteral("adam"); ///< "adam" or "sgd"
    double lr = 3e-4;
    double momentum = 0.9; ///< SGD
    bool nesterov = false; ///< SGD
    double weightDecay = 0.0;
    QString schedule = QStringLiteral("constant"); ///< "constant", "cosine", "step"
    int stepEpochs = 30;                           ///< step schedule: multiply by stepGamma every stepEpochs
    double stepGamma = 0.1;
    int warmupEpochs = 0;  ///< linear warm-up from lr/(warmup+1)
    double clipNorm = 5.0; ///< gradient-norm clipping; ≤ 0 = off
    int epochs = 100;
    int batchSize = 32;

    // --- runtime ----------------------------------------------------------------------------------
    std::int64_t seed = 0;
    /// Where the networks run: "auto" (the CPU in this build), "cpu", or "cuda" / "cuda:N", which
    /// this build refuses with the reason (docs/distributed.md, "Not in this build").
    QString device = QStringLiteral("auto");
    int threads = 0;                    ///< torch intra-op threads; 0 = every core (QThread::idealThreadCount())
    int workers = 2;                    ///< data-loading threads (decode + augmentation)
    std::int64_t cacheMegabytes = 1024; ///< decoded-image cache
    int many = 100;                     ///< head: training count > many
    int few = 20;                       ///< tail: training count < few
    int maxTrainBatches = 0;            ///< > 0: stop each epoch after this many batches (smoke tests)
    /// The student's batch norm normalises with its running statistics during training too (and
    /// leaves them as they are): for fine-tuning from pre-trained weights with small batches per
    /// process. Off: batch statistics, as usual.
    bool freezeBatchNorm = false;

    QString runDir; ///< where the run folder goes (created; must be empty or not exist)

    QJsonObject toJson() const;
    /// Reads the JSON form; `file` names the source in errors.
    static Result<TrainConfig> fromJson(const QJsonObject &object, const QString &file = {});
    static Result<TrainConfig> load(const QString &file);
    /// The JSON object of a configuration file, or of a run's config.json (unwrapped), without
    /// checking its keys or values (fromJson does that): for callers that change it first.
    static Result<QJsonObject> readJson(const QString &file);
    /// Checks values and combinations; InvalidArgument naming the field. An unregistered strategy
    /// is an error listing the registered ones.
    Result<void> validate() const;
    /// The registry entry of `strategy` (null when it is not registered; validate() refuses that).
    const StrategyInfo *strategyInfo() const { return strategy.info(); }
};

} // namespace fopro::ml
