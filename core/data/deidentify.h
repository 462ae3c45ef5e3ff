#pragma once
// De-identified export of a curated dataset: every active sample as a PNG under
// <out>/images/<class>/<pseudonym>.png plus <out>/manifest.csv (file,class,split,group and the
// metadata columns that are safe to share).
//
// What is removed or replaced (after DICOM PS3.15 Annex E, Basic Application Level Confidentiality
// Profile):
// - Metadata whose key is an attribute keyword of the profile (patient name/ID/birth date/sex/age,
//   institution, physicians and operators, accession number, study/series/SOP instance UIDs, device
//   serial numbers, free-text descriptions and comments, ...) is dropped. Non-DICOM metadata (CSV
//   columns) goes through the same filter by name, compared without case, spaces, '_' or '-', plus a
//   few common aliases ("age", "sex", "dob", "name", "mrn", "lesion_id", ...). A metadata value
//   equal to the sample's own group id or to its original file name (with or without suffix) is
//   dropped too, whatever its column is called.
// - Group ids (patient / lesion ids; for DICOM the PatientID) become stable pseudonyms:
//   "P-" + the first 12 hex digits of HMAC-SHA256(secret, group id). The same secret gives the same
//   pseudonyms in every export; another secret gives unrelated ones.
// - File names are pseudonymous too: "img-" + 16 hex digits of HMAC-SHA256(secret, "sample:" +
//   sample id); original names (which may contain patient names) never appear.
// - Dates (keys ending in "Date" or "DateTime", DICOM DA/DT values "YYYYMMDD[...]" or ISO
//   "YYYY-MM-DD"): DateMode::Remove drops them; DateMode::Shift moves every date of one patient by
//   the same offset in −365..+365 days, taken from bytes 16..19 of the patient's HMAC (not from the
//   12 hex digits shown), so intervals within a patient are kept. Birth dates are always removed;
//   times are always removed (the profile lists them). A date that cannot be parsed is removed.
//   A sample without a group id gets an offset of its own (keyed on its sample id).
// - Pixels are exported as decoded (burned-in annotations are not detected: the report says so).
//
// Nothing is written outside <out>: class names become sanitised folder names. An existing
// non-empty <out> is refused unless ExportOptions::overwrite; with overwrite, a previous export
// (images/ and manifest.csv) is replaced, other files are left alone, and an images/ folder without
// a manifest beside it is refused. The export is written into <out>/.partial-export and moved into
// place only when complete (old manifest removed first, new manifest moved last), so a failed,
// cancelled or killed export leaves the previous one intact and a folder without manifest.csv is
// never a finished export. Unreadable samples are reported and skipped.

#include "core/common/result.h"
#include "core/data/datasetindex.h"
#include "core/jobs/jobcontrol.h"
#include "core/jobs/progress.h"

#include <QtCore/QByteArray>
#include <QtCore/QString>
#include <QtCore/QStringList>

#include <functional>
#include <vector>

namespace fopro::data {

enum class DateMode { Remove, Shift };

struct ExportOptions {
    QString outputDir;
    /// Project secret key for the HMAC pseudonyms; required, at least 16 bytes. Keep it with the
    /// project owner, never in the export: whoever has it can re-link pseudonyms to patient ids.
    QByteArray secret;
    DateMode dateMode = DateMode::Remove;
    bool overwrite = false;
};

struct ExportProblem {
    QString file;   // the sample's file as stored in the dataset
    QString reason; // plain English
};

struct ExportReport {
    QString outputDir;    // absolute
    QString manifestFile; // absolute
    int exported = 0;
    int skipped = 0;         // unreadable samples (see problems)
    int inactive = 0;        // excluded, missing or unlabelled samples left out
    int patients = 0;        // distinct pseudonymous groups
    QStringList columns;     // manifest columns in order
    QStringList removedKeys; // metadata keys dropped by the filter (sorted, distinct)
    std::vector<ExportProblem> problems;
};

/// Writes the export. Errors: InvalidArgument (no output folder, secret shorter than 16 bytes, a
/// non-empty output folder without overwrite, the output folder is the dataset root), WriteFailed (a
/// file or folder that cannot be written, naming it), Cancelled (files written so far stay; no
/// manifest is written). Unreadable samples are not errors: they are
/// listed in ExportReport::problems and the export goes on.
Result<ExportReport> exportDataset(const DatasetIndex &index, const ExportOptions &options,
                                   JobControl *cancel = nullptr, const ProgressSink &progress = {});

/// "P-" + 12 hex digits of HMAC-SHA256(secret, id).
QString pseudonym(const QString &id, const QByteArray &secret);
/// The per-patient date offset in days (−365..+365) used by DateMode::Shift.
int dateShiftDays(const QString &groupId, const QByteArray &secret);
/// True when a metadata key names an attribute of the PS3.15 Basic Confidentiality Profile (or a
/// common alias such as "age", "sex", "dob", "patient_name") and must not be exported as is.
bool isIdentifyingKey(const QString &key);
/// True when the key holds a date ("…Date", "…DateTime", "date", "…_date"); birth dates excluded.
bool isDateKey(const QString &key);
/// The keywords of PS3.15 Annex E Table E.1-1 this filter knows.
QStringList confidentialityProfileKeywords();

} // namespace fopro::data
