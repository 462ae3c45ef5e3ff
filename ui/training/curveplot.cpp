#include "ui/training/curveplot.h"

#include "ui/common/plotcontroller.h"
#include "ui/common/qcustomplotinclude.h"

#include <QtWidgets/QVBoxLayout>

#include <cmath>

namespace fopro::ui {

CurvePlot::CurvePlot(const QString &title, const QString &yLabel, QWidget *parent) : QWidget(parent)
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_plot = new QCustomPlot(this);
    m_plot->setMinimumSize(220, 150);
    m_plot->setAccessibleName(title);
    layout->addWidget(m_plot);
    m_controller = new PlotController(m_plot);
    QString exportName = title.toLower();
    exportName.replace(QLatin1Char(' '), QLatin1Char('-'));
    m_controller->setExportName(exportName);

    auto *titleElement = new QCPTextElement(m_plot, title, QFont(font().family(), font().pointSize(), QFont::Bold));
    m_plot->plotLayout()->insertRow(0);
    m_plot->plotLayout()->addElement(0, 0, titleElement);
    m_plot->axisRect()->insetLayout()->take(m_plot->legend);
    m_plot->plotLayout()->insertRow(1);
    auto *legendRow = new QCPLayoutGrid;
    m_plot->plotLayout()->addElement(1, 0, legendRow);
    legendRow->addElement(0, 0, new QCPLayoutElement(m_plot));
    legendRow->addElement(0, 1, m_plot->legend);
    legendRow->addElement(0, 2, new QCPLayoutElement(m_plot));
    legendRow->setColumnStretchFactor(1, 0.001);
    legendRow->setColumnSpacing(0);
    m_plot->plotLayout()->setRowStretchFactor(0, 0.001);
    m_plot->plotLayout()->setRowStretchFactor(1, 0.001);
    m_plot->plotLayout()->setRowSpacing(0);
    m_plot->legend->setVisible(true);
    m_plot->legend->setFillOrder(QCPLayoutGrid::foColumnsFirst);
    m_plot->legend->setWrap(4);
    m_plot->legend->setColumnSpacing(8);
    m_plot->legend->setIconSize(14, 8);
    m_plot->legend->setBorderPen(Qt::NoPen);
    m_plot->legend->setBrush(Qt::NoBrush);
    m_plot->legend->setMargins(QMargins(0, 0, 0, 0));
    QFont small = font();
    small.setPointSizeF(std::max(7.0, font().pointSizeF() - 1));
    m_plot->legend->setFont(small);

    m_plot->xAxis->setLabel(tr("epoch"));
    m_plot->yAxis->setLabel(yLabel);
    m_plot->xAxis->ticker()->setTickCount(5);
    m_plot->yAxis->ticker()->setTickCount(4);
    m_plot->xAxis->setRange(0, 1);
    m_plot->yAxis->setRange(0, 1);
    m_plot->setNoAntialiasingOnDrag(true);
    m_plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    m_plot->axisRect()->setRangeZoom(Qt::Horizontal);
    m_plot->axisRect()->setRangeDrag(Qt::Horizontal);
    m_plot->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(m_plot, &QWidget::customContextMenuRequested, this, [this](const QPoint &pos) {
        QMenu *menu = m_controller->createContextMenu(this);
        menu->setAttribute(Qt::WA_DeleteOnClose);
        menu->popup(m_plot->mapToGlobal(pos));
    });
}

QCPGraph *CurvePlot::series(const QString &name, const QColor &color, Style style, bool inLegend)
{
    if (QCPGraph *g = m_series.value(name)) return g;
    auto *g = m_plot->addGraph();
    g->setName(name);
    QPen pen(color, style == Style::Line ? 1.2 : 1.8);
    if (style == Style::Dashed) pen.setStyle(Qt::DashLine);
    g->setPen(pen);
    if (style != Style::Line) g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, color, color, 5));
    g->setSelectable(QCP::stNone);
    if (!inLegend)
        g->removeFromLegend();
    else if (QCPPlottableLegendItem *item = m_plot->legend->itemWithPlottable(g))
        item->setMargins(QMargins(2, 1, 2, 3)); // QCustomPlot clips descenders of items without margins
    m_series.insert(name, g);
    if (inLegend) fitLegend();
    return g;
}

QCPGraph *CurvePlot::rightSeries(const QString &name, const QColor &color, const QString &rightLabel)
{
    if (QCPGraph *g = m_series.value(name)) return g;
    m_plot->yAxis2->setVisible(true);
    m_plot->yAxis2->setLabel(rightLabel);
    m_plot->yAxis2->ticker()->setTickCount(4);
    auto *g = m_plot->addGraph(m_plot->xAxis, m_plot->yAxis2);
    g->setName(name);
    QPen pen(color, 1.6);
    pen.setStyle(Qt::DashLine);
    g->setPen(pen);
    g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssSquare, color, color, 4));
    g->setSelectable(QCP::stNone);
    if (QCPPlottableLegendItem *item = m_plot->legend->itemWithPlottable(g)) item->setMargins(QMargins(2, 1, 2, 3));
    m_series.insert(name, g);
    fitLegend();
    return g;
}

