#include "ui/dataset/longtailplot.h"

#include "core/common/fileio.h"
#include "core/data/datasetindex.h"
#include "ui/common/plotcontroller.h"
#include "ui/common/qcustomplotinclude.h"

#include <QtCore/QEvent>
#include <QtGui/QFontMetrics>
#include <QtGui/QHelpEvent>
#include <QtGui/QMouseEvent>
#include <QtWidgets/QCheckBox>
#include <QtWidgets/QToolTip>
#include <QtWidgets/QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <numeric>

namespace fopro::ui {

namespace {

// Split colours: Okabe–Ito blue, orange and bluish green; grey for "no split yet".
QColor splitColor(int split)
{
    return split < 3 ? PlotPalette::categorical(split) : PlotPalette::neutral();
}

// Background bands: light, translucent, and different Okabe–Ito hues from the bars.
QColor bandColor(data::TailGroup group, bool dark)
{
    QColor c = PlotPalette::tailGroupColor(int(group));
    c.setAlpha(dark ? 48 : 40);
    return c;
}

const char *const kBandLayer = "bands";
constexpr int kClickSlop = 4; // pixels the mouse may move between press and release of a click

} // namespace

LongTailPlot::LongTailPlot(QWidget *parent) : QWidget(parent)
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_plot = new QCustomPlot(this);
    m_plot->setObjectName(QStringLiteral("longTailPlot"));
    m_plot->setMinimumSize(320, 240);
    layout->addWidget(m_plot);
    m_controller = new PlotController(m_plot);
    m_controller->setExportName(QStringLiteral("long-tail"));

    // Bands go on their own layer between the axis-rect background and the grid.
    m_plot->addLayer(QString::fromLatin1(kBandLayer), m_plot->layer(QStringLiteral("background")),
                     QCustomPlot::limAbove);

    // Layout: title row, legend row, axis rect.
    m_title = new QCPTextElement(m_plot, QString(), QFont(font().family(), font().pointSize() + 1, QFont::Bold));
    m_plot->plotLayout()->insertRow(0);
    m_plot->plotLayout()->addElement(0, 0, m_title);
    // The legend sits centred in its own row, between two stretching spacers: an empty legend
    // (no data) would otherwise cap the width of the whole layout column at its own.
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
    m_plot->legend->setMargins(QMargins(4, 0, 4, 0));
    m_plot->legend->setColumnSpacing(16);
    m_plot->legend->setIconSize(14, 10);
    m_plot->legend->setBorderPen(Qt::NoPen);
    m_plot->legend->setBrush(Qt::NoBrush);
    m_plot->legend->setMargins(QMargins(0, 0, 0, 0));
    m_plot->legend->setLayer(QStringLiteral("legend"));

    const QString splitNames[] = {tr("train"), tr("val"), tr("test"), tr("unassigned")};
    for (int i = 0; i < 4; ++i) {
        auto *bars = new QCPBars(m_plot->xAxis, m_plot->yAxis);
        bars->setName(splitNames[i]);
        bars->setBrush(splitColor(i));
        bars->setWidth(0.72);
        bars->setStackingGap(0);
        bars->setSelectable(QCP::stNone);
        m_bars.push_back(bars);
    }
    // On a log axis the splits stand side by side (QCPBarsGroup): stacked segments would be drawn
    // by the logarithm of their running sums, so 60 training images at the bottom of a stack could
    // look taller than the 1,000 test images above them.
    m_group = new QCPBarsGroup(m_plot);
    m_group->setSpacingType(QCPBarsGroup::stAbsolute);
    m_group->setSpacing(1);

