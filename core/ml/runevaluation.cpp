// Evaluation of a student on a split: predictions in batches, the metrics of core/metrics (with the
// run's head/medium/tail thresholds) and results/<split>_* through the RunFolder.

#include "core/ml/runevaluation.h"

#include "core/ml/errortext.h"
#include "core/ml/session_p.h"
#include "core/ml/torchinfo.h"
#include "core/ml/trainer.h"

#include <QtCore/QFileInfo>

namespace fopro::ml {

using detail::qs;

Result<Predictions> predictSplit(Session &s, ImageSource &images, const SplitData &split, JobControl *control,
                                 const std::function<void(int, int)> &tick)
{
    s.student->eval();
    const int numClasses = s.numClasses;
    const int n = int(split.size());
    // In a distributed run each rank predicts a contiguous part and the parts are gathered by a sum
    // (every other rank adds zeros); cancelling waits for the next training step, where the ranks
    // agree on it.
    const auto [begin, end] = s.group ? shardRange(n, s.group->rank(), s.group->size()) : std::pair<int, int>{0, n};
    std::vector<double> probabilities(size_t(n) * size_t(numClasses), 0.0);
    int done = 0;
    for (auto positions : sequentialBatches(end - begin, std::max(s.config.batchSize, 64))) {
        c10::InferenceMode inference; // nothing computed here is ever differentiated
        if (!s.group && isCancelled(control)) return makeError(ErrorCode::Cancelled, {}, QStringLiteral("cancelled"));
        for (int &position : positions)
            position += begin;
        auto b = makeBatch(images, split, positions, false, 0, s.config.imageSize);
        if (!b) return b.error();
        const torch::Tensor logits = s.student->forward(normalise(b.value().x01, s.config.mean, s.config.std));
        const torch::Tensor probs = torch::softmax(logits, 1).to(torch::kFloat64).contiguous();
        std::copy(probs.data_ptr<double>(), probs.data_ptr<double>() + probs.numel(),
                  probabilities.begin() + std::ptrdiff_t(positions.front()) * numClasses);
        done += int(positions.size());
        if (tick) tick(done, end - begin);
    }
    if (s.group) {
        torch::Tensor all =
            torch::from_blob(probabilities.data(), {std::int64_t(probabilities.size())}, torch::kFloat64);
        s.group->sum(all);
    }
    Predictions p;
    p.probabilities.reserve(probabilities.size());
    for (int i = 0; i < n; ++i) {
        const double *row = probabilities.data() + size_t(i) * size_t(numClasses);
        int arg = 0;
        for (int k = 0; k < numClasses; ++k) {
            p.probabilities.push_back(std::clamp(row[k], 0.0, 1.0));
            if (row[k] > row[arg]) arg = k;
        }
        p.yPred.push_back(arg);
        p.yTrue.push_back(split.labels[size_t(i)]);
    }
    return p;
}

Result<SplitEvaluation> evaluateSplit(Session &s, ImageSource &images, const SplitData &split, const QString &name,
                                      JobControl *control, const ProgressSink &progress)
{
    auto p = predictSplit(s, images, split, control, [&](int done, int total) {
        Progress tp;
        tp.phase = kPhaseEvaluating;
        tp.done = done;
        tp.total = total;
        tp.message = QStringLiteral("evaluating the %1 split").arg(name);
        report(progress, tp);
    });
    if (!p) return p.error();
    metrics::EvaluationOptions o;
    o.numClasses = s.numClasses;
    o.trainCounts.assign(s.counts.begin(), s.counts.end());
    o.many = s.config.many;
    o.few = s.config.few;
    auto report = metrics::evaluate(p->yTrue, p->yPred, p->probabilities, o);
    if (!report) return report.error();
    project::SplitResults results;
    results.metrics = metrics::reportToJson(*report, s.classNames);
    results.metrics.insert(QStringLiteral("split"), name);
    results.metrics.insert(QStringLiteral("bestEpoch"), s.bestEpoch);
    results.perClass = metrics::classMetricsToJson(*report, s.classNames);
    results.perClassCsv = metrics::classMetricsToCsv(*report, s.classNames);
    for (int sample : split.samples)
        results.predictions.sampleIds << s.data.index.samples[size_t(sample)].id();
    results.predictions.yTrue = p->yTrue;
    results.predictions.yPred = p->yPred;
    results.predictions.probabilities = p->probabilities;
    if (s.writes())
        if (auto w = s.run.writeResults(name, results, s.classNames); !w) return w.error();
    SplitEvaluation e;
    e.split = name;
    e.report = std::move(report).value();
    e.classNames = s.classNames;
    e.trainCounts = s.counts;
    e.bestEpoch = s.bestEpoch;
    return e;
}

Result<SplitEvaluation> evaluateRun(const QString &runDir, const QString &split, JobControl *control,
                                    const ProgressSink &progress)
{
    auto s = std::make_unique<Session>();
    if (auto r = openRun(*s, runDir); !r) return r.error();
    const SplitData *part = split == QLatin1String("val")     ? &s->val
                            : split == QLatin1String("test")  ? &s->test
                            : split == QLatin1String("train") ? &s->train
                                                              : nullptr;
    if (!part)
        return makeError(ErrorCode::InvalidArgument, {},
                         QStringLiteral("split must be train, val or test, not \"%1\"").arg(split));
    if (part->empty())
        return makeError(ErrorCode::InvalidArgument, s->data.manifest,
                         QStringLiteral("the dataset has no usable images in the %1 split").arg(split));
    const QString best = s->run.bestCheckpoint();
    if (!QFileInfo::exists(best))
        return makeError(ErrorCode::NotFound, best, QStringLiteral("the run has no finished epoch yet"));
    try {
        configureTorchThreads(s->config.threads);
        auto student = Student::create(studentConfigFor(s->config, s->numClasses));
        if (!student) return student.error();
        s->student.emplace(std::move(student).value());
        if (auto r = s->student->loadParameters(best.toStdString()); !r) return r.error();
        if (auto status = s->run.readStatus()) s->bestEpoch = status->bestEpoch;
        ImageSource images(s->data.index, s->config);
        return evaluateSplit(*s, images, *part, split, control, progress);
    } catch (const std::exception &e) {
        return makeError(ErrorCode::Malformed, runDir,
                         QStringLiteral("evaluation failed: %1").arg(qs(detail::firstLine(e))));
    }
}

JobFunction<SplitEvaluation> evaluateJob(QString runDir, QString split)
{
    return [runDir = std::move(runDir), split = std::move(split)](JobControl &control, const ProgressSink &progress) {
        return callGuarded([&] { return evaluateRun(runDir, split, &control, progress); },
                           QStringLiteral("evaluation"));
    };
}

} // namespace fopro::ml
