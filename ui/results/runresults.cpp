#include "ui/results/runresults.h"

#include "core/common/fileio.h"
#include "core/data/csvreader.h"

#include <QtCore/QDir>
#include <QtCore/QFileInfo>
#include <QtCore/QJsonArray>

#include <algorithm>
#include <cmath>

namespace fopro::ui {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double numberOrNaN(const QJsonValue &v)
{
    return v.isDouble() ? v.toDouble() : kNaN;
}

bool cancelled(JobControl *control)
{
    return control && control->isCancelled();
}

} // namespace

double PredictionSet::loss(int row) const
{
    const double p = probability(row, yTrue[std::size_t(row)]);
    return -std::log(std::max(p, 1e-12));
}

std::vector<int> RunResults::cellSamples(int trueClass, int predictedClass) const
{
    std::vector<int> samples;
    for (int row : confusion.sampleIndices(trueClass, predictedClass)) {
        const int s = predictions.sampleIndex[std::size_t(row)];
        if (s >= 0) samples.push_back(s);
    }
    return samples;
}

std::vector<int> RunResults::trainCounts() const
{
    std::vector<int> counts(std::size_t(numClasses()), -1);
    bool any = false;
    for (const ClassResult &c : classes)
        if (c.index >= 0 && c.index < numClasses() && c.trainCount >= 0) {
            counts[std::size_t(c.index)] = c.trainCount;
            any = true;
        }
    if (!any) {
        const QJsonArray a =
            header.value(QStringLiteral("dataset")).toObject().value(QStringLiteral("trainCounts")).toArray();
        for (int k = 0; k < numClasses() && k < a.size(); ++k)
            counts[std::size_t(k)] = a.at(k).toInt(-1);
    }
    return counts;
}

Result<PredictionSet> parsePredictionsCsv(const QByteArray &csv, const QStringList &classNames, const QString &file)
{
    const data::CsvTable table = data::parseCsv(csv);
    const int idColumn = table.column(QStringLiteral("sample_id"));
    const int trueColumn = table.column(QStringLiteral("true_label"));
    const int predColumn = table.column(QStringLiteral("predicted_label"));
    if (idColumn < 0 || trueColumn < 0 || predColumn < 0)
        return makeError(ErrorCode::Malformed, file,
                         QStringLiteral("not a predictions file (expected the columns sample_id, true_label, "
                                        "predicted_label; found %1)")
                             .arg(table.columnList()));
    const int c = int(classNames.size());
    if (c < 1) return makeError(ErrorCode::Malformed, file, QStringLiteral("the run records no class names"));
    QHash<QString, int> classByName;
    for (int k = 0; k < c; ++k)
        classByName.insert(classNames[k].isEmpty() ? QString::number(k) : classNames[k], k);
    std::vector<int> probColumns(std::size_t(c), -1);
    for (int k = 0; k < c; ++k) {
        probColumns[std::size_t(k)] =
            table.column(QStringLiteral("p_") + (classNames[k].isEmpty() ? QString::number(k) : classNames[k]));
        if (probColumns[std::size_t(k)] < 0)
            return makeError(ErrorCode::Malformed, file,
                             QStringLiteral("no probability column p_%1 for class %2").arg(classNames[k]).arg(k));
    }
    PredictionSet p;
    p.numClasses = c;
    const std::size_t n = table.rows.size();
    p.sampleIds.reserve(qsizetype(n));
    p.yTrue.reserve(n);
    p.yPred.reserve(n);
    p.probabilities.reserve(n * std::size_t(c));
    const auto label = [&](const QString &text, int line, const char *what) -> Result<int> {
        const auto it = classByName.constFind(text);
        if (it != classByName.constEnd()) return *it;
        return makeError(ErrorCode::Malformed, file,
                         QStringLiteral("line %1: the %2 \"%3\" is not a class of the run").arg(line).arg(what, text));
    };
    for (std::size_t i = 0; i < n; ++i) {
        const QStringList &row = table.rows[i];
        const int line = table.lines[i];
        auto t = label(row.value(trueColumn).trimmed(), line, "true label");
        if (!t) return t.error();
        auto pr = label(row.value(predColumn).trimmed(), line, "predicted label");
        if (!pr) return pr.error();
        p.sampleIds << row.value(idColumn);
        p.yTrue.push_back(*t);
        p.yPred.push_back(*pr);
        for (int k = 0; k < c; ++k) {
            bool ok = false;
            const double v = row.value(probColumns[std::size_t(k)]).toDouble(&ok);
            if (!ok || !std::isfinite(v))
                return makeError(
                    ErrorCode::Malformed, file,
                    QStringLiteral("line %1: probability of %2 is not a number").arg(line).arg(classNames[k]));
            p.probabilities.push_back(std::clamp(v, 0.0, 1.0));
        }
    }
    return p;
}

