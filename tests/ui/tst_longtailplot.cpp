// LongTailPlot: counts from an index, sort order, head/medium/tail membership, click → class index,
// tooltips, empty data, and rendered screenshots (linear, log, dark) that must not be blank.
#include "core/data/datasetindex.h"
#include "ui/common/qcustomplotinclude.h"
#include "ui/dataset/longtailplot.h"

#include <QtTest/QtTest>

#include <set>

using fopro::data::DatasetIndex;
using fopro::data::Sample;
using fopro::data::Split;
using fopro::data::TailGroup;
using fopro::data::TailThresholds;
using fopro::ui::LongTailPlot;
using fopro::ui::LongTailPlotData;

namespace {

// HyperKvasir's 23 labelled classes with their image counts (1148 down to 6), in name order.
LongTailPlotData hyperKvasirLike()
{
    const std::vector<std::pair<QString, int>> classes = {
        {QStringLiteral("barretts"), 41},
        {QStringLiteral("barretts-short-segment"), 53},
        {QStringLiteral("bbps-0-1"), 646},
        {QStringLiteral("bbps-2-3"), 1148},
        {QStringLiteral("cecum"), 1009},
        {QStringLiteral("dyed-lifted-polyps"), 1002},
        {QStringLiteral("dyed-resection-margins"), 989},
        {QStringLiteral("esophagitis-a"), 403},
        {QStringLiteral("esophagitis-b-d"), 260},
        {QStringLiteral("hemorrhoids"), 6},
        {QStringLiteral("ileum"), 9},
        {QStringLiteral("impacted-stool"), 131},
        {QStringLiteral("polyps"), 1028},
        {QStringLiteral("pylorus"), 999},
        {QStringLiteral("retroflex-rectum"), 391},
        {QStringLiteral("retroflex-stomach"), 764},
        {QStringLiteral("ulcerative-colitis-grade-0-1"), 35},
        {QStringLiteral("ulcerative-colitis-grade-1"), 201},
        {QStringLiteral("ulcerative-colitis-grade-1-2"), 11},
        {QStringLiteral("ulcerative-colitis-grade-2"), 443},
        {QStringLiteral("ulcerative-colitis-grade-2-3"), 28},
        {QStringLiteral("ulcerative-colitis-grade-3"), 133},
        {QStringLiteral("z-line"), 932},
    };
    LongTailPlotData d;
    for (const auto &[name, n] : classes) {
        d.classNames << name;
        const int test = n / 5, val = n / 10;
        d.train.push_back(n - test - val);
        d.val.push_back(val);
        d.test.push_back(test);
        d.unassigned.push_back(0);
    }
    return d;
}

bool notBlank(const QImage &image, int minColours)
{
    std::set<QRgb> colours;
    for (int y = 0; y < image.height(); y += 3)
        for (int x = 0; x < image.width(); x += 3) {
            colours.insert(image.pixel(x, y) & 0xF0F0F0); // coarse buckets: ignore anti-aliasing noise
            if (int(colours.size()) >= minColours) return true;
        }
    return false;
}

QPalette darkPalette()
{
    QPalette p(QColor(0x35, 0x35, 0x35), QColor(0x2b, 0x2b, 0x2b)); // button, window: derives the rest
    p.setColor(QPalette::WindowText, QColor(0xe6, 0xe6, 0xe6));
    p.setColor(QPalette::Base, QColor(0x1e, 0x1e, 0x1e));
    p.setColor(QPalette::Text, QColor(0xe6, 0xe6, 0xe6));
    p.setColor(QPalette::Button, QColor(0x35, 0x35, 0x35));
    p.setColor(QPalette::ButtonText, QColor(0xe6, 0xe6, 0xe6));
    return p;
}

} // namespace

