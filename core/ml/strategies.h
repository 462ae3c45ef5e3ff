#pragma once
// The registry of training strategies: what the student learns from. One entry per strategy, with
// its id (the configuration's and the CLI's name), a display name and help text for people, what
// it needs (a teacher, the EKD heads, the Fourier prompt, the cosine classifier), the
// configuration fields it reads, and its loss. The CLI's help, TrainConfig's validation and the
// GUI's strategy list all come from here.
//
// Adding a strategy: write its loss as a function in its own file (strategylosses.cpp or a new
// file; the signature is LossFunction, the tensors are in steploss_p.h) and add one entry to the
// table in strategies.cpp. Nothing else lists the strategies.
//
// Plain C++/Qt header: the loss function's argument types are only declared here.

#include <QtCore/QString>
#include <QtCore/QStringList>

#include <vector>

namespace fopro::ml {

struct StepTensors; // steploss_p.h (torch): the step's tensors and settings
struct StepLoss;    // steploss_p.h (torch): the loss to minimise and its named terms

/// Computes the step's loss from its tensors.
using LossFunction = void (*)(const StepTensors &step, StepLoss &out);

struct StrategyInfo {
    QString id;                       ///< "ce", "bsm", "fopro_kd", ...
    QString displayName;              ///< "Balanced Softmax"
    QString help;                     ///< one sentence for people, after the display name ("softmax shifted by ...")
    bool needsTeacher = false;        ///< a teacher (teacher.path) is required
    bool featureDistillation = false; ///< trains the EKD heads on the teacher's features
    bool usesPrompt = false;          ///< the Fourier prompt sits in front of the teacher
    bool cosineClassifier = false;    ///< the student's classifier is the cosine (NormedLinear) one
    bool teacherGivesLogits = false;  ///< the teacher's output must have one value per class
    QStringList configFields;         ///< the TrainConfig fields its loss reads
    LossFunction loss = nullptr;
};

/// Every registered strategy, in the order people see them.
const std::vector<StrategyInfo> &strategies();
/// The entry with this id, or null.
const StrategyInfo *findStrategy(const QString &id);
/// The ids, in registry order.
QStringList strategyIds();

} // namespace fopro::ml