    // The threshold labels sit in the axis rect's right margin (kept wide enough for them), beside
    // their lines, placed after each layout (QCustomPlot::afterLayout) so that they never overlap
    // each other, never cover a bar and never leave the widget.
    for (QCPItemText **label : {&m_manyLabel, &m_fewLabel}) {
        *label = new QCPItemText(m_plot);
        (*label)->setLayer(QStringLiteral("axes"));
        (*label)->setClipToAxisRect(false);
        (*label)->position->setType(QCPItemPosition::ptAbsolute);
        (*label)->setPositionAlignment(Qt::AlignLeft | Qt::AlignTop);
        (*label)->setPadding(QMargins(2, 1, 2, 1));
        (*label)->setSelectable(false);
    }
    connect(m_plot, &QCustomPlot::afterLayout, this, &LongTailPlot::placeThresholdLabels);
    // The exported numbers are the counts, never the heights drawn (small segments are drawn
    // taller than they are, see kMinSegmentPixels).
    m_controller->setCsvProvider([this] {
        QString out = fileio::csvRow({QStringLiteral("series"), QStringLiteral("kind"), QStringLiteral("key"),
                                      QStringLiteral("label"), QStringLiteral("value")});
        const std::vector<int> *series[] = {&m_data.train, &m_data.val, &m_data.test, &m_data.unassigned};
        for (int s = 0; s < 4; ++s) {
            if (!m_bars[std::size_t(s)]->visible()) continue;
            for (int i = 0; i < int(m_order.size()); ++i) {
                const int c = m_order[std::size_t(i)];
                const std::vector<int> &v = *series[s];
                const int count = c < int(v.size()) ? v[std::size_t(c)] : 0;
                out += fileio::csvRow({m_bars[std::size_t(s)]->name(), QStringLiteral("bars"), QString::number(i),
                                       m_data.classNames.value(c), QString::number(count)});
            }
        }
        return out;
    });

    QSharedPointer<QCPAxisTickerText> xTicker(new QCPAxisTickerText);
    m_plot->xAxis->setTicker(xTicker);
    m_plot->xAxis->setSubTicks(false);
    m_plot->xAxis->setTickLength(0, 4);
    m_plot->xAxis->grid()->setVisible(false);
    m_plot->yAxis->setLabel(tr("images"));
    // No right axis: a tick label there widened the right margin, and two thresholds close
    // together printed their labels over each other. The labels are items (placeThresholdLabels).
    m_plot->yAxis2->setVisible(false);
    m_plot->yAxis->setNumberFormat(QStringLiteral("f"));
    m_plot->yAxis->setNumberPrecision(0);
    m_plot->setNoAntialiasingOnDrag(true);

    // A log-scale switch in the top-right corner, in the title row (no extra vertical space).
    m_logToggle = new QCheckBox(tr("Log scale"), m_plot);
    m_logToggle->setToolTip(tr("Show image counts on a logarithmic axis, so rare classes stay visible"));
    connect(m_logToggle, &QCheckBox::toggled, this, &LongTailPlot::setLogScale);

    m_plot->installEventFilter(this);
    connect(m_controller, &PlotController::paletteChanged, this, [this] {
        applyPalette();
        rebuild();
    });
    applyPalette();
    rebuild();
}

LongTailPlot::~LongTailPlot() = default;

void LongTailPlot::setData(const LongTailPlotData &data)
{
    m_data = data;
    rebuild();
}

void LongTailPlot::setThresholds(int many, int few)
{
    if (m_thresholds.many == many && m_thresholds.few == few) return;
    m_thresholds = {many, few};
    rebuild();
}

void LongTailPlot::setLogScale(bool on)
{
    if (m_logToggle->isChecked() != on) {
        m_logToggle->setChecked(on); // re-enters through toggled()
        return;
    }
    if (m_logScale == on) return;
    m_logScale = on;
    rebuild();
}

LongTailPlotData LongTailPlot::fromIndex(const data::DatasetIndex &index)
{
    return data::classSplitCounts(index);
}

std::vector<int> LongTailPlot::sortedOrder(const LongTailPlotData &data)
{
    return data::tailStats(data, data::TailThresholds::defaults()).order;
}

std::vector<int> LongTailPlot::groupCounts(const LongTailPlotData &data)
{
    return data::tailStats(data, data::TailThresholds::defaults()).groupCounts;
}

