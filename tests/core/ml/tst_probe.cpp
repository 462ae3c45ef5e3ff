// Frequency preference probe: teachers whose answer can be worked out by hand. A "DC" teacher (the
// channel means plus a constant) only sees the zero frequency; a "pixels" teacher (the flattened
// image) turns the cosine into sqrt(kept energy / total energy) by Parseval, checked against a full
// 2-D FFT with the bands computed here from their definition. Batching, progress, cancellation, the
// cv::Mat path and the CSV are checked too.
#include <torch/script.h>
#include <torch/torch.h>

#include "core/data/imageloader.h"
#include "core/ml/probe.h"
#include "core/ml/teacher.h"
#include "tests/support/testsupport.h"

#include <QtTest/QtTest>

#include <cmath>
#include <vector>

using fopro::ErrorCode;
using fopro::JobControl;
using fopro::ml::ProbeOptions;
using fopro::ml::ProbeResult;
using fopro::ml::Teacher;

namespace {

/// A TorchScript teacher with the given forward body, loaded with identity normalisation.
Teacher makeTeacher(const QString &dir, const char *name, const std::string &body)
{
    torch::jit::Module m(name);
    m.define("def forward(self, x):\n" + body);
    const std::string path = (dir + QLatin1Char('/') + QLatin1String(name) + QStringLiteral(".pt")).toStdString();
    m.save(path);
    auto t = Teacher::loadTorchScript(path, 0, {0.0f, 0.0f, 0.0f}, {1.0f, 1.0f, 1.0f});
    if (!t.ok()) qFatal("%s", qPrintable(t.error().message()));
    return t.value();
}

/// fftfreq(n)[k] in cycles per pixel.
double fftfreq(int k, int n)
{
    return (k <= (n - 1) / 2 ? k : k - n) / double(n);
}

/// Band of a full-spectrum bin by the header's definition, computed here in double.
int bandOf(int ky, int kx, int h, int w, int bands)
{
    const double fy = fftfreq(ky, h), fx = fftfreq(kx, w);
    const double rho = std::sqrt(fy * fy + fx * fx) / 0.5;
    return std::min(bands - 1, int(std::floor(std::min(rho, 1.0) * bands)));
}

/// Expected mean cosines for the flatten teacher: per image sqrt(E_kept / E) over the full FFT.
struct Expected {
    std::vector<double> low, high, stop;
};

Expected parsevalExpectation(const torch::Tensor &images, int bands)
{
    const int n = int(images.size(0)), h = int(images.size(2)), w = int(images.size(3));
    const torch::Tensor power = torch::fft::fft2(images.to(torch::kFloat64)).abs().square().sum(1); // N × H × W
    const auto p = power.accessor<double, 3>();
    Expected e{std::vector<double>(size_t(bands)), std::vector<double>(size_t(bands)),
               std::vector<double>(size_t(bands))};
    for (int i = 0; i < n; ++i) {
        std::vector<double> perBand(size_t(bands), 0.0);
        double total = 0.0;
        for (int ky = 0; ky < h; ++ky) {
            for (int kx = 0; kx < w; ++kx) {
                perBand[size_t(bandOf(ky, kx, h, w, bands))] += p[i][ky][kx];
                total += p[i][ky][kx];
            }
        }
        for (int b = 0; b < bands; ++b) {
            double below = 0.0, above = 0.0;
            for (int k = 0; k <= b; ++k)
                below += perBand[size_t(k)];
            for (int k = b; k < bands; ++k)
                above += perBand[size_t(k)];
            e.low[size_t(b)] += std::sqrt(below / total) / n;
            e.high[size_t(b)] += std::sqrt(above / total) / n;
            e.stop[size_t(b)] += std::sqrt((total - perBand[size_t(b)]) / total) / n;
        }
    }
    return e;
}

} // namespace

class TestProbe : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;

