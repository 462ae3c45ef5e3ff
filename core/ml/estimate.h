#pragma once
// A dry run of a training configuration: how long the run will take and how much disk it will use,
// measured rather than guessed. estimateRun builds the real session of the configuration (dataset,
// splits, student, heads, teacher, prompt, optimisers) with its run folder in a temporary folder,
// decodes the images the timed batches need, runs one warm-up step and `steps` timed training
// steps through the training loop's own step function, times the teacher, the validation forward
// pass and a checkpoint, and extrapolates to the whole run. The temporary folder is removed.
// Plain C++/Qt header (no torch).

#include "core/common/result.h"
#include "core/jobs/jobcontrol.h"
#include "core/jobs/jobmanager.h"
#include "core/ml/trainconfig.h"

#include <QtCore/QJsonObject>
#include <QtCore/QString>

#include <cstdint>

namespace fopro::ml {

struct TrainEstimate {
    int steps = 0;              ///< timed training steps (after one warm-up step)
    double secondsPerBatch = 0; ///< mean wall time of a timed step, batch assembly included
    int batchSize = 0;
    int batchesPerEpoch = 0; ///< respecting maxTrainBatches
    int epochs = 0;
    int trainImages = 0, valImages = 0, testImages = 0;
    int numClasses = 0;

    double prepareSeconds = 0;            ///< decoding every train and val image once
    double teacherCacheSeconds = 0;       ///< teacher features of the train split (0 when not cached)
    double trainSecondsPerEpoch = 0;      ///< batchesPerEpoch × secondsPerBatch
    double validationSecondsPerEpoch = 0; ///< the val split's forward pass (0 without a val split)
    double checkpointSecondsPerEpoch = 0; ///< writing last.ckpt and best.pt
    double evaluationSeconds = 0;         ///< the best student on val and test at the end
    double estimatedSeconds = 0;          ///< the whole run

    std::int64_t checkpointBytes = 0;   ///< checkpoints/last.ckpt (with optimiser state) + best.pt
    std::int64_t teacherCacheBytes = 0; ///< teacher_features.pt (0 when not cached)
    std::int64_t recordBytes = 0;       ///< results/, epochs.csv, prompt snapshots, log, status, header
    std::int64_t diskBytes = 0;         ///< the run folder at the end (sum of the three)

    bool hasTeacher = false;
    bool cachesTeacher = false;        ///< the teacher runs once over the train split (else every step)
    int teacherInputSize = 0;          ///< the side the teacher sees (its own, the student's or the knob's)
    int teacherFeatureDim = 0;         ///< D of its features
    double teacherSecondsPerImage = 0; ///< measured on a batch of the run at teacherInputSize
    QString teacherDescription;

    /// Every field, named as above (camelCase), for `fopro train --estimate --json` and the GUI.
    QJsonObject toJson() const;
};

/// Estimates a run of `config` (validated first) with `steps` (>= 1) timed steps. Nothing is
/// written outside a temporary folder. Errors: those of the configuration, the dataset, the models
/// and the teacher; Cancelled when `control` is cancelled.
Result<TrainEstimate> estimateRun(const TrainConfig &config, int steps = 3, JobControl *control = nullptr);

/// estimateRun as a job (exceptions become errors).
JobFunction<TrainEstimate> estimateJob(TrainConfig config, int steps = 3);

} // namespace fopro::ml