namespace {

Result<PredictionSet> readPredictions(const project::RunFolder &run, const QString &split,
                                      const QStringList &classNames, const QHash<QString, int> &sampleIndexById,
                                      int *unmatched)
{
    const QString file = run.predictionsFile(split);
    auto bytes = fileio::readAll(file);
    if (!bytes) return bytes.error();
    auto p = parsePredictionsCsv(*bytes, classNames, file);
    if (!p) return p.error();
    p->split = split;
    p->sampleIndex.resize(std::size_t(p->size()), -1);
    int missing = 0;
    for (int i = 0; i < p->size(); ++i) {
        const auto it = sampleIndexById.constFind(p->sampleIds[i]);
        if (it != sampleIndexById.constEnd())
            p->sampleIndex[std::size_t(i)] = *it;
        else
            ++missing;
    }
    if (unmatched) *unmatched = missing;
    return p;
}

Headline headlineOf(const QJsonObject &m)
{
    Headline h;
    h.accuracy = numberOrNaN(m.value(QStringLiteral("accuracy")));
    h.balancedAccuracy = numberOrNaN(m.value(QStringLiteral("balancedAccuracy")));
    h.macroF1 = numberOrNaN(m.value(QStringLiteral("macroF1")));
    h.matthews = numberOrNaN(m.value(QStringLiteral("matthewsCorrelation")));
    h.kappa = numberOrNaN(m.value(QStringLiteral("cohenKappa")));
    h.rocAucMacro = numberOrNaN(m.value(QStringLiteral("rocAuc")).toObject().value(QStringLiteral("macro")));
    h.ece = numberOrNaN(m.value(QStringLiteral("calibration")).toObject().value(QStringLiteral("ece")));
    h.samples = m.value(QStringLiteral("numSamples")).toInt();
    const QJsonObject groups = m.value(QStringLiteral("tailGroups")).toObject();
    if (!groups.isEmpty()) {
        h.many = groups.value(QStringLiteral("many")).toInt(-1);
        h.few = groups.value(QStringLiteral("few")).toInt(-1);
        const auto group = [&](const char *name, double *recall, int *classes) {
            const QJsonObject g = groups.value(QLatin1String(name)).toObject();
            *recall = numberOrNaN(g.value(QStringLiteral("meanRecall")));
            *classes = int(g.value(QStringLiteral("classes")).toArray().size());
        };
        group("head", &h.headRecall, &h.headClasses);
        group("medium", &h.mediumRecall, &h.mediumClasses);
        group("tail", &h.tailRecall, &h.tailClasses);
    }
    return h;
}

std::vector<ClassResult> classesOf(const QJsonArray &rows, const QStringList &classNames)
{
    std::vector<ClassResult> classes;
    for (const QJsonValue &v : rows) {
        const QJsonObject o = v.toObject();
        ClassResult c;
        c.index = o.value(QStringLiteral("index")).toInt(int(classes.size()));
        c.name = o.value(QStringLiteral("class")).toString(classNames.value(c.index));
        c.precision = numberOrNaN(o.value(QStringLiteral("precision")));
        c.recall = numberOrNaN(o.value(QStringLiteral("recall")));
        c.f1 = numberOrNaN(o.value(QStringLiteral("f1")));
        c.rocAuc = numberOrNaN(o.value(QStringLiteral("rocAuc")));
        c.support = o.value(QStringLiteral("support")).toInt();
        c.predicted = o.value(QStringLiteral("predicted")).toInt();
        c.trainCount = o.contains(QStringLiteral("trainCount")) ? o.value(QStringLiteral("trainCount")).toInt() : -1;
        c.group = o.value(QStringLiteral("group")).toString();
        classes.push_back(c);
    }
    return classes;
}

metrics::CalibrationResult calibrationOf(const QJsonObject &m)
{
    metrics::CalibrationResult r;
    const QJsonObject c = m.value(QStringLiteral("calibration")).toObject();
    r.ece = numberOrNaN(c.value(QStringLiteral("ece")));
    r.mce = numberOrNaN(c.value(QStringLiteral("mce")));
    for (const QJsonValue &v : c.value(QStringLiteral("bins")).toArray()) {
        const QJsonObject b = v.toObject();
        metrics::ReliabilityBin bin;
        bin.lower = b.value(QStringLiteral("lower")).toDouble();
        bin.upper = b.value(QStringLiteral("upper")).toDouble();
        bin.count = b.value(QStringLiteral("count")).toInt();
        bin.meanConfidence = numberOrNaN(b.value(QStringLiteral("meanConfidence")));
        bin.accuracy = numberOrNaN(b.value(QStringLiteral("accuracy")));
        r.bins.push_back(bin);
    }
    return r;
}

} // namespace

