// fopro dataset inspect | split | longtail, and the headless demo (with its short training run).

#include "app/cli/cliargs.h"
#include "app/cli/clioutput.h"
#include "app/cli/commands.h"
#include "app/cli/dedupreport.h"
#include "app/cli/demotraining.h"
#include "app/cli/trainrunner.h"
#include "core/common/fileio.h"
#include "core/data/importer.h"
#include "core/data/longtail.h"
#include "core/data/splits.h"
#include "core/ml/teacher.h"
#include "core/ml/trainconfig.h"
#include "core/project/demo.h"
#include "core/project/runfolder.h"

#include <QtCore/QCommandLineParser>
#include <QtCore/QDateTime>
#include <QtCore/QDir>
#include <QtCore/QFileInfo>
#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>

#include <QtCore/QStandardPaths>

namespace fopro::cli {

using namespace fopro::data;

namespace {

// ---- argument parsing --------------------------------------------------------------------------

void addImportOptions(QCommandLineParser &p)
{
    p.addOptions({
        {QStringLiteral("format"),
         QStringLiteral("Force the importer: manifest, isic2019, isic2019lt, ham10000, idx, dicom, csv or folder."),
         QStringLiteral("id")},
        {QStringLiteral("image-root"),
         QStringLiteral("Folder holding the images (ISIC / HAM10000 / ISIC-2019-LT) when not beside the CSV."),
         QStringLiteral("dir")},
        {QStringLiteral("path-column"), QStringLiteral("CSV: column with the image path."), QStringLiteral("name")},
        {QStringLiteral("label-column"), QStringLiteral("CSV: column with the label."), QStringLiteral("name")},
        {QStringLiteral("group-column"), QStringLiteral("CSV: column with the patient/lesion/video id."),
         QStringLiteral("name")},
        {QStringLiteral("split-column"), QStringLiteral("CSV: column with train/val/test."), QStringLiteral("name")},
        {QStringLiteral("dicom-label"), QStringLiteral("DICOM: attribute giving the label (keyword or gggg,eeee)."),
         QStringLiteral("attr")},
        {QStringLiteral("sidecar"), QStringLiteral("DICOM: CSV with file and label columns."), QStringLiteral("csv")},
        {QStringLiteral("all-frames"),
         QStringLiteral("DICOM: every frame of a multi-frame file is a sample (default: first frame).")},
        {QStringLiteral("lt-fold"), QStringLiteral("ISIC-2019-LT: fold 1-5 (default: from the file name, else 1)."),
         QStringLiteral("n")},
        {QStringLiteral("lt-factor"),
         QStringLiteral("ISIC-2019-LT: factor 0.01, 0.005 or 0.002 (default: from the file name, else 0.01)."),
         QStringLiteral("f")},
    });
}

ImportOptions importOptions(const QCommandLineParser &p)
{
    ImportOptions o;
    o.format = p.value(QStringLiteral("format"));
    o.imageRoot = p.value(QStringLiteral("image-root"));
    o.pathColumn = p.value(QStringLiteral("path-column"));
    o.labelColumn = p.value(QStringLiteral("label-column"));
    o.groupColumn = p.value(QStringLiteral("group-column"));
    o.splitColumn = p.value(QStringLiteral("split-column"));
    o.dicomLabelAttribute = p.value(QStringLiteral("dicom-label"));
    o.sidecarCsv = p.value(QStringLiteral("sidecar"));
    o.dicomAllFrames = p.isSet(QStringLiteral("all-frames"));
    o.ltFold = p.value(QStringLiteral("lt-fold")).toInt();
    o.ltFactor = p.value(QStringLiteral("lt-factor"));
    return o;
}

QString formatName(const QString &id)
{
    const Importer *imp = importerById(id);
    return imp ? QStringLiteral("%1 (%2)").arg(imp->displayName(), id) : id;
}

// ---- reporting ---------------------------------------------------------------------------------

QString splitCounts(const DatasetIndex &d)
{
    int n[4] = {0, 0, 0, 0};
    for (const Sample &s : d.samples)
        if (DatasetIndex::isActive(s)) ++n[int(s.split)];
    return QStringLiteral("train %1 · val %2 · test %3 · unassigned %4").arg(n[1]).arg(n[2]).arg(n[3]).arg(n[0]);
}

void printClassTable(const DatasetIndex &d, const LongTailSummary &sum)
{
    TextTable t({QStringLiteral("#"), QStringLiteral("class"), QStringLiteral("images"), QStringLiteral("share"),
                 QStringLiteral("train"), QStringLiteral("val"), QStringLiteral("test"), QStringLiteral("group")});
    for (int c : {0, 2, 3, 4, 5, 6})
        t.setRightAligned(c);
    const auto train = d.classCounts(Split::Train), val = d.classCounts(Split::Val), test = d.classCounts(Split::Test);
    int rank = 0;
    for (const ClassStat &c : sum.sorted) {
        const auto i = std::size_t(c.classIndex);
        t.addRow({QString::number(++rank), c.name, QString::number(c.count),
                  percent(sum.total ? double(c.count) / sum.total : 0.0), QString::number(train[i]),
                  QString::number(val[i]), QString::number(test[i]),
                  c.count == 0 ? QStringLiteral("empty") : tailGroupName(c.group)});
    }
    out() << t.render();
}

void printSummary(const QString &path, const ImportResult &r, const LongTailSummary &sum, TailThresholds th)
{
    const DatasetIndex &d = r.index;
    out() << "Dataset     " << QDir::toNativeSeparators(path) << "\n"
          << "Format      " << formatName(d.format) << "\n"
          << "Images      " << std::count_if(d.samples.begin(), d.samples.end(), &DatasetIndex::isActive);
    const auto inactive =
        std::count_if(d.samples.begin(), d.samples.end(), [](const Sample &s) { return !DatasetIndex::isActive(s); });
    if (inactive > 0) out() << " (" << inactive << " more excluded, unlabelled, missing or unreadable)";
    out() << "\n";
    out() << "Classes     " << d.classCount();
    if (sum.emptyClasses) out() << " (" << sum.emptyClasses << " empty)";
    out() << "\n";
    if (!sum.sorted.empty() && sum.imbalanceRatio > 0) {
        const ClassStat &top = sum.sorted.front();
        const ClassStat *low = nullptr;
        for (const ClassStat &c : sum.sorted)
            if (c.count > 0) low = &c;
        out() << "Imbalance   " << QString::number(sum.imbalanceRatio, 'f', 1) << " (" << top.name << " " << top.count
              << " : " << low->name << " " << low->count << ")\n";
    }
    out() << "Long tail   head " << sum.head << " · medium " << sum.medium << " · tail " << sum.tail
          << " classes (head > " << th.many << ", tail < " << th.few << " images)\n"
          << "Splits      " << splitCounts(d) << "\n\n";
    printClassTable(d, sum);
}

void printProblems(const std::vector<ImportProblem> &problems, int limit)
{
    if (problems.empty()) return;
    out() << "\nProblems (" << problems.size() << "):\n";
    int shown = 0;
    for (const ImportProblem &p : problems) {
        if (shown++ == limit) {
            out() << "  ... and " << (problems.size() - std::size_t(limit))
                  << " more (use --problems N to list more)\n";
            break;
        }
        out() << "  " << QDir::toNativeSeparators(p.file) << ": " << p.reason << "\n";
    }
}

QJsonObject summaryJson(const QString &path, const ImportResult &r, const LongTailSummary &sum, TailThresholds th)
{
    const DatasetIndex &d = r.index;
    QJsonObject o;
    o[QStringLiteral("path")] = path;
    o[QStringLiteral("format")] = d.format;
    o[QStringLiteral("images")] = sum.total;
    o[QStringLiteral("records")] = int(d.samples.size());
    o[QStringLiteral("imbalanceRatio")] = sum.imbalanceRatio;
    o[QStringLiteral("thresholds")] = QJsonObject{{QStringLiteral("many"), th.many}, {QStringLiteral("few"), th.few}};
    const auto train = d.classCounts(Split::Train), val = d.classCounts(Split::Val), test = d.classCounts(Split::Test);
    QJsonArray classes;
    for (const ClassStat &c : sum.sorted) {
        const auto i = std::size_t(c.classIndex);
        classes.append(
            QJsonObject{{QStringLiteral("name"), c.name},
                        {QStringLiteral("index"), c.classIndex},
                        {QStringLiteral("count"), c.count},
                        {QStringLiteral("train"), train[i]},
                        {QStringLiteral("val"), val[i]},
                        {QStringLiteral("test"), test[i]},
                        {QStringLiteral("group"), c.count == 0 ? QStringLiteral("empty") : tailGroupName(c.group)}});
    }
    o[QStringLiteral("classes")] = classes;
    o[QStringLiteral("head")] = sum.head;
    o[QStringLiteral("medium")] = sum.medium;
    o[QStringLiteral("tail")] = sum.tail;
    o[QStringLiteral("emptyClasses")] = sum.emptyClasses;
    QJsonArray problems;
    for (const ImportProblem &p : r.problems)
        problems.append(QJsonObject{{QStringLiteral("file"), p.file}, {QStringLiteral("reason"), p.reason}});
    o[QStringLiteral("problems")] = problems;
    return o;
}

bool thresholdsFrom(const QCommandLineParser &p, TailThresholds *th)
{
    const QString preset = p.value(QStringLiteral("preset"));
    if (preset == QLatin1String("hyperkvasir"))
        *th = TailThresholds::hyperKvasir();
    else if (preset.isEmpty() || preset == QLatin1String("default"))
        *th = TailThresholds::defaults();
    else {
        fail(QStringLiteral("--preset expects 'default' or 'hyperkvasir', got '%1'").arg(preset), 2);
        return false;
    }
    return readInt(p, QStringLiteral("many"), th->many, 0, &th->many) &&
           readInt(p, QStringLiteral("few"), th->few, 0, &th->few);
}

void addThresholdOptions(QCommandLineParser &p)
{
    p.addOptions({
        {QStringLiteral("many"), QStringLiteral("Head classes have more than N images (default 100)."),
         QStringLiteral("N")},
        {QStringLiteral("few"), QStringLiteral("Tail classes have fewer than N images (default 20)."),
         QStringLiteral("N")},
        {QStringLiteral("preset"), QStringLiteral("Thresholds preset: default (100/20) or hyperkvasir (700/70)."),
         QStringLiteral("name")},
    });
}

Result<ImportResult> openDataset(const QString &path, const ImportOptions &options)
{
    return importDataset(QDir::cleanPath(QFileInfo(path).absoluteFilePath()), options);
}

Result<void> writeFile(const QString &file, const QByteArray &content)
{
    return fileio::writeAtomically(file, content);
}

Result<void> makeOutDir(const QString &dir)
{
    if (!QDir().mkpath(dir)) return makeError(ErrorCode::WriteFailed, dir, QStringLiteral("cannot create the folder"));
    return {};
}

QString leakLine(const DatasetIndex &d)
{
    const auto leaks = findGroupLeaks(d);
    if (leaks.empty()) return QStringLiteral("none (no patient/lesion/video group is in two splits)");
    return QStringLiteral("%1 group(s) in more than one split, e.g. '%2'").arg(leaks.size()).arg(leaks.front().group);
}

} // namespace

// ---- commands ------------------------------------------------------------------------------------

int datasetInspect(const QStringList &args)
{
    QCommandLineParser p;
    p.setApplicationDescription(
        QStringLiteral("Shows what a dataset holds: format, images, classes sorted by count, imbalance ratio,\n"
                       "head/medium/tail classes and problems (unreadable files, duplicates, empty classes)."));
    p.addPositionalArgument(QStringLiteral("PATH"), QStringLiteral("Dataset folder or file, or a saved manifest."));
    addImportOptions(p);
    addThresholdOptions(p);
    p.addOptions({
        {QStringLiteral("json"), QStringLiteral("Print JSON instead of tables.")},
        {QStringLiteral("quick"), QStringLiteral("Skip decoding the images (no unreadable-file or duplicate check).")},
        {QStringLiteral("threads"), QStringLiteral("Decoding threads for the checks (default 2)."),
         QStringLiteral("N")},
        {QStringLiteral("problems"), QStringLiteral("List at most N problems (default 20)."), QStringLiteral("N")},
    });
    if (int rc = parseArgs(p, args, QStringLiteral("dataset inspect"), 1); rc >= 0) return rc;
    TailThresholds th;
    int threads = 2, limit = 20;
    if (!thresholdsFrom(p, &th) || !readInt(p, QStringLiteral("threads"), 2, 1, &threads) ||
        !readInt(p, QStringLiteral("problems"), 20, 0, &limit))
        return 2;
    const QString path = p.positionalArguments().front();
    auto r = openDataset(path, importOptions(p));
    if (!r) return fail(r.error().message());

    std::optional<DedupReport> dedup;
    if (!p.isSet(QStringLiteral("quick"))) {
        auto rep = runDedup(r->index, threads, DedupSettings{});
        if (!rep) return fail(rep.error().message());
        dedup = std::move(rep).value();
        for (const ImportProblem &prob : dedup->unreadable)
            r->problems.push_back(prob);
        // A file the decoding pass could not read is not an image of its class: it counts nowhere
        // (totals, class counts, head/medium/tail), as the files the importer skipped.
        for (const DuplicateProblem &prob : dedup->report.problems)
            if (prob.sample >= 0 && prob.sample < int(r->index.samples.size()))
                r->index.samples[std::size_t(prob.sample)].set(FlagMissing, true);
    }
    const LongTailSummary sum = summarizeLongTail(r->index, th);
    for (const ClassStat &c : sum.sorted)
        if (c.count == 0) r->problems.push_back({c.name, QStringLiteral("class has no images")});

    if (p.isSet(QStringLiteral("json"))) {
        QJsonObject o = summaryJson(path, *r, sum, th);
        if (dedup) o[QStringLiteral("duplicates")] = dedupJson(r->index, *dedup);
        o[QStringLiteral("decoded")] = dedup.has_value(); // false with --quick: corrupt images not looked for
        out() << QJsonDocument(o).toJson(QJsonDocument::Indented);
        return 0;
    }
    printSummary(path, *r, sum, th);
    if (dedup) {
        out() << "\n";
        printDedupSummary(r->index, *dedup, 5);
    } else {
        out() << "\nQuick check: the images were not decoded, so corrupt images and duplicates were not looked\n"
                 "for (run without --quick for that)\n";
    }
    printProblems(r->problems, limit);
    return 0;
}

int datasetSplit(const QStringList &args)
{
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral(
        "Splits a dataset, stratified by class and group-aware (no patient/lesion/video in two splits).\n"
        "With --folds K: K-fold cross-validation, one manifest per fold (fold_1.json ...) plus folds.csv.\n"
        "Without: one train/val/test split (split.json)."));
    p.addPositionalArgument(QStringLiteral("PATH"), QStringLiteral("Dataset folder or file, or a saved manifest."));
    addImportOptions(p);
    p.addOptions({
        {QStringLiteral("out"), QStringLiteral("Output folder (required)."), QStringLiteral("dir")},
        {QStringLiteral("folds"), QStringLiteral("Number of folds K >= 2 (k-fold mode)."), QStringLiteral("K")},
        {QStringLiteral("seed"), QStringLiteral("Random seed (default 0)."), QStringLiteral("S")},
        {QStringLiteral("val-fraction"),
         QStringLiteral("k-fold: share of each training part kept for validation (default 0)."), QStringLiteral("F")},
        {QStringLiteral("train"), QStringLiteral("Split mode: train share (default 0.7)."), QStringLiteral("F")},
        {QStringLiteral("val"), QStringLiteral("Split mode: validation share (default 0.15)."), QStringLiteral("F")},
        {QStringLiteral("test"), QStringLiteral("Split mode: test share (default 0.15)."), QStringLiteral("F")},
        {QStringLiteral("preset"),
         QStringLiteral("'hyperkvasir': the HyperKvasir protocol (stratified 5 folds of exactly N//5 images, classes "
                        "in alphabetical order, seed 0)."),
         QStringLiteral("name")},
    });
    if (int rc = parseArgs(p, args, QStringLiteral("dataset split"), 1); rc >= 0) return rc;
    const QString outDir = p.value(QStringLiteral("out"));
    if (outDir.isEmpty()) return fail(QStringLiteral("--out DIR is required"), 2);
    int folds = 0, seed = 0;
    double valFraction = 0;
    SplitFractions fr;
    const QString preset = p.value(QStringLiteral("preset"));
    if (!preset.isEmpty() && preset != QLatin1String("hyperkvasir"))
        return fail(QStringLiteral("--preset expects 'hyperkvasir', got '%1'").arg(preset), 2);
    if (!readInt(p, QStringLiteral("folds"), preset.isEmpty() ? 0 : 5, 2, &folds) ||
        !readInt(p, QStringLiteral("seed"), 0, 0, &seed) ||
        !readDouble(p, QStringLiteral("val-fraction"), 0, 0, 0.9, &valFraction) ||
        !readDouble(p, QStringLiteral("train"), 0.7, 0, 1, &fr.train) ||
        !readDouble(p, QStringLiteral("val"), 0.15, 0, 1, &fr.val) ||
        !readDouble(p, QStringLiteral("test"), 0.15, 0, 1, &fr.test))
        return 2;
    if (!preset.isEmpty() && folds != 5) return fail(QStringLiteral("the hyperkvasir preset uses 5 folds"), 2);

