#include "core/data/datasetindex.h"

#include "core/common/fileio.h"

#include <QtCore/QDir>
#include <QtCore/QFile>
#include <QtCore/QFileInfo>
#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>

namespace fopro::data {

namespace {
constexpr int kManifestVersion = 1;
const QString kMagic = QStringLiteral("fopro-dataset");
} // namespace

int DatasetIndex::ensureClass(const QString &name)
{
    int i = classIndex(name);
    if (i >= 0) return i;
    classes.append(name);
    return int(classes.size()) - 1;
}

QString DatasetIndex::absolutePath(const Sample &sample) const
{
    if (QDir::isAbsolutePath(sample.path) || root.isEmpty()) return sample.path;
    return QDir(root).filePath(sample.path);
}

QString DatasetIndex::storedPath(const QString &absolutePath) const
{
    if (root.isEmpty()) return absolutePath;
    const QString rel = QDir(root).relativeFilePath(absolutePath);
    if (rel.startsWith(QLatin1String("../")) || rel == QLatin1String("..") || QDir::isAbsolutePath(rel))
        return QDir::cleanPath(absolutePath);
    return rel;
}

std::vector<int> DatasetIndex::classCounts(std::optional<Split> split) const
{
    std::vector<int> counts(std::size_t(classes.size()), 0);
    for (const Sample &s : samples) {
        if (!isActive(s) || s.label >= int(counts.size())) continue;
        if (split && s.split != *split) continue;
        ++counts[std::size_t(s.label)];
    }
    return counts;
}

void DatasetIndex::reorderClasses(const QStringList &order)
{
    std::vector<int> map(std::size_t(classes.size()), -1);
    for (int i = 0; i < classes.size(); ++i)
        map[std::size_t(i)] = int(order.indexOf(classes[i]));
    for (Sample &s : samples) {
        if (s.label >= 0) s.label = map[std::size_t(s.label)];
        if (s.originalLabel >= 0) s.originalLabel = map[std::size_t(s.originalLabel)];
    }
    classes = order;
}

QJsonObject DatasetIndex::toJson(const QString &manifestDir) const
{
    QJsonObject o;
    o[QStringLiteral("kind")] = kMagic;
    o[QStringLiteral("version")] = kManifestVersion;
    o[QStringLiteral("format")] = format;
    // The root is stored relative to the manifest when possible, so a project folder can move.
    QString storedRoot = root;
    if (!manifestDir.isEmpty() && !root.isEmpty()) {
        const QString rel = QDir(manifestDir).relativeFilePath(root);
        if (!rel.startsWith(QLatin1String("../../"))) storedRoot = rel;
    }
    o[QStringLiteral("root")] = storedRoot;
    o[QStringLiteral("classes")] = QJsonArray::fromStringList(classes);
    o[QStringLiteral("info")] = QJsonObject::fromVariantMap(info);
    QJsonArray arr;
    for (const Sample &s : samples) {
        QJsonObject j;
        j[QStringLiteral("path")] = s.path;
        if (s.kind != SourceKind::File) {
            j[QStringLiteral("kind")] = sourceKindName(s.kind);
            j[QStringLiteral("entry")] = s.entry;
        }
        j[QStringLiteral("label")] = s.label;
        if (s.originalLabel != s.label) j[QStringLiteral("original")] = s.originalLabel;
        if (s.split != Split::None) j[QStringLiteral("split")] = splitName(s.split);
        if (!s.group.isEmpty()) j[QStringLiteral("group")] = s.group;
        if (s.flags) j[QStringLiteral("flags")] = int(s.flags);
        if (!s.meta.isEmpty()) {
            QJsonObject m;
            for (auto it = s.meta.cbegin(); it != s.meta.cend(); ++it)
                m[it.key()] = it.value();
            j[QStringLiteral("meta")] = m;
        }
        arr.append(j);
    }
    o[QStringLiteral("samples")] = arr;
    return o;
}

Result<DatasetIndex> DatasetIndex::fromJson(const QJsonObject &o, const QString &manifestDir, const QString &file)
{
    if (o.value(QStringLiteral("kind")).toString() != kMagic)
        return makeError(ErrorCode::Malformed, file,
                         QStringLiteral("not a dataset manifest (missing \"kind\": \"fopro-dataset\")"));
    const int version = o.value(QStringLiteral("version")).toInt(-1);
    if (version < 1 || version > kManifestVersion)
        return makeError(ErrorCode::Unsupported, file,
                         QStringLiteral("manifest version %1 is not supported (this build reads up to %2)")
                             .arg(version)
                             .arg(kManifestVersion));
    DatasetIndex d;
    d.format = o.value(QStringLiteral("format")).toString();
    d.root = o.value(QStringLiteral("root")).toString();
    if (!d.root.isEmpty() && QDir::isRelativePath(d.root) && !manifestDir.isEmpty())
        d.root = QDir::cleanPath(QDir(manifestDir).filePath(d.root));
    for (const QJsonValue &v : o.value(QStringLiteral("classes")).toArray())
        d.classes.append(v.toString());
    d.info = o.value(QStringLiteral("info")).toObject().toVariantMap();
    const QJsonArray arr = o.value(QStringLiteral("samples")).toArray();
    d.samples.reserve(std::size_t(arr.size()));
    int row = 0;
    for (const QJsonValue &v : arr) {
        const QJsonObject j = v.toObject();
        Sample s;
        s.path = j.value(QStringLiteral("path")).toString();
        if (s.path.isEmpty())
            return makeError(ErrorCode::Malformed, file, QStringLiteral("sample %1 has no path").arg(row));
        if (!parseSourceKind(j.value(QStringLiteral("kind")).toString(), &s.kind))
            return makeError(ErrorCode::Malformed, file, QStringLiteral("sample %1 has an unknown kind").arg(row));
        s.entry = j.value(QStringLiteral("entry")).toInt();
        s.label = j.value(QStringLiteral("label")).toInt(-1);
        if (s.label >= d.classes.size() || s.label < -1)
            return makeError(ErrorCode::Malformed, file,
                             QStringLiteral("sample %1 has label %2 but there are %3 classes")
                                 .arg(row)
                                 .arg(s.label)
                                 .arg(d.classes.size()));
        s.originalLabel =
            j.contains(QStringLiteral("original")) ? j.value(QStringLiteral("original")).toInt(-1) : s.label;
        if (!parseSplit(j.value(QStringLiteral("split")).toString(), &s.split))
            return makeError(ErrorCode::Malformed, file, QStringLiteral("sample %1 has an unknown split").arg(row));
        s.group = j.value(QStringLiteral("group")).toString();
        s.flags = std::uint8_t(j.value(QStringLiteral("flags")).toInt());
        const QJsonObject m = j.value(QStringLiteral("meta")).toObject();
        for (auto it = m.begin(); it != m.end(); ++it)
            s.meta.insert(it.key(), it.value().toString());
        d.samples.push_back(std::move(s));
        ++row;
    }
    return d;
}

Result<void> DatasetIndex::save(const QString &file) const
{
    return fileio::writeJson(file, toJson(QFileInfo(file).absolutePath()));
}

Result<DatasetIndex> DatasetIndex::load(const QString &file)
{
    const auto object = fileio::readJsonObject(file);
    if (!object) return object.error();
    return fromJson(*object, QFileInfo(file).absolutePath(), file);
}

} // namespace fopro::data
