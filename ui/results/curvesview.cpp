#include "ui/results/curvesview.h"

#include "ui/common/plotcontroller.h"
#include "ui/common/plotpalette.h"
#include "ui/common/qcustomplotinclude.h"
#include "ui/results/plotsupport.h"

#include <QtWidgets/QComboBox>
#include <QtWidgets/QHBoxLayout>
#include <QtWidgets/QLabel>
#include <QtWidgets/QVBoxLayout>

#include <cmath>
#include <numeric>

namespace fopro::ui {

namespace {

void setupAxes(QCustomPlot *plot, const QString &x, const QString &y)
{
    plot->xAxis->setLabel(x);
    plot->yAxis->setLabel(y);
    plot->xAxis->setRange(-0.01, 1.01);
    plot->yAxis->setRange(-0.01, 1.02);
    plot->xAxis->ticker()->setTickCount(5);
    plot->yAxis->ticker()->setTickCount(5);
    plot->legend->setVisible(true);
    QFont small = plot->font();
    small.setPointSizeF(std::max(6.5, plot->font().pointSizeF() - 2));
    plot->legend->setFont(small);
    plot->legend->setIconSize(14, 6);
    plot->legend->setRowSpacing(-2);
    plot->legend->setMargins(QMargins(4, 2, 4, 2));
}

QPen classPen(int k, bool single)
{
    QPen pen(PlotPalette::categorical(k), single ? 2.2 : 1.4);
    // Okabe–Ito has eight colours: classes beyond them repeat a colour with a dashed line.
    if (k >= PlotPalette::categoricalCount())
        pen.setStyle(k >= 2 * PlotPalette::categoricalCount() ? Qt::DotLine : Qt::DashLine);
    return pen;
}

} // namespace

CurvesView::CurvesView(QWidget *parent) : QWidget(parent)
{
    m_class = new QComboBox(this);
    m_class->setAccessibleName(tr("Class"));
    m_class->setMinimumContentsLength(16);
    connect(m_class, &QComboBox::currentIndexChanged, this, [this] { rebuild(); });
    m_roc =
        makeResultsPlot(this, tr("ROC, one class against the rest"), QStringLiteral("roc-curves"), &m_rocController);
    m_pr = makeResultsPlot(this, tr("Precision–recall, one class against the rest"), QStringLiteral("pr-curves"),
                           &m_prController);
    setupAxes(m_roc, tr("false positive rate"), tr("true positive rate (recall)"));
    setupAxes(m_pr, tr("recall"), tr("precision"));
    m_roc->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignBottom | Qt::AlignRight);
    m_pr->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignBottom | Qt::AlignLeft);
    connect(m_rocController, &PlotController::paletteChanged, this, [this] { rebuild(); });

    auto *bar = new QHBoxLayout;
    bar->addWidget(new QLabel(tr("Class:"), this));
    bar->addWidget(m_class);
    auto *note =
        new QLabel(tr("AUC: area under the ROC curve; AP: average precision (area under the PR curve)."), this);
    note->setWordWrap(true);
    bar->addWidget(note, 1);
    auto *plots = new QHBoxLayout;
    plots->addWidget(m_roc, 1);
    plots->addWidget(m_pr, 1);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(bar);
    layout->addLayout(plots, 1);
}

void CurvesView::setCurves(const QStringList &classNames, const std::vector<std::optional<metrics::CurvePoints>> &roc,
                           const std::vector<std::optional<metrics::CurvePoints>> &pr, const std::vector<int> &support)
{
    m_names = classNames;
    m_rocCurves = roc;
    m_prCurves = pr;
    m_support = support;
    const int keep = m_class->currentData().isValid() ? m_class->currentData().toInt() : -1;
    const QSignalBlocker block(m_class);
    m_class->clear();
    m_class->addItem(tr("All classes"), -1);
    for (int k = 0; k < classNames.size(); ++k)
        m_class->addItem(classNames[k], k);
    const int pos = m_class->findData(keep);
    m_class->setCurrentIndex(pos < 0 ? 0 : pos);
    rebuild();
}

void CurvesView::showClass(int k)
{
    const int pos = m_class->findData(k);
    m_class->setCurrentIndex(pos < 0 ? 0 : pos);
}

int CurvesView::shownClass() const
{
    return m_class->currentData().isValid() ? m_class->currentData().toInt() : -1;
}

void CurvesView::rebuild()
{
    const PlotPalette &pal = m_rocController->palette();
    const int shown = shownClass();
    const bool single = shown >= 0;
    for (QCustomPlot *plot : {m_roc, m_pr}) {
        plot->clearPlottables();
        plot->clearItems();
    }
    // Guides: chance on ROC; the class's prevalence on PR (one class only).
    auto *chance = new QCPItemLine(m_roc);
    chance->start->setCoords(0, 0);
    chance->end->setCoords(1, 1);
    chance->setPen(QPen(pal.muted, 1, Qt::DashLine));
    const int total = std::accumulate(m_support.begin(), m_support.end(), 0);
    if (single && total > 0 && shown < int(m_support.size())) {
        const double prevalence = double(m_support[std::size_t(shown)]) / total;
        auto *base = new QCPItemLine(m_pr);
        base->start->setCoords(0, prevalence);
        base->end->setCoords(1, prevalence);
        base->setPen(QPen(pal.muted, 1, Qt::DashLine));
    }
    const auto draw = [&](QCustomPlot *plot, const std::vector<std::optional<metrics::CurvePoints>> &curves,
                          const char *areaName) {
        for (int k = 0; k < int(curves.size()); ++k) {
            if (single && k != shown) continue;
            const auto &c = curves[std::size_t(k)];
            if (!c) continue;
            auto *curve = new QCPCurve(plot->xAxis, plot->yAxis);
            QVector<double> t(qsizetype(c->x.size())), x(t.size()), y(t.size());
            for (qsizetype i = 0; i < t.size(); ++i) {
                t[i] = double(i);
                x[i] = c->x[std::size_t(i)];
                y[i] = c->y[std::size_t(i)];
            }
            curve->setData(t, x, y, true);
            curve->setPen(classPen(k, single));
            curve->setName(
                QStringLiteral("%1 · %2 %3").arg(m_names.value(k), QLatin1String(areaName)).arg(c->area, 0, 'f', 3));
            curve->setSelectable(QCP::stNone);
        }
    };
    draw(m_roc, m_rocCurves, "AUC");
    draw(m_pr, m_prCurves, "AP");
    m_rocController->requestReplot();
    m_prController->requestReplot();
}

} // namespace fopro::ui