    const QString path = p.positionalArguments().front();
    auto r = openDataset(path, importOptions(p));
    if (!r) return fail(r.error().message());
    if (auto ok = makeOutDir(outDir); !ok) return fail(ok.error().message());
    DatasetIndex &d = r->index;

    if (folds == 0) {
        if (auto ok = assignSplits(d, fr, quint64(seed)); !ok) return fail(ok.error().message());
        const QString file = QDir(outDir).filePath(QStringLiteral("split.json"));
        if (auto ok = d.save(file); !ok) return fail(ok.error().message());
        const LongTailSummary sum = summarizeLongTail(d, TailThresholds::defaults());
        out() << "Split       " << splitCounts(d) << " (seed " << seed << ")\n"
              << "Leaks       " << leakLine(d) << "\n\n";
        printClassTable(d, sum);
        out() << "\nWrote " << QDir::toNativeSeparators(file) << "\n";
        return 0;
    }

    auto assignment = preset.isEmpty() ? stratifiedGroupKFold(d, folds, quint64(seed)) : hyperKvasirFolds(d);
    if (!assignment) return fail(assignment.error().message());
    QByteArray csv = "sample,class,group,fold\n";
    auto quote = [](QString s) {
        if (s.contains(QLatin1Char(',')) || s.contains(QLatin1Char('"')))
            s = QLatin1Char('"') + s.replace(QLatin1Char('"'), QStringLiteral("\"\"")) + QLatin1Char('"');
        return s.toUtf8();
    };
    for (std::size_t i = 0; i < d.samples.size(); ++i) {
        const Sample &s = d.samples[i];
        const int f = (*assignment)[i];
        csv += quote(s.id()) + ',' + quote(s.label >= 0 ? d.classes[s.label] : QString()) + ',' + quote(s.group) + ',' +
               (f >= 0 ? QByteArray::number(f + 1) : QByteArray()) + '\n';
    }
    if (auto ok = writeFile(QDir(outDir).filePath(QStringLiteral("folds.csv")), csv); !ok)
        return fail(ok.error().message());
    TextTable t({QStringLiteral("fold"), QStringLiteral("test"), QStringLiteral("train"), QStringLiteral("val"),
                 QStringLiteral("classes in test"), QStringLiteral("group leaks"), QStringLiteral("manifest")});
    for (int c : {0, 1, 2, 3, 5})
        t.setRightAligned(c);
    for (int k = 0; k < folds; ++k) {
        const DatasetIndex fd = foldIndex(d, *assignment, k, valFraction, quint64(seed));
        const QString file = QDir(outDir).filePath(QStringLiteral("fold_%1.json").arg(k + 1));
        if (auto ok = fd.save(file); !ok) return fail(ok.error().message());
        int n[4] = {0, 0, 0, 0};
        for (const Sample &s : fd.samples)
            if (DatasetIndex::isActive(s)) ++n[int(s.split)];
        const auto testCounts = fd.classCounts(Split::Test);
        const int present = int(std::count_if(testCounts.begin(), testCounts.end(), [](int c) { return c > 0; }));
        t.addRow({QString::number(k + 1), QString::number(n[3]), QString::number(n[1]), QString::number(n[2]),
                  QStringLiteral("%1/%2").arg(present).arg(fd.classCount()), QString::number(findGroupLeaks(fd).size()),
                  QFileInfo(file).fileName()});
    }
    const int unassigned = int(std::count(assignment->begin(), assignment->end(), -1));
    out() << "Folds       " << folds
          << (preset.isEmpty() ? QStringLiteral(" (stratified, group-aware, seed %1)").arg(seed)
                               : QStringLiteral(" (HyperKvasir protocol: exact N//5 per fold, seed 0)"))
          << "\n";
    if (unassigned) out() << "Unassigned  " << unassigned << " sample(s) in no fold\n";
    out() << "\n" << t.render() << "\nWrote " << QDir::toNativeSeparators(outDir) << "/fold_*.json and folds.csv\n";
    return 0;
}

