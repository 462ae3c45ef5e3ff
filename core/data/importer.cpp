#include "core/data/importer.h"
#include "core/data/importers.h"

#include <QtCore/QFile>
#include <QtCore/QFileInfo>

namespace fopro::data {

namespace {

// A saved dataset manifest (DatasetIndex::save) opens like any other dataset.
class ManifestImporter final : public Importer {
public:
    QString id() const override { return QStringLiteral("manifest"); }
    QString displayName() const override { return QStringLiteral("Dataset manifest (JSON)"); }
    int probe(const QString &path) const override
    {
        const QFileInfo fi(path);
        if (!fi.isFile() || fi.suffix().compare(QLatin1String("json"), Qt::CaseInsensitive) != 0) return 0;
        QFile f(path);
        if (!f.open(QIODevice::ReadOnly)) return 0;
        return f.read(65536).contains("\"fopro-dataset\"") ? 100 : 0;
    }
    Result<ImportResult> run(const QString &path, const ImportOptions &, JobControl *) const override
    {
        auto index = DatasetIndex::load(path);
        if (!index) return index.error();
        ImportResult r;
        r.index = std::move(index).value();
        return r;
    }
};

} // namespace

const std::vector<std::unique_ptr<Importer>> &importers()
{
    static const std::vector<std::unique_ptr<Importer>> list = [] {
        std::vector<std::unique_ptr<Importer>> v;
        v.push_back(std::make_unique<ManifestImporter>());
        v.push_back(makeIsic2019Importer());
        v.push_back(makeIsicLtImporter());
        v.push_back(makeHam10000Importer());
        v.push_back(makeIdxImporter());
        v.push_back(makeDicomImporter());
        v.push_back(makeCsvImporter());
        v.push_back(makeFolderImporter());
        return v;
    }();
    return list;
}

const Importer *importerById(const QString &id)
{
    for (const auto &imp : importers())
        if (imp->id() == id) return imp.get();
    return nullptr;
}

const Importer *detectImporter(const QString &path)
{
    const Importer *best = nullptr;
    int bestScore = 0;
    for (const auto &imp : importers()) {
        const int score = imp->probe(path);
        if (score > bestScore) {
            best = imp.get();
            bestScore = score;
        }
    }
    return best;
}

Result<ImportResult> importDataset(const QString &path, const ImportOptions &options, JobControl *cancel)
{
    if (!QFileInfo::exists(path)) return makeError(ErrorCode::NotFound, path, QStringLiteral("no such file or folder"));
    const Importer *imp = nullptr;
    if (!options.format.isEmpty()) {
        imp = importerById(options.format);
        if (!imp) {
            QStringList ids;
            for (const auto &i : importers())
                ids << i->id();
            return makeError(
                ErrorCode::InvalidArgument, path,
                QStringLiteral("unknown format '%1' (known: %2)").arg(options.format, ids.join(QStringLiteral(", "))));
        }
    } else {
        imp = detectImporter(path);
        if (!imp)
            return makeError(
                ErrorCode::Unsupported, path,
                QStringLiteral(
                    "no known dataset layout found (expected a folder per class, an ISIC/HAM10000 CSV, "
                    "ISIC-2019-LT split files, IDX files, DICOM files or a CSV with path and label columns)"));
    }
    return imp->run(path, options, cancel);
}

bool isImageFileName(const QString &fileName)
{
    const int dot = int(fileName.lastIndexOf(QLatin1Char('.')));
    if (dot < 0) return false;
    const QString s = fileName.mid(dot + 1).toLower();
    static const QStringList known = {QStringLiteral("jpg"),  QStringLiteral("jpeg"), QStringLiteral("png"),
                                      QStringLiteral("bmp"),  QStringLiteral("tif"),  QStringLiteral("tiff"),
                                      QStringLiteral("webp"), QStringLiteral("jp2"),  QStringLiteral("pgm"),
                                      QStringLiteral("ppm")};
    return known.contains(s);
}

} // namespace fopro::data
