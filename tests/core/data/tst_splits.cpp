// Stratified group-aware splits, k-fold, the HyperKvasir fold protocol, the leakage checker, and
// split proposals (what the Split manager previews): the new state, its difference from the
// current one as an undoable edit, leaks and newly excluded samples.

#include "core/data/splits.h"
#include "tests/support/testsupport.h"

#include <QtTest/QtTest>

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <set>

using namespace fopro::data;

namespace {

// A dataset with `classes` classes of the given sizes, grouped into patients of 1..maxGroup images
// (seeded sizes), with `mixed` extra patients holding two classes and a few excluded samples.
DatasetIndex groupedDataset(const std::vector<int> &sizes, int maxGroup, int mixed, quint64 seed)
{
    DatasetIndex d;
    d.format = QStringLiteral("test");
    SeededRandom rng(seed);
    for (int c = 0; c < int(sizes.size()); ++c) {
        d.classes.append(QStringLiteral("class%1").arg(c));
        int made = 0, patient = 0;
        while (made < sizes[std::size_t(c)]) {
            const int n = 1 + int(rng.below(quint64(maxGroup)));
            for (int j = 0; j < n && made < sizes[std::size_t(c)]; ++j, ++made) {
                Sample s;
                s.path = QStringLiteral("c%1/%2.jpg").arg(c).arg(made);
                s.label = s.originalLabel = c;
                s.group = QStringLiteral("p%1-%2").arg(c).arg(patient);
                d.samples.push_back(s);
            }
            ++patient;
        }
    }
    for (int m = 0; m < mixed; ++m) {
        const int a = int(rng.below(quint64(sizes.size()))), b = int(rng.below(quint64(sizes.size())));
        for (int j = 0; j < 3; ++j) {
            Sample s;
            s.path = QStringLiteral("mixed/%1-%2.jpg").arg(m).arg(j);
            s.label = s.originalLabel = j == 0 ? a : b;
            s.group = QStringLiteral("mixed%1").arg(m);
            d.samples.push_back(s);
        }
    }
    // Shuffle the records so groups are not contiguous, then exclude a few.
    rng.shuffle(d.samples);
    for (std::size_t i = 0; i < d.samples.size(); i += 97)
        d.samples[i].set(FlagExcluded, true);
    return d;
}

std::vector<Split> splitsOf(const DatasetIndex &d)
{
    std::vector<Split> out;
    for (const Sample &s : d.samples)
        out.push_back(s.split);
    return out;
}

// Number of distinct groups per class among active samples.
std::vector<int> groupsPerClass(const DatasetIndex &d)
{
    std::vector<std::set<QString>> g(std::size_t(d.classCount()));
    for (const Sample &s : d.samples)
        if (DatasetIndex::isActive(s)) g[std::size_t(s.label)].insert(s.effectiveGroup());
    std::vector<int> out;
    for (const auto &set : g)
        out.push_back(int(set.size()));
    return out;
}

struct HkClass {
    const char *name;
    int count;
};
// HyperKvasir's labelled classes and image counts (10,662 in all), listed out of alphabetical order.
const HkClass kHyperKvasir[] = {
    {"bbps-2-3", 1148},
    {"polyps", 1028},
    {"cecum", 1009},
    {"dyed-lifted-polyps", 1002},
    {"pylorus", 999},
    {"dyed-resection-margins", 989},
    {"z-line", 932},
    {"retroflex-stomach", 764},
    {"bbps-0-1", 646},
    {"ulcerative-colitis-grade-2", 443},
    {"esophagitis-a", 403},
    {"retroflex-rectum", 391},
    {"esophagitis-b-d", 260},
    {"ulcerative-colitis-grade-1", 201},
    {"ulcerative-colitis-grade-3", 133},
    {"impacted-stool", 131},
    {"barretts-short-segment", 53},
    {"barretts", 41},
    {"ulcerative-colitis-grade-0-1", 35},
    {"ulcerative-colitis-grade-2-3", 28},
    {"ulcerative-colitis-grade-1-2", 11},
    {"ileum", 9},
    {"hemorrhoids", 6},
};

DatasetIndex hyperKvasirLike()
{
    DatasetIndex d;
    d.format = QStringLiteral("hyperkvasir");
    for (const HkClass &c : kHyperKvasir) {
        const int label = d.ensureClass(QString::fromLatin1(c.name));
        for (int j = 0; j < c.count; ++j) {
            Sample s;
            s.path = QStringLiteral("labeled-images/%1/%2.jpg")
                         .arg(QString::fromLatin1(c.name))
                         .arg(j, 5, 10, QLatin1Char('0'));
            s.label = s.originalLabel = label;
            d.samples.push_back(s);
        }
    }
    return d;
}

} // namespace

