// Losses of FoPro-KD and its baselines against hand-computed values.
//
// Every expected number below is worked out in the comment next to it (log-sum-exp by hand,
// cross-checked with plain python3 math). Notation: CE(z, y) = log Σ_c e^{z_c} − z_y.
// Tensors are float64 so the comparisons can be tight; one case checks float32 too.
#include <torch/torch.h> // before Qt (QT_NO_KEYWORDS is set anyway)

#include "core/ml/losses.h"

#include <QtTest/QtTest>

#include <cmath>

using namespace fopro::ml;

namespace {

torch::Tensor logits(std::initializer_list<std::initializer_list<double>> rows)
{
    std::vector<torch::Tensor> out;
    for (const auto &r : rows)
        out.push_back(torch::tensor(std::vector<double>(r), torch::kFloat64));
    return torch::stack(out);
}

torch::Tensor labels(std::vector<std::int64_t> y)
{
    return torch::tensor(y, torch::kInt64);
}

double value(const torch::Tensor &t)
{
    return t.item<double>();
}

bool near(double actual, double expected, double tol = 1e-6) // float32 tensors: ~1e-7 relative
{
    if (std::abs(actual - expected) <= tol * std::max(1.0, std::abs(expected))) return true;
    qWarning("actual %.12g, expected %.12g", actual, expected);
    return false;
}

} // namespace

