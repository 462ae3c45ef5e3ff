#pragma once
// Evaluation of a run's best student on a split of its dataset: predictions, the metrics of
// core/metrics, and results/<split>_* written through the RunFolder. Core returns values (the
// report, the class names, the training counts); the CLI and the GUI format them.

#include "core/common/result.h"
#include "core/jobs/jobcontrol.h"
#include "core/jobs/jobmanager.h"
#include "core/jobs/progress.h"
#include "core/metrics/evaluation.h"

#include <QtCore/QString>
#include <QtCore/QStringList>

#include <cstdint>
#include <vector>

namespace fopro::ml {

struct SplitEvaluation {
    QString split;                    ///< "train", "val" or "test"
    metrics::EvaluationReport report; ///< with head/medium/tail groups from the run's thresholds
    QStringList classNames;
    std::vector<std::int64_t> trainCounts; ///< training images per class
    int bestEpoch = 0;                     ///< the epoch of the evaluated student (1-based)
};

/// Evaluates the best student of a run on a split of its dataset ("train", "val" or "test"),
/// writing results/<split>_*.{json,csv}. Progress: phase "evaluating", done/total in images.
Result<SplitEvaluation> evaluateRun(const QString &runDir, const QString &split = QStringLiteral("test"),
                                    JobControl *control = nullptr, const ProgressSink &progress = {});

/// evaluateRun as a job.
JobFunction<SplitEvaluation> evaluateJob(QString runDir, QString split = QStringLiteral("test"));

} // namespace fopro::ml
