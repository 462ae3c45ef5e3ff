#include "ui/results/confusionview.h"

#include "core/common/fileio.h"
#include "core/metrics/curves.h"
#include "ui/common/plotcontroller.h"
#include "ui/common/plotpalette.h"
#include "ui/common/qcustomplotinclude.h"
#include "ui/results/plotsupport.h"

#include <QtWidgets/QCheckBox>
#include <QtWidgets/QHBoxLayout>
#include <QtWidgets/QHeaderView>
#include <QtWidgets/QLabel>
#include <QtWidgets/QSplitter>
#include <QtWidgets/QToolTip>
#include <QtWidgets/QTreeWidget>
#include <QtWidgets/QVBoxLayout>

#include <cmath>

namespace fopro::ui {

namespace {

/// Class names shortened for an axis: at most `max` characters, an ellipsis when cut.
QString shortName(const QString &name, int max)
{
    return name.size() <= max ? name : name.left(max - 1) + QChar(0x2026);
}

} // namespace

ConfusionView::ConfusionView(QWidget *parent) : QWidget(parent)
{
    m_plot = makeResultsPlot(this, tr("Confusion matrix (rows: true class, columns: predicted)"),
                             QStringLiteral("confusion-matrix"), &m_controller);
    m_plot->setMinimumSize(320, 280);
    m_controller->setCsvProvider([this] { return csv(); });
    m_plot->xAxis->setLabel(tr("predicted class"));
    m_plot->yAxis->setLabel(tr("true class"));
    m_plot->yAxis->setRangeReversed(true);
    m_plot->xAxis->grid()->setVisible(false);
    m_plot->yAxis->grid()->setVisible(false);
    m_plot->setMouseTracking(true);

    m_normalize = new QCheckBox(tr("Row-normalised (share of the true class)"), this);
    m_normalize->setToolTip(tr("Show each cell as the share of its true class instead of a count; the diagonal is "
                               "then the recall"));
    connect(m_normalize, &QCheckBox::toggled, this, [this] { rebuild(); });
    m_hint = new QLabel(tr("Click a cell to open its images on the Dataset page."), this);
    m_hint->setWordWrap(true);

    m_pairs = new QTreeWidget(this);
    m_pairs->setAccessibleName(tr("Most confused pairs"));
    m_pairs->setHeaderLabels({tr("True"), tr("Predicted as"), tr("n"), tr("% of true")});
    m_pairs->setRootIsDecorated(false);
    m_pairs->setUniformRowHeights(true);
    m_pairs->setToolTip(tr("Double-click a pair to open its images on the Dataset page"));
    m_pairs->header()->setStretchLastSection(false);
    m_pairs->header()->setSectionResizeMode(0, QHeaderView::Stretch);
    m_pairs->header()->setSectionResizeMode(1, QHeaderView::Stretch);
    m_pairs->header()->setSectionResizeMode(2, QHeaderView::ResizeToContents);
    m_pairs->header()->setSectionResizeMode(3, QHeaderView::ResizeToContents);
    m_pairs->setTextElideMode(Qt::ElideRight);
    connect(m_pairs, &QTreeWidget::itemActivated, this, [this](QTreeWidgetItem *item) {
        Q_EMIT cellActivated(item->data(0, Qt::UserRole).toInt(), item->data(1, Qt::UserRole).toInt());
    });

    auto *left = new QWidget(this);
    auto *leftLayout = new QVBoxLayout(left);
    leftLayout->setContentsMargins(0, 0, 0, 0);
    auto *row = new QHBoxLayout;
    row->addWidget(m_normalize);
    row->addStretch(1);
    leftLayout->addLayout(row);
    leftLayout->addWidget(m_plot, 1);
    leftLayout->addWidget(m_hint);
    auto *right = new QWidget(this);
    auto *rightLayout = new QVBoxLayout(right);
    rightLayout->setContentsMargins(0, 0, 0, 0);
    rightLayout->addWidget(new QLabel(tr("<b>Most confused pairs</b>"), this));
    rightLayout->addWidget(m_pairs, 1);
    auto *split = new QSplitter(Qt::Horizontal, this);
    split->addWidget(left);
    split->addWidget(right);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 1);
    split->setChildrenCollapsible(false);
    right->setMinimumWidth(230);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(split);

