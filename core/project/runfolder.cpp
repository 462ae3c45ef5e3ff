#include "core/project/runfolder.h"

#include "core/common/fileio.h"

#include <QtCore/QDir>
#include <QtCore/QFile>
#include <QtCore/QFileInfo>
#include <QtCore/QJsonArray>

#include <algorithm>
#include <cmath>
#include <limits>

namespace fopro::project {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

/// A number of epochs.csv: 8 significant digits, empty for NaN (as the first version wrote).
QString csvValue(double v)
{
    return std::isnan(v) ? QString() : QString::number(v, 'g', 8);
}

double csvDouble(const QString &cell)
{
    bool ok = false;
    const double v = cell.trimmed().toDouble(&ok);
    return ok ? v : kNaN;
}

QJsonValue jsonNumberOrNull(double v)
{
    return std::isnan(v) ? QJsonValue() : QJsonValue(v);
}
double numberOrNaN(const QJsonValue &v)
{
    return v.isDouble() ? v.toDouble() : kNaN;
}

QString classLabel(int k, const QStringList &names)
{
    return k >= 0 && k < names.size() && !names.at(k).isEmpty() ? names.at(k) : QString::number(k);
}

/// The validation columns of epochs.csv and the EpochRecord fields they hold.
struct MetricColumn {
    const char *csv;
    const char *json;
    double EpochRecord::*field;
};
const MetricColumn kMetricColumns[] = {
    {"val_accuracy", "valAccuracy", &EpochRecord::valAccuracy},
    {"val_balanced_accuracy", "valBalancedAccuracy", &EpochRecord::valBalancedAccuracy},
    {"val_macro_f1", "valMacroF1", &EpochRecord::valMacroF1},
    {"val_head_recall", "valHeadRecall", &EpochRecord::valHeadRecall},
    {"val_medium_recall", "valMediumRecall", &EpochRecord::valMediumRecall},
    {"val_tail_recall", "valTailRecall", &EpochRecord::valTailRecall},
};
const QStringList kFixedColumns = {QStringLiteral("epoch"), QStringLiteral("lr"), QStringLiteral("seconds"),
                                   QStringLiteral("images_per_second"), QStringLiteral("best")};

bool isMetricColumn(const QString &name)
{
    return std::any_of(std::begin(kMetricColumns), std::end(kMetricColumns),
                       [&](const MetricColumn &c) { return name == QLatin1String(c.csv); });
}

/// "loss" first, then the other terms by name.
void sortLosses(std::vector<std::pair<QString, double>> &losses)
{
    std::stable_sort(losses.begin(), losses.end(), [](const auto &a, const auto &b) {
        const bool la = a.first == QLatin1String("loss"), lb = b.first == QLatin1String("loss");
        return la != lb ? la : a.first < b.first;
    });
}

/// "ResNet-18", "ResNet-18 w0.5", "CIFAR ResNet w0.5 [1,1,1,1]" from the configuration's "student".
QString studentText(const QJsonObject &student)
{
    const QString arch = student.value(QStringLiteral("architecture")).toString(QStringLiteral("resnet18"));
    const double width = student.value(QStringLiteral("widthMultiplier")).toDouble(1.0);
    if (arch == QLatin1String("cifar_resnet")) {
        QStringList blocks;
        for (const auto &b : student.value(QStringLiteral("cifarBlocks")).toArray())
            blocks << QString::number(b.toInt());
        if (blocks.isEmpty())
            blocks = QStringList{QStringLiteral("2"), QStringLiteral("2"), QStringLiteral("2"), QStringLiteral("2")};
        return QStringLiteral("CIFAR ResNet w%1 [%2]").arg(QString::number(width), blocks.join(QLatin1Char(',')));
    }
    if (arch == QLatin1String("resnet18"))
        return width == 1.0 ? QStringLiteral("ResNet-18") : QStringLiteral("ResNet-18 w%1").arg(QString::number(width));
    return arch;
}

/// "<file> · <layer>" of the configuration's "teacher"; a TF.js model.json is named with its folder
/// ("mobilenet/model.json"), since every TF.js model's file has that name.
QString teacherText(const QJsonObject &teacher)
{
    const QString path = teacher.value(QStringLiteral("path")).toString();
    if (path.isEmpty()) return {};
    const QFileInfo fi(QDir::cleanPath(path));
    QString name = fi.fileName();
    if (name == QLatin1String("model.json")) {
        const QString parent = fi.dir().dirName();
        if (!parent.isEmpty() && parent != QLatin1String(".")) name = parent + QLatin1Char('/') + name;
    }
    const QString layer = teacher.value(QStringLiteral("outputLayer")).toString();
    return layer.isEmpty() ? name : name + QStringLiteral(" · ") + layer;
}

} // namespace

