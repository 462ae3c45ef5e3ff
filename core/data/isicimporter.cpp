// ISIC 2019: ISIC_2019_Training_GroundTruth.csv (image + one-hot class columns MEL, NV, BCC, AK, BKL,
// DF, VASC, SCC, UNK; the UNK column is dropped when no row sets it) with the images in
// ISIC_2019_Training_Input/ beside it. ISIC_2019_Training_Metadata.csv, when present, gives
// lesion_id groups and the other columns as metadata.

#include "core/data/csvreader.h"
#include "core/data/importers.h"
#include "core/data/importhelpers.h"

#include <QtCore/QDir>
#include <QtCore/QFileInfo>

namespace fopro::data {

namespace {

const QString kGroundTruth = QStringLiteral("ISIC_2019_Training_GroundTruth.csv");
const QString kMetadata = QStringLiteral("ISIC_2019_Training_Metadata.csv");
const QString kImages = QStringLiteral("ISIC_2019_Training_Input");

class Isic2019Importer final : public Importer {
public:
    QString id() const override { return QStringLiteral("isic2019"); }
    QString displayName() const override { return QStringLiteral("ISIC 2019 (ground-truth CSV + images)"); }

    int probe(const QString &path) const override
    {
        const QFileInfo fi(path);
        if (fi.isFile()) {
            if (fi.fileName().compare(kGroundTruth, Qt::CaseInsensitive) == 0) return 95;
            if (fi.suffix().compare(QLatin1String("csv"), Qt::CaseInsensitive) == 0) {
                // Any ISIC-style one-hot ground truth: image,MEL,NV,...
                QFile f(path);
                if (f.open(QIODevice::ReadOnly)) {
                    const QString header = QString::fromUtf8(f.readLine()).trimmed().remove(QChar(0xFEFF));
                    if (header.startsWith(QLatin1String("image,MEL,NV"), Qt::CaseInsensitive)) return 90;
                }
            }
            return 0;
        }
        return detail::fileBesideOrInside(path, kGroundTruth).isEmpty() ? 0 : 95;
    }

