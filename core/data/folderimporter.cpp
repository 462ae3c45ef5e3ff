// A folder per class, at any depth: every image's class is the name of the folder it sits in (the
// leaf folder), so HyperKvasir's labeled-images/<tract>/<category>/<class>/*.jpg gives its 23
// classes. When an `image-labels.csv` (HyperKvasir: Video file, Finding, Organ, Classification) is
// found at the top or one level down, its Finding is the label and its other columns become
// metadata; disagreements with the folder are reported.

#include "core/data/csvreader.h"
#include "core/data/imageloader.h"
#include "core/data/importers.h"
#include "core/data/importhelpers.h"

#include <QtCore/QDir>
#include <QtCore/QDirIterator>
#include <QtCore/QFileInfo>
#include <QtCore/QSet>

#include <algorithm>

namespace fopro::data {

namespace {

QString findLabelsCsv(const QString &root)
{
    const QDir dir(root);
    if (dir.exists(QStringLiteral("image-labels.csv"))) return dir.filePath(QStringLiteral("image-labels.csv"));
    const QFileInfoList subs = dir.entryInfoList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name);
    for (const QFileInfo &s : subs) {
        const QString candidate = QDir(s.absoluteFilePath()).filePath(QStringLiteral("image-labels.csv"));
        if (QFileInfo::exists(candidate)) return candidate;
    }
    return {};
}

/// True when some folder below `root` (up to `maxDepth`) holds an image file; looks at a bounded
/// number of entries so probing a huge tree stays instant.
bool hasClassFolders(const QString &root)
{
    QDirIterator it(root, QDir::Files | QDir::NoDotAndDotDot, QDirIterator::Subdirectories);
    int seen = 0;
    const QString rootClean = QDir(root).absolutePath();
    while (it.hasNext() && seen < 2000) {
        it.next();
        ++seen;
        if (isImageFileName(it.fileName()) && it.fileInfo().absolutePath() != rootClean) return true;
    }
    return false;
}

class FolderImporter final : public Importer {
public:
    QString id() const override { return QStringLiteral("folder"); }
    QString displayName() const override { return QStringLiteral("Folder per class"); }

    int probe(const QString &path) const override
    {
        if (!QFileInfo(path).isDir() || !hasClassFolders(path)) return 0;
        // HyperKvasir's layout is recognised with more confidence than any folder tree.
        if (!findLabelsCsv(path).isEmpty() || QDir(path).dirName() == QLatin1String("labeled-images") ||
            QFileInfo::exists(QDir(path).filePath(QStringLiteral("labeled-images"))))
            return 60;
        return 10;
    }

