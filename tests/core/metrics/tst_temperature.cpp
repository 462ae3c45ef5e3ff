// Temperature scaling: a case whose optimum is known in closed form, and a deliberately
// overconfident model whose fitted temperature must undo the sharpening.
#include "core/metrics/calibration.h"
#include "core/metrics/temperature.h"
#include "tests/support/testsupport.h"

#include <QtTest/QtTest>

#include <cmath>
#include <random>

using namespace fopro::metrics;

namespace {

/// A calibrated "true" model: per sample, probabilities from random logits (normal, sd 1.5) over
/// C classes and a label drawn from them; the overconfident model reports p^k / Σ p^k.
struct Drawn {
    std::vector<int> labels;
    std::vector<double> trueProbabilities, sharpLogits;
};

Drawn draw(int n, int classes, double sharpen, unsigned seed)
{
    std::mt19937 rng(seed);
    std::normal_distribution<double> normal(0.0, 1.5);
    std::uniform_real_distribution<double> uniform(0.0, 1.0);
    Drawn d;
    for (int i = 0; i < n; ++i) {
        std::vector<double> z(static_cast<size_t>(classes), 0.0);
        double sum = 0;
        for (double &v : z)
            sum += v = std::exp(normal(rng));
        double u = uniform(rng), cumulative = 0;
        int label = classes - 1;
        for (int k = 0; k < classes; ++k) {
            const double p = z[size_t(k)] / sum;
            d.trueProbabilities.push_back(p);
            d.sharpLogits.push_back(sharpen * std::log(p)); // log of p^k, up to a constant
            cumulative += p;
            if (label == classes - 1 && u < cumulative) label = k;
        }
        d.labels.push_back(label);
    }
    return d;
}

} // namespace

class TestTemperature : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void closedForm()
    {
        // Every sample has logits (4, 0); 3 of 4 are class 0. NLL(T) = .75·log(1 + e^(−4/T)) +
        // .25·log(1 + e^(4/T)) is smallest where σ(4/T) = .75, i.e. 4/T = ln 3: T = 4 / ln 3
        // = 3.6409569065...; there softmax = (.75, .25), so NLL = −(.75 ln .75 + .25 ln .25)
        // = 0.5623351446...; at T = 1: .75·log(1 + e^−4) + .25·log(1 + e^4) = 1.0181499279...
        const std::vector<int> y{0, 0, 0, 1};
        const std::vector<double> logits{4, 0, 4, 0, 4, 0, 4, 0};
        auto fit = fitTemperature(y, logits, 2);
        QVERIFY(fit.ok());
        QVERIFY2(std::fabs(fit->temperature - 4.0 / std::log(3.0)) < 1e-6,
                 qPrintable(QString::number(fit->temperature)));
        QVERIFY(std::fabs(fit->nllAfter - 0.5623351446188083) < 1e-10);
        QVERIFY(std::fabs(fit->nllBefore - 1.0181499279178097) < 1e-10);
        QVERIFY(fit->iterations > 10 && fit->iterations < 100);
        const std::vector<double> p = applyTemperature(logits, 2, fit->temperature);
        QVERIFY(std::fabs(p[0] - 0.75) < 1e-6 && std::fabs(p[1] - 0.25) < 1e-6);
        // The same model given as probabilities: log p / T with p = softmax(4, 0) differs from the
        // logits by a per-row constant, so the fit is the same.
        std::vector<double> probs = applyTemperature(logits, 2, 1.0);
        auto again = fitTemperature(y, logProbabilities(probs), 2);
        QVERIFY(again.ok());
        QVERIFY(std::fabs(again->temperature - fit->temperature) < 1e-6);
    }

    void helpers()
    {
        // softmax((2, 0, −2) / 2) = e^(1, 0, −1) / (e + 1 + 1/e) = (.6652409558, .2447284711, .0900305732).
        const std::vector<double> p = applyTemperature({2, 0, -2}, 3, 2.0);
        QVERIFY(std::fabs(p[0] - 0.6652409557748219) < 1e-12);
        QVERIFY(std::fabs(p[1] - 0.24472847105479767) < 1e-12);
        QVERIFY(std::fabs(p[2] - 0.09003057317038046) < 1e-12);
        const std::vector<double> l = logProbabilities({1.0, 0.0});
        QCOMPARE(l[0], 0.0);
        QVERIFY(std::fabs(l[1] - std::log(1e-12)) < 1e-9);
        QVERIFY(!fitTemperature({0}, {1.0}, 1).ok());
        QVERIFY(!fitTemperature({0, 2}, {1, 0, 0, 1}, 2).ok());
        QVERIFY(!fitTemperature({0, 1}, {1, 0, 0}, 2).ok());
        QVERIFY(!fitTemperature({}, {}, 2).ok());
    }

    void overconfidentModel()
    {
        // Labels are drawn from the true probabilities, so those are calibrated; the model
        // reports them cubed and renormalised (logits 3·log p), overconfident. Temperature
        // scaling should find T ≈ 3 (softmax(3 log p / 3) = p), lower the validation NLL, and
        // lower the ECE on a test set drawn the same way.
        const int classes = 5;
        const Drawn val = draw(4000, classes, 3.0, 7);
        const Drawn test = draw(4000, classes, 3.0, 11);
        auto fit = fitTemperature(val.labels, val.sharpLogits, classes);
        QVERIFY(fit.ok());
        qInfo("fitted T = %.4f, val NLL %.4f -> %.4f", fit->temperature, fit->nllBefore, fit->nllAfter);
        QVERIFY(fit->temperature > 1);
        QVERIFY(std::fabs(fit->temperature - 3.0) < 0.3);
        QVERIFY(fit->nllAfter < fit->nllBefore);
        auto before = expectedCalibration(test.labels, applyTemperature(test.sharpLogits, classes, 1.0), classes);
        auto after =
            expectedCalibration(test.labels, applyTemperature(test.sharpLogits, classes, fit->temperature), classes);
        auto truth = expectedCalibration(test.labels, test.trueProbabilities, classes);
        QVERIFY(before.ok() && after.ok() && truth.ok());
        qInfo("test ECE %.4f -> %.4f (true probabilities: %.4f)", before->ece, after->ece, truth->ece);
        QVERIFY(after->ece < before->ece);
        QVERIFY(after->ece < 0.5 * before->ece);
        // The arg-max never changes.
        const auto sharp = applyTemperature(test.sharpLogits, classes, 1.0);
        const auto soft = applyTemperature(test.sharpLogits, classes, fit->temperature);
        for (size_t i = 0; i < test.labels.size(); ++i) {
            const auto row = [&](const std::vector<double> &v) {
                return int(std::max_element(v.begin() + long(i) * classes, v.begin() + long(i + 1) * classes) -
                           (v.begin() + long(i) * classes));
            };
            QCOMPARE(row(sharp), row(soft));
        }
    }
};

QTEST_GUILESS_MAIN(TestTemperature)
#include "tst_temperature.moc"