class TestLongTailPlot : public QObject {
    Q_OBJECT
private:
    QImage render(LongTailPlot &w, const QString &file, QSize size = QSize(900, 500))
    {
        w.resize(size);
        w.show();
        if (!QTest::qWaitForWindowExposed(&w)) return {};
        QCoreApplication::processEvents();
        w.plot()->replot();
        const QImage image = w.grab().toImage();
        const QString path = QDir::currentPath() + QLatin1Char('/') + file;
        image.save(path);
        qInfo("wrote %s", qPrintable(path));
        return image;
    }

private Q_SLOTS:
    void fromIndexCountsPerSplit()
    {
        DatasetIndex index;
        index.classes = {QStringLiteral("a"), QStringLiteral("b"), QStringLiteral("c")};
        const auto add = [&](int label, Split split, std::uint8_t flags = 0) {
            Sample s;
            s.path = QStringLiteral("img%1.png").arg(index.samples.size());
            s.label = label;
            s.originalLabel = label;
            s.split = split;
            s.flags = flags;
            index.samples.push_back(s);
        };
        for (int i = 0; i < 5; ++i)
            add(0, Split::Train);
        for (int i = 0; i < 2; ++i)
            add(0, Split::Val);
        add(0, Split::Test);
        add(1, Split::Test);
        add(1, Split::None);
        add(1, Split::None);
        add(1, Split::Train, fopro::data::FlagExcluded); // excluded: not counted
        add(-1, Split::Train);                           // unlabelled: not counted

        const LongTailPlotData d = LongTailPlot::fromIndex(index);
        QCOMPARE(d.classNames, index.classes);
        QCOMPARE(d.train, (std::vector<int>{5, 0, 0}));
        QCOMPARE(d.val, (std::vector<int>{2, 0, 0}));
        QCOMPARE(d.test, (std::vector<int>{1, 1, 0}));
        QCOMPARE(d.unassigned, (std::vector<int>{0, 2, 0}));
        QCOMPARE(d.total(0), 8);
        QCOMPARE(d.total(1), 3);
        QCOMPARE(d.total(2), 0);
        QCOMPARE(d.grandTotal(), 11);
    }

    void sortedByTotalDescending()
    {
        LongTailPlotData d;
        d.classNames = {QStringLiteral("a"), QStringLiteral("b"), QStringLiteral("c"), QStringLiteral("d"),
                        QStringLiteral("e")};
        d.train = {10, 0, 50, 5, 10};
        d.val = {0, 0, 0, 40, 0};
        d.test = {0, 0, 1, 0, 0};
        d.unassigned = {0, 0, 0, 0, 0};
        // totals: a 10, b 0, c 51, d 45, e 10 → c, d, a, e (tie by index), b (empty, last)
        QCOMPARE(LongTailPlot::sortedOrder(d), (std::vector<int>{2, 3, 0, 4, 1}));

        const LongTailPlotData hk = hyperKvasirLike();
        const std::vector<int> order = LongTailPlot::sortedOrder(hk);
        QCOMPARE(hk.classNames.value(order.front()), QStringLiteral("bbps-2-3"));
        QCOMPARE(hk.classNames.value(order.back()), QStringLiteral("hemorrhoids"));
        for (std::size_t i = 1; i < order.size(); ++i)
            QVERIFY(hk.total(order[i - 1]) >= hk.total(order[i]));
        // Training counts decide (as for the bands): bbps-2-3 trains on 1148 − 229 − 114 = 805 images,
        // hemorrhoids on 6 − 1 − 0 = 5, so 805 / 5 = 161.0 (the totals would give 1148 / 6 = 191.3).
        QCOMPARE(QString::number(LongTailPlot::imbalanceRatio(hk), 'f', 1), QStringLiteral("161.0"));
    }

    void bandMembership()
    {
        LongTailPlotData d;
        d.classNames = {QStringLiteral("a"), QStringLiteral("b"), QStringLiteral("c"), QStringLiteral("d"),
                        QStringLiteral("e"), QStringLiteral("f"), QStringLiteral("g")};
        d.train = {500, 101, 100, 20, 19, 0, 1};
        d.val = {0, 0, 0, 0, 500, 0, 0}; // val does not count: training counts decide when there are any
        const TailThresholds t{100, 20};
        const TailGroup expected[] = {TailGroup::Head, TailGroup::Head, TailGroup::Medium, TailGroup::Medium,
                                      TailGroup::Tail, TailGroup::Tail, TailGroup::Tail};
        for (int c = 0; c < d.classCount(); ++c)
            QCOMPARE(LongTailPlot::groupOf(d, c, t), expected[c]);

        // Without any training sample, totals decide.
        LongTailPlotData u;
        u.classNames = {QStringLiteral("x"), QStringLiteral("y"), QStringLiteral("z")};
        u.unassigned = {150, 50, 10};
        QCOMPARE(LongTailPlot::groupOf(u, 0, t), TailGroup::Head);
        QCOMPARE(LongTailPlot::groupOf(u, 1, t), TailGroup::Medium);
        QCOMPARE(LongTailPlot::groupOf(u, 2, t), TailGroup::Tail);
    }

    void elidesInTheMiddle()
    {
        QCOMPARE(LongTailPlot::elideName(QStringLiteral("polyps")), QStringLiteral("polyps"));
        const QString e = LongTailPlot::elideName(QStringLiteral("ulcerative-colitis-grade-0-1"));
        QCOMPARE(e.size(), 24);
        QVERIFY(e.startsWith(QStringLiteral("ulcerative")));
        QVERIFY(e.endsWith(QStringLiteral("grade-0-1")));
    }