data::TailGroup LongTailPlot::groupOf(const LongTailPlotData &data, int classIndex, data::TailThresholds thresholds)
{
    const std::vector<data::TailGroup> groups = data::tailStats(data, thresholds).groups;
    return classIndex >= 0 && classIndex < int(groups.size()) ? groups[std::size_t(classIndex)]
                                                              : data::tailGroupOf(0, thresholds);
}

double LongTailPlot::imbalanceRatio(const LongTailPlotData &data)
{
    return data::tailStats(data, data::TailThresholds::defaults()).imbalanceRatio;
}

QString LongTailPlot::elideName(const QString &name, int maxChars)
{
    if (name.size() <= maxChars || maxChars < 3) return name;
    const int keep = maxChars - 1; // one character for the ellipsis
    const int head = keep / 2;
    const int tail = keep - head;
    return name.left(head) + QChar(0x2026) + name.right(tail);
}

int LongTailPlot::classAt(const QPoint &pos) const
{
    if (m_order.empty()) return -1;
    const QRect rect = m_plot->axisRect()->rect();
    // The whole column counts, tick label included, so a tail class with a tiny bar is easy to hit.
    if (pos.x() < rect.left() || pos.x() > rect.right() || pos.y() < rect.top()) return -1;
    const double key = m_plot->xAxis->pixelToCoord(pos.x());
    const int position = int(std::lround(key));
    if (position < 0 || position >= int(m_order.size()) || std::abs(key - position) > 0.5) return -1;
    return m_order[std::size_t(position)];
}

QString LongTailPlot::toolTipFor(int c) const
{
    if (c < 0 || c >= m_data.classCount()) return {};
    const data::TailGroup group = groupOf(m_data, c, m_thresholds);
    const QString groupText = group == data::TailGroup::Head     ? tr("head")
                              : group == data::TailGroup::Medium ? tr("medium")
                                                                 : tr("tail");
    QString text = QStringLiteral("<b>%1</b> (%2)<table>").arg(m_data.classNames.value(c).toHtmlEscaped(), groupText);
    const auto row = [](const QString &label, int value) {
        return QStringLiteral("<tr><td>%1</td><td align=\"right\">&nbsp;%2</td></tr>").arg(label).arg(value);
    };
    text += row(tr("train"), m_data.trainCount(c));
    text += row(tr("val"), m_data.valCount(c));
    text += row(tr("test"), m_data.testCount(c));
    text += row(tr("unassigned"), m_data.unassignedCount(c));
    text += row(QStringLiteral("<b>%1</b>").arg(tr("total")), m_data.total(c));
    text += QStringLiteral("</table>");
    return text;
}

QString LongTailPlot::classCountText(int n) const
{
    return n == 1 ? tr("1 class") : tr("%1 classes").arg(n);
}

void LongTailPlot::changeEvent(QEvent *event)
{
    // Palette changes reach the plot too: its controller restyles it and signals paletteChanged.
    if (event->type() == QEvent::FontChange) {
        applyPalette();
        rebuild();
    }
    QWidget::changeEvent(event);
}

bool LongTailPlot::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == m_plot) {
        switch (event->type()) {
        case QEvent::ToolTip: {
            auto *help = static_cast<QHelpEvent *>(event);
            const int c = classAt(help->pos());
            if (c >= 0)
                QToolTip::showText(help->globalPos(), toolTipFor(c), m_plot);
            else
                QToolTip::hideText();
            return true;
        }
        case QEvent::MouseButtonPress: {
            auto *mouse = static_cast<QMouseEvent *>(event);
            if (mouse->button() == Qt::LeftButton) {
                m_pressPos = mouse->position().toPoint();
                m_pressed = true;
            }
            break;
        }
        case QEvent::MouseButtonRelease: {
            auto *mouse = static_cast<QMouseEvent *>(event);
            if (mouse->button() == Qt::LeftButton && m_pressed) {
                m_pressed = false;
                const QPoint pos = mouse->position().toPoint();
                if ((pos - m_pressPos).manhattanLength() <= kClickSlop) {
                    const int c = classAt(pos);
                    if (c >= 0) Q_EMIT classClicked(c);
                }
            }
            break;
        }
        case QEvent::Resize:
            // Title wrapping, label rotation and count labels depend on the width; a rebuild is a
            // few dozen items, cheap enough for every resize.
            placeLogToggle();
            rebuild();
            break;
        default:
            break;
        }
    }
    return QWidget::eventFilter(watched, event);
}