Result<RunResults> loadRunResults(const QString &runDir, const QString &split,
                                  const QHash<QString, int> &sampleIndexById, JobControl *control)
{
    auto run = project::RunFolder::open(runDir);
    if (!run) return run.error();
    RunResults r;
    r.dir = run->dir();
    r.name = run->name();
    const project::RunNotes notes = run->readNotes();
    r.title = notes.title.trimmed().isEmpty() ? r.name : notes.title.trimmed();
    r.split = split;
    r.availableSplits = run->resultSplits();
    auto header = run->readHeader();
    if (!header) return header.error();
    r.header = *header;
    r.classNames = run->classNames();
    auto m = run->readMetrics(split);
    if (!m) return m.error();
    r.metrics = *m;
    if (r.classNames.isEmpty())
        for (const QJsonValue &v : r.metrics.value(QStringLiteral("perClass")).toArray())
            r.classNames << v.toObject().value(QStringLiteral("class")).toString();
    r.headline = headlineOf(r.metrics);
    r.calibration = calibrationOf(r.metrics);
    if (auto perClass = fileio::readJsonObject(run->perClassJsonFile(split)))
        r.classes = classesOf(perClass->value(QStringLiteral("classes")).toArray(), r.classNames);
    else {
        r.warnings << perClass.error().message();
        r.classes = classesOf(r.metrics.value(QStringLiteral("perClass")).toArray(), r.classNames);
    }
    if (cancelled(control)) return makeError(ErrorCode::Cancelled, {}, QStringLiteral("cancelled"));

    auto predictions = readPredictions(*run, split, r.classNames, sampleIndexById, &r.unmatchedSamples);
    if (!predictions) return predictions.error();
    r.predictions = std::move(predictions).value();
    if (r.unmatchedSamples > 0)
        r.warnings << QStringLiteral("%1 of %2 predictions name images that are not in the project's dataset")
                          .arg(r.unmatchedSamples)
                          .arg(r.predictions.size());
    const int c = r.numClasses();
    auto cm = metrics::ConfusionMatrix::fromLabels(r.predictions.yTrue, r.predictions.yPred, c, true);
    if (!cm) return cm.error();
    r.confusion = std::move(cm).value();

    r.roc.resize(std::size_t(c));
    r.pr.resize(std::size_t(c));
    for (int k = 0; k < c; ++k) {
        if (cancelled(control)) return makeError(ErrorCode::Cancelled, {}, QStringLiteral("cancelled"));
        if (auto roc = metrics::rocCurve(r.predictions.yTrue, r.predictions.probabilities, c, k))
            r.roc[std::size_t(k)] = std::move(roc).value();
        if (auto pr = metrics::precisionRecallCurve(r.predictions.yTrue, r.predictions.probabilities, c, k))
            r.pr[std::size_t(k)] = std::move(pr).value();
    }

    // Temperature scaling: fitted on the validation predictions, applied to the shown split.
    TemperatureResult &t = r.temperature;
    const QString fitSplit = QStringLiteral("val");
    if (c < 2) {
        t.reason = QStringLiteral("temperature scaling needs two classes or more");
    } else if (!QFileInfo::exists(run->predictionsFile(fitSplit))) {
        t.missingValidation = true;
        t.reason = QStringLiteral("the run has no validation predictions (evaluate it on the val split: fopro eval "
                                  "RUN --split val)");
    } else {
        PredictionSet val;
        if (split == fitSplit) {
            val = r.predictions;
        } else if (auto v = readPredictions(*run, fitSplit, r.classNames, {}, nullptr)) {
            val = std::move(v).value();
        } else {
            t.reason = v.error().message();
        }
        if (t.reason.isEmpty()) {
            auto fit = metrics::fitTemperature(val.yTrue, metrics::logProbabilities(val.probabilities), c);
            if (!fit) {
                t.reason = fit.error().message();
            } else {
                t.fit = *fit;
                t.fittedOn = fitSplit;
                const std::vector<double> logits = metrics::logProbabilities(r.predictions.probabilities);
                t.nllBefore = metrics::temperatureNll(r.predictions.yTrue, logits, c, 1.0);
                t.nllAfter = metrics::temperatureNll(r.predictions.yTrue, logits, c, t.fit.temperature);
                const int bins = std::max(1, int(r.calibration.bins.size()));
                auto before =
                    metrics::expectedCalibration(r.predictions.yTrue, r.predictions.probabilities, c,
                                                 r.calibration.bins.empty() ? metrics::kDefaultCalibrationBins : bins);
                auto after = metrics::expectedCalibration(
                    r.predictions.yTrue, metrics::applyTemperature(logits, c, t.fit.temperature), c,
                    r.calibration.bins.empty() ? metrics::kDefaultCalibrationBins : bins);
                if (before && after) {
                    t.calibrationBefore = *before;
                    t.calibrationAfter = *after;
                    t.eceBefore = before->ece;
                    t.eceAfter = after->ece;
                    t.available = true;
                } else {
                    t.reason = (before ? after.error() : before.error()).message();
                }
            }
        }
    }

    if (auto e = run->readEpochs()) r.epochs = std::move(e).value();
    return r;
}

JobFunction<RunResults> loadRunResultsJob(QString runDir, QString split, QHash<QString, int> sampleIndexById)
{
    return [runDir = std::move(runDir), split = std::move(split),
            ids = std::move(sampleIndexById)](JobControl &control, const ProgressSink &) -> Result<RunResults> {
        return loadRunResults(runDir, split, ids, &control);
    };
}

std::vector<ResultsRun> listResultsRuns(const QString &runsDir)
{
    std::vector<ResultsRun> runs;
    if (runsDir.isEmpty()) return runs;
    for (const project::RunSummary &s : project::RunFolder::list(runsDir)) {
        const project::RunFolder run(s.dir);
        const QStringList splits = run.resultSplits();
        if (splits.isEmpty()) continue;
        ResultsRun r;
        r.dir = s.dir;
        const project::RunNotes notes = run.readNotes();
        r.title = notes.title.trimmed().isEmpty() ? s.name : notes.title.trimmed();
        r.strategy = s.strategy;
        r.created = s.created;
        r.splits = splits;
        runs.push_back(r);
    }
    return runs;
}

QString metricText(double value)
{
    return std::isfinite(value) ? QString::number(value, 'f', 3) : QStringLiteral("–");
}

} // namespace fopro::ui
