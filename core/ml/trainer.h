#pragma once
// The training loop of FoPro-KD Studio: one loop, every strategy of trainconfig.h, writing a run
// folder. Runs on the caller's thread (the GUI and the CLI call it from a worker thread); it polls
// the control's cancel token every batch and sleeps while the control is paused.
//
// Run folder (everything a later reader needs, nothing else):
//   config.json            {"format": "fopro-run", "version": 1, "config": <TrainConfig>, "versions":
//                          {app, libtorch, qt, opencv}, "dataset": {manifest, sha256, classes,
//                          trainCounts, sizes}, "created", "host", "threads"}
//   status.json            {"state": running|finished|cancelled|failed, "epoch", "bestEpoch", ...}
//   log.txt                one time-stamped line per event (appended, survives resumes)
//   epochs.csv             one row per finished epoch: losses, validation metrics, lr, timing
//   checkpoints/last.ckpt  full training state after the last finished epoch (atomic rename)
//   checkpoints/best.pt    the student with the best validation balanced accuracy (saveParameters)
//   teacher_features.pt    the teacher-feature cache (when used), reused on resume
//   results/<split>_metrics.json, <split>_per_class.csv, <split>_per_class.json,
//   results/<split>_predictions.csv   written for val and test with the best student
//   prompt_gain.csv        FoPro-KD: the learned gain's radial profile (16 bands) per epoch
//
// Determinism: the student, heads and prompt are initialised from `seed`; the sample order of
// epoch e and the augmentation of each sample are drawn from generators seeded by (seed, e,
// position), never from shared state, so the result does not depend on the number of data workers
// or on thread timing. Resuming from last.ckpt restores weights, optimiser moments, the epoch
// counter and the best score; a resumed run finishes with the same weights as an uninterrupted one.

#include "core/common/result.h"
#include "core/jobs/canceltoken.h"
#include "core/ml/trainconfig.h"

#include <QtCore/QString>
#include <QtCore/QStringList>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <utility>
#include <vector>

namespace fopro::ml {

/// Cancel and pause for a running training. Thread-safe; owned by whoever starts the run.
class TrainControl {
public:
    CancelToken cancel;
    void pause() { m_paused.store(true); }
    void resume()
    {
        m_paused.store(false);
        m_cv.notify_all();
    }
    bool isPaused() const { return m_paused.load(); }
    /// Blocks while paused (returns early when cancelled). Returns true when it did wait.
    bool waitWhilePaused()
    {
        if (!m_paused.load()) return false;
        std::unique_lock<std::mutex> lock(m_mutex);
        while (m_paused.load() && !cancel.isCancelled()) m_cv.wait_for(lock, std::chrono::milliseconds(100));
        return true;
    }

private:
    std::atomic<bool> m_paused{false};
    std::mutex m_mutex;
    std::condition_variable m_cv;
};

struct TrainProgress {
    enum class Phase { Preparing, CachingTeacher, Training, Validating, Evaluating, Finished };
    Phase phase = Phase::Preparing;
    int epoch = 0;          ///< 0-based epoch in progress
    int epochs = 0;
    int batch = 0;          ///< batches done in this epoch (or images done while caching)
    int batches = 0;        ///< batches in this epoch (or images to cache)
    double imagesPerSecond = 0; ///< training throughput over the run so far (pauses excluded)
    double etaSeconds = -1;     ///< remaining time for the whole run, -1 while unknown
    double elapsedSeconds = 0;
    std::vector<std::pair<QString, double>> losses; ///< running means of this epoch
    QString message;        ///< one line for people (set at phase changes and epoch ends)
};

using ProgressCallback = std::function<void(const TrainProgress &)>;

/// One finished epoch (a row of epochs.csv).
struct EpochRecord {
    int epoch = 0; ///< 1-based in the file
    double lr = 0;
    std::vector<std::pair<QString, double>> losses; ///< "loss" and the strategy's terms (means)
    double valAccuracy = 0, valBalancedAccuracy = 0, valMacroF1 = 0; ///< NaN without a val split
    double seconds = 0, imagesPerSecond = 0;
    bool best = false;
};

struct TrainOutcome {
    enum class Status { Finished, Cancelled };
    Status status = Status::Finished;
    QString runDir;
    int epochsDone = 0;
    int bestEpoch = 0;                  ///< 1-based; 0 when no epoch finished
    double bestValBalancedAccuracy = 0; ///< NaN without a validation split
    std::vector<EpochRecord> history;
    QString summary; ///< a few lines for people: test metrics per class when there is a test split
};

/// Starts a new run in config.runDir (created; an existing non-empty folder is an error).
Result<TrainOutcome> trainRun(const TrainConfig &config, TrainControl *control = nullptr,
                              const ProgressCallback &progress = {});

/// Continues the run in `runDir` from checkpoints/last.ckpt (or starts it when no epoch finished).
/// `epochs` > 0 changes the number of epochs (to extend a finished run).
Result<TrainOutcome> resumeRun(const QString &runDir, TrainControl *control = nullptr,
                               const ProgressCallback &progress = {}, int epochs = 0);

/// Evaluates the best student of a run on a split of its dataset ("val" or "test"), writing
/// results/<split>_*.{json,csv}; returns the summary text (per-class table and the main metrics).
Result<QString> evaluateRun(const QString &runDir, const QString &split = QStringLiteral("test"),
                            const ProgressCallback &progress = {}, CancelToken *cancel = nullptr);

/// Exports the best student of a run as TorchScript + sidecar JSON into `outDir` (default:
/// <run>/export). Returns the path of the model file.
Result<QString> exportRun(const QString &runDir, const QString &outDir = {});

/// Reads a run's epochs.csv into records (for the GUI's curves and for tests).
Result<std::vector<EpochRecord>> readEpochs(const QString &runDir);

} // namespace fopro::ml
