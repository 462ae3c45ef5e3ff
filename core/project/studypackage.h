#pragma once
// A study package: one self-contained folder with everything a reader of a study needs to check
// it: the run's configuration, the dataset manifest it trained on (with its SHA-256), the exported
// model, the results and the reports, and a package.json listing every file with its SHA-256.
// `fopro eval PACKAGE` verifies the hashes and re-runs the packaged model on the manifest's test
// split. Plain Qt (no torch): the re-check itself lives in the CLI, on top of core/ml.
//
// Layout (paths relative to the package folder):
//   package.json            {"format": "fopro-study-package", "formatVersion": 1, "created" (UTC,
//                           ISO 8601), "run": {"name", "dir" (where it was packaged from),
//                           "strategy"}, "dataset": {"manifest": "dataset/<file name>",
//                           "originalManifest" (absolute path it was read from: relative image
//                           paths resolve against its folder), "sha256", "recordedSha256" (the
//                           hash config.json recorded at training time)}, "model": "model/<name>.pt"
//                           or absent, "versions": {the run's {app, libtorch, qt, opencv} and
//                           "packagedWith": {"qt"}}, "files": [{"path", "sha256", "bytes"} ...]
//                           every other file of the package, sorted by path}
//   config.json             the run's config.json, as it is
//   dataset/<manifest>      the dataset manifest, byte for byte
//   manifest.sha256         "<sha256>  dataset/<manifest>\n" (sha256sum's format)
//   model/<name>.pt, .json  the exported model and its sidecar (when given)
//   results/*               the run's results/*.csv and *.json (metrics, per-class, predictions)
//   reports/<file>          the report files (e.g. report.html, report.pdf)
//   epochs.csv              the training history, when the run has one

#include "core/common/result.h"

#include <QtCore/QJsonObject>
#include <QtCore/QString>
#include <QtCore/QStringList>

namespace fopro::project {

/// Value of package.json's "format" key and the version this code writes and reads.
inline constexpr const char *kStudyPackageFormat = "fopro-study-package";
inline constexpr int kStudyPackageVersion = 1;

struct StudyPackageInput {
    QString runDir;          ///< a run folder (RunFolder::open must accept it)
    QString exportedModel;   ///< .pt with sidecar; empty = none
    QStringList reportFiles; ///< e.g. report.html, report.pdf, copied into reports/
};

/// Writes a self-contained folder: config.json, the dataset manifest + its SHA-256
/// (manifest.sha256), the model + sidecar, results/*.csv/json (metrics, per-class, predictions),
/// the report files, and package.json listing every file with its SHA-256 and the versions. Errors
/// name the file: NotFound (the run, its config.json, its dataset manifest, the model, its sidecar
/// or a report), InvalidArgument (outDir exists and is not an empty folder; two report files with
/// the same name), WriteFailed. package.json is written last (atomically), so a folder without it
/// is an unfinished package. Returns the package folder (absolute).
Result<QString> writeStudyPackage(const StudyPackageInput &input, const QString &outDir);

/// True when `dir` holds a package.json of the study package format (cheap; no hashing).
bool isStudyPackage(const QString &dir);

/// Reads and checks package.json's format (NotFound, Malformed, Unsupported for a newer version).
Result<QJsonObject> readStudyPackage(const QString &packageDir);

/// Checks a package: every listed file exists and has its SHA-256, manifest.sha256 matches the
/// manifest, and no file of the package is left unlisted. Errors name the first file that fails:
/// NotFound (missing), Malformed (hash differs, with both hashes; an unlisted file; a bad
/// manifest.sha256), plus readStudyPackage's.
Result<void> verifyStudyPackage(const QString &packageDir);

/// SHA-256 of a file's bytes as 64 lower-case hex digits (Unreadable / NotFound naming the file).
Result<QString> fileSha256(const QString &file);

} // namespace fopro::project
