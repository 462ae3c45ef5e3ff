// Fourier views: a cosine grating of known frequency and angle gives two peaks at the right bins,
// a constant gives DC only; the spectrum equals LibTorch's FFT of the same image; band filters keep
// or remove a grating by its radial frequency; amplitude swap round trips; per-class means equal a
// direct computation; blurred and heavily compressed copies rank as spectral outliers; the cache
// file round trips.
#include "core/data/imageloader.h"
#include "core/spectral/classspectra.h"
#include "core/spectral/spectrum.h"
#include "tests/support/testsupport.h"

#include <torch/torch.h>

#include <QtCore/QTemporaryDir>
#include <QtTest/QtTest>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <cmath>

using namespace fopro;
using namespace fopro::spectral;

namespace {

/// 0.5 + 0.5·cos(2π(u·x/W + v·y/H)): u cycles across the width, v down the height.
cv::Mat grating(int h, int w, int u, int v)
{
    cv::Mat m(h, w, CV_32F);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x)
            m.at<float>(y, x) = float(0.5 + 0.5 * std::cos(2 * M_PI * (double(u) * x / w + double(v) * y / h)));
    return m;
}

double maxAbsDiff(const cv::Mat &a, const cv::Mat &b)
{
    cv::Mat d;
    cv::absdiff(a, b, d);
    double mx = 0;
    cv::minMaxLoc(d.reshape(1), nullptr, &mx);
    return mx;
}

data::DatasetIndex indexOf(const QString &root, const QStringList &classes)
{
    data::DatasetIndex d;
    d.root = root;
    d.classes = classes;
    return d;
}

void addSample(data::DatasetIndex &d, const QString &path, int label, data::Split split = data::Split::Train)
{
    data::Sample s;
    s.path = path;
    s.label = s.originalLabel = label;
    s.split = split;
    d.samples.push_back(s);
}

} // namespace