int datasetLongTail(const QStringList &args)
{
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral(
        "Sub-samples a dataset to a long tail with the ISIC-2019-LT rule: classes ranked by size, class i keeps\n"
        "min(available_i, floor(n_max * factor^(i/(C-1)))) training images after --val/--test per class are held "
        "out."));
    p.addPositionalArgument(QStringLiteral("PATH"), QStringLiteral("Dataset folder or file, or a saved manifest."));
    addImportOptions(p);
    p.addOptions({
        {QStringLiteral("factor"), QStringLiteral("Imbalance factor in (0, 1], e.g. 0.01 (required)."),
         QStringLiteral("F")},
        {QStringLiteral("out"), QStringLiteral("Manifest to write (required)."), QStringLiteral("file")},
        {QStringLiteral("val"), QStringLiteral("Validation images held out per class (default 0)."),
         QStringLiteral("N")},
        {QStringLiteral("test"), QStringLiteral("Test images held out per class (default 0)."), QStringLiteral("N")},
        {QStringLiteral("seed"), QStringLiteral("Random seed (default 0)."), QStringLiteral("S")},
        {QStringLiteral("train-only"),
         QStringLiteral("Sub-sample only the existing train split; keep val/test as they are.")},
    });
    if (int rc = parseArgs(p, args, QStringLiteral("dataset longtail"), 1); rc >= 0) return rc;
    if (!p.isSet(QStringLiteral("factor"))) return fail(QStringLiteral("--factor F is required"), 2);
    const QString outFile = p.value(QStringLiteral("out"));
    if (outFile.isEmpty()) return fail(QStringLiteral("--out FILE is required"), 2);
    LongTailOptions o;
    int val = 0, test = 0, seed = 0;
    if (!readDouble(p, QStringLiteral("factor"), 0.01, 1e-9, 1, &o.factor) ||
        !readInt(p, QStringLiteral("val"), 0, 0, &val) || !readInt(p, QStringLiteral("test"), 0, 0, &test) ||
        !readInt(p, QStringLiteral("seed"), 0, 0, &seed))
        return 2;
    o.valPerClass = val;
    o.testPerClass = test;
    o.seed = quint64(seed);
    o.onlyTrainSplit = p.isSet(QStringLiteral("train-only"));

    const QString path = p.positionalArguments().front();
    auto r = openDataset(path, importOptions(p));
    if (!r) return fail(r.error().message());
    const auto before = o.onlyTrainSplit ? r->index.classCounts(Split::Train) : r->index.classCounts();
    auto lt = makeLongTail(r->index, o);
    if (!lt) return fail(lt.error().message());
    if (auto ok = lt->save(outFile); !ok) return fail(ok.error().message());
    const LongTailSummary sum = summarizeLongTail(*lt, TailThresholds::defaults(), Split::Train);
    TextTable t({QStringLiteral("rank"), QStringLiteral("class"), QStringLiteral("available"), QStringLiteral("train"),
                 QStringLiteral("val"), QStringLiteral("test")});
    for (int c : {0, 2, 3, 4, 5})
        t.setRightAligned(c);
    const auto vc = lt->classCounts(Split::Val), tc = lt->classCounts(Split::Test);
    int rank = 0;
    for (const ClassStat &c : sum.sorted) {
        const auto i = std::size_t(c.classIndex);
        t.addRow({QString::number(rank++), c.name, QString::number(before[i]), QString::number(c.count),
                  QString::number(vc[i]), QString::number(tc[i])});
    }
    out() << "Long tail   factor " << o.factor << ", seed " << seed << (o.onlyTrainSplit ? ", train split only" : "")
          << "\n"
          << "Train       " << sum.total << " images, imbalance ratio " << QString::number(sum.imbalanceRatio, 'f', 1)
          << "\n"
          << "Splits      " << splitCounts(*lt) << "\n\n"
          << t.render() << "\nWrote " << QDir::toNativeSeparators(outFile) << "\n";
    return 0;
}

