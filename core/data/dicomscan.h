#pragma once
// Scanning for DICOM files: the one walk used by the DICOM importer and the DICOM browser. A path
// is a single file or a folder walked recursively (hidden files are not visited). A file is a DICOM
// candidate when its name ends in .dcm/.dicom or it carries the "DICM" preamble; DICOMDIR (the
// directory record, not an image) is passed over; every other file is counted as "other". Each
// candidate's header is read (never its pixels); a file that cannot be used keeps its reason.

#include "core/common/result.h"
#include "core/data/dicomreader.h"
#include "core/jobs/jobcontrol.h"
#include "core/jobs/progress.h"

#include <QtCore/QString>
#include <QtCore/QStringList>

#include <vector>

namespace fopro::data {

/// One candidate file: its header, or why it cannot be used.
struct DicomScanEntry {
    QString file; ///< absolute, clean
    bool ok = false;
    DicomInfo info;
    QString reason; ///< plain English, empty when ok
    /// Not ok because the file is a valid DICOM object that is not an image (SR, RT plan, ECG...):
    /// not a broken file, and worth saying separately (isNotAnImageError).
    bool notAnImage = false;
};

struct DicomScan {
    QString root;                        ///< the folder scanned (a file's folder for a single file)
    bool singleFile = false;             ///< the path given was one file
    std::vector<DicomScanEntry> entries; ///< sorted by file path
    int otherFiles = 0;                  ///< files that are neither DICOM-named nor carry the preamble

    int readableCount() const;
    /// Entries that are DICOM objects but not images (notAnImage).
    int notImageCount() const;
};

/// True for "DICOMDIR" (any case).
bool isDicomDirName(const QString &fileName);
/// True for names ending in .dcm or .dicom (any case).
bool hasDicomSuffix(const QString &fileName);
/// A DICOM suffix, or the "DICM" preamble in the file (reads 132 bytes).
bool looksLikeDicom(const QString &absolutePath, const QString &fileName);
/// Files that commonly sit beside DICOM data (label tables, notes: csv, tsv, txt, json, md, xml).
bool isSideFileName(const QString &fileName);

/// The candidate files under `path` (sorted; the file itself for a single file) and the number of
/// other files. Errors: NotFound (no such path), Cancelled.
Result<DicomScan> listDicomFiles(const QString &path, JobControl *control = nullptr);

/// listDicomFiles, then every candidate's header read with readDicomInfo(file, extraAttributes).
/// Progress: phase "Listing files" (total unknown), then "Reading headers" done/total files.
/// Errors: NotFound, Cancelled (checked at every file).
Result<DicomScan> scanDicom(const QString &path, const QStringList &extraAttributes = {}, JobControl *control = nullptr,
                            const ProgressSink &progress = {});

} // namespace fopro::data
