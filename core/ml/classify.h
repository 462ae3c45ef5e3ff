#pragma once
// Classifying image files with an exported model (core/ml/export.h): the job behind `fopro predict`
// and the Classify page. Resolves the model path, expands files and folders into image files,
// decodes them (DICOM through core/data's decoder with its windowing) and runs the model in
// batches. A file that cannot be read is an entry with its error, never a failure of the job.
//
// Plain C++ header (no torch types).

#include "core/common/result.h"
#include "core/jobs/jobmanager.h"

#include <QtCore/QString>
#include <QtCore/QStringList>

#include <vector>

namespace fopro::ml {

/// One classified (or unreadable) image.
struct ClassifiedImage {
    QString file;  ///< the image file as given, or found in a given folder (the folder's path + the file's)
    int frame = 0; ///< the frame of a multi-frame DICOM (ClassifyRequest::allFrames), else 0
    /// One probability per class (softmax of the logits, in ClassifyResult::classNames order);
    /// empty when the image was not classified.
    std::vector<float> probabilities;
    /// error.code != None: not classified, with the reason (NotFound for a missing path or a folder
    /// without images, Unreadable / Malformed / Unsupported from the decoder).
    Error error;

    bool ok() const { return error.code == ErrorCode::None; }
    /// The arg-max of the probabilities (first on ties), -1 when not classified.
    int predictedClass() const;
    /// The probability of predictedClass(), 0 when not classified.
    float confidence() const;
};

struct ClassifyRequest {
    /// An exported .pt with its sidecar, or a folder (or run folder, through its export/) holding
    /// exactly one; see resolveExportedModel().
    QString model;
    /// Files and folders (searched recursively): JPEG/PNG/BMP/TIFF/WebP/DICOM (see
    /// core/data/imagefiles.h: a named file is always tried; folders are searched by suffix).
    QStringList inputs;
    int batchSize = 16; ///< images decoded and classified at a time (>= 1)
    int threads = 0;    ///< torch intra-op threads for the job (0 = every core)
    /// Multi-frame DICOM: classify every frame (one entry per frame) instead of the first only.
    bool allFrames = false;
};

struct ClassifyResult {
    QString modelFile;                   ///< the resolved model file
    QString architecture;                ///< "resnet18" or "cifar_resnet" (from the sidecar)
    QStringList classNames;              ///< the model's classes, in probability order
    int inputSize = 0;                   ///< the model's input side S
    std::vector<ClassifiedImage> images; ///< in input order: as collectImageFiles lists them

    int classifiedCount() const; ///< entries without an error
    int failedCount() const;     ///< entries with an error
};

/// The model file a path names: a file is taken as it is; a folder must hold exactly one exported
/// model (a .pt with its .json sidecar), in itself or in its export/ subfolder (a run folder).
/// NotFound when there is none, Ambiguous (listing them) when there are several.
Result<QString> resolveExportedModel(const QString &path);

/// Resolves the model (NotFound/Ambiguous as resolveExportedModel, errors of ExportedModel::load),
/// expands the inputs, decodes and classifies in batches of request.batchSize. Progress: phase
/// "Classifying", done/total in images (entries), rate in images per second; cancellable between
/// batches (Cancelled). A file that cannot be read is an entry with its error, never a failure of
/// the whole job; InvalidArgument only for no inputs or batchSize < 1.
JobFunction<ClassifyResult> classifyJob(ClassifyRequest request);

/// The predictions as CSV (UTF-8, "\n" line ends, RFC 4180 quoting): header
/// file,predicted,confidence,p_<class>... and one row per classified entry, values with 6
/// decimals (unread files are left out: the caller reports their errors). With `withFrames` a
/// "frame" column follows "file" (for ClassifyRequest::allFrames). This is the file
/// `fopro predict --csv` writes.
QString classifyResultToCsv(const ClassifyResult &result, bool withFrames = false);

} // namespace fopro::ml
