// ISIC-2019-LT split files published with FoPro-KD: {train,val,test}_skin{fold}_{factor}.csv with
// header image,finding_name,finding. `finding` is the label with classes ranked by frequency
// (0 NV, 1 MEL, 2 BCC, 3 BKL, 4 AK, 5 SCC, 6 VASC, 7 DF); `finding_name` is the column of the class in
// ISIC_2019_Training_GroundTruth.csv (0 MEL, 1 NV, 2 BCC, 3 AK, 4 BKL, 5 DF, 6 VASC, 7 SCC) and is
// cross-checked. One fold and factor (a train/val/test triple) makes one dataset.

#include "core/data/csvreader.h"
#include "core/data/importers.h"
#include "core/data/importhelpers.h"

#include <QtCore/QDir>
#include <QtCore/QFileInfo>
#include <QtCore/QRegularExpression>

#include <array>

namespace fopro::data {

namespace {

const QRegularExpression &splitFileName()
{
    static const QRegularExpression re(QStringLiteral("^(train|val|test)_skin(\\d+)_([0-9.]+)\\.csv$"),
                                       QRegularExpression::CaseInsensitiveOption);
    return re;
}

const QStringList kRankedClasses = {QStringLiteral("NV"),   QStringLiteral("MEL"), QStringLiteral("BCC"),
                                    QStringLiteral("BKL"),  QStringLiteral("AK"),  QStringLiteral("SCC"),
                                    QStringLiteral("VASC"), QStringLiteral("DF")};
// Ground-truth column of each ranked class: NV=1, MEL=0, BCC=2, BKL=4, AK=3, SCC=7, VASC=6, DF=5.
constexpr std::array<int, 8> kGroundTruthColumn = {1, 0, 2, 4, 3, 7, 6, 5};

class IsicLtImporter final : public Importer {
public:
    QString id() const override { return QStringLiteral("isic2019lt"); }
    QString displayName() const override { return QStringLiteral("ISIC-2019-LT split files"); }

    int probe(const QString &path) const override
    {
        const QFileInfo fi(path);
        if (fi.isFile()) return splitFileName().match(fi.fileName()).hasMatch() ? 95 : 0;
        if (!fi.isDir()) return 0;
        const QStringList csvs = QDir(path).entryList({QStringLiteral("*.csv")}, QDir::Files);
        for (const QString &c : csvs)
            if (splitFileName().match(c).hasMatch()) return 85;
        return 0;
    }

