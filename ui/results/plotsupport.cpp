#include "ui/results/plotsupport.h"

#include "ui/common/plotcontroller.h"
#include "ui/common/qcustomplotinclude.h"

#include <QtWidgets/QMenu>

namespace fopro::ui {

QCustomPlot *makeResultsPlot(QWidget *parent, const QString &title, const QString &exportName,
                             PlotController **controller)
{
    auto *plot = new QCustomPlot(parent);
    plot->setAccessibleName(title.isEmpty() ? exportName : title);
    plot->setMinimumSize(200, 150);
    auto *c = new PlotController(plot);
    c->setExportName(exportName);
    if (!title.isEmpty()) {
        QFont bold = plot->font();
        bold.setBold(true);
        plot->plotLayout()->insertRow(0);
        plot->plotLayout()->addElement(0, 0, new QCPTextElement(plot, title, bold));
        plot->plotLayout()->setRowStretchFactor(0, 0.001);
        plot->plotLayout()->setRowSpacing(0);
    }
    plot->setContextMenuPolicy(Qt::CustomContextMenu);
    QObject::connect(plot, &QWidget::customContextMenuRequested, plot, [plot, c](const QPoint &pos) {
        QMenu *menu = c->createContextMenu(plot);
        menu->setAttribute(Qt::WA_DeleteOnClose);
        menu->popup(plot->mapToGlobal(pos));
    });
    if (controller) *controller = c;
    return plot;
}

QImage plotImage(QCustomPlot *plot, int width, int height)
{
    if (!plot) return {};
    const int w = width > 0 ? width : std::max(plot->width(), 320);
    const int h = height > 0 ? height : std::max(plot->height(), 240);
    return plot->toPixmap(w, h, 1.0).toImage();
}

} // namespace fopro::ui
