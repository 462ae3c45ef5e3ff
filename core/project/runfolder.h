#pragma once
// RunFolder: the one reader and writer of a training run's folder (plain Qt, no torch, so that the
// desktop application's Training and Results pages read runs without the ML library). The ML core
// writes through it while training; the CLI and the GUI read through it.
//
// Layout (everything a later reader needs, nothing else):
//   config.json            {"format": "fopro-run", "version": 1, "config": <TrainConfig>, "versions":
//                          {app, libtorch, qt, opencv}, "dataset": {manifest, sha256, classes,
//                          trainCounts, train, val, test}, "created", "host", "threads"}
//   status.json            {"state": running|paused|finished|cancelled|failed, "epochsDone", "epochs",
//                          "bestEpoch", "bestValBalancedAccuracy", "updated", "detail"}
//   log.txt                one time-stamped line per event (appended, survives resumes)
//   epochs.csv             one row per finished epoch (EpochRecord): lr, losses, validation metrics
//                          (accuracy, balanced accuracy, macro-F1, head/medium/tail recall), timing
//   checkpoints/last.ckpt  full training state after the last finished epoch (written by core/ml)
//   checkpoints/best.pt    the student with the best validation balanced accuracy
//   teacher_features.pt    the teacher-feature cache (when used), reused on resume
//   results/<split>_metrics.json, <split>_per_class.csv, <split>_per_class.json,
//   results/<split>_predictions.csv
//   prompt_gain.csv        FoPro-KD: the learned gain's radial profile per epoch
//   export/                what `fopro export` writes (model.pt + model.json)
//   notes.json             what people add in the run history: {"title", "note", "archived"}

#include "core/common/result.h"

#include <QtCore/QDateTime>
#include <QtCore/QJsonObject>
#include <QtCore/QString>
#include <QtCore/QStringList>

#include <functional>
#include <limits>
#include <utility>
#include <vector>

namespace fopro::project {

/// One finished epoch (a row of epochs.csv). Validation values are NaN without a val split; the
/// head/medium/tail recalls are NaN when the group is empty or when the file predates them.
struct EpochRecord {
    int epoch = 0; ///< 1-based
    double lr = 0;
    std::vector<std::pair<QString, double>> losses; ///< "loss" first, then the strategy's terms (means)
    double valAccuracy = 0, valBalancedAccuracy = 0, valMacroF1 = 0;
    double valHeadRecall = 0, valMediumRecall = 0, valTailRecall = 0;
    double seconds = 0, imagesPerSecond = 0;
    bool best = false;

    /// A record whose validation values are all NaN (what an epoch without validation records).
    static EpochRecord withoutValidation(int epoch);
    /// The value of a loss term, NaN when absent.
    double loss(const QString &name) const;
};

/// epochs.csv text of a history (columns: epoch, lr, every loss name met, the validation metrics,
/// seconds, images_per_second, best).
QString epochsToCsv(const std::vector<EpochRecord> &history);
/// Parses epochs.csv; columns are found by name, so files of older versions (without the recall
/// columns) read with NaN there. `file` names the source in errors.
Result<std::vector<EpochRecord>> epochsFromCsv(const QByteArray &csv, const QString &file = {});
/// JSON form of a history (the training checkpoint keeps it) and back.
QJsonObject epochsToJson(const std::vector<EpochRecord> &history);
std::vector<EpochRecord> epochsFromJson(const QJsonObject &object);

/// status.json.
struct RunStatus {
    QString state; ///< "running", "paused", "finished", "cancelled", "failed" (empty: unknown)
    int epochsDone = 0;
    int epochs = 0;
    int bestEpoch = 0;                  ///< 1-based; 0 when no epoch finished
    double bestValBalancedAccuracy = 0; ///< NaN when unknown
    QDateTime updated;                  ///< UTC
    QString detail;                     ///< the reason of a failure

    QJsonObject toJson() const;
    static RunStatus fromJson(const QJsonObject &object);
};

/// What a run history table shows of a run.
struct RunSummary {
    QString dir;      ///< absolute
    QString name;     ///< the folder's name
    QString strategy; ///< the strategy id of its configuration
    QString dataset;  ///< the manifest it trained on
    QDateTime created;
    RunStatus status;
};

/// notes.json: what people add to a run in the run history (nothing the training reads).
struct RunNotes {
    QString title; ///< shown instead of the folder name when not empty
    QString note;  ///< free text (an annotation)
    bool archived = false;

