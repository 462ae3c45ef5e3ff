#pragma once
// One-vs-rest ROC and precision-recall curves of every class (core/metrics/curves.h), side by side:
// all classes overlaid with a legend ("name · AUC 0.93"), or one class picked in the combo box
// (with the chance line of ROC and the prevalence line of PR).

#include "core/metrics/curves.h"

#include <QtCore/QStringList>
#include <QtWidgets/QWidget>

#include <optional>
#include <vector>

class QComboBox;
class QCustomPlot;

namespace fopro::ui {

class PlotController;

class CurvesView : public QWidget {
    Q_OBJECT
public:
    explicit CurvesView(QWidget *parent = nullptr);

    /// Per-class curves (std::nullopt where undefined, e.g. a class absent from the split) and the
    /// support of each class (for the PR baseline).
    void setCurves(const QStringList &classNames, const std::vector<std::optional<metrics::CurvePoints>> &roc,
                   const std::vector<std::optional<metrics::CurvePoints>> &pr, const std::vector<int> &support);
    /// -1: all classes overlaid.
    void showClass(int k);
    int shownClass() const;

    QCustomPlot *rocPlot() const { return m_roc; }
    QCustomPlot *prPlot() const { return m_pr; }
    QComboBox *classPicker() const { return m_class; }

private:
    void rebuild();

    QStringList m_names;
    std::vector<std::optional<metrics::CurvePoints>> m_rocCurves, m_prCurves;
    std::vector<int> m_support;
    QComboBox *m_class;
    QCustomPlot *m_roc;
    QCustomPlot *m_pr;
    PlotController *m_rocController;
    PlotController *m_prController;
};

} // namespace fopro::ui
