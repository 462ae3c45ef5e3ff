// HAM10000: HAM10000_metadata.csv (lesion_id, image_id, dx, dx_type, age, sex, localization) with the
// images in HAM10000_images_part_1/ and HAM10000_images_part_2/ beside it. Labels are the dx codes,
// groups the lesion ids (several images of one lesion must stay in one split).

#include "core/data/csvreader.h"
#include "core/data/importers.h"
#include "core/data/importhelpers.h"

#include <QtCore/QDir>
#include <QtCore/QFileInfo>

namespace fopro::data {

namespace {

const QString kMetadata = QStringLiteral("HAM10000_metadata.csv");

class Ham10000Importer final : public Importer {
public:
    QString id() const override { return QStringLiteral("ham10000"); }
    QString displayName() const override { return QStringLiteral("HAM10000 (metadata CSV + two image folders)"); }

    int probe(const QString &path) const override
    {
        const QFileInfo fi(path);
        if (fi.isFile()) return fi.fileName().compare(kMetadata, Qt::CaseInsensitive) == 0 ? 95 : 0;
        return detail::fileBesideOrInside(path, kMetadata).isEmpty() ? 0 : 95;
    }

    Result<ImportResult> run(const QString &path, const ImportOptions &options, JobControl *cancel) const override
    {
        const QString metaFile =
            QFileInfo(path).isFile() ? QFileInfo(path).absoluteFilePath() : detail::fileBesideOrInside(path, kMetadata);
        if (metaFile.isEmpty())
            return makeError(ErrorCode::NotFound, path, QStringLiteral("%1 not found").arg(kMetadata));
        auto table = readCsv(metaFile);
        if (!table) return table.error();
        const int imageCol = table->column(QStringLiteral("image_id"));
        const int dxCol = table->column(QStringLiteral("dx"));
        const int lesionCol = table->column(QStringLiteral("lesion_id"));
        if (imageCol < 0 || dxCol < 0)
            return makeError(ErrorCode::Malformed, metaFile,
                             QStringLiteral("expected columns image_id and dx; found: %1").arg(table->columnList()));

        ImportResult r;
        DatasetIndex &d = r.index;
        d.format = id();
        d.root = QFileInfo(metaFile).absolutePath();
        d.info.insert(QStringLiteral("metadata"), QFileInfo(metaFile).fileName());

        detail::ImageDirectory images;
        if (!options.imageRoot.isEmpty()) images.addFolder(options.imageRoot);
        for (const QString &sub : {QStringLiteral("HAM10000_images_part_1"), QStringLiteral("HAM10000_images_part_2"),
                                   QStringLiteral("HAM10000_images"), QStringLiteral(".")})
            if (QFileInfo(QDir(d.root).filePath(sub)).isDir()) images.addFolder(QDir(d.root).filePath(sub));
        if (images.isEmpty()) {
            r.problems.push_back(
                {QDir(d.root).filePath(QStringLiteral("HAM10000_images_part_1")),
                 QStringLiteral("no image folder found; the samples are indexed from the CSV without image files")});
            d.info.insert(QStringLiteral("imagesAvailable"), false);
        }

        d.samples.reserve(table->rows.size());
        for (std::size_t i = 0; i < table->rows.size(); ++i) {
            if ((i & 1023) == 0 && isCancelled(cancel))
                return makeError(ErrorCode::Cancelled, path, QStringLiteral("import cancelled"));
            const QStringList &row = table->rows[i];
            const QString where = QStringLiteral("%1:%2").arg(kMetadata).arg(table->lines[i]);
            const QString image = row[imageCol];
            const QString dx = row[dxCol];
            if (image.isEmpty() || dx.isEmpty()) {
                r.problems.push_back({where, QStringLiteral("empty image_id or dx; skipped")});
                continue;
            }
            Sample s;
            if (!images.isEmpty()) {
                const QString f = images.find(image);
                if (f.isEmpty()) {
                    r.problems.push_back({QDir(images.folders().front()).filePath(image + QStringLiteral(".jpg")),
                                          QStringLiteral("image file missing; skipped")});
                    continue;
                }
                if (detail::skipUnusableImage(f, where, options, &r.problems)) continue;
                s.path = d.storedPath(f);
            } else {
                s.path = image + QStringLiteral(".jpg");
            }
            s.label = s.originalLabel = d.ensureClass(dx);
            if (lesionCol >= 0) s.group = row[lesionCol];
            for (int c = 0; c < table->header.size(); ++c)
                if (c != imageCol && c != dxCol && c != lesionCol && !row[c].isEmpty())
                    s.meta.insert(table->header[c], row[c]);
            d.samples.push_back(std::move(s));
        }
        detail::sortClassesNaturally(d);
        return r;
    }
};

} // namespace

std::unique_ptr<Importer> makeHam10000Importer()
{
    return std::make_unique<Ham10000Importer>();
}

} // namespace fopro::data
