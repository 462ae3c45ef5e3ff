#pragma once
// A dataset's long tail as a bar chart a clinician can read: one column per class, sorted by total
// count (largest first, empty classes last), head / medium / tail as coloured background bands,
// dashed lines at the two thresholds with their labels inside the plot (never overlapping, never
// cut at the edge), and the imbalance ratio in the title. On a linear axis the bars are stacked by
// split (train, val, test, unassigned) and every non-empty segment is at least kMinSegmentPixels
// tall, so 50 validation images or a tail class of 5 stay visible; on a log axis the splits stand
// side by side (stacking on a log axis would misrepresent the segments). The legend lists the
// splits present, always in that order. Clicking a column emits the class index; hovering shows
// the class name and its per-split counts.
//
// Input is a plain value (LongTailPlotData = data::ClassSplitCounts; the figures come from
// data::tailStats), so the dataset page can feed it while the user curates: setData() rebuilds a
// few dozen plot items and queues a replot (PlotController: ≤ 10 Hz), never blocks. Colours,
// theme changes and the PNG/SVG/CSV export menu come from the shared PlotController.

#include "core/data/longtail.h"

#include <QtCore/QStringList>
#include <QtWidgets/QWidget>

#include <vector>

class QCheckBox;
class QCustomPlot;
class QCPBars;
class QCPBarsGroup;
class QCPItemText;
class QCPTextElement;

namespace fopro::data {
class DatasetIndex;
}

namespace fopro::ui {

/// Per-class counts per split (core/data/longtail.h).
using LongTailPlotData = data::ClassSplitCounts;

class PlotController;

class LongTailPlot : public QWidget {
    Q_OBJECT
public:
    explicit LongTailPlot(QWidget *parent = nullptr);
    ~LongTailPlot() override;

    /// Replaces the data and queues a replot (QCustomPlot::rpQueuedReplot).
    void setData(const LongTailPlotData &data);
    const LongTailPlotData &data() const { return m_data; }

    /// Head: count > many; tail: count < few (defaults 100 / 20). Counts are training counts when
    /// any sample is in the training split, else totals (see groupCounts()).
    void setThresholds(int many, int few);
    data::TailThresholds thresholds() const { return m_thresholds; }

    /// Logarithmic y axis. Bars then start at 1 (log 0 is undefined) and reach 1 + their count,
    /// side by side per split; the threshold lines are shifted the same way so comparisons stay
    /// exact.
    void setLogScale(bool on);
    bool logScale() const { return m_logScale; }
    /// The log scale suits a dataset whose imbalance ratio exceeds this (the Dataset page's default).
    static constexpr double kLogScaleImbalance = 20.0;
    /// The smallest height of a non-empty stacked segment on a linear axis.
    static constexpr double kMinSegmentPixels = 3.0;

    /// The bars of one split (0 train, 1 val, 2 test, 3 unassigned), for tests.
    QCPBars *splitBars(int split) const { return m_bars.at(std::size_t(split)); }
    /// The label of the head (true) or tail (false) threshold line.
    QCPItemText *thresholdLabel(bool head) const { return head ? m_manyLabel : m_fewLabel; }

    /// The plot itself (tests use it for coordToPixel and to send mouse events).
    QCustomPlot *plot() const { return m_plot; }
    /// Its replot queue, palette and exports.
    PlotController *controller() const { return m_controller; }

    /// Counts per split from DatasetIndex::classCounts(split); Split::None is "unassigned".
    /// Excluded and missing samples do not count.
    static LongTailPlotData fromIndex(const data::DatasetIndex &index);
    /// Class indices by descending total, ties by class index (so empty classes come last).
    static std::vector<int> sortedOrder(const LongTailPlotData &data);
    /// The counts that decide head / medium / tail: training counts when any sample is in the
    /// training split, else totals.
    static std::vector<int> groupCounts(const LongTailPlotData &data);
    /// The group of class `classIndex` (by groupCounts()).
    static data::TailGroup groupOf(const LongTailPlotData &data, int classIndex, data::TailThresholds thresholds);
    /// Largest / smallest total over non-empty classes; 0 when no class has a sample.
    static double imbalanceRatio(const LongTailPlotData &data);
    /// `name` shortened in the middle to at most `maxChars` characters (ends carry the meaning:
    /// "ulcerative-colitis-grade-0-1" keeps its grade).
    static QString elideName(const QString &name, int maxChars = 24);

    /// The class whose column contains `pos` (pixels in plot()), or -1.
    int classAt(const QPoint &pos) const;
    /// The tooltip text for class `classIndex` (rich text).
    QString toolTipFor(int classIndex) const;

Q_SIGNALS:
    /// The user clicked the column (bar or tick label) of class `classIndex` (index into
    /// LongTailPlotData::classNames, not the sorted position).
    void classClicked(int classIndex);

protected:
    void changeEvent(QEvent *event) override;
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void rebuild();
    void applyPalette();
    void updateTickLabelLayout();
    void updateRanges();
    void placeLogToggle();
    void placeThresholdLabels();
    void updateTitle();
    double estimatedAxisWidth() const;
    QString classCountText(int n) const;
    double baseValue() const { return m_logScale ? 1.0 : 0.0; }

    LongTailPlotData m_data;
    data::TailThresholds m_thresholds = data::TailThresholds::defaults();
    bool m_logScale = false;
    std::vector<int> m_order; // sorted position -> class index
    int m_maxTotal = 0;

    QCustomPlot *m_plot = nullptr;
    PlotController *m_controller = nullptr;
    QCheckBox *m_logToggle = nullptr;
    QCPTextElement *m_title = nullptr;
    QStringList m_titleParts;      // joined with separators, wrapped to the width
    std::vector<QCPBars *> m_bars; // train, val, test, unassigned (bottom to top)
    QCPBarsGroup *m_group = nullptr;
    QCPItemText *m_manyLabel = nullptr;
    QCPItemText *m_fewLabel = nullptr;
    QPoint m_pressPos;
    bool m_pressed = false;
};

} // namespace fopro::ui