    Result<ImportResult> run(const QString &path, const ImportOptions &options, JobControl *cancel) const override
    {
        const QFileInfo rootInfo(path);
        if (!rootInfo.isDir()) return makeError(ErrorCode::NotFound, path, QStringLiteral("not a folder"));
        ImportResult r;
        DatasetIndex &d = r.index;
        d.format = id();
        d.root = rootInfo.absoluteFilePath();
        const QString rootClean = QDir(d.root).absolutePath();

        struct Found {
            QString rel;
            QString cls;
        };
        std::vector<Found> found;
        QDirIterator it(d.root, QDir::Files | QDir::NoDotAndDotDot, QDirIterator::Subdirectories);
        int visited = 0;
        while (it.hasNext()) {
            it.next();
            if ((++visited & 1023) == 0 && isCancelled(cancel))
                return makeError(ErrorCode::Cancelled, path, QStringLiteral("import cancelled"));
            const QString name = it.fileName();
            if (name.startsWith(QLatin1Char('.')) || !isImageFileName(name)) continue;
            const QFileInfo fi = it.fileInfo();
            const QString rel = QDir(d.root).relativeFilePath(fi.absoluteFilePath());
            if (fi.absolutePath() == rootClean) {
                r.problems.push_back({rel, QStringLiteral("not inside a class folder; skipped")});
                continue;
            }
            if (fi.size() == 0) {
                r.problems.push_back({rel, QStringLiteral("empty file (0 bytes); skipped")});
                continue;
            }
            if (options.checkFiles) {
                const QString reason = unusableImageFileReason(fi.absoluteFilePath());
                if (!reason.isEmpty()) {
                    r.problems.push_back({rel, reason + QStringLiteral("; skipped")});
                    continue;
                }
            }
            found.push_back({rel, fi.dir().dirName()});
        }
        // Names that are not valid UTF-8 (written on another system): Qt's listing above cannot
        // name them and leaves them out, so they are found with a raw walk and reported.
        for (const QString &bad : detail::undecodableNames(d.root))
            r.problems.push_back({bad, QStringLiteral("the name is not valid UTF-8 (shown with \uFFFD), so the "
                                                      "file or folder cannot be opened by name; rename it; skipped")});
        // Class folders are leaf folders: images lying in a folder that also has class folders below
        // it (e.g. labeled-images/stray.jpg beside labeled-images/<tract>/...) have no class.
        QSet<QString> ancestors;
        for (const Found &f : found) {
            QString dir = QFileInfo(f.rel).path();
            while (dir.contains(QLatin1Char('/'))) {
                dir = dir.left(dir.lastIndexOf(QLatin1Char('/')));
                if (ancestors.contains(dir)) break;
                ancestors.insert(dir);
            }
        }
        found.erase(
            std::remove_if(
                found.begin(), found.end(),
                [&](const Found &f) {
                    if (!ancestors.contains(QFileInfo(f.rel).path())) return false;
                    r.problems.push_back({f.rel, QStringLiteral("lies beside class folders, not inside one; skipped")});
                    return true;
                }),
            found.end());
        std::sort(found.begin(), found.end(), [](const Found &a, const Found &b) { return a.rel < b.rel; });

        // Optional HyperKvasir label table, keyed by file name without extension.
        struct CsvLabel {
            QString finding;
            QMap<QString, QString> meta;
            bool used = false;
        };
        QHash<QString, CsvLabel> csvLabels;
        const QString labelsCsv = findLabelsCsv(d.root);
        if (!labelsCsv.isEmpty()) {
            auto table = readCsv(labelsCsv);
            if (!table) return table.error();
            const int fileCol = table->column(QStringLiteral("Video file")) >= 0
                                    ? table->column(QStringLiteral("Video file"))
                                    : table->column(QStringLiteral("image"));
            const int findingCol = table->column(QStringLiteral("Finding"));
            if (fileCol < 0 || findingCol < 0)
                return makeError(
                    ErrorCode::Malformed, labelsCsv,
                    QStringLiteral("expected columns 'Video file' and 'Finding'; found: %1").arg(table->columnList()));
            for (std::size_t i = 0; i < table->rows.size(); ++i) {
                const QStringList &row = table->rows[i];
                CsvLabel l;
                l.finding = row[findingCol];
                for (int c = 0; c < table->header.size(); ++c)
                    if (c != fileCol && c != findingCol && !row[c].isEmpty()) l.meta.insert(table->header[c], row[c]);
                csvLabels.insert(QFileInfo(row[fileCol]).completeBaseName(), l);
            }
            d.info.insert(QStringLiteral("labelsCsv"), d.storedPath(labelsCsv));
        }

        d.samples.reserve(found.size());
        for (const Found &f : found) {
            QString cls = f.cls;
            Sample s;
            s.path = f.rel;
            if (!csvLabels.isEmpty()) {
                auto cit = csvLabels.find(QFileInfo(f.rel).completeBaseName());
                if (cit != csvLabels.end()) {
                    cit->used = true;
                    s.meta = cit->meta;
                    if (!cit->finding.isEmpty() && cit->finding != cls) {
                        r.problems.push_back(
                            {f.rel, QStringLiteral(
                                        "image-labels.csv says '%1' but the folder says '%2'; the CSV label is used")
                                        .arg(cit->finding, cls)});
                        cls = cit->finding;
                    }
                }
            }
            s.label = s.originalLabel = d.ensureClass(cls);
            d.samples.push_back(std::move(s));
        }
        for (auto cit = csvLabels.cbegin(); cit != csvLabels.cend(); ++cit)
            if (!cit->used)
                r.problems.push_back(
                    {d.storedPath(labelsCsv), QStringLiteral("lists '%1' but no such image was found").arg(cit.key())});

        QStringList order = d.classes;
        std::sort(order.begin(), order.end(),
                  [](const QString &a, const QString &b) { return a.compare(b, Qt::CaseInsensitive) < 0; });
        d.reorderClasses(order);
        if (d.samples.empty()) r.problems.push_back({path, QStringLiteral("no image files found in class folders")});
        return r;
    }
};

} // namespace

std::unique_ptr<Importer> makeFolderImporter()
{
    return std::make_unique<FolderImporter>();
}

} // namespace fopro::data
