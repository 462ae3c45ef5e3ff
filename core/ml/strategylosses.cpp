// The losses of the registered strategies (strategies.cpp lists them), each computed from the
// step's tensors (steploss_p.h) with the functions of losses.h.

#include "core/ml/losses.h"
#include "core/ml/models.h"
#include "core/ml/steploss_p.h"

namespace fopro::ml {

void crossEntropyStep(const StepTensors &s, StepLoss &out)
{
    out.loss = crossEntropyLoss(s.logits, s.labels);
}

void focalStep(const StepTensors &s, StepLoss &out)
{
    out.loss = focalLoss(s.logits, s.labels, s.config.focalGamma);
}

void classBalancedStep(const StepTensors &s, StepLoss &out)
{
    out.loss = classBalancedCrossEntropyLoss(s.logits, s.labels, s.counts, s.config.cbBeta);
}

void ldamDrwStep(const StepTensors &s, StepLoss &out)
{
    // The cosine classifier returns s·cos; LDAM takes the cosines and applies its own scale.
    const TrainConfig &c = s.config;
    out.loss = ldamLoss(s.logits / c.ldamScale, s.labels, s.counts, drwWeights(s.counts, s.epoch, c.epochs, c.cbBeta),
                        c.ldamMaxMargin, c.ldamScale);
}

void balancedSoftmaxStep(const StepTensors &s, StepLoss &out)
{
    out.loss = balancedSoftmaxLoss(s.logits, s.labels, s.counts);
}

void logitAdjustedStep(const StepTensors &s, StepLoss &out)
{
    out.loss = logitAdjustedLoss(s.logits, s.labels, s.counts, s.config.laTau);
}

void hintonKdStep(const StepTensors &s, StepLoss &out)
{
    const torch::Tensor ce = crossEntropyLoss(s.logits, s.labels);
    const torch::Tensor kd = hintonKdLoss(s.logits, s.teacher, s.config.kdTemperature);
    out.loss = (1.0 - s.config.kdAlpha) * ce + s.config.kdAlpha * kd;
    out.terms = {{QStringLiteral("ce"), ce.item<double>()}, {QStringLiteral("kd"), kd.item<double>()}};
}

void ekdStep(const StepTensors &s, StepLoss &out)
{
    const TrainConfig &c = s.config;
    out.projected = s.heads->project(s.features);
    const torch::Tensor aux = s.heads->auxLogits(out.projected);
    EkdLossTerms t;
    if (c.cbFeatureLoss && s.epoch >= drwStartEpoch(c.epochs))
        out.loss = ekdLoss(s.logits, aux, out.projected, s.teacher, s.labels, s.counts,
                           sampleWeights(s.labels, classBalancedWeights(s.counts, c.cbFeatureBeta)), c.ekdLambda, &t);
    else
        out.loss = ekdLoss(s.logits, aux, out.projected, s.teacher, s.labels, s.counts, c.ekdLambda, &t);
    out.terms = {{QStringLiteral("feature"), t.feature},
                 {QStringLiteral("main_bsm"), t.mainBsm},
                 {QStringLiteral("aux_bsm"), t.auxBsm}};
}

} // namespace fopro::ml
