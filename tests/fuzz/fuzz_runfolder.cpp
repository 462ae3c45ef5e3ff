// Fuzz target: run folders (core/project/runfolder.h). A scratch run folder is written once through
// RunFolder's own writers (config.json, status.json, epochs.csv, prompt_gain.csv, notes.json,
// results/test_metrics.json). The first input byte picks one of those files (modulo 6), the rest
// replaces it; then every reader runs (open, readHeader, readConfig, classNames, readStatus,
// readEpochs, readPromptGain, readNotes, readMetrics, details, list) and the file is put
// back. The in-memory parsers (epochsFromCsv, epochsFromJson, RunStatus/RunNotes::fromJson) get
// the same bytes.

#include "core/project/runfolder.h"
#include "tests/fuzz/fuzzsupport.h"

#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>

#include <cmath>
#include <cstdlib>

using namespace fopro;
using project::RunFolder;

namespace {

struct Baseline {
    QString runs; // the folder holding the run
    RunFolder run;
    QStringList files; // relative to the run
    std::vector<QByteArray> bytes;
};

Baseline makeBaseline()
{
    Baseline b;
    b.runs = fuzz::scratchFolder(QStringLiteral("runs")).absolutePath();
    auto created = RunFolder::create(QDir(b.runs).filePath(QStringLiteral("20260101-120000-fopro_kd")));
    if (!created) std::abort();
    b.run = *created;
    const QJsonObject config{{"strategy", "fopro_kd"},
                             {"dataset", "/data/isic/dataset.json"},
                             {"epochs", 3},
                             {"student", QJsonObject{{"architecture", "cifar_resnet"},
                                                     {"widthMultiplier", 0.5},
                                                     {"cifarBlocks", QJsonArray{1, 1, 1, 1}}}},
                             {"teacher", QJsonObject{{"path", "/teachers/mobilenet/model.json"},
                                                     {"outputLayer", "global_average_pooling2d"}}}};
    const QJsonObject header{{"config", config},
                             {"created", "2026-01-01T12:00:00Z"},
                             {"dataset", QJsonObject{{"manifest", "/data/isic/dataset.json"},
                                                     {"classes", QJsonArray{"MEL", "NV", "BCC"}},
                                                     {"trainCounts", QJsonArray{10, 50, 3}}}}};
    if (!b.run.writeHeader(header)) std::abort();
    project::RunStatus status;
    status.state = QStringLiteral("finished");
    status.epochsDone = status.epochs = status.bestEpoch = 2;
    status.bestValBalancedAccuracy = 0.5;
    status.updated = QDateTime::fromSecsSinceEpoch(1767268800, Qt::UTC);
    if (!b.run.writeStatus(status)) std::abort();
    std::vector<project::EpochRecord> history;
    for (int e = 1; e <= 2; ++e) {
        project::EpochRecord r = project::EpochRecord::withoutValidation(e);
        r.lr = 3e-4;
        r.losses = {{QStringLiteral("loss"), 1.5 / e}, {QStringLiteral("ce"), 1.0 / e}};
        r.valBalancedAccuracy = 0.25 * e;
        r.seconds = 12.5;
        r.imagesPerSecond = 80;
        r.best = e == 2;
        history.push_back(r);
    }
    if (!b.run.writeEpochs(history)) std::abort();
    if (!b.run.writePromptGain(1, {1.0, 1.25, 0.75})) std::abort();
    if (!b.run.writeNotes({QStringLiteral("first run"), QStringLiteral("baseline"), false})) std::abort();
    project::SplitResults results;
    results.metrics = QJsonObject{{"balancedAccuracy", 0.5},
                                  {"tailGroups", QJsonObject{{"tail", QJsonObject{{"meanRecall", 0.25}}}}}};
    results.perClassCsv = QStringLiteral("class,recall\nMEL,0.5\n");
    results.predictions.sampleIds = QStringList{QStringLiteral("a")};
    results.predictions.yTrue = {0};
    results.predictions.yPred = {0};
    results.predictions.probabilities = {0.8, 0.1, 0.1};
    if (!b.run.writeResults(QStringLiteral("test"), results,
                            {QStringLiteral("MEL"), QStringLiteral("NV"), QStringLiteral("BCC")}))
        std::abort();
    b.files = QStringList{QStringLiteral("config.json"), QStringLiteral("status.json"),
                          QStringLiteral("epochs.csv"),  QStringLiteral("prompt_gain.csv"),
                          QStringLiteral("notes.json"),  QStringLiteral("results/test_metrics.json")};
    for (const QString &f : b.files) {
        QFile file(b.run.path(f));
        if (!file.open(QIODevice::ReadOnly)) std::abort();
        b.bytes.push_back(file.readAll());
    }
    return b;
}

void readEverything(const Baseline &b)
{
    const QString dir = b.run.dir();
    (void)RunFolder::isRun(dir);
    if (auto run = RunFolder::open(dir)) {
        (void)run->readHeader();
        (void)run->readConfig();
        (void)run->classNames();
        (void)run->readStatus();
        if (auto epochs = run->readEpochs())
            for (const auto &e : *epochs)
                (void)e.loss(QStringLiteral("loss"));
        (void)run->readPromptGain();
        (void)run->readNotes();
        (void)run->readMetrics(QStringLiteral("test"));
        (void)run->resultSplits();
    }
    if (auto d = RunFolder::details(dir, [](const QString &s) { return s.contains(QLatin1String("kd")); })) {
        (void)project::statusText(*d);
        (void)project::isResumable(*d);
    }
    (void)RunFolder::list(b.runs);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const bool init = (fuzz::quietQt(), true);
    (void)init;
    static const Baseline b = makeBaseline();
    if (size < 1) return 0;
    const int which = data[0] % int(b.files.size());
    const QByteArray bytes = fuzz::bytesOf(data + 1, size - 1);

    // In memory.
    if (auto history = project::epochsFromCsv(bytes)) {
        const QString csv = project::epochsToCsv(*history);
        if (!project::epochsFromCsv(csv.toUtf8())) std::abort();
    }
    const QJsonObject object = QJsonDocument::fromJson(bytes).object();
    (void)project::epochsToJson(project::epochsFromJson(object));
    (void)project::RunStatus::fromJson(object).toJson();
    (void)project::RunNotes::fromJson(object).toJson();

    // On disk.
    const QString path = b.run.path(b.files[which]);
    fuzz::writeFile(path, bytes);
    readEverything(b);
    fuzz::writeFile(path, b.bytes[size_t(which)]);
    return 0;
}