void LongTailPlot::applyPalette()
{
    // Axes, grids, background and legend text come from the controller's palette.
    const PlotPalette &pal = m_controller->palette();
    const QColor text = pal.foreground;
    const QColor base = pal.background;
    for (QCPAxis *axis : {m_plot->xAxis, m_plot->yAxis})
        axis->grid()->setSubGridVisible(false);
    m_plot->legend->setFont(font());
    QColor labelBackground = base;
    labelBackground.setAlpha(210);
    for (QCPItemText *label : {m_manyLabel, m_fewLabel}) {
        label->setFont(font());
        label->setColor(text);
        label->setBrush(labelBackground);
    }
    m_title->setTextColor(text);
    QFont titleFont = font();
    titleFont.setBold(true);
    m_title->setFont(titleFont);
    // A thin outline in the background colour separates the stacked segments.
    for (QCPBars *bars : m_bars)
        bars->setPen(QPen(base, 1));
}

double LongTailPlot::estimatedAxisWidth() const
{
    // The axis rect's side margins from the last layout (the y axes), applied to the current width;
    // before the first layout, a typical value.
    const int lastMargins =
        m_plot->axisRect()->width() > 0 ? m_plot->viewport().width() - m_plot->axisRect()->width() : 0;
    const int margins = lastMargins > 0 && lastMargins < m_plot->width() ? lastMargins : 150;
    return std::max(100, m_plot->width() - margins);
}

void LongTailPlot::updateTitle()
{
    // One line when it fits between the edges and the log-scale switch; else wrapped at the
    // separators, so a narrow plot never runs its title under the switch.
    const QFontMetricsF fm(m_title->font());
    const double room = m_plot->width() - 2.0 * (m_logToggle->sizeHint().width() + 12);
    const QString separator = QStringLiteral("  \u00b7  ");
    QStringList lines;
    for (const QString &part : std::as_const(m_titleParts)) {
        if (!lines.isEmpty() && fm.horizontalAdvance(lines.back() + separator + part) <= room)
            lines.back() += separator + part;
        else
            lines << part;
    }
    m_title->setText(lines.join(QLatin1Char('\n')));
}

void LongTailPlot::placeLogToggle()
{
    m_logToggle->adjustSize();
    m_logToggle->move(m_plot->width() - m_logToggle->width() - 6, 4);
    m_logToggle->raise();
}