// ---- EpochRecord ----------------------------------------------------------------------------------

EpochRecord EpochRecord::withoutValidation(int epoch)
{
    EpochRecord r;
    r.epoch = epoch;
    for (const MetricColumn &c : kMetricColumns)
        r.*(c.field) = kNaN;
    return r;
}

double EpochRecord::loss(const QString &name) const
{
    for (const auto &l : losses)
        if (l.first == name) return l.second;
    return kNaN;
}

QString epochsToCsv(const std::vector<EpochRecord> &history)
{
    QStringList lossNames;
    for (const auto &r : history)
        for (const auto &l : r.losses)
            if (!lossNames.contains(l.first)) lossNames << l.first;
    QStringList header{QStringLiteral("epoch"), QStringLiteral("lr")};
    header << lossNames;
    for (const MetricColumn &c : kMetricColumns)
        header << QString::fromLatin1(c.csv);
    header << QStringLiteral("seconds") << QStringLiteral("images_per_second") << QStringLiteral("best");
    QString out = header.join(QLatin1Char(',')) + QLatin1Char('\n');
    for (const auto &r : history) {
        QStringList row{QString::number(r.epoch), csvValue(r.lr)};
        for (const QString &n : lossNames)
            row << csvValue(r.loss(n));
        for (const MetricColumn &c : kMetricColumns)
            row << csvValue(r.*(c.field));
        row << csvValue(r.seconds) << csvValue(r.imagesPerSecond)
            << (r.best ? QStringLiteral("1") : QStringLiteral("0"));
        out += row.join(QLatin1Char(',')) + QLatin1Char('\n');
    }
    return out;
}

Result<std::vector<EpochRecord>> epochsFromCsv(const QByteArray &csv, const QString &file)
{
    const QStringList lines = QString::fromUtf8(csv).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    std::vector<EpochRecord> history;
    if (lines.isEmpty()) return history;
    const QStringList header = lines.front().trimmed().split(QLatin1Char(','));
    if (header.value(0) != QLatin1String("epoch") || header.value(1) != QLatin1String("lr"))
        return makeError(ErrorCode::Malformed, file,
                         QStringLiteral("not an epochs.csv (the header must start with epoch,lr)"));
    for (int i = 1; i < lines.size(); ++i) {
        const QStringList cells = lines[i].trimmed().split(QLatin1Char(','));
        if (cells.size() != header.size())
            return makeError(
                ErrorCode::Malformed, file,
                QStringLiteral("line %1 has %2 values, the header %3").arg(i + 1).arg(cells.size()).arg(header.size()));
        EpochRecord r = EpochRecord::withoutValidation(cells[0].toInt());
        for (int col = 1; col < header.size(); ++col) {
            const QString &name = header[col];
            const double v = csvDouble(cells[col]);
            if (name == QLatin1String("lr"))
                r.lr = v;
            else if (name == QLatin1String("seconds"))
                r.seconds = v;
            else if (name == QLatin1String("images_per_second"))
                r.imagesPerSecond = v;
            else if (name == QLatin1String("best"))
                r.best = cells[col].trimmed() == QLatin1String("1");
            else if (isMetricColumn(name)) {
                for (const MetricColumn &c : kMetricColumns)
                    if (name == QLatin1String(c.csv)) r.*(c.field) = v;
            } else if (!std::isnan(v)) {
                r.losses.emplace_back(name, v); // a loss column (empty when this epoch had no such term)
            }
        }
        history.push_back(std::move(r));
    }
    return history;
}

