#pragma once
// Small helpers shared by the Results page's plots: a QCustomPlot with its PlotController (theme,
// PNG/SVG/CSV export in the context menu), a bold title row, and the plot as a PNG image for the
// report.

#include <QtCore/QString>
#include <QtGui/QImage>

class QCustomPlot;
class QWidget;

namespace fopro::ui {

class PlotController;

/// A new plot under `parent` with a controller (export name `exportName`), a title row when
/// `title` is not empty, and the controller's context menu on right-click.
QCustomPlot *makeResultsPlot(QWidget *parent, const QString &title, const QString &exportName,
                             PlotController **controller = nullptr);

/// The plot rendered at `width` × `height` (0: its widget size), as an image for reports.
QImage plotImage(QCustomPlot *plot, int width = 0, int height = 0);

} // namespace fopro::ui