    Result<ImportResult> run(const QString &path, const ImportOptions &options, JobControl *cancel) const override
    {
        const QString gtFile = QFileInfo(path).isFile() ? QFileInfo(path).absoluteFilePath()
                                                        : detail::fileBesideOrInside(path, kGroundTruth);
        if (gtFile.isEmpty())
            return makeError(ErrorCode::NotFound, path, QStringLiteral("%1 not found").arg(kGroundTruth));
        auto table = readCsv(gtFile);
        if (!table) return table.error();
        const int imageCol = table->column(QStringLiteral("image"));
        if (imageCol < 0)
            return makeError(ErrorCode::Malformed, gtFile,
                             QStringLiteral("no 'image' column; found: %1").arg(table->columnList()));

        // Class columns: every column but the image one; UNK only when some row sets it.
        std::vector<int> classCols;
        for (int c = 0; c < table->header.size(); ++c) {
            if (c == imageCol) continue;
            if (table->header[c].compare(QLatin1String("UNK"), Qt::CaseInsensitive) == 0) {
                bool used = false;
                for (const QStringList &row : table->rows)
                    used = used || row[c].toDouble() >= 0.5;
                if (!used) continue;
            }
            classCols.push_back(c);
        }
        if (classCols.empty())
            return makeError(ErrorCode::Malformed, gtFile,
                             QStringLiteral("no class columns; found: %1").arg(table->columnList()));

        ImportResult r;
        DatasetIndex &d = r.index;
        d.format = id();
        d.root = QFileInfo(gtFile).absolutePath();
        for (int c : classCols)
            d.classes << table->header[c];
        d.info.insert(QStringLiteral("groundTruth"), QFileInfo(gtFile).fileName());

        const QString imageFolder =
            !options.imageRoot.isEmpty()
                ? options.imageRoot
                : detail::firstExistingFolder(d.root,
                                              {kImages, QStringLiteral("%1/%1").arg(kImages), QStringLiteral(".")});
        detail::ImageDirectory images;
        if (!imageFolder.isEmpty()) images.addFolder(imageFolder);
        const bool imagesAvailable = !images.isEmpty();
        if (!imagesAvailable) {
            r.problems.push_back(
                {QDir(d.root).filePath(kImages),
                 QStringLiteral("image folder not found; the samples are indexed from the CSV without image files")});
            d.info.insert(QStringLiteral("imagesAvailable"), false);
        }

        // Optional metadata: lesion groups and more.
        QHash<QString, QStringList> metaRows;
        QStringList metaHeader;
        int lesionCol = -1, metaImageCol = -1;
        const QString metaFile = detail::fileBesideOrInside(gtFile, kMetadata);
        if (!metaFile.isEmpty()) {
            auto meta = readCsv(metaFile);
            if (!meta) return meta.error();
            metaImageCol = meta->column(QStringLiteral("image"));
            lesionCol = meta->column(QStringLiteral("lesion_id"));
            if (metaImageCol < 0)
                return makeError(ErrorCode::Malformed, metaFile,
                                 QStringLiteral("no 'image' column; found: %1").arg(meta->columnList()));
            metaHeader = meta->header;
            for (const QStringList &row : meta->rows)
                metaRows.insert(row[metaImageCol], row);
            d.info.insert(QStringLiteral("metadata"), QFileInfo(metaFile).fileName());
        }

        const QString imageDir = imageFolder.isEmpty() ? QDir(d.root).filePath(kImages) : imageFolder;
        d.samples.reserve(table->rows.size());
        for (std::size_t i = 0; i < table->rows.size(); ++i) {
            if ((i & 1023) == 0 && isCancelled(cancel))
                return makeError(ErrorCode::Cancelled, path, QStringLiteral("import cancelled"));
            const QStringList &row = table->rows[i];
            const QString where = QStringLiteral("%1:%2").arg(QFileInfo(gtFile).fileName()).arg(table->lines[i]);
            const QString image = row[imageCol];
            int label = -1, set = 0;
            for (std::size_t k = 0; k < classCols.size(); ++k) {
                bool ok = false;
                const double v = row[classCols[k]].toDouble(&ok);
                if (!ok && !row[classCols[k]].isEmpty()) {
                    set = -1;
                    break;
                }
                if (v >= 0.5) {
                    label = int(k);
                    ++set;
                }
            }
            if (image.isEmpty()) {
                r.problems.push_back({where, QStringLiteral("empty image name; skipped")});
                continue;
            }
            if (set != 1) {
                r.problems.push_back(
                    {where, set == 0  ? QStringLiteral("%1 has no class set; skipped").arg(image)
                            : set < 0 ? QStringLiteral("%1 has a non-numeric class value; skipped").arg(image)
                                      : QStringLiteral("%1 has several classes set; skipped").arg(image)});
                continue;
            }
            Sample s;
            if (imagesAvailable) {
                const QString file = images.find(image);
                if (file.isEmpty()) {
                    r.problems.push_back({QDir(imageDir).filePath(image + QStringLiteral(".jpg")),
                                          QStringLiteral("image file missing; skipped")});
                    continue;
                }
                if (detail::skipUnusableImage(file, where, options, &r.problems)) continue;
                s.path = d.storedPath(file);
            } else {
                s.path = d.storedPath(QDir(imageDir).filePath(image + QStringLiteral(".jpg")));
            }
            s.label = s.originalLabel = label;
            auto m = metaRows.constFind(image);
            if (m != metaRows.cend()) {
                if (lesionCol >= 0) s.group = m->at(lesionCol);
                for (int c = 0; c < metaHeader.size(); ++c)
                    if (c != metaImageCol && c != lesionCol && !m->at(c).isEmpty())
                        s.meta.insert(metaHeader[c], m->at(c));
            }
            d.samples.push_back(std::move(s));
        }
        return r;
    }
};

} // namespace

std::unique_ptr<Importer> makeIsic2019Importer()
{
    return std::make_unique<Isic2019Importer>();
}

} // namespace fopro::data