private Q_SLOTS:
    void dcTeacherOnlySeesBandZero()
    {
        // f(x) = [mean_R, mean_G, mean_B, 1]: filters that keep DC leave it unchanged (cos 1); filters
        // that remove DC leave [0, 0, 0, 1], so cos = 1/‖f(x)‖.
        const Teacher teacher =
            makeTeacher(m_dir.path(), "DcTeacher",
                        "    return torch.cat([torch.mean(x, [2, 3]), torch.ones([x.size(0), 1])], 1)\n");
        torch::manual_seed(1);
        const torch::Tensor images =
            torch::rand({20, 3, 16, 16}) * torch::tensor({1.0f, 0.6f, 0.3f}).view({1, 3, 1, 1});
        const auto result = fopro::ml::runFrequencyProbe(teacher, images);
        QVERIFY2(result.ok(), qPrintable(result.error().message()));
        QCOMPARE(int(result->bands.size()), 8);
        QCOMPARE(result->imageCount, 20);
        QCOMPARE(result->imageHeight, 16);
        QCOMPARE(result->imageWidth, 16);

        const torch::Tensor means = images.to(torch::kFloat64).mean({2, 3});
        const double noDc = (1.0 / torch::sqrt(1.0 + means.square().sum(1))).mean().item<double>();
        QVERIFY(noDc < 0.9); // the two answers are far apart
        for (const auto &b : result->bands) {
            QCOMPARE(b.lowerRho, b.band / 8.0);
            QCOMPARE(b.upperRho, (b.band + 1) / 8.0);
            QVERIFY2(std::abs(b.lowPass - 1.0) < 1e-5, qPrintable(QString::number(b.lowPass)));
            const double high = b.band == 0 ? 1.0 : noDc;
            const double stop = b.band == 0 ? noDc : 1.0;
            QVERIFY2(std::abs(b.highPass - high) < 1e-5,
                     qPrintable(QStringLiteral("band %1: %2 vs %3").arg(b.band).arg(b.highPass).arg(high)));
            QVERIFY2(std::abs(b.bandStop - stop) < 1e-5,
                     qPrintable(QStringLiteral("band %1: %2 vs %3").arg(b.band).arg(b.bandStop).arg(stop)));
        }
    }

    void pixelTeacherFollowsParseval_data()
    {
        QTest::addColumn<int>("height");
        QTest::addColumn<int>("width");
        QTest::addColumn<int>("bands");
        QTest::newRow("16x16, 8 bands") << 16 << 16 << 8;
        QTest::newRow("15x20, 5 bands") << 15 << 20 << 5;
        QTest::newRow("12x12, 3 bands") << 12 << 12 << 3;
    }

    void pixelTeacherFollowsParseval()
    {
        QFETCH(int, height);
        QFETCH(int, width);
        QFETCH(int, bands);
        // f(x) = x flattened: cos(P x, x) = ⟨P x, x⟩/(‖P x‖‖x‖) = ‖P x‖/‖x‖ for an orthogonal projection P.
        const Teacher teacher = makeTeacher(m_dir.path(), "PixelTeacher", "    return torch.flatten(x, 1)\n");
        torch::manual_seed(2);
        // Smooth-ish images (energy spread unevenly over the bands) plus noise.
        const torch::Tensor ramp =
            torch::linspace(0, 1, width).view({1, 1, 1, width}) * torch::linspace(0, 1, height).view({1, 1, height, 1});
        const torch::Tensor images = (0.5 * ramp + 0.3 * torch::rand({7, 3, height, width})).clamp(0, 1);
        ProbeOptions options;
        options.bands = bands;
        const auto result = fopro::ml::runFrequencyProbe(teacher, images, options);
        QVERIFY2(result.ok(), qPrintable(result.error().message()));
        const Expected e = parsevalExpectation(images, bands);
        QCOMPARE(int(result->bands.size()), bands);
        for (int b = 0; b < bands; ++b) {
            const auto &row = result->bands[size_t(b)];
            QVERIFY2(std::abs(row.lowPass - e.low[size_t(b)]) < 1e-5,
                     qPrintable(QStringLiteral("low %1: %2 vs %3").arg(b).arg(row.lowPass).arg(e.low[size_t(b)])));
            QVERIFY2(std::abs(row.highPass - e.high[size_t(b)]) < 1e-5,
                     qPrintable(QStringLiteral("high %1: %2 vs %3").arg(b).arg(row.highPass).arg(e.high[size_t(b)])));
            QVERIFY2(std::abs(row.bandStop - e.stop[size_t(b)]) < 1e-5,
                     qPrintable(QStringLiteral("stop %1: %2 vs %3").arg(b).arg(row.bandStop).arg(e.stop[size_t(b)])));
        }
        // The bands partition the spectrum: the last low-pass and the first high-pass are the identity.
        QVERIFY(std::abs(result->bands.back().lowPass - 1.0) < 1e-5);
        QVERIFY(std::abs(result->bands.front().highPass - 1.0) < 1e-5);
        // Low-pass grows with the band, high-pass shrinks.
        for (int b = 1; b < bands; ++b) {
            QVERIFY(result->bands[size_t(b)].lowPass >= result->bands[size_t(b - 1)].lowPass - 1e-9);
            QVERIFY(result->bands[size_t(b)].highPass <= result->bands[size_t(b - 1)].highPass + 1e-9);
        }
    }

    void batchingProgressAndCancel()
    {
        const Teacher teacher = makeTeacher(m_dir.path(), "PixelTeacher2", "    return torch.flatten(x, 1)\n");
        torch::manual_seed(3);
        const torch::Tensor images = torch::rand({20, 3, 8, 8});
        ProbeOptions options;
        options.bands = 4;
        std::vector<std::pair<int, int>> calls;
        const auto big = fopro::ml::runFrequencyProbe(teacher, images, options, nullptr, [&](const fopro::Progress &p) {
            calls.emplace_back(int(p.done), int(p.total));
        });
        QVERIFY(big.ok());
        // 20 images in batches of 16: 2 batches × (3·4 + 1) teacher calls.
        QCOMPARE(int(calls.size()), 26);
        for (size_t i = 0; i < calls.size(); ++i) {
            QCOMPARE(calls[i].first, int(i) + 1);
            QCOMPARE(calls[i].second, 26);
        }
        options.batchSize = 3;
        const auto small = fopro::ml::runFrequencyProbe(teacher, images, options);
        QVERIFY(small.ok());
        for (size_t b = 0; b < 4; ++b) {
            QVERIFY(std::abs(big->bands[b].lowPass - small->bands[b].lowPass) < 1e-9);
            QVERIFY(std::abs(big->bands[b].highPass - small->bands[b].highPass) < 1e-9);
            QVERIFY(std::abs(big->bands[b].bandStop - small->bands[b].bandStop) < 1e-9);
        }

        JobControl token;
        token.cancel();
        auto r = fopro::ml::runFrequencyProbe(teacher, images, options, &token);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, ErrorCode::Cancelled);
        token.reset();
        int seen = 0;
        r = fopro::ml::runFrequencyProbe(teacher, images, options, &token, [&](const fopro::Progress &) {
            ++seen;
            token.cancel();
        });
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, ErrorCode::Cancelled);
        QCOMPARE(seen, 1);
    }

    void matImagesAreResizedAndScaled()
    {
        const Teacher teacher = makeTeacher(m_dir.path(), "PixelTeacher3", "    return torch.flatten(x, 1)\n");
        std::vector<cv::Mat> mats;
        for (int i = 0; i < 5; ++i)
            mats.push_back(fopro::test::photoLikeImage(30 + 3 * i, 24, i, false));
        ProbeOptions options;
        options.bands = 4;
        options.imageSize = 16;
        options.resizePolicy = fopro::data::ResizePolicy::Stretch;
        const auto fromMats = fopro::ml::runFrequencyProbe(teacher, mats, options);
        QVERIFY2(fromMats.ok(), qPrintable(fromMats.error().message()));
        QCOMPARE(fromMats->imageHeight, 16);
        QCOMPARE(fromMats->imageCount, 5);

        torch::Tensor images = torch::empty({5, 3, 16, 16});
        auto a = images.accessor<float, 4>();
        for (int i = 0; i < 5; ++i) {
            const cv::Mat r = fopro::data::resizeImage(mats[size_t(i)], {16, fopro::data::ResizePolicy::Stretch});
            for (int c = 0; c < 3; ++c)
                for (int y = 0; y < 16; ++y)
                    for (int x = 0; x < 16; ++x)
                        a[i][c][y][x] = r.at<cv::Vec3b>(y, x)[c] / 255.0f;
        }
        const auto fromTensor = fopro::ml::runFrequencyProbe(teacher, images, options);
        QVERIFY(fromTensor.ok());
        const Expected e = parsevalExpectation(images, 4);
        for (size_t b = 0; b < 4; ++b) {
            QVERIFY(std::abs(fromMats->bands[b].lowPass - fromTensor->bands[b].lowPass) < 1e-9);
            QVERIFY(std::abs(fromMats->bands[b].highPass - e.high[b]) < 1e-5);
        }

        mats.push_back(cv::Mat(4, 4, CV_8UC1, cv::Scalar(1)));
        const auto wrong = fopro::ml::runFrequencyProbe(teacher, mats, options);
        QVERIFY(!wrong.ok());
        QCOMPARE(wrong.error().code, ErrorCode::InvalidArgument);
        QVERIFY(wrong.error().detail.contains(QLatin1String("image 5")));
    }

    void csvAndBadArguments()
    {
        const Teacher teacher = makeTeacher(m_dir.path(), "PixelTeacher4", "    return torch.flatten(x, 1)\n");
        torch::manual_seed(4);
        const torch::Tensor images = torch::rand({3, 3, 8, 8});
        ProbeOptions options;
        options.bands = 3;
        const auto r = fopro::ml::runFrequencyProbe(teacher, images, options);
        QVERIFY(r.ok());
        const QStringList lines = fopro::ml::probeToCsv(*r).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        QCOMPARE(lines.size(), 4);
        QCOMPARE(lines[0], QStringLiteral("band,rho_low,rho_high,low_pass,high_pass,band_stop"));
        for (int b = 0; b < 3; ++b) {
            const QStringList cells = lines[b + 1].split(QLatin1Char(','));
            QCOMPARE(cells.size(), 6);
            QCOMPARE(cells[0].toInt(), b);
            QVERIFY(std::abs(cells[1].toDouble() - b / 3.0) < 1e-9);
            QVERIFY(std::abs(cells[2].toDouble() - (b + 1) / 3.0) < 1e-9);
            QVERIFY(std::abs(cells[3].toDouble() - r->bands[size_t(b)].lowPass) < 1e-9);
            QVERIFY(std::abs(cells[4].toDouble() - r->bands[size_t(b)].highPass) < 1e-9);
            QVERIFY(std::abs(cells[5].toDouble() - r->bands[size_t(b)].bandStop) < 1e-9);
        }
        // Many bands on a tiny image: bands without bins are NaN (and "nan" in the CSV).
        options.bands = 40;
        const auto sparse = fopro::ml::runFrequencyProbe(teacher, torch::rand({1, 3, 4, 4}), options);
        QVERIFY(sparse.ok());
        bool anyNan = false;
        for (const auto &b : sparse->bands)
            anyNan = anyNan || std::isnan(b.lowPass);
        QVERIFY(anyNan);
        QVERIFY(fopro::ml::probeToCsv(*sparse).contains(QLatin1String(",nan")));

        options.bands = 0;
        QCOMPARE(fopro::ml::runFrequencyProbe(teacher, images, options).error().code, ErrorCode::InvalidArgument);
        options.bands = 4;
        options.batchSize = 0;
        QCOMPARE(fopro::ml::runFrequencyProbe(teacher, images, options).error().code, ErrorCode::InvalidArgument);
        options.batchSize = 16;
        QCOMPARE(fopro::ml::runFrequencyProbe(teacher, torch::rand({0, 3, 8, 8}), options).error().code,
                 ErrorCode::InvalidArgument);
        QCOMPARE(fopro::ml::runFrequencyProbe(teacher, torch::rand({2, 1, 8, 8}), options).error().code,
                 ErrorCode::InvalidArgument);
        QCOMPARE(fopro::ml::runFrequencyProbe(teacher, std::vector<cv::Mat>{}, options).error().code,
                 ErrorCode::InvalidArgument);
    }
};

QTEST_GUILESS_MAIN(TestProbe)
#include "tst_probe.moc"
