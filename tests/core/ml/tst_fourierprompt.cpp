// Fourier Prompt Generator: identity, differentiability through a frozen network, band removal,
// band mask, regulariser, conditional mode and the radial gain profile; the gain of a run's
// conditional prompt for one image, read from the run's checkpoint.
#include <torch/torch.h> // before Qt (QT_NO_KEYWORDS is set anyway)

#include "core/data/imageloader.h"
#include "core/ml/fourierprompt.h"
#include "core/ml/promptgain.h"
#include "core/ml/trainconfig.h"

#include <QtCore/QJsonDocument>
#include <QtCore/QTemporaryDir>
#include <QtTest/QtTest>

#include <opencv2/core.hpp>

#include <cmath>

using namespace fopro::ml;

namespace {

FourierPromptConfig makeConfig(int height, int width, FourierPromptMode mode = FourierPromptMode::Global)
{
    FourierPromptConfig config;
    config.mode = mode;
    config.imageSize = height;
    config.imageWidth = width;
    config.channels = 3;
    return config;
}

/// A small network whose parameters are frozen (requires_grad = false), like the teacher.
torch::nn::Sequential frozenNetwork()
{
    torch::nn::Sequential net(torch::nn::Conv2d(torch::nn::Conv2dOptions(3, 4, 3)), torch::nn::ReLU(),
                              torch::nn::AdaptiveAvgPool2d(torch::nn::AdaptiveAvgPool2dOptions(1)),
                              torch::nn::Flatten(), torch::nn::Linear(4, 2));
    for (auto &p : net->parameters())
        p.requires_grad_(false);
    net->eval();
    return net;
}

double maxAbs(const torch::Tensor &t)
{
    return t.abs().max().item<double>();
}

} // namespace

