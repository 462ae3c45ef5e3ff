#pragma once
// The Results page: how a trained run does, class by class, with the long tail in view.
//  - a run of the project (newest first; only runs with results) and a split (test / val); further
//    runs can be added to compare (their numbers side by side, differences highlighted);
//  - Overview: the headline (balanced accuracy, macro-F1, MCC, Cohen's κ, ROC-AUC, ECE,
//    head/medium/tail recall with the thresholds used), the per-class table (sortable, CSV export)
//    and recall against training images (log x, coloured by group);
//  - Confusion: the matrix (counts / row-normalised); a click opens exactly those images on the
//    Dataset page; the most confused pairs;
//  - ROC / PR curves per class; Calibration: the reliability diagram and temperature scaling fitted
//    on the validation predictions, applied to the shown split;
//  - Predictions: the predictions browser (filters, loss order, relabel / exclude / flag through
//    the project's undo stack, Grad-CAM);
//  - Export report…: a self-contained HTML report and the same as PDF, optionally a study package.
// Everything is read off the GUI thread (RunResults, one JobManager job per run).
//
// Arguments (navigate("results", ...)): "run" (string) selects that run folder; "split" (string);
// "compare" (string list) adds runs to compare; "tab" (overview, confusion, curves, calibration,
// predictions) selects a tab.

#include "ui/results/reportwriter.h"
#include "ui/results/runresults.h"
#include "ui/shell/page.h"

#include <QtCore/QElapsedTimer>

#include <memory>
#include <vector>

class QAction;
class QComboBox;
class QLabel;
class QTabWidget;
class QTableView;
class QTableWidget;
class QToolButton;
class QSortFilterProxyModel;

namespace fopro::ui {

class CalibrationView;
class ClassTableModel;
class ConfusionView;
class CurvesView;
class PredictionsBrowser;
class RecallPlot;

class ResultsPage : public Page {
    Q_OBJECT
public:
    /// The columns of the headline table, in order.
    enum HeadlineColumn {
        BalancedAccuracyColumn,
        MacroF1Column,
        MatthewsColumn,
        KappaColumn,
        RocAucColumn,
        EceColumn,
        HeadRecallColumn,
        MediumRecallColumn,
        TailRecallColumn,
        HeadlineColumnCount
    };

    explicit ResultsPage(const PageContext &context, QWidget *parent = nullptr);
    ~ResultsPage() override;

    QString pageId() const override { return QStringLiteral("results"); }
    QString title() const override;
    QIcon icon() const override;
    QList<QAction *> pageActions() const override { return m_actions; }
    void activate(const QVariantMap &arguments) override;
    bool isBusy() const override;
    bool isSettled() const override;

    // --- commands -------------------------------------------------------------------------------
    /// Reads the project's runs again (the run picker).
    void refreshRuns();
    /// Shows `runDir` (any run folder) on `split` (empty: the current split, else test, else the first).
    void showRun(const QString &runDir, const QString &split = {});
    void setSplit(const QString &split);
    /// Adds a run to compare with the shown one / removes it.
    void addComparison(const QString &runDir);
    void removeComparison(const QString &runDir);
    /// Opens the images of a confusion cell on the Dataset page.
    void openCell(int trueClass, int predictedClass);
    /// Evaluates the shown run on the validation split (a job), then reloads: temperature scaling
    /// is fitted on the validation predictions.
    void evaluateValidation();
    /// navigate("training", {{"clone", run}}).
    void retrain();
    /// Writes the per-class table as CSV.
    Result<void> exportClassTable(const QString &file) const;
    /// Writes the report: `htmlFile` and, when `pdfFile` is not empty, the PDF.
    Result<void> exportReport(const QString &htmlFile, const QString &pdfFile);
    /// What the report is made of: the shown results and the page's plots as images.
    ReportInput reportInput();
    /// Writes a study package of the shown run into `outDir` (a job; the run is exported first when it
    /// has no export/model.pt) with these report files; studyPackageWritten() tells how it went.
    /// False when nothing is shown or a package is being written.
    bool writeStudyPackageTo(const QString &outDir, const QStringList &reportFiles, bool showErrors = false);
    /// Selects a tab by id (overview, confusion, curves, calibration, predictions).
    bool showTab(const QString &id);