class TestSplits : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void seededRandomIsPortable()
    {
        // The C++ standard fixes the 10000th output of a default-constructed mt19937_64.
        std::mt19937_64 engine;
        engine.discard(9999);
        QCOMPARE(quint64(engine()), Q_UINT64_C(9981545732273789042));

        SeededRandom rng(1);
        std::vector<int> hist(7, 0);
        for (int i = 0; i < 70000; ++i) {
            const quint64 v = rng.below(7);
            QVERIFY(v < 7);
            ++hist[std::size_t(v)];
        }
        for (int h : hist)
            QVERIFY2(std::abs(h - 10000) < 500, qPrintable(QString::number(h)));
        std::vector<int> v(50);
        std::iota(v.begin(), v.end(), 0);
        std::vector<int> shuffled = v;
        SeededRandom(9).shuffle(shuffled);
        QVERIFY(shuffled != v);
        std::vector<int> again = v;
        SeededRandom(9).shuffle(again);
        QCOMPARE(again, shuffled);
        std::sort(shuffled.begin(), shuffled.end());
        QCOMPARE(shuffled, v);
        // Regression pin of this implementation (mt19937_64 + own rejection sampling + Fisher-Yates):
        // a change here changes every stored split of every user.
        std::vector<int> pin = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
        SeededRandom(42).shuffle(pin);
        QCOMPARE(pin, (std::vector<int>{1, 7, 9, 0, 3, 8, 4, 2, 5, 6}));
    }

    void assignSplitsGroupAware_data()
    {
        QTest::addColumn<quint64>("seed");
        QTest::newRow("seed 0") << quint64(0);
        QTest::newRow("seed 1") << quint64(1);
        QTest::newRow("seed 12345") << quint64(12345);
    }
    void assignSplitsGroupAware()
    {
        QFETCH(quint64, seed);
        const std::vector<int> sizes = {1500, 900, 640, 420, 300, 210, 150, 90, 60, 35, 20, 12};
        DatasetIndex d = groupedDataset(sizes, 8, 25, seed + 100);
        QVERIFY(assignSplits(d, {0.7, 0.15, 0.15}, seed).ok());

        QVERIFY(findGroupLeaks(d).empty());
        for (const Sample &s : d.samples) {
            if (DatasetIndex::isActive(s))
                QVERIFY(s.split != Split::None);
            else
                QCOMPARE(s.split, Split::None);
        }
        const std::vector<int> all = d.classCounts();
        const std::vector<int> groups = groupsPerClass(d);
        const std::pair<Split, double> targets[] = {{Split::Train, 0.7}, {Split::Val, 0.15}, {Split::Test, 0.15}};
        int total = 0;
        for (int n : all)
            total += n;
        for (const auto &[split, frac] : targets) {
            const std::vector<int> counts = d.classCounts(split);
            int inSplit = 0;
            for (int c = 0; c < d.classCount(); ++c) {
                inSplit += counts[std::size_t(c)];
                if (groups[std::size_t(c)] >= 3)
                    QVERIFY2(counts[std::size_t(c)] > 0,
                             qPrintable(QStringLiteral("class %1 missing from %2").arg(c).arg(splitName(split))));
                const double share = double(counts[std::size_t(c)]) / all[std::size_t(c)];
                // Groups of up to 8 images limit how close small classes can get.
                const double tolerance = all[std::size_t(c)] >= 300 ? 0.02 : all[std::size_t(c)] >= 60 ? 0.08 : 0.25;
                QVERIFY2(std::abs(share - frac) <= tolerance,
                         qPrintable(QStringLiteral("class %1 (%2 samples): %3 share %4, target %5")
                                        .arg(c)
                                        .arg(all[std::size_t(c)])
                                        .arg(splitName(split))
                                        .arg(share)
                                        .arg(frac)));
            }
            QVERIFY(std::abs(double(inSplit) / total - frac) <= 0.01);
        }
    }

    void assignSplitsOptions()
    {
        DatasetIndex d = groupedDataset({200, 100, 30}, 4, 0, 7);
        QVERIFY(assignSplits(d, {8, 2, 0}, 3).ok()); // normalised to 0.8 / 0.2 / 0
        const std::vector<int> test = d.classCounts(Split::Test);
        QCOMPARE(std::accumulate(test.begin(), test.end(), 0), 0);
        QVERIFY(d.classCounts(Split::Val)[2] > 0);
        QVERIFY(findGroupLeaks(d).empty());

        // Determinism and seed dependence.
        DatasetIndex a = groupedDataset({200, 100, 30}, 4, 0, 7), b = a, c = a;
        QVERIFY(assignSplits(a, {}, 5).ok());
        QVERIFY(assignSplits(b, {}, 5).ok());
        QVERIFY(assignSplits(c, {}, 6).ok());
        QVERIFY(splitsOf(a) == splitsOf(b));
        QVERIFY(splitsOf(a) != splitsOf(c));

        for (SplitFractions f :
             {SplitFractions{-0.1, 0.5, 0.6}, SplitFractions{0, 0, 0}, SplitFractions{std::nan(""), 0.5, 0.5}}) {
            auto r = assignSplits(d, f, 0);
            QVERIFY(!r.ok());
            QCOMPARE(r.error().code, fopro::ErrorCode::InvalidArgument);
        }

        // A class with two groups cannot be in three splits, but it is in two and never leaks.
        DatasetIndex few = groupedDataset({100, 100}, 3, 0, 1);
        for (int g = 0; g < 2; ++g) {
            for (int j = 0; j < 3; ++j) {
                Sample s;
                s.path = QStringLiteral("rare/%1-%2.jpg").arg(g).arg(j);
                s.label = s.originalLabel = few.ensureClass(QStringLiteral("rare"));
                s.group = QStringLiteral("rare%1").arg(g);
                few.samples.push_back(s);
            }
        }
        QVERIFY(assignSplits(few, {0.7, 0.15, 0.15}, 0).ok());
        QVERIFY(findGroupLeaks(few).empty());
        int splitsWithRare = 0;
        for (Split s : {Split::Train, Split::Val, Split::Test})
            splitsWithRare += few.classCounts(s)[2] > 0;
        QCOMPARE(splitsWithRare, 2);
    }

    void kFoldPartitions()
    {
        const int k = 5;
        const DatasetIndex d = groupedDataset({800, 400, 200, 100, 50, 25}, 6, 15, 21);
        auto folds = stratifiedGroupKFold(d, k, 4);
        QVERIFY2(folds.ok(), qPrintable(folds.error().message()));
        QCOMPARE(folds->size(), d.samples.size());
        std::map<QString, std::set<int>> foldsOfGroup;
        std::vector<std::vector<int>> perFold(std::size_t(k), std::vector<int>(std::size_t(d.classCount()), 0));
        for (std::size_t i = 0; i < d.samples.size(); ++i) {
            const int f = (*folds)[i];
            if (!DatasetIndex::isActive(d.samples[i])) {
                QCOMPARE(f, -1);
                continue;
            }
            QVERIFY(f >= 0 && f < k);
            foldsOfGroup[d.samples[i].effectiveGroup()].insert(f);
            ++perFold[std::size_t(f)][std::size_t(d.samples[i].label)];
        }
        for (const auto &[g, fs] : foldsOfGroup)
            QVERIFY2(fs.size() == 1, qPrintable(g + QStringLiteral(" in two folds")));
        const std::vector<int> all = d.classCounts();
        const std::vector<int> groups = groupsPerClass(d);
        for (int c = 0; c < d.classCount(); ++c) {
            for (int f = 0; f < k; ++f) {
                const int n = perFold[std::size_t(f)][std::size_t(c)];
                if (groups[std::size_t(c)] >= k) QVERIFY(n > 0);
                const double share = double(n) / all[std::size_t(c)];
                const double tolerance = all[std::size_t(c)] >= 200 ? 0.03 : 0.12;
                QVERIFY2(std::abs(share - 1.0 / k) <= tolerance,
                         qPrintable(QStringLiteral("class %1 fold %2 share %3").arg(c).arg(f).arg(share)));
            }
        }

        // Every active sample is a test sample exactly once over the k rounds; no round leaks.
        std::vector<int> timesTest(d.samples.size(), 0);
        for (int f = 0; f < k; ++f) {
            const DatasetIndex round = foldIndex(d, *folds, f, 0.2, 8);
            QVERIFY(findGroupLeaks(round).empty());
            for (std::size_t i = 0; i < round.samples.size(); ++i) {
                const Sample &s = round.samples[i];
                if (s.split == Split::Test) ++timesTest[i];
                if (!DatasetIndex::isActive(s))
                    QCOMPARE(s.split, Split::None);
                else if ((*folds)[i] == f)
                    QCOMPARE(s.split, Split::Test);
                else
                    QVERIFY(s.split == Split::Train || s.split == Split::Val);
            }
            // Val is about 20 % of the training folds, per class.
            const std::vector<int> tr = round.classCounts(Split::Train), va = round.classCounts(Split::Val);
            for (int c = 0; c < 3; ++c) {
                const double share = double(va[std::size_t(c)]) / (tr[std::size_t(c)] + va[std::size_t(c)]);
                QVERIFY2(std::abs(share - 0.2) <= 0.04, qPrintable(QString::number(share)));
            }
            const DatasetIndex noVal = foldIndex(d, *folds, f);
            QCOMPARE(noVal.classCounts(Split::Val), std::vector<int>(std::size_t(d.classCount()), 0));
        }
        for (std::size_t i = 0; i < d.samples.size(); ++i)
            QCOMPARE(timesTest[i], DatasetIndex::isActive(d.samples[i]) ? 1 : 0);

        // Determinism, seed dependence, errors.
        QVERIFY(*stratifiedGroupKFold(d, k, 4) == *folds);
        QVERIFY(*stratifiedGroupKFold(d, k, 5) != *folds);
        QCOMPARE(stratifiedGroupKFold(d, 1, 0).error().code, fopro::ErrorCode::InvalidArgument);
        DatasetIndex tiny;
        tiny.classes = {QStringLiteral("a")};
        for (int i = 0; i < 6; ++i) {
            Sample s;
            s.path = QStringLiteral("%1.png").arg(i);
            s.label = 0;
            s.group = QStringLiteral("g%1").arg(i % 3);
            tiny.samples.push_back(s);
        }
        QCOMPARE(stratifiedGroupKFold(tiny, 4, 0).error().code, fopro::ErrorCode::InvalidArgument);
        QVERIFY(stratifiedGroupKFold(tiny, 3, 0).ok());
    }

    void hyperKvasirProtocol()
    {
        const DatasetIndex d = hyperKvasirLike();
        QCOMPARE(int(d.samples.size()), 10662);
        QCOMPARE(d.classCount(), 23);
        auto folds = hyperKvasirFolds(d);
        QVERIFY2(folds.ok(), qPrintable(folds.error().message()));
        std::vector<int> foldSize(5, 0);
        std::vector<std::vector<int>> perClass(23, std::vector<int>(5, 0));
        int none = 0;
        for (std::size_t i = 0; i < d.samples.size(); ++i) {
            const int f = (*folds)[i];
            if (f < 0) {
                ++none;
                continue;
            }
            QVERIFY(f < 5);
            ++foldSize[std::size_t(f)];
            ++perClass[std::size_t(d.samples[i].label)][std::size_t(f)];
        }
        QCOMPARE(foldSize, std::vector<int>(5, 10662 / 5));
        QCOMPARE(foldSize[0], 2132);
        QCOMPARE(none, 10662 % 5);
        for (int c = 0; c < 23; ++c) {
            const auto [lo, hi] = std::minmax_element(perClass[std::size_t(c)].begin(), perClass[std::size_t(c)].end());
            QVERIFY2(*hi - *lo <= 1, qPrintable(d.classes[c]));
            // Every class is in every fold; hemorrhoids (6) keeps at least one image per fold.
            QVERIFY(*lo >= 1);
        }

        // Deterministic, and independent of the order of classes and records in the index.
        QVERIFY(*hyperKvasirFolds(d) == *folds);
        DatasetIndex permuted = d;
        QStringList alphabetical = d.classes;
        alphabetical.sort();
        permuted.reorderClasses(alphabetical);
        std::vector<int> order(d.samples.size());
        std::iota(order.begin(), order.end(), 0);
        SeededRandom(77).shuffle(order);
        permuted.samples.clear();
        for (int i : order) {
            Sample s = d.samples[std::size_t(i)];
            s.label = s.originalLabel = alphabetical.indexOf(d.classes[s.label]);
            permuted.samples.push_back(s);
        }
        auto permutedFolds = hyperKvasirFolds(permuted);
        QVERIFY(permutedFolds.ok());
        for (std::size_t j = 0; j < order.size(); ++j)
            QCOMPARE((*permutedFolds)[j], (*folds)[std::size_t(order[j])]);

        // Another seed gives other folds with the same guarantees.
        auto other = exactStratifiedKFold(d, 5, 1);
        QVERIFY(other.ok());
        QVERIFY(*other != *folds);
        std::vector<int> otherSize(5, 0);
        for (int f : *other)
            if (f >= 0) ++otherSize[std::size_t(f)];
        QCOMPARE(otherSize, std::vector<int>(5, 2132));

        // Inactive samples are in no fold and do not count.
        DatasetIndex withExcluded = d;
        withExcluded.samples[0].set(FlagExcluded, true);
        auto ex = hyperKvasirFolds(withExcluded);
        QVERIFY(ex.ok());
        QCOMPARE((*ex)[0], -1);
        std::vector<int> exSize(5, 0);
        for (int f : *ex)
            if (f >= 0) ++exSize[std::size_t(f)];
        QCOMPARE(exSize, std::vector<int>(5, 10661 / 5));

        QCOMPARE(exactStratifiedKFold(d, 1, 0).error().code, fopro::ErrorCode::InvalidArgument);
    }

    void leaks()
    {
        DatasetIndex d;
        d.classes = {QStringLiteral("a"), QStringLiteral("b")};
        auto add = [&](const QString &path, const QString &group, Split split, int label = 0) {
            Sample s;
            s.path = path;
            s.group = group;
            s.split = split;
            s.label = label;
            d.samples.push_back(s);
        };
        add(QStringLiteral("1.png"), QStringLiteral("p1"), Split::Train);
        add(QStringLiteral("2.png"), QStringLiteral("p1"), Split::Test, 1);
        add(QStringLiteral("3.png"), QStringLiteral("p1"), Split::Val);
        add(QStringLiteral("4.png"), QStringLiteral("p2"), Split::Train);
        add(QStringLiteral("5.png"), QStringLiteral("p2"), Split::Train);
        add(QStringLiteral("6.png"), QStringLiteral("p3"), Split::Train);
        add(QStringLiteral("7.png"), QStringLiteral("p3"), Split::None); // unassigned: not a leak
        add(QStringLiteral("8.png"), QStringLiteral("p4"), Split::Train);
        add(QStringLiteral("9.png"), QStringLiteral("p4"), Split::Val);
        add(QStringLiteral("10.png"), QString(), Split::Train); // own group
        add(QStringLiteral("11.png"), QStringLiteral("p5"), Split::Train);
        add(QStringLiteral("12.png"), QStringLiteral("p5"), Split::Test);
        d.samples.back().set(FlagExcluded, true); // excluded: does not count
        const std::vector<SplitLeak> leaks = findGroupLeaks(d);
        QCOMPARE(int(leaks.size()), 2);
        QCOMPARE(leaks[0].group, QStringLiteral("p1"));
        QCOMPARE(leaks[0].splits, (QList<Split>{Split::Train, Split::Val, Split::Test}));
        QCOMPARE(leaks[1].group, QStringLiteral("p4"));
        QCOMPARE(leaks[1].splits, (QList<Split>{Split::Train, Split::Val}));
    }

    void diffOfTwoStates()
    {
        DatasetIndex before = groupedDataset({30, 12}, 3, 0, 5);
        DatasetIndex after = before;
        after.samples[3].split = Split::Test;
        after.samples[7].set(FlagFlagged, true);
        after.samples[9].label = 1 - after.samples[9].label;
        const CurationEdit edit = diffDatasets(before, after, QStringLiteral("three changes"));
        QCOMPARE(edit.description, QStringLiteral("three changes"));
        QCOMPARE(edit.samples, (std::vector<int>{3, 7, 9}));
        QCOMPARE(edit.before[0].split, before.samples[3].split);
        QCOMPARE(edit.after[0].split, Split::Test);
        QVERIFY(edit.classesBefore.isEmpty() && edit.classesAfter.isEmpty());
        // Applying the edit to the old state gives the new one; reverting gives the old one back.
        DatasetIndex replay = before;
        edit.apply(replay);
        QCOMPARE(diffDatasets(replay, after, {}).samples.size(), std::size_t(0));
        edit.revert(replay);
        QCOMPARE(diffDatasets(replay, before, {}).samples.size(), std::size_t(0));
        QVERIFY(diffDatasets(before, before, {}).isEmpty());
    }

    void proposals()
    {
        const DatasetIndex current = groupedDataset({60, 25, 9}, 3, 2, 11);
        // Fractions: the same as assignSplits, the edit leads there, nothing leaks.
        SplitRequest fractions;
        fractions.seed = 4;
        fopro::Result<SplitProposal> p = proposeSplit(current, fractions, QStringLiteral("70/15/15"));
        QVERIFY2(p.ok(), qPrintable(p.error().message()));
        DatasetIndex expected = current;
        QVERIFY(assignSplits(expected, fractions.fractions, 4).ok());
        QCOMPARE(splitsOf(p->after), splitsOf(expected));
        QCOMPARE(p->groupLeaks, 0);
        QCOMPARE(p->newlyExcluded, 0);
        QCOMPARE(p->edit.description, QStringLiteral("70/15/15"));
        int active = 0;
        for (const Sample &s : current.samples)
            active += DatasetIndex::isActive(s) ? 1 : 0;
        QCOMPARE(int(p->edit.samples.size()), active); // every active sample gets a split
        DatasetIndex replay = current;
        p->edit.apply(replay);
        QCOMPARE(splitsOf(replay), splitsOf(p->after));
        // Proposing the state it already has changes nothing.
        fopro::Result<SplitProposal> again = proposeSplit(p->after, fractions, {});
        QVERIFY(again.ok());
        QVERIFY(again->edit.isEmpty());

        // K-fold: fold 2 as test, the rest train; the same as foldIndex.
        SplitRequest kfold;
        kfold.method = SplitMethod::KFold;
        kfold.k = 3;
        kfold.testFold = 1;
        kfold.seed = 2;
        p = proposeSplit(current, kfold, {});
        QVERIFY(p.ok());
        const auto folds = stratifiedGroupKFold(current, 3, 2);
        QVERIFY(folds.ok());
        QCOMPARE(splitsOf(p->after), splitsOf(foldIndex(current, *folds, 1, 0, 2)));

        // Long tail: the samples not kept stay, excluded and unassigned, counted as newly excluded.
        SplitRequest lt;
        lt.method = SplitMethod::LongTail;
        lt.longTail.factor = 0.1;
        lt.seed = 3;
        p = proposeSplit(current, lt, {});
        QVERIFY2(p.ok(), qPrintable(p.error().message()));
        QCOMPARE(p->after.samples.size(), current.samples.size());
        int excludedNow = 0;
        for (std::size_t i = 0; i < current.samples.size(); ++i)
            if (DatasetIndex::isActive(current.samples[i]) && !DatasetIndex::isActive(p->after.samples[i])) {
                ++excludedNow;
                QCOMPARE(p->after.samples[i].split, Split::None);
            }
        QVERIFY(excludedNow > 0);
        QCOMPARE(p->newlyExcluded, excludedNow);

        // Errors are the method's; a cancelled control stops it.
        SplitRequest bad;
        bad.fractions = {0, 0, 0};
        p = proposeSplit(current, bad, {});
        QVERIFY(!p.ok());
        QCOMPARE(p.error().code, fopro::ErrorCode::InvalidArgument);
        fopro::JobControl control;
        control.cancel();
        p = proposeSplit(current, kfold, {}, &control);
        QVERIFY(!p.ok());
        QCOMPARE(p.error().code, fopro::ErrorCode::Cancelled);
    }
};

QTEST_GUILESS_MAIN(TestSplits)
#include "tst_splits.moc"
