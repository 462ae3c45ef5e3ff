#include "core/data/splits.h"

#include <QtCore/QHash>

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <numeric>

namespace fopro::data {

namespace {

// One unit of assignment: the active samples sharing an effective group.
struct GroupInfo {
    std::vector<int> samples;                // indices into DatasetIndex::samples
    std::vector<std::pair<int, int>> counts; // (class, samples of that class), sorted by class
    int size = 0;
};

// Groups of the given samples, in order of first appearance (deterministic for a given index).
std::vector<GroupInfo> collectGroups(const DatasetIndex &index, const std::vector<int> &sampleIndices)
{
    QHash<QString, int> ids;
    std::vector<GroupInfo> groups;
    for (int i : sampleIndices) {
        const Sample &s = index.samples[std::size_t(i)];
        const QString key = s.effectiveGroup();
        auto it = ids.find(key);
        if (it == ids.end()) {
            it = ids.insert(key, int(groups.size()));
            groups.emplace_back();
        }
        groups[std::size_t(*it)].samples.push_back(i);
    }
    for (GroupInfo &g : groups) {
        std::map<int, int> perClass;
        for (int i : g.samples)
            ++perClass[index.samples[std::size_t(i)].label];
        g.counts.assign(perClass.begin(), perClass.end());
        g.size = int(g.samples.size());
    }
    return groups;
}

std::vector<int> activeSamples(const DatasetIndex &index)
{
    std::vector<int> out;
    for (std::size_t i = 0; i < index.samples.size(); ++i) {
        const Sample &s = index.samples[i];
        if (DatasetIndex::isActive(s) && s.label < index.classCount()) out.push_back(int(i));
    }
    return out;
}

// Assigns every group to one of fractions.size() bins (all fractions > 0, summing to 1).
// Returns the bin of each group.
std::vector<int> assignGroupsToBins(const std::vector<GroupInfo> &groups, int classCount,
                                    const std::vector<double> &fractions, SeededRandom &rng)
{
    const int binCount = int(fractions.size());
    const int groupCount = int(groups.size());
    std::vector<int> bin(std::size_t(groupCount), -1);
    if (groupCount == 0 || binCount == 0) return bin;

    // A random rank per group breaks every tie, so the seed decides among equals.
    std::vector<int> order(static_cast<std::size_t>(groupCount));
    std::iota(order.begin(), order.end(), 0);
    rng.shuffle(order);
    std::vector<int> rank(static_cast<std::size_t>(groupCount));
    for (int i = 0; i < groupCount; ++i)
        rank[std::size_t(order[std::size_t(i)])] = i;

    const std::size_t C = std::size_t(classCount);
    std::vector<long long> total(C, 0);
    std::vector<std::vector<int>> groupsOf(C);
    for (int g = 0; g < groupCount; ++g) {
        for (const auto &[c, n] : groups[std::size_t(g)].counts) {
            total[std::size_t(c)] += n;
            groupsOf[std::size_t(c)].push_back(g);
        }
    }
    std::vector<long long> have(std::size_t(binCount) * C, 0);
    auto cell = [&](int b, int c) -> long long & { return have[std::size_t(b) * C + std::size_t(c)]; };
    auto put = [&](int g, int b) {
        bin[std::size_t(g)] = b;
        for (const auto &[c, n] : groups[std::size_t(g)].counts)
            cell(b, c) += n;
    };
    auto take = [&](int g) {
        const int b = bin[std::size_t(g)];
        for (const auto &[c, n] : groups[std::size_t(g)].counts)
            cell(b, c) -= n;
        bin[std::size_t(g)] = -1;
    };
    auto smaller = [&](int a, int b) {
        const int sa = groups[std::size_t(a)].size, sb = groups[std::size_t(b)].size;
        return sa != sb ? sa < sb : rank[std::size_t(a)] < rank[std::size_t(b)];
    };

    // 1. Coverage: rarest class first, every bin lacking the class gets a small group holding it.
    std::vector<int> eligible;
    std::vector<bool> needsCoverage(C, false);
    for (int c = 0; c < classCount; ++c) {
        if (int(groupsOf[std::size_t(c)].size()) >= binCount) {
            eligible.push_back(c);
            needsCoverage[std::size_t(c)] = true;
        }
    }
    std::sort(eligible.begin(), eligible.end(), [&](int a, int b) {
        const auto ga = groupsOf[std::size_t(a)].size(), gb = groupsOf[std::size_t(b)].size();
        if (ga != gb) return ga < gb;
        if (total[std::size_t(a)] != total[std::size_t(b)]) return total[std::size_t(a)] < total[std::size_t(b)];
        return a < b;
    });
    std::vector<int> binOrder(static_cast<std::size_t>(binCount));
    std::iota(binOrder.begin(), binOrder.end(), 0);
    std::stable_sort(binOrder.begin(), binOrder.end(),
                     [&](int a, int b) { return fractions[std::size_t(a)] < fractions[std::size_t(b)]; });
    for (int c : eligible) {
        for (int b : binOrder) {
            if (cell(b, c) > 0) continue;
            int best = -1;
            for (int g : groupsOf[std::size_t(c)])
                if (bin[std::size_t(g)] < 0 && (best < 0 || smaller(g, best))) best = g;
            if (best >= 0) {
                put(best, b);
                continue;
            }
            // Repair: move a group holding c from another bin, when that bin keeps every covered
            // class it would lose (groups mixing classes can make full coverage impossible).
            for (int g : groupsOf[std::size_t(c)]) {
                const int from = bin[std::size_t(g)];
                bool canMove = true;
                for (const auto &[k, n] : groups[std::size_t(g)].counts) {
                    if (needsCoverage[std::size_t(k)] && cell(from, k) - n <= 0) {
                        canMove = false;
                        break;
                    }
                }
                if (canMove && (best < 0 || smaller(g, best))) best = g;
            }
            if (best >= 0) {
                take(best);
                put(best, b);
            }
        }
    }

    // 2. Greedy: biggest groups first, each to the bin with the largest relative deficit of its
    // classes (weighted by how many samples of each class the group holds).
    std::vector<int> rest;
    for (int g = 0; g < groupCount; ++g)
        if (bin[std::size_t(g)] < 0) rest.push_back(g);
    std::sort(rest.begin(), rest.end(), [&](int a, int b) {
        const int sa = groups[std::size_t(a)].size, sb = groups[std::size_t(b)].size;
        return sa != sb ? sa > sb : rank[std::size_t(a)] < rank[std::size_t(b)];
    });
    for (int g : rest) {
        int best = -1;
        double bestScore = 0;
        for (int b = 0; b < binCount; ++b) {
            double score = 0;
            for (const auto &[c, n] : groups[std::size_t(g)].counts) {
                const double target = fractions[std::size_t(b)] * double(total[std::size_t(c)]);
                score += n * (target - double(cell(b, c))) / target;
            }
            const bool better =
                best < 0 || score > bestScore + 1e-12 ||
                (std::abs(score - bestScore) <= 1e-12 && fractions[std::size_t(b)] > fractions[std::size_t(best)]);
            if (better) {
                best = b;
                bestScore = score;
            }
        }
        put(g, best);
    }
    return bin;
}

} // namespace

Result<void> assignSplits(DatasetIndex &index, SplitFractions fractions, quint64 seed)
{
    const double parts[3] = {fractions.train, fractions.val, fractions.test};
    const Split names[3] = {Split::Train, Split::Val, Split::Test};
    double sum = 0;
    for (double p : parts) {
        if (!std::isfinite(p) || p < 0)
            return makeError(ErrorCode::InvalidArgument, QString(),
                             QStringLiteral("split fractions must be finite and not negative"));
        sum += p;
    }
    if (sum <= 0)
        return makeError(ErrorCode::InvalidArgument, QString(),
                         QStringLiteral("at least one split fraction must be greater than zero"));
    std::vector<double> binFractions;
    std::vector<Split> binSplits;
    for (int i = 0; i < 3; ++i) {
        if (parts[i] > 0) {
            binFractions.push_back(parts[i] / sum);
            binSplits.push_back(names[i]);
        }
    }

    for (Sample &s : index.samples)
        s.split = Split::None;
    const std::vector<GroupInfo> groups = collectGroups(index, activeSamples(index));
    SeededRandom rng(seed);
    const std::vector<int> bins = assignGroupsToBins(groups, index.classCount(), binFractions, rng);
    for (std::size_t g = 0; g < groups.size(); ++g)
        for (int i : groups[g].samples)
            index.samples[std::size_t(i)].split = binSplits[std::size_t(bins[g])];
    return {};
}

Result<std::vector<int>> stratifiedGroupKFold(const DatasetIndex &index, int k, quint64 seed)
{
    if (k < 2)
        return makeError(ErrorCode::InvalidArgument, QString(),
                         QStringLiteral("k-fold needs at least 2 folds, got %1").arg(k));
    const std::vector<GroupInfo> groups = collectGroups(index, activeSamples(index));
    if (int(groups.size()) < k)
        return makeError(ErrorCode::InvalidArgument, QString(),
                         QStringLiteral("%1 folds need at least %1 groups of active samples, there are %2")
                             .arg(k)
                             .arg(groups.size()));
    SeededRandom rng(seed);
    const std::vector<int> bins =
        assignGroupsToBins(groups, index.classCount(), std::vector<double>(std::size_t(k), 1.0 / k), rng);
    std::vector<int> folds(index.samples.size(), -1);
    for (std::size_t g = 0; g < groups.size(); ++g)
        for (int i : groups[g].samples)
            folds[std::size_t(i)] = bins[g];
    return folds;
}

DatasetIndex foldIndex(const DatasetIndex &index, const std::vector<int> &folds, int testFold,
                       double valFractionOfTrain, quint64 seed)
{
    DatasetIndex out = index;
    std::vector<int> train;
    for (std::size_t i = 0; i < out.samples.size(); ++i) {
        Sample &s = out.samples[i];
        const int fold = i < folds.size() ? folds[i] : -1;
        if (fold < 0 || !DatasetIndex::isActive(s)) {
            s.split = Split::None;
        } else if (fold == testFold) {
            s.split = Split::Test;
        } else {
            s.split = Split::Train;
            train.push_back(int(i));
        }
    }
    if (valFractionOfTrain >= 1) {
        for (int i : train)
            out.samples[std::size_t(i)].split = Split::Val;
    } else if (valFractionOfTrain > 0) {
        const std::vector<GroupInfo> groups = collectGroups(out, train);
        SeededRandom rng(seed);
        const std::vector<int> bins =
            assignGroupsToBins(groups, out.classCount(), {1.0 - valFractionOfTrain, valFractionOfTrain}, rng);
        for (std::size_t g = 0; g < groups.size(); ++g)
            if (bins[g] == 1)
                for (int i : groups[g].samples)
                    out.samples[std::size_t(i)].split = Split::Val;
    }
    return out;
}

Result<std::vector<int>> exactStratifiedKFold(const DatasetIndex &index, int k, quint64 seed)
{
    if (k < 2)
        return makeError(ErrorCode::InvalidArgument, QString(),
                         QStringLiteral("k-fold needs at least 2 folds, got %1").arg(k));
    const std::vector<int> active = activeSamples(index);
    if (int(active.size()) < k)
        return makeError(
            ErrorCode::InvalidArgument, QString(),
            QStringLiteral("%1 folds need at least %1 active samples, there are %2").arg(k).arg(active.size()));

    std::vector<std::vector<int>> perClass(std::size_t(index.classCount()));
    for (int i : active)
        perClass[std::size_t(index.samples[std::size_t(i)].label)].push_back(i);
    std::vector<int> classOrder(std::size_t(index.classCount()));
    std::iota(classOrder.begin(), classOrder.end(), 0);
    std::sort(classOrder.begin(), classOrder.end(), [&](int a, int b) {
        const int cmp = QString::compare(index.classes[a], index.classes[b]);
        return cmp != 0 ? cmp < 0 : a < b;
    });

    SeededRandom rng(seed);
    std::vector<int> folds(index.samples.size(), -1);
    std::vector<QString> ids(index.samples.size());
    for (int i : active)
        ids[std::size_t(i)] = index.samples[std::size_t(i)].id();
    std::vector<int> remainder; // the n_c mod k samples of each class, in class order
    for (int c : classOrder) {
        std::vector<int> members = perClass[std::size_t(c)];
        std::sort(members.begin(), members.end(), [&](int a, int b) {
            const int cmp = QString::compare(ids[std::size_t(a)], ids[std::size_t(b)]);
            return cmp != 0 ? cmp < 0 : a < b;
        });
        rng.shuffle(members);
        const std::size_t full = members.size() / std::size_t(k) * std::size_t(k);
        for (std::size_t j = 0; j < full; ++j)
            folds[std::size_t(members[j])] = int(j % std::size_t(k));
        for (std::size_t j = full; j < members.size(); ++j)
            remainder.push_back(members[j]);
    }
    // Dealt round-robin across classes: a class has fewer than k leftovers, so each of them lands
    // in a different fold; the last (N mod k) are in no fold.
    const std::size_t dealt = remainder.size() / std::size_t(k) * std::size_t(k);
    for (std::size_t j = 0; j < dealt; ++j)
        folds[std::size_t(remainder[j])] = int(j % std::size_t(k));
    return folds;
}

Result<std::vector<int>> hyperKvasirFolds(const DatasetIndex &index)
{
    return exactStratifiedKFold(index, 5, 0);
}

std::vector<SplitLeak> findGroupLeaks(const DatasetIndex &index)
{
    QHash<QString, unsigned> masks;
    for (const Sample &s : index.samples) {
        if (!DatasetIndex::isActive(s) || s.split == Split::None) continue;
        masks[s.effectiveGroup()] |= 1u << unsigned(s.split);
    }
    std::vector<SplitLeak> leaks;
    for (auto it = masks.cbegin(); it != masks.cend(); ++it) {
        const unsigned m = it.value();
        if ((m & (m - 1)) == 0) continue; // a single split
        SplitLeak leak;
        leak.group = it.key();
        for (Split s : {Split::Train, Split::Val, Split::Test})
            if (m & (1u << unsigned(s))) leak.splits.append(s);
        leaks.push_back(std::move(leak));
    }
    std::sort(leaks.begin(), leaks.end(), [](const SplitLeak &a, const SplitLeak &b) { return a.group < b.group; });
    return leaks;
}

} // namespace fopro::data

