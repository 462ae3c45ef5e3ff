// DICOM files: a single file, or a folder walked recursively. Each file's header is read (never its
// pixels); a file that is not a decodable image (JPEG 2000, RT Plan, SR, truncated...) is listed as
// a problem with the reason and the import goes on. One sample per file (its first frame), or one
// per frame when asked. Labels come from a sidecar CSV (file,label), else from a DICOM attribute
// (e.g. BodyPartExamined), else the samples are unlabelled. The patient id is the group, so
// group-aware splits keep a patient's images together.

#include "core/data/csvreader.h"
#include "core/data/dicomreader.h"
#include "core/data/dicomscan.h"
#include "core/data/importers.h"
#include "core/data/importhelpers.h"

#include <QtCore/QDir>
#include <QtCore/QDirIterator>
#include <QtCore/QFileInfo>
#include <QtCore/QHash>
#include <QtCore/QSet>

#include <algorithm>

namespace fopro::data {

namespace {

constexpr int kProbeFiles = 50;

QString normalisedRelative(const QString &path)
{
    return QDir::cleanPath(QString(path).replace(QLatin1Char('\\'), QLatin1Char('/')));
}

/// Labels from a sidecar CSV: by path relative to the dataset root, and by bare file name when that
/// name is listed only once.
class SidecarLabels {
public:
    struct Entry {
        QString label;
        int line = 0;
        bool used = false;
    };

    Result<void> load(const QString &csvFile, const DatasetIndex &index, std::vector<ImportProblem> *problems)
    {
        m_file = csvFile;
        Result<CsvTable> table = readCsv(csvFile);
        if (!table) return table.error();
        int fileCol = table->column(QStringLiteral("file"));
        if (fileCol < 0) fileCol = table->column(QStringLiteral("path"));
        const int labelCol = table->column(QStringLiteral("label"));
        if (fileCol < 0 || labelCol < 0)
            return makeError(
                ErrorCode::Malformed, csvFile,
                QStringLiteral("the sidecar CSV needs a 'file' (or 'path') column and a 'label' column; found: %1")
                    .arg(table->columnList()));
        const QDir csvDir = QFileInfo(csvFile).absoluteDir();
        for (std::size_t i = 0; i < table->rows.size(); ++i) {
            const QStringList &row = table->rows[i];
            const QString where = QStringLiteral("%1:%2").arg(csvFile).arg(table->lines[i]);
            const QString listed = row[fileCol].trimmed();
            if (listed.isEmpty()) {
                problems->push_back({where, QStringLiteral("row without a file name; ignored")});
                continue;
            }
            m_entries.push_back({row[labelCol].trimmed(), table->lines[i], false});
            const int id = int(m_entries.size()) - 1;
            const QString clean = normalisedRelative(listed);
            QStringList keys;
            if (QDir::isAbsolutePath(clean)) {
                keys << index.storedPath(clean);
            } else {
                keys << clean;                                                     // relative to the dataset root
                keys << index.storedPath(QDir::cleanPath(csvDir.filePath(clean))); // relative to the CSV
            }
            for (const QString &key : keys)
                m_byPath.insert(key, id);
            const QString name = QFileInfo(clean).fileName();
            auto it = m_byName.find(name);
            if (it == m_byName.end())
                m_byName.insert(name, id);
            else if (*it != id)
                m_ambiguousNames.insert(name);
        }
        return {};
    }

    bool isEmpty() const { return m_file.isEmpty(); }
    QString file() const { return m_file; }

    /// The entry for a file stored as `relativePath`, or null.
    Entry *find(const QString &relativePath)
    {
        auto it = m_byPath.constFind(relativePath);
        if (it != m_byPath.constEnd()) return &m_entries[std::size_t(*it)];
        const QString name = QFileInfo(relativePath).fileName();
        if (m_ambiguousNames.contains(name)) return nullptr;
        auto nit = m_byName.constFind(name);
        if (nit != m_byName.constEnd()) return &m_entries[std::size_t(*nit)];
        return nullptr;
    }

    const std::vector<Entry> &entries() const { return m_entries; }

private:
    QString m_file;
    std::vector<Entry> m_entries;
    QHash<QString, int> m_byPath;
    QHash<QString, int> m_byName;
    QSet<QString> m_ambiguousNames;
};

class DicomImporter final : public Importer {
public:
    QString id() const override { return QStringLiteral("dicom"); }
    QString displayName() const override { return QStringLiteral("DICOM files"); }

    int probe(const QString &path) const override
    {
        const QFileInfo fi(path);
        if (fi.isFile()) {
            const QString name = fi.fileName();
            return (isDicomDirName(name) || looksLikeDicom(fi.absoluteFilePath(), name)) ? 80 : 0;
        }
        if (!fi.isDir()) return 0;
        int dicom = 0;
        int other = 0;
        QDirIterator it(fi.absoluteFilePath(), QDir::Files | QDir::NoDotAndDotDot, QDirIterator::Subdirectories);
        while (it.hasNext() && dicom + other < kProbeFiles) {
            it.next();
            const QString name = it.fileName();
            if (isImageFileName(name)) return 0; // ordinary images: a job for the other importers
            if (isDicomDirName(name) || looksLikeDicom(it.filePath(), name))
                ++dicom;
            else if (!isSideFileName(name))
                ++other;
        }
        return (dicom > 0 && dicom > other) ? 70 : 0;
    }

