// Generic CSV: one row per image with a path column and a label column, chosen by name (options) or
// recognised among common names. Relative paths are resolved against the CSV's folder. Optional
// group (patient/lesion/video) and split columns. When the columns cannot be decided, the error
// lists the columns found.

#include "core/data/csvreader.h"
#include "core/data/importers.h"
#include "core/data/importhelpers.h"

#include <QtCore/QDir>
#include <QtCore/QFileInfo>
#include <QtCore/QHash>

#include <optional>

namespace fopro::data {

namespace {

const QStringList kPathNames = {QStringLiteral("path"),      QStringLiteral("file"),       QStringLiteral("filename"),
                                QStringLiteral("file_name"), QStringLiteral("filepath"),   QStringLiteral("file_path"),
                                QStringLiteral("image"),     QStringLiteral("image_path"), QStringLiteral("image_file"),
                                QStringLiteral("img"),       QStringLiteral("image_id")};
const QStringList kLabelNames = {QStringLiteral("label"),  QStringLiteral("class"),    QStringLiteral("class_name"),
                                 QStringLiteral("target"), QStringLiteral("category"), QStringLiteral("diagnosis"),
                                 QStringLiteral("dx"),     QStringLiteral("finding")};
const QStringList kGroupNames = {QStringLiteral("group"),     QStringLiteral("patient"), QStringLiteral("patient_id"),
                                 QStringLiteral("lesion_id"), QStringLiteral("subject"), QStringLiteral("subject_id"),
                                 QStringLiteral("video"),     QStringLiteral("video_id")};
const QStringList kSplitNames = {QStringLiteral("split"), QStringLiteral("set"), QStringLiteral("subset"),
                                 QStringLiteral("partition")};

/// Resolves a column: the one named in `wanted` (error when absent), else the unique header among
/// `candidates` (error when several match; -1 when none and `required` is false).
Result<int> chooseColumn(const CsvTable &t, const QString &wanted, const QStringList &candidates, const QString &role,
                         bool required)
{
    if (!wanted.isEmpty()) {
        const int c = t.column(wanted);
        if (c < 0)
            return makeError(
                ErrorCode::Malformed, t.file,
                QStringLiteral("no %1 column named '%2'; columns found: %3").arg(role, wanted, t.columnList()));
        return c;
    }
    QList<int> hits;
    for (int c = 0; c < t.header.size(); ++c)
        if (candidates.contains(t.header[c].toLower())) hits << c;
    if (hits.size() > 1) {
        QStringList names;
        for (int c : hits)
            names << t.header[c];
        return makeError(ErrorCode::Ambiguous, t.file,
                         QStringLiteral("several columns could hold the %1 (%2); choose one. Columns found: %3")
                             .arg(role, names.join(QStringLiteral(", ")), t.columnList()));
    }
    if (hits.isEmpty()) {
        if (!required) return -1;
        return makeError(ErrorCode::Malformed, t.file,
                         QStringLiteral("no %1 column recognised (expected one of: %2); columns found: %3")
                             .arg(role, candidates.join(QStringLiteral(", ")), t.columnList()));
    }
    return hits.front();
}

class CsvImporter final : public Importer {
public:
    QString id() const override { return QStringLiteral("csv"); }
    QString displayName() const override { return QStringLiteral("CSV with path and label columns"); }

    int probe(const QString &path) const override
    {
        const QFileInfo fi(path);
        return fi.isFile() && fi.suffix().compare(QLatin1String("csv"), Qt::CaseInsensitive) == 0 ? 20 : 0;
    }

