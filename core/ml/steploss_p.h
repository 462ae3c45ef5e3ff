#pragma once
// Private to core/ml (included by its .cpp files only; it includes torch): the tensors a
// strategy's loss (strategies.h, LossFunction) reads and the loss it produces.

#include "core/ml/strategies.h"
#include "core/ml/trainconfig.h"

#include <torch/torch.h>

#include <QtCore/QString>

#include <cstdint>
#include <utility>
#include <vector>

namespace fopro::ml {

class EkdHeads;

struct StepTensors {
    const TrainConfig &config;
    const std::vector<std::int64_t> &counts; ///< training images per class
    int epoch = 0;                           ///< 0-based
    torch::Tensor labels;                    ///< B int64
    torch::Tensor features;                  ///< the student's features (B × F)
    torch::Tensor logits;                    ///< the student's logits (B × C)
    torch::Tensor teacher;                   ///< the teacher's output, detached (undefined without a teacher)
    EkdHeads *heads = nullptr;               ///< featureDistillation strategies only
};

struct StepLoss {
    torch::Tensor loss;      ///< the scalar the student's optimiser minimises
    torch::Tensor projected; ///< featureDistillation: the projection head's output (the prompt step reuses it)
    std::vector<std::pair<QString, double>> terms; ///< named parts, for the logs ("loss" is added by the caller)
};

// The losses of the registered strategies (strategylosses.cpp).
void crossEntropyStep(const StepTensors &s, StepLoss &out);
void focalStep(const StepTensors &s, StepLoss &out);
void classBalancedStep(const StepTensors &s, StepLoss &out);
void ldamDrwStep(const StepTensors &s, StepLoss &out);
void balancedSoftmaxStep(const StepTensors &s, StepLoss &out);
void logitAdjustedStep(const StepTensors &s, StepLoss &out);
void hintonKdStep(const StepTensors &s, StepLoss &out);
void ekdStep(const StepTensors &s, StepLoss &out);

} // namespace fopro::ml