    Result<ImportResult> run(const QString &path, const ImportOptions &options, JobControl *cancel) const override
    {
        const QFileInfo fi(path);
        if (!fi.exists()) return makeError(ErrorCode::NotFound, path, QStringLiteral("no such file or folder"));

        ImportResult r;
        DatasetIndex &d = r.index;
        d.format = id();
        const bool walkFolder = fi.isDir() || isDicomDirName(fi.fileName()); // a DICOMDIR stands for its folder
        d.root = QDir::cleanPath(fi.isDir() ? fi.absoluteFilePath() : fi.absolutePath());

        // The label attribute is checked before any work: a typo should fail at once.
        QStringList extra;
        if (!options.dicomLabelAttribute.trimmed().isEmpty()) {
            Result<DicomTag> tag = parseDicomTag(options.dicomLabelAttribute);
            if (!tag) return makeError(ErrorCode::InvalidArgument, QString(), tag.error().detail);
            extra << options.dicomLabelAttribute;
        }

        // The files, in a stable order, with their headers (the walk the DICOM browser uses too).
        Result<DicomScan> scan = scanDicom(walkFolder ? d.root : QDir::cleanPath(fi.absoluteFilePath()), extra, cancel);
        if (!scan) {
            if (scan.error().code == ErrorCode::Cancelled)
                return makeError(ErrorCode::Cancelled, path, QStringLiteral("import cancelled"));
            return scan.error();
        }
        const int skipped = scan->otherFiles;
        if (scan->entries.empty())
            return makeError(ErrorCode::NotFound, path,
                             QStringLiteral("no DICOM files found (.dcm files or files with a DICOM header)"));

        SidecarLabels sidecar;
        if (!options.sidecarCsv.trimmed().isEmpty()) {
            Result<void> loaded = sidecar.load(options.sidecarCsv, d, &r.problems);
            if (!loaded) return loaded.error();
        }

        int imported = 0;
        for (const DicomScanEntry &entry : scan->entries) {
            if (isCancelled(cancel)) return makeError(ErrorCode::Cancelled, path, QStringLiteral("import cancelled"));
            const QString rel = d.storedPath(entry.file);
            SidecarLabels::Entry *listed = sidecar.isEmpty() ? nullptr : sidecar.find(rel);
            if (listed) listed->used = true;

            if (!entry.ok) {
                r.problems.push_back({rel, entry.reason + QStringLiteral("; skipped"), entry.notAnImage});
                continue;
            }
            const DicomInfo *info = &entry.info;
            ++imported;

            QString labelText;
            if (listed && !listed->label.isEmpty()) {
                labelText = listed->label;
            } else if (!extra.isEmpty()) {
                const auto value = info->requested.constFind(extra.front());
                if (value == info->requested.constEnd())
                    r.problems.push_back({rel, QStringLiteral("attribute %1 not present; imported unlabelled")
                                                   .arg(options.dicomLabelAttribute)});
                else if (value->isEmpty())
                    r.problems.push_back({rel, QStringLiteral("attribute %1 is empty; imported unlabelled")
                                                   .arg(options.dicomLabelAttribute)});
                else
                    labelText = *value;
            } else if (!sidecar.isEmpty()) {
                r.problems.push_back({rel, listed
                                               ? QStringLiteral("empty label in the sidecar CSV; imported unlabelled")
                                               : QStringLiteral("not listed in the sidecar CSV; imported unlabelled")});
            }
            const int label = labelText.isEmpty() ? -1 : d.ensureClass(labelText);

            const int frames = options.dicomAllFrames ? std::max(1, info->frames) : 1;
            for (int frame = 0; frame < frames; ++frame) {
                Sample s;
                s.path = rel;
                s.kind = SourceKind::DicomFrame;
                s.entry = frame;
                s.label = s.originalLabel = label;
                s.group = info->patientId;
                s.meta = info->meta;
                d.samples.push_back(std::move(s));
            }
        }

        if (!sidecar.isEmpty()) {
            for (const SidecarLabels::Entry &e : sidecar.entries())
                if (!e.used)
                    r.problems.push_back(
                        {QStringLiteral("%1:%2").arg(sidecar.file()).arg(e.line),
                         QStringLiteral("listed in the sidecar CSV but no such DICOM file was found")});
        }

        detail::sortClassesNaturally(d);

        if (!walkFolder) d.info.insert(QStringLiteral("file"), d.storedPath(QDir::cleanPath(fi.absoluteFilePath())));
        d.info.insert(QStringLiteral("dicomFiles"), int(scan->entries.size()));
        d.info.insert(QStringLiteral("importedFiles"), imported);
        if (skipped > 0) d.info.insert(QStringLiteral("otherFilesSkipped"), skipped);
        if (!extra.isEmpty()) d.info.insert(QStringLiteral("labelAttribute"), options.dicomLabelAttribute);
        if (!sidecar.isEmpty())
            d.info.insert(QStringLiteral("sidecarCsv"), d.storedPath(QFileInfo(sidecar.file()).absoluteFilePath()));
        d.info.insert(QStringLiteral("allFrames"), options.dicomAllFrames);
        return r;
    }
};

} // namespace

std::unique_ptr<Importer> makeDicomImporter()
{
    return std::make_unique<DicomImporter>();
}

} // namespace fopro::data
