// The long-tail plot as issue 12 found it (defects 9 and 16), checked on the plot's own geometry:
// - the two threshold labels never overlap and stay inside the widget (they used to overlap and be
//   cut at the right edge);
// - on a linear axis every non-empty stacked segment is at least LongTailPlot::kMinSegmentPixels
//   tall (50 validation images among thousands, tail classes of 5–9 used to vanish);
// - on a log axis the splits stand side by side (a QCPBarsGroup, no stacking), so each bar's
//   height is its own count on the log scale;
// - (the Dataset page starting on the log scale when the imbalance is over 20 is checked in
//   tst_datasetpage, d09);
// - the legend keeps the order train, val, test, unassigned when a split disappears and comes back
//   (as after an undo).
#include "core/data/datasetindex.h"
#include "ui/common/plotcontroller.h"
#include "ui/common/qcustomplotinclude.h"
#include "ui/dataset/longtailplot.h"

#include <QtTest/QtTest>

using fopro::ui::LongTailPlot;
using fopro::ui::LongTailPlotData;

namespace {

/// The demo's shape: 10 classes, training counts 5950 … 60, 50 validation and 1000 test images each.
LongTailPlotData demoLike()
{
    const int train[] = {5950, 3596, 2156, 1292, 774, 464, 278, 166, 100, 60};
    LongTailPlotData d;
    for (int c = 0; c < 10; ++c) {
        d.classNames << QStringLiteral("class-%1").arg(c);
        d.train.push_back(train[c]);
        d.val.push_back(50);
        d.test.push_back(1000);
        d.unassigned.push_back(0);
    }
    return d;
}

/// A tail of 5–9 images beside classes of thousands.
LongTailPlotData tinyTail()
{
    LongTailPlotData d;
    const int counts[] = {4000, 2500, 900, 9, 7, 5};
    for (int c = 0; c < 6; ++c) {
        d.classNames << QStringLiteral("c%1").arg(c);
        d.train.push_back(counts[c]);
        d.val.push_back(c < 3 ? 40 : 1);
        d.test.push_back(c < 3 ? 300 : 2);
        d.unassigned.push_back(0);
    }
    return d;
}

void settle(LongTailPlot &w)
{
    QCoreApplication::processEvents();
    w.plot()->replot();
    w.setData(w.data()); // rebuilt with the laid-out axis height
    w.plot()->replot();
}

QRectF labelRect(const QCPItemText *label)
{
    return QRectF(label->topLeft->pixelPosition(), label->bottomRight->pixelPosition()).normalized();
}

QStringList legendNames(const LongTailPlot &w)
{
    QStringList names;
    for (int i = 0; i < w.plot()->legend->itemCount(); ++i)
        if (auto *item = qobject_cast<QCPPlottableLegendItem *>(w.plot()->legend->item(i)))
            names << item->plottable()->name();
    return names;
}

} // namespace