    connect(m_plot, &QCustomPlot::mousePress, this, [this](QMouseEvent *event) {
        if (event->button() != Qt::LeftButton) return;
        const auto cell = cellAt(event->pos());
        if (cell.first >= 0) Q_EMIT cellActivated(cell.first, cell.second);
    });
    connect(m_plot, &QCustomPlot::mouseMove, this, [this](QMouseEvent *event) {
        const auto cell = cellAt(event->pos());
        if (cell.first < 0) {
            QToolTip::hideText();
            return;
        }
        const int n = m_matrix.count(cell.first, cell.second);
        const double share = m_matrix.normalized(cell.first, cell.second, metrics::Normalization::ByRow);
        QToolTip::showText(event->globalPosition().toPoint(),
                           tr("true %1, predicted %2: %3 image(s), %4% of the true class")
                               .arg(m_names.value(cell.first), m_names.value(cell.second))
                               .arg(n)
                               .arg(share * 100, 0, 'f', 1),
                           m_plot);
    });
    connect(m_controller, &PlotController::paletteChanged, this, [this] { rebuild(); });
}

bool ConfusionView::isNormalized() const
{
    return m_normalize->isChecked();
}

void ConfusionView::setNormalized(bool normalized)
{
    m_normalize->setChecked(normalized);
}

void ConfusionView::clear()
{
    setMatrix(metrics::ConfusionMatrix(), {});
}

void ConfusionView::setMatrix(const metrics::ConfusionMatrix &matrix, const QStringList &classNames)
{
    m_matrix = matrix;
    m_names = classNames;
    rebuild();

    m_pairs->clear();
    for (const metrics::ConfusedPair &p : metrics::mostConfusedPairs(m_matrix, 20)) {
        auto *item = new QTreeWidgetItem(m_pairs);
        item->setText(0, m_names.value(p.trueClass));
        item->setText(1, m_names.value(p.predictedClass));
        item->setText(2, QString::number(p.count));
        item->setText(3, QStringLiteral("%1%").arg(p.rateOfTrue * 100, 0, 'f', 1));
        item->setData(0, Qt::UserRole, p.trueClass);
        item->setData(1, Qt::UserRole, p.predictedClass);
        item->setTextAlignment(2, Qt::AlignRight | Qt::AlignVCenter);
        item->setTextAlignment(3, Qt::AlignRight | Qt::AlignVCenter);
        item->setToolTip(0, tr("true %1 predicted as %2 (%3)")
                                .arg(m_names.value(p.trueClass), m_names.value(p.predictedClass))
                                .arg(p.count));
    }
}

QString ConfusionView::cellText(int t, int p) const
{
    if (t < 0 || p < 0 || t >= m_matrix.numClasses() || p >= m_matrix.numClasses()) return {};
    if (isNormalized()) return QString::number(m_matrix.normalized(t, p, metrics::Normalization::ByRow), 'f', 2);
    return QString::number(m_matrix.count(t, p));
}

QPair<int, int> ConfusionView::cellAt(const QPoint &pos) const
{
    const int c = m_matrix.numClasses();
    if (c == 0 || !m_plot->axisRect()->rect().contains(pos)) return {-1, -1};
    const int p = int(std::lround(m_plot->xAxis->pixelToCoord(pos.x())));
    const int t = int(std::lround(m_plot->yAxis->pixelToCoord(pos.y())));
    if (t < 0 || p < 0 || t >= c || p >= c) return {-1, -1};
    return {t, p};
}

QPoint ConfusionView::cellCenter(int t, int p) const
{
    return QPoint(int(m_plot->xAxis->coordToPixel(p)), int(m_plot->yAxis->coordToPixel(t)));
}

