#pragma once
// Private to core/ml (included by its .cpp files only; it includes torch): the state of one training
// run while it is open (configuration, data, models, optimisers, counters) and the functions the
// training, checkpoint and evaluation files share.
//   trainsession.cpp  dataset, splits, models, the run header, the teacher-feature cache
//   checkpoint.cpp    checkpoints/last.ckpt save and load
//   trainstep.cpp     one optimisation step (the strategy's loss, the prompt's step)
//   trainloop.cpp     epochs, validation, records; trainRun / resumeRun
//   runevaluation.cpp predictions and results of a split; evaluateRun

#include "core/jobs/jobcontrol.h"
#include "core/jobs/progress.h"
#include "core/ml/collective_p.h"
#include "core/ml/fourierprompt.h"
#include "core/ml/imagesource.h"
#include "core/ml/models.h"
#include "core/ml/runevaluation.h"
#include "core/ml/strategies.h"
#include "core/ml/teacher.h"
#include "core/ml/trainconfig.h"
#include "core/project/runfolder.h"

#include <torch/torch.h>

#include <QtCore/QStringList>

#include <cstdint>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

namespace fopro::ml {

/// The dataset a configuration names: a manifest file or a project folder.
struct LoadedDataset {
    data::DatasetIndex index;
    QString manifest; ///< absolute path of the manifest file
    QString sha256;
    QString project; ///< the project folder holding the manifest (empty for a bare manifest)
};

struct Session {
    TrainConfig config;
    const StrategyInfo *strategy = nullptr; ///< config.strategy's registry entry
    project::RunFolder run;
    LoadedDataset data;
    SplitData train, val, test;
    std::vector<std::int64_t> counts; ///< training images per class
    QStringList classNames;
    int numClasses = 0;

    std::optional<Student> student;
    std::optional<EkdHeads> heads;
    std::optional<FourierPrompt> prompt;
    std::optional<Teacher> teacher;
    std::unique_ptr<torch::optim::Optimizer> optimizer;
    std::unique_ptr<torch::optim::Adam> promptOptimizer;
    torch::Tensor featureCache; ///< train-split teacher outputs when cached

    /// The process group of a distributed run (distributed.h); null for one process.
    std::unique_ptr<Collective> group;
    int worldSize() const { return group ? group->size() : 1; }
    /// Rank 0, or the only process: the one that writes the run folder.
    bool writes() const { return !group || group->rank() == 0; }

    int epochsDone = 0;
    int bestEpoch = 0;
    double bestScore = -1;
    std::vector<project::EpochRecord> history;
    std::int64_t steps = 0;

    bool usesTeacher() const { return strategy && strategy->needsTeacher; }
    /// The teacher's input is deterministic (no augmentation, no prompt) and caching is on.
    bool cachesTeacher() const;
    /// Writes status.json with `state` and the counters (best effort; rank 0 only).
    void writeStatus(const QString &state, const QString &detail = {}) const;
    /// A line in log.txt (rank 0 only).
    void log(const QString &line) const;
};

struct Batch {
    torch::Tensor x01;          ///< B×3×S×S in [0,1]
    torch::Tensor labels;       ///< B int64
    std::vector<int> positions; ///< positions within the split (this rank's shard of the global batch)
    int globalCount = 0;        ///< images in the global batch (all ranks); 0: positions.size()
    /// This rank's share of the global batch (1 for one process): the weight of its gradients.
    double share() const { return globalCount > 0 ? double(positions.size()) / double(globalCount) : 1.0; }
};

/// A batch of `split` as tensors (ImageSource::fillBatch).
Result<Batch> makeBatch(ImageSource &images, const SplitData &split, const std::vector<int> &positions, bool augment,
                        std::uint64_t epochSeed, int imageSize, int workers = 0);
torch::Tensor normalise(const torch::Tensor &x01, const std::array<float, 3> &mean, const std::array<float, 3> &std);
/// The student of a configuration (cosine classifier for the strategies that use it).
StudentConfig studentConfigFor(const TrainConfig &config, int numClasses);

// trainsession.cpp
/// Configuration → session: dataset, splits, class counts (no models).
Result<void> prepareData(Session &s);
/// Opens an existing run (config.json) into a session: configuration and data.
Result<void> openRun(Session &s, const QString &runDir);
/// Builds models, optimisers and the teacher of a session (weights from the seed).
Result<void> buildModels(Session &s);
/// config.json's content.
QJsonObject runHeader(const Session &s);
/// Fills s.featureCache from teacher_features.pt or by running the teacher over the train split.
Result<void> cacheTeacherFeatures(Session &s, ImageSource &images, JobControl *control, const ProgressSink &progress);

// checkpoint.cpp
Result<void> saveCheckpoint(Session &s);
Result<void> loadCheckpoint(Session &s, const QString &path);

// trainstep.cpp
/// One optimisation step (and the prompt's step when due); returns the loss terms, "loss" first.
std::vector<std::pair<QString, double>> trainStep(Session &s, const Batch &b, int epoch);

// runevaluation.cpp
struct Predictions {
    std::vector<int> yTrue, yPred;
    std::vector<double> probabilities; ///< N×C
};
/// The student's predictions on a split. `tick(done, total)` after every batch.
Result<Predictions> predictSplit(Session &s, ImageSource &images, const SplitData &split, JobControl *control,
                                 const std::function<void(int, int)> &tick = {});
/// Evaluates the session's student on a split and writes results/<name>_*.
Result<SplitEvaluation> evaluateSplit(Session &s, ImageSource &images, const SplitData &split, const QString &name,
                                      JobControl *control, const ProgressSink &progress);

} // namespace fopro::ml
