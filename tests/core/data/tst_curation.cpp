// Curation edits: each action applied, reverted and re-applied gives back exactly the states
// before and after (undo/redo round trips), with readable descriptions.
#include "core/data/curation.h"

#include <QtTest/QtTest>

using namespace fopro::data;

namespace {

DatasetIndex makeIndex()
{
    DatasetIndex d;
    d.classes = {QStringLiteral("mel"), QStringLiteral("nv"), QStringLiteral("bcc"), QStringLiteral("df")};
    const int labels[] = {0, 1, 1, 2, 3, 3, 1};
    for (int i = 0; i < 7; ++i) {
        Sample s;
        s.path = QStringLiteral("img%1.jpg").arg(i);
        s.label = s.originalLabel = labels[i];
        s.split = i % 2 ? Split::Val : Split::Train;
        d.samples.push_back(s);
    }
    return d;
}

QByteArray snapshot(const DatasetIndex &d)
{
    QByteArray b = d.classes.join(QLatin1Char('|')).toUtf8();
    for (const Sample &s : d.samples)
        b += QByteArray::number(s.label) + '/' + QByteArray::number(s.originalLabel) + '/' +
             QByteArray::number(s.flags) + '/' + QByteArray::number(int(s.split)) + ';';
    return b;
}

/// apply → revert → apply gives after, before, after again.
void roundTrip(DatasetIndex &d, const CurationEdit &e)
{
    const QByteArray before = snapshot(d);
    e.apply(d);
    const QByteArray after = snapshot(d);
    QVERIFY(after != before);
    e.revert(d);
    QCOMPARE(snapshot(d), before);
    e.apply(d);
    QCOMPARE(snapshot(d), after);
}

} // namespace

class TestCuration : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void relabel()
    {
        DatasetIndex d = makeIndex();
        auto e = makeRelabel(d, {0, 1, 1, 4}, 1); // sample 1 is nv already: left out; duplicates ignored
        QVERIFY(e.ok());
        QCOMPARE(e->samples, (std::vector<int>{0, 4}));
        QCOMPARE(e->description, QStringLiteral("Relabel 2 images as nv"));
        roundTrip(d, *e);
        QCOMPARE(d.samples[0].label, 1);
        QVERIFY(d.samples[0].has(FlagRelabelled));
        QCOMPARE(d.samples[0].originalLabel, 0);
        // Relabelling back to the imported class clears the mark.
        auto back = makeRelabel(d, {0}, 0);
        QVERIFY(back.ok());
        back->apply(d);
        QVERIFY(!d.samples[0].has(FlagRelabelled));
        QVERIFY(!makeRelabel(d, {0}, 9).ok());
        QVERIFY(!makeRelabel(d, {}, 0).ok());
        QVERIFY(!makeRelabel(d, {42}, 0).ok());
    }
    void excludeFlagAndSplit()
    {
        DatasetIndex d = makeIndex();
        auto ex = makeSetFlag(d, {2, 3}, FlagExcluded, true);
        QVERIFY(ex.ok());
        QCOMPARE(ex->description, QStringLiteral("Exclude 2 images"));
        roundTrip(d, *ex);
        QCOMPARE(d.classCounts(), (std::vector<int>{1, 2, 0, 2}));
        auto inc = makeSetFlag(d, {3}, FlagExcluded, false);
        QVERIFY(inc.ok());
        roundTrip(d, *inc);
        auto fl = makeSetFlag(d, {5}, FlagFlagged, true);
        QVERIFY(fl.ok());
        roundTrip(d, *fl);
        QVERIFY(d.samples[5].has(FlagFlagged));
        QVERIFY(!makeSetFlag(d, {5}, FlagMissing, true).ok());
        auto mv = makeMoveToSplit(d, {0, 1, 2}, Split::Test);
        QVERIFY(mv.ok());
        QCOMPARE(mv->description, QStringLiteral("Move 3 images to test"));
        roundTrip(d, *mv);
        QCOMPARE(d.samples[1].split, Split::Test);
    }
    void renameClass()
    {
        DatasetIndex d = makeIndex();
        auto e = makeRenameClass(d, 1, QStringLiteral(" naevus "));
        QVERIFY(e.ok());
        QCOMPARE(e->description, QStringLiteral("Rename class nv to naevus"));
        roundTrip(d, *e);
        QCOMPARE(d.classes[1], QStringLiteral("naevus"));
        QVERIFY(!makeRenameClass(d, 1, QStringLiteral("mel")).ok());
        QVERIFY(!makeRenameClass(d, 1, QStringLiteral("  ")).ok());
    }
    void mergeClasses()
    {
        DatasetIndex d = makeIndex();
        makeRelabel(d, {6}, 3)->apply(d);        // sample 6: nv -> df (relabelled)
        auto e = makeMergeClasses(d, {1, 3}, 0); // nv and df into mel
        QVERIFY(e.ok());
        QCOMPARE(e->description, QStringLiteral("Merge nv, df into mel"));
        roundTrip(d, *e);
        QCOMPARE(d.classes, (QStringList{QStringLiteral("mel"), QStringLiteral("bcc")}));
        // mel 1 + nv 2 + df 2 + the relabelled one = 6 mel; bcc (was 2) is now class 1.
        QCOMPARE(d.classCounts(), (std::vector<int>{6, 1}));
        QCOMPARE(d.samples[3].label, 1);
        QCOMPARE(d.samples[3].originalLabel, 1);
        // nv -> df was a relabel; both are mel now, so it is not one any more.
        QCOMPARE(d.samples[6].originalLabel, 0);
        QVERIFY(!d.samples[6].has(FlagRelabelled));
        e->revert(d);
        QCOMPARE(d.classes.size(), 4);
        QVERIFY(d.samples[6].has(FlagRelabelled));
        QVERIFY(!makeMergeClasses(d, {0}, 0).ok());
    }
};

QTEST_GUILESS_MAIN(TestCuration)
#include "tst_curation.moc"
