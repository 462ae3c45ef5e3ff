#pragma once
// The confusion matrix of a run (rows: true class, columns: predicted class) as a heat map with the
// number in every cell and the class names on both axes, counts or row-normalised (toggle; the
// colour always shows the share of the true class, so rare classes are as visible as common ones),
// and beside it the most confused pairs (core/metrics/curves.h mostConfusedPairs). Clicking a cell
// or double-clicking a pair emits cellActivated: the page opens exactly those images.

#include "core/metrics/confusionmatrix.h"

#include <QtCore/QStringList>
#include <QtWidgets/QWidget>

class QCPColorMap;
class QCustomPlot;
class QCheckBox;
class QLabel;
class QTreeWidget;

namespace fopro::ui {

class PlotController;

class ConfusionView : public QWidget {
    Q_OBJECT
public:
    explicit ConfusionView(QWidget *parent = nullptr);

    void setMatrix(const metrics::ConfusionMatrix &matrix, const QStringList &classNames);
    void clear();

    bool isNormalized() const;
    void setNormalized(bool normalized);

    /// The text shown in a cell ("12" or "0.35").
    QString cellText(int trueClass, int predictedClass) const;
    /// The cell under a widget position of the plot, or (-1, -1).
    QPair<int, int> cellAt(const QPoint &plotPosition) const;
    /// The centre of a cell in the plot's widget coordinates.
    QPoint cellCenter(int trueClass, int predictedClass) const;

    QCustomPlot *plot() const { return m_plot; }
    PlotController *controller() const { return m_controller; }
    QTreeWidget *pairList() const { return m_pairs; }

Q_SIGNALS:
    /// A cell was clicked (or a pair double-clicked): show its images.
    void cellActivated(int trueClass, int predictedClass);

private:
    void rebuild();
    QString csv() const;

    metrics::ConfusionMatrix m_matrix;
    QStringList m_names;
    QCustomPlot *m_plot;
    PlotController *m_controller;
    QCPColorMap *m_map = nullptr;
    QCheckBox *m_normalize;
    QTreeWidget *m_pairs;
    QLabel *m_hint;
};

} // namespace fopro::ui