QJsonObject epochsToJson(const std::vector<EpochRecord> &history)
{
    QJsonArray a;
    for (const auto &r : history) {
        QJsonObject losses;
        for (const auto &[k, v] : r.losses)
            losses.insert(k, v);
        QJsonObject e{{"epoch", r.epoch},
                      {"lr", r.lr},
                      {"losses", losses},
                      {"seconds", r.seconds},
                      {"imagesPerSecond", r.imagesPerSecond},
                      {"best", r.best}};
        for (const MetricColumn &c : kMetricColumns)
            e.insert(QString::fromLatin1(c.json), jsonNumberOrNull(r.*(c.field)));
        a.append(e);
    }
    return QJsonObject{{"epochs", a}};
}

std::vector<EpochRecord> epochsFromJson(const QJsonObject &object)
{
    std::vector<EpochRecord> history;
    for (const auto &v : object.value(QStringLiteral("epochs")).toArray()) {
        const QJsonObject e = v.toObject();
        EpochRecord r;
        r.epoch = e.value(QStringLiteral("epoch")).toInt();
        r.lr = e.value(QStringLiteral("lr")).toDouble();
        const QJsonObject losses = e.value(QStringLiteral("losses")).toObject();
        for (auto it = losses.begin(); it != losses.end(); ++it)
            r.losses.emplace_back(it.key(), it.value().toDouble());
        sortLosses(r.losses);
        for (const MetricColumn &c : kMetricColumns)
            r.*(c.field) = numberOrNaN(e.value(QString::fromLatin1(c.json)));
        r.seconds = e.value(QStringLiteral("seconds")).toDouble();
        r.imagesPerSecond = e.value(QStringLiteral("imagesPerSecond")).toDouble();
        r.best = e.value(QStringLiteral("best")).toBool();
        history.push_back(std::move(r));
    }
    return history;
}

// ---- RunStatus ----------------------------------------------------------------------------------------

QJsonObject RunStatus::toJson() const
{
    QJsonObject o{
        {"state", state},
        {"epochsDone", epochsDone},
        {"epochs", epochs},
        {"bestEpoch", bestEpoch},
        {"bestValBalancedAccuracy", jsonNumberOrNull(bestValBalancedAccuracy)},
        {"updated", (updated.isValid() ? updated : QDateTime::currentDateTimeUtc()).toUTC().toString(Qt::ISODate)}};
    if (!detail.isEmpty()) o.insert(QStringLiteral("detail"), detail);
    return o;
}

RunStatus RunStatus::fromJson(const QJsonObject &o)
{
    RunStatus s;
    s.state = o.value(QStringLiteral("state")).toString();
    s.epochsDone = o.value(QStringLiteral("epochsDone")).toInt();
    s.epochs = o.value(QStringLiteral("epochs")).toInt();
    s.bestEpoch = o.value(QStringLiteral("bestEpoch")).toInt();
    s.bestValBalancedAccuracy = numberOrNaN(o.value(QStringLiteral("bestValBalancedAccuracy")));
    s.updated = QDateTime::fromString(o.value(QStringLiteral("updated")).toString(), Qt::ISODate);
    s.detail = o.value(QStringLiteral("detail")).toString();
    return s;
}

// ---- RunNotes, RunDetails -------------------------------------------------------------------------------

QJsonObject RunNotes::toJson() const
{
    return QJsonObject{{"title", title}, {"note", note}, {"archived", archived}};
}

RunNotes RunNotes::fromJson(const QJsonObject &o)
{
    RunNotes n;
    n.title = o.value(QStringLiteral("title")).toString();
    n.note = o.value(QStringLiteral("note")).toString();
    n.archived = o.value(QStringLiteral("archived")).toBool();
    return n;
}

QString statusText(const RunDetails &run)
{
    const QString &state = run.status.state;
    if (state == QLatin1String("running") || state == QLatin1String("paused"))
        return run.live ? state : QStringLiteral("interrupted (resumable)");
    if (state == QLatin1String("finished")) return state;
    if (state == QLatin1String("cancelled")) return QStringLiteral("stopped (resumable)");
    if (state == QLatin1String("failed"))
        return run.status.detail.trimmed().isEmpty() ? QStringLiteral("failed")
                                                     : QStringLiteral("failed: ") + run.status.detail.trimmed();
    if (run.live) return QStringLiteral("running");
    return state.isEmpty() ? QStringLiteral("not started") : state;
}

