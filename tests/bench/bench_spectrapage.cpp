// Spectra page benchmark: while the per-class spectra of a dataset are computed (a job on the page's
// job manager, with progress), how long is the GUI thread ever stalled? A 5 ms timer on the GUI
// thread measures its own lateness from the click on Compute until the results are on screen.
// Not a test (built, not registered with CTest); prints the figures, exits 0 when the job finished.
//
//   QT_QPA_PLATFORM=offscreen bench_spectrapage [--images 10000] [--files 500] [--size 256] [--side 224]
// (--size: the JPEGs' side; --side: the size the tab resizes them to, 64, 128 or 224)
//
// Target (issue "Spectra and Fourier-prompt workbench"): no GUI-thread stall over 50 ms.
#include "core/common/allocator.h"
#include "core/jobs/jobmanager.h"
#include "core/project/project.h"
#include "tests/support/testsupport.h"
#include "ui/shell/page.h"
#include "ui/shell/projectdocument.h"
#include "ui/spectra/classspectratab.h"
#include "ui/spectra/spectrapage.h"

#include <QtCore/QElapsedTimer>
#include <QtCore/QStandardPaths>
#include <QtCore/QTimer>
#include <QtWidgets/QApplication>
#include <QtWidgets/QComboBox>

#include <algorithm>
#include <cstdio>

using namespace fopro;

namespace {

int argument(const QStringList &args, const QString &name, int fallback)
{
    const int i = int(args.indexOf(name));
    return i >= 0 && i + 1 < args.size() ? args[i + 1].toInt() : fallback;
}

double percentile(std::vector<double> v, double p)
{
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, std::size_t(p * double(v.size() - 1) + 0.5))];
}

} // namespace

int main(int argc, char **argv)
{
    fopro::reuseLargeBuffers(); // as the application does at start
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    QStandardPaths::setTestModeEnabled(true);
    const QStringList args = app.arguments();
    const int images = argument(args, QStringLiteral("--images"), 10000);
    const int files = std::max(1, argument(args, QStringLiteral("--files"), 500));
    const int size = argument(args, QStringLiteral("--size"), 256);

    // `images` records over `files` distinct JPEGs in 10 long-tailed classes.
    QTemporaryDir tmp;
    project::Project p;
    p.folder = tmp.filePath(QStringLiteral("project"));
    p.name = QStringLiteral("bench");
    p.dataset.root = tmp.filePath(QStringLiteral("images"));
    for (int c = 0; c < 10; ++c)
        p.dataset.classes << QStringLiteral("class%1").arg(c);
    for (int f = 0; f < files; ++f)
        if (!test::writeImage(QDir(p.dataset.root).filePath(QStringLiteral("f%1.jpg").arg(f)),
                              test::photoLikeImage(size, size, f)))
            return 2;
    for (int i = 0; i < images; ++i) {
        data::Sample s;
        s.path = QStringLiteral("f%1.jpg").arg(i % files);
        // Long-tailed labels: class c gets about half as many records as class c − 1.
        int c = 0;
        for (int r = i % 1023; r >= (512 >> c) && c < 9; r -= (512 >> c), ++c) {
        }
        s.label = s.originalLabel = c;
        s.split = data::Split::Train;
        p.dataset.samples.push_back(s);
    }
    if (!p.save()) return 2;

    JobManager jobs;
    ui::ProjectDocument doc;
    doc.reset(p, false);
    ui::PageContext context;
    context.jobs = &jobs;
    context.document = &doc;
    context.navigate = [](const QString &, const QVariantMap &) {};
    ui::SpectraPage page(context);
    page.resize(1280, 800);
    page.show();
    page.activate({{QStringLiteral("tab"), QStringLiteral("classes")}});
    QApplication::processEvents();

    ui::ClassSpectraTab *tab = page.classSpectra();
    // The size the issue names (224 px), chosen in the tab's own size box.
    const int side = argument(args, QStringLiteral("--side"), 224);
    for (QComboBox *box : tab->findChildren<QComboBox *>())
        if (box->findData(side) >= 0) box->setCurrentIndex(box->findData(side));
    std::vector<double> gaps;
    QElapsedTimer clock;
    QTimer probe;
    probe.setTimerType(Qt::PreciseTimer);
    qint64 last = 0;
    QObject::connect(&probe, &QTimer::timeout, [&] {
        const qint64 now = clock.elapsed();
        gaps.push_back(double(now - last));
        last = now;
    });
    clock.start();
    probe.start(5);
    tab->compute();
    QElapsedTimer total;
    total.start();
    while ((tab->isComputing() || !page.isSettled()) && total.elapsed() < 600000)
        QApplication::processEvents(QEventLoop::WaitForMoreEvents, 50);
    // A little longer: the results' first paint belongs to the measurement.
    QElapsedTimer after;
    after.start();
    while (after.elapsed() < 500)
        QApplication::processEvents(QEventLoop::AllEvents, 20);
    probe.stop();
    const bool done = tab->spectra().has_value();
    std::printf("Spectra page benchmark: %d images (%d distinct %d px JPEGs), 10 classes, at %d px\n", images, files,
                size, side);
    std::printf("  per-class spectra           %s in %.1f s\n", done ? "finished" : "NOT finished",
                double(total.elapsed()) / 1000.0);
    std::printf("  GUI-thread gaps (ms)        median %.1f  p99 %.1f  max %.1f   (5 ms probe; target: max <= 50)\n",
                percentile(gaps, 0.5), percentile(gaps, 0.99), percentile(gaps, 1.0));
    jobs.shutdown();
    return done ? 0 : 2;
}
