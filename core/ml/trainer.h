#pragma once
// The training loop of FoPro-KD Studio: one loop, every registered strategy (strategies.h),
// writing a run folder through project::RunFolder (core/project/runfolder.h describes the layout).
// Runs on the caller's thread; the GUI's JobManager and the CLI's runBlocking() run trainJob() /
// resumeJob() on a worker. It polls the control's cancel flag every batch and blocks while paused.
//
// Progress (fopro::Progress): phase one of the kPhase* names below; while training, stage = the
// 0-based epoch, stages = epochs, done/total = batches, rate = images per second (pauses left
// out), etaSeconds for the whole run, metrics = the epoch's running loss means; every epoch end
// also reports its summary line as `message` with done == total. Per-epoch results (losses, lr,
// validation accuracy, balanced accuracy, macro-F1, head/medium/tail recall) go to the EpochSink.
//
// Determinism: the student, heads and prompt are initialised from `seed`; the sample order of
// epoch e and the augmentation of each sample are drawn from generators seeded by (seed, e,
// position), never from shared state, so the result does not depend on the number of data workers
// or on thread timing. Resuming from last.ckpt restores weights, optimiser moments, the epoch
// counter and the best score; a resumed run finishes with the same weights as an uninterrupted one.

#include "core/common/result.h"
#include "core/jobs/jobcontrol.h"
#include "core/jobs/jobmanager.h"
#include "core/jobs/progress.h"
#include "core/ml/distributed.h"
#include "core/ml/runevaluation.h"
#include "core/ml/trainconfig.h"
#include "core/project/runfolder.h"

#include <QtCore/QString>

#include <functional>
#include <vector>

namespace fopro::ml {

using project::EpochRecord;

/// The phases a training reports (Progress::phase).
inline const QString kPhasePreparing = QStringLiteral("preparing");
inline const QString kPhaseTeacherFeatures = QStringLiteral("teacher features");
inline const QString kPhaseTraining = QStringLiteral("training");
inline const QString kPhaseValidating = QStringLiteral("validating");
inline const QString kPhaseEvaluating = QStringLiteral("evaluating");
inline const QString kPhaseFinished = QStringLiteral("finished");

/// Called (on the training thread) after every finished epoch, after it was written to the run.
using EpochSink = std::function<void(const EpochRecord &)>;

/// What a training reports besides its result.
struct TrainHooks {
    ProgressSink progress;
    EpochSink epochEnded;
};

struct TrainOutcome {
    enum class Status { Finished, Cancelled };
    Status status = Status::Finished;
    QString runDir;
    int epochsDone = 0;
    int bestEpoch = 0;                  ///< 1-based; 0 when no epoch finished
    double bestValBalancedAccuracy = 0; ///< NaN without a validation split
    std::vector<EpochRecord> history;
    /// The best student on the val and test splits (those with images), when the run finished.
    std::vector<SplitEvaluation> evaluations;
    /// The test evaluation, else the val one, else null.
    const SplitEvaluation *mainEvaluation() const;
};

/// Starts a new run in config.runDir (created; an existing non-empty folder is an error).
/// `distributed`: this process's part in a run of several (distributed.h); by default the only one.
/// Every rank calls it with the same configuration; rank 0 creates and writes the run folder.
Result<TrainOutcome> trainRun(const TrainConfig &config, JobControl *control = nullptr, const TrainHooks &hooks = {},
                              const DistributedSettings &distributed = {});

/// Continues the run in `runDir` from checkpoints/last.ckpt (or starts it when no epoch finished).
/// `epochs` > 0 changes the number of epochs (to extend a finished run).
/// A distributed run resumes with the number of processes it was started with.
Result<TrainOutcome> resumeRun(const QString &runDir, JobControl *control = nullptr, const TrainHooks &hooks = {},
                               int epochs = 0, const DistributedSettings &distributed = {});

/// trainRun as a job (for JobManager::submit and runBlocking); exceptions become errors.
JobFunction<TrainOutcome> trainJob(TrainConfig config, EpochSink epochEnded = {}, DistributedSettings distributed = {});
/// resumeRun as a job.
JobFunction<TrainOutcome> resumeJob(QString runDir, int epochs = 0, EpochSink epochEnded = {},
                                    DistributedSettings distributed = {});

} // namespace fopro::ml