bool isResumable(const RunDetails &run)
{
    if (run.live) return false;
    const QString &s = run.status.state;
    return s == QLatin1String("running") || s == QLatin1String("paused") || s == QLatin1String("cancelled") ||
           s == QLatin1String("failed") || s == QLatin1String("finished");
}

// ---- RunFolder: opening, naming, listing ----------------------------------------------------------------

RunFolder::RunFolder(const QString &dir)
    : m_dir(dir.isEmpty() ? QString() : QDir::cleanPath(QFileInfo(dir).absoluteFilePath()))
{
}

Result<RunFolder> RunFolder::open(const QString &dir)
{
    const QFileInfo fi(dir);
    if (!fi.exists()) return makeError(ErrorCode::NotFound, dir, QStringLiteral("no such run folder"));
    if (!fi.isDir())
        return makeError(ErrorCode::InvalidArgument, dir,
                         QStringLiteral("not a run folder (runs are folders made by 'fopro train')"));
    RunFolder run(dir);
    if (!QFileInfo::exists(run.configFile()))
        return makeError(ErrorCode::NotFound, dir,
                         QStringLiteral("not a training run (no config.json; runs are made by 'fopro train')"));
    auto header = fileio::readJsonObject(run.configFile());
    if (!header) return header.error();
    if (header->value(QStringLiteral("format")).toString() != QLatin1String("fopro-run"))
        return makeError(ErrorCode::Malformed, run.configFile(),
                         QStringLiteral("not the configuration of a training run (no \"format\": \"fopro-run\")"));
    return run;
}

Result<RunFolder> RunFolder::create(const QString &dir)
{
    if (dir.isEmpty())
        return makeError(ErrorCode::InvalidArgument, {}, QStringLiteral("no run folder given (setting \"runDir\")"));
    const QDir d(dir);
    if (QFileInfo(dir).exists() && !QFileInfo(dir).isDir())
        return makeError(ErrorCode::InvalidArgument, dir, QStringLiteral("a file is in the way of the run folder"));
    if (d.exists() && !d.isEmpty())
        return makeError(
            ErrorCode::InvalidArgument, dir,
            QStringLiteral("the run folder exists and is not empty (choose another folder, or resume it)"));
    RunFolder run(dir);
    if (!QDir().mkpath(run.dir()))
        return makeError(ErrorCode::WriteFailed, run.dir(), QStringLiteral("cannot create the run folder"));
    return run;
}

bool RunFolder::isRun(const QString &dir)
{
    return open(dir).ok();
}

QString RunFolder::defaultName(const QString &strategy, const QDateTime &when)
{
    return when.toString(QStringLiteral("yyyyMMdd-HHmmss")) + QLatin1Char('-') + strategy;
}

QString RunFolder::uniqueDir(const QString &parent, const QString &strategy, const QDateTime &when)
{
    const QString base =
        QDir::cleanPath(QDir(QFileInfo(parent).absoluteFilePath()).filePath(defaultName(strategy, when)));
    QString dir = base;
    for (int n = 2; QFileInfo::exists(dir); ++n)
        dir = base + QStringLiteral("-%1").arg(n);
    return dir;
}

std::vector<RunSummary> RunFolder::list(const QString &folder)
{
    std::vector<RunSummary> runs;
    for (const QFileInfo &fi : QDir(folder).entryInfoList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name)) {
        auto run = open(fi.filePath());
        if (!run) continue;
        auto header = run->readHeader();
        if (!header) continue;
        RunSummary s;
        s.dir = run->dir();
        s.name = run->name();
        const QJsonObject config = header->value(QStringLiteral("config")).toObject();
        s.strategy = config.value(QStringLiteral("strategy")).toString();
        s.dataset = header->value(QStringLiteral("dataset")).toObject().value(QStringLiteral("manifest")).toString();
        if (s.dataset.isEmpty()) s.dataset = config.value(QStringLiteral("dataset")).toString();
        s.created = QDateTime::fromString(header->value(QStringLiteral("created")).toString(), Qt::ISODate);
        if (auto status = run->readStatus()) s.status = *status;
        runs.push_back(std::move(s));
    }
    std::stable_sort(runs.begin(), runs.end(), [](const RunSummary &a, const RunSummary &b) {
        return a.created != b.created ? a.created > b.created : a.name > b.name;
    });
    return runs;
}