    QJsonObject toJson() const;
    static RunNotes fromJson(const QJsonObject &object);
    bool operator==(const RunNotes &o) const { return title == o.title && note == o.note && archived == o.archived; }
};

/// Everything a run history row shows of a run (RunFolder::details): the summary, the notes and
/// the numbers read from status.json, epochs.csv and results/test_metrics.json.
struct RunDetails : RunSummary {
    QString title;   ///< the notes' title, else the folder name
    QString teacher; ///< "<teacher file> · <output layer>"; empty when the strategy uses none
    QString student; ///< "ResNet-18", "CIFAR ResNet w0.5 [1,1,1,1]"
    int epochsDone = 0;
    int epochsTotal = 0;
    /// The best validation balanced accuracy of epochs.csv (else status.json's); NaN when unknown.
    double bestValBalancedAccuracy = std::numeric_limits<double>::quiet_NaN();
    /// From results/test_metrics.json; NaN without it (or without the value).
    double testBalancedAccuracy = std::numeric_limits<double>::quiet_NaN();
    double testTailRecall = std::numeric_limits<double>::quiet_NaN(); ///< the tail group's mean recall
    double seconds = 0; ///< training time: the sum of epochs.csv's seconds
    RunNotes notes;
    /// Set by the caller: a worker is training this run right now. Without it, a status.json
    /// saying "running" or "paused" means the worker is gone (the run was interrupted).
    bool live = false;
};

/// The state of a run for people: "running", "paused", "finished", "stopped (resumable)" (cancelled),
/// "interrupted (resumable)" (running or paused without a live worker), "failed: <detail>".
QString statusText(const RunDetails &run);
/// True when a run can be resumed (or, finished, extended): not live, and stopped, interrupted,
/// failed or finished.
bool isResumable(const RunDetails &run);

/// The predictions of a split, for results/<split>_predictions.csv.
struct SplitPredictions {
    QStringList sampleIds;
    std::vector<int> yTrue, yPred;
    std::vector<double> probabilities; ///< N × C, row-major
};

/// The files of results/<split>_*: values prepared by the caller (core/metrics writes them).
struct SplitResults {
    QJsonObject metrics;  ///< <split>_metrics.json
    QJsonObject perClass; ///< <split>_per_class.json
    QString perClassCsv;  ///< <split>_per_class.csv
    SplitPredictions predictions;
};

class RunFolder {
public:
    static constexpr int kFormatVersion = 1;

    /// A handle on `dir` (made absolute), without checks: for a run being written.
    explicit RunFolder(const QString &dir = {});

    /// Opens an existing run: a folder with a config.json of format "fopro-run". Errors say what
    /// is wrong: NotFound (no such folder, no config.json), InvalidArgument (a file, not a folder),
    /// Malformed (a config.json of something else).
    static Result<RunFolder> open(const QString &dir);
    /// Creates a new run folder: `dir` must not exist or be empty (InvalidArgument otherwise, with a
    /// hint to resume); WriteFailed when it cannot be made.
    static Result<RunFolder> create(const QString &dir);
    /// True when `dir` is a run folder (open() would succeed).
    static bool isRun(const QString &dir);

    /// A run's default folder name: <yyyyMMdd-HHmmss>-<strategy> (local time).
    static QString defaultName(const QString &strategy, const QDateTime &when = QDateTime::currentDateTime());
    /// <parent>/<defaultName>, with "-2", "-3", ... appended when that exists already.
    static QString uniqueDir(const QString &parent, const QString &strategy,
                             const QDateTime &when = QDateTime::currentDateTime());
    /// The runs directly inside `folder` (other entries are skipped), newest first.
    static std::vector<RunSummary> list(const QString &folder);

