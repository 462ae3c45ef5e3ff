#include "core/project/project.h"

#include <QtCore/QDir>
#include <QtCore/QFile>
#include <QtCore/QFileInfo>
#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QSaveFile>

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

QString Project::projectFile() const { return QDir(folder).filePath(QStringLiteral("project.json")); }
QString Project::datasetFile() const { return QDir(folder).filePath(QStringLiteral("dataset.json")); }

bool Project::isProject(const QString &path)
{
    QFile f(projectFileFor(path));
    if (!f.open(QIODevice::ReadOnly)) return false;
    return f.read(4096).contains("\"fopro-project\"");
}

Result<void> Project::save() const
{
    if (!QDir().mkpath(folder)) return makeError(ErrorCode::WriteFailed, folder, QStringLiteral("cannot create the project folder"));
    if (auto ok = dataset.save(datasetFile()); !ok) return ok;
    QJsonObject o;
    o[QStringLiteral("kind")] = kKind;
    o[QStringLiteral("version")] = kVersion;
    o[QStringLiteral("name")] = name;
    o[QStringLiteral("demo")] = demo;
    o[QStringLiteral("dataset")] = QStringLiteral("dataset.json");
    QJsonArray h;
    for (const HistoryEntry &e : history)
        h.append(QJsonObject{{QStringLiteral("time"), e.time.toUTC().toString(Qt::ISODate)}, {QStringLiteral("action"), e.description}});
    o[QStringLiteral("history")] = h;
    QSaveFile f(projectFile());
    if (!f.open(QIODevice::WriteOnly)) return makeError(ErrorCode::WriteFailed, projectFile(), f.errorString());
    f.write(QJsonDocument(o).toJson(QJsonDocument::Indented));
    if (!f.commit()) return makeError(ErrorCode::WriteFailed, projectFile(), f.errorString());
    return {};
}

Result<Project> Project::open(const QString &folderOrFile)
{
    const QString file = projectFileFor(folderOrFile);
    QFile f(file);
    if (!f.exists()) return makeError(ErrorCode::NotFound, file, QStringLiteral("no project file here"));
    if (!f.open(QIODevice::ReadOnly)) return makeError(ErrorCode::Unreadable, file, f.errorString());
    QJsonParseError perr;
    const QJsonDocument doc = QJsonDocument::fromJson(f.readAll(), &perr);
    if (perr.error != QJsonParseError::NoError || !doc.isObject())
        return makeError(ErrorCode::Malformed, file, QStringLiteral("invalid JSON: %1").arg(perr.errorString()));
    const QJsonObject o = doc.object();
    if (o.value(QStringLiteral("kind")).toString() != kKind)
        return makeError(ErrorCode::Malformed, file, QStringLiteral("not a project file"));
    if (o.value(QStringLiteral("version")).toInt() > kVersion)
        return makeError(ErrorCode::Unsupported, file, QStringLiteral("written by a newer version of the application"));
    Project p;
    p.folder = QFileInfo(file).absolutePath();
    p.name = o.value(QStringLiteral("name")).toString();
    p.demo = o.value(QStringLiteral("demo")).toBool();
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