class TestFourierPrompt : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { torch::manual_seed(0); }

    void identityPromptReturnsTheInput_data()
    {
        QTest::addColumn<int>("height");
        QTest::addColumn<int>("width");
        QTest::newRow("even 16x16") << 16 << 16;
        QTest::newRow("odd width 16x17") << 16 << 17;
        QTest::newRow("odd both 15x21") << 15 << 21;
    }
    void identityPromptReturnsTheInput()
    {
        QFETCH(int, height);
        QFETCH(int, width);
        FourierPrompt prompt(makeConfig(height, width));
        const auto x = torch::randn({2, 3, height, width});
        const auto y = prompt.apply(x);
        QCOMPARE(y.sizes().vec(), x.sizes().vec());
        QCOMPARE(y.scalar_type(), torch::kFloat32);
        QVERIFY2(maxAbs(y - x) < 1e-5, QByteArray::number(maxAbs(y - x)));
        // P starts at 0: one parameter C × H × (W/2+1), all zeros.
        const auto params = prompt.parameters();
        QCOMPARE(params.size(), std::size_t(1));
        QCOMPARE(params[0].sizes().vec(), (std::vector<std::int64_t>{3, height, width / 2 + 1}));
        QCOMPARE(maxAbs(params[0]), 0.0);
    }

    void gradientsReachThePromptThroughAFrozenNetwork()
    {
        FourierPrompt prompt(makeConfig(16, 16));
        auto net = frozenNetwork();
        const auto x = torch::randn({2, 3, 16, 16});
        const auto loss = net->forward(prompt.apply(x)).square().sum();
        loss.backward();
        const auto p = prompt.parameters().at(0);
        QVERIFY(p.grad().defined());
        QVERIFY(maxAbs(p.grad()) > 0.0);
        QVERIFY(!std::isnan(p.grad().sum().item<double>()));
        for (const auto &w : net->parameters())
            QVERIFY(!w.grad().defined());
    }

    void explicitGainMapScalesTheSpectrum()
    {
        // A constant gain of 0.5 is a linear scaling: irfft2(0.5·rfft2(x)) = 0.5·x.
        const auto x = torch::randn({1, 3, 12, 9});
        const auto y = applySpectralGain(x, torch::full({12, 9 / 2 + 1}, 0.5));
        QVERIFY(maxAbs(y - 0.5 * x) < 1e-5);
    }

    void zeroGainRemovesOneBandAndLeavesTheOthers()
    {
        // α = 1 and P = −30 inside the band 0.25 ≤ ρ < 0.5: tanh(−30) = −1 in float, so G = 0 there;
        // P = 0 (G = 1) elsewhere.
        const int n = 32;
        auto config = makeConfig(n, n);
        config.alpha = 1.0;
        FourierPrompt prompt(config);
        const auto rho = radialFrequency(n, n);
        QCOMPARE(rho.sizes().vec(), (std::vector<std::int64_t>{n, n / 2 + 1}));
        const auto band = (rho >= 0.25) & (rho < 0.5);
        {
            torch::NoGradGuard noGrad;
            prompt.parameters().at(0).masked_fill_(band.unsqueeze(0).expand({3, n, n / 2 + 1}), -30.0);
        }
        const auto x = torch::randn({2, 3, n, n});
        const auto before = torch::fft::rfft2(x).abs();
        const auto after = torch::fft::rfft2(prompt.apply(x)).abs();
        const double scale = maxAbs(before);
        // Inside the band: nothing left.
        QVERIFY2(maxAbs(after.masked_select(band)) < 1e-5 * scale,
                 QByteArray::number(maxAbs(after.masked_select(band))));
        QVERIFY(before.masked_select(band).square().sum().item<double>() > 1.0); // there was energy to remove
        // Outside: every bin's amplitude unchanged to 1e-4 of the spectrum's scale, and each other band's
        // energy to 1e-4 relative (8 bands of width 1/8 in ρ; the removed band is 2..3).
        const auto outside = band.logical_not();
        QVERIFY(maxAbs(after.masked_select(outside) - before.masked_select(outside)) < 1e-4 * scale);
        for (int b = 0; b < 8; ++b) {
            if (b == 2 || b == 3) continue;
            const auto inBand = (rho >= b / 8.0) & (b == 7 ? rho >= 0.0 : rho < (b + 1) / 8.0);
            const auto sel = inBand & outside;
            const double e0 = before.masked_select(sel).square().sum().item<double>();
            const double e1 = after.masked_select(sel).square().sum().item<double>();
            QVERIFY2(std::abs(e1 - e0) <= 1e-4 * e0,
                     qPrintable(QStringLiteral("band %1: %2 vs %3").arg(b).arg(e1).arg(e0)));
        }
        // The radial gain profile shows the notch: 0 in bands 2 and 3, 1 elsewhere.
        const auto profile = prompt.radialGainProfile(8);
        QCOMPARE(profile.size(), std::size_t(8));
        for (int b = 0; b < 8; ++b) {
            const double expected = (b == 2 || b == 3) ? 0.0 : 1.0;
            QVERIFY2(std::abs(profile[std::size_t(b)] - expected) < 1e-6,
                     qPrintable(QString::number(profile[std::size_t(b)])));
        }
    }

    void bandMaskLeavesTheOutsideUntouched()
    {
        const int n = 24;
        auto config = makeConfig(n, n + 1);
        config.bandRadius = 0.5;
        FourierPrompt prompt(config);
        {
            torch::NoGradGuard noGrad;
            prompt.parameters().at(0).copy_(2.0 * torch::randn({3, n, (n + 1) / 2 + 1}));
        }
        const auto x = torch::randn({2, 3, n, n + 1});
        const auto before = torch::fft::rfft2(x);
        const auto after = torch::fft::rfft2(prompt.apply(x));
        const auto outside = radialFrequency(n, n + 1) > 0.5;
        const double scale = before.abs().max().item<double>();
        const auto diff = (after - before).abs();
        QVERIFY2(diff.masked_select(outside).max().item<double>() < 1e-4 * scale,
                 QByteArray::number(diff.masked_select(outside).max().item<double>()));
        // Inside, the prompt does change the spectrum.
        QVERIFY(diff.masked_select(outside.logical_not()).max().item<double>() > 1e-2 * scale);
        // The displayed gain is exactly 1 outside the mask.
        const auto gain = prompt.gainMap();
        QCOMPARE(gain.sizes().vec(), (std::vector<std::int64_t>{3, n, (n + 1) / 2 + 1}));
        QCOMPARE(maxAbs(gain.masked_select(outside.unsqueeze(0).expand_as(gain)) - 1.0), 0.0);
        // The mask itself: ρ ≤ r.
        QCOMPARE(fourierBandMask(n, n + 1, 0.5).sum().item<double>(),
                 (radialFrequency(n, n + 1) <= 0.5).sum().item<double>());
    }

    void regulariserByHand()
    {
        // C = 1, H = W = 4: P is 1 × 4 × 3 (12 values). P = 0 → G = 1 → 0.
        FourierPromptConfig config;
        config.imageSize = 4;
        config.channels = 1;
        FourierPrompt prompt(config);
        QCOMPARE(prompt.regulariser().item<double>(), 0.0);
        // One entry P = 0.5, α = 0.5: G − 1 = 0.5·tanh(0.5) = 0.5·0.46211716 = 0.23105858,
        // squared 0.05338807; mean over 12 entries = 0.00444901.
        {
            torch::NoGradGuard noGrad;
            prompt.parameters().at(0).index_put_({0, 1, 2}, 0.5);
        }
        const auto reg = prompt.regulariser();
        QVERIFY(std::abs(reg.item<double>() - 0.05338806675851814 / 12.0) < 1e-8);
        reg.backward();
        // d/dP of (α·tanh P)²/12 = 2·α²·tanh P·(1 − tanh² P)/12 at P = 0.5:
        //   2·0.25·0.46211716·0.78644773/12 = 0.01514323; zero where P = 0.
        const auto grad = prompt.parameters().at(0).grad();
        QVERIFY(std::abs(grad[0][1][2].item<double>() -
                         0.5 * 0.46211715726000974 * (1 - 0.46211715726000974 * 0.46211715726000974) / 12.0) < 1e-8);
        QCOMPARE(grad[0][0][0].item<double>(), 0.0);
    }

    void conditionalModeShapeAndGradients()
    {
        auto config = makeConfig(32, 28, FourierPromptMode::Conditional);
        config.generatorGrid = 8;
        FourierPrompt prompt(config);
        const auto x = torch::randn({2, 3, 32, 28});
        // The generator's last layer starts at zero: identity.
        QVERIFY(maxAbs(prompt.apply(x) - x) < 1e-5);
        QCOMPARE(prompt.parameters().size(), std::size_t(6)); // 3 conv layers, weight + bias
        {
            torch::NoGradGuard noGrad;
            for (auto &p : prompt.parameters())
                p.copy_(0.3 * torch::randn_like(p));
        }
        auto net = frozenNetwork();
        const auto y = prompt.apply(x);
        QCOMPARE(y.sizes().vec(), x.sizes().vec());
        QVERIFY(maxAbs(y - x) > 1e-3);
        const auto loss = net->forward(y).square().sum() + prompt.regulariser();
        loss.backward();
        for (const auto &p : prompt.parameters()) {
            QVERIFY(p.grad().defined());
            QVERIFY(maxAbs(p.grad()) > 0.0);
        }
        for (const auto &w : net->parameters())
            QVERIFY(!w.grad().defined());
        QVERIFY(prompt.regulariser().item<double>() > 0.0);
        QCOMPARE(prompt.gainMap().sizes().vec(), (std::vector<std::int64_t>{3, 32, 15}));
    }

    void identityRadialProfileIsAllOnes()
    {
        FourierPrompt global(makeConfig(32, 32));
        for (const double g : global.radialGainProfile(8))
            QCOMPARE(g, 1.0);
        FourierPrompt conditional(makeConfig(32, 32, FourierPromptMode::Conditional));
        for (const double g : conditional.radialGainProfile(8))
            QCOMPARE(g, 1.0);
        QVERIFY(global.radialGainProfile(0).empty());
    }

    void rejectsAWrongImageSize()
    {
        FourierPrompt prompt(makeConfig(16, 16));
        QVERIFY_THROWS_EXCEPTION(c10::Error, prompt.apply(torch::randn({1, 3, 16, 15})));
    }

    /// A run folder whose conditional prompt's generator is `prompt` (config.json + checkpoints/last.ckpt
    /// with the prompt's parameters, as the trainer's checkpoint names them).
    static QString writeConditionalRun(const QString &dir, FourierPrompt &prompt, const QString &mode)
    {
        QJsonObject c = TrainConfig().toJson(); // FoPro-KD by default
        c.insert(QStringLiteral("imageSize"), prompt.config().imageSize);
        c.insert(QStringLiteral("resizePolicy"), QStringLiteral("crop"));
        QJsonObject teacher = c.value(QStringLiteral("teacher")).toObject();
        teacher.insert(QStringLiteral("path"), QStringLiteral("teacher/model.json"));
        c.insert(QStringLiteral("teacher"), teacher);
        QJsonObject p = c.value(QStringLiteral("prompt")).toObject();
        p.insert(QStringLiteral("mode"), mode);
        p.insert(QStringLiteral("alpha"), prompt.config().alpha);
        p.insert(QStringLiteral("generatorWidth"), prompt.config().generatorWidth);
        p.insert(QStringLiteral("generatorGrid"), prompt.config().generatorGrid);
        c.insert(QStringLiteral("prompt"), p);
        QDir().mkpath(dir + QStringLiteral("/checkpoints"));
        QFile f(dir + QStringLiteral("/config.json"));
        if (!f.open(QIODevice::WriteOnly)) return {};
        f.write(QJsonDocument(c).toJson());
        f.close();
        torch::serialize::OutputArchive ar;
        const auto params = prompt.parameters();
        for (std::size_t i = 0; i < params.size(); ++i)
            ar.write("prompt." + std::to_string(i), params[i], true);
        ar.save_to((dir + QStringLiteral("/checkpoints/last.ckpt")).toStdString());
        return dir;
    }

    void conditionalGainOfOneImageFromARun()
    {
        QTemporaryDir tmp;
        FourierPromptConfig config = makeConfig(16, 0, FourierPromptMode::Conditional);
        config.generatorWidth = 4;
        config.generatorGrid = 8;
        config.alpha = 0.5;
        cv::Mat a(30, 40, CV_8UC3), b(30, 40, CV_8UC3);
        cv::randu(a, 0, 256);
        for (int y = 0; y < b.rows; ++y) // smooth: a different spectrum
            for (int x = 0; x < b.cols; ++x)
                b.at<cv::Vec3b>(y, x) = cv::Vec3b(uchar(6 * x), uchar(8 * y), uchar(3 * (x + y)));

        // 1. Known by hand: the last layer's weights 0 and its biases β give P = β everywhere, so
        //    G = 1 + α·tanh(β_c) in every bin of channel c, whatever the image.
        {
            FourierPrompt prompt(config);
            const double beta[3] = {0.3, -0.2, 1.0};
            {
                torch::NoGradGuard noGrad;
                auto params = prompt.parameters(); // conv1 w, b, conv2 w, b, conv3 w, b
                QCOMPARE(int(params.size()), 6);
                params[4].zero_();
                for (int ch = 0; ch < 3; ++ch)
                    params[5][ch] = beta[ch];
            }
            const QString run =
                writeConditionalRun(tmp.filePath(QStringLiteral("constant")), prompt, QStringLiteral("conditional"));
            QVERIFY(fopro::ml::runHasConditionalPrompt(run));
            auto gain = conditionalPromptGain(run, a);
            QVERIFY2(gain.ok(), qPrintable(gain.ok() ? QString() : gain.error().message()));
            QCOMPARE(gain->channels, 3);
            QCOMPARE(gain->height, 16);
            QCOMPARE(gain->width, 16);
            for (int ch = 0; ch < 3; ++ch)
                for (int y = 0; y < 16; ++y)
                    for (int x = 0; x < gain->halfWidth(); ++x)
                        QVERIFY(std::abs(gain->at(ch, y, x) - (1.0 + 0.5 * std::tanh(beta[ch]))) < 1e-6);
        }

        // 2. Trained-looking weights: the gain depends on the image and equals the prompt applied
        //    directly to the image as training prepares it (crop to 16 px, RGB in [0, 1]).
        torch::manual_seed(7);
        FourierPrompt prompt(config);
        {
            torch::NoGradGuard noGrad;
            for (auto &p : prompt.parameters())
                p.uniform_(-0.5, 0.5);
        }
        const QString run =
            writeConditionalRun(tmp.filePath(QStringLiteral("random")), prompt, QStringLiteral("conditional"));
        auto ga = conditionalPromptGain(run, a);
        auto gb = conditionalPromptGain(run, b);
        QVERIFY(ga.ok() && gb.ok());
        const cv::Mat resized = fopro::data::resizeImage(a, {16, fopro::data::ResizePolicy::ShorterSideCrop});
        torch::Tensor x = torch::from_blob(const_cast<uchar *>(resized.ptr<uchar>()), {1, 16, 16, 3}, torch::kUInt8)
                              .permute({0, 3, 1, 2})
                              .to(torch::kFloat32)
                              .div(255.0);
        {
            torch::NoGradGuard noGrad;
            prompt.apply(x);
        }
        const torch::Tensor direct = prompt.gainMap().contiguous();
        double maxDiffDirect = 0, maxDiffImages = 0;
        for (int ch = 0; ch < 3; ++ch)
            for (int y = 0; y < 16; ++y)
                for (int xx = 0; xx < ga->halfWidth(); ++xx) {
                    maxDiffDirect =
                        std::max(maxDiffDirect, double(std::abs(ga->at(ch, y, xx) - direct[ch][y][xx].item<float>())));
                    maxDiffImages = std::max(maxDiffImages, double(std::abs(ga->at(ch, y, xx) - gb->at(ch, y, xx))));
                }
        QVERIFY2(maxDiffDirect < 1e-6, qPrintable(QString::number(maxDiffDirect)));
        QVERIFY2(maxDiffImages > 1e-3, qPrintable(QString::number(maxDiffImages)));

        // 3. Refusals name the reason: a global prompt, a run without a checkpoint.
        FourierPrompt global(makeConfig(16, 0));
        const QString globalRun =
            writeConditionalRun(tmp.filePath(QStringLiteral("global")), global, QStringLiteral("global"));
        QVERIFY(!fopro::ml::runHasConditionalPrompt(globalRun));
        auto refused = conditionalPromptGain(globalRun, a);
        QVERIFY(!refused.ok());
        QVERIFY(refused.error().message().contains(QLatin1String("global")));
        QFile::remove(run + QStringLiteral("/checkpoints/last.ckpt"));
        auto none = conditionalPromptGain(run, a);
        QVERIFY(!none.ok());
        QVERIFY(none.error().code == fopro::ErrorCode::NotFound);
    }
};

QTEST_GUILESS_MAIN(TestFourierPrompt)
#include "tst_fourierprompt.moc"
