#pragma once
// RunCompareView: two or more training runs side by side (the run history's Compare). Their
// epochs.csv and results/test_metrics.json are read off the GUI thread (a JobManager I/O job),
// then shown as
//  - overlaid curves, one colour per run (PlotPalette::categorical), one legend of the runs'
//    titles above them: validation balanced accuracy, total loss, validation tail recall,
//    validation macro-F1 (2×2);
//  - a metrics table: one column per run, then a "Δ" column of every other run against the
//    reference run (the first, or the one picked above the table), in percentage points for rates.
// Curves and table sit in two tabs so that the view fits under the history table at 1024×700.
//
// The formatting helpers below are shared with the run history table.

#include "core/project/runfolder.h"

#include <QtCore/QJsonObject>
#include <QtCore/QStringList>
#include <QtWidgets/QWidget>

#include <vector>

class QComboBox;
class QLabel;
class QTabWidget;
class QTableWidget;

namespace fopro {
class JobManager;
}

namespace fopro::ui {

class CurvePlot;

/// "–": what a table shows for a missing value.
QString missingText();
/// A rate as a percentage with one decimal ("81.3%"), "–" when not finite.
QString percentText(double rate);
/// The difference of two rates in signed percentage points ("+5.0 pp", "−2.1 pp"), "–" when one
/// is missing. Rounded to one decimal first, so a difference that rounds to zero reads "+0.0 pp".
QString percentPointDeltaText(double value, double reference);
/// A duration for tables: "42 s", "12 min", "1 h 05 min"; "–" when not positive or not finite.
QString shortDurationText(double seconds);
/// A signed duration difference: "+3 min", "−40 s", "+0 s".
QString signedDurationText(double seconds);

/// The strategy's display name from the registry (core/ml/strategies.h), else its id.
QString strategyDisplayName(const QString &id);
/// True when the registered strategy uses a teacher (true for an unknown id: its configuration
/// decides); the predicate RunFolder::details takes.
bool strategyHasTeacher(const QString &id);

class RunCompareView : public QWidget {
    Q_OBJECT
public:
    /// The rows of the metrics table, in order.
    enum MetricRow {
        BestValBalancedAccuracy,
        BestEpoch,
        ValMacroF1,
        ValHeadRecall,
        ValMediumRecall,
        ValTailRecall,
        TestBalancedAccuracy,
        TestMacroF1,
        TestHeadRecall,
        TestMediumRecall,
        TestTailRecall,
        Epochs,
        Duration,
        MetricRowCount
    };
    /// The plots, in the order they are laid out.
    enum Plot { ValBalancedAccuracyPlot, LossPlot, ValTailRecallPlot, ValMacroF1Plot, PlotCount };

    /// One run as the comparison read it (also what the job returns).
    struct Run {
        project::RunDetails details;
        std::vector<project::EpochRecord> epochs;
        QJsonObject test;   ///< results/test_metrics.json, empty when absent
        int bestIndex = -1; ///< the best epoch's index in `epochs`, -1 when none has validation values
        QString label;      ///< the title, made unique among the compared runs (legend, headers)
    };

    explicit RunCompareView(JobManager *jobs, QWidget *parent = nullptr);

    /// Compares these runs (the first is the reference); reads them with a job (or at once when the
    /// view has no job manager). Runs that cannot be read are left out with a status message.
    void setRuns(const QStringList &dirs);
    /// Reads the same runs again (e.g. after a live run finished another epoch).
    void reload();
    QStringList runs() const { return m_dirs; }
    bool isLoading() const { return m_pendingLoads > 0; }

    /// The runs shown (after loading), in the order given.
    const std::vector<Run> &loadedRuns() const { return m_runs; }
    /// Index in loadedRuns() of the reference run (0 unless picked in the combo box).
    int referenceIndex() const { return m_referenceIndex; }
    void setReferenceIndex(int index);

    QTableWidget *metricsTable() const { return m_table; }
    CurvePlot *plot(Plot which) const { return m_plots[which]; }
    QTabWidget *tabs() const { return m_tabs; }
    /// The metric table's text at `row` for run column `run` (in loadedRuns() order), or, with
    /// `delta`, of that run's Δ column (empty for the reference run, which has none).
    QString cellText(MetricRow row, int run, bool delta = false) const;

Q_SIGNALS:
    /// A comparison finished loading and is shown.
    void loaded();
    /// The user closed the comparison (the close button).
    void closeRequested();
    void statusMessage(const QString &message);

private:
    void present(std::vector<Run> runs, const QStringList &errors);
    void rebuildPlots();
    void rebuildTable();
    /// The value of a metric row for a run (NaN when missing).
    double value(MetricRow row, const Run &run) const;

    JobManager *m_jobs;
    QStringList m_dirs;
    std::vector<Run> m_runs;
    int m_referenceIndex = 0;
    int m_pendingLoads = 0;
    quint64 m_generation = 0;

    QLabel *m_heading;
    QLabel *m_legend;
    QComboBox *m_reference;
    QTabWidget *m_tabs;
    CurvePlot *m_plots[PlotCount];
    QTableWidget *m_table;
};

} // namespace fopro::ui
