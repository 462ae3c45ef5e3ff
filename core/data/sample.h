#pragma once
// One image of a dataset, as a record: where its pixels come from, its label, split, group and
// curation flags. Never pixels.

#include <QtCore/QMap>
#include <QtCore/QString>

#include <cstdint>

namespace fopro::data {

enum class Split : std::uint8_t { None, Train, Val, Test };

QString splitName(Split split);                     // "none", "train", "val", "test"
bool parseSplit(const QString &text, Split *split); // accepts the names above and "validation"

enum class SourceKind : std::uint8_t {
    File,       // an image file (JPEG, PNG, ...) decoded by OpenCV
    IdxEntry,   // entry `entry` of an IDX image file (MNIST/Fashion-MNIST), served from memory
    DicomFrame, // frame `entry` of a DICOM file, decoded by DCMTK
};

QString sourceKindName(SourceKind kind);
bool parseSourceKind(const QString &text, SourceKind *kind);

enum SampleFlag : std::uint8_t {
    FlagExcluded = 1 << 0,   // left out of training and evaluation
    FlagRelabelled = 1 << 1, // label differs from the imported one
    FlagFlagged = 1 << 2,    // marked for review by a person
    FlagMissing = 1 << 3,    // the image file is missing, or a decoding check found it unreadable
};

struct Sample {
    QString path;  // relative to the dataset root when inside it, else absolute
    int entry = 0; // IDX entry or DICOM frame number
    SourceKind kind = SourceKind::File;
    int label = -1;         // index into DatasetIndex::classes; -1 unlabelled
    int originalLabel = -1; // the label as imported (kept when relabelled)
    Split split = Split::None;
    QString group; // patient / lesion / video id; empty = the sample is its own group
    std::uint8_t flags = 0;
    QMap<QString, QString> meta; // free metadata (DICOM attributes, CSV columns, ...)

    bool has(SampleFlag f) const { return flags & f; }
    void set(SampleFlag f, bool on) { flags = on ? (flags | f) : (flags & ~f); }
    /// Stable identifier within a dataset: the path, plus "#entry" for IDX entries and DICOM frames.
    QString id() const;
    /// The group used by group-aware splits: the group id, or the sample id when there is none.
    QString effectiveGroup() const { return group.isEmpty() ? id() : group; }
};

} // namespace fopro::data
