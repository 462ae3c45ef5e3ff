#pragma once
// The one helper every QCustomPlot view goes through (architecture.md, "Pages"):
//  - theme: the plot is styled with a PlotPalette taken from its widget palette, again whenever the
//    palette changes (light/dark switch); owners recolour their own items on paletteChanged();
//  - queued replot: requestReplot() coalesces any number of requests into one replot, at most ten
//    per second (the first one after a quiet period runs on the next event-loop pass);
//  - export: the picture as PNG or SVG and the plotted numbers as CSV (every graph's and bar's
//    data, one file), written atomically; a context menu on the plot offers all three.
//
// The controller is a child of the plot and lives as long as it.

#include "core/common/result.h"
#include "ui/common/plotpalette.h"

#include <QtCore/QElapsedTimer>
#include <QtCore/QObject>
#include <QtCore/QString>

#include <functional>

class QCustomPlot;
class QMenu;
class QTimer;

namespace fopro::ui {

class PlotController : public QObject {
    Q_OBJECT
public:
    explicit PlotController(QCustomPlot *plot);

    QCustomPlot *plot() const { return m_plot; }
    const PlotPalette &palette() const { return m_palette; }

    /// Queues a replot; many calls within 100 ms give one replot.
    void requestReplot();
    /// Replots now (and drops a queued request).
    void replotNow();
    bool isReplotPending() const;
    /// Replots done by this controller so far.
    int replotCount() const { return m_replots; }

    /// Base of the file names proposed by the export dialogs ("long-tail" → long-tail.png).
    void setExportName(const QString &name) { m_exportName = name; }
    QString exportName() const { return m_exportName; }

    /// The plot as a PNG file; width/height 0 = the widget's size.
    Result<void> savePng(const QString &file, int width = 0, int height = 0) const;
    /// The plot as an SVG file (vector); width/height 0 = the widget's size.
    Result<void> saveSvg(const QString &file, int width = 0, int height = 0) const;
    /// The plotted numbers: header "series,kind,key,label,value", then one row per data point of
    /// every plottable (graphs, curves, bars, ...) in plottable order; `label` is the key axis's
    /// text tick at that key (class names of a bar chart), empty when none.
    QString csv() const;
    /// Replaces csv() for plots whose numbers are not 1-D series (colour maps): the provider's text
    /// is what "Save the plotted numbers as CSV" writes.
    void setCsvProvider(std::function<QString()> provider) { m_csvProvider = std::move(provider); }
    Result<void> saveCsv(const QString &file) const;

    /// The menu shown on right-click (its actions ask for a file name).
    QMenu *createContextMenu(QWidget *parent);

Q_SIGNALS:
    /// The widget palette changed and the plot was restyled; owners recolour their own items.
    void paletteChanged();
    /// An export finished: ok, or failed with `message` (already shown to the user when from the menu).
    void exported(const QString &file, bool ok, const QString &message);

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void restyle();
    void exportWithDialog(const QString &filter, const QString &suffix);

    QCustomPlot *m_plot;
    PlotPalette m_palette;
    QTimer *m_timer;
    QElapsedTimer m_sinceReplot;
    int m_replots = 0;
    QString m_exportName = QStringLiteral("plot");
    std::function<QString()> m_csvProvider;
};

} // namespace fopro::ui
