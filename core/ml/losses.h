#pragma once
// Training losses of FoPro-KD and of the baselines it is compared with (docs/method.md).
//
// Plain C++ header: torch types are only forward-declared, so a core/ml .cpp file or an ml test
// that includes torch itself can call these functions. All functions take
//   logits: float tensor B×C (any floating dtype, any device),
//   labels: int64 tensor B with values in [0, C),
//   counts: the training count n_c of every class (size C),
// and return a differentiable 0-dim tensor (the batch loss) unless stated otherwise.

#include <cstdint>
#include <vector>

namespace at {
class Tensor;
}

namespace fopro::ml {

/// Plain cross-entropy, mean over the batch: mean_i −log softmax(z_i)[y_i].
at::Tensor crossEntropyLoss(const at::Tensor &logits, const at::Tensor &labels);

/// Cross-entropy with per-class weights w (size C), PyTorch semantics:
/// Σ_i w_{y_i}·CE_i / Σ_i w_{y_i} (the weighted mean that LDAM-DRW's reference code uses).
at::Tensor weightedCrossEntropyLoss(const at::Tensor &logits, const at::Tensor &labels,
                                    const std::vector<double> &classWeights);

/// Focal loss (Lin et al.): mean_i −(1 − p_i)^γ · log p_i with p_i = softmax(z_i)[y_i].
/// γ = 0 is plain cross-entropy.
at::Tensor focalLoss(const at::Tensor &logits, const at::Tensor &labels, double gamma = 2.0);

/// Class-balanced weights (Cui et al.): w_c = (1−β)/(1−β^{n_c}), normalised so that Σ_c w_c = C.
/// A class with n_c = 0 gets the weight of n_c = 1 (it never occurs in a batch anyway).
std::vector<double> classBalancedWeights(const std::vector<std::int64_t> &counts, double beta = 0.9999);

/// Class-balanced cross-entropy as in Cui et al.'s reference code: mean_i w_{y_i}·CE_i
/// (averaged over the batch, not divided by the sum of the weights), w from classBalancedWeights.
at::Tensor classBalancedCrossEntropyLoss(const at::Tensor &logits, const at::Tensor &labels,
                                         const std::vector<std::int64_t> &counts, double beta = 0.9999);

/// LDAM margins (Cao et al.): m_c = maxMargin · n_c^{-1/4} / max_j n_j^{-1/4}, so the rarest class
/// gets maxMargin. Counts of 0 are treated as 1.
std::vector<double> ldamMargins(const std::vector<std::int64_t> &counts, double maxMargin = 0.5);

/// LDAM loss following the paper's reference code (LDAMLoss in kaidic/LDAM-DRW): subtract m_{y_i}
/// from the true-class logit, multiply all logits by s, then (weighted) cross-entropy.
/// In the paper the logits are cosine outputs of a normalised classifier (so s = 30 is sensible);
/// here the function applies to the logits as given: a model trained with LDAM should use a
/// normalised classifier, which is the caller's choice. `classWeights` empty = unweighted (plain
/// mean); otherwise PyTorch's weighted mean (see weightedCrossEntropyLoss), as the DRW stage uses.
at::Tensor ldamLoss(const at::Tensor &logits, const at::Tensor &labels, const std::vector<std::int64_t> &counts,
                    const std::vector<double> &classWeights = {}, double maxMargin = 0.5, double scale = 30.0);

/// First epoch (0-based) of deferred re-weighting: the last 20% of the epochs are re-weighted,
/// i.e. floor(0.8·epochs) (the reference code's 160 of 200 epochs).
int drwStartEpoch(int epochs);

/// DRW schedule (Cao et al.): all ones before drwStartEpoch(epochs), class-balanced weights
/// classBalancedWeights(counts, beta) from then on. `epoch` is 0-based.
std::vector<double> drwWeights(const std::vector<std::int64_t> &counts, int epoch, int epochs, double beta = 0.9999);

/// Balanced Softmax (Ren et al.), as in the released EKD code:
/// CE(z + log(n_c/N + 1e-12), y), N = Σ_c n_c.
at::Tensor balancedSoftmaxLoss(const at::Tensor &logits, const at::Tensor &labels,
                               const std::vector<std::int64_t> &counts);

/// Logit adjustment (Menon et al.): CE(z + τ·log π_c, y) with the prior π_c = n_c/N; a zero prior
/// is clamped to 1e-12 before the log.
at::Tensor logitAdjustedLoss(const at::Tensor &logits, const at::Tensor &labels,
                             const std::vector<std::int64_t> &counts, double tau = 1.0);

/// Hinton distillation: T²·KL(softmax(t/T) ‖ softmax(s/T)), summed over classes and averaged over the
/// batch ("batchmean"). The teacher logits are detached (the teacher is frozen).
at::Tensor hintonKdLoss(const at::Tensor &studentLogits, const at::Tensor &teacherLogits, double temperature = 4.0);

/// EKD feature loss per sample: L_f = 2 − 2·cos(p, f_t) with both vectors L2-normalised
/// (eps 1e-12, as F.normalize). p: B×D projected student features, f_t: B×D teacher features
/// (detached: the teacher is frozen). Returns a B-vector in [0, 4].
at::Tensor ekdFeatureLossPerSample(const at::Tensor &projected, const at::Tensor &teacherFeatures);

/// mean_i L_f(i).
at::Tensor ekdFeatureLoss(const at::Tensor &projected, const at::Tensor &teacherFeatures);

/// Weighted feature loss: mean_i w_i·L_f(i) (the optional class-balanced feature loss uses
/// w_i = w_{y_i}; see sampleWeights).
at::Tensor ekdFeatureLoss(const at::Tensor &projected, const at::Tensor &teacherFeatures,
                          const at::Tensor &sampleWeights);

/// Per-sample weights w_{y_i} from per-class weights (float tensor B on the labels' device).
at::Tensor sampleWeights(const at::Tensor &labels, const std::vector<double> &classWeights);

/// The three terms of the EKD loss as plain numbers, for logging.
struct EkdLossTerms {
    double feature = 0.0; ///< mean (possibly weighted) L_f, before λ
    double mainBsm = 0.0; ///< BSM of the main classifier
    double auxBsm = 0.0;  ///< BSM of the auxiliary classifier
    double total = 0.0;   ///< λ·feature + mainBsm + auxBsm
};

/// Total EKD loss L = λ·mean(L_f) + BSM(mainLogits, y) + BSM(auxLogits, y) (λ = 3 by default).
/// `terms` (optional) receives the parts as numbers.
at::Tensor ekdLoss(const at::Tensor &mainLogits, const at::Tensor &auxLogits, const at::Tensor &projected,
                   const at::Tensor &teacherFeatures, const at::Tensor &labels, const std::vector<std::int64_t> &counts,
                   double lambda = 3.0, EkdLossTerms *terms = nullptr);

/// As above with a weighted feature term mean_i(w_i·L_f(i)) (class-balanced feature loss).
at::Tensor ekdLoss(const at::Tensor &mainLogits, const at::Tensor &auxLogits, const at::Tensor &projected,
                   const at::Tensor &teacherFeatures, const at::Tensor &labels, const std::vector<std::int64_t> &counts,
                   const at::Tensor &featureSampleWeights, double lambda = 3.0, EkdLossTerms *terms = nullptr);

} // namespace fopro::ml
