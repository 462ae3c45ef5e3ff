#include "core/ml/losses.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>

namespace fopro::ml {

namespace F = torch::nn::functional;

namespace {

void checkShapes(const torch::Tensor &logits, const torch::Tensor &labels)
{
    TORCH_CHECK(logits.dim() == 2, "logits must be B x C, got ", logits.sizes());
    TORCH_CHECK(labels.dim() == 1 && labels.size(0) == logits.size(0), "labels must be a B-vector matching logits");
}

void checkCounts(const torch::Tensor &logits, const std::vector<std::int64_t> &counts)
{
    TORCH_CHECK(std::int64_t(counts.size()) == logits.size(1), "class counts (", counts.size(),
                ") do not match the number of logits (", logits.size(1), ")");
}

/// A 1×C row on the logits' device and dtype, to broadcast over the batch.
torch::Tensor classRow(const std::vector<double> &values, const torch::Tensor &like)
{
    return torch::tensor(values, torch::TensorOptions().dtype(torch::kFloat64))
        .to(like.device(), like.scalar_type())
        .unsqueeze(0);
}

torch::Tensor classVector(const std::vector<double> &values, const torch::Tensor &like)
{
    return classRow(values, like).squeeze(0);
}

double total(const std::vector<std::int64_t> &counts)
{
    double n = 0.0;
    for (const auto c : counts)
        n += double(std::max<std::int64_t>(c, 0));
    return n;
}

} // namespace

at::Tensor crossEntropyLoss(const at::Tensor &logits, const at::Tensor &labels)
{
    checkShapes(logits, labels);
    return F::cross_entropy(logits, labels);
}

at::Tensor weightedCrossEntropyLoss(const at::Tensor &logits, const at::Tensor &labels,
                                    const std::vector<double> &classWeights)
{
    checkShapes(logits, labels);
    TORCH_CHECK(std::int64_t(classWeights.size()) == logits.size(1), "class weights do not match the logits");
    return F::cross_entropy(logits, labels, F::CrossEntropyFuncOptions().weight(classVector(classWeights, logits)));
}

at::Tensor focalLoss(const at::Tensor &logits, const at::Tensor &labels, double gamma)
{
    checkShapes(logits, labels);
    const auto logPt = torch::log_softmax(logits, 1).gather(1, labels.unsqueeze(1)).squeeze(1);
    const auto pt = logPt.exp();
    return (-(1.0 - pt).pow(gamma) * logPt).mean();
}

std::vector<double> classBalancedWeights(const std::vector<std::int64_t> &counts, double beta)
{
    std::vector<double> w(counts.size(), 1.0);
    if (counts.empty()) return w;
    double sum = 0.0;
    for (std::size_t c = 0; c < counts.size(); ++c) {
        const double n = double(std::max<std::int64_t>(counts[c], 1));
        // (1−β)/(1−β^n), with 1 − β^n = −expm1(n·log β) (accurate for β near 1); β ≤ 0 gives 1.
        w[c] = beta <= 0.0 ? 1.0 : (1.0 - beta) / -std::expm1(n * std::log(beta));
        sum += w[c];
    }
    for (auto &v : w)
        v *= double(counts.size()) / sum;
    return w;
}

at::Tensor classBalancedCrossEntropyLoss(const at::Tensor &logits, const at::Tensor &labels,
                                         const std::vector<std::int64_t> &counts, double beta)
{
    checkShapes(logits, labels);
    checkCounts(logits, counts);
    const auto ce = F::cross_entropy(logits, labels, F::CrossEntropyFuncOptions().reduction(torch::kNone));
    const auto w = classVector(classBalancedWeights(counts, beta), ce).index_select(0, labels);
    return (w * ce).mean();
}

std::vector<double> ldamMargins(const std::vector<std::int64_t> &counts, double maxMargin)
{
    std::vector<double> m(counts.size(), 0.0);
    double largest = 0.0;
    for (std::size_t c = 0; c < counts.size(); ++c) {
        m[c] = 1.0 / std::sqrt(std::sqrt(double(std::max<std::int64_t>(counts[c], 1))));
        largest = std::max(largest, m[c]);
    }
    for (auto &v : m)
        v *= maxMargin / largest;
    return m;
}

at::Tensor ldamLoss(const at::Tensor &logits, const at::Tensor &labels, const std::vector<std::int64_t> &counts,
                    const std::vector<double> &classWeights, double maxMargin, double scale)
{
    checkShapes(logits, labels);
    checkCounts(logits, counts);
    const auto margins = classVector(ldamMargins(counts, maxMargin), logits);
    const auto oneHot = F::one_hot(labels, logits.size(1)).to(logits.scalar_type());
    const auto shifted = logits - oneHot * margins.index_select(0, labels).unsqueeze(1);
    auto options = F::CrossEntropyFuncOptions();
    if (!classWeights.empty()) {
        TORCH_CHECK(std::int64_t(classWeights.size()) == logits.size(1), "class weights do not match the logits");
        options.weight(classVector(classWeights, logits));
    }
    return F::cross_entropy(scale * shifted, labels, options);
}

int drwStartEpoch(int epochs)
{
    return std::max(0, (4 * epochs) / 5);
}

std::vector<double> drwWeights(const std::vector<std::int64_t> &counts, int epoch, int epochs, double beta)
{
    if (epoch < drwStartEpoch(epochs)) return std::vector<double>(counts.size(), 1.0);
    return classBalancedWeights(counts, beta);
}

at::Tensor balancedSoftmaxLoss(const at::Tensor &logits, const at::Tensor &labels,
                               const std::vector<std::int64_t> &counts)
{
    checkShapes(logits, labels);
    checkCounts(logits, counts);
    const double n = std::max(total(counts), 1.0);
    std::vector<double> logPrior(counts.size());
    for (std::size_t c = 0; c < counts.size(); ++c)
        logPrior[c] = std::log(double(std::max<std::int64_t>(counts[c], 0)) / n + 1e-12);
    return F::cross_entropy(logits + classRow(logPrior, logits), labels);
}

at::Tensor logitAdjustedLoss(const at::Tensor &logits, const at::Tensor &labels,
                             const std::vector<std::int64_t> &counts, double tau)
{
    checkShapes(logits, labels);
    checkCounts(logits, counts);
    const double n = std::max(total(counts), 1.0);
    std::vector<double> shift(counts.size());
    for (std::size_t c = 0; c < counts.size(); ++c)
        shift[c] = tau * std::log(std::max(double(std::max<std::int64_t>(counts[c], 0)) / n, 1e-12));
    return F::cross_entropy(logits + classRow(shift, logits), labels);
}

at::Tensor hintonKdLoss(const at::Tensor &studentLogits, const at::Tensor &teacherLogits, double temperature)
{
    TORCH_CHECK(studentLogits.dim() == 2 && studentLogits.sizes() == teacherLogits.sizes(),
                "student and teacher logits must both be B x C");
    const auto logPs = torch::log_softmax(studentLogits / temperature, 1);
    const auto logPt = torch::log_softmax(teacherLogits.detach() / temperature, 1);
    const auto kl = (logPt.exp() * (logPt - logPs)).sum(1); // KL(p_t ‖ p_s) per sample
    return temperature * temperature * kl.mean();
}

at::Tensor ekdFeatureLossPerSample(const at::Tensor &projected, const at::Tensor &teacherFeatures)
{
    TORCH_CHECK(projected.dim() == 2 && projected.sizes() == teacherFeatures.sizes(),
                "projected and teacher features must both be B x D with the same D, got ", projected.sizes(), " and ",
                teacherFeatures.sizes());
    const auto p = F::normalize(projected, F::NormalizeFuncOptions().dim(1));
    const auto t = F::normalize(teacherFeatures.detach().to(projected.scalar_type()), F::NormalizeFuncOptions().dim(1));
    return 2.0 - 2.0 * (p * t).sum(1);
}

at::Tensor ekdFeatureLoss(const at::Tensor &projected, const at::Tensor &teacherFeatures)
{
    return ekdFeatureLossPerSample(projected, teacherFeatures).mean();
}

at::Tensor ekdFeatureLoss(const at::Tensor &projected, const at::Tensor &teacherFeatures, const at::Tensor &weights)
{
    const auto perSample = ekdFeatureLossPerSample(projected, teacherFeatures);
    TORCH_CHECK(weights.dim() == 1 && weights.size(0) == perSample.size(0),
                "feature-loss sample weights must be a B-vector");
    return (weights.to(perSample.scalar_type()) * perSample).mean();
}

at::Tensor sampleWeights(const at::Tensor &labels, const std::vector<double> &classWeights)
{
    const auto w = torch::tensor(classWeights, torch::TensorOptions().dtype(torch::kFloat32)).to(labels.device());
    return w.index_select(0, labels);
}

namespace {

at::Tensor ekdCombine(const at::Tensor &feature, const at::Tensor &mainLogits, const at::Tensor &auxLogits,
                      const at::Tensor &labels, const std::vector<std::int64_t> &counts, double lambda,
                      EkdLossTerms *terms)
{
    const auto mainBsm = balancedSoftmaxLoss(mainLogits, labels, counts);
    const auto auxBsm = balancedSoftmaxLoss(auxLogits, labels, counts);
    auto loss = lambda * feature + mainBsm + auxBsm;
    if (terms) {
        terms->feature = feature.item<double>();
        terms->mainBsm = mainBsm.item<double>();
        terms->auxBsm = auxBsm.item<double>();
        terms->total = loss.item<double>();
    }
    return loss;
}

} // namespace

at::Tensor ekdLoss(const at::Tensor &mainLogits, const at::Tensor &auxLogits, const at::Tensor &projected,
                   const at::Tensor &teacherFeatures, const at::Tensor &labels, const std::vector<std::int64_t> &counts,
                   double lambda, EkdLossTerms *terms)
{
    return ekdCombine(ekdFeatureLoss(projected, teacherFeatures), mainLogits, auxLogits, labels, counts, lambda, terms);
}

at::Tensor ekdLoss(const at::Tensor &mainLogits, const at::Tensor &auxLogits, const at::Tensor &projected,
                   const at::Tensor &teacherFeatures, const at::Tensor &labels, const std::vector<std::int64_t> &counts,
                   const at::Tensor &featureSampleWeights, double lambda, EkdLossTerms *terms)
{
    return ekdCombine(ekdFeatureLoss(projected, teacherFeatures, featureSampleWeights), mainLogits, auxLogits, labels,
                      counts, lambda, terms);
}

} // namespace fopro::ml