namespace fopro::data {

CurationEdit diffDatasets(const DatasetIndex &before, const DatasetIndex &after, const QString &description)
{
    CurationEdit edit;
    edit.description = description;
    const auto stateOf = [](const Sample &s) { return SampleState{s.label, s.originalLabel, s.flags, s.split}; };
    const std::size_t n = std::min(before.samples.size(), after.samples.size());
    for (std::size_t i = 0; i < n; ++i) {
        const SampleState b = stateOf(before.samples[i]);
        const SampleState a = stateOf(after.samples[i]);
        if (a == b) continue;
        edit.samples.push_back(int(i));
        edit.before.push_back(b);
        edit.after.push_back(a);
    }
    if (before.classes != after.classes) {
        edit.classesBefore = before.classes;
        edit.classesAfter = after.classes;
    }
    return edit;
}

namespace {

/// Merges the groups of every set's members (union-find over effective group ids) and gives the
/// samples of merged groups one shared group id. Only `index`'s groups change.
void mergeGroups(DatasetIndex &index, const std::vector<std::vector<int>> &sets)
{
    QHash<QString, QString> parent;
    const std::function<QString(const QString &)> find = [&](const QString &g) -> QString {
        auto it = parent.find(g);
        if (it == parent.end() || *it == g) return g;
        const QString root = find(*it);
        parent[g] = root;
        return root;
    };
    const int n = int(index.samples.size());
    bool any = false;
    for (const std::vector<int> &set : sets) {
        QString first;
        for (int i : set) {
            if (i < 0 || i >= n) continue;
            const QString g = find(index.samples[std::size_t(i)].effectiveGroup());
            if (first.isEmpty()) {
                first = g;
            } else if (g != first) {
                parent[g] = first;
                any = true;
            }
        }
    }
    if (!any) return;
    for (Sample &s : index.samples)
        s.group = find(s.effectiveGroup()); // an unmerged group keeps its id
}

} // namespace

Result<SplitProposal> proposeSplit(const DatasetIndex &current, const SplitRequest &request, const QString &description,
                                   JobControl *control)
{
    const auto cancelled = [] { return makeError(ErrorCode::Cancelled, {}, QStringLiteral("cancelled")); };
    const bool kfold = request.method == SplitMethod::KFold || request.method == SplitMethod::HyperKvasir;
    if (kfold && request.keepTest && request.keepVal)
        return makeError(ErrorCode::InvalidArgument, {},
                         QStringLiteral("with both the test and the validation set kept, k-fold has nothing to "
                                        "rotate; keep only the test set (the chosen fold then validates)"));
    // The method sees a working copy: protected samples are set aside (excluded, so every method
    // passes them over) and groups that must stay together are merged.
    DatasetIndex work = current;
    std::vector<char> protectedSample(current.samples.size(), 0);
    for (std::size_t i = 0; i < work.samples.size(); ++i) {
        Sample &s = work.samples[i];
        if (!DatasetIndex::isActive(s)) continue;
        if ((request.keepTest && s.split == Split::Test) || (request.keepVal && s.split == Split::Val)) {
            protectedSample[i] = 1;
            s.set(FlagExcluded, true);
        }
    }
    if (!request.keepTogether.empty()) mergeGroups(work, request.keepTogether);

    SplitProposal p;
    p.after = work;
    switch (request.method) {
    case SplitMethod::Fractions: {
        SplitFractions fractions = request.fractions;
        if (request.keepTest) fractions.test = 0;
        if (request.keepVal) fractions.val = 0;
        Result<void> ok = assignSplits(p.after, fractions, request.seed);
        if (!ok) return ok.error();
        break;
    }
    case SplitMethod::KFold:
    case SplitMethod::HyperKvasir: {
        Result<std::vector<int>> folds = request.method == SplitMethod::KFold
                                             ? stratifiedGroupKFold(work, request.k, request.seed)
                                             : hyperKvasirFolds(work);
        if (!folds) return folds.error();
        if (isCancelled(control)) return cancelled();
        p.after =
            foldIndex(work, *folds, request.testFold, request.keepVal ? 0.0 : request.valShareOfTrain, request.seed);
        if (request.keepTest) // the fixed test set stays the test; the rotating fold validates
            for (Sample &s : p.after.samples)
                if (s.split == Split::Test) s.split = Split::Val;
        break;
    }
    case SplitMethod::LongTail: {
        LongTailOptions options = request.longTail;
        options.seed = request.seed;
        if (request.keepTest) options.testPerClass = 0;
        if (request.keepVal) options.valPerClass = 0;
        Result<DatasetIndex> lt = makeLongTail(work, options);
        if (!lt) return lt.error();
        if (isCancelled(control)) return cancelled();
        // makeLongTail keeps a subset; here every sample stays, those not kept are excluded.
        QHash<QString, Split> kept;
        kept.reserve(qsizetype(lt->samples.size()));
        for (const Sample &s : lt->samples)
            kept.insert(s.id(), s.split);
        for (Sample &s : p.after.samples) {
            const auto it = kept.constFind(s.id());
            if (it != kept.cend()) {
                s.split = *it;
            } else {
                if (DatasetIndex::isActive(s)) ++p.newlyExcluded;
                s.set(FlagExcluded, true);
                s.split = Split::None;
            }
        }
        break;
    }
    }
    if (isCancelled(control)) return cancelled();
    // Protected samples get back their split and flags; every sample its own group.
    for (std::size_t i = 0; i < p.after.samples.size(); ++i) {
        Sample &s = p.after.samples[i];
        const Sample &before = current.samples[i];
        s.group = before.group;
        if (protectedSample[i]) {
            s.split = before.split;
            s.flags = before.flags;
        }
    }
    p.edit = diffDatasets(current, p.after, description);
    p.groupLeaks = int(findGroupLeaks(p.after).size());
    return p;
}

} // namespace fopro::data