void LongTailPlot::updateTickLabelLayout()
{
    const int n = int(m_order.size());
    QCPAxis *x = m_plot->xAxis;
    if (n == 0) {
        x->setTickLabelRotation(0);
        m_plot->axisRect()->setMinimumMargins(QMargins(0, 0, 0, 0));
        return;
    }
    QStringList labels;
    for (int c : m_order)
        labels << elideName(m_data.classNames.value(c));

    const double axisWidth = estimatedAxisWidth();
    const double spacing = axisWidth / n;
    const QFont base = font();
    const double basePt = base.pointSizeF() > 0 ? base.pointSizeF() : 9.0;
    const double minPt = std::max(6.5, basePt - 2.5);

    const auto widths = [&](const QFont &f) {
        const QFontMetricsF fm(f);
        std::vector<double> w;
        for (const QString &l : labels)
            w.push_back(fm.horizontalAdvance(l));
        return w;
    };
    // Preference: horizontal labels; else 45° (down-left from the tick) at about the normal font
    // size; else vertical labels (the densest layout), shrinking the font only as far as needed.
    // A vertical label at 9 pt reads better than a slanted one at 7 pt.
    QFont chosen = base;
    double rotation = -90;
    bool found = false;
    const double slantMinPt = std::max(minPt, basePt - 1.0);
    for (double pt = basePt; pt >= slantMinPt - 1e-9 && !found; pt -= 0.5) {
        QFont f = base;
        f.setPointSizeF(pt);
        const double h = QFontMetricsF(f).height();
        const std::vector<double> w = widths(f);
        const double maxW = *std::max_element(w.begin(), w.end());
        if (maxW + 8 <= spacing) {
            chosen = f, rotation = 0, found = true;
        } else if (spacing * std::sqrt(0.5) >= h * 1.1) {
            chosen = f, rotation = -45, found = true;
        }
    }
    if (!found) {
        for (double pt = basePt; pt >= minPt - 1e-9; pt -= 0.5) {
            QFont f = base;
            f.setPointSizeF(pt);
            chosen = f;
            if (spacing >= QFontMetricsF(f).height() * 1.05) break;
        }
    }
    x->setTickLabelFont(chosen);
    x->setTickLabelRotation(rotation);

    // Slanted labels reach left of their tick: keep the first ones inside the widget.
    int left = 0;
    if (rotation == -45) {
        const QFontMetricsF fm(chosen);
        const std::vector<double> w = widths(chosen);
        for (int i = 0; i < n; ++i) {
            const double reach = (w[std::size_t(i)] + fm.height()) * std::sqrt(0.5) - (i + 0.5) * spacing;
            left = std::max(left, int(std::ceil(reach)) + 6);
        }
    }
    // Room on the right for the threshold labels.
    const QFontMetricsF labelMetrics(font());
    const double labelWidth = std::max(labelMetrics.horizontalAdvance(m_manyLabel->text()),
                                       labelMetrics.horizontalAdvance(m_fewLabel->text()));
    m_plot->axisRect()->setMinimumMargins(QMargins(left, 0, int(std::ceil(labelWidth)) + 12, 0));
}

void LongTailPlot::updateRanges()
{
    const int n = int(m_order.size());
    m_plot->xAxis->setRange(-0.5, std::max(1, n) - 0.5);
    if (m_logScale) {
        QSharedPointer<QCPAxisTickerLog> ticker(new QCPAxisTickerLog);
        ticker->setLogBase(10);
        ticker->setSubTickCount(8);
        m_plot->yAxis->setScaleType(QCPAxis::stLogarithmic);
        m_plot->yAxis->setTicker(ticker);
        m_plot->yAxis->setSubTicks(true);
        m_plot->yAxis->grid()->setSubGridVisible(false);
        const double top = std::max({double(m_maxTotal), double(m_thresholds.many), 10.0}) + 1.0;
        m_plot->yAxis->setRange(0.8, top * 3.0);
        m_plot->yAxis->setLabel(tr("images (log scale)"));
    } else {
        QSharedPointer<QCPAxisTickerFixed> ticker(new QCPAxisTickerFixed);
        ticker->setTickStep(1.0);
        ticker->setScaleStrategy(QCPAxisTickerFixed::ssMultiples);
        m_plot->yAxis->setScaleType(QCPAxis::stLinear);
        m_plot->yAxis->setTicker(ticker);
        m_plot->yAxis->setSubTicks(false);
        const double top = std::max({double(m_maxTotal), m_thresholds.many * 1.1, 5.0});
        m_plot->yAxis->setRange(0, top * 1.15);
        m_plot->yAxis->setLabel(tr("images"));
    }
}

