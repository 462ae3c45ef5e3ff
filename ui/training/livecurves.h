#pragma once
// The live curves of a training run, four plots through the shared plot helper: the loss by term
// (the epoch means as markers, the running means within the epoch as thin lines), validation
// balanced accuracy, macro-F1 and accuracy, head/medium/tail recall, and the learning rate with
// the images per second. Fed by the worker's progress and epoch events, or by a run's epochs.csv.

#include "core/jobs/progress.h"
#include "core/project/runfolder.h"

#include <QtCore/QHash>
#include <QtWidgets/QWidget>

#include <utility>
#include <vector>

namespace fopro::ui {

class CurvePlot;

/// Per-epoch metrics by name (the worker protocol's "epoch" event).
using EpochMetrics = std::vector<std::pair<QString, double>>;

class LiveCurves : public QWidget {
    Q_OBJECT
public:
    explicit LiveCurves(QWidget *parent = nullptr);

    void clear();
    /// A progress update of the training phase (other phases are ignored).
    void addProgress(const Progress &progress);
    /// A finished epoch (1-based); a resumed run's repeated epoch replaces the later points.
    void addEpoch(int epoch, const EpochMetrics &metrics);
    /// Shows a whole history at once (a finished or re-attached run).
    void setHistory(const std::vector<project::EpochRecord> &history);

    CurvePlot *lossPlot() const { return m_loss; }
    CurvePlot *validationPlot() const { return m_validation; }
    CurvePlot *recallPlot() const { return m_recall; }
    CurvePlot *ratePlot() const { return m_rate; }
    /// Epochs shown so far.
    int epochCount() const { return m_epochs; }

private:
    QColor termColor(const QString &term);
    void rescaleAll();
    void alignX();

    CurvePlot *m_loss;
    CurvePlot *m_validation;
    CurvePlot *m_recall;
    CurvePlot *m_rate;
    QHash<QString, int> m_termIndex;
    int m_epochs = 0;
    double m_lastRunningX = -1;
};

} // namespace fopro::ui
