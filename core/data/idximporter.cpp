// IDX datasets (MNIST, Fashion-MNIST): `<prefix>-images-idx3-ubyte[.gz]` with its
// `<prefix>-labels-idx1-ubyte[.gz]` partner. Images stay in the IDX file and are served from memory
// (IdxStore); samples reference them as (file, entry). Files named train* go to the train split,
// t10k*/test* to the test split.

#include "core/data/idxfile.h"
#include "core/data/importers.h"

#include <QtCore/QDir>
#include <QtCore/QFileInfo>

namespace fopro::data {

namespace {

bool isIdxImageName(const QString &name)
{
    return name.contains(QLatin1String("images-idx3-ubyte"), Qt::CaseInsensitive) ||
           name.contains(QLatin1String("images.idx3-ubyte"), Qt::CaseInsensitive);
}

QStringList idxImageFiles(const QString &path)
{
    QFileInfo fi(path);
    if (fi.isFile()) return isIdxImageName(fi.fileName()) ? QStringList{fi.absoluteFilePath()} : QStringList{};
    QStringList out;
    const QFileInfoList entries = QDir(path).entryInfoList(QDir::Files, QDir::Name);
    for (const QFileInfo &e : entries)
        if (isIdxImageName(e.fileName())) out << e.absoluteFilePath();
    // Prefer the .gz or the raw file, not both, when both are present.
    QStringList unique;
    for (const QString &f : out) {
        const QString raw = f.endsWith(QLatin1String(".gz")) ? f.chopped(3) : f;
        if (f.endsWith(QLatin1String(".gz")) && out.contains(raw)) continue;
        unique << f;
    }
    return unique;
}

QString labelsPartner(const QString &imagesFile)
{
    QString name = QFileInfo(imagesFile).fileName();
    name.replace(QLatin1String("images-idx3"), QLatin1String("labels-idx1"), Qt::CaseInsensitive);
    name.replace(QLatin1String("images.idx3"), QLatin1String("labels.idx1"), Qt::CaseInsensitive);
    const QDir dir = QFileInfo(imagesFile).dir();
    if (QFileInfo::exists(dir.filePath(name))) return dir.filePath(name);
    // Accept the partner compressed differently.
    const QString alt = name.endsWith(QLatin1String(".gz")) ? name.chopped(3) : name + QStringLiteral(".gz");
    if (QFileInfo::exists(dir.filePath(alt))) return dir.filePath(alt);
    return {};
}

Split splitFromName(const QString &name)
{
    const QString n = name.toLower();
    if (n.startsWith(QLatin1String("train"))) return Split::Train;
    if (n.startsWith(QLatin1String("t10k")) || n.startsWith(QLatin1String("test"))) return Split::Test;
    return Split::None;
}

class IdxImporter final : public Importer {
public:
    QString id() const override { return QStringLiteral("idx"); }
    QString displayName() const override { return QStringLiteral("IDX image files (MNIST / Fashion-MNIST)"); }

    int probe(const QString &path) const override { return idxImageFiles(path).isEmpty() ? 0 : 90; }

    Result<ImportResult> run(const QString &path, const ImportOptions &, JobControl *cancel) const override
    {
        const QStringList files = idxImageFiles(path);
        if (files.isEmpty())
            return makeError(ErrorCode::NotFound, path,
                             QStringLiteral("no IDX image file (*-images-idx3-ubyte[.gz]) found"));
        ImportResult r;
        DatasetIndex &d = r.index;
        d.format = id();
        d.root = QFileInfo(files.front()).absolutePath();
        const bool fashion = path.contains(QLatin1String("fashion"), Qt::CaseInsensitive);
        int maxLabel = -1;
        QVariantList sources;
        for (const QString &imagesFile : files) {
            if (isCancelled(cancel)) return makeError(ErrorCode::Cancelled, path, QStringLiteral("import cancelled"));
            auto images = IdxStore::instance().images(imagesFile);
            if (!images) return images.error();
            const int count = (*images)->count();
            const QString labelsFile = labelsPartner(imagesFile);
            IdxArray labels;
            if (labelsFile.isEmpty()) {
                r.problems.push_back(
                    {imagesFile,
                     QStringLiteral("no labels file beside it; its %1 images are imported without labels").arg(count)});
            } else {
                auto l = readIdxFile(labelsFile);
                if (!l) return l.error();
                if (l->dims.size() != 1)
                    return makeError(ErrorCode::Malformed, labelsFile,
                                     QStringLiteral("not an IDX label file (expected 1 dimension)"));
                if (l->count() != count)
                    return makeError(ErrorCode::Malformed, labelsFile,
                                     QStringLiteral("holds %1 labels but %2 holds %3 images")
                                         .arg(l->count())
                                         .arg(QFileInfo(imagesFile).fileName())
                                         .arg(count));
                labels = std::move(l).value();
            }
            const Split split = splitFromName(QFileInfo(imagesFile).fileName());
            const QString stored = d.storedPath(imagesFile);
            d.samples.reserve(d.samples.size() + std::size_t(count));
            for (int i = 0; i < count; ++i) {
                Sample s;
                s.path = stored;
                s.kind = SourceKind::IdxEntry;
                s.entry = i;
                s.label = labels.data.isEmpty() ? -1 : int(uchar(labels.data[i]));
                s.originalLabel = s.label;
                s.split = split;
                maxLabel = std::max(maxLabel, s.label);
                d.samples.push_back(std::move(s));
            }
            sources << QFileInfo(imagesFile).fileName();
        }
        static const QStringList fashionNames = {QStringLiteral("T-shirt/top"), QStringLiteral("Trouser"),
                                                 QStringLiteral("Pullover"),    QStringLiteral("Dress"),
                                                 QStringLiteral("Coat"),        QStringLiteral("Sandal"),
                                                 QStringLiteral("Shirt"),       QStringLiteral("Sneaker"),
                                                 QStringLiteral("Bag"),         QStringLiteral("Ankle boot")};
        for (int c = 0; c <= maxLabel; ++c)
            d.classes << ((fashion && maxLabel < 10) ? fashionNames[c] : QString::number(c));
        d.info.insert(QStringLiteral("sources"), sources);
        if (fashion) d.info.insert(QStringLiteral("dataset"), QStringLiteral("Fashion-MNIST"));
        return r;
    }
};

} // namespace

std::unique_ptr<Importer> makeIdxImporter()
{
    return std::make_unique<IdxImporter>();
}

} // namespace fopro::data
