#pragma once
// A page of the main window (Dataset today; Training, Spectra, Results, Classify later): one folder
// under ui/ per page, each implementing this small interface. The window builds every page from
// the registry (ui/shell/pages.h), lists it in the navigation by title and icon, puts its actions
// in a menu named after it, tells it when it becomes visible or hidden, shows its status messages,
// and knows none of them by name.
//
// A page gets a PageContext: the window's JobManager (all background work goes through it), the
// open project, and a way to show another page with arguments (e.g. the Dataset page filtered to
// one class: navigate("dataset", {{"class", 3}})).

#include "core/jobs/jobmanager.h"

#include <QtCore/QVariantMap>
#include <QtGui/QIcon>
#include <QtWidgets/QWidget>

#include <functional>

class QAction;

namespace fopro::ui {

class ProjectDocument;

struct PageContext {
    JobManager *jobs = nullptr;
    ProjectDocument *document = nullptr;
    /// Shows the page `pageId` and passes it `arguments` (Page::activate). Never null in a window.
    std::function<void(const QString &pageId, const QVariantMap &arguments)> navigate;
    /// Imports a dataset (file or folder) as a new project, with the import preview.
    std::function<void(const QString &path)> importDataset;
};

class Page : public QWidget {
    Q_OBJECT
public:
    Page(const PageContext &context, QWidget *parent = nullptr);

    /// Stable lower-case id: the navigation's key, `fopro-studio --page ID`, the saved last page.
    virtual QString pageId() const = 0;
    /// Translated title for the navigation and the page's menu.
    virtual QString title() const = 0;
    virtual QIcon icon() const = 0;
    /// The page's commands (owned by the page), shown in its menu while it is the current page.
    virtual QList<QAction *> pageActions() const { return {}; }

    /// The page becomes the visible one; `arguments` come from PageContext::navigate (may be empty).
    virtual void activate(const QVariantMap &arguments);
    /// The page is hidden (another page became current).
    virtual void deactivate();
    bool isActive() const { return m_active; }

    /// True while the page waits for background work it started (a decode, a computation).
    virtual bool isBusy() const { return false; }
    /// Nothing on screen changes by itself any more: the page is not busy and whatever it shows
    /// has arrived. The default is !isBusy(); pages that stream content (thumbnails) add their own
    /// condition. `fopro-studio --screenshot` waits for it.
    virtual bool isSettled() const { return !isBusy(); }

    /// The window is about to close: a page with work that outlives a click (a training) asks the
    /// user what to do with it. False keeps the window open.
    virtual bool confirmClose() { return true; }
    /// The window is closing (after every page confirmed): release what must not outlive it.
    virtual void prepareClose() {}

    const PageContext &context() const { return m_context; }
    JobManager *jobs() const { return m_context.jobs; }
    ProjectDocument *document() const { return m_context.document; }

Q_SIGNALS:
    /// A short message for the window's status bar.
    void statusMessage(const QString &text);
    /// A short progress note for the page's navigation entry ("42%"), shown while the user is on
    /// another page; empty removes it.
    void navBadgeChanged(const QString &badge);

private:
    PageContext m_context;
    bool m_active = false;
};

} // namespace fopro::ui
