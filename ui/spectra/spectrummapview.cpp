#include "ui/spectra/spectrummapview.h"

#include "core/common/fileio.h"
#include "ui/common/plotcontroller.h"
#include "ui/common/plotpalette.h"
#include "ui/common/qcustomplotinclude.h"

#include <QtGui/QMouseEvent>
#include <QtWidgets/QLabel>
#include <QtWidgets/QToolTip>
#include <QtWidgets/QVBoxLayout>

#include <opencv2/core.hpp>

#include <cmath>

namespace fopro::ui {

SpectrumMapView::SpectrumMapView(const QString &title, QWidget *parent)
    : QWidget(parent), m_title(new QLabel(title, this)), m_plot(new QCustomPlot(this))
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    QFont bold = m_title->font();
    bold.setBold(true);
    m_title->setFont(bold);
    m_title->setWordWrap(true);
    layout->addWidget(m_title);
    layout->addWidget(m_plot, 1);
    m_plot->setMinimumSize(160, 140);
    m_plot->setMouseTracking(true);
    m_plot->installEventFilter(this);

    m_colorMap = new QCPColorMap(m_plot->xAxis, m_plot->yAxis);
    m_colorMap->setName(title);
    m_colorMap->setInterpolate(false);
    m_colorScale = new QCPColorScale(m_plot);
    m_plot->plotLayout()->addElement(0, 1, m_colorScale);
    m_colorScale->setType(QCPAxis::atRight);
    m_colorScale->setBarWidth(10);
    m_colorMap->setColorScale(m_colorScale);
    auto *margins = new QCPMarginGroup(m_plot);
    m_plot->axisRect()->setMarginGroup(QCP::msBottom | QCP::msTop, margins);
    m_colorScale->setMarginGroup(QCP::msBottom | QCP::msTop, margins);
    m_plot->xAxis->setLabel(tr("horizontal frequency (× Nyquist)"));
    m_plot->yAxis->setLabel(tr("vertical frequency (× Nyquist)"));
    m_plot->yAxis->setRangeReversed(true); // row 0 at the top, as in the image
    // Few ticks: at 1024 × 700 a map is about 200 px wide and -1 … 1 in quarters would collide.
    m_plot->xAxis->ticker()->setTickCount(3);
    m_plot->yAxis->ticker()->setTickCount(3);

    m_colorMap->setVisible(false); // nothing to show until setMap()
    m_plot->xAxis->setRange(-1, 1);
    m_plot->yAxis->setRange(-1, 1);
    connect(m_plot, &QCustomPlot::afterLayout, this, &SpectrumMapView::keepCellsSquare);
    m_controller = new PlotController(m_plot);
    m_controller->setExportName(title.toLower().replace(QLatin1Char(' '), QLatin1Char('-')));
    m_controller->setCsvProvider([this] { return csv(); });
    connect(m_controller, &PlotController::paletteChanged, this, &SpectrumMapView::recolour);
    recolour();
}

void SpectrumMapView::setMap(const cv::Mat &map, Scale scale, const QString &valueLabel, double centre)
{
    map.convertTo(m_map, CV_32F);
    m_scale = scale;
    m_centre = centre;
    m_colorScale->axis()->setLabel(valueLabel);
    const int h = m_map.rows, w = m_map.cols;
    if (h == 0 || w == 0) {
        clear();
        return;
    }
    QCPColorMapData *data = m_colorMap->data();
    data->setSize(w, h);
    data->setRange(QCPRange(frequencyOf(0, w), frequencyOf(w - 1, w)),
                   QCPRange(frequencyOf(0, h), frequencyOf(h - 1, h)));
    double lo = std::numeric_limits<double>::infinity(), hi = -lo;
    for (int y = 0; y < h; ++y) {
        const float *row = m_map.ptr<float>(y);
        for (int x = 0; x < w; ++x) {
            data->setCell(x, y, row[x]);
            if (std::isfinite(row[x])) {
                lo = std::min(lo, double(row[x]));
                hi = std::max(hi, double(row[x]));
            }
        }
    }
    if (!std::isfinite(lo)) lo = hi = 0;
    if (scale == Scale::Cyclic) {
        lo = -M_PI;
        hi = M_PI;
    } else if (scale == Scale::Diverging) {
        const double m = std::max({std::abs(hi - centre), std::abs(lo - centre), 1e-6});
        lo = centre - m;
        hi = centre + m;
    } else if (m_fixed) {
        lo = m_lo;
        hi = m_hi;
    }
    if (hi <= lo) hi = lo + 1e-6;
    m_colorMap->setDataRange(QCPRange(lo, hi));
    m_colorMap->setVisible(true);
    recolour();
    m_plot->rescaleAxes();
    m_xCentre = m_plot->xAxis->range().center();
    m_xSize = m_plot->xAxis->range().size();
    m_yCentre = m_plot->yAxis->range().center();
    m_ySize = m_plot->yAxis->range().size();
    m_controller->requestReplot();
}

