#pragma once
// Importers turn a dataset "as it comes" (a folder per class, an ISIC CSV, IDX files, DICOM...) into
// a DatasetIndex. Importing never decodes pixels (except DICOM headers), so the result doubles as
// the preview shown before anything changes. Files that cannot be used are listed as problems, one
// per file with the reason, and skipped; the import goes on.

#include "core/common/result.h"
#include "core/data/datasetindex.h"
#include "core/jobs/jobcontrol.h"

#include <memory>
#include <vector>

namespace fopro::data {

struct ImportProblem {
    QString file;   // the file (or CSV row "file:line") the problem is about
    QString reason; // plain English
    /// The file is a valid object that is simply not an image (a DICOM structured report, RT plan
    /// or ECG waveform): skipped like the others, but not a broken file.
    bool notAnImage = false;
};

struct ImportOptions {
    QString format; // force an importer by id; empty = autodetect
    // Generic CSV
    QString pathColumn;  // column holding the image path (autodetected when empty)
    QString labelColumn; // column holding the label (autodetected when empty)
    QString groupColumn; // optional patient/lesion/video column (autodetected when empty)
    QString splitColumn; // optional split column (autodetected when empty)
    // ISIC-2019-LT split files
    QString imageRoot; // folder holding <image>.jpg; searched near the CSVs when empty
    int ltFold = 0;    // 1..5; 0 = from the file name given, else 1
    QString ltFactor;  // "0.01", "0.005", "0.002"; empty = from the file name, else 0.01
    // DICOM
    QString dicomLabelAttribute; // e.g. "BodyPartExamined" or "0018,0015"; empty = no label
    QString sidecarCsv;          // CSV with file,label columns giving DICOM labels
    bool dicomAllFrames = false; // every frame of a multi-frame file becomes a sample
    // All importers
    bool checkFiles = true; // check that each image file exists (cheap stat; no decoding)
};

struct ImportResult {
    DatasetIndex index;
    std::vector<ImportProblem> problems;
};

class Importer {
public:
    virtual ~Importer() = default;
    virtual QString id() const = 0;          // stable id stored in manifests ("folder", "csv", ...)
    virtual QString displayName() const = 0; // plain English name of the format
    /// How well `path` (a file or folder) looks like this importer's format: 0 = not at all,
    /// higher = more specific. Must be cheap (names, a header line), never decode images.
    virtual int probe(const QString &path) const = 0;
    virtual Result<ImportResult> run(const QString &path, const ImportOptions &options,
                                     JobControl *cancel = nullptr) const = 0;
};

/// Every importer the product knows, most specific first.
const std::vector<std::unique_ptr<Importer>> &importers();
const Importer *importerById(const QString &id);
/// The importer with the highest probe score for `path`, or null when none recognises it.
const Importer *detectImporter(const QString &path);
/// Autodetects (or uses options.format) and runs the import.
Result<ImportResult> importDataset(const QString &path, const ImportOptions &options = {},
                                   JobControl *cancel = nullptr);

/// File name suffixes (lower case, no dot) of raster images the product decodes with OpenCV.
bool isImageFileName(const QString &fileName);

} // namespace fopro::data
