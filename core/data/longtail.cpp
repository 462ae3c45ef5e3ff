#include "core/data/longtail.h"

#include "core/data/splits.h"

#include <QtCore/QHash>
#include <QtCore/QVariantMap>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <numeric>

namespace fopro::data {

QString tailGroupName(TailGroup group)
{
    switch (group) {
    case TailGroup::Head:
        return QStringLiteral("head");
    case TailGroup::Medium:
        return QStringLiteral("medium");
    case TailGroup::Tail:
        break;
    }
    return QStringLiteral("tail");
}

TailGroup tailGroupOf(int count, TailThresholds thresholds)
{
    if (count > thresholds.many) return TailGroup::Head;
    if (count < thresholds.few) return TailGroup::Tail;
    return TailGroup::Medium;
}

LongTailSummary summarizeLongTail(const DatasetIndex &index, TailThresholds thresholds, std::optional<Split> split)
{
    const std::vector<int> counts = index.classCounts(split);
    LongTailSummary out;
    int maxCount = 0, minCount = 0;
    for (int c = 0; c < int(counts.size()); ++c) {
        const int n = counts[std::size_t(c)];
        ClassStat stat;
        stat.classIndex = c;
        stat.name = index.classes.value(c);
        stat.count = n;
        stat.group = tailGroupOf(n, thresholds);
        out.sorted.push_back(stat);
        out.total += n;
        if (n == 0) {
            ++out.emptyClasses;
        } else {
            maxCount = std::max(maxCount, n);
            minCount = minCount == 0 ? n : std::min(minCount, n);
        }
        switch (stat.group) {
        case TailGroup::Head:
            ++out.head;
            break;
        case TailGroup::Medium:
            ++out.medium;
            break;
        case TailGroup::Tail:
            ++out.tail;
            break;
        }
    }
    std::stable_sort(out.sorted.begin(), out.sorted.end(),
                     [](const ClassStat &a, const ClassStat &b) { return a.count > b.count; });
    out.imbalanceRatio = minCount > 0 ? double(maxCount) / double(minCount) : 0.0;
    return out;
}

std::vector<int> longTailTargetCounts(const std::vector<int> &sizes, double factor, int heldOutPerClass)
{
    std::vector<int> out(sizes.size(), 0);
    if (sizes.empty()) return out;
    const long double nmax = *std::max_element(sizes.begin(), sizes.end());
    const std::size_t C = sizes.size();
    for (std::size_t i = 0; i < C; ++i) {
        const long long available = std::max(0LL, (long long)sizes[i] - heldOutPerClass);
        long long cap = (long long)nmax;
        if (C > 1) {
            const long double exponent = (long double)i / (long double)(C - 1);
            const long double v = nmax * std::pow((long double)factor, exponent);
            // A relative epsilon keeps products that are exact integers (e.g. 12800 * 0.01) from
            // falling just below and being floored one short.
            cap = (long long)std::floor(v + v * 1e-12L);
        }
        out[i] = int(std::max(0LL, std::min(available, cap)));
    }
    return out;
}

namespace {

enum : std::int8_t { Undecided = 0, ToTrain, ToVal, ToTest, Dropped };

Error invalid(const QString &detail)
{
    return makeError(ErrorCode::InvalidArgument, QString(), detail);
}

} // namespace

Result<DatasetIndex> makeLongTail(const DatasetIndex &in, const LongTailOptions &o)
{
    if (!(o.factor > 0 && o.factor <= 1))
        return invalid(QStringLiteral("the imbalance factor must be in (0, 1], got %1").arg(o.factor));
    if (o.valPerClass < 0 || o.testPerClass < 0)
        return invalid(QStringLiteral("held-out counts per class must not be negative"));

    const int C = in.classCount();
    const std::size_t N = in.samples.size();
    std::vector<int> pool;
    std::vector<bool> keepAsIs(N, false);
    for (std::size_t i = 0; i < N; ++i) {
        const Sample &s = in.samples[i];
        if (!DatasetIndex::isActive(s) || s.label >= C) continue;
        if (!o.onlyTrainSplit || s.split == Split::Train)
            pool.push_back(int(i));
        else if (s.split == Split::Val || s.split == Split::Test)
            keepAsIs[i] = true;
    }
    std::vector<int> poolCount(std::size_t(C), 0);
    for (int i : pool)
        ++poolCount[std::size_t(in.samples[std::size_t(i)].label)];

    const int holdOut = o.valPerClass + o.testPerClass;
    if (holdOut > 0) {
        for (int c = 0; c < C; ++c) {
            if (poolCount[std::size_t(c)] < holdOut)
                return invalid(QStringLiteral("class \"%1\" has %2 samples, fewer than the %3 held out per class "
                                              "for validation and test")
                                   .arg(in.classes[c])
                                   .arg(poolCount[std::size_t(c)])
                                   .arg(holdOut));
        }
    }

    // Rank the non-empty classes by pool size.
    std::vector<int> ranked;
    for (int c = 0; c < C; ++c)
        if (poolCount[std::size_t(c)] > 0) ranked.push_back(c);
    std::stable_sort(ranked.begin(), ranked.end(),
                     [&](int a, int b) { return poolCount[std::size_t(a)] > poolCount[std::size_t(b)]; });
    std::vector<int> rankedSizes;
    for (int c : ranked)
        rankedSizes.push_back(poolCount[std::size_t(c)]);
    const std::vector<int> targets = longTailTargetCounts(rankedSizes, o.factor, holdOut);

    SeededRandom rng(o.seed);
    std::vector<std::int8_t> state(N, Undecided);

    if (holdOut > 0) {
        // Groups of the pool, visited in a seeded random order.
        QHash<QString, int> ids;
        std::vector<std::vector<int>> groups;
        for (int i : pool) {
            const QString key = in.samples[std::size_t(i)].effectiveGroup();
            auto it = ids.find(key);
            if (it == ids.end()) {
                it = ids.insert(key, int(groups.size()));
                groups.emplace_back();
            }
            groups[std::size_t(*it)].push_back(i);
        }
        std::vector<int> order(groups.size());
        std::iota(order.begin(), order.end(), 0);
        rng.shuffle(order);
        // groupsOf[c]: (group, samples of class c in it), in the shuffled order.
        std::vector<std::vector<std::pair<int, int>>> groupsOf(static_cast<std::size_t>(C));
        for (int g : order) {
            std::map<int, int> perClass;
            for (int i : groups[std::size_t(g)])
                ++perClass[in.samples[std::size_t(i)].label];
            for (const auto &[c, n] : perClass)
                groupsOf[std::size_t(c)].push_back({g, n});
        }
        std::vector<bool> used(groups.size(), false);
        // have[0] test, have[1] val.
        std::vector<int> have[2] = {std::vector<int>(std::size_t(C), 0), std::vector<int>(std::size_t(C), 0)};
        const int quota[2] = {o.testPerClass, o.valPerClass};
        const std::int8_t target[2] = {ToTest, ToVal};

        std::vector<int> byRarity(static_cast<std::size_t>(C));
        std::iota(byRarity.begin(), byRarity.end(), 0);
        std::stable_sort(byRarity.begin(), byRarity.end(),
                         [&](int a, int b) { return poolCount[std::size_t(a)] < poolCount[std::size_t(b)]; });
        for (int c : byRarity) {
            for (int part = 0; part < 2; ++part) {
                while (have[part][std::size_t(c)] < quota[part]) {
                    const int need = quota[part] - have[part][std::size_t(c)];
                    // First group (in random order) that fits the need, else the smallest one.
                    int pick = -1, pickCount = 0;
                    for (const auto &[g, n] : groupsOf[std::size_t(c)]) {
                        if (used[std::size_t(g)]) continue;
                        if (n <= need) {
                            pick = g;
                            break;
                        }
                        if (pick < 0 || n < pickCount) {
                            pick = g;
                            pickCount = n;
                        }
                    }
                    if (pick < 0)
                        return invalid(QStringLiteral("class \"%1\" cannot provide %2 validation and %3 test "
                                                      "samples without splitting its groups")
                                           .arg(in.classes[c])
                                           .arg(o.valPerClass)
                                           .arg(o.testPerClass));
                    used[std::size_t(pick)] = true;
                    for (int i : groups[std::size_t(pick)]) {
                        const int k = in.samples[std::size_t(i)].label;
                        if (have[part][std::size_t(k)] < quota[part]) {
                            state[std::size_t(i)] = target[part];
                            ++have[part][std::size_t(k)];
                        } else {
                            state[std::size_t(i)] = Dropped;
                        }
                    }
                }
            }
        }
    }

    // Training: n_i random samples per class among those not held out.
    std::vector<std::vector<int>> candidates(static_cast<std::size_t>(C));
    for (int i : pool)
        if (state[std::size_t(i)] == Undecided) candidates[std::size_t(in.samples[std::size_t(i)].label)].push_back(i);
    for (std::size_t r = 0; r < ranked.size(); ++r) {
        std::vector<int> &list = candidates[std::size_t(ranked[r])];
        rng.shuffle(list);
        const std::size_t take = std::min(list.size(), std::size_t(targets[r]));
        for (std::size_t j = 0; j < take; ++j)
            state[std::size_t(list[j])] = ToTrain;
    }

    DatasetIndex out;
    out.format = in.format;
    out.root = in.root;
    out.classes = in.classes;
    out.info = in.info;
    QVariantMap lt;
    lt.insert(QStringLiteral("factor"), o.factor);
    lt.insert(QStringLiteral("valPerClass"), o.valPerClass);
    lt.insert(QStringLiteral("testPerClass"), o.testPerClass);
    lt.insert(QStringLiteral("seed"), QString::number(o.seed));
    lt.insert(QStringLiteral("onlyTrainSplit"), o.onlyTrainSplit);
    out.info.insert(QStringLiteral("longTail"), lt);
    for (std::size_t i = 0; i < N; ++i) {
        if (keepAsIs[i]) {
            out.samples.push_back(in.samples[i]);
            continue;
        }
        Split split = Split::None;
        switch (state[i]) {
        case ToTrain:
            split = Split::Train;
            break;
        case ToVal:
            split = Split::Val;
            break;
        case ToTest:
            split = Split::Test;
            break;
        default:
            continue;
        }
        out.samples.push_back(in.samples[i]);
        out.samples.back().split = split;
    }
    return out;
}

} // namespace fopro::data

