#include "core/data/imagefiles.h"

#include "core/data/dicomreader.h"
#include "core/data/imageloader.h"

#include <QtCore/QDirIterator>
#include <QtCore/QFileInfo>
#include <QtCore/QSet>

namespace fopro::data {

const QStringList &imageFileSuffixes()
{
    static const QStringList suffixes = {QStringLiteral("jpg"),  QStringLiteral("jpeg"), QStringLiteral("png"),
                                         QStringLiteral("bmp"),  QStringLiteral("tif"),  QStringLiteral("tiff"),
                                         QStringLiteral("webp"), QStringLiteral("dcm"),  QStringLiteral("dicom")};
    return suffixes;
}

ImageFileList collectImageFiles(const QStringList &paths)
{
    ImageFileList list;
    for (const QString &path : paths) {
        const QFileInfo fi(path);
        if (!fi.exists()) {
            list.problems.push_back(makeError(ErrorCode::NotFound, path, QStringLiteral("no such file or folder")));
            continue;
        }
        if (!fi.isDir()) {
            list.files << path;
            continue;
        }
        QStringList found;
        // Symbolic links are followed (Qt does not enter a folder link twice, so a loop ends), and
        // a file reached along two paths is listed once.
        QSet<QString> seen;
        QDirIterator it(path, QDir::Files | QDir::Readable,
                        QDirIterator::Subdirectories | QDirIterator::FollowSymlinks);
        while (it.hasNext()) {
            const QString f = it.next();
            if (!imageFileSuffixes().contains(QFileInfo(f).suffix().toLower())) continue;
            const QString canonical = it.fileInfo().canonicalFilePath();
            if (canonical.isEmpty()) { // a dangling link: listed, so that it is reported
                found << f;
            } else if (!seen.contains(canonical)) {
                seen.insert(canonical);
                found << f;
            }
        }
        if (found.isEmpty())
            list.problems.push_back(makeError(
                ErrorCode::NotFound, path,
                QStringLiteral("no images in this folder (%1)").arg(imageFileSuffixes().join(QStringLiteral(", ")))));
        found.sort();
        list.files << found;
    }
    return list;
}

Result<cv::Mat> decodeImageFile(const QString &path)
{
    const QString suffix = QFileInfo(path).suffix().toLower();
    if (suffix == QLatin1String("dcm") || suffix == QLatin1String("dicom") || hasDicomMagic(path))
        return decodeDicomFrame(path, 0);
    return loadImageFile(path);
}

} // namespace fopro::data
