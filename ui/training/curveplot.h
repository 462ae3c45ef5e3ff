#pragma once
// One training-curve plot: a title, a legend row, named series (lines with or without markers)
// against the epoch, styled and exported by the shared PlotController. The Training page's live
// curves and the run comparison are built from these.

#include <QtCore/QHash>
#include <QtCore/QString>
#include <QtGui/QColor>
#include <QtWidgets/QWidget>

class QCPGraph;
class QCustomPlot;

namespace fopro::ui {

class PlotController;

class CurvePlot : public QWidget {
    Q_OBJECT
public:
    enum class Style {
        Line,        ///< a thin line (the batch-level running means)
        LineMarkers, ///< a line with a marker at every point (per-epoch values)
        Dashed,      ///< a dashed line with markers (a second run, a second axis)
    };

    CurvePlot(const QString &title, const QString &yLabel, QWidget *parent = nullptr);

    /// The series `name`, created on first use (in the legend unless `inLegend` is false).
    QCPGraph *series(const QString &name, const QColor &color, Style style = Style::LineMarkers, bool inLegend = true);
    /// The series `name` on the right axis (created on first use), labelled `rightLabel`.
    QCPGraph *rightSeries(const QString &name, const QColor &color, const QString &rightLabel);
    bool hasSeries(const QString &name) const { return m_series.contains(name); }
    void addPoint(const QString &name, double x, double y);
    /// Removes every point after x (a resumed run rewrites from its last checkpoint).
    void truncateAfter(double x);
    void clear();
    /// Fits the axes to the data (y from 0 when `fromZero`) and queues a replot.
    void rescale(bool fromZero = false);
    /// The largest x of any point (0 when empty).
    double lastX() const;
    /// Shows x from 0 to `upper` (LiveCurves keeps its plots on one x range).
    void setXUpper(double upper);
    void setLogY(bool log);
    /// Legend entries per row (default 4).
    void setLegendColumns(int columns);
    /// Fixes the y range (e.g. 0..1 for accuracies); rescale() keeps it.
    void setFixedYRange(double lo, double hi);

    QCustomPlot *plot() const { return m_plot; }
    PlotController *controller() const { return m_controller; }
    /// Number of points of a series (0 when absent).
    int pointCount(const QString &name) const;

protected:
    void resizeEvent(QResizeEvent *event) override;

private:
    void fitLegend();

    QCustomPlot *m_plot;
    PlotController *m_controller;
    QHash<QString, QCPGraph *> m_series;
    bool m_fixedY = false;
    double m_yLo = 0, m_yHi = 1;
    bool m_logY = false;
    int m_legendColumns = 4;
};

} // namespace fopro::ui
