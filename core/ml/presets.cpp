#include "core/ml/presets.h"

#include "core/ml/configfields.h"
#include "core/ml/trainconfig.h"

#include <QtCore/QJsonArray>

namespace fopro::ml {
namespace {

/// EKD's published optimisation (Adam 3e-4, λ = 3, gradient clipping at 5, batch 32), on the
/// ResNet-18 student at 224 px.
QJsonObject ekdValues()
{
    return QJsonObject{
        {"strategy", "ekd"},
        {"student.architecture", "resnet18"},
        {"student.widthMultiplier", 1.0},
        {"imageSize", 224},
        {"optimizer", "adam"},
        {"lr", 3e-4},
        {"weightDecay", 0.0},
        {"schedule", "constant"},
        {"ekdLambda", 3.0},
        {"clipNorm", 5.0},
        {"batchSize", 32},
        {"epochs", 100},
        {"maxTrainBatches", 0},
        {"teacher.inputSize", -1},
    };
}

std::vector<TrainPreset> makePresets()
{
    QJsonObject fopro = ekdValues();
    fopro.insert(QStringLiteral("strategy"), QStringLiteral("fopro_kd"));
    fopro.insert(QStringLiteral("prompt.mode"), QStringLiteral("global"));
    fopro.insert(QStringLiteral("prompt.update"), QStringLiteral("akd"));
    fopro.insert(QStringLiteral("prompt.alpha"), 0.5);
    fopro.insert(QStringLiteral("prompt.lr"), 1e-3);
    fopro.insert(QStringLiteral("prompt.every"), 1);

    // The headless demo's recipe: a small CIFAR ResNet on 32 px images, a few short epochs.
    const QJsonObject quick{
        {"strategy", "fopro_kd"},
        {"student.architecture", "cifar_resnet"},
        {"student.widthMultiplier", 0.5},
        {"student.cifarBlocks", QJsonArray{1, 1, 1, 1}},
        {"imageSize", 32},
        {"optimizer", "adam"},
        {"lr", 1e-3},
        {"schedule", "constant"},
        {"ekdLambda", 3.0},
        {"clipNorm", 5.0},
        {"batchSize", 64},
        {"epochs", 3},
        {"maxTrainBatches", 40},
        {"teacher.inputSize", 32},
        {"prompt.mode", "global"},
        {"prompt.update", "akd"},
        {"augment.enabled", true},
        {"augment.cropScaleMin", 1.0},
        {"augment.horizontalFlip", true},
        {"augment.verticalFlip", false},
        {"augment.brightness", 0.0},
        {"augment.contrast", 0.0},
        {"augment.saturation", 0.0},
    };
    QJsonObject bsm = ekdValues();
    bsm.insert(QStringLiteral("strategy"), QStringLiteral("bsm"));
    bsm.remove(QStringLiteral("ekdLambda"));
    bsm.remove(QStringLiteral("teacher.inputSize"));

    return {
        {QStringLiteral("ekd-published"), QStringLiteral("EKD as published"),
         QStringLiteral("Feature distillation with Balanced Softmax heads: Adam 3e-4, λ 3, gradient clipping 5, "
                        "batch 32, ResNet-18 at 224 px (the EKD authors' settings)."),
         ekdValues()},
        {QStringLiteral("fopro-kd"), QStringLiteral("FoPro-KD (AKD)"),
         QStringLiteral("EKD's settings with the learnable Fourier prompt in front of the teacher, updated "
                        "adversarially (AKD): a global gain map in (0.5, 1.5), prompt learning rate 1e-3."),
         fopro},
        {QStringLiteral("quick-demo"), QStringLiteral("Quick demo (a few minutes)"),
         QStringLiteral(
             "FoPro-KD on a small CIFAR ResNet at 32 px: 3 epochs of 40 batches of 64, the teacher shown "
             "the 32 px images as they are (as in the headless demo). For trying the product, not for results."),
         quick},
        {QStringLiteral("bsm-baseline"), QStringLiteral("Balanced Softmax baseline"),
         QStringLiteral("No teacher: softmax shifted by the log class priors, with EKD's optimisation. The "
                        "baseline every distillation run should beat."),
         bsm},
    };
}

} // namespace

const std::vector<TrainPreset> &trainPresets()
{
    static const std::vector<TrainPreset> presets = makePresets();
    return presets;
}

const TrainPreset *findPreset(const QString &id)
{
    for (const TrainPreset &p : trainPresets())
        if (p.id == id) return &p;
    return nullptr;
}

QJsonObject applyPreset(const QJsonObject &base, const TrainPreset &preset)
{
    QJsonObject out = base;
    for (auto it = preset.values.begin(); it != preset.values.end(); ++it)
        setConfigValue(out, it.key(), it.value());
    return out;
}

bool matchesPreset(const QJsonObject &config, const TrainPreset &preset)
{
    for (auto it = preset.values.begin(); it != preset.values.end(); ++it) {
        const QJsonValue v = configValue(config, it.key());
        if (v.isDouble() && it.value().isDouble()) {
            if (std::abs(v.toDouble() - it.value().toDouble()) > 1e-12 * std::max(1.0, std::abs(v.toDouble())))
                return false;
        } else if (v != it.value()) {
            return false;
        }
    }
    return true;
}

} // namespace fopro::ml
