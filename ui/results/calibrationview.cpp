#include "ui/results/calibrationview.h"

#include "ui/common/plotcontroller.h"
#include "ui/common/plotpalette.h"
#include "ui/common/qcustomplotinclude.h"
#include "ui/results/plotsupport.h"

#include <QtWidgets/QHBoxLayout>
#include <QtWidgets/QLabel>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QVBoxLayout>

#include <cmath>

namespace fopro::ui {

namespace {

QString number4(double v)
{
    return std::isfinite(v) ? QString::number(v, 'f', 4) : QStringLiteral("–");
}

} // namespace

CalibrationView::CalibrationView(QWidget *parent) : QWidget(parent)
{
    m_plot = makeResultsPlot(this, tr("Reliability diagram"), QStringLiteral("reliability"), &m_controller);
    m_plot->xAxis->setLabel(tr("confidence (top-1 probability)"));
    m_plot->yAxis->setLabel(tr("accuracy"));
    m_plot->xAxis->setRange(0, 1);
    m_plot->yAxis->setRange(0, 1.02);
    m_plot->xAxis->ticker()->setTickCount(5);
    m_plot->yAxis->ticker()->setTickCount(5);
    m_plot->legend->setVisible(true);
    m_plot->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignLeft);
    QFont small = font();
    small.setPointSizeF(std::max(7.0, font().pointSizeF() - 1));
    m_plot->legend->setFont(small);
    connect(m_controller, &PlotController::paletteChanged, this, [this] { rebuild(); });

    m_summary = new QLabel(this);
    m_summary->setWordWrap(true);
    m_summary->setTextFormat(Qt::RichText);
    m_summary->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_summary->setMinimumWidth(220);
    m_summary->setMaximumWidth(340);
    m_evaluate = new QPushButton(tr("Evaluate on the validation split"), this);
    m_evaluate->setToolTip(tr("Run the best student on the validation images (a job) so that temperature scaling "
                              "can be fitted on them"));
    m_evaluate->setVisible(false);
    connect(m_evaluate, &QPushButton::clicked, this, &CalibrationView::evaluateValidationRequested);
    auto *side = new QVBoxLayout;
    side->addWidget(m_summary);
    side->addWidget(m_evaluate);
    side->addStretch(1);
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_plot, 1);
    layout->addLayout(side);
}

void CalibrationView::clear()
{
    setResults({}, {}, {});
}

void CalibrationView::setResults(const metrics::CalibrationResult &calibration, const TemperatureResult &temperature,
                                 const QString &split)
{
    m_calibration = calibration;
    m_temperature = temperature;
    m_split = split;
    rebuild();
}

QString CalibrationView::temperatureText() const
{
    return m_temperature.available ? QString::number(m_temperature.fit.temperature, 'f', 3) : QStringLiteral("–");
}
QString CalibrationView::eceBeforeText() const
{
    return m_temperature.available ? number4(m_temperature.eceBefore) : number4(m_calibration.ece);
}
QString CalibrationView::eceAfterText() const
{
    return m_temperature.available ? number4(m_temperature.eceAfter) : QStringLiteral("–");
}
QString CalibrationView::nllBeforeText() const
{
    return m_temperature.available ? number4(m_temperature.nllBefore) : QStringLiteral("–");
}
QString CalibrationView::nllAfterText() const
{
    return m_temperature.available ? number4(m_temperature.nllAfter) : QStringLiteral("–");
}

void CalibrationView::rebuild()
{
    m_plot->clearPlottables();
    m_plot->clearItems();
    const PlotPalette &pal = m_controller->palette();
    auto *diagonal = new QCPItemLine(m_plot);
    diagonal->start->setCoords(0, 0);
    diagonal->end->setCoords(1, 1);
    diagonal->setPen(QPen(pal.muted, 1, Qt::DashLine));

    const auto bars = [&](const metrics::CalibrationResult &c, const QString &name, const QColor &color, double offset,
                          double widthShare) {
        if (c.bins.empty()) return;
        auto *b = new QCPBars(m_plot->xAxis, m_plot->yAxis);
        b->setName(name);
        QColor fill = color;
        fill.setAlpha(170);
        b->setBrush(fill);
        b->setPen(QPen(color.darker(130)));
        const double width = (c.bins.front().upper - c.bins.front().lower) * widthShare;
        b->setWidth(width);
        for (const metrics::ReliabilityBin &bin : c.bins)
            if (bin.count > 0 && std::isfinite(bin.accuracy))
                b->addData((bin.lower + bin.upper) / 2 + offset * width, bin.accuracy);
    };
    const bool after = m_temperature.available;
    const metrics::CalibrationResult &before = after ? m_temperature.calibrationBefore : m_calibration;
    bars(before, tr("before scaling · ECE %1").arg(number4(before.ece)), PlotPalette::categorical(0),
         after ? -0.5 : 0.0, after ? 0.45 : 0.9);
    if (after)
        bars(m_temperature.calibrationAfter,
             tr("after T = %1 · ECE %2").arg(temperatureText(), number4(m_temperature.eceAfter)),
             PlotPalette::categorical(1), 0.5, 0.45);
    m_controller->requestReplot();

    QString html = tr("<b>Calibration on the %1 split</b><br>").arg(m_split.toHtmlEscaped());
    html += tr("Expected calibration error (ECE, %1 bins): <b>%2</b><br>")
                .arg(before.bins.size())
                .arg(number4(m_calibration.ece));
    if (after) {
        html += tr("<br><b>Temperature scaling</b> fitted on the %1 predictions "
                   "(minimum negative log-likelihood), applied to the %2 split:<br>")
                    .arg(m_temperature.fittedOn.toHtmlEscaped(), m_split.toHtmlEscaped());
        html += QStringLiteral("<table cellspacing=4>"
                               "<tr><td>%1</td><td align=right><b>%2</b></td><td></td></tr>"
                               "<tr><td></td><td align=right><i>%3</i></td><td align=right><i>%4</i></td></tr>"
                               "<tr><td>%5</td><td align=right>%6</td><td align=right>%7</td></tr>"
                               "<tr><td>%8</td><td align=right>%9</td><td align=right>%10</td></tr>"
                               "</table>")
                    .arg(tr("Temperature T"), temperatureText(), tr("before"), tr("after"), tr("ECE"), eceBeforeText(),
                         eceAfterText(), tr("NLL"), nllBeforeText(), nllAfterText());
        const double t = m_temperature.fit.temperature;
        html += tr("<br>Validation NLL: %1 → %2.<br>%3 The predicted classes do not change.")
                    .arg(number4(m_temperature.fit.nllBefore), number4(m_temperature.fit.nllAfter),
                         t > 1.0   ? tr("T &gt; 1: the model was over-confident; scaling softens its probabilities.")
                         : t < 1.0 ? tr("T &lt; 1: the model was under-confident; scaling sharpens its probabilities.")
                                   : tr("T = 1: the model was already calibrated on the validation images."));
    } else if (!m_temperature.reason.isEmpty()) {
        html += tr("<br>No temperature scaling: %1").arg(m_temperature.reason.toHtmlEscaped());
    }
    m_summary->setText(html);
    m_evaluate->setVisible(m_temperature.missingValidation);
}

} // namespace fopro::ui
