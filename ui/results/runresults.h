#pragma once
// The results of one training run on one split, as the Results page, the predictions browser and
// the report show them: read from the run folder (RunFolder: config.json, results/<split>_metrics.json,
// <split>_per_class.json, <split>_predictions.csv, epochs.csv) off the GUI thread and returned as a
// value. Every number shown comes from these files; what is derived (the confusion matrix with the
// images behind each cell, the per-class ROC and PR curves, temperature scaling fitted on the
// validation predictions) is computed from the predictions by core/metrics.
//
// Prediction rows are tied to the project's dataset through the sample id the evaluation wrote
// (data::Sample::id(): the stored path, plus "#entry" for IDX entries and DICOM frames).

#include "core/common/result.h"
#include "core/jobs/jobmanager.h"
#include "core/metrics/calibration.h"
#include "core/metrics/confusionmatrix.h"
#include "core/metrics/curves.h"
#include "core/metrics/temperature.h"
#include "core/project/runfolder.h"

#include <QtCore/QHash>
#include <QtCore/QJsonObject>
#include <QtCore/QString>
#include <QtCore/QStringList>

#include <limits>
#include <optional>
#include <vector>

namespace fopro::ui {

/// The predictions of one split (results/<split>_predictions.csv).
struct PredictionSet {
    QString split;
    QStringList sampleIds;
    std::vector<int> sampleIndex; ///< the dataset sample of each row, -1 when the project has no such sample
    std::vector<int> yTrue, yPred;
    std::vector<double> probabilities; ///< N × C, row-major
    int numClasses = 0;

    int size() const { return int(yTrue.size()); }
    double probability(int row, int k) const { return probabilities[std::size_t(row) * numClasses + k]; }
    /// The probability of the predicted class.
    double confidence(int row) const { return probability(row, yPred[std::size_t(row)]); }
    /// −log p(true class), p clamped at 1e-12.
    double loss(int row) const;
};

/// One row of <split>_per_class.json.
struct ClassResult {
    int index = 0;
    QString name;
    double precision = 0, recall = 0, f1 = 0;
    double rocAuc = std::numeric_limits<double>::quiet_NaN();
    int support = 0;
    int predicted = 0;
    int trainCount = -1; ///< -1 when unknown
    QString group;       ///< "head", "medium", "tail"; empty when unknown
};

/// The headline of <split>_metrics.json (NaN when absent).
struct Headline {
    double accuracy = std::numeric_limits<double>::quiet_NaN();
    double balancedAccuracy = std::numeric_limits<double>::quiet_NaN();
    double macroF1 = std::numeric_limits<double>::quiet_NaN();
    double matthews = std::numeric_limits<double>::quiet_NaN();
    double kappa = std::numeric_limits<double>::quiet_NaN();
    double rocAucMacro = std::numeric_limits<double>::quiet_NaN();
    double ece = std::numeric_limits<double>::quiet_NaN();
    double headRecall = std::numeric_limits<double>::quiet_NaN();
    double mediumRecall = std::numeric_limits<double>::quiet_NaN();
    double tailRecall = std::numeric_limits<double>::quiet_NaN();
    int many = -1, few = -1; ///< the thresholds the groups were made with; -1 when unknown
    int headClasses = 0, mediumClasses = 0, tailClasses = 0;
    int samples = 0;
};

/// Temperature scaling fitted on the validation predictions, applied to the shown split.
struct TemperatureResult {
    bool available = false;
    QString reason;                     ///< why not, when not available
    bool missingValidation = false;     ///< not available because the run has no validation predictions
    metrics::TemperatureFit fit;        ///< on the validation predictions
    QString fittedOn;                   ///< "val"
    double nllBefore = 0, nllAfter = 0; ///< on the shown split, at T = 1 and at the fitted T
    double eceBefore = 0, eceAfter = 0; ///< on the shown split
    metrics::CalibrationResult calibrationBefore, calibrationAfter; ///< reliability of the shown split
};

struct RunResults {
    QString dir;
    QString name;  ///< the folder's name
    QString title; ///< notes.json's title, else the name
    QString split;
    QStringList availableSplits; ///< splits with results, sorted
    QStringList classNames;
    QJsonObject header;  ///< config.json
    QJsonObject metrics; ///< <split>_metrics.json
    Headline headline;
    std::vector<ClassResult> classes;
    PredictionSet predictions;
    /// Rows of `predictions` per confusion cell (true, predicted).
    metrics::ConfusionMatrix confusion;
    metrics::CalibrationResult calibration;                   ///< the metrics file's bins and ECE
    std::vector<std::optional<metrics::CurvePoints>> roc, pr; ///< per class; empty when undefined
    TemperatureResult temperature;
    std::vector<project::EpochRecord> epochs;
    QStringList warnings; ///< non-fatal problems (a missing file, unmatched sample ids)
    int unmatchedSamples = 0;

    int numClasses() const { return int(classNames.size()); }
    /// Dataset sample indices of the predictions in a confusion cell (rows without a sample skipped).
    std::vector<int> cellSamples(int trueClass, int predictedClass) const;
    /// The training counts per class (from the per-class file, else config.json's dataset).
    std::vector<int> trainCounts() const;
};

/// Reads a run's results of `split`. `sampleIndexById` maps dataset sample ids to indices (may be
/// empty: no row is tied to an image then). Errors: the run cannot be opened, the split has no
/// results, the predictions file is missing or malformed.
Result<RunResults> loadRunResults(const QString &runDir, const QString &split,
                                  const QHash<QString, int> &sampleIndexById, JobControl *control = nullptr);

/// loadRunResults as a job.
JobFunction<RunResults> loadRunResultsJob(QString runDir, QString split, QHash<QString, int> sampleIndexById);

/// A run that has results (for the run picker).
struct ResultsRun {
    QString dir;
    QString title;
    QString strategy;
    QDateTime created;
    QStringList splits;
};
/// The runs directly inside `runsDir` with at least one split of results, newest first.
std::vector<ResultsRun> listResultsRuns(const QString &runsDir);

/// Parses <split>_predictions.csv given the class names (columns sample_id, true_label,
/// predicted_label, p_<class>...). `file` names it in errors.
Result<PredictionSet> parsePredictionsCsv(const QByteArray &csv, const QStringList &classNames, const QString &file);

/// Formatting shared by the page, its tests and the report.
/// A metric in [0, 1] with three decimals ("0.751"), "–" when not finite.
QString metricText(double value);

} // namespace fopro::ui