namespace fopro::data {

int ClassSplitCounts::grandTotal() const
{
    int sum = 0;
    for (int c = 0; c < classCount(); ++c)
        sum += total(c);
    return sum;
}

bool ClassSplitCounts::anyTraining() const
{
    for (int c = 0; c < classCount(); ++c)
        if (trainCount(c) > 0) return true;
    return false;
}

ClassSplitCounts classSplitCounts(const DatasetIndex &index)
{
    ClassSplitCounts counts;
    counts.classNames = index.classes;
    const std::size_t n = std::size_t(index.classCount());
    for (std::vector<int> *v : {&counts.train, &counts.val, &counts.test, &counts.unassigned, &counts.excluded})
        v->assign(n, 0);
    for (const Sample &s : index.samples) {
        if (s.label < 0 || s.label >= index.classCount()) continue;
        const std::size_t c = std::size_t(s.label);
        if (!DatasetIndex::isActive(s)) {
            ++counts.excluded[c];
            continue;
        }
        switch (s.split) {
        case Split::Train:
            ++counts.train[c];
            break;
        case Split::Val:
            ++counts.val[c];
            break;
        case Split::Test:
            ++counts.test[c];
            break;
        case Split::None:
            ++counts.unassigned[c];
            break;
        }
    }
    return counts;
}

TailStats tailStats(const ClassSplitCounts &counts, TailThresholds thresholds)
{
    TailStats t;
    const int n = counts.classCount();
    t.order.resize(std::size_t(n));
    std::iota(t.order.begin(), t.order.end(), 0);
    std::stable_sort(t.order.begin(), t.order.end(), [&](int a, int b) { return counts.total(a) > counts.total(b); });
    t.byTraining = counts.anyTraining();
    t.groupCounts.resize(std::size_t(n));
    t.groups.resize(std::size_t(n));
    for (int c = 0; c < n; ++c) {
        const int g = t.byTraining ? counts.trainCount(c) : counts.total(c);
        t.groupCounts[std::size_t(c)] = g;
        t.groups[std::size_t(c)] = tailGroupOf(g, thresholds);
        t.maxTotal = std::max(t.maxTotal, counts.total(c));
        if (counts.total(c) > 0) ++t.nonEmptyClasses;
        if (g <= 0) continue;
        t.largest = std::max(t.largest, g);
        t.smallest = t.smallest == 0 ? g : std::min(t.smallest, g);
    }
    t.imbalanceRatio = t.smallest > 0 ? double(t.largest) / double(t.smallest) : 0.0;
    return t;
}

} // namespace fopro::data
