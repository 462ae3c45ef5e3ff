// fopro train | eval | export | predict | probe: the ML core from the command line.

#include "app/cli/cliargs.h"
#include "app/cli/clioutput.h"
#include "app/cli/commands.h"
#include "app/cli/estimatereport.h"
#include "app/cli/launcher.h"
#include "app/cli/trainrunner.h"
#include "app/cli/workermode.h"
#include "core/common/fileio.h"
#include "core/common/librarymessages.h"
#include "core/ml/classify.h"
#include "core/ml/configfields.h"
#include "core/ml/export.h"
#include "core/ml/presets.h"
#include "core/ml/probe.h"
#include "core/ml/runevaluation.h"
#include "core/ml/strategies.h"
#include "core/ml/teacher.h"
#include "core/ml/trainconfig.h"
#include "core/ml/trainer.h"
#include "core/project/project.h"
#include "core/project/runfolder.h"

#include <QtCore/QCommandLineParser>
#include <QtCore/QDir>
#include <QtCore/QFileInfo>
#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include <unistd.h>

namespace fopro::cli {

namespace {

QString absolutePath(const QString &path)
{
    return QDir::cleanPath(QFileInfo(path).absoluteFilePath());
}

QString native(const QString &path)
{
    return QDir::toNativeSeparators(path);
}

QString strategyList()
{
    return ml::strategyIds().join(QStringLiteral(", "));
}

/// The strategies for `fopro train --help`: id, display name and help text of each, from the registry.
QString strategyHelp()
{
    int width = 0;
    for (const ml::StrategyInfo &s : ml::strategies())
        width = std::max(width, int(s.id.size()));
    QString text = QStringLiteral("Strategies (--strategy):\n");
    for (const ml::StrategyInfo &s : ml::strategies())
        text += QStringLiteral("  %1  %2: %3%4\n")
                    .arg(s.id, -width)
                    .arg(s.displayName, s.help, s.needsTeacher ? QStringLiteral(" Needs --teacher.") : QString());
    return text;
}

/// A run folder written by `fopro train` (project::RunFolder decides), or the error saying why not.
Result<void> checkRunFolder(const QString &dir)
{
    auto run = project::RunFolder::open(dir);
    if (!run) return run.error();
    return {};
}

// ---- train: configuration from a file plus command-line overrides ------------------------------

void setJsonPath(QJsonObject &root, const QStringList &path, const QJsonValue &value)
{
    if (path.size() == 1) {
        root.insert(path.front(), value);
        return;
    }
    QJsonObject child = root.value(path.front()).toObject();
    setJsonPath(child, path.mid(1), value);
    root.insert(path.front(), child);
}

QJsonValue jsonPathValue(const QJsonObject &root, const QStringList &path)
{
    QJsonValue v = root;
    for (const QString &key : path)
        v = v.toObject().value(key);
    return v;
}

/// A --set value: JSON when it parses as JSON (numbers, true/false, arrays, "quoted"), else the text itself.
QJsonValue parseSetValue(const QString &text)
{
    QJsonParseError e;
    const QJsonDocument doc = QJsonDocument::fromJson(QByteArray("[") + text.toUtf8() + "]", &e);
    if (e.error == QJsonParseError::NoError && doc.array().size() == 1) return doc.array().at(0);
    return text;
}

/// Makes a relative path in the configuration absolute, against `base`.
void resolvePath(QJsonObject &root, const QStringList &path, const QString &base)
{
    const QJsonValue v = jsonPathValue(root, path);
    if (!v.isString() || v.toString().isEmpty() || QDir::isAbsolutePath(v.toString())) return;
    setJsonPath(root, path, QDir::cleanPath(QDir(base).absoluteFilePath(v.toString())));
}

const QStringList kPathKeys[] = {{QStringLiteral("dataset")},
                                 {QStringLiteral("runDir")},
                                 {QStringLiteral("studentInit")},
                                 {QStringLiteral("teacher"), QStringLiteral("path")}};

/// Reads a configuration file (or a run's config.json) as JSON, paths made absolute against its folder.
Result<QJsonObject> readConfigJson(const QString &file)
{
    auto read = ml::TrainConfig::readJson(file);
    if (!read) return read.error();
    QJsonObject o = std::move(read).value();
    const QString base = QFileInfo(file).absolutePath();
    for (const QStringList &key : kPathKeys)
        resolvePath(o, key, base);
    return o;
}

struct Override {
    const char *option;
    const char *key; ///< dotted JSON path
    enum Kind { Int, Number, Text, Path } kind;
    double min;
};

// Options that set one configuration key each (checked here; the configuration checks the rest).
const Override kOverrides[] = {
    {"dataset", "dataset", Override::Path, 0},
    {"run", "runDir", Override::Path, 0},
    {"epochs", "epochs", Override::Int, 1},
    {"batch", "batchSize", Override::Int, 2},
    {"lr", "lr", Override::Number, 1e-12},
    {"image-size", "imageSize", Override::Int, 8},
    {"resize", "resizePolicy", Override::Text, 0},
    {"seed", "seed", Override::Int, 0},
    {"threads", "threads", Override::Int, 0},
    {"device", "device", Override::Text, 0},
    {"workers", "workers", Override::Int, 1},
    {"width", "student.widthMultiplier", Override::Number, 1e-6},
    {"init", "studentInit", Override::Path, 0},
    {"teacher-layer", "teacher.outputLayer", Override::Text, 0},
    {"teacher-size", "teacher.inputSize", Override::Int, -1},
    {"lambda", "ekdLambda", Override::Number, 0},
    {"optimizer", "optimizer", Override::Text, 0},
    {"schedule", "schedule", Override::Text, 0},
    {"weight-decay", "weightDecay", Override::Number, 0},
    {"max-batches", "maxTrainBatches", Override::Int, 0},
};

/// Applies the options to the configuration JSON. false after reporting a usage error.
bool applyOverrides(const QCommandLineParser &p, QJsonObject &json)
{
    for (const Override &o : kOverrides) {
        const QString option = QString::fromLatin1(o.option);
        if (!p.isSet(option)) continue;
        const QStringList key = QString::fromLatin1(o.key).split(QLatin1Char('.'));
        const QString text = p.value(option);
        bool ok = true;
        switch (o.kind) {
        case Override::Int: {
            const qlonglong v = text.toLongLong(&ok);
            if (!ok || double(v) < o.min) {
                fail(QStringLiteral("--%1 expects a whole number >= %2, got '%3'").arg(option).arg(o.min).arg(text), 2);
                return false;
            }
            setJsonPath(json, key, double(v));
            break;
        }
        case Override::Number: {
            const double v = text.toDouble(&ok);
            if (!ok || !std::isfinite(v) || v < o.min) {
                fail(QStringLiteral("--%1 expects a number %2 %3, got '%4'")
                         .arg(option, o.min > 0 ? QStringLiteral(">") : QStringLiteral(">="))
                         .arg(o.min > 0 ? 0 : o.min)
                         .arg(text),
                     2);
                return false;
            }
            setJsonPath(json, key, v);
            break;
        }
        case Override::Text:
            setJsonPath(json, key, text);
            break;
        case Override::Path:
            setJsonPath(json, key, absolutePath(text));
            break;
        }
    }
    QString choice;
    if (p.isSet(QStringLiteral("strategy"))) {
        ml::Strategy s;
        if (!ml::parseStrategy(p.value(QStringLiteral("strategy")), &s)) {
            fail(QStringLiteral("--strategy: unknown strategy '%1' (expected one of %2)")
                     .arg(p.value(QStringLiteral("strategy")), strategyList()),
                 2);
            return false;
        }
        setJsonPath(json, {QStringLiteral("strategy")}, ml::strategyName(s));
    }
    if (!readChoice(p, QStringLiteral("student"), {QStringLiteral("resnet18"), QStringLiteral("cifar_resnet")}, {},
                    &choice))
        return false;
    if (!choice.isEmpty()) setJsonPath(json, {QStringLiteral("student"), QStringLiteral("architecture")}, choice);
    if (!readChoice(p, QStringLiteral("sampler"), {QStringLiteral("shuffle"), QStringLiteral("class_balanced")}, {},
                    &choice))
        return false;
    if (!choice.isEmpty()) setJsonPath(json, {QStringLiteral("sampler")}, choice);
    if (!readChoice(p, QStringLiteral("prompt"), {QStringLiteral("global"), QStringLiteral("conditional")}, {},
                    &choice))
        return false;
    if (!choice.isEmpty()) setJsonPath(json, {QStringLiteral("prompt"), QStringLiteral("mode")}, choice);
    if (!readChoice(p, QStringLiteral("prompt-update"), {QStringLiteral("akd"), QStringLiteral("explore")}, {},
                    &choice))
        return false;
    if (!choice.isEmpty()) setJsonPath(json, {QStringLiteral("prompt"), QStringLiteral("update")}, choice);
    if (p.isSet(QStringLiteral("blocks"))) {
        const QStringList parts = p.value(QStringLiteral("blocks")).split(QLatin1Char(','));
        QJsonArray blocks;
        for (const QString &part : parts) {
            bool ok = false;
            const int n = part.trimmed().toInt(&ok);
            if (ok && n >= 1) blocks.append(n);
        }
        if (parts.size() != 4 || blocks.size() != 4) {
            fail(QStringLiteral("--blocks expects four whole numbers >= 1 like 1,1,1,1, got '%1'")
                     .arg(p.value(QStringLiteral("blocks"))),
                 2);
            return false;
        }
        setJsonPath(json, {QStringLiteral("student"), QStringLiteral("cifarBlocks")}, blocks);
    }
    if (p.isSet(QStringLiteral("teacher"))) {
        auto source = ml::resolveTeacher(absolutePath(p.value(QStringLiteral("teacher"))));
        if (!source) {
            fail(source.error().message());
            return false;
        }
        setJsonPath(json, {QStringLiteral("teacher"), QStringLiteral("path")}, source->file);
        setJsonPath(json, {QStringLiteral("teacher"), QStringLiteral("kind")}, ml::teacherKindName(source->kind));
    }
    if (p.isSet(QStringLiteral("no-augment")))
        setJsonPath(json, {QStringLiteral("augment"), QStringLiteral("enabled")}, false);
    for (const QString &assignment : p.values(QStringLiteral("set"))) {
        const int eq = int(assignment.indexOf(QLatin1Char('=')));
        const QString key = assignment.left(eq).trimmed();
        if (eq <= 0 || key.split(QLatin1Char('.')).contains(QString())) {
            fail(QStringLiteral("--set expects KEY=VALUE (e.g. prompt.alpha=0.3), got '%1'").arg(assignment), 2);
            return false;
        }
        setJsonPath(json, key.split(QLatin1Char('.')), parseSetValue(assignment.mid(eq + 1)));
    }
    return true;
}

// ---- predict ---------------------------------------------------------------------------------------

/// The table `fopro predict` shows (the first rows) and the predictions per class.
struct PredictionTable {
    PredictionTable(const QStringList &classNames, int topK, int maxRows)
        : classes(classNames), top(topK), rows(maxRows),
          table(topK > 1
                    ? QStringList{QStringLiteral("file"), QStringLiteral("predicted"), QStringLiteral("confidence"),
                                  QStringLiteral("top %1").arg(topK)}
                    : QStringList{QStringLiteral("file"), QStringLiteral("predicted"), QStringLiteral("confidence")}),
          perClass(std::size_t(classNames.size()), 0)
    {
        table.setRightAligned(2);
    }

