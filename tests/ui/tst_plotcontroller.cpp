// The shared plot helper, offscreen: the plotted numbers of every graph and bar in one CSV, PNG and
// SVG files written and not empty, many replot requests coalesced into one, the palette following
// the widget's light/dark palette, the colour maps, the context menu; and the long-tail plot going
// through it (its CSV holds the class counts per split).
#include "ui/common/plotcontroller.h"
#include "ui/common/plotpalette.h"
#include "ui/common/qcustomplotinclude.h"
#include "ui/dataset/longtailplot.h"

#include <QtTest/QtTest>
#include <QtWidgets/QMenu>

using fopro::ui::PlotController;
using fopro::ui::PlotPalette;

class TestPlotController : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_tmp;

    /// A plot with one graph and one bar series on a text-ticked key axis.
    static void fill(QCustomPlot &plot)
    {
        QCPGraph *graph = plot.addGraph();
        graph->setName(QStringLiteral("loss"));
        graph->setData({0, 1, 2}, {0.75, 0.5, 0.125});
        auto *bars = new QCPBars(plot.xAxis, plot.yAxis2);
        bars->setName(QStringLiteral("images"));
        bars->setData({0, 1}, {42, 7});
        QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
        ticker->addTick(0, QStringLiteral("nevus, common"));
        ticker->addTick(1, QStringLiteral("melanoma"));
        plot.xAxis->setTicker(ticker);
        plot.rescaleAxes();
    }

