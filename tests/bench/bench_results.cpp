// Results page benchmark: how long the results of a run with 10,000 test predictions take to open.
// Not a test (built, not registered with CTest); it prints figures and exits 0 when every
// measurement ran (target met or not), 2 when one could not be made, 1 on bad options.
//
//   bench_results [--predictions N] [--classes C] [--val V] [--runs R] [--keep DIR]
//
//   --predictions N  test predictions of the run (default 10000)
//   --classes C      classes (default 10, long-tailed training counts)
//   --val V          validation predictions (temperature scaling is fitted on them; default 2000)
//   --runs R         loads; best and median are reported (default 5)
//   --keep DIR       generate into DIR and keep it
//
// The project holds one dataset record per prediction (records only: thumbnails are not part of
// the measurement); the run folder is written through RunFolder with results evaluated by
// core/metrics as the trainer does. Measured: ResultsPage::showRun() until the page shows the
// results (the load job: the metrics files, the 10,000-row predictions CSV, the confusion matrix,
// per-class ROC and PR curves, temperature scaling on the validation predictions; then the
// headline, tables, plots and the predictions browser on the GUI thread) and has settled, and
// separately the load job alone (loadRunResults). Target: ≤ 1 s.

#include "core/jobs/jobmanager.h"
#include "core/metrics/evaluation.h"
#include "core/project/project.h"
#include "core/project/runfolder.h"
#include "tests/support/testsupport.h"
#include "ui/results/resultspage.h"
#include "ui/shell/projectdocument.h"

#include <QtCore/QDir>
#include <QtCore/QElapsedTimer>
#include <QtCore/QJsonArray>
#include <QtCore/QTemporaryDir>
#include <QtCore/QTimer>
#include <QtTest/QTest>
#include <QtWidgets/QApplication>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>

using namespace fopro;

namespace {

struct Options {
    int predictions = 10000;
    int classes = 10;
    int val = 2000;
    int runs = 5;
    QString keep;
};

double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v[v.size() / 2];
}

project::SplitPredictions predictions(const data::DatasetIndex &d, const std::vector<int> &samples, int c,
                                      std::mt19937 &rng)
{
    project::SplitPredictions p;
    std::normal_distribution<double> noise(0, 1);
    for (int s : samples) {
        const int t = d.samples[std::size_t(s)].label;
        std::vector<double> logits(static_cast<std::size_t>(c));
        for (int k = 0; k < c; ++k)
            logits[std::size_t(k)] = noise(rng) + (k == t ? 2.5 : 0.0);
        double mx = *std::max_element(logits.begin(), logits.end()), sum = 0;
        for (double &l : logits)
            sum += l = std::exp(l - mx);
        int arg = 0;
        for (int k = 0; k < c; ++k) {
            p.probabilities.push_back(logits[std::size_t(k)] / sum);
            if (logits[std::size_t(k)] > logits[std::size_t(arg)]) arg = k;
        }
        p.sampleIds << d.samples[std::size_t(s)].id();
        p.yTrue.push_back(t);
        p.yPred.push_back(arg);
    }
    return p;
}

} // namespace