    /// Tells whether a strategy id uses a teacher (the ML registry knows; core/project does not
    /// link it). Without one, a run's teacher is shown whenever its configuration names one.
    using TeacherPredicate = std::function<bool(const QString &strategy)>;
    /// What the run history shows of the run in `dir` (best effort: unreadable status, epochs or
    /// results leave their values unknown). Errors as open(), or the header's read error.
    static Result<RunDetails> details(const QString &dir, const TeacherPredicate &usesTeacher = {});
    /// details() of every run directly inside `folder` (other entries are skipped), newest first.
    static std::vector<RunDetails> listDetails(const QString &folder, const TeacherPredicate &usesTeacher = {});
    /// Deletes a run folder: moves it to the trash (QFile::moveToTrash) when that works, else
    /// removes it. Refuses anything that is not a run folder (InvalidArgument naming it); a
    /// symbolic link is removed, never what it points to. WriteFailed names the folder.
    static Result<void> remove(const QString &dir);

    QString dir() const { return m_dir; }
    QString name() const;
    /// <dir>/<relative>.
    QString path(const QString &relative) const;

    QString configFile() const { return path(QStringLiteral("config.json")); }
    QString statusFile() const { return path(QStringLiteral("status.json")); }
    QString logFile() const { return path(QStringLiteral("log.txt")); }
    QString epochsFile() const { return path(QStringLiteral("epochs.csv")); }
    QString promptGainFile() const { return path(QStringLiteral("prompt_gain.csv")); }
    QString teacherFeaturesFile() const { return path(QStringLiteral("teacher_features.pt")); }
    QString checkpointsDir() const { return path(QStringLiteral("checkpoints")); }
    QString lastCheckpoint() const { return path(QStringLiteral("checkpoints/last.ckpt")); }
    QString bestCheckpoint() const { return path(QStringLiteral("checkpoints/best.pt")); }
    QString resultsDir() const { return path(QStringLiteral("results")); }
    QString exportDir() const { return path(QStringLiteral("export")); }
    QString metricsFile(const QString &split) const;
    QString perClassCsvFile(const QString &split) const;
    QString perClassJsonFile(const QString &split) const;
    QString predictionsFile(const QString &split) const;

    // config.json ---------------------------------------------------------------------------------
    /// Writes the header; "format" and "version" are set here.
    Result<void> writeHeader(QJsonObject header) const;
    Result<QJsonObject> readHeader() const;
    /// The training configuration inside the header (its "config" object).
    Result<QJsonObject> readConfig() const;
    /// Replaces the configuration inside the header (e.g. a resume that changes the epochs).
    Result<void> updateConfig(const QJsonObject &config) const;
    /// The class names the header records (empty when unreadable).
    QStringList classNames() const;

    // status.json, log.txt ---------------------------------------------------------------------------
    Result<void> writeStatus(const RunStatus &status) const;
    Result<RunStatus> readStatus() const;
    /// Appends one UTC-time-stamped line to log.txt (best effort: a log line never fails a run).
    void log(const QString &line) const;
    Result<QString> readLog() const;

    // epochs.csv, prompt_gain.csv ------------------------------------------------------------------------
    Result<void> writeEpochs(const std::vector<EpochRecord> &history) const;
    /// The finished epochs; an empty list when no epoch finished yet.
    Result<std::vector<EpochRecord>> readEpochs() const;
    /// Records the prompt's gain profile of `epoch` (1-based), keeping the rows of earlier epochs
    /// only (a resumed run rewrites from its epoch on).
    Result<void> writePromptGain(int epoch, const std::vector<double> &profile) const;
    /// Rows of prompt_gain.csv: epoch → profile.
    Result<std::vector<std::pair<int, std::vector<double>>>> readPromptGain() const;

    // results/ -----------------------------------------------------------------------------------------
    Result<void> writeResults(const QString &split, const SplitResults &results, const QStringList &classNames) const;
    /// results/<split>_metrics.json.
    Result<QJsonObject> readMetrics(const QString &split) const;
    /// The splits with results/<split>_metrics.json, sorted.
    QStringList resultSplits() const;

    // notes.json -----------------------------------------------------------------------------------------
    QString notesFile() const { return path(QStringLiteral("notes.json")); }
    /// The notes; defaults (empty, not archived) when notes.json is absent or unreadable.
    RunNotes readNotes() const;
    /// Writes notes.json atomically.
    Result<void> writeNotes(const RunNotes &notes) const;

private:
    QString m_dir;
};

} // namespace fopro::project