void LongTailPlot::rebuild()
{
    const data::TailStats stats = data::tailStats(m_data, m_thresholds);
    m_order = stats.order;
    m_maxTotal = stats.maxTotal;
    const int n = int(m_order.size());
    const bool empty = m_data.grandTotal() == 0;
    const bool dark = m_controller->palette().dark;
    const QColor text = m_controller->palette().foreground;

    // Every item but the two threshold labels is rebuilt.
    for (int i = m_plot->itemCount() - 1; i >= 0; --i) {
        QCPAbstractItem *item = m_plot->item(i);
        if (item != m_manyLabel && item != m_fewLabel) m_plot->removeItem(item);
    }
    m_manyLabel->setVisible(false);
    m_fewLabel->setVisible(false);
    m_manyLabel->setText(tr("head > %1").arg(m_thresholds.many));
    m_fewLabel->setText(tr("tail < %1").arg(m_thresholds.few));
    updateRanges();

    // Bars: on a linear axis stacked bottom to top (train, val, test, unassigned); on a log axis
    // side by side in a QCPBarsGroup. Only splits that hold images take part.
    const double base = baseValue();
    const std::vector<int> *series[] = {&m_data.train, &m_data.val, &m_data.test, &m_data.unassigned};
    std::vector<bool> present(4, false);
    for (int s = 0; s < 4; ++s)
        for (int i = 0; i < n && !empty; ++i) {
            const int c = m_order[std::size_t(i)];
            const std::vector<int> &v = *series[s];
            if (c < int(v.size()) && v[std::size_t(c)] > 0) present[std::size_t(s)] = true;
        }
    const int presentCount = int(std::count(present.begin(), present.end(), true));
    // A segment of a few images among thousands would be thinner than a pixel on a linear axis:
    // every non-empty segment is drawn at least kMinSegmentPixels tall (its tooltip keeps the count).
    const double axisPixels =
        m_plot->axisRect()->height() > 0 ? m_plot->axisRect()->height() : std::max(100, m_plot->height() - 120);
    const double minSegment = m_logScale ? 0.0 : kMinSegmentPixels * m_plot->yAxis->range().size() / axisPixels;
    const double columnWidth = std::min(0.72, 90.0 / std::max(1.0, estimatedAxisWidth() / std::max(1, n)));
    m_group->clear();
    for (int s = 0; s < 4; ++s) {
        QCPBars *bars = m_bars[std::size_t(s)];
        bars->moveAbove(nullptr);
    }
    QCPBars *below = nullptr;
    m_plot->legend->clearItems(); // entries are re-added in split order, so an undo never reorders them
    for (int s = 0; s < 4; ++s) {
        QCPBars *bars = m_bars[std::size_t(s)];
        QVector<double> keys, values;
        for (int i = 0; i < n && !empty && present[std::size_t(s)]; ++i) {
            const int c = m_order[std::size_t(i)];
            const std::vector<int> &v = *series[s];
            const int count = c < int(v.size()) ? v[std::size_t(c)] : 0;
            keys << i;
            values << (count > 0 ? std::max(double(count), minSegment) : 0.0);
        }
        bars->setData(keys, values, true);
        bars->setBaseValue(base);
        bars->setVisible(present[std::size_t(s)]);
        if (!present[std::size_t(s)]) continue;
        if (m_logScale) {
            // At most ~90 px per column, shared by the splits present.
            bars->setWidth(columnWidth / std::max(1, presentCount));
            m_group->append(bars);
        } else {
            bars->setWidth(columnWidth);
            if (below) bars->moveAbove(below);
            below = bars;
        }
        bars->addToLegend();
    }
    m_plot->legend->setVisible(!empty);

    // Tick labels: class names, elided in the middle.
    auto xTicker = qSharedPointerDynamicCast<QCPAxisTickerText>(m_plot->xAxis->ticker());
    xTicker->clear();
    for (int i = 0; i < n && !empty; ++i)
        xTicker->addTick(i, elideName(m_data.classNames.value(m_order[std::size_t(i)])));

    m_plot->yAxis->setTickLabels(!empty);
    m_plot->yAxis->grid()->setVisible(!empty);
    updateTickLabelLayout();

    if (empty) {
        m_titleParts = n == 0 ? QStringList{tr("No classes")} : QStringList{classCountText(n), tr("no images")};
        updateTitle();
        auto *label = new QCPItemText(m_plot);
        label->setClipToAxisRect(false);
        label->position->setType(QCPItemPosition::ptAxisRectRatio);
        label->position->setCoords(0.5, 0.5);
        label->setPositionAlignment(Qt::AlignCenter);
        QFont f = font();
        f.setPointSizeF((f.pointSizeF() > 0 ? f.pointSizeF() : 9.0) * 1.5);
        label->setFont(f);
        label->setColor(text);
        label->setText(tr("No images"));
        m_controller->requestReplot();
        return;
    }

    // Title: class count and imbalance ratio (on the counts that decide the groups).
    m_titleParts =
        QStringList{classCountText(n),
                    (stats.byTraining ? tr("training imbalance ratio %1 (largest %2 / smallest %3 training images)")
                                      : tr("imbalance ratio %1 (largest %2 / smallest %3 images)"))
                        .arg(QLocale().toString(stats.imbalanceRatio, 'f', 1))
                        .arg(stats.largest)
                        .arg(stats.smallest)};
    if (stats.nonEmptyClasses < n) m_titleParts << tr("%1 empty").arg(n - stats.nonEmptyClasses);
    updateTitle();

    // Head / medium / tail bands: one rectangle per run of neighbouring columns in the same group
    // (groups follow training counts, so they need not be contiguous in the order by total).
    struct Run {
        data::TailGroup group;
        int first, last;
    };
    std::vector<Run> runs;
    for (int i = 0; i < n; ++i) {
        const data::TailGroup g = stats.groups[std::size_t(m_order[std::size_t(i)])];
        if (!runs.empty() && runs.back().group == g)
            runs.back().last = i;
        else
            runs.push_back({g, i, i});
    }
    QColor labelColor = text;
    labelColor.setAlpha(200);
    QFont bandFont = font();
    bandFont.setItalic(true);
    const QFontMetricsF bandMetrics(bandFont);
    const double pixelsPerClass = std::max(1.0, estimatedAxisWidth() / std::max(1, n));
    // Label the widest run of each group (and any other run wide enough for its word).
    std::vector<int> widest(3, -1);
    for (int r = 0; r < int(runs.size()); ++r) {
        const int g = int(runs[std::size_t(r)].group);
        const int len = runs[std::size_t(r)].last - runs[std::size_t(r)].first;
        if (widest[std::size_t(g)] < 0 ||
            len > runs[std::size_t(widest[std::size_t(g)])].last - runs[std::size_t(widest[std::size_t(g)])].first)
            widest[std::size_t(g)] = r;
    }
    for (int r = 0; r < int(runs.size()); ++r) {
        const Run &run = runs[std::size_t(r)];
        auto *rect = new QCPItemRect(m_plot);
        rect->setLayer(QString::fromLatin1(kBandLayer));
        rect->topLeft->setTypeX(QCPItemPosition::ptPlotCoords);
        rect->topLeft->setTypeY(QCPItemPosition::ptAxisRectRatio);
        rect->bottomRight->setTypeX(QCPItemPosition::ptPlotCoords);
        rect->bottomRight->setTypeY(QCPItemPosition::ptAxisRectRatio);
        rect->topLeft->setCoords(run.first - 0.5, 0);
        rect->bottomRight->setCoords(run.last + 0.5, 1);
        rect->setPen(Qt::NoPen);
        rect->setBrush(bandColor(run.group, dark));
        rect->setSelectable(false);

        const QString word = run.group == data::TailGroup::Head     ? tr("head")
                             : run.group == data::TailGroup::Medium ? tr("medium")
                                                                    : tr("tail");
        const double runPixels = (run.last - run.first + 1) * pixelsPerClass;
        if (r != widest[std::size_t(int(run.group))] && runPixels < bandMetrics.horizontalAdvance(word) + 8) continue;
        auto *label = new QCPItemText(m_plot);
        label->setLayer(QStringLiteral("axes"));
        label->position->setTypeX(QCPItemPosition::ptPlotCoords);
        label->position->setTypeY(QCPItemPosition::ptAxisRectRatio);
        label->position->setCoords((run.first + run.last) / 2.0, 0.0);
        label->setPositionAlignment(Qt::AlignHCenter | Qt::AlignTop);
        label->setPadding(QMargins(2, 2, 2, 1));
        label->setFont(bandFont);
        label->setColor(labelColor);
        label->setText(word);
        label->setSelectable(false);
    }

    // Counts above the stacks, when the columns are wide enough for the largest number; otherwise
    // only the empty classes get their "0", so an empty column never reads as a missing bar.
    QColor countColor = text;
    countColor.setAlpha(190);
    QFont countFont = font();
    countFont.setPointSizeF(std::max(6.5, (countFont.pointSizeF() > 0 ? countFont.pointSizeF() : 9.0) - 1.5));
    const bool allCounts =
        QFontMetricsF(countFont).horizontalAdvance(QString::number(m_maxTotal)) + 4 <= pixelsPerClass;
    for (int i = 0; i < n; ++i) {
        const int c = m_order[std::size_t(i)];
        const int t = m_data.total(c);
        if (!allCounts && t > 0) continue;
        // Above the stack (linear), or above the tallest bar of the group (log).
        double top = 0;
        if (m_logScale) {
            for (const std::vector<int> *v : series)
                if (c < int(v->size())) top = std::max(top, double((*v)[std::size_t(c)]));
        } else {
            for (int s = 0; s < 4; ++s) {
                const std::vector<int> &v = *series[s];
                if (present[std::size_t(s)] && c < int(v.size()) && v[std::size_t(c)] > 0)
                    top += std::max(double(v[std::size_t(c)]), minSegment);
            }
        }
        auto *count = new QCPItemText(m_plot);
        count->setLayer(QStringLiteral("axes"));
        count->position->setType(QCPItemPosition::ptPlotCoords);
        count->position->setCoords(i, base + top);
        count->setPositionAlignment(Qt::AlignHCenter | Qt::AlignBottom);
        count->setPadding(QMargins(0, 0, 0, 1));
        count->setFont(countFont);
        count->setColor(countColor);
        count->setText(QString::number(t));
        count->setSelectable(false);
    }

    // Dashed threshold lines, on the same base as the bars so "above the line" means "in the
    // group". Their labels are placed after the layout (placeThresholdLabels).
    const struct {
        double value;
        QString text;
    } lines[] = {{double(m_thresholds.many), m_manyLabel->text()}, {double(m_thresholds.few), m_fewLabel->text()}};
    QColor lineColor = text;
    lineColor.setAlpha(170);
    m_manyLabel->setVisible(true);
    m_fewLabel->setVisible(true);
    for (const auto &l : lines) {
        const double y = l.value + base;
        auto *line = new QCPItemLine(m_plot);
        line->setLayer(QStringLiteral("main"));
        for (QCPItemPosition *p : {line->start, line->end}) {
            p->setTypeX(QCPItemPosition::ptAxisRectRatio);
            p->setTypeY(QCPItemPosition::ptPlotCoords);
        }
        line->start->setCoords(0, y);
        line->end->setCoords(1, y);
        line->setPen(QPen(lineColor, 1.2, Qt::DashLine));
        line->setSelectable(false);
    }

    m_controller->requestReplot();
}