void CurvePlot::addPoint(const QString &name, double x, double y)
{
    QCPGraph *g = m_series.value(name);
    if (!g || !std::isfinite(x)) return;
    if (!std::isfinite(y)) y = qQNaN(); // a gap
    g->addData(x, y);
}

void CurvePlot::truncateAfter(double x)
{
    for (QCPGraph *g : std::as_const(m_series))
        g->data()->removeAfter(x + 1e-9);
}

void CurvePlot::clear()
{
    for (QCPGraph *g : std::as_const(m_series))
        g->data()->clear();
    m_controller->requestReplot();
}

int CurvePlot::pointCount(const QString &name) const
{
    const QCPGraph *g = m_series.value(name);
    return g ? g->dataCount() : 0;
}

void CurvePlot::setLogY(bool log)
{
    m_logY = log;
    m_plot->yAxis->setScaleType(log ? QCPAxis::stLogarithmic : QCPAxis::stLinear);
    if (log) {
        QSharedPointer<QCPAxisTickerLog> ticker(new QCPAxisTickerLog);
        m_plot->yAxis->setTicker(ticker);
        m_plot->yAxis->setNumberFormat(QStringLiteral("eb"));
        m_plot->yAxis->setNumberPrecision(0);
    }
}

double CurvePlot::lastX() const
{
    double upper = 0;
    for (QCPGraph *g : std::as_const(m_series)) {
        bool found = false;
        const QCPRange r = g->getKeyRange(found);
        if (found) upper = std::max(upper, r.upper);
    }
    return upper;
}

void CurvePlot::setXUpper(double upper)
{
    m_plot->xAxis->setRange(0, upper);
    m_controller->requestReplot();
}

void CurvePlot::setLegendColumns(int columns)
{
    m_legendColumns = std::max(1, columns);
    fitLegend();
}

void CurvePlot::fitLegend()
{
    // As many columns (up to m_legendColumns) as fit the plot's width with every name in full.
    QCPLegend *legend = m_plot->legend;
    int widest = 0;
    for (int i = 0; i < legend->itemCount(); ++i)
        if (QCPAbstractLegendItem *item = legend->item(i))
            widest = std::max(widest, item->minimumOuterSizeHint().width());
    int columns = m_legendColumns;
    const int room = std::max(1, m_plot->width() - 4);
    while (columns > 1 && columns * widest + (columns - 1) * legend->columnSpacing() > room)
        --columns;
    if (columns != legend->wrap()) {
        legend->setWrap(columns);
        legend->setFillOrder(QCPLayoutGrid::foColumnsFirst, true); // re-wrap the existing entries
        m_controller->requestReplot();
    }
}

void CurvePlot::resizeEvent(QResizeEvent *event)
{
    QWidget::resizeEvent(event);
    fitLegend();
}

void CurvePlot::setFixedYRange(double lo, double hi)
{
    m_fixedY = true;
    m_yLo = lo;
    m_yHi = hi;
    m_plot->yAxis->setRange(lo, hi);
}

void CurvePlot::rescale(bool fromZero)
{
    bool any = false;
    QCPRange x, y, y2;
    bool anyY = false, anyY2 = false;
    for (QCPGraph *g : std::as_const(m_series)) {
        if (g->dataCount() == 0) continue;
        bool found = false;
        const QCPRange gx = g->getKeyRange(found);
        if (found) x = any ? QCPRange(std::min(x.lower, gx.lower), std::max(x.upper, gx.upper)) : gx;
        any = any || found;
        const bool right = g->valueAxis() == m_plot->yAxis2;
        const QCPRange gy = g->getValueRange(found, QCP::sdBoth, QCPRange());
        if (!found) continue;
        QCPRange &r = right ? y2 : y;
        bool &seen = right ? anyY2 : anyY;
        r = seen ? QCPRange(std::min(r.lower, gy.lower), std::max(r.upper, gy.upper)) : gy;
        seen = true;
    }
    if (any) m_plot->xAxis->setRange(std::min(0.0, x.lower), std::max(1.0, x.upper));
    const auto pad = [fromZero](QCPRange r, bool log) {
        if (log) {
            // Whole decades, at least two: a constant learning rate sits between two labelled
            // powers of ten instead of filling the axis with one repeated label.
            if (r.lower <= 0) r.lower = r.upper / 1000;
            double lo = std::floor(std::log10(r.lower)), hi = std::ceil(std::log10(r.upper));
            if (hi - lo < 1) {
                lo -= 1;
                hi += 1;
            }
            return QCPRange(std::pow(10.0, lo), std::pow(10.0, hi));
        }
        const double span = std::max(r.size(), std::abs(r.upper) * 0.1 + 1e-9);
        return QCPRange(fromZero ? std::min(0.0, r.lower) : r.lower - 0.08 * span, r.upper + 0.08 * span);
    };
    if (m_fixedY)
        m_plot->yAxis->setRange(m_yLo, m_yHi);
    else if (anyY)
        m_plot->yAxis->setRange(pad(y, m_logY));
    if (anyY2) m_plot->yAxis2->setRange(pad(y2, false));
    m_controller->requestReplot();
}

} // namespace fopro::ui