class TestLosses : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void crossEntropy()
    {
        // z = [1,2,3], y = 2: log(e+e²+e³) − 3 = log(2.71828+7.38906+20.08554) − 3
        //   = log(30.19287) − 3 = 3.40760596 − 3 = 0.40760596.
        QVERIFY(near(value(crossEntropyLoss(logits({{1, 2, 3}}), labels({2}))), 0.4076059644443804));
        // Batch with z = [0,0,0], y = 0: CE = log 3 = 1.09861229; mean = (0.40760596 + 1.09861229)/2.
        QVERIFY(near(value(crossEntropyLoss(logits({{1, 2, 3}, {0, 0, 0}}), labels({2, 0}))), 0.7531091265562451));
        // float32 gives the same to float precision.
        const auto f = crossEntropyLoss(logits({{1, 2, 3}}).to(torch::kFloat32), labels({2}));
        QCOMPARE(f.scalar_type(), torch::kFloat32);
        QVERIFY(near(value(f), 0.4076059644443804, 1e-6));
    }

    void weightedCrossEntropyIsPyTorchWeightedMean()
    {
        // w = [1, 1, 3]: (3·0.40760596 + 1·1.09861229)/(3 + 1) = 2.32143018/4 = 0.58035755.
        const double expected = (3 * 0.4076059644443804 + std::log(3.0)) / 4.0;
        QVERIFY(
            near(value(weightedCrossEntropyLoss(logits({{1, 2, 3}, {0, 0, 0}}), labels({2, 0}), {1, 1, 3})), expected));
    }

    void focal()
    {
        // y = 2: p = e³/30.19287 = 0.66524096; (1−p)² = 0.33475904² = 0.11206362;
        //   FL = 0.11206362 · 0.40760596 = 0.04567780.
        QVERIFY(near(value(focalLoss(logits({{1, 2, 3}}), labels({2}))), 0.04567779896788494));
        // y = 0: p = e/30.19287 = 0.09003057; (1−p)² = 0.82804435; −log p = 2.40760596;
        //   FL = 0.82804435 · 2.40760596 = 1.99360453.
        QVERIFY(near(value(focalLoss(logits({{1, 2, 3}}), labels({0}))), 1.993604534578631));
        // Batch mean with z = [0,0,0], y = 0: (2/3)²·log 3 = 0.48827213; (0.04567780 + 0.48827213)/2.
        QVERIFY(near(value(focalLoss(logits({{1, 2, 3}, {0, 0, 0}}), labels({2, 0}))), 0.26697496363241136));
        // γ = 0 is cross-entropy.
        QVERIFY(near(value(focalLoss(logits({{1, 2, 3}}), labels({2}), 0.0)), 0.4076059644443804));
    }

    void classBalancedWeightsForALongTail()
    {
        // β = 0.9999, n = [100, 10, 1]: 1 − β^n = [0.00995049, 0.00099955, 0.0001]
        //   → raw (1−β)/(1−β^n) = [0.01004958, 0.10004501, 1.0], sum 1.11009459;
        //   normalised to sum 3: ×3/1.11009459 → [0.02715872, 0.27036887, 2.70247240].
        const auto w = classBalancedWeights({100, 10, 1}, 0.9999);
        QCOMPARE(w.size(), std::size_t(3));
        QVERIFY(near(w[0], 0.027158721622260334));
        QVERIFY(near(w[1], 0.2703688739931705));
        QVERIFY(near(w[2], 2.7024724043845696));
        QVERIFY(near(w[0] + w[1] + w[2], 3.0));
        // Equal counts give equal weights 1; β = 0 gives all ones.
        for (const double v : classBalancedWeights({7, 7, 7, 7}))
            QVERIFY(near(v, 1.0));
        for (const double v : classBalancedWeights({100, 10, 1}, 0.0))
            QVERIFY(near(v, 1.0));
    }

    void classBalancedCrossEntropy()
    {
        // mean(w_2·0.40760596, w_0·1.09861229) = (2.70247240·0.40760596 + 0.02715872·1.09861229)/2
        //   = (1.10154417 + 0.02983691)/2 = 0.56569039.
        QVERIFY(near(value(classBalancedCrossEntropyLoss(logits({{1, 2, 3}, {0, 0, 0}}), labels({2, 0}), {100, 10, 1})),
                     0.5656903880461138));
    }

    void ldamMarginsScaleToTheRarestClass()
    {
        // n^{-1/4} = [100^{-1/4}, 10^{-1/4}, 1] = [0.31622777, 0.56234133, 1]; × 0.5 / 1.
        const auto m = ldamMargins({100, 10, 1});
        QVERIFY(near(m[0], 0.15811388300841897));
        QVERIFY(near(m[1], 0.28117066259517454));
        QVERIFY(near(m[2], 0.5));
    }

    void ldam()
    {
        const std::vector<std::int64_t> counts{100, 10, 1};
        // s = 1, y = 0: z' = [1 − 0.15811388, 2, 3] = [0.84188612, 2, 3];
        //   CE = log(e^0.84188612 + e² + e³) − 0.84188612 = 3.39435178 − 0.84188612 = 2.55246566.
        QVERIFY(near(value(ldamLoss(logits({{1, 2, 3}}), labels({0}), counts, {}, 0.5, 1.0)), 2.5524656555563547));
        // s = 30, y = 0: 30·z' = [25.2565835, 60, 90]; CE ≈ 90 − 25.2565835 + log(1 + e^{−30}) = 64.7434165.
        QVERIFY(near(value(ldamLoss(logits({{1, 2, 3}}), labels({0}), counts)), 64.74341649025267));
        // DRW weights w (class balanced, above) on a batch, s = 30:
        //   l1 = CE(30·[1, 2, 2.5], 2) = log(1 + e^{−15} + e^{−45}) = 3.0590e−7,
        //   l2 = CE(30·[−0.15811388, 0, 0], 0) = log(1 + 2e^{4.74341649}) = 5.44064995;
        //   (w_2·l1 + w_0·l2)/(w_2 + w_0) = (8.27e−7 + 0.14776227)/2.72963112 = 0.05413514.
        const auto w = classBalancedWeights(counts);
        QVERIFY(near(value(ldamLoss(logits({{1, 2, 3}, {0, 0, 0}}), labels({2, 0}), counts, w)), 0.05413513509997588,
                     1e-8));
        // Unweighted: (l1 + l2)/2 = 2.72045447.
        QVERIFY(near(value(ldamLoss(logits({{1, 2, 3}, {0, 0, 0}}), labels({2, 0}), counts)), 2.720454472235245, 1e-8));
    }

    void drwSchedule()
    {
        // 100 epochs: the last 20% (epochs 80..99, 0-based) are re-weighted; 200 epochs → from 160.
        QCOMPARE(drwStartEpoch(100), 80);
        QCOMPARE(drwStartEpoch(200), 160);
        const std::vector<std::int64_t> counts{100, 10, 1};
        for (const double v : drwWeights(counts, 79, 100))
            QCOMPARE(v, 1.0);
        const auto on = drwWeights(counts, 80, 100);
        QVERIFY(near(on[2], 2.7024724043845696));
        QCOMPARE(drwWeights(counts, 99, 100), on);
    }

    void balancedSoftmax()
    {
        // n = [10, 1, 1], N = 12: z + log(n/N + 1e-12) = [1 + log(10/12), 2 + log(1/12), 3 + log(1/12)]
        //   = [0.81767444, −0.48490665, 0.51509335].
        // y = 2: log(e^0.81767444 + e^−0.48490665 + e^0.51509335) − 0.51509335
        //   = log(2.26523 + 0.61574 + 1.67385) − 0.51509335 = 1.51617817 − 0.51509335 = 1.00108482.
        QVERIFY(near(value(balancedSoftmaxLoss(logits({{1, 2, 3}}), labels({2}), {10, 1, 1})), 1.0010848194518627));
        // y = 0: 1.51617817 − 0.81767444 = 0.69849973.
        QVERIFY(near(value(balancedSoftmaxLoss(logits({{1, 2, 3}}), labels({0}), {10, 1, 1})), 0.6984997264686171));
        // Zero logits: softmax(log prior) = prior, so BSM = −log(1/12) = log 12 = 2.48490665.
        QVERIFY(near(value(balancedSoftmaxLoss(logits({{0, 0, 0}}), labels({2}), {10, 1, 1})), std::log(12.0)));
        // Balanced counts: BSM = CE.
        QVERIFY(near(value(balancedSoftmaxLoss(logits({{1, 2, 3}}), labels({2}), {5, 5, 5})), 0.4076059644443804));
    }

    void logitAdjustment()
    {
        // τ = 1 equals BSM up to the 1e-12 inside BSM's log.
        QVERIFY(near(value(logitAdjustedLoss(logits({{1, 2, 3}}), labels({2}), {10, 1, 1})), 1.0010848194518627, 1e-9));
        // τ = 0.5, y = 0: z + 0.5·log(n/12) = [0.90883722, 0.75754668, 1.75754668];
        //   log(2.48143 + 2.13296 + 5.79800) − 0.90883722 = 2.34302155 − 0.90883722 = 1.43418433.
        QVERIFY(near(value(logitAdjustedLoss(logits({{1, 2, 3}}), labels({0}), {10, 1, 1}, 0.5)), 1.4341843328938177));
    }

    void hintonDistillation()
    {
        // T = 4: s/T = [0.25, 0.5, 0.75], e^{s/T} = [1.28402542, 1.64872127, 2.11700002], sum 5.04974671
        //   → p_s = [0.25427498, 0.32649637, 0.41922866]; t/T is s/T reversed, so p_t = p_s reversed and
        //   log p_t − log p_s = (t − s)/T = [0.5, 0, −0.5] (same log-sum-exp).
        // KL(p_t‖p_s) = 0.5·p_t[0] − 0.5·p_t[2] = 0.5·(0.41922866 − 0.25427498) = 0.08247684;
        // × T² = 16 → 1.31962991.
        QVERIFY(near(value(hintonKdLoss(logits({{1, 2, 3}}), logits({{3, 2, 1}}))), 1.3196299121538528));
        // Same logits: zero.
        QVERIFY(near(value(hintonKdLoss(logits({{1, 2, 3}}), logits({{1, 2, 3}}))), 0.0));
        // The teacher gets no gradient.
        auto teacher = logits({{3, 2, 1}}).requires_grad_(true);
        auto student = logits({{1, 2, 3}}).requires_grad_(true);
        hintonKdLoss(student, teacher).backward();
        QVERIFY(student.grad().defined());
        QVERIFY(!teacher.grad().defined());
    }

    void ekdFeatureLossPerSampleAndMean()
    {
        // Sample 1: p = [1,0], t = [0,1]: cos = 0 → 2. Sample 2: p = [1,1], t = [2,2]: cos = 1 → 0.
        // Sample 3: p = [3,4], t = [4,3]: cos = (12+12)/25 = 0.96 → 2 − 1.92 = 0.08.
        const auto p = logits({{1, 0}, {1, 1}, {3, 4}});
        const auto t = logits({{0, 1}, {2, 2}, {4, 3}});
        const auto per = ekdFeatureLossPerSample(p, t);
        QCOMPARE(per.size(0), 3);
        QVERIFY(near(per[0].item<double>(), 2.0));
        QVERIFY(near(per[1].item<double>(), 0.0));
        QVERIFY(near(per[2].item<double>(), 0.08));
        // Mean: (2 + 0 + 0.08)/3 = 0.69333333.
        QVERIFY(near(value(ekdFeatureLoss(p, t)), 2.08 / 3.0));
        // Weighted mean: (0.5·2 + 1·0 + 10·0.08)/3 = 1.8/3 = 0.6.
        QVERIFY(near(value(ekdFeatureLoss(p, t, torch::tensor({0.5, 1.0, 10.0}, torch::kFloat64))), 0.6));
    }

    void sampleWeightsPickTheClassWeight()
    {
        const auto w = sampleWeights(labels({2, 0, 2}), {0.5, 1.0, 4.0});
        QCOMPARE(w.size(0), 3);
        QCOMPARE(w[0].item<double>(), 4.0);
        QCOMPARE(w[1].item<double>(), 0.5);
        QCOMPARE(w[2].item<double>(), 4.0);
    }

    void ekdTotal()
    {
        // λ = 3: 3·0.08 (p = [3,4], t = [4,3]) + BSM([1,2,3], 2) + BSM([0,0,0], 2) with n = [10,1,1]
        //   = 0.24 + 1.00108482 + 2.48490665 = 3.72599147.
        auto projected = logits({{3, 4}}).requires_grad_(true);
        auto mainLogits = logits({{1, 2, 3}}).requires_grad_(true);
        auto auxLogits = logits({{0, 0, 0}}).requires_grad_(true);
        EkdLossTerms terms;
        const auto loss =
            ekdLoss(mainLogits, auxLogits, projected, logits({{4, 3}}), labels({2}), {10, 1, 1}, 3.0, &terms);
        QVERIFY(near(value(loss), 3.725991469230863));
        QVERIFY(near(terms.feature, 0.08));
        QVERIFY(near(terms.mainBsm, 1.0010848194518627));
        QVERIFY(near(terms.auxBsm, std::log(12.0)));
        QVERIFY(near(terms.total, 3.725991469230863));
        loss.backward();
        QVERIFY(projected.grad().defined() && projected.grad().abs().sum().item<double>() > 0);
        QVERIFY(mainLogits.grad().defined() && auxLogits.grad().defined());
        // Weighted feature term with w = [2]: 3·2·0.08 + 1.00108482 + 2.48490665 = 3.96599147.
        const auto weighted = ekdLoss(logits({{1, 2, 3}}), logits({{0, 0, 0}}), logits({{3, 4}}), logits({{4, 3}}),
                                      labels({2}), {10, 1, 1}, torch::tensor({2.0}, torch::kFloat64), 3.0);
        QVERIFY(near(value(weighted), 3.725991469230863 + 0.24));
    }

    void rejectsMismatchedShapes()
    {
        QVERIFY_THROWS_EXCEPTION(c10::Error, balancedSoftmaxLoss(logits({{1, 2, 3}}), labels({2}), {1, 1}));
        QVERIFY_THROWS_EXCEPTION(c10::Error, crossEntropyLoss(logits({{1, 2, 3}}), labels({2, 1})));
    }
};

QTEST_GUILESS_MAIN(TestLosses)
#include "tst_losses.moc"
