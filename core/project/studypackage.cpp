#include "core/project/studypackage.h"

#include "core/common/fileio.h"
#include "core/project/runfolder.h"

#include <QtCore/QCryptographicHash>
#include <QtCore/QDateTime>
#include <QtCore/QDir>
#include <QtCore/QDirIterator>
#include <QtCore/QFile>
#include <QtCore/QFileInfo>
#include <QtCore/QJsonArray>
#include <QtCore/QSet>

#include <algorithm>

namespace fopro::project {

namespace {

const QString kPackageJson = QStringLiteral("package.json");
const QString kManifestHash = QStringLiteral("manifest.sha256");

/// Copies `source` to <package>/<relative>, making the folders on the way.
Result<void> copyInto(const QString &source, const QString &package, const QString &relative)
{
    if (!QFileInfo(source).isFile()) return makeError(ErrorCode::NotFound, source, QStringLiteral("file not found"));
    const QString target = QDir(package).filePath(relative);
    if (!QDir().mkpath(QFileInfo(target).absolutePath()))
        return makeError(ErrorCode::WriteFailed, QFileInfo(target).absolutePath(),
                         QStringLiteral("cannot create the folder"));
    QFile in(source);
    if (!in.copy(target))
        return makeError(ErrorCode::WriteFailed, target,
                         QStringLiteral("cannot copy %1: %2").arg(source, in.errorString()));
    return {};
}

/// Every file below `dir` as a path relative to it ('/' separators), sorted.
QStringList filesBelow(const QString &dir)
{
    QStringList files;
    QDirIterator it(dir, QDir::Files | QDir::Hidden | QDir::System, QDirIterator::Subdirectories);
    const QDir root(dir);
    while (it.hasNext())
        files << root.relativeFilePath(it.next());
    std::sort(files.begin(), files.end());
    return files;
}

/// The output folder: absent (created) or an empty folder.
Result<QString> preparePackageDir(const QString &outDir)
{
    const QFileInfo fi(outDir);
    const QString dir = QDir::cleanPath(fi.absoluteFilePath());
    if (fi.exists() && !fi.isDir())
        return makeError(ErrorCode::InvalidArgument, dir, QStringLiteral("exists and is not a folder"));
    if (fi.isDir() && !QDir(dir).isEmpty(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden | QDir::System))
        return makeError(ErrorCode::InvalidArgument, dir, QStringLiteral("the package folder must be new or empty"));
    if (!QDir().mkpath(dir)) return makeError(ErrorCode::WriteFailed, dir, QStringLiteral("cannot create the folder"));
    return dir;
}

/// The run's results/*.csv and *.json, epochs.csv and config.json into the package.
Result<void> copyRunFiles(const RunFolder &run, const QString &package)
{
    if (auto r = copyInto(run.configFile(), package, QStringLiteral("config.json")); !r) return r;
    const QDir results(run.resultsDir());
    for (const QFileInfo &f :
         results.entryInfoList({QStringLiteral("*.csv"), QStringLiteral("*.json")}, QDir::Files, QDir::Name))
        if (auto r = copyInto(f.filePath(), package, QStringLiteral("results/") + f.fileName()); !r) return r;
    if (QFileInfo::exists(run.epochsFile()))
        if (auto r = copyInto(run.epochsFile(), package, QStringLiteral("epochs.csv")); !r) return r;
    return {};
}

/// The exported model and its sidecar (`<base>.json` beside it) into model/; the model's path.
Result<QString> copyModel(const QString &model, const QString &package)
{
    const QFileInfo fi(model);
    if (!fi.isFile()) return makeError(ErrorCode::NotFound, model, QStringLiteral("exported model not found"));
    const QString sidecar = QDir(fi.absolutePath()).filePath(fi.completeBaseName() + QStringLiteral(".json"));
    if (!QFileInfo::exists(sidecar))
        return makeError(ErrorCode::NotFound, sidecar, QStringLiteral("the exported model's sidecar is missing"));
    const QString relative = QStringLiteral("model/") + fi.fileName();
    if (auto r = copyInto(model, package, relative); !r) return r.error();
    if (auto r = copyInto(sidecar, package, QStringLiteral("model/") + QFileInfo(sidecar).fileName()); !r)
        return r.error();
    return relative;
}

/// The dataset part of package.json; copies the manifest and writes manifest.sha256.
Result<QJsonObject> copyManifest(const QJsonObject &header, const QString &configFile, const QString &package)
{
    const QJsonObject dataset = header.value(QStringLiteral("dataset")).toObject();
    const QString manifest = dataset.value(QStringLiteral("manifest")).toString();
    if (manifest.isEmpty())
        return makeError(ErrorCode::Malformed, configFile, QStringLiteral("the run records no dataset manifest"));
    if (!QFileInfo(manifest).isFile())
        return makeError(ErrorCode::NotFound, manifest, QStringLiteral("the run's dataset manifest is not there"));
    const QString relative = QStringLiteral("dataset/") + QFileInfo(manifest).fileName();
    if (auto r = copyInto(manifest, package, relative); !r) return r.error();
    auto hash = fileSha256(QDir(package).filePath(relative));
    if (!hash) return hash.error();
    const QString line = *hash + QStringLiteral("  ") + relative + QLatin1Char('\n');
    if (auto w = fileio::writeAtomically(QDir(package).filePath(kManifestHash), line.toUtf8()); !w) return w.error();
    return QJsonObject{{"manifest", relative},
                       {"originalManifest", QFileInfo(manifest).absoluteFilePath()},
                       {"sha256", *hash},
                       {"recordedSha256", dataset.value(QStringLiteral("sha256"))}};
}

/// A listed path that stays inside the package.
bool safeRelative(const QString &path)
{
    return !path.isEmpty() && !QDir::isAbsolutePath(path) &&
           !path.split(QLatin1Char('/')).contains(QStringLiteral(".."));
}

/// manifest.sha256 names the manifest with its hash, and that hash is package.json's.
Result<void> checkManifestHash(const QString &dir, const QJsonObject &package)
{
    const QString file = QDir(dir).filePath(kManifestHash);
    auto bytes = fileio::readAll(file);
    if (!bytes) return bytes.error();
    const QStringList parts = QString::fromUtf8(*bytes).trimmed().split(QStringLiteral("  "));
    const QJsonObject dataset = package.value(QStringLiteral("dataset")).toObject();
    const QString manifest = dataset.value(QStringLiteral("manifest")).toString();
    if (parts.size() != 2 || parts[1] != manifest || !safeRelative(manifest))
        return makeError(ErrorCode::Malformed, file,
                         QStringLiteral("expected \"<sha256>  %1\", as sha256sum writes it").arg(manifest));
    auto actual = fileSha256(QDir(dir).filePath(manifest));
    if (!actual) return actual.error();
    if (parts[0] != *actual || dataset.value(QStringLiteral("sha256")).toString() != *actual)
        return makeError(ErrorCode::Malformed, QDir(dir).filePath(manifest),
                         QStringLiteral("the manifest's SHA-256 is %1, the package records %2").arg(*actual, parts[0]));
    return {};
}

} // namespace

Result<QString> fileSha256(const QString &file)
{
    QFile f(file);
    if (!f.exists()) return makeError(ErrorCode::NotFound, file, QStringLiteral("file not found"));
    if (!f.open(QIODevice::ReadOnly)) return makeError(ErrorCode::Unreadable, file, f.errorString());
    QCryptographicHash h(QCryptographicHash::Sha256);
    if (!h.addData(&f)) return makeError(ErrorCode::Unreadable, file, QStringLiteral("cannot read the file"));
    return QString::fromLatin1(h.result().toHex());
}

Result<QString> writeStudyPackage(const StudyPackageInput &input, const QString &outDir)
{
    auto run = RunFolder::open(input.runDir);
    if (!run) return run.error();
    auto header = run->readHeader();
    if (!header) return header.error();
    QSet<QString> reportNames;
    for (const QString &report : input.reportFiles) {
        if (!QFileInfo(report).isFile())
            return makeError(ErrorCode::NotFound, report, QStringLiteral("file not found"));
        if (reportNames.contains(QFileInfo(report).fileName()))
            return makeError(ErrorCode::InvalidArgument, report,
                             QStringLiteral("another report file has the same name"));
        reportNames.insert(QFileInfo(report).fileName());
    }
    auto dir = preparePackageDir(outDir);
    if (!dir) return dir.error();
    const QString package = *dir;

    if (auto r = copyRunFiles(*run, package); !r) return r.error();
    auto dataset = copyManifest(*header, run->configFile(), package);
    if (!dataset) return dataset.error();
    QJsonObject root{{"format", QLatin1String(kStudyPackageFormat)},
                     {"formatVersion", kStudyPackageVersion},
                     {"created", QDateTime::currentDateTimeUtc().toString(Qt::ISODate)},
                     {"dataset", *dataset}};
    root.insert(QStringLiteral("run"),
                QJsonObject{{"name", run->name()},
                            {"dir", run->dir()},
                            {"strategy",
                             header->value(QStringLiteral("config")).toObject().value(QStringLiteral("strategy"))}});
    if (!input.exportedModel.isEmpty()) {
        auto model = copyModel(input.exportedModel, package);
        if (!model) return model.error();
        root.insert(QStringLiteral("model"), *model);
    }
    for (const QString &report : input.reportFiles)
        if (auto r = copyInto(report, package, QStringLiteral("reports/") + QFileInfo(report).fileName()); !r)
            return r.error();
    QJsonObject versions = header->value(QStringLiteral("versions")).toObject();
    versions.insert(QStringLiteral("packagedWith"),
                    QJsonObject{{"app", QStringLiteral(FOPRO_VERSION)}, {"qt", QString::fromLatin1(qVersion())}});
    root.insert(QStringLiteral("versions"), versions);
    QJsonArray files;
    for (const QString &relative : filesBelow(package)) {
        const QString path = QDir(package).filePath(relative);
        auto hash = fileSha256(path);
        if (!hash) return hash.error();
        files.append(QJsonObject{{"path", relative}, {"sha256", *hash}, {"bytes", QFileInfo(path).size()}});
    }
    root.insert(QStringLiteral("files"), files);
    if (auto w = fileio::writeJson(QDir(package).filePath(kPackageJson), root); !w) return w.error();
    return package;
}

bool isStudyPackage(const QString &dir)
{
    const QString file = QDir(dir).filePath(kPackageJson);
    if (!QFileInfo(dir).isDir() || !QFileInfo(file).isFile()) return false;
    auto json = fileio::readJsonObject(file);
    return json && json->value(QStringLiteral("format")).toString() == QLatin1String(kStudyPackageFormat);
}

Result<QJsonObject> readStudyPackage(const QString &packageDir)
{
    const QString file = QDir(packageDir).filePath(kPackageJson);
    if (!QFileInfo(file).isFile())
        return makeError(ErrorCode::NotFound, file, QStringLiteral("no package.json: not a study package"));
    auto json = fileio::readJsonObject(file);
    if (!json) return json.error();
    if (json->value(QStringLiteral("format")).toString() != QLatin1String(kStudyPackageFormat))
        return makeError(ErrorCode::Malformed, file, QStringLiteral("not a FoPro-KD study package (format tag)"));
    const int version = json->value(QStringLiteral("formatVersion")).toInt(0);
    if (version < 1) return makeError(ErrorCode::Malformed, file, QStringLiteral("no valid formatVersion"));
    if (version > kStudyPackageVersion)
        return makeError(ErrorCode::Unsupported, file,
                         QStringLiteral("format version %1 is newer than this program reads (%2)")
                             .arg(version)
                             .arg(kStudyPackageVersion));
    if (!json->value(QStringLiteral("files")).isArray() || !json->value(QStringLiteral("dataset")).isObject())
        return makeError(ErrorCode::Malformed, file, QStringLiteral("no \"files\" list or \"dataset\" object"));
    return json;
}

Result<void> verifyStudyPackage(const QString &packageDir)
{
    auto package = readStudyPackage(packageDir);
    if (!package) return package.error();
    const QDir dir(packageDir);
    QSet<QString> listed;
    for (const QJsonValue &v : package->value(QStringLiteral("files")).toArray()) {
        const QString relative = v.toObject().value(QStringLiteral("path")).toString();
        const QString expected = v.toObject().value(QStringLiteral("sha256")).toString();
        if (!safeRelative(relative))
            return makeError(ErrorCode::Malformed, dir.filePath(kPackageJson),
                             QStringLiteral("a listed path leaves the package: \"%1\"").arg(relative));
        listed.insert(relative);
        const QString path = dir.filePath(relative);
        if (!QFileInfo(path).isFile())
            return makeError(ErrorCode::NotFound, path, QStringLiteral("listed in package.json but missing"));
        auto actual = fileSha256(path);
        if (!actual) return actual.error();
        if (*actual != expected)
            return makeError(
                ErrorCode::Malformed, path,
                QStringLiteral("SHA-256 is %1, package.json records %2 (the file changed)").arg(*actual, expected));
    }
    for (const QString &relative : filesBelow(packageDir))
        if (relative != kPackageJson && !listed.contains(relative))
            return makeError(ErrorCode::Malformed, dir.filePath(relative),
                             QStringLiteral("not listed in package.json (added after packaging)"));
    return checkManifestHash(packageDir, *package);
}

} // namespace fopro::project