void LongTailPlot::placeThresholdLabels()
{
    if (!m_manyLabel->visible()) return;
    // Right-aligned inside the axis rect: the head label just above its line, the tail label just
    // below its own (the head line is the higher one, so the two never meet); near the bottom the
    // tail label goes above its line and the head label moves up to stay clear of it.
    const QRect rect = m_plot->axisRect()->rect();
    const double left = rect.right() + 4;
    const double h = QFontMetricsF(m_manyLabel->font()).height() + 2; // + the vertical padding
    const double base = baseValue();
    const double yMany = m_plot->yAxis->coordToPixel(m_thresholds.many + base);
    const double yFew = m_plot->yAxis->coordToPixel(m_thresholds.few + base);
    double fewTop = yFew + 1;
    if (fewTop + h > rect.bottom()) fewTop = yFew - 1 - h;
    double manyTop = std::min(yMany - 1 - h, fewTop - h - 1);
    if (manyTop < rect.top()) {
        // No room above: the head label goes below its line (and the tail label below it).
        manyTop = std::max<double>(rect.top(), yMany + 1);
        fewTop = std::max(fewTop, manyTop + h + 1);
    }
    m_manyLabel->position->setCoords(left, manyTop);
    m_fewLabel->position->setCoords(left, fewTop);
}

} // namespace fopro::ui