class TestLongTailReadability : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void thresholdLabelsNeitherOverlapNorLeave_data()
    {
        QTest::addColumn<bool>("log");
        QTest::addColumn<int>("many");
        QTest::addColumn<int>("few");
        QTest::addColumn<int>("width");
        QTest::newRow("linear 100/20") << false << 100 << 20 << 900;
        QTest::newRow("log 100/20") << true << 100 << 20 << 900;
        QTest::newRow("log 700/70") << true << 700 << 70 << 900;
        QTest::newRow("linear 700/70 narrow") << false << 700 << 70 << 420;
        QTest::newRow("linear 1000/1000") << false << 1000 << 1000 << 700;
        QTest::newRow("log top 6000/10") << true << 6000 << 10 << 700;
    }
    void thresholdLabelsNeitherOverlapNorLeave()
    {
        QFETCH(bool, log);
        QFETCH(int, many);
        QFETCH(int, few);
        QFETCH(int, width);
        LongTailPlot w;
        w.setData(demoLike());
        w.setThresholds(many, few);
        w.setLogScale(log);
        w.resize(width, 420);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        settle(w);
        const QRectF head = labelRect(w.thresholdLabel(true));
        const QRectF tail = labelRect(w.thresholdLabel(false));
        QVERIFY(w.thresholdLabel(true)->visible() && w.thresholdLabel(false)->visible());
        QVERIFY2(!head.intersects(tail), qPrintable(QStringLiteral("head %1,%2 %3x%4 tail %5,%6 %7x%8")
                                                        .arg(head.x())
                                                        .arg(head.y())
                                                        .arg(head.width())
                                                        .arg(head.height())
                                                        .arg(tail.x())
                                                        .arg(tail.y())
                                                        .arg(tail.width())
                                                        .arg(tail.height())));
        const QRectF inside = QRectF(w.plot()->rect());
        QVERIFY(inside.contains(head));
        QVERIFY(inside.contains(tail));
        QVERIFY(w.thresholdLabel(true)->text().contains(QString::number(many)));
        QVERIFY(w.thresholdLabel(false)->text().contains(QString::number(few)));
        // The labels name the lines they belong to: head above (or at) the tail's.
        QVERIFY(head.top() <= tail.top());
    }

    void smallSegmentsStayVisibleOnALinearAxis()
    {
        for (const LongTailPlotData &data : {demoLike(), tinyTail()}) {
            LongTailPlot w;
            w.setData(data);
            w.setLogScale(false);
            w.resize(900, 420);
            w.show();
            QVERIFY(QTest::qWaitForWindowExposed(&w));
            settle(w);
            QCPAxis *y = w.plot()->yAxis;
            for (int s = 0; s < 3; ++s) {
                QCPBars *bars = w.splitBars(s);
                QVERIFY(bars->barBelow() || s == 0); // stacked
                for (auto it = bars->data()->constBegin(); it != bars->data()->constEnd(); ++it) {
                    if (it->value <= 0) continue;
                    const double px = std::abs(y->coordToPixel(0) - y->coordToPixel(it->value));
                    QVERIFY2(px >= LongTailPlot::kMinSegmentPixels - 0.75,
                             qPrintable(QStringLiteral("split %1 column %2: %3 px").arg(s).arg(it->key).arg(px)));
                }
            }
            QVERIFY(w.grab().toImage().save(QStringLiteral("longtail_linear_small_segments.png")));
            // Drawn taller, exported as they are: the CSV carries the counts.
            const QString csv = w.controller()->csv();
            const int last = int(LongTailPlot::sortedOrder(data).back());
            QVERIFY2(csv.contains(QStringLiteral("val,bars,%1,%2,%3")
                                      .arg(int(data.classNames.size()) - 1)
                                      .arg(data.classNames.value(last))
                                      .arg(data.val[std::size_t(last)])),
                     qPrintable(csv));
        }
    }

    void logScaleShowsSplitsSideBySide()
    {
        LongTailPlot w;
        const LongTailPlotData d = demoLike();
        w.setData(d);
        w.setLogScale(true);
        w.resize(900, 420);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        settle(w);
        QCPAxis *y = w.plot()->yAxis;
        for (int s = 0; s < 3; ++s) {
            QCPBars *bars = w.splitBars(s);
            QVERIFY(!bars->barBelow() && !bars->barAbove()); // not stacked
            QVERIFY(bars->barsGroup());
        }
        // The smallest training bar (60) is lower than every test bar (1000): heights follow counts.
        const std::vector<int> order = LongTailPlot::sortedOrder(d);
        const int last = int(order.size()) - 1;
        const double trainTop = y->coordToPixel(1 + w.splitBars(0)->data()->at(last)->value);
        const double testTop = y->coordToPixel(1 + w.splitBars(2)->data()->at(last)->value);
        QVERIFY(trainTop > testTop); // pixels grow downwards
        // Side by side: the train and test bars of one class do not overlap horizontally.
        QCPBars *train = w.splitBars(0), *test = w.splitBars(2);
        const double trainX = train->dataPixelPosition(0).x(); // includes the group's offset
        const double testX = test->dataPixelPosition(0).x();
        QVERIFY(testX - trainX >= 4);
        QVERIFY(w.grab().toImage().save(QStringLiteral("longtail_log_grouped.png")));
    }

    void legendOrderSurvivesASplitComingBack()
    {
        LongTailPlot w;
        LongTailPlotData d = demoLike();
        w.setData(d);
        QCOMPARE(legendNames(w), (QStringList{QStringLiteral("train"), QStringLiteral("val"), QStringLiteral("test")}));
        LongTailPlotData noVal = d;
        std::fill(noVal.val.begin(), noVal.val.end(), 0); // e.g. the validation images moved away...
        w.setData(noVal);
        QCOMPARE(legendNames(w), (QStringList{QStringLiteral("train"), QStringLiteral("test")}));
        w.setData(d); // ... and back with an undo
        QCOMPARE(legendNames(w), (QStringList{QStringLiteral("train"), QStringLiteral("val"), QStringLiteral("test")}));
        d.unassigned[0] = 3;
        w.setData(d);
        QCOMPARE(legendNames(w), (QStringList{QStringLiteral("train"), QStringLiteral("val"), QStringLiteral("test"),
                                              QStringLiteral("unassigned")}));
    }
};

QTEST_MAIN(TestLongTailReadability)
#include "tst_longtailreadability.moc"
