// Long-tail statistics and the ISIC-2019-LT sub-sampling rule, checked against the published
// counts table (shared/data/isic2019-lt/README.md) and, when present, the published split files.

#include "core/data/csvreader.h"
#include "core/data/longtail.h"
#include "core/data/splits.h"
#include "tests/support/testsupport.h"

#include <QtTest/QtTest>

#include <cmath>
#include <limits>
#include <map>
#include <set>

using namespace fopro::data;

namespace {

// ISIC 2019 class totals, in the ground-truth column order (MEL, NV, BCC, AK, BKL, DF, VASC, SCC).
const QStringList kIsicClasses = {QStringLiteral("MEL"),  QStringLiteral("NV"),  QStringLiteral("BCC"),
                                  QStringLiteral("AK"),   QStringLiteral("BKL"), QStringLiteral("DF"),
                                  QStringLiteral("VASC"), QStringLiteral("SCC")};
const std::vector<int> kIsicTotals = {4522, 12875, 3323, 867, 2624, 239, 253, 628};
// The same sizes ranked by frequency: NV, MEL, BCC, BKL, AK, SCC, VASC, DF (the `finding` order).
const std::vector<int> kIsicRanked = {12875, 4522, 3323, 2624, 867, 628, 253, 239};
const QStringList kIsicRankedNames = {QStringLiteral("NV"),   QStringLiteral("MEL"), QStringLiteral("BCC"),
                                      QStringLiteral("BKL"),  QStringLiteral("AK"),  QStringLiteral("SCC"),
                                      QStringLiteral("VASC"), QStringLiteral("DF")};

// The published training counts per class (ranked order) for each factor.
std::vector<int> publishedCounts(double factor)
{
    if (factor == 0.01) return {12725, 4372, 3173, 1788, 717, 478, 103, 89};
    if (factor == 0.005) return {12725, 4372, 2833, 1329, 623, 292, 103, 64};
    return {12725, 4372, 2180, 897, 369, 152, 62, 25};
}
int publishedTotal(double factor)
{
    return factor == 0.01 ? 23445 : factor == 0.005 ? 22341 : 20782;
}

DatasetIndex indexWithCounts(const std::vector<int> &counts, const QStringList &names = {})
{
    DatasetIndex d;
    d.format = QStringLiteral("test");
    for (int c = 0; c < int(counts.size()); ++c) {
        d.classes.append(names.isEmpty() ? QStringLiteral("class%1").arg(c) : names[c]);
        for (int j = 0; j < counts[std::size_t(c)]; ++j) {
            Sample s;
            s.path = QStringLiteral("c%1/img%2.jpg").arg(c).arg(j);
            s.label = s.originalLabel = c;
            d.samples.push_back(s);
        }
    }
    return d;
}

std::map<Split, std::vector<int>> countsBySplit(const DatasetIndex &d)
{
    std::map<Split, std::vector<int>> out;
    for (Split s : {Split::None, Split::Train, Split::Val, Split::Test})
        out[s] = d.classCounts(s);
    return out;
}

QStringList ids(const DatasetIndex &d)
{
    QStringList out;
    for (const Sample &s : d.samples)
        out.append(s.id() + QLatin1Char('@') + splitName(s.split));
    return out;
}

} // namespace