    void add(const QString &file, const std::vector<float> &prob)
    {
        std::vector<int> order(prob.size());
        for (std::size_t k = 0; k < order.size(); ++k)
            order[k] = int(k);
        std::stable_sort(order.begin(), order.end(),
                         [&](int a, int b) { return prob[std::size_t(a)] > prob[std::size_t(b)]; });
        const int best = order.front();
        ++perClass[std::size_t(best)];
        if (predicted++ >= rows) return;
        QStringList row{native(file), classes[best], percent(prob[std::size_t(best)])};
        if (top > 1) {
            QStringList alternatives;
            for (int k = 0; k < top; ++k)
                alternatives << QStringLiteral("%1 %2").arg(classes[order[std::size_t(k)]],
                                                            percent(prob[std::size_t(order[std::size_t(k)])]));
            row << alternatives.join(QStringLiteral(", "));
        }
        table.addRow(row);
    }

    QStringList classes;
    int top = 1, rows = 20;
    TextTable table;
    std::vector<int> perClass;
    int predicted = 0;
};

/// `fopro train --resume RUN [--epochs N]`.
int resumeTraining(const QCommandLineParser &p, const QStringList &args)
{
    for (const QString &name : p.optionNames())
        if (name != QLatin1String("resume") && name != QLatin1String("epochs") && name != QLatin1String("events") &&
            !kDistributedOptions.contains(name))
            return fail(QStringLiteral("--resume continues a run with its own configuration; only --epochs, --events "
                                       "and the options of a distributed run may be given with it, not --%1")
                            .arg(name),
                        2);
    const int nproc = nprocOf(p);
    if (nproc < 0) return 2;
    if (nproc > 0) return launchRanks(p, nproc, args);
    ml::DistributedSettings d;
    if (!readDistribution(p, &d)) return 2;
    setDistribution(d);
    int epochs = 0;
    if (!readInt(p, QStringLiteral("epochs"), 0, 1, &epochs)) return 2;
    const QString run = absolutePath(p.value(QStringLiteral("resume")));
    if (auto ok = checkRunFolder(run); !ok) return fail(ok.error());
    if (p.isSet(QStringLiteral("events"))) return runWorkerTraining(nullptr, run, epochs);
    return runTraining(nullptr, run, epochs);
}

/// The dataset is a manifest or a project, and the run folder is free (the detail says what to do).
Result<void> checkBeforeTraining(const ml::TrainConfig &config)
{
    const QFileInfo dataset(config.dataset);
    const auto bad = [](const QString &detail) { return makeError(ErrorCode::InvalidArgument, {}, detail); };
    if (!dataset.exists())
        return bad(QStringLiteral("%1: no such dataset manifest or project folder").arg(config.dataset));
    if (dataset.isDir() && !project::Project::isProject(config.dataset))
        return bad(QStringLiteral(
                       "%1: a folder but not a project; training takes a dataset manifest with train/val/test splits: "
                       "make one with 'fopro dataset split %2 --out DIR' and train on DIR/split.json")
                       .arg(config.dataset, shellQuote(config.dataset)));
    if (QDir(config.runDir).exists() && !QDir(config.runDir).isEmpty())
        return bad(QStringLiteral("%1: the run folder exists and is not empty (choose another --run, or continue it "
                                  "with 'fopro train --resume %2')")
                       .arg(config.runDir, shellQuote(config.runDir)));
    return {};
}

QString presetList()
{
    QStringList ids;
    for (const ml::TrainPreset &preset : ml::trainPresets())
        ids << preset.id;
    return ids.join(QStringLiteral(", "));
}

/// The options of `fopro train`.
void addTrainOptions(QCommandLineParser &p)
{
    p.addOptions({
        {QStringLiteral("config"), QStringLiteral("Run configuration (JSON)."), QStringLiteral("file")},
        {QStringLiteral("dataset"),
         QStringLiteral("Dataset manifest (e.g. written by 'fopro dataset split') or project folder."),
         QStringLiteral("path")},
        {QStringLiteral("run"), QStringLiteral("Run folder to create (default: runs/<date>-<time>-<strategy> here)."),
         QStringLiteral("dir")},
        {QStringLiteral("resume"),
         QStringLiteral("Continue the run in this folder from its last finished epoch (only --epochs may change)."),
         QStringLiteral("run")},
        {QStringLiteral("strategy"), QStringLiteral("Objective: %1.").arg(strategyList()), QStringLiteral("name")},
        {QStringLiteral("epochs"), QStringLiteral("Number of epochs."), QStringLiteral("N")},
        {QStringLiteral("batch"), QStringLiteral("Batch size (>= 2)."), QStringLiteral("N")},
        {QStringLiteral("lr"), QStringLiteral("Learning rate."), QStringLiteral("X")},
        {QStringLiteral("optimizer"), QStringLiteral("adam or sgd."), QStringLiteral("name")},
        {QStringLiteral("schedule"), QStringLiteral("Learning-rate schedule: constant, cosine or step."),
         QStringLiteral("name")},
        {QStringLiteral("weight-decay"), QStringLiteral("Weight decay."), QStringLiteral("X")},
        {QStringLiteral("image-size"), QStringLiteral("Input side in pixels."), QStringLiteral("N")},
        {QStringLiteral("resize"), QStringLiteral("Resize policy: crop, stretch or letterbox."),
         QStringLiteral("policy")},
        {QStringLiteral("no-augment"), QStringLiteral("No data augmentation.")},
        {QStringLiteral("sampler"), QStringLiteral("shuffle or class_balanced."), QStringLiteral("name")},
        {QStringLiteral("student"), QStringLiteral("Student network: resnet18 or cifar_resnet (small images)."),
         QStringLiteral("arch")},
        {QStringLiteral("width"), QStringLiteral("Student width multiplier (e.g. 0.5)."), QStringLiteral("W")},
        {QStringLiteral("blocks"), QStringLiteral("cifar_resnet blocks per stage, e.g. 1,1,1,1."),
         QStringLiteral("a,b,c,d")},
        {QStringLiteral("init"), QStringLiteral("Initial student weights (TorchScript or saved parameters)."),
         QStringLiteral("file")},
        {QStringLiteral("teacher"),
         QStringLiteral("Teacher: a TF.js model.json or a TorchScript file (kd, ekd, fopro_kd)."),
         QStringLiteral("path")},
        {QStringLiteral("teacher-layer"), QStringLiteral("TF.js teacher: the layer giving the feature."),
         QStringLiteral("name")},
        {QStringLiteral("teacher-size"), QStringLiteral("Teacher input side: -1 its own, 0 the student's, or pixels."),
         QStringLiteral("N")},
        {QStringLiteral("lambda"), QStringLiteral("Weight of the feature loss (ekd, fopro_kd)."), QStringLiteral("X")},
        {QStringLiteral("prompt"), QStringLiteral("Fourier prompt mode: global or conditional."),
         QStringLiteral("mode")},
        {QStringLiteral("prompt-update"), QStringLiteral("Prompt step: akd (adversarial) or explore."),
         QStringLiteral("name")},
        {QStringLiteral("seed"), QStringLiteral("Random seed."), QStringLiteral("N")},
        {QStringLiteral("threads"), QStringLiteral("Torch threads (0 = every core)."), QStringLiteral("N")},
        {QStringLiteral("device"),
         QStringLiteral("auto, cpu, cuda or cuda:N (this build trains on the CPU; cuda is refused with the reason)."),
         QStringLiteral("name")},
        {QStringLiteral("workers"), QStringLiteral("Image decoding threads."), QStringLiteral("N")},
        {QStringLiteral("max-batches"), QStringLiteral("Stop every epoch after N batches (quick trials; 0 = all)."),
         QStringLiteral("N")},
        {QStringLiteral("set"),
         QStringLiteral(
             "Any configuration key, e.g. --set prompt.alpha=0.3 --set augment.verticalFlip=true (repeatable)."),
         QStringLiteral("key=value")},
        {QStringLiteral("print-config"),
         QStringLiteral("Print the resulting configuration as JSON and stop (a start for --config files).")},
        {QStringLiteral("estimate"),
         QStringLiteral("Dry run: time a few real steps, print the expected duration and disk use, train nothing.")},
        {QStringLiteral("steps"), QStringLiteral("--estimate: timed steps after one warm-up step (default 3)."),
         QStringLiteral("N")},
        {QStringLiteral("json"), QStringLiteral("--estimate: one JSON object on stdout.")},
        {QStringLiteral("events"),
         QStringLiteral("Worker mode: JSON event lines on stdout, commands on stdin (also with --resume).")},
        {QStringLiteral("nproc"),
         QStringLiteral("Train as N processes on this machine (one distributed run; also with --resume)."),
         QStringLiteral("N")},
        {QStringLiteral("dist-timeout"),
         QStringLiteral("Distributed run: seconds a rank waits for the others before the run stops (default 300)."),
         QStringLiteral("S")},
        {QStringLiteral("world-size"),
         QStringLiteral("Distributed run: number of processes (else WORLD_SIZE; see docs/distributed.md)."),
         QStringLiteral("N")},
        {QStringLiteral("rank"), QStringLiteral("Distributed run: this process's rank (else RANK)."),
         QStringLiteral("R")},
        {QStringLiteral("master-addr"),
         QStringLiteral("Distributed run: address of rank 0's machine (else MASTER_ADDR, or 127.0.0.1)."),
         QStringLiteral("host")},
        {QStringLiteral("master-port"),
         QStringLiteral("Distributed run: rendezvous port on rank 0's machine (else MASTER_PORT, or 29500)."),
         QStringLiteral("port")},
        {QStringLiteral("preset"),
         QStringLiteral("Start from a named preset (%1); --config and the options below override it.")
             .arg(presetList()),
         QStringLiteral("id")},
        {QStringLiteral("help-config"),
         QStringLiteral("List every configuration key (for --config files and --set) with its range and help.")},
    });
}

} // namespace

// ---- commands ---------------------------------------------------------------------------------------

int train(const QStringList &args)
{
    QCommandLineParser p;
    p.setApplicationDescription(
        QStringLiteral(
            "Trains a student on a dataset manifest and writes a run folder (config.json, status.json, log.txt,\n"
            "epochs.csv, checkpoints/, results/). The configuration is --config FILE (JSON with the keys of a run's\n"
            "config.json; missing keys keep their defaults; a run's config.json works too), or the defaults when\n"
            "only --dataset is given; the options below override it. Relative paths in FILE are relative to FILE's\n"
            "folder, those on the command line to the current folder.\n"
            "Ctrl-C stops after the current batch (exit code 130); 'fopro train --resume RUN' continues.\n"
            "--estimate measures a few real training steps of the configuration instead and prints how long the\n"
            "run will take and how much disk it will use. --events is the worker mode of the desktop application:\n"
            "stdout carries only JSON event lines (started, progress, epoch, log, error, finished); stdin takes\n"
            "the lines pause, resume and cancel; SIGUSR1 pauses, SIGUSR2 resumes, SIGTERM cancels.\n"
            "\n"
            "  fopro train --config experiment.json\n"
            "  fopro train --dataset split.json --strategy bsm --student cifar_resnet --image-size 32 --epochs 30\n"
            "  fopro train --config experiment.json --estimate\n"
            "  fopro train --resume runs/20250101-120000-bsm [--epochs 60] [--events]\n\n") +
        strategyHelp().trimmed());
    addTrainOptions(p);
    if (int rc = parseArgs(p, args, QStringLiteral("train"), 0); rc >= 0) return rc;
    if (p.isSet(QStringLiteral("help-config"))) {
        out() << ml::configFieldsHelp();
        return 0;
    }
    const int nproc = nprocOf(p);
    if (nproc < 0) return 2;
    // stdout carries events only from here on. A launcher of ranks leaves its stdout to rank 0's
    // events and reports only its own failures there.
    if (p.isSet(QStringLiteral("events")) && nproc == 0) WorkerEvents::begin();
    if (p.isSet(QStringLiteral("events")) && nproc > 0)
        setFailureHook([](const Error &error) {
            const QByteArray line = worker::encode(worker::Event::failed(error));
            std::fwrite(line.constData(), 1, size_t(line.size()), stdout);
            std::fflush(stdout);
        });
    const bool estimate = p.isSet(QStringLiteral("estimate"));
    int steps = 3;
    if (!readInt(p, QStringLiteral("steps"), 3, 1, &steps)) return 2;
    if (!estimate && (p.isSet(QStringLiteral("json")) || p.isSet(QStringLiteral("steps"))))
        return fail(QStringLiteral("--json and --steps go with --estimate"), 2);

    if (p.isSet(QStringLiteral("resume"))) return resumeTraining(p, args);
    if (!p.isSet(QStringLiteral("config")) && !p.isSet(QStringLiteral("dataset")))
        return fail(QStringLiteral("give --config FILE or --dataset PATH (or --resume RUN); see 'fopro train --help'"),
                    2);

    QJsonObject json;
    QString source;
    if (p.isSet(QStringLiteral("preset"))) {
        const ml::TrainPreset *preset = ml::findPreset(p.value(QStringLiteral("preset")));
        if (!preset)
            return fail(QStringLiteral("--preset expects one of %1, got '%2'")
                            .arg(presetList(), p.value(QStringLiteral("preset"))),
                        2);
        json = ml::applyPreset(json, *preset);
    }
    if (p.isSet(QStringLiteral("config"))) {
        source = absolutePath(p.value(QStringLiteral("config")));
        auto read = readConfigJson(source);
        if (!read) return fail(read.error());
        // The file's keys override the preset's.
        for (const QString &key : ml::configKeys(read.value()))
            ml::setConfigValue(json, key, ml::configValue(read.value(), key));
    }
    if (!applyOverrides(p, json)) return 2;
    auto parsed = ml::TrainConfig::fromJson(json, source);
    if (!parsed) {
        QString message = parsed.error().message();
        if (message.contains(QLatin1String("needs teacher.path")))
            message += QStringLiteral(" (give --teacher PATH, or a strategy without a teacher such as --strategy bsm)");
        return fail(message);
    }
    ml::TrainConfig config = std::move(parsed).value();
    if (config.dataset.isEmpty())
        return fail(QStringLiteral("no dataset: give --dataset PATH or set \"dataset\" in the configuration"), 2);
    if (config.runDir.isEmpty())
        config.runDir = project::RunFolder::uniqueDir(QDir::current().filePath(QStringLiteral("runs")),
                                                      ml::strategyName(config.strategy));
    config.runDir = absolutePath(config.runDir);

    if (p.isSet(QStringLiteral("print-config"))) {
        out() << QJsonDocument(config.toJson()).toJson(QJsonDocument::Indented);
        return 0;
    }
    if (estimate) {
        const bool json = p.isSet(QStringLiteral("json")) || WorkerEvents::active();
        if (!json) out() << describeConfig(config) << "\n\n";
        return runEstimate(config, steps, json);
    }
    if (nproc > 0) {
        if (auto ok = checkBeforeTraining(config); !ok) return fail(ok.error());
        if (config.batchSize < 2 * nproc)
            return fail(QStringLiteral("--nproc %1 needs a batch of at least %2 (every process takes at least two "
                                       "images of each batch, for batch norm); the batch is %3")
                            .arg(nproc)
                            .arg(2 * nproc)
                            .arg(config.batchSize),
                        2);
        // The ranks must agree on the run folder (a default one is named after the clock).
        return launchRanks(p, nproc, QStringList(args) << QStringLiteral("--run") << config.runDir);
    }
    ml::DistributedSettings distributed;
    if (!readDistribution(p, &distributed)) return 2;
    setDistribution(distributed);
    // Rank 0 creates the run folder; the others find it made.
    if (distributed.writer())
        if (auto ok = checkBeforeTraining(config); !ok) return fail(ok.error());
    if (WorkerEvents::active()) return runWorkerTraining(&config);
    out() << describeConfig(config) << "\n";
    return runTraining(&config);
}

int evaluate(const QStringList &args)
{
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral(
        "Evaluates the best student of a run (checkpoints/best.pt) on a split of its dataset and prints the\n"
        "per-class table and the main metrics; writes results/<split>_metrics.json, _per_class.csv/.json and\n"
        "_predictions.csv in the run folder."));
    p.addPositionalArgument(QStringLiteral("RUN"), QStringLiteral("Run folder made by 'fopro train'."));
    p.addOption({QStringLiteral("split"), QStringLiteral("test (default) or val."), QStringLiteral("name")});
    if (int rc = parseArgs(p, args, QStringLiteral("eval"), 1); rc >= 0) return rc;
    QString split;
    if (!readChoice(p, QStringLiteral("split"), {QStringLiteral("test"), QStringLiteral("val")}, QStringLiteral("test"),
                    &split))
        return 2;
    const QString run = absolutePath(p.positionalArguments().front());
    if (auto ok = checkRunFolder(run); !ok) return fail(ok.error().message());