class TestSpectrum : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void gratingGivesTwoPeaksAtItsFrequency()
    {
        const int h = 64, w = 64, u = 8, v = 4;
        const Spectrum s = spectrum(grating(h, w, u, v));
        // DC = mean · H·W = 0.5 · 4096; each peak = 0.25 · 4096 (cos splits into two exponentials).
        QVERIFY(std::abs(s.amplitude.at<float>(h / 2, w / 2) - 2048.0f) < 0.05f);
        QVERIFY(std::abs(s.amplitude.at<float>(h / 2 + v, w / 2 + u) - 1024.0f) < 0.05f);
        QVERIFY(std::abs(s.amplitude.at<float>(h / 2 - v, w / 2 - u) - 1024.0f) < 0.05f);
        // Every other bin is (numerically) zero.
        cv::Mat rest = s.amplitude.clone();
        rest.at<float>(h / 2, w / 2) = 0;
        rest.at<float>(h / 2 + v, w / 2 + u) = 0;
        rest.at<float>(h / 2 - v, w / 2 - u) = 0;
        double mx = 0;
        cv::minMaxLoc(rest, nullptr, &mx);
        QVERIFY2(mx < 0.01, qPrintable(QString::number(mx)));
        // Angle of the peak: atan2(v, u); its radial frequency sqrt((v/H)² + (u/W)²) / 0.5.
        const cv::Mat rho = radialFrequency(h, w);
        const double expected = std::sqrt(std::pow(double(v) / h, 2) + std::pow(double(u) / w, 2)) / 0.5;
        QVERIFY(std::abs(rho.at<float>(h / 2 + v, w / 2 + u) - expected) < 1e-6);
        QCOMPARE(rho.at<float>(h / 2, w / 2), 0.0f);
        QCOMPARE(rho.at<float>(h / 2, 0), 1.0f); // the Nyquist column of an even width
        // Phase of the peaks of a cosine is 0.
        QVERIFY(std::abs(s.phase.at<float>(h / 2 + v, w / 2 + u)) < 1e-4);
    }

    void constantGivesDcOnly()
    {
        const cv::Mat c(48, 40, CV_32F, cv::Scalar(0.3));
        const Spectrum s = spectrum(c);
        QVERIFY(std::abs(s.amplitude.at<float>(24, 20) - 0.3f * 48 * 40) < 1e-2);
        cv::Mat rest = s.amplitude.clone();
        rest.at<float>(24, 20) = 0;
        double mx = 0;
        cv::minMaxLoc(rest, nullptr, &mx);
        QVERIFY(mx < 1e-3);
        // The radial profile of the log-amplitude is log(1 + DC) / (bins in band 0) in band 0, 0 elsewhere.
        const auto profile = radialProfile(s.logAmplitude, 4);
        QVERIFY(profile[0] > 0);
        for (int b = 1; b < 4; ++b)
            QVERIFY(std::abs(profile[std::size_t(b)]) < 1e-3);
    }

    void fftShiftRoundTripsOddSizes()
    {
        cv::Mat m(5, 7, CV_32F);
        for (int i = 0; i < 35; ++i)
            m.at<float>(i / 7, i % 7) = float(i);
        cv::Mat s = m.clone();
        fftShift(s);
        QCOMPARE(s.at<float>(2, 3), 0.0f); // DC to (H/2, W/2)
        ifftShift(s);
        QCOMPARE(maxAbsDiff(s, m), 0.0);
    }

    void equalsTorchFft()
    {
        const cv::Mat rgb = test::photoLikeImage(96, 80, 3);
        const cv::Mat plane = toPlane(rgb);
        const Spectrum s = spectrum(plane);
        const auto t =
            torch::from_blob(const_cast<float *>(plane.ptr<float>()), {plane.rows, plane.cols}, torch::kFloat32)
                .clone();
        const auto X = torch::fft::fftshift(torch::fft::fft2(t.to(torch::kFloat64)));
        const auto logAmp = torch::log1p(torch::abs(X)).to(torch::kFloat32).contiguous();
        const cv::Mat expected(plane.rows, plane.cols, CV_32F, logAmp.data_ptr<float>());
        const double diff = maxAbsDiff(s.logAmplitude, expected);
        QVERIFY2(diff < 1e-4, qPrintable(QString::number(diff)));
        // Phase agrees where the amplitude is not tiny (phase of ~0 is noise).
        const auto phase = torch::angle(X).to(torch::kFloat32).contiguous();
        const cv::Mat expectedPhase(plane.rows, plane.cols, CV_32F, phase.data_ptr<float>());
        int compared = 0;
        for (int y = 0; y < plane.rows; ++y)
            for (int x = 0; x < plane.cols; ++x) {
                if (s.amplitude.at<float>(y, x) < 1.0f) continue;
                double d = std::abs(s.phase.at<float>(y, x) - expectedPhase.at<float>(y, x));
                d = std::min(d, 2 * M_PI - d);
                QVERIFY2(d < 1e-3, qPrintable(QStringLiteral("(%1, %2): %3").arg(y).arg(x).arg(d)));
                ++compared;
            }
        QVERIFY(compared > plane.total() / 2);
    }

    void bandFiltersSelectByRadius()
    {
        const cv::Mat g = grating(64, 64, 8, 4); // ρ = 0.2795
        BandFilter low{FilterShape::LowPass, 0, 0.2, 0};
        const cv::Mat removed = applyFilter(g, low);
        QVERIFY(maxAbsDiff(removed, cv::Mat(64, 64, CV_32F, cv::Scalar(0.5))) < 1e-4); // DC only
        low.high = 0.35;
        QVERIFY(maxAbsDiff(applyFilter(g, low), g) < 1e-4); // kept whole
        const BandFilter stop{FilterShape::BandStop, 0.25, 0.3, 0};
        QVERIFY(maxAbsDiff(applyFilter(g, stop), cv::Mat(64, 64, CV_32F, cv::Scalar(0.5))) < 1e-4);
        const BandFilter pass{FilterShape::BandPass, 0.25, 0.3, 0};
        QVERIFY(maxAbsDiff(applyFilter(g, pass), g - 0.5) < 1e-4); // the grating without its mean
        const BandFilter high{FilterShape::HighPass, 0.1, 0, 0};
        QVERIFY(maxAbsDiff(applyFilter(g, high), g - 0.5) < 1e-4);
        // A smooth edge is 0.5 on the edge itself and monotone across it.
        const cv::Mat mask = filterMask(64, 64, BandFilter{FilterShape::LowPass, 0, 0.5, 0.1});
        QVERIFY(std::abs(mask.at<float>(32, 32 + 16) - 0.5f) < 1e-5); // ρ = 16/64/0.5 = 0.5
        QVERIFY(mask.at<float>(32, 32 + 10) > 0.9f);
        QVERIFY(mask.at<float>(32, 32 + 22) < 0.1f);
        // 8-bit colour images keep their type, size and channels.
        const cv::Mat rgb = test::photoLikeImage(50, 40, 1);
        const cv::Mat f = applyFilter(rgb, BandFilter{FilterShape::LowPass, 0, 1.5, 0});
        QCOMPARE(f.type(), rgb.type());
        QVERIFY(maxAbsDiff(f, rgb) <= 1.0); // an all-pass filter returns the image (rounding aside)
    }

    void amplitudeSwapRoundTrips()
    {
        cv::Mat a, b;
        test::photoLikeImage(64, 48, 1).convertTo(a, CV_32FC3, 1.0 / 255);
        test::photoLikeImage(64, 48, 2).convertTo(b, CV_32FC3, 1.0 / 255);
        const auto same = amplitudeSwap(a, b, 0.0);
        QVERIFY(same.ok());
        QVERIFY(maxAbsDiff(*same, a) < 1e-5);
        const auto c = amplitudeSwap(a, b, 1.0); // A's phase, B's amplitude
        QVERIFY(c.ok());
        cv::Mat ca, cb;
        cv::extractChannel(*c, ca, 1);
        cv::extractChannel(b, cb, 1);
        QVERIFY(maxAbsDiff(spectrum(ca).amplitude, spectrum(cb).amplitude) < 1e-2);
        const auto back = amplitudeSwap(*c, a, 1.0); // C's phase (= A's) with A's amplitude = A
        QVERIFY(maxAbsDiff(*back, a) < 1e-4);
        QVERIFY(!amplitudeSwap(a, cv::Mat(), 1.0).ok());
    }

    void perClassMeansEqualDirectComputation()
    {
        QTemporaryDir dir;
        auto d = indexOf(dir.path(), {QStringLiteral("a"), QStringLiteral("b")});
        std::vector<cv::Mat> expectedSum(2);
        std::vector<int> n(2, 0);
        for (int i = 0; i < 6; ++i) {
            const QString name = QStringLiteral("img%1.png").arg(i);
            QVERIFY(test::writeImage(dir.filePath(name), test::photoLikeImage(40 + 4 * i, 36, i)));
            const int label = i % 3 == 0 ? 1 : 0;
            addSample(d, name, label, i == 5 ? data::Split::Test : data::Split::Train);
            const auto img =
                data::loadResized(d, d.samples.back(), data::ResizeSpec{32, data::ResizePolicy::ShorterSideCrop});
            QVERIFY(img.ok());
            cv::Mat la;
            spectrum(toPlane(*img)).logAmplitude.convertTo(la, CV_64F);
            if (n[std::size_t(label)]++ == 0)
                expectedSum[std::size_t(label)] = la;
            else
                expectedSum[std::size_t(label)] += la;
        }
        ClassSpectraOptions o;
        o.size = 32;
        o.bands = 8;
        o.thresholds = {3, 2}; // class a (3 training images) is medium, b (2) is medium too
        int reports = 0;
        const auto r = computeClassSpectra(d, o, nullptr, [&](const Progress &) { ++reports; });
        QVERIFY2(r.ok(), qPrintable(r.error().message()));
        QVERIFY(reports >= 1);
        QCOMPARE(r->classes[0].all.count, 4);
        QCOMPARE(r->classes[1].all.count, 2);
        QCOMPARE(r->classes[0].bySplit[int(data::Split::Test)].count, 1);
        for (int c = 0; c < 2; ++c) {
            cv::Mat expected;
            cv::Mat(expectedSum[std::size_t(c)] / n[std::size_t(c)]).convertTo(expected, CV_32F);
            QVERIFY(maxAbsDiff(r->classes[std::size_t(c)].all.mean, expected) < 1e-4);
        }
        QVERIFY(r->headMinusTail.empty()); // no head and no tail class
        QCOMPARE(int(r->scores.size()), 6);
        QVERIFY(r->problems.empty());
    }

    void blurredAndCompressedCopiesAreOutliers()
    {
        QTemporaryDir dir;
        auto d = indexOf(dir.path(), {QStringLiteral("sharp")});
        QSet<int> odd;
        for (int i = 0; i < 30; ++i) {
            cv::Mat img = test::photoLikeImage(192, 192, 100 + i);
            QString name = QStringLiteral("s%1.png").arg(i);
            if (i % 10 == 3) { // blurred copy
                cv::GaussianBlur(img, img, cv::Size(0, 0), 2.5);
                name = QStringLiteral("blur%1.png").arg(i);
            }
            if (i % 10 == 7) { // JPEG quality 10
                cv::Mat bgr;
                cv::cvtColor(img, bgr, cv::COLOR_RGB2BGR);
                name = QStringLiteral("q10_%1.jpg").arg(i);
                QVERIFY(cv::imwrite(dir.filePath(name).toStdString(), bgr, {cv::IMWRITE_JPEG_QUALITY, 10}));
            } else {
                QVERIFY(test::writeImage(dir.filePath(name), img));
            }
            if (i % 10 == 3 || i % 10 == 7) odd.insert(i);
            addSample(d, name, 0);
        }
        ClassSpectraOptions o;
        o.size = 192; // the images' own size: nothing is resampled away
        const auto r = computeClassSpectra(d, o);
        QVERIFY2(r.ok(), qPrintable(r.error().message()));
        std::vector<SpectralScore> ranked = r->scores;
        std::sort(ranked.begin(), ranked.end(),
                  [](const SpectralScore &a, const SpectralScore &b) { return a.score > b.score; });
        QStringList top;
        for (int k = 0; k < odd.size(); ++k) {
            top << d.samples[std::size_t(ranked[std::size_t(k)].sample)].path +
                       QStringLiteral("=%1").arg(ranked[std::size_t(k)].score);
            QVERIFY2(odd.contains(ranked[std::size_t(k)].sample), qPrintable(top.join(QStringLiteral(", "))));
        }
        // A clear margin: the mildest odd copy scores well above the most unusual sharp image.
        const double mildestOdd = ranked[std::size_t(odd.size() - 1)].score;
        const double worstSharp = ranked[std::size_t(odd.size())].score;
        qInfo("mildest odd copy %.2f, most unusual sharp image %.2f", mildestOdd, worstSharp);
        QVERIFY(mildestOdd > 1.5 * worstSharp);
    }

    void cacheRoundTripsAndFingerprintTracksCuration()
    {
        QTemporaryDir dir;
        auto d = indexOf(dir.path(), {QStringLiteral("a"), QStringLiteral("b")});
        for (int i = 0; i < 4; ++i) {
            const QString name = QStringLiteral("i%1.png").arg(i);
            QVERIFY(test::writeImage(dir.filePath(name), test::photoLikeImage(32, 32, i)));
            addSample(d, name, i % 2);
        }
        addSample(d, QStringLiteral("missing.png"), 0);
        ClassSpectraOptions o;
        o.size = 16;
        o.bands = 4;
        o.thresholds = {1, 2}; // both classes (2 each) are head... and tail below 2: none
        const auto r = computeClassSpectra(d, o);
        QVERIFY(r.ok());
        QCOMPARE(int(r->problems.size()), 1);
        QCOMPARE(r->problems[0].first, 4);
        const QString file = dir.filePath(QStringLiteral("cache/spectra.bin"));
        QVERIFY(saveClassSpectra(*r, file).ok());
        const auto back = loadClassSpectra(file);
        QVERIFY2(back.ok(), qPrintable(back.error().message()));
        QCOMPARE(back->fingerprint, r->fingerprint);
        QCOMPARE(back->classNames, r->classNames);
        QCOMPARE(maxAbsDiff(back->classes[1].all.mean, r->classes[1].all.mean), 0.0);
        QCOMPARE(back->classes[1].all.radialStd, r->classes[1].all.radialStd);
        QCOMPARE(back->scoreOf(2), r->scoreOf(2));
        QVERIFY(std::isnan(back->scoreOf(4)));
        QCOMPARE(back->problems[0].second, r->problems[0].second);

        const QByteArray before = datasetFingerprint(d);
        d.samples[0].label = 1;
        QVERIFY(datasetFingerprint(d) != before);

        QVERIFY(test::writeText(file, "garbage"));
        const auto bad = loadClassSpectra(file);
        QCOMPARE(bad.error().code, ErrorCode::Malformed);
        QCOMPARE(bad.error().file, file);
    }
};

QTEST_GUILESS_MAIN(TestSpectrum)
#include "tst_spectrum.moc"
