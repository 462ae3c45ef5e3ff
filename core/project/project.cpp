#include "core/project/project.h"

#include "core/common/fileio.h"

#include <QtCore/QDir>
#include <QtCore/QFile>
#include <QtCore/QFileInfo>
#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>

namespace fopro::project {

namespace {
const QString kKind = QStringLiteral("fopro-project");
constexpr int kVersion = 1;

QString projectFileFor(const QString &folderOrFile)
{
    const QFileInfo fi(folderOrFile);
    return fi.isDir() ? QDir(fi.absoluteFilePath()).filePath(QStringLiteral("project.json")) : fi.absoluteFilePath();
}
} // namespace

QString Project::projectFile() const
{
    return QDir(folder).filePath(QStringLiteral("project.json"));
}
QString Project::datasetFile() const
{
    return QDir(folder).filePath(QStringLiteral("dataset.json"));
}

bool Project::isProject(const QString &path)
{
    QFile f(projectFileFor(path));
    if (!f.open(QIODevice::ReadOnly)) return false;
    return f.read(4096).contains("\"fopro-project\"");
}

Result<void> Project::save() const
{
    if (!QDir().mkpath(folder))
        return makeError(ErrorCode::WriteFailed, folder, QStringLiteral("cannot create the project folder"));
    if (auto ok = dataset.save(datasetFile()); !ok) return ok;
    QJsonObject o;
    o[QStringLiteral("kind")] = kKind;
    o[QStringLiteral("version")] = kVersion;
    o[QStringLiteral("name")] = name;
    o[QStringLiteral("demo")] = demo;
    o[QStringLiteral("dataset")] = QStringLiteral("dataset.json");
    QJsonArray h;
    for (const HistoryEntry &e : history)
        h.append(QJsonObject{{QStringLiteral("time"), e.time.toUTC().toString(Qt::ISODate)},
                             {QStringLiteral("action"), e.description}});
    o[QStringLiteral("history")] = h;
    o[QStringLiteral("thresholds")] =
        QJsonObject{{QStringLiteral("many"), thresholds.many}, {QStringLiteral("few"), thresholds.few}};
    return fileio::writeJson(projectFile(), o);
}

Result<Project> Project::open(const QString &folderOrFile)
{
    const QString file = projectFileFor(folderOrFile);
    if (!QFileInfo::exists(file)) return makeError(ErrorCode::NotFound, file, QStringLiteral("no project file here"));
    const auto read = fileio::readJsonObject(file);
    if (!read) return read.error();
    const QJsonObject &o = *read;
    if (o.value(QStringLiteral("kind")).toString() != kKind)
        return makeError(ErrorCode::Malformed, file, QStringLiteral("not a project file"));
    if (o.value(QStringLiteral("version")).toInt() > kVersion)
        return makeError(ErrorCode::Unsupported, file, QStringLiteral("written by a newer version of the application"));
    Project p;
    p.folder = QFileInfo(file).absolutePath();
    p.name = o.value(QStringLiteral("name")).toString();
    p.demo = o.value(QStringLiteral("demo")).toBool();
    if (const QJsonObject t = o.value(QStringLiteral("thresholds")).toObject(); !t.isEmpty()) {
        p.thresholds.many = t.value(QStringLiteral("many")).toInt(p.thresholds.many);
        p.thresholds.few = t.value(QStringLiteral("few")).toInt(p.thresholds.few);
    }
    const QString datasetName = o.value(QStringLiteral("dataset")).toString(QStringLiteral("dataset.json"));
    auto d = data::DatasetIndex::load(QDir(p.folder).filePath(datasetName));
    if (!d) return d.error();
    p.dataset = std::move(d).value();
    for (const QJsonValue &v : o.value(QStringLiteral("history")).toArray()) {
        const QJsonObject e = v.toObject();
        p.history.append({QDateTime::fromString(e.value(QStringLiteral("time")).toString(), Qt::ISODate),
                          e.value(QStringLiteral("action")).toString()});
    }
    return p;
}

} // namespace fopro::project