    JobControl control;
    ProgressPrinter progress;
    const auto evaluation =
        runWithSignals(ml::evaluateJob(run, split), control, progress, QStringLiteral("evaluation"));
    if (control.isCancelled() || (!evaluation && evaluation.error().code == ErrorCode::Cancelled)) {
        err() << "cancelled" << Qt::endl;
        return kCancelledExitCode;
    }
    if (!evaluation) return fail(evaluation.error().message());
    const project::RunFolder folder(run);
    out() << "Run         " << native(run) << "\n"
          << "Split       " << split << "\n\n"
          << evaluationSummary(*evaluation).trimmed() << "\n\n"
          << "Wrote       " << native(QDir(folder.resultsDir()).filePath(QStringLiteral("%1_*").arg(split))) << "\n";
    return 0;
}

int exportModel(const QStringList &args)
{
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral(
        "Exports the best student of a run (backbone + classifier, no training heads) as TorchScript plus a\n"
        "JSON sidecar (class names, input size, normalisation), loadable without FoPro-KD:\n"
        "Python: m = torch.jit.load(\"model.pt\"); m.eval(); logits = m(x)."));
    p.addPositionalArgument(QStringLiteral("RUN"), QStringLiteral("Run folder made by 'fopro train'."));
    p.addOption({QStringLiteral("out"), QStringLiteral("Output folder (default: RUN/export)."), QStringLiteral("dir")});
    if (int rc = parseArgs(p, args, QStringLiteral("export"), 1); rc >= 0) return rc;
    const QString run = absolutePath(p.positionalArguments().front());
    if (auto ok = checkRunFolder(run); !ok) return fail(ok.error().message());
    const QString outDir = p.isSet(QStringLiteral("out")) ? absolutePath(p.value(QStringLiteral("out"))) : QString();
    auto model = ml::exportRun(run, outDir);
    if (!model) return fail(model.error().message());
    out() << "Model       " << native(*model) << "\n"
          << "Sidecar     " << native(ml::exportSidecarPath(*model)) << "\n"
          << "Predict     fopro predict " << shellQuote(native(*model)) << " IMAGES... --csv predictions.csv\n";
    return 0;
}

