#include "ui/results/recallplot.h"

#include "ui/common/plotcontroller.h"
#include "ui/common/plotpalette.h"
#include "ui/common/qcustomplotinclude.h"
#include "ui/results/plotsupport.h"

#include <QtWidgets/QToolTip>
#include <QtWidgets/QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace fopro::ui {

namespace {

const QCPScatterStyle::ScatterShape kShapes[] = {QCPScatterStyle::ssDisc, QCPScatterStyle::ssTriangle,
                                                 QCPScatterStyle::ssSquare, QCPScatterStyle::ssDiamond};

QString groupName(int group)
{
    return group == 0 ? QObject::tr("head") : group == 1 ? QObject::tr("medium") : QObject::tr("tail");
}

} // namespace

RecallPlot::RecallPlot(QWidget *parent) : QWidget(parent)
{
    m_plot = makeResultsPlot(this, tr("Recall against training images per class"),
                             QStringLiteral("recall-vs-training-count"), &m_controller);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_plot);
    m_plot->xAxis->setScaleType(QCPAxis::stLogarithmic);
    QSharedPointer<QCPAxisTickerLog> log(new QCPAxisTickerLog);
    log->setLogBase(10);
    log->setSubTickCount(8);
    m_plot->xAxis->setTicker(log);
    m_plot->xAxis->setNumberFormat(QStringLiteral("g"));
    m_plot->xAxis->setNumberPrecision(6);
    m_plot->xAxis->setLabel(tr("training images (log scale)"));
    m_plot->yAxis->setLabel(tr("recall"));
    m_plot->yAxis->setRange(-0.03, 1.05);
    m_plot->yAxis->ticker()->setTickCount(5);
    // The legend in a row under the title, so that it never hides a point.
    m_plot->axisRect()->insetLayout()->take(m_plot->legend);
    m_plot->plotLayout()->insertRow(1);
    auto *legendRow = new QCPLayoutGrid;
    m_plot->plotLayout()->addElement(1, 0, legendRow);
    legendRow->addElement(0, 0, new QCPLayoutElement(m_plot));
    legendRow->addElement(0, 1, m_plot->legend);
    legendRow->addElement(0, 2, new QCPLayoutElement(m_plot));
    legendRow->setColumnStretchFactor(1, 0.001);
    m_plot->plotLayout()->setRowStretchFactor(1, 0.001);
    m_plot->plotLayout()->setRowSpacing(0);
    m_plot->legend->setVisible(true);
    m_plot->legend->setFillOrder(QCPLayoutGrid::foColumnsFirst);
    m_plot->legend->setWrap(3);
    m_plot->legend->setBorderPen(Qt::NoPen);
    m_plot->legend->setBrush(Qt::NoBrush);
    m_plot->legend->setMargins(QMargins(0, 0, 0, 0));
    m_plot->legend->setColumnSpacing(10);
    QFont small = font();
    small.setPointSizeF(std::max(7.0, font().pointSizeF() - 1));
    m_plot->legend->setFont(small);
    m_plot->legend->setIconSize(12, 8);
    m_plot->setMouseTracking(true);
    connect(m_plot, &QCustomPlot::mouseMove, this, [this](QMouseEvent *event) {
        const QString text = pointAt(event->pos());
        if (text.isEmpty())
            QToolTip::hideText();
        else
            QToolTip::showText(event->globalPosition().toPoint(), text, m_plot);
    });
    connect(m_controller, &PlotController::paletteChanged, this, [this] { rebuild(); });
}

void RecallPlot::setSeries(const std::vector<Series> &series, int many, int few)
{
    m_series = series;
    m_many = many;
    m_few = few;
    rebuild();
}

QString RecallPlot::pointAt(const QPoint &pos) const
{
    double best = 10.0;
    QString text;
    for (std::size_t s = 0; s < m_series.size(); ++s)
        for (const Point &p : m_series[s].points) {
            if (p.trainCount <= 0) continue;
            const double dx = m_plot->xAxis->coordToPixel(p.trainCount) - pos.x();
            const double dy = m_plot->yAxis->coordToPixel(p.recall) - pos.y();
            const double d = std::hypot(dx, dy);
            if (d < best) {
                best = d;
                text = tr("%1: recall %2, %3 training images (%4)")
                           .arg(p.name)
                           .arg(p.recall, 0, 'f', 3)
                           .arg(p.trainCount)
                           .arg(groupName(p.group));
                if (m_series.size() > 1) text += QStringLiteral(" · ") + m_series[s].run;
            }
        }
    return text;
}