    // --- state ----------------------------------------------------------------------------------
    /// The shown run's results (null before one is loaded).
    const RunResults *results() const { return m_results.empty() ? nullptr : m_results.front().get(); }
    /// The shown run first, then the compared ones.
    const std::vector<std::shared_ptr<RunResults>> &loadedRuns() const { return m_results; }
    QStringList runDirs() const { return m_runDirs; }
    QString split() const { return m_split; }
    const std::vector<ResultsRun> &availableRuns() const { return m_available; }
    /// Milliseconds from the request to the shown results of the last load (-1 before one).
    qint64 lastLoadMilliseconds() const { return m_lastLoadMs; }

    /// The headline table's text of a run (0 = the shown one) or of its Δ row.
    QString headlineText(HeadlineColumn column, int run = 0, bool delta = false) const;
    QTableWidget *headlineTable() const { return m_headline; }
    QLabel *thresholdsLabel() const { return m_thresholds; }
    QTableView *classTable() const { return m_classTable; }
    ClassTableModel *classModel() const { return m_classModel; }
    ConfusionView *confusion() const { return m_confusion; }
    CurvesView *curves() const { return m_curves; }
    CalibrationView *calibration() const { return m_calibration; }
    RecallPlot *recallPlot() const { return m_recall; }
    PredictionsBrowser *predictions() const { return m_predictions; }
    QTabWidget *tabs() const { return m_tabs; }
    QComboBox *runPicker() const { return m_runPicker; }
    QComboBox *splitPicker() const { return m_splitPicker; }

Q_SIGNALS:
    /// The shown results changed (a load finished).
    void resultsShown();
    /// A study package was written to `dir`, or failed with `error`.
    void studyPackageWritten(const QString &dir, const QString &error);

private:
    void buildActions();
    void buildLayout();
    void load();
    void present();
    void presentHeadline();
    void rebuildCompareMenu();
    void rebuildRunPicker();
    void askExportReport();
    void askExportClassTable();
    void writeStudyPackage(const QString &htmlFile, const QString &pdfFile);
    void saveViewState() const;
    QVariantMap restoredViewState();
    const QHash<QString, int> &sampleIds();
    QString runsDir() const;

    QList<QAction *> m_actions;
    QAction *m_reportAction = nullptr, *m_csvAction = nullptr, *m_retrainAction = nullptr, *m_gradCamAction = nullptr,
            *m_refreshAction = nullptr;
    QComboBox *m_runPicker;
    QComboBox *m_splitPicker;
    QToolButton *m_compare;
    QLabel *m_banner;
    QLabel *m_summary;
    QTabWidget *m_tabs;
    QTableWidget *m_headline;
    QLabel *m_thresholds;
    QTableView *m_classTable;
    ClassTableModel *m_classModel;
    QSortFilterProxyModel *m_classSort;
    RecallPlot *m_recall;
    ConfusionView *m_confusion;
    CurvesView *m_curves;
    CalibrationView *m_calibration;
    PredictionsBrowser *m_predictions;

    std::vector<ResultsRun> m_available;
    QStringList m_runDirs; ///< the shown run first, then the compared ones
    QString m_split;
    std::vector<std::shared_ptr<RunResults>> m_results;
    QHash<QString, int> m_sampleIds;
    bool m_sampleIdsValid = false;
    int m_pendingLoads = 0;
    int m_pendingLists = 0;
    quint64 m_generation = 0;
    QElapsedTimer m_loadClock;
    qint64 m_lastLoadMs = -1;
    bool m_stale = true;
    bool m_packageRunning = false;
    bool m_restored = false;
    bool m_evaluating = false;
};

} // namespace fopro::ui
