// Spectra benchmark: the Fourier views of one large image, the band-filtered preview a slider
// drives, and the per-class statistics of a 10,000-image dataset. Not a test (built, not registered
// with CTest); prints a table and exits 0 when every measurement ran, 2 when one failed.
//
//   bench_spectra [--images 10000] [--files 500] [--size 224] [--runs 5] [--threads 0]
//
//   --images N  records in the dataset (10 long-tailed classes), referencing --files distinct
//               photo-like 256×256 JPEGs (so generating the data stays quick)
//   --size S    the square size images are resized to for the statistics (default 224)
//
// Targets (issue "Spectra and Fourier-prompt workbench"): spectrum and views of a 1024 × 1024 image
// ≤ 50 ms; the filtered preview at 512 px ≥ 20 frames/s.

#include "core/common/allocator.h"
#include "core/spectral/classspectra.h"
#include "core/spectral/spectrum.h"
#include "tests/support/testsupport.h"

#include <QtCore/QCoreApplication>
#include <QtCore/QElapsedTimer>
#include <QtCore/QTemporaryDir>
#include <QtCore/QThread>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

using namespace fopro;
using namespace fopro::spectral;

namespace {

struct Stat {
    double best = 0, median = 0;
};

template <typename F> Stat timeIt(int runs, F &&f)
{
    std::vector<double> ms;
    for (int r = 0; r < runs; ++r) {
        QElapsedTimer t;
        t.start();
        f();
        ms.push_back(t.nsecsElapsed() / 1e6);
    }
    std::sort(ms.begin(), ms.end());
    return {ms.front(), ms[ms.size() / 2]};
}

int intArg(const QStringList &args, const QString &name, int fallback)
{
    const int i = int(args.indexOf(name));
    return i >= 0 && i + 1 < args.size() ? args[i + 1].toInt() : fallback;
}

} // namespace

int main(int argc, char **argv)
{
    fopro::reuseLargeBuffers(); // as both applications do at start
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    const int images = intArg(args, QStringLiteral("--images"), 10000);
    const int files = std::max(10, intArg(args, QStringLiteral("--files"), 500));
    const int size = intArg(args, QStringLiteral("--size"), 224);
    const int runs = std::max(1, intArg(args, QStringLiteral("--runs"), 5));
    const int threads = intArg(args, QStringLiteral("--threads"), 0);
    int failures = 0;

    std::printf("bench_spectra: %d cores, %d threads for decoding\n", QThread::idealThreadCount(),
                threads > 0 ? threads : QThread::idealThreadCount());
    std::printf("%-58s %12s %12s %12s\n", "measurement", "best", "median", "target");

    // 1. Views of a 1024 × 1024 colour image: plane, amplitude, log-amplitude, phase, radial profile.
    const cv::Mat big = test::photoLikeImage(1024, 1024, 7);
    const Stat views = timeIt(runs, [&] {
        const Spectrum s = spectrum(toPlane(big));
        volatile double sink = radialProfile(s.logAmplitude, 32)[0];
        (void)sink;
    });
    std::printf("%-58s %9.1f ms %9.1f ms %12s\n", "spectrum + views of 1024x1024 RGB", views.best, views.median,
                "<= 50 ms");

    // 2. The filtered preview at 512 px (what a radius slider redraws), smooth band-pass.
    const cv::Mat mid = test::photoLikeImage(512, 512, 8);
    double radius = 0.1;
    const Stat preview = timeIt(runs * 4, [&] {
        radius = radius > 0.9 ? 0.1 : radius + 0.05;
        volatile int sink = applyFilter(mid, BandFilter{FilterShape::BandPass, radius / 2, radius, 0.02}).rows;
        (void)sink;
    });
    std::printf("%-58s %8.1f f/s %8.1f f/s %12s\n", "band-filtered preview of 512x512 RGB", 1000.0 / preview.best,
                1000.0 / preview.median, ">= 20 f/s");

    // 3. Per-class statistics over a long-tailed dataset.
    QTemporaryDir dir;
    data::DatasetIndex index;
    index.root = dir.path();
    const int classes = 10;
    for (int c = 0; c < classes; ++c)
        index.classes << QStringLiteral("class%1").arg(c);
    for (int f = 0; f < files; ++f)
        if (!test::writeImage(dir.filePath(QStringLiteral("f%1.jpg").arg(f)), test::photoLikeImage(256, 256, f))) {
            std::fprintf(stderr, "bench_spectra: cannot write the images\n");
            return 2;
        }
    std::vector<double> weights(classes);
    double total = 0;
    for (int c = 0; c < classes; ++c)
        total += weights[std::size_t(c)] = std::pow(0.01, double(c) / (classes - 1));
    for (int c = 0, made = 0; c < classes; ++c) {
        const int n = c == classes - 1 ? images - made : std::max(1, int(images * weights[std::size_t(c)] / total));
        for (int k = 0; k < n; ++k, ++made) {
            data::Sample s;
            s.path = QStringLiteral("f%1.jpg").arg(made % files);
            s.entry = made; // distinct records
            s.label = s.originalLabel = c;
            s.split = data::Split::Train;
            index.samples.push_back(s);
        }
    }
    ClassSpectraOptions o;
    o.size = size;
    o.threads = threads;
    int reports = 0;
    double longestGap = 0;
    QElapsedTimer sinceReport;
    QElapsedTimer t;
    t.start();
    sinceReport.start();
    const auto r = computeClassSpectra(index, o, nullptr, [&](const Progress &) {
        ++reports;
        longestGap = std::max(longestGap, sinceReport.nsecsElapsed() / 1e6);
        sinceReport.restart();
    });
    const double seconds = t.nsecsElapsed() / 1e9;
    if (!r) {
        std::fprintf(stderr, "bench_spectra: %s\n", qPrintable(r.error().message()));
        ++failures;
    } else {
        char label[128];
        std::snprintf(label, sizeof label, "per-class spectra, %d images at %d px (%d classes)",
                      int(index.samples.size()), size, classes);
        std::printf("%-58s %10.1f s %12s %12s\n", label, seconds, "", "");
        std::printf("%-58s %8.0f img/s %12s %12s\n", "  throughput", index.samples.size() / seconds, "", "");
        std::printf("%-58s %9.0f ms %12s %12s\n", "  longest gap between progress reports", longestGap, "", "");
        std::printf("%-58s %12d %12s %12s\n", "  progress reports", reports, "", "");
    }
    return failures ? 2 : 0;
}
