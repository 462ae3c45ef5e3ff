// Training page benchmark: while a real worker process (`fopro train --events`) trains and streams
// its progress, how long is the GUI thread ever stalled, and how long does a progress event take
// from the worker writing it to the page handling it? Not a test (built, not registered with CTest);
// prints the figures and exits 0 when the run finished, 2 otherwise.
//
//   bench_trainingpage [--epochs 8] [--size 32] [--images 200]
//
// Targets (issue "Point-and-click training"): the GUI thread's longest stall while a run streams
// ≤ 50 ms; progress reaches the page within 1 s of the worker writing it.
// Needs the fopro binary: $FOPRO_CLI, else the one of this build tree.

#include "core/jobs/jobmanager.h"
#include "core/jobs/workerrun.h"
#include "core/ml/configfields.h"
#include "core/ml/trainconfig.h"
#include "tests/support/testsupport.h"
#include "ui/shell/projectdocument.h"
#include "ui/training/configform.h"
#include "ui/training/trainingpage.h"

#include <QtCore/QDateTime>
#include <QtCore/QElapsedTimer>
#include <QtCore/QJsonArray>
#include <QtCore/QTemporaryDir>
#include <QtCore/QTimer>
#include <QtWidgets/QApplication>

#include <algorithm>
#include <cstdio>
#include <vector>

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
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
    if (qEnvironmentVariableIsEmpty("FOPRO_CLI")) qputenv("FOPRO_CLI", FOPRO_BINARY_DIR "/app/fopro");
    QApplication app(argc, argv);
    QStandardPaths::setTestModeEnabled(true);
    const QStringList args = app.arguments();
    const int epochs = argument(args, QStringLiteral("--epochs"), 8);
    const int size = argument(args, QStringLiteral("--size"), 32);
    const int images = argument(args, QStringLiteral("--images"), 200);

    QTemporaryDir tmp;
    project::Project p;
    p.folder = tmp.filePath(QStringLiteral("project"));
    p.name = QStringLiteral("bench");
    p.dataset.root = tmp.filePath(QStringLiteral("images"));
    p.dataset.classes = {QStringLiteral("a"), QStringLiteral("b"), QStringLiteral("c")};
    for (int i = 0; i < images; ++i) {
        const int c = i % 3;
        const QString name = QStringLiteral("%1/%2.png").arg(p.dataset.classes[c]).arg(i);
        if (!test::writeImage(QDir(p.dataset.root).filePath(name), test::patternImage(size, size, i))) return 2;
        data::Sample s;
        s.path = name;
        s.label = s.originalLabel = c;
        s.split = i % 5 == 0 ? data::Split::Val : i % 5 == 1 ? data::Split::Test : data::Split::Train;
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
    ui::TrainingPage page(context);
    page.resize(1024, 700);
    page.show();
    page.activate({});

    QJsonObject c = ml::TrainConfig().toJson();
    const QList<std::pair<const char *, QJsonValue>> values{{"strategy", "bsm"},
                                                            {"student.architecture", "cifar_resnet"},
                                                            {"student.widthMultiplier", 0.5},
                                                            {"imageSize", size},
                                                            {"batchSize", 8},
                                                            {"epochs", epochs},
                                                            {"threads", 1},
                                                            {"workers", 1},
                                                            {"augment.enabled", true},
                                                            {"student.cifarBlocks", QJsonArray{1, 1, 1, 1}}};
    for (const auto &[key, value] : values)
        ml::setConfigValue(c, QString::fromLatin1(key), value);
    page.form()->setConfig(c);
    if (!page.startTraining()) return 2;

    std::vector<double> latencies;
    int epochsSeen = 0;
    QObject::connect(page.activeRun(), &worker::WorkerRun::eventReceived, &page, [&](const worker::Event &e) {
        if (e.type == worker::EventType::Progress && e.time > 0)
            latencies.push_back(double(QDateTime::currentMSecsSinceEpoch() - e.time));
        if (e.type == worker::EventType::Epoch) ++epochsSeen;
    });
    // The stall probe: a 5 ms timer; any gap beyond its period is time the GUI thread was busy.
    QElapsedTimer clock;
    clock.start();
    qint64 last = clock.elapsed();
    std::vector<double> gaps;
    QTimer probe;
    probe.setInterval(5);
    QObject::connect(&probe, &QTimer::timeout, [&] {
        const qint64 now = clock.elapsed();
        gaps.push_back(double(now - last));
        last = now;
    });
    probe.start();
    QEventLoop loop;
    QObject::connect(&page, &ui::TrainingPage::runEnded, &loop, &QEventLoop::quit);
    QTimer::singleShot(600000, &loop, &QEventLoop::quit);
    loop.exec();
    probe.stop();
    const bool finished = page.activeRun() && page.activeRun()->state() == worker::WorkerRun::State::Finished;

    std::printf("Training page benchmark: %d epochs, %d images of %d px, worker = %s\n", epochs, images, size,
                qPrintable(worker::workerProgram()));
    std::printf("  run                        %s in %.1f s, %d epoch events\n",
                finished ? "finished" : "did NOT finish", double(clock.elapsed()) / 1000, epochsSeen);
    std::printf("  progress events received   %zu\n", latencies.size());
    std::printf("  latency worker->page (ms)  median %.0f  p95 %.0f  max %.0f   (target <= 1000)\n",
                percentile(latencies, 0.5), percentile(latencies, 0.95), percentile(latencies, 1.0));
    std::printf("  GUI-thread gaps (ms)       median %.1f  p99 %.1f  max %.1f   (5 ms probe; target: max <= 50)\n",
                percentile(gaps, 0.5), percentile(gaps, 0.99), percentile(gaps, 1.0));
    return finished ? 0 : 2;
}