int predict(const QStringList &args)
{
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral(
        "Classifies images with an exported model ('fopro export'). Folders are searched recursively for\n"
        "jpg, jpeg, png, bmp, tif, tiff, webp and DICOM (.dcm) files. Writes a CSV with the columns\n"
        "file,predicted,confidence,p_<class>... (one row per image) and prints a short table. An image that\n"
        "cannot be decoded is reported on stderr and skipped; the others are still classified (exit code 1)."));
    p.addPositionalArgument(QStringLiteral("MODEL"),
                            QStringLiteral("Exported model (.pt with its .json sidecar), or a folder holding one."));
    p.addPositionalArgument(QStringLiteral("IMAGES"), QStringLiteral("Image files, or folders searched recursively."),
                            QStringLiteral("IMAGES_OR_FOLDER..."));
    p.addOptions({
        {QStringLiteral("csv"), QStringLiteral("CSV file to write (required)."), QStringLiteral("file")},
        {QStringLiteral("top"), QStringLiteral("Show the K most probable classes per image in the table (default 1)."),
         QStringLiteral("K")},
        {QStringLiteral("rows"), QStringLiteral("Show at most N rows in the table (default 20; the CSV has all)."),
         QStringLiteral("N")},
    });
    if (int rc = parseArgs(p, args, QStringLiteral("predict"), 2, -1); rc >= 0) return rc;
    const QString csvFile = p.value(QStringLiteral("csv"));
    if (csvFile.isEmpty()) return fail(QStringLiteral("--csv FILE is required"), 2);
    int top = 1, rows = 20;
    if (!readInt(p, QStringLiteral("top"), 1, 1, &top) || !readInt(p, QStringLiteral("rows"), 20, 0, &rows)) return 2;
    const QStringList positionals = p.positionalArguments();

    ml::ClassifyRequest request;
    request.model = positionals.front();
    request.inputs = positionals.mid(1);
    request.batchSize = 32;
    JobControl control;
    Result<ml::ClassifyResult> classified = makeError(ErrorCode::Cancelled, {}, QStringLiteral("not started"));
    {
        // Progress only on a terminal: in a log, stderr holds the unreadable files and nothing else.
        CancelOnSignal guard(&control);
        ProgressPrinter progress;
        const bool tty = isatty(fileno(fopro::userErrorStream()));
        classified = runBlocking(ml::classifyJob(request), control, tty ? progress.sink() : ProgressSink(),
                                 QStringLiteral("classification"));
        progress.finish();
    }
    if (control.isCancelled() || (!classified && classified.error().code == ErrorCode::Cancelled)) {
        err() << "cancelled" << Qt::endl;
        return kCancelledExitCode;
    }
    if (!classified) return fail(classified.error().message());
    const ml::ClassifyResult &result = *classified;
    const QStringList &classes = result.classNames;
    top = std::min(top, int(classes.size()));
    PredictionTable results(classes, top, rows);
    for (const ml::ClassifiedImage &image : result.images) {
        if (image.ok())
            results.add(image.file, image.probabilities);
        else
            fail(image.error.message());
    }
    const int failures = result.failedCount();
    const std::vector<int> &perClass = results.perClass;
    const int predicted = results.predicted;
    TextTable &table = results.table;
    if (auto ok = fileio::writeAtomically(csvFile, ml::classifyResultToCsv(result).toUtf8()); !ok)
        return fail(ok.error().message());

    out() << "Model       " << native(result.modelFile) << " (" << result.architecture << ", " << classes.size()
          << " classes, " << result.inputSize << " px)\n"
          << "Images      " << predicted << " classified";
    if (failures) out() << ", " << failures << " failed (see the errors above)";
    out() << "\n";
    if (predicted > 0) {
        QStringList counts;
        for (int c = 0; c < int(classes.size()); ++c)
            if (perClass[std::size_t(c)])
                counts << QStringLiteral("%1 %2").arg(classes[c]).arg(perClass[std::size_t(c)]);
        out() << "Predicted   " << counts.join(QStringLiteral(" · ")) << "\n\n" << table.render();
        if (predicted > rows) out() << "  ... " << (predicted - rows) << " more in the CSV\n";
    }
    out() << "\nWrote " << native(csvFile) << "\n";
    return failures ? 1 : 0;
}