namespace {

/// The options of `fopro demo`.
void addDemoOptions(QCommandLineParser &p)
{
    p.addOptions({
        {QStringLiteral("data"), QStringLiteral("Fashion-MNIST folder (default /usr/share/datasets/fashion-mnist)."),
         QStringLiteral("dir")},
        {QStringLiteral("out"),
         QStringLiteral("Output folder (default: the user's data folder/demo, e.g. ~/.local/share/fopro/demo)."),
         QStringLiteral("dir")},
        {QStringLiteral("factor"), QStringLiteral("Imbalance factor (default 0.01)."), QStringLiteral("F")},
        {QStringLiteral("seed"), QStringLiteral("Random seed (default 0)."), QStringLiteral("S")},
        {QStringLiteral("no-train"), QStringLiteral("Stop after writing the manifest (no training).")},
        {QStringLiteral("epochs"), QStringLiteral("Training epochs of each run (default %1).").arg(kDemoEpochs),
         QStringLiteral("N")},
        {QStringLiteral("strategy"),
         QStringLiteral("Train this strategy alone instead of the comparison (kd, ekd and fopro_kd use the teacher)."),
         QStringLiteral("name")},
        {QStringLiteral("teacher"),
         QStringLiteral("Teacher for FoPro-KD (and kd/ekd): a TF.js model.json or a TorchScript file (default: the "
                        "demo teacher when installed)."),
         QStringLiteral("path")},
        {QStringLiteral("teacher-layer"),
         QStringLiteral("TF.js teacher: the layer giving the feature (default for the demo teacher: %1, the end of "
                        "its ImageNet part; else the model's output).")
             .arg(fopro::project::demoTeacherLayer()),
         QStringLiteral("name")},
        {QStringLiteral("teacher-size"),
         QStringLiteral("Input side the teacher sees (default %1; -1 its own, 0 the student's 32).")
             .arg(kDemoTeacherSize),
         QStringLiteral("N")},
        {QStringLiteral("max-batches"),
         QStringLiteral("Stop every epoch after N batches (default %1; 0 = whole epochs).").arg(kDemoMaxBatches),
         QStringLiteral("N")},
        {QStringLiteral("threads"), QStringLiteral("Torch threads (default 0 = one per core)."), QStringLiteral("N")},
    });
}

} // namespace