    Result<ImportResult> run(const QString &path, const ImportOptions &options, JobControl *cancel) const override
    {
        const QFileInfo fi(path);
        const QDir dir = fi.isDir() ? QDir(fi.absoluteFilePath()) : fi.absoluteDir();
        int fold = options.ltFold;
        QString factor = options.ltFactor;
        if (fi.isFile()) {
            const auto m = splitFileName().match(fi.fileName());
            if (!m.hasMatch())
                return makeError(
                    ErrorCode::Malformed, path,
                    QStringLiteral("not an ISIC-2019-LT split file name ({train,val,test}_skin<fold>_<factor>.csv)"));
            if (fold == 0) fold = m.captured(2).toInt();
            if (factor.isEmpty()) factor = m.captured(3);
        }
        if (fold == 0) fold = 1;
        if (factor.isEmpty()) factor = QStringLiteral("0.01");

        ImportResult r;
        DatasetIndex &d = r.index;
        d.format = id();
        d.root = dir.absolutePath();
        d.classes = kRankedClasses;
        d.info.insert(QStringLiteral("fold"), fold);
        d.info.insert(QStringLiteral("factor"), factor);

        const QString imageFolder =
            !options.imageRoot.isEmpty()
                ? options.imageRoot
                : detail::firstExistingFolder(d.root, {QStringLiteral("ISIC_2019_Training_Input"),
                                                       QStringLiteral("../ISIC_2019_Training_Input"),
                                                       QStringLiteral("../../ISIC_2019_Training_Input")});
        detail::ImageDirectory images;
        if (!imageFolder.isEmpty()) images.addFolder(imageFolder);
        const QString imageDir =
            imageFolder.isEmpty() ? dir.filePath(QStringLiteral("ISIC_2019_Training_Input")) : imageFolder;
        if (images.isEmpty()) {
            r.problems.push_back(
                {imageDir, QStringLiteral("image folder not found (give it with the image-root option); the samples "
                                          "are indexed from the split files without image files")});
            d.info.insert(QStringLiteral("imagesAvailable"), false);
        }

        QHash<QString, Split> seen;
        int filesRead = 0;
        for (Split split : {Split::Train, Split::Val, Split::Test}) {
            const QString name = QStringLiteral("%1_skin%2_%3.csv").arg(splitName(split)).arg(fold).arg(factor);
            const QString file = dir.filePath(name);
            if (!QFileInfo::exists(file)) {
                r.problems.push_back({file, QStringLiteral("split file missing; that split stays empty")});
                continue;
            }
            auto table = readCsv(file);
            if (!table) return table.error();
            const int imageCol = table->column(QStringLiteral("image"));
            const int findingCol = table->column(QStringLiteral("finding"));
            const int nameCol = table->column(QStringLiteral("finding_name"));
            if (imageCol < 0 || findingCol < 0)
                return makeError(ErrorCode::Malformed, file,
                                 QStringLiteral("expected columns image, finding_name, finding; found: %1")
                                     .arg(table->columnList()));
            ++filesRead;
            for (std::size_t i = 0; i < table->rows.size(); ++i) {
                if ((i & 1023) == 0 && isCancelled(cancel))
                    return makeError(ErrorCode::Cancelled, path, QStringLiteral("import cancelled"));
                const QStringList &row = table->rows[i];
                const QString where = QStringLiteral("%1:%2").arg(name).arg(table->lines[i]);
                bool ok = false;
                const int label = row[findingCol].toInt(&ok);
                if (!ok || label < 0 || label >= kRankedClasses.size()) {
                    r.problems.push_back(
                        {where,
                         QStringLiteral("finding '%1' is not a class number 0-7; skipped").arg(row[findingCol])});
                    continue;
                }
                if (nameCol >= 0 && row[nameCol].toInt() != kGroundTruthColumn[std::size_t(label)])
                    r.problems.push_back({where, QStringLiteral("finding %1 (%2) disagrees with finding_name %3")
                                                     .arg(label)
                                                     .arg(kRankedClasses[label], row[nameCol])});
                const QString image = row[imageCol];
                if (seen.contains(image)) {
                    r.problems.push_back({where, QStringLiteral("%1 is already in the %2 split; skipped")
                                                     .arg(image, splitName(seen.value(image)))});
                    continue;
                }
                seen.insert(image, split);
                Sample s;
                if (!images.isEmpty()) {
                    const QString f = images.find(image);
                    if (f.isEmpty()) {
                        r.problems.push_back({QDir(imageDir).filePath(image + QStringLiteral(".jpg")),
                                              QStringLiteral("image file missing; skipped")});
                        continue;
                    }
                    if (detail::skipUnusableImage(f, where, options, &r.problems)) continue;
                    s.path = d.storedPath(f);
                } else {
                    s.path = d.storedPath(QDir(imageDir).filePath(image + QStringLiteral(".jpg")));
                }
                s.label = s.originalLabel = label;
                s.split = split;
                d.samples.push_back(std::move(s));
            }
        }
        if (filesRead == 0)
            return makeError(ErrorCode::NotFound, dir.absolutePath(),
                             QStringLiteral("no split file for fold %1 and factor %2").arg(fold).arg(factor));
        return r;
    }
};

} // namespace

std::unique_ptr<Importer> makeIsicLtImporter()
{
    return std::make_unique<IsicLtImporter>();
}

} // namespace fopro::data