    void clickEmitsClassIndex()
    {
        LongTailPlot w;
        const LongTailPlotData d = hyperKvasirLike();
        w.setData(d);
        w.resize(900, 500);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        w.plot()->replot();
        QSignalSpy spy(&w, &LongTailPlot::classClicked);
        const std::vector<int> order = LongTailPlot::sortedOrder(d);
        for (int position : {0, 5, int(order.size()) - 1}) {
            const int c = order[std::size_t(position)];
            const double x = w.plot()->xAxis->coordToPixel(position);
            const double y = w.plot()->yAxis->coordToPixel(d.total(c) / 2.0);
            const QPoint p(int(std::lround(x)), int(std::lround(y)));
            QTest::mouseClick(w.plot(), Qt::LeftButton, Qt::NoModifier, p);
            QCOMPARE(spy.count(), 1);
            QCOMPARE(spy.takeFirst().at(0).toInt(), c);
            QVERIFY(w.toolTipFor(c).contains(d.classNames.value(c)));
        }
        // Outside the axis rect: nothing.
        QTest::mouseClick(w.plot(), Qt::LeftButton, Qt::NoModifier, QPoint(2, 2));
        QCOMPARE(spy.count(), 0);
        // The tooltip keeps the full name of a long class.
        const int uc = int(d.classNames.indexOf(QStringLiteral("ulcerative-colitis-grade-0-1")));
        QVERIFY(w.toolTipFor(uc).contains(QStringLiteral("ulcerative-colitis-grade-0-1")));
    }

    void emptyAndSingleClass()
    {
        LongTailPlot w;
        w.setData({});
        QVERIFY(notBlank(render(w, QStringLiteral("longtailplot_empty.png")), 2));
        // An empty legend must not squeeze the axis rect (it used to cap the layout column's width).
        QVERIFY(w.plot()->axisRect()->rect().width() > 600);
        LongTailPlotData one;
        one.classNames = {QStringLiteral("only")};
        one.train = {0};
        w.setData(one); // a class without images
        w.plot()->replot();
        one.train = {42};
        w.setData(one);
        w.setLogScale(true);
        QVERIFY(notBlank(render(w, QStringLiteral("longtailplot_one.png")), 4));
        QSignalSpy spy(&w, &LongTailPlot::classClicked);
        QTest::mouseClick(w.plot(), Qt::LeftButton, Qt::NoModifier,
                          QPoint(int(w.plot()->xAxis->coordToPixel(0)), int(w.plot()->yAxis->coordToPixel(5))));
        QCOMPARE(spy.count(), 1);
        QCOMPARE(spy.at(0).at(0).toInt(), 0);
    }

    void rendersReadably()
    {
        LongTailPlotData d = hyperKvasirLike();
        // Two empty classes, kept at the end, and a few unassigned images.
        d.classNames << QStringLiteral("a-class-with-an-extremely-long-name-from-a-csv") << QStringLiteral("empty");
        d.train.push_back(0), d.train.push_back(0);
        d.val.push_back(0), d.val.push_back(0);
        d.test.push_back(0), d.test.push_back(0);
        d.unassigned.push_back(0), d.unassigned.push_back(0);
        d.unassigned[9] = 3; // hemorrhoids: a few without split

        LongTailPlot w;
        w.setData(hyperKvasirLike());
        QVERIFY(notBlank(render(w, QStringLiteral("longtailplot.png")), 8));
        w.setLogScale(true);
        QVERIFY(w.logScale());
        QVERIFY(notBlank(render(w, QStringLiteral("longtailplot_log.png")), 8));
        w.setData(d);
        w.setThresholds(700, 70); // the HyperKvasir preset
        QVERIFY(notBlank(render(w, QStringLiteral("longtailplot_log_empty_classes.png")), 8));

        // A narrow widget: labels turn vertical and shrink, nothing overlaps.
        w.setLogScale(false);
        QVERIFY(notBlank(render(w, QStringLiteral("longtailplot_narrow.png"), QSize(560, 420)), 8));

        LongTailPlot dark;
        dark.setPalette(darkPalette());
        dark.setData(hyperKvasirLike());
        const QImage image = render(dark, QStringLiteral("longtailplot_dark.png"));
        QVERIFY(notBlank(image, 8));
        // The background follows the palette's Base colour.
        QCOMPARE(QColor(image.pixel(image.width() / 2, 3)).lightness() < 100, true);
    }
};

QTEST_MAIN(TestLongTailPlot)
#include "tst_longtailplot.moc"
