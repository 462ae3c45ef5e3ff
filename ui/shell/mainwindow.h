#pragma once
// The main window: one page per activity (only pages that work are shown: Dataset today), menus
// with shortcuts, the project life cycle (new from import, open, demo, save, save as, recent,
// autosave, unsaved-changes prompts), drag and drop of datasets, theme override, window state,
// status bar with background-job status, About and shortcut help.

#include <QtCore/QFutureWatcher>
#include <QtWidgets/QMainWindow>

#include "core/common/result.h"
#include "core/project/project.h"

class QLabel;
class QListWidget;
class QMenu;
class QStackedWidget;
class QTimer;

namespace fopro::ui {

class DatasetPage;
class ProjectDocument;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget *parent = nullptr);
    ~MainWindow() override;

    ProjectDocument *document() const { return m_doc; }
    DatasetPage *datasetPage() const { return m_datasetPage; }

    /// Opens a project folder/file; false (with a message) when it cannot be read.
    bool openProject(const QString &path);
    /// Creates (first time) and opens the demo project in `folder` (default: the user's data
    /// folder). Runs off the GUI thread; `done` is signalled when it is open.
    void openDemoProject(const QString &folder = QString());
    /// Shows the import preview for `path`; on accept the dataset becomes a new, unsaved project.
    void importDataset(const QString &path);
    bool save();
    bool saveAs(const QString &folder = QString());
    /// Applies "system", "light" or "dark".
    void setTheme(const QString &theme);
    /// The folder used for the demo project by default.
    static QString defaultDemoFolder();

Q_SIGNALS:
    void projectOpened();

protected:
    void closeEvent(QCloseEvent *event) override;
    void dragEnterEvent(QDragEnterEvent *event) override;
    void dropEvent(QDropEvent *event) override;

private:
    void buildMenus();
    bool maybeSave();
    void updateTitle();
    void addRecent(const QString &folder);
    void rebuildRecentMenu();
    void showAbout();
    void showShortcuts();
    void showHistory();
    void setBusy(const QString &text);

    ProjectDocument *m_doc;
    QListWidget *m_nav;
    QStackedWidget *m_pages;
    DatasetPage *m_datasetPage;
    QLabel *m_status;
    QLabel *m_job;
    QMenu *m_recent = nullptr;
    QTimer *m_autosave;
    QFutureWatcher<Result<project::Project>> m_demoWatcher;
};

} // namespace fopro::ui