class TestLongTail : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void publishedTable_data()
    {
        QTest::addColumn<double>("factor");
        QTest::newRow("0.01") << 0.01;
        QTest::newRow("0.005") << 0.005;
        QTest::newRow("0.002") << 0.002;
    }
    void publishedTable()
    {
        QFETCH(double, factor);
        const std::vector<int> got = longTailTargetCounts(kIsicRanked, factor, 150);
        QCOMPARE(got, publishedCounts(factor));
        int total = 0;
        for (int n : got)
            total += n;
        QCOMPARE(total, publishedTotal(factor));
    }

    void publishedSplitFiles_data() { publishedTable_data(); }
    void publishedSplitFiles()
    {
        QFETCH(double, factor);
        const QString dir = fopro::test::isicLtSplitsDir();
        if (dir.isEmpty()) QSKIP("shared/data/isic2019-lt is absent; the published split files are not checked");
        const std::vector<int> expected = longTailTargetCounts(kIsicRanked, factor, 150);
        for (int fold = 1; fold <= 5; ++fold) {
            const QString suffix = QStringLiteral("_skin%1_%2.csv").arg(fold).arg(factor);
            const std::pair<QString, std::vector<int>> files[] = {
                {QStringLiteral("train"), expected},
                {QStringLiteral("val"), std::vector<int>(8, 50)},
                {QStringLiteral("test"), std::vector<int>(8, 100)},
            };
            std::set<QString> seen;
            for (const auto &[part, want] : files) {
                const QString file = dir + QLatin1Char('/') + part + suffix;
                auto table = readCsv(file);
                QVERIFY2(table.ok(), qPrintable(table.error().message()));
                const int col = table->column(QStringLiteral("finding"));
                const int imageCol = table->column(QStringLiteral("image"));
                QVERIFY2(col >= 0 && imageCol >= 0, qPrintable(file));
                std::vector<int> counts(8, 0);
                for (const QStringList &row : table->rows) {
                    bool ok = false;
                    const int label = row[col].toInt(&ok);
                    QVERIFY2(ok && label >= 0 && label < 8,
                             qPrintable(file + QStringLiteral(": bad label ") + row[col]));
                    ++counts[std::size_t(label)];
                    // An image is in one of train/val/test only.
                    QVERIFY2(seen.insert(row[imageCol]).second,
                             qPrintable(row[imageCol] + QStringLiteral(" twice in fold ") + suffix));
                }
                QCOMPARE(counts, want);
            }
        }
    }

    void targetCountsEdgeCases()
    {
        // Exact products must not be floored one short: 12800 * 0.01 = 128, 1000 * 0.25^(1/2) = 500.
        QCOMPARE(longTailTargetCounts({12800, 12800}, 0.01, 0), (std::vector<int>{12800, 128}));
        QCOMPARE(longTailTargetCounts({1000, 1000, 1000}, 0.25, 0), (std::vector<int>{1000, 500, 250}));
        QCOMPARE(longTailTargetCounts({1000, 900, 800, 700, 600}, 0.0625, 0),
                 (std::vector<int>{1000, 500, 250, 125, 62}));
        // factor 1 keeps everything available; the hold-out is subtracted, never below zero.
        QCOMPARE(longTailTargetCounts({500, 300, 10}, 1.0, 20), (std::vector<int>{480, 280, 0}));
        // One class: the exponent is undefined, the class keeps what is available.
        QCOMPARE(longTailTargetCounts({70}, 0.01, 20), (std::vector<int>{50}));
        QVERIFY(longTailTargetCounts({}, 0.01, 0).empty());
        // nmax is the largest size before hold-out, so the head class is capped by availability.
        QCOMPARE(longTailTargetCounts({200, 100}, 0.5, 50), (std::vector<int>{150, 50}));
    }

    void tailGroups()
    {
        const std::vector<int> counts = {1148, 701, 700, 500, 101, 100, 99, 70, 69, 20, 19, 6, 0, 100};
        const DatasetIndex d = indexWithCounts(counts);

        const LongTailSummary def = summarizeLongTail(d, TailThresholds::defaults());
        // many > 100: 1148 701 700 500 101; few < 20: 19 6 0; the rest medium.
        QCOMPARE(def.head, 5);
        QCOMPARE(def.medium, 6);
        QCOMPARE(def.tail, 3);
        const LongTailSummary hk = summarizeLongTail(d, TailThresholds::hyperKvasir());
        // many > 700: 1148 701; few < 70: 69 20 19 6 0.
        QCOMPARE(hk.head, 2);
        QCOMPARE(hk.medium, 7);
        QCOMPARE(hk.tail, 5);

        QCOMPARE(tailGroupOf(101, TailThresholds::defaults()), TailGroup::Head);
        QCOMPARE(tailGroupOf(100, TailThresholds::defaults()), TailGroup::Medium);
        QCOMPARE(tailGroupOf(20, TailThresholds::defaults()), TailGroup::Medium);
        QCOMPARE(tailGroupOf(19, TailThresholds::defaults()), TailGroup::Tail);
        QCOMPARE(tailGroupOf(701, TailThresholds::hyperKvasir()), TailGroup::Head);
        QCOMPARE(tailGroupOf(700, TailThresholds::hyperKvasir()), TailGroup::Medium);
        QCOMPARE(tailGroupOf(70, TailThresholds::hyperKvasir()), TailGroup::Medium);
        QCOMPARE(tailGroupOf(69, TailThresholds::hyperKvasir()), TailGroup::Tail);
        QCOMPARE(tailGroupName(TailGroup::Medium), QStringLiteral("medium"));

        // Sorted by descending count, ties (100 at classes 5 and 13) by class index.
        QCOMPARE(int(def.sorted.size()), 14);
        const std::vector<int> order = {0, 1, 2, 3, 4, 5, 13, 6, 7, 8, 9, 10, 11, 12};
        for (int i = 0; i < 14; ++i) {
            QCOMPARE(def.sorted[std::size_t(i)].classIndex, order[std::size_t(i)]);
            QCOMPARE(def.sorted[std::size_t(i)].count, counts[std::size_t(order[std::size_t(i)])]);
            QCOMPARE(def.sorted[std::size_t(i)].name, QStringLiteral("class%1").arg(order[std::size_t(i)]));
        }
        QCOMPARE(def.sorted.front().group, TailGroup::Head);
        QCOMPARE(def.sorted.back().group, TailGroup::Tail);
        // 1148 / 6 over the non-empty classes; the empty class counted apart.
        QCOMPARE(def.imbalanceRatio, 1148.0 / 6.0);
        QCOMPARE(def.emptyClasses, 1);
        QCOMPARE(def.total, 1148 + 701 + 700 + 500 + 101 + 100 + 99 + 70 + 69 + 20 + 19 + 6 + 100);
    }

    void summaryIgnoresInactiveAndFiltersSplit()
    {
        DatasetIndex d = indexWithCounts({10, 4});
        d.samples[0].set(FlagExcluded, true);
        d.samples[1].set(FlagMissing, true);
        for (std::size_t i = 0; i < d.samples.size(); ++i)
            d.samples[i].split = i % 2 ? Split::Test : Split::Train;
        const LongTailSummary all = summarizeLongTail(d, {});
        QCOMPARE(all.total, 12);
        QCOMPARE(all.sorted[0].count, 8);
        QCOMPARE(all.imbalanceRatio, 2.0);
        // Train: samples 2,4,6,8 of class 0 (0 is excluded) and 10,12 of class 1.
        const LongTailSummary train = summarizeLongTail(d, {}, Split::Train);
        QCOMPARE(train.total, 6);
        QCOMPARE(train.sorted[0].count, 4);
        QCOMPARE(train.sorted[1].count, 2);
        QCOMPARE(train.imbalanceRatio, 2.0);
        const LongTailSummary none = summarizeLongTail(indexWithCounts({0, 0}), {});
        QCOMPARE(none.imbalanceRatio, 0.0);
        QCOMPARE(none.emptyClasses, 2);
        QCOMPARE(none.tail, 2);
    }

    void makeLongTailIsic_data() { publishedTable_data(); }
    void makeLongTailIsic()
    {
        QFETCH(double, factor);
        const DatasetIndex full = indexWithCounts(kIsicTotals, kIsicClasses);
        LongTailOptions o;
        o.factor = factor;
        o.valPerClass = 50;
        o.testPerClass = 100;
        o.seed = 7;
        auto lt = makeLongTail(full, o);
        QVERIFY2(lt.ok(), qPrintable(lt.error().message()));
        QCOMPARE(lt->classes, kIsicClasses);
        const std::vector<int> want = publishedCounts(factor);
        auto counts = countsBySplit(*lt);
        for (int r = 0; r < 8; ++r) {
            const int c = kIsicClasses.indexOf(kIsicRankedNames[r]);
            QCOMPARE(counts[Split::Train][std::size_t(c)], want[std::size_t(r)]);
            QCOMPARE(counts[Split::Val][std::size_t(c)], 50);
            QCOMPARE(counts[Split::Test][std::size_t(c)], 100);
            QCOMPARE(counts[Split::None][std::size_t(c)], 0);
        }
        QCOMPARE(int(lt->samples.size()), publishedTotal(factor) + 8 * 150);
        QVERIFY(lt->info.contains(QStringLiteral("longTail")));
        // Samples keep their original order and identity.
        QStringList kept;
        for (const Sample &s : lt->samples)
            kept.append(s.path);
        QStringList sortedByOrigin = kept;
        std::map<QString, int> position;
        for (int i = 0; i < int(full.samples.size()); ++i)
            position[full.samples[std::size_t(i)].path] = i;
        std::sort(sortedByOrigin.begin(), sortedByOrigin.end(),
                  [&](const QString &a, const QString &b) { return position[a] < position[b]; });
        QCOMPARE(kept, sortedByOrigin);
    }

    void makeLongTailDeterministic()
    {
        const DatasetIndex full = indexWithCounts({300, 200, 120, 60, 40});
        LongTailOptions o;
        o.factor = 0.1;
        o.valPerClass = 5;
        o.testPerClass = 10;
        o.seed = 11;
        auto a = makeLongTail(full, o);
        auto b = makeLongTail(full, o);
        QVERIFY(a.ok() && b.ok());
        QCOMPARE(ids(*a), ids(*b));
        o.seed = 12;
        auto c = makeLongTail(full, o);
        QVERIFY(c.ok());
        QVERIFY(ids(*a) != ids(*c));
        // Same counts whatever the seed: 285*0.1^(i/4) capped by availability.
        QCOMPARE(a->classCounts(Split::Train), c->classCounts(Split::Train));
        QCOMPARE(a->classCounts(Split::Train), longTailTargetCounts({300, 200, 120, 60, 40}, 0.1, 15));
    }

    void makeLongTailErrors()
    {
        const DatasetIndex d =
            indexWithCounts({50, 30, 12}, {QStringLiteral("a"), QStringLiteral("b"), QStringLiteral("rare")});
        for (double f : {0.0, -0.5, 1.5, std::numeric_limits<double>::quiet_NaN()}) {
            LongTailOptions o;
            o.factor = f;
            auto r = makeLongTail(d, o);
            QVERIFY(!r.ok());
            QCOMPARE(r.error().code, fopro::ErrorCode::InvalidArgument);
        }
        LongTailOptions o;
        o.factor = 1.0;
        auto ok = makeLongTail(d, o);
        QVERIFY(ok.ok());
        QCOMPARE(ok->classCounts(Split::Train), (std::vector<int>{50, 30, 12}));
        o.valPerClass = 5;
        o.testPerClass = 10;
        auto r = makeLongTail(d, o);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, fopro::ErrorCode::InvalidArgument);
        QVERIFY2(r.error().detail.contains(QStringLiteral("\"rare\"")), qPrintable(r.error().detail));
        o.valPerClass = -1;
        QCOMPARE(makeLongTail(d, o).error().code, fopro::ErrorCode::InvalidArgument);
    }

    void makeLongTailGroupAware()
    {
        // Patients with 1..4 images each, one class per patient, plus a few patients with two classes.
        DatasetIndex d;
        SeededRandom rng(5);
        const std::vector<int> sizes = {400, 250, 150, 90, 60};
        for (int c = 0; c < int(sizes.size()); ++c) {
            d.classes.append(QStringLiteral("c%1").arg(c));
            int made = 0, patient = 0;
            while (made < sizes[std::size_t(c)]) {
                const int n = 1 + int(rng.below(4));
                for (int j = 0; j < n && made < sizes[std::size_t(c)]; ++j, ++made) {
                    Sample s;
                    s.path = QStringLiteral("c%1_%2.jpg").arg(c).arg(made);
                    s.label = s.originalLabel = c;
                    s.group = QStringLiteral("p%1_%2").arg(c).arg(patient);
                    d.samples.push_back(s);
                }
                ++patient;
            }
        }
        for (int j = 0; j < 10; ++j) { // mixed patients
            for (int c : {0, 3}) {
                Sample s;
                s.path = QStringLiteral("mixed%1_%2.jpg").arg(j).arg(c);
                s.label = s.originalLabel = c;
                s.group = QStringLiteral("mixed%1").arg(j);
                d.samples.push_back(s);
            }
        }
        LongTailOptions o;
        o.factor = 0.05;
        o.valPerClass = 6;
        o.testPerClass = 9;
        o.seed = 3;
        auto lt = makeLongTail(d, o);
        QVERIFY2(lt.ok(), qPrintable(lt.error().message()));
        QVERIFY(findGroupLeaks(*lt).empty());
        QCOMPARE(lt->classCounts(Split::Val), std::vector<int>(5, 6));
        QCOMPARE(lt->classCounts(Split::Test), std::vector<int>(5, 9));
        // Held-out groups are not in train (findGroupLeaks covers it; double-check directly).
        std::map<QString, std::set<Split>> splitsOfGroup;
        for (const Sample &s : lt->samples)
            splitsOfGroup[s.effectiveGroup()].insert(s.split);
        for (const auto &[g, splits] : splitsOfGroup)
            QVERIFY2(splits.size() == 1, qPrintable(g));
        // Train counts never exceed the rule.
        std::vector<int> pool(5, 0);
        for (const Sample &s : d.samples)
            ++pool[std::size_t(s.label)];
        std::vector<int> order = {0, 1, 2, 3, 4};
        std::stable_sort(order.begin(), order.end(),
                         [&](int a, int b) { return pool[std::size_t(a)] > pool[std::size_t(b)]; });
        std::vector<int> ranked;
        for (int c : order)
            ranked.push_back(pool[std::size_t(c)]);
        const std::vector<int> targets = longTailTargetCounts(ranked, 0.05, 15);
        const std::vector<int> train = lt->classCounts(Split::Train);
        for (int r = 0; r < 5; ++r) {
            QVERIFY(train[std::size_t(order[std::size_t(r)])] <= targets[std::size_t(r)]);
            QVERIFY(train[std::size_t(order[std::size_t(r)])] > 0);
        }
        // A class whose only two images are one patient cannot give one to val and one to test.
        DatasetIndex tiny = indexWithCounts({20, 2});
        tiny.samples[20].group = tiny.samples[21].group = QStringLiteral("same");
        LongTailOptions t;
        t.factor = 0.5;
        t.valPerClass = 1;
        t.testPerClass = 1;
        auto r = makeLongTail(tiny, t);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, fopro::ErrorCode::InvalidArgument);
        QVERIFY(r.error().detail.contains(QStringLiteral("class1")));
    }

    void makeLongTailOnlyTrain()
    {
        DatasetIndex d = indexWithCounts({200, 100, 50});
        // Every 5th sample is test, every 5th+1 val, every 5th+2 unassigned, the rest train.
        for (std::size_t i = 0; i < d.samples.size(); ++i) {
            const std::size_t m = i % 5;
            d.samples[i].split = m == 0 ? Split::Test : m == 1 ? Split::Val : m == 2 ? Split::None : Split::Train;
        }
        d.samples[3].set(FlagExcluded, true); // a train sample of class 0, not counted
        const std::vector<int> trainBefore = d.classCounts(Split::Train);
        QCOMPARE(trainBefore, (std::vector<int>{79, 40, 20}));
        LongTailOptions o;
        o.factor = 0.1;
        o.onlyTrainSplit = true;
        auto lt = makeLongTail(d, o);
        QVERIFY2(lt.ok(), qPrintable(lt.error().message()));
        QCOMPARE(lt->classCounts(Split::Val), d.classCounts(Split::Val));
        QCOMPARE(lt->classCounts(Split::Test), d.classCounts(Split::Test));
        QCOMPARE(lt->classCounts(Split::None), std::vector<int>(3, 0));
        // 79 * 0.1^(i/2): 79, 24 (24.98), 7 (7.9).
        QCOMPARE(lt->classCounts(Split::Train), (std::vector<int>{79, 24, 7}));
        for (const Sample &s : lt->samples)
            QVERIFY(!s.has(FlagExcluded));
        // Val/test records are kept unchanged.
        int kept = 0;
        for (const Sample &s : lt->samples)
            if (s.split == Split::Val || s.split == Split::Test) ++kept;
        QCOMPARE(kept, 70 + 70);
    }

    void classSplitCountsAndTailStats()
    {
        DatasetIndex d = indexWithCounts({10, 4, 0, 3});
        d.samples[0].set(FlagExcluded, true);
        d.samples[1].set(FlagMissing, true);
        for (std::size_t i = 0; i < d.samples.size(); ++i)
            d.samples[i].split = i % 3 == 0 ? Split::Train : i % 3 == 1 ? Split::Val : Split::None;
        Sample unlabelled;
        unlabelled.path = QStringLiteral("x.png");
        d.samples.push_back(unlabelled); // counted nowhere
        const ClassSplitCounts c = classSplitCounts(d);
        QCOMPARE(c.classNames, d.classes);
        QCOMPARE(c.excludedCount(0), 2);
        for (int k = 0; k < c.classCount(); ++k) {
            int train = 0, val = 0, none = 0, active = 0;
            for (const Sample &s : d.samples) {
                if (s.label != k || !DatasetIndex::isActive(s)) continue;
                ++active;
                train += s.split == Split::Train;
                val += s.split == Split::Val;
                none += s.split == Split::None;
            }
            QCOMPARE(c.trainCount(k), train);
            QCOMPARE(c.valCount(k), val);
            QCOMPARE(c.unassignedCount(k), none);
            QCOMPARE(c.testCount(k), 0);
            QCOMPARE(c.total(k), active);
            QCOMPARE(c.total(k), d.classCounts()[std::size_t(k)]);
        }
        QCOMPARE(c.grandTotal(), 15);

        // Groups and the ratio follow training counts when there are any, else totals.
        const TailStats t = tailStats(c, {3, 2});
        QVERIFY(t.byTraining);
        QCOMPARE(t.order, (std::vector<int>{0, 1, 3, 2})); // by total, the empty class last
        QCOMPARE(t.groupCounts[0], c.trainCount(0));
        QCOMPARE(t.maxTotal, 8);
        QCOMPARE(t.nonEmptyClasses, 3);
        int largest = 0, smallest = 0;
        for (int k = 0; k < c.classCount(); ++k) {
            const int n = c.trainCount(k);
            QCOMPARE(t.groups[std::size_t(k)], tailGroupOf(n, {3, 2}));
            if (n <= 0) continue;
            largest = std::max(largest, n);
            smallest = smallest == 0 ? n : std::min(smallest, n);
        }
        QCOMPARE(t.largest, largest);
        QCOMPARE(t.smallest, smallest);
        QCOMPARE(t.imbalanceRatio, double(largest) / smallest);

        ClassSplitCounts totals;
        totals.classNames = {QStringLiteral("a"), QStringLiteral("b")};
        totals.unassigned = {50, 5};
        const TailStats u = tailStats(totals, {10, 6});
        QVERIFY(!u.byTraining);
        QCOMPARE(u.imbalanceRatio, 10.0);
        QCOMPARE(u.groups, (std::vector<TailGroup>{TailGroup::Head, TailGroup::Tail}));
        QCOMPARE(tailStats(ClassSplitCounts{}, {}).imbalanceRatio, 0.0);
    }
};

QTEST_GUILESS_MAIN(TestLongTail)
#include "tst_longtail.moc"