void ConfusionView::rebuild()
{
    m_plot->clearItems();
    m_plot->clearPlottables();
    for (int i = m_plot->plotLayout()->elementCount() - 1; i >= 0; --i)
        if (auto *scale = qobject_cast<QCPColorScale *>(m_plot->plotLayout()->elementAt(i))) {
            m_plot->plotLayout()->remove(scale);
            m_plot->plotLayout()->simplify();
        }
    m_map = nullptr;
    const int c = m_matrix.numClasses();
    const PlotPalette &pal = m_controller->palette();
    if (c == 0) {
        m_controller->requestReplot();
        return;
    }
    m_map = new QCPColorMap(m_plot->xAxis, m_plot->yAxis);
    m_map->data()->setSize(c, c);
    m_map->data()->setRange(QCPRange(0, c - 1), QCPRange(0, c - 1));
    for (int t = 0; t < c; ++t)
        for (int p = 0; p < c; ++p)
            m_map->data()->setCell(p, t, m_matrix.normalized(t, p, metrics::Normalization::ByRow));
    QCPColorGradient gradient;
    PlotPalette::fillGradient(gradient);
    m_map->setGradient(gradient);
    m_map->setDataRange(QCPRange(0, 1));
    m_map->setInterpolate(false);
    m_map->setTightBoundary(false);

    auto *scale = new QCPColorScale(m_plot);
    scale->setType(QCPAxis::atRight);
    scale->setBarWidth(10);
    scale->axis()->setLabel(tr("share of the true class"));
    scale->axis()->setTickLabelColor(pal.foreground);
    scale->axis()->setLabelColor(pal.foreground);
    scale->axis()->setBasePen(QPen(pal.foreground));
    scale->axis()->setTickPen(QPen(pal.foreground));
    scale->axis()->setSubTickPen(QPen(pal.foreground));
    scale->axis()->ticker()->setTickCount(3);
    const int row = m_plot->plotLayout()->rowCount() - 1;
    m_plot->plotLayout()->addElement(row, 1, scale);
    m_map->setColorScale(scale); // the map takes the scale's gradient from here on
    scale->setGradient(gradient);
    scale->setDataRange(QCPRange(0, 1));
    auto *group = new QCPMarginGroup(m_plot);
    m_plot->axisRect()->setMarginGroup(QCP::msBottom | QCP::msTop, group);
    scale->setMarginGroup(QCP::msBottom | QCP::msTop, group);

    // Class names on both axes; long names are shortened (the tool tip has them whole).
    QSharedPointer<QCPAxisTickerText> xt(new QCPAxisTickerText), yt(new QCPAxisTickerText);
    const int maxChars = c <= 10 ? 14 : 10;
    for (int k = 0; k < c; ++k) {
        xt->addTick(k, shortName(m_names.value(k, QString::number(k)), maxChars));
        yt->addTick(k, shortName(m_names.value(k, QString::number(k)), maxChars));
    }
    m_plot->xAxis->setTicker(xt);
    m_plot->yAxis->setTicker(yt);
    m_plot->xAxis->setTickLabelRotation(c > 4 ? -40 : 0);
    m_plot->xAxis->setSubTicks(false);
    m_plot->yAxis->setSubTicks(false);
    m_plot->xAxis->setTickLength(0, 3);
    m_plot->yAxis->setTickLength(0, 3);
    QFont tickFont = font();
    tickFont.setPointSizeF(std::max(6.5, font().pointSizeF() - (c > 12 ? 2 : 1)));
    m_plot->xAxis->setTickLabelFont(tickFont);
    m_plot->yAxis->setTickLabelFont(tickFont);
    m_plot->xAxis->setRange(-0.5, c - 0.5);
    m_plot->yAxis->setRange(-0.5, c - 0.5);

    // The number in every cell, dark on the light end of the map and light on the dark end.
    QFont cellFont = font();
    cellFont.setPointSizeF(c <= 10 ? std::max(7.0, font().pointSizeF() - 1) : c <= 16 ? 7.0 : 6.0);
    for (int t = 0; t < c; ++t)
        for (int p = 0; p < c; ++p) {
            auto *text = new QCPItemText(m_plot);
            text->position->setType(QCPItemPosition::ptPlotCoords);
            text->position->setCoords(p, t);
            text->setText(cellText(t, p));
            QFont f = cellFont;
            f.setBold(t == p);
            text->setFont(f);
            const double share = m_matrix.normalized(t, p, metrics::Normalization::ByRow);
            text->setColor(share > 0.55 ? QColor(0x10, 0x10, 0x10) : QColor(0xf5, 0xf5, 0xf5));
            text->setClipToAxisRect(true);
            text->setSelectable(false);
        }
    m_controller->requestReplot();
}

QString ConfusionView::csv() const
{
    const int c = m_matrix.numClasses();
    QStringList header{QStringLiteral("true \\ predicted")};
    for (int p = 0; p < c; ++p)
        header << m_names.value(p);
    QString out = fileio::csvRow(header);
    for (int t = 0; t < c; ++t) {
        QStringList row{m_names.value(t)};
        for (int p = 0; p < c; ++p)
            row << QString::number(m_matrix.count(t, p));
        out += fileio::csvRow(row);
    }
    return out;
}

} // namespace fopro::ui
