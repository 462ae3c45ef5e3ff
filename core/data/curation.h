#pragma once
// Curation edits as values: relabel, exclude/include, flag, move to split, rename and merge classes.
// Each edit records the state before and after of every sample (and the class list) it touches, so
// it can be applied and reverted any number of times: the undo stack of the GUI wraps these, and
// their descriptions form the readable history saved with a project.

#include "core/common/result.h"
#include "core/data/datasetindex.h"

#include <vector>

namespace fopro::data {

struct SampleState {
    int label = -1;
    int originalLabel = -1; // changes only when classes are merged (class indices shift)
    std::uint8_t flags = 0;
    Split split = Split::None;
    bool operator==(const SampleState &o) const
    {
        return label == o.label && originalLabel == o.originalLabel && flags == o.flags && split == o.split;
    }
};

struct CurationEdit {
    QString description;      // plain English, e.g. "Relabel 3 images as melanoma"
    std::vector<int> samples; // indices into DatasetIndex::samples
    std::vector<SampleState> before, after;
    QStringList classesBefore; // both empty when the class list does not change
    QStringList classesAfter;

    bool isEmpty() const { return samples.empty() && classesBefore == classesAfter; }
    void apply(DatasetIndex &index) const;
    void revert(DatasetIndex &index) const;
};

/// Gives `samples` the label `label`; FlagRelabelled follows whether the label differs from the
/// imported one. Samples already carrying the label are left out of the edit.
Result<CurationEdit> makeRelabel(const DatasetIndex &index, const std::vector<int> &samples, int label);
/// Sets or clears a flag (FlagExcluded, FlagFlagged) on `samples`.
Result<CurationEdit> makeSetFlag(const DatasetIndex &index, const std::vector<int> &samples, SampleFlag flag, bool on);
/// Moves `samples` to `split`.
Result<CurationEdit> makeMoveToSplit(const DatasetIndex &index, const std::vector<int> &samples, Split split);
/// Renames class `classIndex`; the new name must be non-empty and not taken.
Result<CurationEdit> makeRenameClass(const DatasetIndex &index, int classIndex, const QString &name);
/// Merges the classes `from` into `into`: their samples get label `into` and the merged classes
/// disappear from the class list (labels above them shift down).
Result<CurationEdit> makeMergeClasses(const DatasetIndex &index, const std::vector<int> &from, int into);

} // namespace fopro::data
