#pragma once
// The dataset index: class names plus one Sample record per image. Saved as a readable JSON
// manifest, written atomically. Holds 100,000 samples comfortably (records only, no pixels).

#include "core/common/result.h"
#include "core/data/sample.h"

#include <QtCore/QJsonObject>
#include <QtCore/QStringList>
#include <QtCore/QVariantMap>

#include <optional>
#include <vector>

namespace fopro::data {

class DatasetIndex {
public:
    QString format;      // importer id that produced it ("folder", "isic2019", "idx", ...)
    QString root;        // absolute folder that relative sample paths are resolved against
    QStringList classes; // class names; a sample's label indexes this list
    std::vector<Sample> samples;
    QVariantMap info; // importer facts worth keeping (source files, options used)

    int classCount() const { return int(classes.size()); }
    int classIndex(const QString &name) const { return int(classes.indexOf(name)); }
    /// Index of `name`, appending it to the class list when new.
    int ensureClass(const QString &name);

    /// Absolute path of the sample's file (IDX file, DICOM file or image).
    QString absolutePath(const Sample &sample) const;
    /// `path` made relative to root when it lies inside it, else returned absolute.
    QString storedPath(const QString &absolutePath) const;

    /// Samples per class, excluded (and missing) samples not counted. With `split` set, only that
    /// split counts.
    std::vector<int> classCounts(std::optional<Split> split = std::nullopt) const;
    /// True when the sample takes part in statistics, splits and training.
    static bool isActive(const Sample &s) { return !(s.flags & (FlagExcluded | FlagMissing)) && s.label >= 0; }

    /// Puts classes in the order given (names must be a permutation of `classes`), remapping labels.
    void reorderClasses(const QStringList &order);

    /// Manifest round trip. save() writes atomically; paths in the file are relative to the
    /// manifest's folder when the dataset root is inside or beside it.
    Result<void> save(const QString &file) const;
    static Result<DatasetIndex> load(const QString &file);

    QJsonObject toJson(const QString &manifestDir) const;
    static Result<DatasetIndex> fromJson(const QJsonObject &object, const QString &manifestDir,
                                         const QString &fileForErrors);
};

} // namespace fopro::data