private Q_SLOTS:
    void csvHoldsThePlottedNumbers()
    {
        QCustomPlot plot;
        auto *controller = new PlotController(&plot);
        fill(plot);
        const QString csv = controller->csv();
        const QStringList lines = csv.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        QCOMPARE(lines.size(), 1 + 3 + 2);
        QCOMPARE(lines.at(0), QStringLiteral("series,kind,key,label,value"));
        QCOMPARE(lines.at(1), QStringLiteral("loss,graph,0,\"nevus, common\",0.75"));
        QCOMPARE(lines.at(3), QStringLiteral("loss,graph,2,,0.125"));
        QCOMPARE(lines.at(4), QStringLiteral("images,bars,0,\"nevus, common\",42"));
        QCOMPARE(lines.at(5), QStringLiteral("images,bars,1,melanoma,7"));
        const QString file = m_tmp.filePath(QStringLiteral("plot.csv"));
        QVERIFY(controller->saveCsv(file).ok());
        QFile f(file);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QCOMPARE(QString::fromUtf8(f.readAll()), csv);
    }

    void pngAndSvgAreWritten()
    {
        QCustomPlot plot;
        auto *controller = new PlotController(&plot);
        fill(plot);
        plot.resize(480, 320);
        const QString png = m_tmp.filePath(QStringLiteral("plot.png"));
        const QString svg = m_tmp.filePath(QStringLiteral("plot.svg"));
        QVERIFY(controller->savePng(png).ok());
        QVERIFY(controller->saveSvg(svg, 640, 400).ok());
        const QImage image(png);
        QCOMPARE(image.size(), QSize(480, 320));
        QFile s(svg);
        QVERIFY(s.open(QIODevice::ReadOnly));
        const QByteArray text = s.readAll();
        QVERIFY(text.size() > 1000);
        QVERIFY(text.contains("<svg"));
        QVERIFY(text.contains("melanoma")); // tick labels are text in the vector file
        // A folder that cannot be created gives an error, not a crash.
        QVERIFY(!controller->savePng(QStringLiteral("/proc/no/such/dir/x.png")).ok());
    }

    void replotsAreCoalesced()
    {
        QCustomPlot plot;
        auto *controller = new PlotController(&plot);
        fill(plot);
        plot.show();
        QVERIFY(QTest::qWaitForWindowExposed(&plot));
        QTest::qWait(150);
        const int before = controller->replotCount();
        for (int i = 0; i < 100; ++i)
            controller->requestReplot();
        QVERIFY(controller->isReplotPending());
        QTRY_COMPARE(controller->replotCount(), before + 1);
        QTest::qWait(250);
        QCOMPARE(controller->replotCount(), before + 1); // one replot for the hundred requests
        QVERIFY(!controller->isReplotPending());
        // Requests right after a replot wait for the rest of the 100 ms interval (≤ 10 Hz).
        QElapsedTimer t;
        t.start();
        controller->replotNow();
        controller->requestReplot();
        QTRY_COMPARE(controller->replotCount(), before + 3);
        QVERIFY(t.elapsed() >= 90);
    }

    void paletteFollowsTheTheme()
    {
        QWidget parent;
        auto *plot = new QCustomPlot(&parent);
        auto *controller = new PlotController(plot);
        QVERIFY(!controller->palette().dark || parent.palette().color(QPalette::Base).lightness() < 128);
        QSignalSpy changed(controller, &PlotController::paletteChanged);
        QPalette dark = parent.palette();
        dark.setColor(QPalette::Base, QColor(30, 30, 32));
        dark.setColor(QPalette::WindowText, QColor(230, 230, 230));
        parent.setPalette(dark);
        QVERIFY(changed.count() >= 1);
        QVERIFY(controller->palette().dark);
        QCOMPARE(controller->palette().background, QColor(30, 30, 32));
        QCOMPARE(plot->xAxis->tickLabelColor(), QColor(230, 230, 230));
        QCOMPARE(plot->axisRect()->backgroundBrush().color(), QColor(30, 30, 32));
    }

    void colourMaps()
    {
        QCOMPARE(PlotPalette::categorical(0), QColor(0x00, 0x72, 0xB2)); // Okabe–Ito blue
        QCOMPARE(PlotPalette::categorical(1), QColor(0xE6, 0x9F, 0x00)); // orange
        QCOMPARE(PlotPalette::categorical(8), PlotPalette::categorical(0));
        QCOMPARE(PlotPalette::sequential(0.0), QColor(0x44, 0x01, 0x54)); // viridis ends
        QCOMPARE(PlotPalette::sequential(1.0), QColor(0xFD, 0xE7, 0x25));
        QCOMPARE(PlotPalette::sequential(0.0, PlotPalette::ColorMap::Cividis), QColor(0x00, 0x20, 0x4D));
        // Viridis and cividis get lighter monotonically (relative luminance): readable in greyscale.
        const auto luminance = [](const QColor &c) {
            return 0.2126 * c.redF() + 0.7152 * c.greenF() + 0.0722 * c.blueF();
        };
        for (auto map : {PlotPalette::ColorMap::Viridis, PlotPalette::ColorMap::Cividis}) {
            double last = -1;
            for (int i = 0; i <= 40; ++i) {
                const double l = luminance(PlotPalette::sequential(i / 40.0, map));
                QVERIFY(l > last);
                last = l;
            }
        }
        QVERIFY(PlotPalette::diverging(-1).blue() > PlotPalette::diverging(-1).red());
        QVERIFY(PlotPalette::diverging(1).red() > PlotPalette::diverging(1).blue());
        QVERIFY(PlotPalette::diverging(0).lightness() > 240);
    }

    void contextMenuOffersTheExports()
    {
        QCustomPlot plot;
        auto *controller = new PlotController(&plot);
        QMenu *menu = controller->createContextMenu(&plot);
        QStringList texts;
        for (QAction *a : menu->actions())
            texts << a->text().remove(QLatin1Char('&'));
        QVERIFY(texts.join(QLatin1Char('|')).contains(QLatin1String("PNG")));
        QVERIFY(texts.join(QLatin1Char('|')).contains(QLatin1String("SVG")));
        QVERIFY(texts.join(QLatin1Char('|')).contains(QLatin1String("CSV")));
        QCOMPARE(plot.contextMenuPolicy(), Qt::CustomContextMenu);
        delete menu;
    }

    void longTailPlotGoesThroughIt()
    {
        fopro::ui::LongTailPlot w;
        fopro::ui::LongTailPlotData d;
        d.classNames = {QStringLiteral("nevus"), QStringLiteral("melanoma")};
        d.train = {120, 9};
        d.val = {10, 3};
        d.test = {10, 3};
        d.unassigned = {0, 0};
        w.setData(d);
        QVERIFY(w.controller());
        const QString csv = w.controller()->csv();
        QVERIFY2(csv.contains(QStringLiteral("train,bars,0,nevus,120")), qPrintable(csv));
        QVERIFY(csv.contains(QStringLiteral("train,bars,1,melanoma,9")));
        QVERIFY(csv.contains(QStringLiteral("val,bars,1,melanoma,3")));
        w.resize(700, 400);
        QVERIFY(w.controller()->saveSvg(m_tmp.filePath(QStringLiteral("longtail.svg"))).ok());
        QVERIFY(QFileInfo(m_tmp.filePath(QStringLiteral("longtail.svg"))).size() > 1000);
    }
};

QTEST_MAIN(TestPlotController)
#include "tst_plotcontroller.moc"
