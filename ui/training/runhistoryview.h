#pragma once
// RunHistoryView: the training runs of a project (<project>/runs/) as a sortable table, read off
// the GUI thread (a JobManager I/O job) through RunFolder::listDetails: title, status, strategy,
// teacher, student, epochs, best validation and test balanced accuracy, test tail recall,
// duration and date. Archived runs are hidden unless "Show archived" is on.
//
// Actions on the selected runs (tool bar, context menu, and QWidget::actions() for the page's
// menu; their shortcuts work within the view): Compare (2+ runs, shown in a RunCompareView under
// the table), Clone configuration, Resume, Rename (F2), Annotate, Archive/Unarchive, Open folder,
// Delete (Del; asks first, never the live run), Refresh (F5). Titles, notes and the archive flag
// go to each run's notes.json (RunFolder::writeNotes).
//
// The run being trained is marked with setLiveRun(): its status cell shows the page's text, and a
// run whose status.json still says running or paused without being live reads as interrupted.
// The dialogs are injectable (setConfirm, setAskText, setAskNote) so that tests drive them.

#include "core/project/runfolder.h"

#include <QtCore/QJsonObject>
#include <QtCore/QStringList>
#include <QtWidgets/QWidget>

#include <functional>
#include <vector>

class QAbstractItemModel;
class QAction;
class QCheckBox;
class QLabel;
class QSplitter;
class QTableView;
class QToolBar;

namespace fopro {
class JobManager;
}

namespace fopro::ui {

class RunCompareView;
class RunHistoryModel;
class RunHistoryFilter;

class RunHistoryView : public QWidget {
    Q_OBJECT
public:
    enum Column {
        RunColumn,
        StatusColumn,
        StrategyColumn,
        TeacherColumn,
        StudentColumn,
        EpochsColumn,
        BestValColumn,
        TestBalancedColumn,
        TestTailColumn,
        DurationColumn,
        DateColumn,
        ColumnCount
    };
    /// Item data roles of the table's models (besides the display, tool tip and alignment roles).
    enum Role {
        SortRole = Qt::UserRole + 1, ///< the value the column sorts by (numbers, dates, text)
        DirRole,                     ///< the run's folder (every column)
        ArchivedRole,                ///< bool (every column)
    };

    /// Asks a yes/no question; true = go ahead.
    using ConfirmFunction = std::function<bool(const QString &question)>;
    /// Asks for a text; a null QString means cancelled.
    using AskTextFunction = std::function<QString(const QString &label, const QString &current)>;

    explicit RunHistoryView(JobManager *jobs, QWidget *parent = nullptr);
    ~RunHistoryView() override;

    /// Shows the runs of `runsDir` (<project>/runs), read with a job (at once without a job manager).
    void setRunsFolder(const QString &runsDir);
    QString runsFolder() const { return m_runsDir; }
    /// Reads the runs again, keeping the selection (by run folder).
    void refresh();
    bool isLoading() const { return m_pendingLoads > 0; }

    /// Marks the run in `dir` as the live one: its status cell shows `statusText` (e.g. "running ·
    /// epoch 2/5 · 40%"), it cannot be deleted or resumed. setLiveRun({}, {}) clears it. Cheap
    /// enough to call on every progress update.
    void setLiveRun(const QString &dir, const QString &statusText);
    QString liveRun() const { return m_liveDir; }

    /// The selected runs' folders, in table order.
    QStringList selectedRuns() const;
    /// Selects these runs (those shown); the first becomes the current one.
    void selectRuns(const QStringList &dirs);
    /// The runs read by the last load (archived ones included), newest first.
    const std::vector<project::RunDetails> &runs() const;
    /// The run of `dir` as last read (null when not listed).
    const project::RunDetails *run(const QString &dir) const;

    bool showArchived() const;
    void setShowArchived(bool show);

    void setConfirm(ConfirmFunction confirm) { m_confirm = std::move(confirm); }
    /// The one-line question of Rename.
    void setAskText(AskTextFunction ask) { m_askText = std::move(ask); }
    /// The multi-line question of Annotate.
    void setAskNote(AskTextFunction ask) { m_askNote = std::move(ask); }

    // The actions (also in QWidget::actions(), in tool bar order).
    QAction *compareAction() const { return m_compare; }
    QAction *cloneAction() const { return m_clone; }
    QAction *resumeAction() const { return m_resume; }
    QAction *renameAction() const { return m_rename; }
    QAction *annotateAction() const { return m_annotate; }
    QAction *archiveAction() const { return m_archive; }
    QAction *openFolderAction() const { return m_openFolder; }
    QAction *deleteAction() const { return m_delete; }
    QAction *refreshAction() const { return m_refresh; }

    QTableView *table() const { return m_table; }
    /// The table's model (sorted and filtered) and the model under it (every run).
    QAbstractItemModel *model() const;
    QAbstractItemModel *sourceModel() const;
    QCheckBox *showArchivedBox() const { return m_showArchived; }
    /// The note of the current run, under the table.
    QLabel *noteLabel() const { return m_note; }
    RunCompareView *compareView() const { return m_compareView; }
    bool isComparing() const;

public Q_SLOTS:
    void compareSelected();
    void closeComparison();
    void cloneSelected();
    void resumeSelected();
    void renameSelected();
    void annotateSelected();
    /// Archives the selected runs, or unarchives them when the current one is archived.
    void toggleArchiveSelected();
    void openSelectedFolder();
    void deleteSelected();

Q_SIGNALS:
    /// Clone configuration: the run's training configuration (config.json's "config").
    void cloneRequested(const QJsonObject &config);
    void resumeRequested(const QString &dir);
    void statusMessage(const QString &message);
    void selectionChanged();
    /// A load finished and the table shows its result.
    void loaded();

private:
    void createActions();
    void updateActions();
    void updateNote();
    void applyLoaded(std::vector<project::RunDetails> runs);
    /// The current run (the one with the focus among the selected), or null.
    const project::RunDetails *currentRun() const;
    /// Writes changed notes of a run and updates its row; false (with a status message) on error.
    bool changeNotes(const QString &dir, const std::function<void(project::RunNotes &)> &change);
    void showContextMenu(const QPoint &pos);

    JobManager *m_jobs;
    QString m_runsDir;
    QString m_liveDir;
    int m_pendingLoads = 0;
    quint64 m_generation = 0;

    RunHistoryModel *m_model;
    RunHistoryFilter *m_filter;
    QTableView *m_table;
    QToolBar *m_bar;
    QCheckBox *m_showArchived;
    QLabel *m_note;
    QSplitter *m_splitter;
    RunCompareView *m_compareView;

    QAction *m_compare = nullptr, *m_clone = nullptr, *m_resume = nullptr, *m_rename = nullptr, *m_annotate = nullptr,
            *m_archive = nullptr, *m_openFolder = nullptr, *m_delete = nullptr, *m_refresh = nullptr;

    ConfirmFunction m_confirm;
    AskTextFunction m_askText;
    AskTextFunction m_askNote;
};

} // namespace fopro::ui
