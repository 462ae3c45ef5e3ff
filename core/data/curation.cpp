#include "core/data/curation.h"

#include <algorithm>

namespace fopro::data {

namespace {

SampleState stateOf(const Sample &s)
{
    return {s.label, s.originalLabel, s.flags, s.split};
}

void setState(Sample &s, const SampleState &st)
{
    s.label = st.label;
    s.originalLabel = st.originalLabel;
    s.flags = st.flags;
    s.split = st.split;
}

Result<void> checkSamples(const DatasetIndex &index, const std::vector<int> &samples)
{
    if (samples.empty()) return makeError(ErrorCode::InvalidArgument, QString(), QStringLiteral("no images selected"));
    for (int i : samples)
        if (i < 0 || i >= int(index.samples.size()))
            return makeError(ErrorCode::InvalidArgument, QString(), QStringLiteral("image %1 does not exist").arg(i));
    return {};
}

QString images(int n)
{
    return n == 1 ? QStringLiteral("1 image") : QStringLiteral("%1 images").arg(n);
}

/// Builds an edit from a per-sample transformation, keeping only samples that change.
template <typename F> CurationEdit editSamples(const DatasetIndex &index, const std::vector<int> &samples, F change)
{
    CurationEdit e;
    std::vector<int> sorted = samples;
    std::sort(sorted.begin(), sorted.end());
    sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
    for (int i : sorted) {
        const Sample &s = index.samples[std::size_t(i)];
        SampleState after = stateOf(s);
        change(s, after);
        if (after == stateOf(s)) continue;
        e.samples.push_back(i);
        e.before.push_back(stateOf(s));
        e.after.push_back(after);
    }
    return e;
}

} // namespace

void CurationEdit::apply(DatasetIndex &index) const
{
    if (!classesAfter.isEmpty() || !classesBefore.isEmpty()) index.classes = classesAfter;
    for (std::size_t k = 0; k < samples.size(); ++k)
        setState(index.samples[std::size_t(samples[k])], after[k]);
}

void CurationEdit::revert(DatasetIndex &index) const
{
    if (!classesAfter.isEmpty() || !classesBefore.isEmpty()) index.classes = classesBefore;
    for (std::size_t k = 0; k < samples.size(); ++k)
        setState(index.samples[std::size_t(samples[k])], before[k]);
}

Result<CurationEdit> makeRelabel(const DatasetIndex &index, const std::vector<int> &samples, int label)
{
    if (auto ok = checkSamples(index, samples); !ok) return ok.error();
    if (label < 0 || label >= index.classCount())
        return makeError(ErrorCode::InvalidArgument, QString(), QStringLiteral("class %1 does not exist").arg(label));
    CurationEdit e = editSamples(index, samples, [&](const Sample &s, SampleState &st) {
        st.label = label;
        const bool relabelled = label != s.originalLabel;
        st.flags = relabelled ? (st.flags | FlagRelabelled) : (st.flags & ~FlagRelabelled);
    });
    e.description = QStringLiteral("Relabel %1 as %2").arg(images(int(e.samples.size())), index.classes[label]);
    return e;
}

Result<CurationEdit> makeSetFlag(const DatasetIndex &index, const std::vector<int> &samples, SampleFlag flag, bool on)
{
    if (auto ok = checkSamples(index, samples); !ok) return ok.error();
    if (flag != FlagExcluded && flag != FlagFlagged)
        return makeError(ErrorCode::InvalidArgument, QString(),
                         QStringLiteral("only the excluded and flagged marks can be set by hand"));
    CurationEdit e = editSamples(index, samples, [&](const Sample &, SampleState &st) {
        st.flags = on ? (st.flags | flag) : (st.flags & ~flag);
    });
    const int n = int(e.samples.size());
    if (flag == FlagExcluded)
        e.description = on ? QStringLiteral("Exclude %1").arg(images(n)) : QStringLiteral("Include %1").arg(images(n));
    else
        e.description = on ? QStringLiteral("Flag %1 for review").arg(images(n))
                           : QStringLiteral("Clear the review flag of %1").arg(images(n));
    return e;
}

Result<CurationEdit> makeMoveToSplit(const DatasetIndex &index, const std::vector<int> &samples, Split split)
{
    if (auto ok = checkSamples(index, samples); !ok) return ok.error();
    CurationEdit e = editSamples(index, samples, [&](const Sample &, SampleState &st) { st.split = split; });
    e.description = split == Split::None
                        ? QStringLiteral("Remove %1 from their split").arg(images(int(e.samples.size())))
                        : QStringLiteral("Move %1 to %2").arg(images(int(e.samples.size())), splitName(split));
    return e;
}

Result<CurationEdit> makeRenameClass(const DatasetIndex &index, int classIndex, const QString &name)
{
    const QString n = name.trimmed();
    if (classIndex < 0 || classIndex >= index.classCount())
        return makeError(ErrorCode::InvalidArgument, QString(),
                         QStringLiteral("class %1 does not exist").arg(classIndex));
    if (n.isEmpty())
        return makeError(ErrorCode::InvalidArgument, QString(), QStringLiteral("a class name cannot be empty"));
    const int existing = index.classIndex(n);
    if (existing >= 0 && existing != classIndex)
        return makeError(ErrorCode::InvalidArgument, QString(),
                         QStringLiteral("a class named '%1' exists already (merge the classes instead)").arg(n));
    CurationEdit e;
    e.classesBefore = index.classes;
    e.classesAfter = index.classes;
    e.classesAfter[classIndex] = n;
    e.description = QStringLiteral("Rename class %1 to %2").arg(index.classes[classIndex], n);
    return e;
}

Result<CurationEdit> makeMergeClasses(const DatasetIndex &index, const std::vector<int> &from, int into)
{
    if (into < 0 || into >= index.classCount())
        return makeError(ErrorCode::InvalidArgument, QString(), QStringLiteral("class %1 does not exist").arg(into));
    std::vector<int> merged;
    for (int c : from) {
        if (c < 0 || c >= index.classCount())
            return makeError(ErrorCode::InvalidArgument, QString(), QStringLiteral("class %1 does not exist").arg(c));
        if (c != into && std::find(merged.begin(), merged.end(), c) == merged.end()) merged.push_back(c);
    }
    if (merged.empty())
        return makeError(ErrorCode::InvalidArgument, QString(),
                         QStringLiteral("choose at least one other class to merge"));
    // New index of every old class: merged ones map to `into`, the rest shift down past removals.
    std::vector<int> map(std::size_t(index.classCount()));
    CurationEdit e;
    e.classesBefore = index.classes;
    QStringList names;
    for (int c = 0, next = 0; c < index.classCount(); ++c) {
        if (std::find(merged.begin(), merged.end(), c) != merged.end()) continue;
        map[std::size_t(c)] = next++;
        names << index.classes[c];
    }
    for (int c : merged)
        map[std::size_t(c)] = map[std::size_t(into)];
    e.classesAfter = names;
    // Every sample whose label index changes is recorded (labels above a removed class shift too).
    for (int i = 0; i < int(index.samples.size()); ++i) {
        const Sample &s = index.samples[std::size_t(i)];
        SampleState after = stateOf(s);
        if (s.label >= 0) after.label = map[std::size_t(s.label)];
        if (s.originalLabel >= 0 && s.originalLabel < index.classCount())
            after.originalLabel = map[std::size_t(s.originalLabel)];
        // A relabel between two merged classes is no relabel any more.
        after.flags = after.label == after.originalLabel ? (after.flags & ~FlagRelabelled) : after.flags;
        if (after == stateOf(s)) continue;
        e.samples.push_back(i);
        e.before.push_back(stateOf(s));
        e.after.push_back(after);
    }
    QStringList mergedNames;
    for (int c : merged)
        mergedNames << index.classes[c];
    e.description = QStringLiteral("Merge %1 into %2").arg(mergedNames.join(QStringLiteral(", ")), index.classes[into]);
    return e;
}

} // namespace fopro::data