Result<RunDetails> RunFolder::details(const QString &dir, const TeacherPredicate &usesTeacher)
{
    auto run = open(dir);
    if (!run) return run.error();
    auto header = run->readHeader();
    if (!header) return header.error();
    RunDetails d;
    d.dir = run->dir();
    d.name = run->name();
    const QJsonObject config = header->value(QStringLiteral("config")).toObject();
    d.strategy = config.value(QStringLiteral("strategy")).toString();
    d.dataset = header->value(QStringLiteral("dataset")).toObject().value(QStringLiteral("manifest")).toString();
    if (d.dataset.isEmpty()) d.dataset = config.value(QStringLiteral("dataset")).toString();
    d.created = QDateTime::fromString(header->value(QStringLiteral("created")).toString(), Qt::ISODate);
    const bool statusRead = [&] {
        auto status = run->readStatus();
        if (status) d.status = *status;
        return status.ok();
    }();
    if (!statusRead) d.status.bestValBalancedAccuracy = kNaN;

    d.notes = run->readNotes();
    d.title = d.notes.title.trimmed().isEmpty() ? d.name : d.notes.title.trimmed();
    d.student = studentText(config.value(QStringLiteral("student")).toObject());
    if (!usesTeacher || usesTeacher(d.strategy))
        d.teacher = teacherText(config.value(QStringLiteral("teacher")).toObject());

    std::vector<EpochRecord> epochs;
    if (auto e = run->readEpochs()) epochs = std::move(e).value();
    double best = kNaN;
    for (const EpochRecord &e : epochs) {
        d.seconds += std::isfinite(e.seconds) ? e.seconds : 0.0;
        if (std::isfinite(e.valBalancedAccuracy) && !(e.valBalancedAccuracy <= best)) best = e.valBalancedAccuracy;
    }
    d.bestValBalancedAccuracy = std::isfinite(best) ? best : d.status.bestValBalancedAccuracy;
    d.epochsDone = std::max(d.status.epochsDone, int(epochs.size()));
    d.epochsTotal = d.status.epochs > 0 ? d.status.epochs : config.value(QStringLiteral("epochs")).toInt();

    if (QFileInfo::exists(run->metricsFile(QStringLiteral("test")))) {
        if (auto m = run->readMetrics(QStringLiteral("test"))) {
            d.testBalancedAccuracy = numberOrNaN(m->value(QStringLiteral("balancedAccuracy")));
            d.testTailRecall = numberOrNaN(m->value(QStringLiteral("tailGroups"))
                                               .toObject()
                                               .value(QStringLiteral("tail"))
                                               .toObject()
                                               .value(QStringLiteral("meanRecall")));
        }
    }
    return d;
}

std::vector<RunDetails> RunFolder::listDetails(const QString &folder, const TeacherPredicate &usesTeacher)
{
    std::vector<RunDetails> runs;
    for (const QFileInfo &fi : QDir(folder).entryInfoList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name)) {
        auto d = details(fi.filePath(), usesTeacher);
        if (d) runs.push_back(std::move(d).value());
    }
    std::stable_sort(runs.begin(), runs.end(), [](const RunDetails &a, const RunDetails &b) {
        return a.created != b.created ? a.created > b.created : a.name > b.name;
    });
    return runs;
}

Result<void> RunFolder::remove(const QString &dir)
{
    const QFileInfo fi(dir);
    if (dir.isEmpty() || !isRun(dir))
        return makeError(ErrorCode::InvalidArgument, dir,
                         QStringLiteral("not a run folder (only run folders are deleted here)"));
    const QString path = QDir::cleanPath(fi.absoluteFilePath());
    if (QFile::moveToTrash(path)) return {};
    if (fi.isSymLink()) {
        // The link only: removeRecursively() would empty the folder it points to.
        if (QFile::remove(path)) return {};
    } else if (QDir(path).removeRecursively()) {
        return {};
    }
    return makeError(ErrorCode::WriteFailed, path,
                     QStringLiteral("cannot delete the run folder (it could not be moved to the trash either)"));
}