int demo(const QStringList &args)
{
    QCommandLineParser p;
    p.setApplicationDescription(
        QStringLiteral(
            "The headless demo: Debian's Fashion-MNIST (real images and labels of clothing, NOT medical data)\n"
            "made long-tailed with the ISIC-2019-LT rule (factor 0.01), inspected, split and checked for\n"
            "duplicates and leakage; writes the demo manifest to --out, then trains the product's method against\n"
            "its baseline with the same small student, data and seed (CIFAR ResNet, width 0.5, one block per\n"
            "stage, 32 px, %1 epochs of at most %2 batches of 64, Adam lr 1e-3, horizontal flips) into --out/runs/:\n"
            "Balanced Softmax, then FoPro-KD with the demo teacher (ImageNet MobileNetV2 up to\n"
            "%3, shown the images at %4 px). It prints both runs' per-class recall on the 10,000 test\n"
            "images side by side and the learned Fourier prompt's gain per frequency band. Without the demo teacher\n"
            "(packaging/install-deps.sh fetches it) only Balanced Softmax is trained. --strategy trains one\n"
            "strategy alone.\n"
            "Ctrl-C stops the training; 'fopro train --resume RUN' continues it.")
            .arg(kDemoEpochs)
            .arg(kDemoMaxBatches)
            .arg(fopro::project::demoTeacherLayer())
            .arg(kDemoTeacherSize));
    addDemoOptions(p);
    if (int rc = parseArgs(p, args, QStringLiteral("demo"), 0); rc >= 0) return rc;
    DemoTraining training;
    if (!readInt(p, QStringLiteral("epochs"), kDemoEpochs, 1, &training.epochs) ||
        !readInt(p, QStringLiteral("max-batches"), kDemoMaxBatches, 0, &training.maxBatches) ||
        !readInt(p, QStringLiteral("threads"), 0, 0, &training.threads) ||
        !readInt(p, QStringLiteral("teacher-size"), kDemoTeacherSize, -1, &training.teacherSize))
        return 2;
    training.single = p.isSet(QStringLiteral("strategy"));
    if (training.single && !ml::parseStrategy(p.value(QStringLiteral("strategy")), &training.strategy))
        return fail(QStringLiteral("--strategy: unknown strategy '%1' (see 'fopro train --help')")
                        .arg(p.value(QStringLiteral("strategy"))),
                    2);
    if (p.isSet(QStringLiteral("teacher")))
        training.teacher = QDir::cleanPath(QFileInfo(p.value(QStringLiteral("teacher"))).absoluteFilePath());
    training.teacherLayer = p.value(QStringLiteral("teacher-layer"));
    if (training.single && ml::strategyUsesTeacher(training.strategy) && demoTrainingTeacher(training).isEmpty() &&
        !p.isSet(QStringLiteral("no-train")))
        return fail(
            QStringLiteral("--strategy %1 needs a teacher and the demo teacher is not installed: give --teacher "
                           "PATH, or run packaging/install-deps.sh (it fetches the demo teacher into "
                           ".cache/assets/teachers/mobilenet_v2/)")
                .arg(ml::strategyName(training.strategy)),
            2);
    const QString data = p.isSet(QStringLiteral("data")) ? p.value(QStringLiteral("data"))
                                                         : QStringLiteral("/usr/share/datasets/fashion-mnist");
    QString outDir = p.value(QStringLiteral("out"));
    if (outDir.isEmpty())
        outDir = QStandardPaths::writableLocation(QStandardPaths::AppLocalDataLocation) + QStringLiteral("/demo");
    fopro::project::DemoOptions demoOptions;
    int seed = 0;
    if (!readDouble(p, QStringLiteral("factor"), 0.01, 1e-6, 1, &demoOptions.factor) ||
        !readInt(p, QStringLiteral("seed"), 0, 0, &seed))
        return 2;
    demoOptions.seed = quint64(seed);
    demoOptions.fashionMnistDir = data;

    out() << "FoPro-KD Studio headless demo\n" << fopro::project::demoDisclaimer() << "\n\n";
    auto lt = fopro::project::makeDemoDataset(demoOptions);
    if (!lt) return fail(lt.error().message());
    out() << "1. Imported Fashion-MNIST: 70,000 images of 10 balanced classes (60,000 train, 10,000 test)\n";
    out() << "2. Long tail with factor " << demoOptions.factor
          << " on the training split (ISIC-2019-LT rule), 50 validation images per\n"
          << "   class held out, the 10,000 official test images kept:\n\n";
    ImportResult ltResult;
    ltResult.index = std::move(lt).value();
    const TailThresholds th = TailThresholds::defaults();
    printSummary(outDir + QStringLiteral("/fashion-mnist-lt.json"), ltResult,
                 summarizeLongTail(ltResult.index, th, Split::Train), th);
    out() << "   (head/medium/tail computed on training counts)\n\n";

    out() << "3. Duplicate and leakage check (perceptual hash of every image):\n";
    auto rep = runDedup(ltResult.index, 2, DedupSettings{});
    if (!rep) return fail(rep.error().message());
    printDedupSummary(ltResult.index, *rep, 3);
    out() << "   Group leaks: " << leakLine(ltResult.index) << "\n\n";

    if (auto ok = makeOutDir(outDir); !ok) return fail(ok.error().message());
    const QString manifest = QDir(outDir).filePath(QStringLiteral("fashion-mnist-lt.json"));
    if (auto ok = ltResult.index.save(manifest); !ok) return fail(ok.error().message());
    out() << "4. Wrote the demo manifest " << QDir::toNativeSeparators(manifest) << "\n"
          << "   Inspect it again with: fopro dataset inspect " << QDir::toNativeSeparators(manifest) << "\n";
    if (p.isSet(QStringLiteral("no-train"))) return 0;

    training.manifest = QDir::cleanPath(QFileInfo(manifest).absoluteFilePath());
    training.outDir = outDir;
    training.seed = seed;
    return trainDemo(training);
}

} // namespace fopro::cli
