#pragma once
// The main window: the pages of the registry (ui/shell/pages.h) in a navigation list, each page's
// actions in a menu named after it, menus with shortcuts, the project life cycle (new from import,
// open, demo, save, save as, recent, autosave, unsaved-changes prompts), drag and drop of datasets,
// theme override, window state, a status bar with the background jobs, About and shortcut help.
//
// The window owns the one JobManager of the application and hands it to every page (PageContext)
// and dialog; closing the window cancels every job and waits for it, so no thread outlives it.

#include <QtCore/QPointer>
#include <QtCore/QVariantMap>
#include <QtWidgets/QMainWindow>

#include "core/common/result.h"
#include "core/jobs/jobmanager.h"
#include "core/project/project.h"
#include "ui/shell/historydialog.h"

class QLabel;
class QListWidget;
class QMenu;
class QProgressBar;
class QStackedWidget;
class QTimer;
class QToolButton;

namespace fopro::ui {

class Page;
class ProjectDocument;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget *parent = nullptr);
    ~MainWindow() override;

    ProjectDocument *document() const { return m_doc; }
    JobManager *jobs() const { return m_jobs; }

    /// Every page, in navigation order.
    const QList<Page *> &pages() const { return m_pageList; }
    /// The page with this id, or null.
    Page *page(const QString &pageId) const;
    Page *currentPage() const;
    /// Makes `pageId` the current page and activates it with `arguments`; false for an unknown id.
    bool showPage(const QString &pageId, const QVariantMap &arguments = {});
    /// A project is open, no job runs and the current page has settled (see Page::isSettled).
    bool isSettled() const;

    /// Opens a project folder/file; false (with a message) when it cannot be read.
    bool openProject(const QString &path);
    /// Creates (first time) and opens the demo project in `folder` (default: the user's data
    /// folder). Runs as a job; projectOpened() is signalled when it is open.
    void openDemoProject(const QString &folder = QString());
    /// Shows the import preview for `path`; on accept the dataset becomes a new, unsaved project.
    void importDataset(const QString &path);
    bool save();
    bool saveAs(const QString &folder = QString());
    /// Applies "system", "light" or "dark".
    void setTheme(const QString &theme);
    /// The folder used for the demo project by default.
    static QString defaultDemoFolder();
    /// The keyboard shortcuts help (F1), written from the window's and every page's actions.
    QString shortcutsHelpHtml() const;
    /// Shows the curation history (Ctrl+H), modeless.
    void showHistory();

Q_SIGNALS:
    void projectOpened();

protected:
    void closeEvent(QCloseEvent *event) override;
    void dragEnterEvent(QDragEnterEvent *event) override;
    void dropEvent(QDropEvent *event) override;

private:
    void buildPages();
    void buildMenus();
    void onPageChanged(int row);
    void updateJobStatus();
    bool maybeSave();
    void updateTitle();
    void addRecent(const QString &folder);
    void rebuildRecentMenu();
    void showAbout();
    void showShortcuts();
    void opened();

    ProjectDocument *m_doc;
    JobManager *m_jobs;
    QListWidget *m_nav;
    QStackedWidget *m_stack;
    QList<Page *> m_pageList;
    Page *m_activePage = nullptr;
    QMenu *m_pageMenu = nullptr;
    QLabel *m_status;
    QLabel *m_job;
    QProgressBar *m_jobProgress;
    QToolButton *m_jobCancel;
    QMenu *m_recent = nullptr;
    QPointer<CurationHistoryDialog> m_history;
    QTimer *m_autosave;
    JobManager::JobId m_demoJob = 0;
    bool m_hasProject = false;
};

} // namespace fopro::ui