void RecallPlot::rebuild()
{
    m_plot->clearPlottables();
    m_plot->clearItems();
    const PlotPalette &pal = m_controller->palette();
    double lo = 1e18, hi = 0;
    bool groupSeen[3] = {false, false, false};
    for (std::size_t s = 0; s < m_series.size(); ++s) {
        const auto shape = kShapes[s % std::size(kShapes)];
        for (int g = 0; g < 3; ++g) {
            auto *graph = m_plot->addGraph();
            graph->setLineStyle(QCPGraph::lsNone);
            const QColor color = PlotPalette::tailGroupColor(g);
            const QColor edge = pal.dark ? color.lighter(130) : color.darker(150);
            graph->setScatterStyle(QCPScatterStyle(shape, QPen(edge, 1.2), s == 0 ? QBrush(color) : QBrush(), 9));
            graph->setName(m_series.size() > 1 ? QStringLiteral("%1 · %2").arg(groupName(g), m_series[s].run)
                                               : groupName(g));
            graph->removeFromLegend(); // the legend names groups by colour and runs by shape, below
            std::vector<std::pair<double, double>> pts;
            for (const Point &p : m_series[s].points)
                if (p.group == g && p.trainCount > 0) pts.emplace_back(p.trainCount, p.recall);
            std::sort(pts.begin(), pts.end());
            for (const auto &[x, y] : pts) {
                graph->addData(x, y);
                lo = std::min(lo, x);
                hi = std::max(hi, x);
            }
            groupSeen[g] = groupSeen[g] || !pts.empty();
        }
    }
    // Legend entries without data: one per group present (colour), one per run when compared (shape).
    const auto legendEntry = [&](const QString &name, const QCPScatterStyle &style) {
        auto *entry = m_plot->addGraph();
        entry->setName(name);
        entry->setLineStyle(QCPGraph::lsNone);
        entry->setScatterStyle(style);
        entry->setSelectable(QCP::stNone);
    };
    for (int g = 0; g < 3; ++g)
        if (groupSeen[g]) {
            const QColor color = PlotPalette::tailGroupColor(g);
            legendEntry(groupName(g),
                        QCPScatterStyle(QCPScatterStyle::ssDisc,
                                        QPen(pal.dark ? color.lighter(130) : color.darker(150)), QBrush(color), 9));
        }
    if (m_series.size() > 1)
        for (std::size_t s = 0; s < m_series.size(); ++s) {
            const QString run =
                m_series[s].run.size() > 18 ? m_series[s].run.left(17) + QChar(0x2026) : m_series[s].run;
            legendEntry(run, QCPScatterStyle(kShapes[s % std::size(kShapes)], QPen(pal.muted, 1.2),
                                             s == 0 ? QBrush(pal.muted) : QBrush(), 9));
        }
    // Class names beside the main run's points where they do not collide (in log-count / recall
    // space; the tool tip names every point).
    if (!m_series.empty() && m_series.front().points.size() <= 30) {
        QFont small = font();
        small.setPointSizeF(std::max(6.5, font().pointSizeF() - 2));
        std::vector<std::pair<double, double>> placed;
        std::vector<Point> points = m_series.front().points;
        std::sort(points.begin(), points.end(), [](const Point &a, const Point &b) { return a.recall > b.recall; });
        for (const Point &p : points) {
            if (p.trainCount <= 0) continue;
            const double lx = std::log10(double(p.trainCount));
            const bool clash = std::any_of(placed.begin(), placed.end(), [&](const std::pair<double, double> &q) {
                return std::abs(q.first - lx) < 0.7 && std::abs(q.second - p.recall) < 0.06;
            });
            if (clash) continue;
            placed.emplace_back(lx, p.recall);
            auto *label = new QCPItemText(m_plot);
            label->position->setType(QCPItemPosition::ptPlotCoords);
            label->position->setCoords(p.trainCount, p.recall);
            label->setPositionAlignment(Qt::AlignLeft | Qt::AlignBottom);
            label->setPadding(QMargins(5, 0, 0, 2));
            label->setText(p.name);
            label->setFont(small);
            label->setColor(pal.muted);
            label->setSelectable(false);
        }
    }
    // The thresholds: dashed lines, labelled to their right at two heights (they may be close).
    const struct {
        int value;
        QString text;
        double y;
    } thresholds[] = {{m_many, tr("head > %1").arg(m_many), 1.04}, {m_few, tr("tail < %1").arg(m_few), 0.985}};
    for (const auto &t : thresholds) {
        if (t.value <= 0) continue;
        auto *line = new QCPItemStraightLine(m_plot);
        line->point1->setCoords(t.value, 0);
        line->point2->setCoords(t.value, 1);
        line->setPen(QPen(pal.muted, 1, Qt::DashLine));
        line->setSelectable(false);
        auto *label = new QCPItemText(m_plot);
        label->position->setType(QCPItemPosition::ptPlotCoords);
        label->position->setCoords(t.value, t.y);
        label->setPositionAlignment(Qt::AlignLeft | Qt::AlignTop);
        label->setPadding(QMargins(3, 0, 0, 0));
        label->setText(t.text);
        label->setColor(pal.muted);
        label->setSelectable(false);
        lo = std::min(lo, double(t.value));
        hi = std::max(hi, double(t.value));
    }
    if (hi <= 0) {
        lo = 1;
        hi = 1000;
    }
    m_plot->xAxis->setRange(std::max(0.5, lo / 1.6), hi * 5);
    m_controller->requestReplot();
}

} // namespace fopro::ui