void SpectrumMapView::keepCellsSquare()
{
    const QRect rect = m_plot->axisRect()->rect();
    if (m_map.empty() || rect.width() <= 0 || rect.height() <= 0) return;
    // Pixels per unit of a frequency axis when it shows exactly the map.
    if (m_xSize <= 0 || m_ySize <= 0) return;
    const double scale = std::min(rect.width() / m_xSize, rect.height() / m_ySize);
    m_plot->xAxis->setRange(m_xCentre, rect.width() / scale, Qt::AlignCenter);
    m_plot->yAxis->setRange(m_yCentre, rect.height() / scale, Qt::AlignCenter);
}

void SpectrumMapView::setFixedRange(double lo, double hi)
{
    m_fixed = true;
    m_lo = lo;
    m_hi = hi;
    if (!m_map.empty() && m_scale == Scale::Sequential) {
        m_colorMap->setDataRange(QCPRange(lo, hi > lo ? hi : lo + 1e-6));
        m_controller->requestReplot();
    }
}

void SpectrumMapView::setTitle(const QString &title)
{
    m_title->setText(title);
}

void SpectrumMapView::clear()
{
    m_map.release();
    m_colorMap->data()->clear();
    m_colorMap->setVisible(false);
    m_controller->requestReplot();
}

double SpectrumMapView::rangeLower() const
{
    return m_colorMap->dataRange().lower;
}
double SpectrumMapView::rangeUpper() const
{
    return m_colorMap->dataRange().upper;
}

QString SpectrumMapView::csv() const
{
    QString out = fileio::csvRow({QStringLiteral("fx_nyquist"), QStringLiteral("fy_nyquist"), QStringLiteral("value")});
    for (int y = 0; y < m_map.rows; ++y)
        for (int x = 0; x < m_map.cols; ++x)
            out += fileio::csvRow({fileio::csvNumber(frequencyOf(x, m_map.cols)),
                                   fileio::csvNumber(frequencyOf(y, m_map.rows)),
                                   fileio::csvNumber(m_map.at<float>(y, x))});
    return out;
}

void SpectrumMapView::recolour()
{
    QCPColorGradient gradient;
    if (m_scale == Scale::Sequential)
        PlotPalette::fillGradient(gradient);
    else
        PlotPalette::fillDivergingGradient(gradient);
    gradient.setNanHandling(QCPColorGradient::nhTransparent);
    m_colorMap->setGradient(gradient);
    const PlotPalette &p = m_controller ? m_controller->palette() : PlotPalette::fromPalette(palette());
    m_colorScale->axis()->setBasePen(QPen(p.foreground));
    m_colorScale->axis()->setTickPen(QPen(p.foreground));
    m_colorScale->axis()->setSubTickPen(QPen(p.foreground));
    m_colorScale->axis()->setTickLabelColor(p.foreground);
    m_colorScale->axis()->setLabelColor(p.foreground);
    m_title->setForegroundRole(QPalette::WindowText);
}

bool SpectrumMapView::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == m_plot && event->type() == QEvent::MouseMove && !m_map.empty()) {
        const auto *me = static_cast<QMouseEvent *>(event);
        const double fx = m_plot->xAxis->pixelToCoord(me->position().x());
        const double fy = m_plot->yAxis->pixelToCoord(me->position().y());
        int x = 0, y = 0;
        m_colorMap->data()->coordToCell(fx, fy, &x, &y);
        if (x >= 0 && y >= 0 && x < m_map.cols && y < m_map.rows) {
            const double r = std::hypot(frequencyOf(x, m_map.cols), frequencyOf(y, m_map.rows));
            QToolTip::showText(me->globalPosition().toPoint(),
                               tr("fx %1, fy %2 (ρ %3 × Nyquist)\n%4: %5")
                                   .arg(frequencyOf(x, m_map.cols), 0, 'f', 3)
                                   .arg(frequencyOf(y, m_map.rows), 0, 'f', 3)
                                   .arg(r, 0, 'f', 3)
                                   .arg(m_colorScale->axis()->label())
                                   .arg(double(m_map.at<float>(y, x)), 0, 'g', 4),
                               m_plot);
        } else {
            QToolTip::hideText();
        }
    }
    return QWidget::eventFilter(watched, event);
}

} // namespace fopro::ui