int main(int argc, char **argv)
{
    QApplication app(argc, argv);
    Options o;
    const QStringList args = app.arguments();
    for (int i = 1; i < args.size(); ++i) {
        const QString a = args[i];
        const auto next = [&]() -> QString { return i + 1 < args.size() ? args[++i] : QString(); };
        if (a == QLatin1String("--predictions"))
            o.predictions = next().toInt();
        else if (a == QLatin1String("--classes"))
            o.classes = next().toInt();
        else if (a == QLatin1String("--val"))
            o.val = next().toInt();
        else if (a == QLatin1String("--runs"))
            o.runs = next().toInt();
        else if (a == QLatin1String("--keep"))
            o.keep = next();
        else {
            std::fprintf(stderr, "unknown option %s\n", qPrintable(a));
            return 1;
        }
    }
    if (o.predictions < 1 || o.classes < 2 || o.val < 1 || o.runs < 1) return 1;
    QStandardPaths::setTestModeEnabled(true);

    QTemporaryDir tmp;
    const QString root = o.keep.isEmpty() ? tmp.path() : o.keep;
    QDir().mkpath(root);

    // A project with one record per prediction (train records give the long-tailed counts).
    project::Project p;
    p.folder = QDir(root).filePath(QStringLiteral("project"));
    p.name = QStringLiteral("results benchmark");
    data::DatasetIndex &d = p.dataset;
    d.root = QDir(root).filePath(QStringLiteral("images"));
    std::vector<int> trainCounts;
    for (int k = 0; k < o.classes; ++k) {
        d.classes << QStringLiteral("class %1").arg(k);
        trainCounts.push_back(std::max(5, int(std::lround(1000 * std::pow(0.01, double(k) / (o.classes - 1))))));
    }
    std::mt19937 rng(7);
    std::vector<int> test, val;
    const auto add = [&](int label, data::Split split, int n) {
        data::Sample s;
        s.path = QStringLiteral("%1/%2-%3.jpg").arg(d.classes[label], data::splitName(split)).arg(n);
        s.label = s.originalLabel = label;
        s.split = split;
        d.samples.push_back(s);
        return int(d.samples.size()) - 1;
    };
    for (int k = 0; k < o.classes; ++k)
        for (int i = 0; i < trainCounts[std::size_t(k)]; ++i)
            add(k, data::Split::Train, i);
    for (int i = 0; i < o.predictions; ++i)
        test.push_back(add(i % o.classes, data::Split::Test, i));
    for (int i = 0; i < o.val; ++i)
        val.push_back(add(i % o.classes, data::Split::Val, i));
    if (!p.save()) {
        std::fprintf(stderr, "cannot save the project\n");
        return 2;
    }

    const QString runDir = QDir(p.folder).filePath(QStringLiteral("runs/bench"));
    QDir(runDir).removeRecursively();
    auto run = project::RunFolder::create(runDir);
    if (!run) return 2;
    QJsonArray counts;
    for (int c : trainCounts)
        counts.append(c);
    run->writeHeader(QJsonObject{{"config", QJsonObject{{"strategy", QStringLiteral("bsm")}, {"seed", 0}}},
                                 {"dataset", QJsonObject{{"classes", QJsonArray::fromStringList(d.classes)},
                                                         {"trainCounts", counts},
                                                         {"manifest", p.datasetFile()}}},
                                 {"created", QDateTime::currentDateTimeUtc().toString(Qt::ISODate)}});
    project::RunStatus status;
    status.state = QStringLiteral("finished");
    run->writeStatus(status);
    for (const auto &[split, samples] :
         {std::pair{QStringLiteral("test"), test}, std::pair{QStringLiteral("val"), val}}) {
        const project::SplitPredictions pr = predictions(d, samples, o.classes, rng);
        metrics::EvaluationOptions eo;
        eo.numClasses = o.classes;
        eo.trainCounts = trainCounts;
        auto report = metrics::evaluate(pr.yTrue, pr.yPred, pr.probabilities, eo);
        if (!report) return 2;
        project::SplitResults r;
        r.metrics = metrics::reportToJson(*report, d.classes);
        r.perClass = metrics::classMetricsToJson(*report, d.classes);
        r.perClassCsv = metrics::classMetricsToCsv(*report, d.classes);
        r.predictions = pr;
        if (!run->writeResults(split, r, d.classes)) return 2;
    }

    JobManager jobs;
    ui::ProjectDocument doc;
    doc.reset(p, false);
    ui::PageContext context;
    context.jobs = &jobs;
    context.document = &doc;
    context.navigate = [](const QString &, const QVariantMap &) {};
    ui::ResultsPage page(context);
    page.resize(1024, 700);
    page.show();
    QTest::qWait(100);

    std::printf("Results page benchmark: %d test predictions, %d validation predictions, %d classes\n", o.predictions,
                o.val, o.classes);
    std::vector<double> pageSeconds, jobSeconds;
    QHash<QString, int> ids;
    for (int i = 0; i < int(d.samples.size()); ++i)
        ids.insert(d.samples[std::size_t(i)].id(), i);
    for (int r = 0; r < o.runs; ++r) {
        QElapsedTimer t;
        t.start();
        auto loaded = ui::loadRunResults(runDir, QStringLiteral("test"), ids);
        jobSeconds.push_back(t.nsecsElapsed() / 1e9);
        if (!loaded) {
            std::fprintf(stderr, "load failed: %s\n", qPrintable(loaded.error().message()));
            return 2;
        }

        // Wait as the application does: in the event loop (a busy processEvents() loop would take a
        // core from the load job on this 2-core machine).
        bool shown = false;
        QEventLoop loop;
        const auto c = QObject::connect(&page, &ui::ResultsPage::resultsShown, &loop, [&] {
            shown = true;
            loop.quit();
        });
        QTimer::singleShot(60000, &loop, &QEventLoop::quit);
        t.restart();
        page.showRun(runDir, QStringLiteral("test"));
        if (!shown) loop.exec();
        QObject::disconnect(c);
        while (!page.isSettled() && t.elapsed() < 60000) {
            QEventLoop wait;
            QTimer::singleShot(1, &wait, &QEventLoop::quit);
            wait.exec();
        }
        page.repaint(); // the first paint of what was shown
        pageSeconds.push_back(t.nsecsElapsed() / 1e9);
        if (!shown || !page.results() || page.results()->predictions.size() != o.predictions) {
            std::fprintf(stderr, "the page did not show the results\n");
            return 2;
        }
        std::printf("  load %d: page %.3f s (request to shown: %lld ms), load job alone %.3f s\n", r + 1,
                    pageSeconds.back(), page.lastLoadMilliseconds(), jobSeconds.back());
        std::fflush(stdout);
    }
    const double best = *std::min_element(pageSeconds.begin(), pageSeconds.end());
    std::printf("open the results of %d predictions: best %.3f s, median %.3f s (target <= 1 s: %s)\n", o.predictions,
                best, median(pageSeconds), median(pageSeconds) <= 1.0 ? "met" : "missed");
    std::printf("load job alone (files, confusion, curves, temperature): best %.3f s, median %.3f s\n",
                *std::min_element(jobSeconds.begin(), jobSeconds.end()), median(jobSeconds));
    jobs.shutdown();
    return 0;
}