QString RunFolder::name() const
{
    return QFileInfo(m_dir).fileName();
}

QString RunFolder::path(const QString &relative) const
{
    return QDir(m_dir).filePath(relative);
}

QString RunFolder::metricsFile(const QString &split) const
{
    return path(QStringLiteral("results/%1_metrics.json").arg(split));
}
QString RunFolder::perClassCsvFile(const QString &split) const
{
    return path(QStringLiteral("results/%1_per_class.csv").arg(split));
}
QString RunFolder::perClassJsonFile(const QString &split) const
{
    return path(QStringLiteral("results/%1_per_class.json").arg(split));
}
QString RunFolder::predictionsFile(const QString &split) const
{
    return path(QStringLiteral("results/%1_predictions.csv").arg(split));
}

// ---- config.json ----------------------------------------------------------------------------------------

Result<void> RunFolder::writeHeader(QJsonObject header) const
{
    header.insert(QStringLiteral("format"), QStringLiteral("fopro-run"));
    header.insert(QStringLiteral("version"), kFormatVersion);
    return fileio::writeJson(configFile(), header);
}

Result<QJsonObject> RunFolder::readHeader() const
{
    return fileio::readJsonObject(configFile());
}

Result<QJsonObject> RunFolder::readConfig() const
{
    auto header = readHeader();
    if (!header) return header.error();
    const QJsonValue config = header->value(QStringLiteral("config"));
    if (!config.isObject())
        return makeError(ErrorCode::Malformed, configFile(), QStringLiteral("no \"config\" object"));
    return config.toObject();
}

Result<void> RunFolder::updateConfig(const QJsonObject &config) const
{
    auto header = readHeader();
    if (!header) return header.error();
    QJsonObject h = std::move(header).value();
    h.insert(QStringLiteral("config"), config);
    return fileio::writeJson(configFile(), h);
}

QStringList RunFolder::classNames() const
{
    QStringList names;
    auto header = readHeader();
    if (!header) return names;
    for (const auto &v : header->value(QStringLiteral("dataset")).toObject().value(QStringLiteral("classes")).toArray())
        names << v.toString();
    return names;
}

// ---- status.json, log.txt ------------------------------------------------------------------------------

Result<void> RunFolder::writeStatus(const RunStatus &status) const
{
    return fileio::writeJson(statusFile(), status.toJson());
}

Result<RunStatus> RunFolder::readStatus() const
{
    auto o = fileio::readJsonObject(statusFile());
    if (!o) return o.error();
    return RunStatus::fromJson(*o);
}

void RunFolder::log(const QString &line) const
{
    QFile f(logFile());
    if (!f.open(QIODevice::Append | QIODevice::Text)) return;
    f.write((QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs) + QLatin1Char(' ') + line + QLatin1Char('\n'))
                .toUtf8());
}

Result<QString> RunFolder::readLog() const
{
    auto bytes = fileio::readAll(logFile());
    if (!bytes) return bytes.error();
    return QString::fromUtf8(*bytes);
}

// ---- epochs.csv, prompt_gain.csv ---------------------------------------------------------------------------

Result<void> RunFolder::writeEpochs(const std::vector<EpochRecord> &history) const
{
    return fileio::writeAtomically(epochsFile(), epochsToCsv(history).toUtf8());
}

Result<std::vector<EpochRecord>> RunFolder::readEpochs() const
{
    if (!QFileInfo::exists(epochsFile())) {
        if (!QFileInfo::exists(configFile()))
            return makeError(ErrorCode::NotFound, m_dir, QStringLiteral("not a training run (no config.json)"));
        return std::vector<EpochRecord>{};
    }
    auto bytes = fileio::readAll(epochsFile());
    if (!bytes) return bytes.error();
    return epochsFromCsv(*bytes, epochsFile());
}

