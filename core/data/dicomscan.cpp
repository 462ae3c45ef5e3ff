#include "core/data/dicomscan.h"

#include <QtCore/QDir>
#include <QtCore/QDirIterator>
#include <QtCore/QElapsedTimer>
#include <QtCore/QFileInfo>

#include <algorithm>

namespace fopro::data {

int DicomScan::readableCount() const
{
    return int(std::count_if(entries.begin(), entries.end(), [](const DicomScanEntry &e) { return e.ok; }));
}

int DicomScan::notImageCount() const
{
    return int(std::count_if(entries.begin(), entries.end(), [](const DicomScanEntry &e) { return e.notAnImage; }));
}

bool isDicomDirName(const QString &fileName)
{
    return fileName.compare(QLatin1String("DICOMDIR"), Qt::CaseInsensitive) == 0;
}

bool hasDicomSuffix(const QString &fileName)
{
    return fileName.endsWith(QLatin1String(".dcm"), Qt::CaseInsensitive) ||
           fileName.endsWith(QLatin1String(".dicom"), Qt::CaseInsensitive);
}

bool looksLikeDicom(const QString &absolutePath, const QString &fileName)
{
    return hasDicomSuffix(fileName) || hasDicomMagic(absolutePath);
}

bool isSideFileName(const QString &fileName)
{
    static const QStringList side = {QStringLiteral("csv"),  QStringLiteral("tsv"), QStringLiteral("txt"),
                                     QStringLiteral("json"), QStringLiteral("md"),  QStringLiteral("xml")};
    const int dot = int(fileName.lastIndexOf(QLatin1Char('.')));
    return dot >= 0 && side.contains(fileName.mid(dot + 1).toLower());
}

namespace {

Error cancelled(const QString &path)
{
    return makeError(ErrorCode::Cancelled, path, QStringLiteral("scan cancelled"));
}

} // namespace

Result<DicomScan> listDicomFiles(const QString &path, JobControl *control)
{
    const QFileInfo fi(path);
    if (!fi.exists()) return makeError(ErrorCode::NotFound, path, QStringLiteral("no such file or folder"));
    DicomScan scan;
    if (fi.isFile()) {
        scan.root = QDir::cleanPath(fi.absolutePath());
        scan.singleFile = true;
        DicomScanEntry e;
        e.file = QDir::cleanPath(fi.absoluteFilePath());
        scan.entries.push_back(std::move(e));
        return scan;
    }
    scan.root = QDir::cleanPath(fi.absoluteFilePath());
    QStringList files;
    int visited = 0;
    for (QDirIterator it(scan.root, QDir::Files | QDir::NoDotAndDotDot, QDirIterator::Subdirectories); it.hasNext();) {
        it.next();
        if ((++visited & 63) == 0 && isCancelled(control)) return cancelled(path);
        const QString name = it.fileName();
        if (isDicomDirName(name)) continue; // the directory record, not an image
        if (looksLikeDicom(it.filePath(), name))
            files << QDir::cleanPath(it.filePath());
        else
            ++scan.otherFiles;
    }
    std::sort(files.begin(), files.end());
    scan.entries.reserve(std::size_t(files.size()));
    for (const QString &f : std::as_const(files)) {
        DicomScanEntry e;
        e.file = f;
        scan.entries.push_back(std::move(e));
    }
    return scan;
}

Result<DicomScan> scanDicom(const QString &path, const QStringList &extraAttributes, JobControl *control,
                            const ProgressSink &progress)
{
    QElapsedTimer clock;
    clock.start();
    Progress p;
    p.phase = QStringLiteral("Listing files");
    report(progress, p);
    Result<DicomScan> listed = listDicomFiles(path, control);
    if (!listed) return listed;
    DicomScan &scan = *listed;
    p.phase = QStringLiteral("Reading headers");
    p.total = qint64(scan.entries.size());
    report(progress, p);
    for (DicomScanEntry &e : scan.entries) {
        if (isCancelled(control)) return cancelled(path);
        Result<DicomInfo> info = readDicomInfo(e.file, extraAttributes);
        if (info) {
            e.ok = true;
            e.info = std::move(info).value();
        } else {
            e.reason = info.error().detail;
            e.notAnImage = isNotAnImageError(info.error());
        }
        ++p.done;
        p.elapsedSeconds = clock.elapsed() / 1000.0;
        p.rate = p.elapsedSeconds > 0 ? p.done / p.elapsedSeconds : 0;
        p.etaSeconds = p.rate > 0 ? (p.total - p.done) / p.rate : -1;
        report(progress, p);
    }
    return listed;
}

} // namespace fopro::data