int probe(const QStringList &args)
{
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral(
        "Frequency preference probe of a teacher: which spatial frequencies its features rely on. The spectrum\n"
        "of each image is split into K radial bands; for each band the image is low-pass, high-pass and\n"
        "band-stop filtered and the cosine similarity of the teacher's features of the filtered and the original\n"
        "image is averaged over the images (1 = the teacher does not notice the filter)."));
    p.addPositionalArgument(
        QStringLiteral("TEACHER"),
        QStringLiteral("TF.js model.json, or a TorchScript file (with an optional .json sidecar)."));
    p.addPositionalArgument(
        QStringLiteral("DATASET"),
        QStringLiteral("Dataset manifest, project folder or any dataset 'fopro dataset inspect' reads."));
    p.addOptions({
        {QStringLiteral("bands"), QStringLiteral("Number of radial bands K (default 8)."), QStringLiteral("K")},
        {QStringLiteral("images"), QStringLiteral("At most N images, evenly across classes (default 64)."),
         QStringLiteral("N")},
        {QStringLiteral("size"), QStringLiteral("Image side in pixels (default: the teacher's input size, else 224)."),
         QStringLiteral("N")},
        {QStringLiteral("split"), QStringLiteral("Images from this split: train (default), val, test or all."),
         QStringLiteral("name")},
        {QStringLiteral("layer"),
         QStringLiteral("TF.js teacher: the layer giving the feature (default: the model's output; the demo teacher's "
                        "ImageNet part ends at block_10_project_BN)."),
         QStringLiteral("name")},
        {QStringLiteral("seed"), QStringLiteral("Seed of the image choice (default 0)."), QStringLiteral("N")},
        {QStringLiteral("batch"), QStringLiteral("Images per teacher call (default 16)."), QStringLiteral("N")},
        {QStringLiteral("csv"),
         QStringLiteral("Write the bands as CSV (band,rho_low,rho_high,low_pass,high_pass,band_stop)."),
         QStringLiteral("file")},
    });
    if (int rc = parseArgs(p, args, QStringLiteral("probe"), 2); rc >= 0) return rc;
    int bands = 8, images = 64, size = 0, seed = 0, batch = 16;
    QString splitName;
    if (!readInt(p, QStringLiteral("bands"), 8, 1, &bands) || !readInt(p, QStringLiteral("images"), 64, 1, &images) ||
        !readInt(p, QStringLiteral("size"), 0, 8, &size) || !readInt(p, QStringLiteral("seed"), 0, 0, &seed) ||
        !readInt(p, QStringLiteral("batch"), 16, 1, &batch) ||
        !readChoice(p, QStringLiteral("split"),
                    {QStringLiteral("train"), QStringLiteral("val"), QStringLiteral("test"), QStringLiteral("all")},
                    QStringLiteral("train"), &splitName))
        return 2;
    ml::ProbeRequest request;
    request.teacher = p.positionalArguments().at(0);
    request.dataset = p.positionalArguments().at(1);
    request.outputLayer = p.value(QStringLiteral("layer"));
    request.images = images;
    request.seed = quint64(seed);
    request.options.bands = bands;
    request.options.batchSize = batch;
    request.options.imageSize = size;
    request.split.reset();
    if (splitName != QLatin1String("all")) {
        data::Split s;
        data::parseSplit(splitName, &s);
        request.split = s;
    }
    auto source = ml::resolveTeacher(request.teacher);
    if (!source) return fail(source.error().message());
    if (source->kind != ml::TeacherKind::TfjsLayers && p.isSet(QStringLiteral("layer")))
        return fail(QStringLiteral("--layer applies to TF.js teachers (model.json) only"), 2);

    JobControl control;
    ProgressPrinter progress;
    const auto report = runWithSignals(ml::probeJob(request), control, progress, QStringLiteral("frequency probe"));
    if (control.isCancelled() || (!report && report.error().code == ErrorCode::Cancelled)) {
        err() << "cancelled" << Qt::endl;
        return kCancelledExitCode;
    }
    if (!report) {
        const bool noImages =
            report.error().code == ErrorCode::InvalidArgument && report.error().file == request.dataset;
        return fail(report.error().message() +
                    (noImages && request.split ? QStringLiteral(" (try --split all)") : QString()));
    }
    for (const Error &skipped : report->skipped)
        fail(skipped.message());
    const ml::ProbeResult *result = &report->result;
    out() << "Teacher     " << report->teacherDescription << "\n"
          << "Images      " << result->imageCount << " from " << native(request.dataset) << " (" << splitName
          << " split, " << report->classesUsed << " classes, seed " << seed << "), " << report->imageSide << "x"
          << report->imageSide << " px\n";

    TextTable t({QStringLiteral("band"), QStringLiteral("radius (x Nyquist)"), QStringLiteral("low-pass"),
                 QStringLiteral("high-pass"), QStringLiteral("band-stop")});
    for (int c : {0, 2, 3, 4})
        t.setRightAligned(c);
    const auto fmt = [](double v) { return std::isfinite(v) ? QString::number(v, 'f', 4) : QStringLiteral("-"); };
    const ml::ProbeBand *reliedOn = nullptr;
    for (const ml::ProbeBand &b : result->bands) {
        t.addRow({QString::number(b.band),
                  QStringLiteral("%1-%2").arg(b.lowerRho, 0, 'f', 3).arg(b.upperRho, 0, 'f', 3), fmt(b.lowPass),
                  fmt(b.highPass), fmt(b.bandStop)});
        if (std::isfinite(b.bandStop) && (!reliedOn || b.bandStop < reliedOn->bandStop)) reliedOn = &b;
    }
    out() << "\nMean cosine similarity of the teacher's features, filtered vs original image:\n" << t.render();
    if (reliedOn)
        out() << "\nRemoving band " << reliedOn->band << " (" << QString::number(reliedOn->lowerRho, 'f', 3) << "-"
              << QString::number(reliedOn->upperRho, 'f', 3) << " x Nyquist) changes the features most (similarity "
              << fmt(reliedOn->bandStop) << ").\n";
    if (p.isSet(QStringLiteral("csv"))) {
        const QString csvFile = p.value(QStringLiteral("csv"));
        if (auto ok = fileio::writeAtomically(csvFile, ml::probeToCsv(*result).toUtf8()); !ok)
            return fail(ok.error().message());
        out() << "\nWrote " << native(csvFile) << "\n";
    }
    return report->skipped.empty() ? 0 : 1;
}

} // namespace fopro::cli