Result<void> RunFolder::writePromptGain(int epoch, const std::vector<double> &profile) const
{
    QString csv;
    if (epoch > 1) {
        if (auto old = fileio::readAll(promptGainFile())) {
            for (const QString &l : QString::fromUtf8(*old).split(QLatin1Char('\n'), Qt::SkipEmptyParts))
                if (l.startsWith(QLatin1String("epoch")) || l.section(QLatin1Char(','), 0, 0).toInt() < epoch)
                    csv += l + QLatin1Char('\n');
        }
    }
    if (csv.isEmpty()) {
        csv = QStringLiteral("epoch");
        for (size_t b = 0; b < profile.size(); ++b)
            csv += QStringLiteral(",band_%1").arg(b);
        csv += QLatin1Char('\n');
    }
    QStringList row{QString::number(epoch)};
    for (double g : profile)
        row << csvValue(g);
    csv += row.join(QLatin1Char(',')) + QLatin1Char('\n');
    return fileio::writeAtomically(promptGainFile(), csv.toUtf8());
}

Result<std::vector<std::pair<int, std::vector<double>>>> RunFolder::readPromptGain() const
{
    auto bytes = fileio::readAll(promptGainFile());
    if (!bytes) return bytes.error();
    std::vector<std::pair<int, std::vector<double>>> rows;
    const QStringList lines = QString::fromUtf8(*bytes).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    for (int i = 1; i < lines.size(); ++i) {
        const QStringList cells = lines[i].split(QLatin1Char(','));
        std::vector<double> profile;
        for (int c = 1; c < cells.size(); ++c)
            profile.push_back(csvDouble(cells[c]));
        rows.emplace_back(cells[0].toInt(), std::move(profile));
    }
    return rows;
}

// ---- results/ -------------------------------------------------------------------------------------------

Result<void> RunFolder::writeResults(const QString &split, const SplitResults &r, const QStringList &classNames) const
{
    if (auto w = fileio::writeJson(metricsFile(split), r.metrics); !w) return w;
    if (auto w = fileio::writeJson(perClassJsonFile(split), r.perClass); !w) return w;
    if (auto w = fileio::writeAtomically(perClassCsvFile(split), r.perClassCsv.toUtf8()); !w) return w;
    const SplitPredictions &p = r.predictions;
    const int numClasses = int(classNames.size());
    QStringList header{QStringLiteral("sample_id"), QStringLiteral("true_label"), QStringLiteral("predicted_label")};
    for (int k = 0; k < numClasses; ++k)
        header << QStringLiteral("p_") + classLabel(k, classNames);
    QString csv = fileio::csvRow(header);
    for (size_t i = 0; i < p.yTrue.size(); ++i) {
        QStringList row{p.sampleIds.value(int(i)), classLabel(p.yTrue[i], classNames),
                        classLabel(p.yPred[i], classNames)};
        for (int k = 0; k < numClasses; ++k) {
            const size_t at = i * size_t(numClasses) + size_t(k);
            row << (at < p.probabilities.size() ? QString::number(p.probabilities[at], 'g', 6) : QString());
        }
        csv += fileio::csvRow(row);
    }
    return fileio::writeAtomically(predictionsFile(split), csv.toUtf8());
}

Result<QJsonObject> RunFolder::readMetrics(const QString &split) const
{
    return fileio::readJsonObject(metricsFile(split));
}

QStringList RunFolder::resultSplits() const
{
    QStringList splits;
    for (const QString &f : QDir(resultsDir()).entryList({QStringLiteral("*_metrics.json")}, QDir::Files, QDir::Name))
        splits << f.left(f.size() - int(qstrlen("_metrics.json")));
    return splits;
}

// ---- notes.json -----------------------------------------------------------------------------------------

RunNotes RunFolder::readNotes() const
{
    auto o = fileio::readJsonObject(notesFile());
    return o ? RunNotes::fromJson(*o) : RunNotes{};
}

Result<void> RunFolder::writeNotes(const RunNotes &notes) const
{
    return fileio::writeJson(notesFile(), notes.toJson());
}

} // namespace fopro::project
