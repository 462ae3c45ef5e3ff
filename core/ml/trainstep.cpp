// One optimisation step: the teacher's output (cached, plain, or on the prompted image), the
// student's forward, the strategy's loss from the registry, the student's step, and FoPro-KD's
// prompt step.

#include "core/ml/session_p.h"
#include "core/ml/steploss_p.h"

namespace fopro::ml {

namespace {

struct TeacherOutput {
    torch::Tensor detached; ///< what the student's loss sees
    torch::Tensor prompted; ///< the prompt step only: the output with its graph back to the prompt
};

TeacherOutput teacherOutput(Session &s, const Batch &b, bool promptStep)
{
    TeacherOutput out;
    if (!s.usesTeacher()) return out;
    if (s.featureCache.defined()) {
        const std::vector<std::int64_t> idx(b.positions.begin(), b.positions.end());
        out.detached = s.featureCache.index_select(0, torch::tensor(idx, torch::kInt64));
    } else if (s.prompt && promptStep) {
        s.prompt->setTraining(true);
        out.prompted = s.teacher->forward(s.prompt->apply(b.x01));
        out.detached = out.prompted.detach();
    } else {
        torch::Tensor input = b.x01;
        if (s.prompt) {
            torch::NoGradGuard noGrad; // the prompt keeps its last gain: an ordinary tensor
            input = s.prompt->apply(b.x01);
        }
        {
            c10::InferenceMode inference; // the teacher is frozen: no graph, no version counters
            out.detached = s.teacher->forward(input);
        }
        out.detached = out.detached.clone(); // an ordinary tensor again: the loss may save it
    }
    return out;
}

void studentStep(Session &s, const torch::Tensor &loss, double share)
{
    s.optimizer->zero_grad();
    loss.backward();
    std::vector<torch::Tensor> params;
    for (auto &group : s.optimizer->param_groups())
        for (auto &p : group.params())
            params.push_back(p);
    // The gradient of the global batch: each rank's, weighted by its share, summed over the ranks
    // (before clipping, so that every rank clips the same gradient).
    if (s.group) s.group->sumGradients(params, share);
    if (s.config.clipNorm > 0) torch::nn::utils::clip_grad_norm_(params, s.config.clipNorm);
    s.optimizer->step();
}

/// The prompt's own step: the discrepancy between the (fixed) student projection and the teacher
/// on the prompted image; AKD ascends it, explore descends it.
void promptStep(Session &s, const torch::Tensor &projected, const torch::Tensor &promptedTeacher, double share,
                std::vector<std::pair<QString, double>> &terms)
{
    namespace F = torch::nn::functional;
    const auto opts = F::NormalizeFuncOptions().dim(1).eps(1e-12);
    const torch::Tensor cosine = (F::normalize(projected.detach(), opts) * F::normalize(promptedTeacher, opts)).sum(1);
    const torch::Tensor discrepancy = (2.0 - 2.0 * cosine).mean();
    const double sign = s.config.promptUpdate == PromptUpdate::Adversarial ? -1.0 : 1.0;
    const torch::Tensor reg = s.prompt->regulariser();
    const torch::Tensor promptLoss = sign * discrepancy + s.config.promptRegulariser * reg;
    s.promptOptimizer->zero_grad();
    promptLoss.backward();
    if (s.group) s.group->sumGradients(s.prompt->parameters(), share);
    s.promptOptimizer->step();
    terms.emplace_back(QStringLiteral("prompt_discrepancy"), discrepancy.item<double>());
    terms.emplace_back(QStringLiteral("prompt_regulariser"), reg.item<double>());
}

} // namespace

std::vector<std::pair<QString, double>> trainStep(Session &s, const Batch &b, int epoch)
{
    const TrainConfig &c = s.config;
    const bool promptDue = s.prompt && (s.steps % c.promptEvery == 0);
    const TeacherOutput teacher = teacherOutput(s, b, promptDue);

    s.student->train(true);
    if (c.freezeBatchNorm) s.student->freezeBatchNorm();
    if (s.heads) s.heads->train(true);
    const torch::Tensor features = s.student->features(normalise(b.x01, c.mean, c.std));
    const StepTensors step{c,
                           s.counts,
                           epoch,
                           b.labels,
                           features,
                           s.student->logits(features),
                           teacher.detached,
                           s.heads ? &*s.heads : nullptr};
    StepLoss out;
    s.strategy->loss(step, out);
    const double loss = out.loss.item<double>();
    // The prompt's step first: its backward releases the teacher's graph before the student's
    // backward runs, so the two graphs' gradients are never in memory together. The two steps
    // share no graph (the student's loss saw the teacher's output detached, the prompt's sees the
    // student's projection detached), so the order changes no number.
    std::vector<std::pair<QString, double>> promptTerms;
    if (promptDue && teacher.prompted.defined()) promptStep(s, out.projected, teacher.prompted, b.share(), promptTerms);
    studentStep(s, out.loss, b.share());
    out.terms.insert(out.terms.begin(), {QStringLiteral("loss"), loss});
    out.terms.insert(out.terms.end(), promptTerms.begin(), promptTerms.end());
    ++s.steps;
    return out.terms;
}

} // namespace fopro::ml
