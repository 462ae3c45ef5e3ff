#pragma once
// Everything method.md ("Metrics") asks of one evaluation, computed in one call, plus JSON / CSV
// serialisation. Each number equals the scikit-learn function named in classification.h,
// rocauc.h and calibration.h.

#include "core/common/result.h"
#include "core/metrics/calibration.h"
#include "core/metrics/classification.h"
#include "core/metrics/confusionmatrix.h"
#include "core/metrics/rocauc.h"

#include <QtCore/QJsonObject>
#include <QtCore/QString>
#include <QtCore/QStringList>

#include <vector>

namespace fopro::metrics {

struct EvaluationOptions {
    int numClasses = 0; ///< C (required, >= 1); labels are 0..C-1, probability rows have C values
    /// Training samples per class (C values) for head / medium / tail recall; empty to skip them.
    std::vector<int> trainCounts;
    int many = kDefaultManyShot; ///< head: training count > many (HyperKvasir preset: 700)
    int few = kDefaultFewShot;   ///< tail: training count < few (HyperKvasir preset: 70)
    int calibrationBins = kDefaultCalibrationBins;
    LabelSet macroLabels = LabelSet::AllClasses; ///< classes macro-F1 averages over
    LabelSet kappaLabels = LabelSet::AllClasses; ///< positions the weighted kappa's weights use
};

struct EvaluationReport {
    int numClasses = 0;
    int numSamples = 0;
    ConfusionMatrix confusion; ///< with sample indices = positions in the input vectors

    double accuracy = 0;         ///< accuracy_score
    double balancedAccuracy = 0; ///< balanced_accuracy_score (classes with support > 0)
    double macroF1 = 0;          ///< f1_score(average='macro', zero_division=0), labels per options
    double matthews = 0;         ///< matthews_corrcoef
    double kappa = 0;            ///< cohen_kappa_score (NaN when undefined)
    double quadraticKappa = 0;   ///< cohen_kappa_score(weights='quadratic') (NaN when undefined)
    ClassScores perClass;        ///< precision_recall_fscore_support(average=None, zero_division=0)

    bool hasProbabilities = false; ///< the two below are filled only when probabilities were given
    RocAuc rocAuc;                 ///< roc_auc_score(multi_class='ovr', average='macro'), see rocauc.h
    CalibrationResult calibration; ///< ECE on the arg-max of the probabilities, see calibration.h

    bool hasTailGroups = false; ///< tailGroups is filled only when training counts were given
    TailGroupRecall tailGroups;
};

/// Evaluates predictions. `yPred` may be empty when probabilities are given: it is then their
/// row-wise arg-max. `probabilities` is N×C row-major or empty (then no ROC-AUC and no ECE).
/// The ECE judges correctness by the arg-max of the probabilities (the usual definition), even when
/// `yPred` is given; use expectedCalibration(yTrue, yPred, ...) to judge the given predictions.
/// Errors (InvalidArgument, with a plain detail naming the sample / class involved): C < 1, no
/// samples, length mismatch, a label outside 0..C-1, probabilities of the wrong size or NaN /
/// infinite / outside [0, 1], training counts of the wrong size or negative, bad thresholds
/// (negative or few > many), calibrationBins < 1.
Result<EvaluationReport> evaluate(const std::vector<int> &yTrue, const std::vector<int> &yPred,
                                  const std::vector<double> &probabilities, const EvaluationOptions &options);

/// The label of class `k` in exported files: classNames[k] when present and not empty, else the
/// class index as text.
QString classLabel(int k, const QStringList &classNames);

/// Per-class metrics as JSON: {"classes": [{"index", "class", "precision", "recall", "f1",
/// "support", "predicted"} ...]}, plus "rocAuc" per class when probabilities were given and
/// "trainCount" / "group" ("head", "medium", "tail") when training counts were given. Undefined
/// values (NaN) are written as null.
QJsonObject classMetricsToJson(const EvaluationReport &report, const QStringList &classNames = {});

/// Per-class metrics as CSV text (UTF-8, "\n" line ends, RFC 4180 quoting of the class label):
/// header "class,precision,recall,f1,support", one row per class in class order, numbers in the
/// shortest form that reads back to the same double.
QString classMetricsToCsv(const EvaluationReport &report, const QStringList &classNames = {});

/// The whole report as JSON: the scalar metrics, "perClass" (classMetricsToJson's array),
/// "confusionMatrix" (rows of counts), "rocAuc" and "calibration" (with "bins") when probabilities
/// were given, "tailGroups" when training counts were given. NaN is written as null.
QJsonObject reportToJson(const EvaluationReport &report, const QStringList &classNames = {});

} // namespace fopro::metrics
