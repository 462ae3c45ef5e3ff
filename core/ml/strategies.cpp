#include "core/ml/strategies.h"

#include "core/ml/steploss_p.h"

namespace fopro::ml {

namespace {

QStringList fields(std::initializer_list<const char *> names)
{
    QStringList list;
    for (const char *n : names)
        list << QString::fromLatin1(n);
    return list;
}

StrategyInfo entry(const char *id, const char *name, const char *help, LossFunction loss, QStringList configFields = {})
{
    StrategyInfo s;
    s.id = QString::fromLatin1(id);
    s.displayName = QString::fromUtf8(name);
    s.help = QString::fromUtf8(help);
    s.loss = loss;
    s.configFields = std::move(configFields);
    return s;
}

StrategyInfo withTeacher(StrategyInfo s, bool featureDistillation, bool prompt = false)
{
    s.needsTeacher = true;
    s.featureDistillation = featureDistillation;
    s.usesPrompt = prompt;
    s.teacherGivesLogits = !featureDistillation;
    return s;
}

StrategyInfo withCosineClassifier(StrategyInfo s)
{
    s.cosineClassifier = true;
    return s;
}

std::vector<StrategyInfo> makeRegistry()
{
    const QStringList ekd = fields({"ekdLambda", "ekdHiddenDim", "cbFeatureLoss", "cbFeatureBeta", "teacher"});
    const QStringList prompt = ekd + fields({"prompt"});
    // One line per strategy.
    return {
        entry("ce", "Cross-entropy", "the plain baseline.", crossEntropyStep),
        entry("focal", "Focal loss", "down-weights easy examples (gamma = focalGamma).", focalStep,
              fields({"focalGamma"})),
        entry("cb", "Class-balanced",
              "cross-entropy weighted by the effective number of samples per class (beta = cbBeta).", classBalancedStep,
              fields({"cbBeta"})),
        withCosineClassifier(
            entry("ldam_drw", "LDAM-DRW",
                  "label-distribution-aware margins on a cosine classifier, re-weighted in the last 20% of epochs.",
                  ldamDrwStep, fields({"ldamMaxMargin", "ldamScale", "cbBeta"}))),
        entry("bsm", "Balanced Softmax", "softmax shifted by the log class priors.", balancedSoftmaxStep),
        entry("la", "Logit adjustment", "cross-entropy on logits shifted by tau times the log priors (tau = laTau).",
              logitAdjustedStep, fields({"laTau"})),
        withTeacher(entry("kd", "Hinton KD",
                          "distillation from a teacher with one output per class: (1 - kdAlpha) CE + kdAlpha T^2 KL.",
                          hintonKdStep, fields({"kdTemperature", "kdAlpha", "teacher"})),
                    false),
        withTeacher(entry("ekd", "EKD",
                          "feature distillation from a frozen teacher with Balanced Softmax heads (no prompt).",
                          ekdStep, ekd),
                    true),
        withTeacher(entry("fopro_kd", "FoPro-KD",
                          "EKD with the learnable Fourier prompt in front of the teacher (AKD or explore updates).",
                          ekdStep, prompt),
                    true, true),
    };
}

} // namespace

const std::vector<StrategyInfo> &strategies()
{
    static const std::vector<StrategyInfo> registry = makeRegistry();
    return registry;
}

const StrategyInfo *findStrategy(const QString &id)
{
    for (const StrategyInfo &s : strategies())
        if (s.id == id) return &s;
    return nullptr;
}

QStringList strategyIds()
{
    QStringList ids;
    for (const StrategyInfo &s : strategies())
        ids << s.id;
    return ids;
}

} // namespace fopro::ml