    Result<ImportResult> run(const QString &path, const ImportOptions &options, JobControl *cancel) const override
    {
        // Streamed: the header decides the columns, then each row becomes a sample as it is read,
        // so a CSV of a million rows never exists in memory as a table.
        CsvTable columns; // the header only, for choosing the columns and wording errors
        columns.file = path;
        int pathCol = -1, labelCol = -1, groupCol = -1, splitCol = -1;
        std::optional<Error> failure;
        ImportResult r;
        DatasetIndex &d = r.index;
        d.format = id();
        d.root = QFileInfo(path).absolutePath();
        d.info.insert(QStringLiteral("csv"), QFileInfo(path).fileName());
        const QDir base(d.root);
        const QString csvName = QFileInfo(path).fileName();
        const QString rootPrefix = QDir::cleanPath(d.root) + QLatin1Char('/');
        // Each image's first row: a 64-bit hash of its cleaned absolute path → (line, label), the
        // label as an index into `labels`, so a million rows cost little.
        QHash<size_t, std::pair<int, int>> listed;
        QStringList labels;
        QHash<QString, int> labelIndex;
        int outside = 0;
        QString outsideExample;
        qint64 rowsRead = 0;

        auto onHeader = [&](const QStringList &header) -> bool {
            columns.header = header;
            auto p = chooseColumn(columns, options.pathColumn, kPathNames, QStringLiteral("image path"), true);
            auto l = p ? chooseColumn(columns, options.labelColumn, kLabelNames, QStringLiteral("label"), true)
                       : Result<int>(p.error());
            if (!p || !l) {
                failure = !p ? p.error() : l.error();
                return false;
            }
            if (*p == *l) {
                failure = makeError(ErrorCode::Ambiguous, path,
                                    QStringLiteral("the path and label columns are the same ('%1'); columns found: %2")
                                        .arg(header[*p], columns.columnList()));
                return false;
            }
            auto g = chooseColumn(columns, options.groupColumn, kGroupNames, QStringLiteral("group"), false);
            auto sp = g ? chooseColumn(columns, options.splitColumn, kSplitNames, QStringLiteral("split"), false)
                        : Result<int>(g.error());
            if (!g || !sp) {
                failure = !g ? g.error() : sp.error();
                return false;
            }
            pathCol = *p;
            labelCol = *l;
            groupCol = *g;
            splitCol = *sp;
            d.info.insert(QStringLiteral("pathColumn"), header[pathCol]);
            d.info.insert(QStringLiteral("labelColumn"), header[labelCol]);
            return true;
        };

        auto onRow = [&](QStringList &row, int line) -> bool {
            if ((rowsRead++ & 1023) == 0 && isCancelled(cancel)) {
                failure = makeError(ErrorCode::Cancelled, path, QStringLiteral("import cancelled"));
                return false;
            }
            const QString where = QStringLiteral("%1:%2").arg(csvName).arg(line);
            const QString file = row[pathCol];
            const QString label = row[labelCol].trimmed();
            if (file.isEmpty()) {
                r.problems.push_back({where, QStringLiteral("empty path; skipped")});
                return true;
            }
            if (label.isEmpty()) {
                r.problems.push_back({where, QStringLiteral("empty label for %1; skipped").arg(file)});
                return true;
            }
            if (detail::hasControlCharacters(label)) {
                r.problems.push_back({where, QStringLiteral("the label of %1 holds control characters (a line break, a "
                                                            "tab...): \"%2\"; skipped")
                                                 .arg(file, detail::printable(label))});
                return true;
            }
            const QString abs = QDir::cleanPath(base.absoluteFilePath(file));
            const size_t key = qHash(abs, size_t(0x9E3779B97F4A7C15ull));
            int labelAt = labelIndex.value(label, -1);
            if (labelAt < 0) {
                labelAt = int(labels.size());
                labelIndex.insert(label, labelAt);
                labels << label;
            }
            if (const auto first = listed.constFind(key); first != listed.constEnd()) {
                const QString firstLabel = labels.at(first->second);
                r.problems.push_back(
                    {where,
                     firstLabel == label
                         ? QStringLiteral("%1 is listed again (first at line %2); skipped").arg(file).arg(first->first)
                         : QStringLiteral("%1 is listed again with another label, '%2' (first at line %3 as "
                                          "'%4'); the first row is kept")
                               .arg(file, label)
                               .arg(first->first)
                               .arg(firstLabel)});
                return true;
            }
            listed.insert(key, {line, labelAt});
            if (!abs.startsWith(rootPrefix) && ++outside == 1) outsideExample = file;
            if (detail::skipUnusableImage(abs, where, options, &r.problems)) return true;
            Sample s;
            s.path = d.storedPath(abs);
            s.label = s.originalLabel = d.ensureClass(label);
            if (groupCol >= 0) s.group = row[groupCol];
            if (splitCol >= 0 && !parseSplit(row[splitCol], &s.split))
                r.problems.push_back({where, QStringLiteral("unknown split '%1'; left unassigned").arg(row[splitCol])});
            for (int c = 0; c < columns.header.size(); ++c)
                if (c != pathCol && c != labelCol && c != groupCol && c != splitCol && !row[c].isEmpty())
                    s.meta.insert(columns.header[c], row[c]);
            d.samples.push_back(std::move(s));
            return true;
        };

        auto read = readCsvRows(path, onHeader, onRow);
        if (!read) return read.error();
        if (failure) return *failure;
        if (outside > 0)
            r.problems.push_back(
                {path, QStringLiteral("%1 image path(s) lead outside the CSV's folder (e.g. %2); they are read from "
                                      "there, never written")
                           .arg(outside)
                           .arg(outsideExample)});
        detail::sortClassesNaturally(d);
        return r;
    }
};

} // namespace

std::unique_ptr<Importer> makeCsvImporter()
{
    return std::make_unique<CsvImporter>();
}

} // namespace fopro::data
