#include "ui/shell/mainwindow.h"

#include "core/project/demo.h"
#include "ui/common/settings.h"
#include "ui/shell/historydialog.h"
#include "ui/shell/importdialog.h"
#include "ui/shell/page.h"
#include "ui/shell/pages.h"
#include "ui/shell/projectdocument.h"

#include <QtCore/QDir>
#include <QtCore/QFileInfo>
#include <QtCore/QMimeData>
#include <QtCore/QStandardPaths>
#include <QtCore/QTimer>
#include <QtGui/QCloseEvent>
#include <QtGui/QDragEnterEvent>
#include <QtGui/QDropEvent>
#include <QtGui/QKeySequence>
#include <QtWidgets/QApplication>
#include <QtWidgets/QFileDialog>
#include <QtWidgets/QHBoxLayout>
#include <QtWidgets/QLabel>
#include <QtWidgets/QListWidget>
#include <QtWidgets/QMenu>
#include <QtWidgets/QMenuBar>
#include <QtWidgets/QMessageBox>
#include <QtWidgets/QPlainTextEdit>
#include <QtWidgets/QProgressBar>
#include <QtWidgets/QSplitter>
#include <QtWidgets/QStackedWidget>
#include <QtWidgets/QStatusBar>
#include <QtWidgets/QStyle>
#include <QtWidgets/QStyleFactory>
#include <QtWidgets/QToolButton>
#include <QtWidgets/QVBoxLayout>

#include "core/data/dicomreader.h"
#include "ui/common/qcustomplotinclude.h"

#include <opencv2/core/version.hpp>

#include <algorithm>

namespace fopro::ui {

MainWindow::MainWindow(QWidget *parent)
    : QMainWindow(parent), m_doc(new ProjectDocument(this)), m_jobs(new JobManager(this))
{
    setAcceptDrops(true);
    m_nav = new QListWidget(this);
    m_nav->setMaximumWidth(180);
    m_nav->setMinimumWidth(110);
    m_nav->setIconSize(QSize(20, 20));
    m_nav->setAccessibleName(tr("Pages"));
    m_stack = new QStackedWidget(this);

    // The navigation and the page side by side; the navigation has a fixed width (see below).
    auto *central = new QWidget(this);
    auto *centralLayout = new QHBoxLayout(central);
    centralLayout->setContentsMargins(0, 0, 0, 0);
    centralLayout->setSpacing(4);
    centralLayout->addWidget(m_nav);
    centralLayout->addWidget(m_stack, 1);
    setCentralWidget(central);

    m_status = new QLabel(this);
    m_job = new QLabel(tr("Ready"), this);
    m_jobProgress = new QProgressBar(this);
    m_jobProgress->setMaximumWidth(160);
    m_jobProgress->setMaximumHeight(16);
    m_jobProgress->setTextVisible(false);
    m_jobProgress->hide();
    m_jobCancel = new QToolButton(this);
    m_jobCancel->setText(tr("Cancel"));
    m_jobCancel->setToolTip(tr("Cancel every background job"));
    m_jobCancel->setAutoRaise(true);
    m_jobCancel->hide();
    statusBar()->addWidget(m_status, 1);
    statusBar()->addPermanentWidget(m_job);
    statusBar()->addPermanentWidget(m_jobProgress);
    statusBar()->addPermanentWidget(m_jobCancel);
    connect(m_jobCancel, &QToolButton::clicked, m_jobs, &JobManager::cancelAll);
    connect(m_jobs, &JobManager::busyChanged, this, &MainWindow::updateJobStatus);
    connect(m_jobs, &JobManager::jobStarted, this, &MainWindow::updateJobStatus);
    connect(m_jobs, &JobManager::progressChanged, this, &MainWindow::updateJobStatus);
    connect(m_jobs, &JobManager::jobFailed, this, [this](JobManager::JobId, const QString &message) {
        statusBar()->showMessage(tr("A background job failed: %1").arg(message), 8000);
    });

    buildPages();
    buildMenus();
    // The navigation has one width, from its titles: when it shared the width with the page through
    // a splitter, it moved with every change of the page's minimum width (as filter text was typed).
    int navWidth = 0;
    for (int i = 0; i < m_nav->count(); ++i)
        navWidth = std::max(navWidth, m_nav->fontMetrics().horizontalAdvance(m_nav->item(i)->text()));
    m_nav->setFixedWidth(std::clamp(navWidth + m_nav->iconSize().width() + 40, 110, 180));
    connect(m_nav, &QListWidget::currentRowChanged, this, &MainWindow::onPageChanged);
    connect(m_doc, &ProjectDocument::dirtyChanged, this, &MainWindow::updateTitle);
    connect(m_doc, &ProjectDocument::datasetReset, this, &MainWindow::updateTitle);
    connect(m_doc, &ProjectDocument::historyChanged, this, [this] {
        const auto &d = m_doc->dataset();
        m_status->setText(tr("%1 images · %2 classes").arg(d.samples.size()).arg(d.classCount()));
    });

    // Autosave: a project with a folder is saved every two minutes while it has changes.
    m_autosave = new QTimer(this);
    m_autosave->setInterval(120000);
    connect(m_autosave, &QTimer::timeout, this, [this] {
        if (m_doc->isDirty() && m_doc->hasFolder() && m_doc->save()) statusBar()->showMessage(tr("Autosaved"), 3000);
    });
    m_autosave->start();

    restoreGeometry(settings::windowGeometry.value());
    restoreState(settings::windowState.value());
    if (!settings::windowGeometry.isSet()) resize(1280, 860);
    setTheme(settings::theme.value());
    if (!showPage(settings::lastPage.value()) && !m_pageList.isEmpty()) m_nav->setCurrentRow(0);
    updateTitle();
}

MainWindow::~MainWindow()
{
    // No worker outlives the window: cancel and wait. Then the pages go, before the JobManager
    // (an earlier child, which QObject would delete first): their destructors cancel their jobs.
    m_jobs->shutdown();
    delete takeCentralWidget();
    // The document is a child deleted by ~QWidget, when this object is no longer a MainWindow: its
    // undo stack's last cleanChanged must not reach updateTitle (UndefinedBehaviorSanitizer found
    // the call on the half-destroyed window).
    m_doc->disconnect(this);
}

void MainWindow::buildPages()
{
    PageContext context;
    context.jobs = m_jobs;
    context.document = m_doc;
    context.navigate = [this](const QString &pageId, const QVariantMap &arguments) { showPage(pageId, arguments); };
    context.importDataset = [this](const QString &path) { importDataset(path); };
    for (PageFactory create : registeredPages()) {
        Page *page = create(context, m_stack);
        m_pageList.append(page);
        m_stack->addWidget(page);
        auto *item = new QListWidgetItem(page->icon(), page->title(), m_nav);
        item->setData(Qt::UserRole, page->pageId());
        item->setToolTip(page->title());
        connect(page, &Page::statusMessage, this, [this](const QString &t) { statusBar()->showMessage(t, 8000); });
        connect(page, &Page::navBadgeChanged, this, [item, page](const QString &badge) {
            item->setText(badge.isEmpty() ? page->title() : page->title() + QStringLiteral(" · ") + badge);
            item->setToolTip(badge.isEmpty() ? page->title() : page->title() + QStringLiteral(": ") + badge);
        });
    }
}

Page *MainWindow::page(const QString &pageId) const
{
    for (Page *p : m_pageList)
        if (p->pageId() == pageId) return p;
    return nullptr;
}

Page *MainWindow::currentPage() const
{
    return qobject_cast<Page *>(m_stack->currentWidget());
}

bool MainWindow::showPage(const QString &pageId, const QVariantMap &arguments)
{
    const int row = int(m_pageList.indexOf(page(pageId)));
    if (row < 0) return false;
    if (m_nav->currentRow() != row) m_nav->setCurrentRow(row); // activates it without arguments
    if (!arguments.isEmpty()) m_pageList.at(row)->activate(arguments);
    return true;
}

void MainWindow::onPageChanged(int row)
{
    if (row < 0 || row >= m_pageList.size()) return;
    Page *next = m_pageList.at(row);
    if (m_activePage == next) return;
    if (m_activePage) m_activePage->deactivate();
    m_activePage = next;
    m_stack->setCurrentWidget(next);
    if (m_pageMenu) {
        m_pageMenu->clear();
        m_pageMenu->setTitle(next->title());
        const QList<QAction *> actions = next->pageActions();
        m_pageMenu->addActions(actions);
        m_pageMenu->menuAction()->setVisible(!actions.isEmpty());
    }
    next->activate({});
}

bool MainWindow::isSettled() const
{
    const Page *p = currentPage();
    return m_hasProject && !m_jobs->isBusy() && (!p || p->isSettled());
}

void MainWindow::updateJobStatus()
{
    const QList<JobManager::JobInfo> jobs = m_jobs->jobs();
    const bool busy = !jobs.isEmpty();
    m_jobProgress->setVisible(busy);
    m_jobCancel->setVisible(busy);
    if (!busy) {
        m_job->setText(tr("Ready"));
        return;
    }
    const JobManager::JobInfo &first = jobs.front();
    QString text = first.title;
    if (jobs.size() > 1) text += tr(" (+%1 more)").arg(jobs.size() - 1);
    m_job->setText(text);
    const double fraction = first.progress.fraction();
    if (fraction < 0) {
        m_jobProgress->setRange(0, 0);
    } else {
        m_jobProgress->setRange(0, 1000);
        m_jobProgress->setValue(int(fraction * 1000));
    }
}

QString MainWindow::defaultDemoFolder()
{
    return QStandardPaths::writableLocation(QStandardPaths::AppLocalDataLocation) + QStringLiteral("/demo-project");
}

void MainWindow::buildMenus()
{
    QMenu *file = menuBar()->addMenu(tr("&File"));
    file->addAction(tr("&Import dataset…"), QKeySequence(tr("Ctrl+I")), this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Import a dataset folder"));
        if (!dir.isEmpty()) importDataset(dir);
    });
    file->addAction(tr("Import dataset &file…"), this, [this] {
        const QString f = QFileDialog::getOpenFileName(this, tr("Import a dataset file"), QString(),
                                                       tr("Datasets (*.csv *.json *.dcm *.gz *ubyte);;All files (*)"));
        if (!f.isEmpty()) importDataset(f);
    });
    file->addAction(tr("&Open project…"), QKeySequence::Open, this, [this] {
        if (!maybeSave()) return;
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Open a project folder"));
        if (!dir.isEmpty()) openProject(dir);
    });
    file->addAction(tr("Open &demo project"), this, [this] {
        if (maybeSave()) openDemoProject();
    });
    m_recent = file->addMenu(tr("Open &recent"));
    rebuildRecentMenu();
    file->addSeparator();
    file->addAction(tr("&Save"), QKeySequence::Save, this, [this] { save(); });
    // The platform's Save As key, or Ctrl+Shift+S where it has none (every desktop but GNOME).
    QAction *saveAsAction = file->addAction(tr("Save &as…"), this, [this] { saveAs(); });
    saveAsAction->setObjectName(QStringLiteral("saveAs"));
    QList<QKeySequence> saveAsKeys = QKeySequence::keyBindings(QKeySequence::SaveAs);
    if (saveAsKeys.isEmpty()) saveAsKeys << QKeySequence(tr("Ctrl+Shift+S"));
    saveAsAction->setShortcuts(saveAsKeys);
    file->addSeparator();
    file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);

    QMenu *edit = menuBar()->addMenu(tr("&Edit"));
    QAction *undo = m_doc->undoStack()->createUndoAction(this, tr("&Undo"));
    undo->setObjectName(QStringLiteral("undo"));
    undo->setShortcuts(QKeySequence::Undo);
    QAction *redo = m_doc->undoStack()->createRedoAction(this, tr("&Redo"));
    redo->setObjectName(QStringLiteral("redo"));
    // The platform's Redo keys plus Ctrl+Shift+Z and Ctrl+Y, each once: a key listed twice (X11's
    // Redo is Ctrl+Shift+Z) is an ambiguous shortcut, and Qt then does nothing at all.
    QList<QKeySequence> redoKeys = QKeySequence::keyBindings(QKeySequence::Redo);
    for (const QKeySequence &k : {QKeySequence(tr("Ctrl+Shift+Z")), QKeySequence(tr("Ctrl+Y"))})
        if (!redoKeys.contains(k)) redoKeys << k;
    redo->setShortcuts(redoKeys);
    edit->addAction(undo);
    edit->addAction(redo);
    edit->addSeparator();
    edit->addAction(tr("Curation &history…"), QKeySequence(tr("Ctrl+H")), this, &MainWindow::showHistory)
        ->setObjectName(QStringLiteral("history"));

    // The current page's commands (filled on every page change).
    m_pageMenu = menuBar()->addMenu(QString());
    if (Page *p = currentPage()) {
        m_activePage = nullptr;
        onPageChanged(int(m_pageList.indexOf(p)));
    }

    QMenu *view = menuBar()->addMenu(tr("&View"));
    QMenu *theme = view->addMenu(tr("&Theme"));
    theme->addAction(tr("Follow the &system"), this, [this] { setTheme(QStringLiteral("system")); });
    theme->addAction(tr("&Light"), this, [this] { setTheme(QStringLiteral("light")); });
    theme->addAction(tr("&Dark"), this, [this] { setTheme(QStringLiteral("dark")); });

    QMenu *help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&Keyboard shortcuts"), QKeySequence::HelpContents, this, &MainWindow::showShortcuts)
        ->setObjectName(QStringLiteral("shortcuts"));
    help->addAction(tr("&About FoPro-KD Studio"), this, &MainWindow::showAbout);
}

void MainWindow::updateTitle()
{
    const auto &p = m_doc->project();
    QString name = p.name.isEmpty() ? tr("Untitled") : p.name;
    if (p.demo) name += tr(" (demo data, not medical)");
    setWindowTitle(QStringLiteral("%1[*] — FoPro-KD Studio").arg(name));
    setWindowModified(m_doc->isDirty());
}

void MainWindow::opened()
{
    m_hasProject = true;
    Q_EMIT projectOpened();
}

bool MainWindow::openProject(const QString &path)
{
    auto p = project::Project::open(path);
    if (!p) {
        QMessageBox::warning(this, tr("Open project"),
                             tr("The project could not be opened:\n%1").arg(p.error().message()));
        return false;
    }
    m_doc->reset(std::move(p).value(), false);
    addRecent(m_doc->project().folder);
    opened();
    return true;
}

void MainWindow::openDemoProject(const QString &folderIn)
{
    const QString folder = folderIn.isEmpty() ? defaultDemoFolder() : folderIn;
    if (project::Project::isProject(folder)) {
        openProject(folder);
        return;
    }
    if (m_demoJob != 0) return; // already being created
    JobFunction<project::Project> job = [folder](JobControl &,
                                                 const ProgressSink &progress) -> Result<project::Project> {
        Progress p;
        p.phase = QStringLiteral("Creating the demo project");
        report(progress, p);
        auto d = project::makeDemoDataset();
        if (!d) return d.error();
        project::Project project;
        project.folder = folder;
        project.name = QStringLiteral("Fashion-MNIST-LT demo");
        project.demo = true;
        project.dataset = std::move(d).value();
        if (auto ok = project.save(); !ok) return ok.error();
        return project;
    };
    m_demoJob = m_jobs->submit<project::Project>(
        JobManager::Kind::Io, tr("Creating the demo project…"), std::move(job),
        [this](const Result<project::Project> &r) {
            m_demoJob = 0;
            if (!r) {
                if (r.error().code != ErrorCode::Cancelled)
                    QMessageBox::warning(this, tr("Demo project"),
                                         tr("The demo project could not be created:\n%1").arg(r.error().message()));
                return;
            }
            m_doc->reset(*r, false);
            addRecent(m_doc->project().folder);
            opened();
        },
        this);
}

void MainWindow::importDataset(const QString &path)
{
    if (!maybeSave()) return;
    // The new project keeps the thresholds in use, and the preview groups classes by them, so a
    // class is "head" or "tail" in the preview exactly as on the pages afterwards.
    const data::TailThresholds thresholds = m_doc->thresholds();
    ImportDialog dlg(path, m_jobs, this, thresholds);
    if (dlg.exec() != QDialog::Accepted || !dlg.succeeded()) return;
    project::Project p;
    p.name = QFileInfo(path).completeBaseName();
    p.thresholds = thresholds;
    auto mapped = dlg.mappedDataset();
    if (!mapped) {
        QMessageBox::warning(this, tr("Import dataset"),
                             tr("The class mapping could not be applied:\n%1").arg(mapped.error().message()));
        return;
    }
    p.dataset = std::move(mapped).value();
    p.history.append({QDateTime::currentDateTimeUtc(), tr("Imported %1 (%2)").arg(path, p.dataset.format)});
    m_doc->reset(std::move(p), true);
    opened();
}

bool MainWindow::save()
{
    if (!m_doc->hasFolder()) return saveAs();
    auto ok = m_doc->save();
    if (!ok) {
        QMessageBox::warning(
            this, tr("Save"),
            tr("The project could not be saved; nothing was lost, it is still open:\n%1").arg(ok.error().message()));
        return false;
    }
    statusBar()->showMessage(tr("Saved %1").arg(m_doc->project().folder), 3000);
    return true;
}

bool MainWindow::saveAs(const QString &folderIn)
{
    QString folder = folderIn;
    if (folder.isEmpty()) folder = QFileDialog::getExistingDirectory(this, tr("Save the project into a folder"));
    if (folder.isEmpty()) return false;
    if (m_doc->project().name.isEmpty()) m_doc->project().name = QFileInfo(folder).fileName();
    auto ok = m_doc->save(folder);
    if (!ok) {
        QMessageBox::warning(
            this, tr("Save as"),
            tr("The project could not be saved; nothing was lost, it is still open:\n%1").arg(ok.error().message()));
        return false;
    }
    addRecent(folder);
    updateTitle();
    return true;
}

bool MainWindow::maybeSave()
{
    if (!m_doc->isDirty()) return true;
    const auto answer =
        QMessageBox::question(this, tr("Unsaved changes"), tr("The project has unsaved changes. Save them?"),
                              QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel, QMessageBox::Save);
    if (answer == QMessageBox::Cancel) return false;
    if (answer == QMessageBox::Save) return save();
    return true;
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    if (!maybeSave()) {
        event->ignore();
        return;
    }
    for (Page *p : std::as_const(m_pageList)) {
        if (!p->confirmClose()) {
            event->ignore();
            return;
        }
    }
    for (Page *p : std::as_const(m_pageList))
        p->prepareClose();
    settings::windowGeometry.set(saveGeometry());
    settings::windowState.set(saveState());
    if (const Page *p = currentPage()) settings::lastPage.set(p->pageId());
    if (m_doc->hasFolder()) settings::lastProject.set(m_doc->project().folder);
    m_jobs->shutdown(); // cancel every job and wait: no thread outlives the window
    event->accept();
}

void MainWindow::dragEnterEvent(QDragEnterEvent *event)
{
    if (event->mimeData()->hasUrls()) event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent *event)
{
    const auto urls = event->mimeData()->urls();
    if (urls.isEmpty() || !urls.front().isLocalFile()) return;
    event->acceptProposedAction();
    const QString path = urls.front().toLocalFile();
    // Defer: a modal dialog inside a drop handler blocks the drag source.
    QTimer::singleShot(0, this, [this, path] {
        if (project::Project::isProject(path)) {
            if (maybeSave()) openProject(path);
        } else {
            importDataset(path);
        }
    });
}

void MainWindow::addRecent(const QString &folder)
{
    QStringList recent = settings::recentProjects.value();
    recent.removeAll(folder);
    recent.prepend(folder);
    while (recent.size() > settings::kMaxRecentProjects)
        recent.removeLast();
    settings::recentProjects.set(recent);
    settings::lastProject.set(folder);
    rebuildRecentMenu();
}

void MainWindow::rebuildRecentMenu()
{
    if (!m_recent) return;
    m_recent->clear();
    const QStringList recent = settings::recentProjects.value();
    for (const QString &f : recent)
        m_recent->addAction(QDir::toNativeSeparators(f), this, [this, f] {
            if (maybeSave()) openProject(f);
        });
    m_recent->setEnabled(!recent.isEmpty());
}

void MainWindow::setTheme(const QString &theme)
{
    settings::theme.set(theme);
    static const QPalette systemPalette = QApplication::palette();
    if (theme == QLatin1String("dark")) {
        QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
        QPalette p;
        p.setColor(QPalette::Window, QColor(45, 45, 48));
        p.setColor(QPalette::WindowText, QColor(230, 230, 230));
        p.setColor(QPalette::Base, QColor(30, 30, 32));
        p.setColor(QPalette::AlternateBase, QColor(55, 55, 60));
        p.setColor(QPalette::Text, QColor(230, 230, 230));
        p.setColor(QPalette::Button, QColor(55, 55, 60));
        p.setColor(QPalette::ButtonText, QColor(230, 230, 230));
        p.setColor(QPalette::Highlight, QColor(42, 130, 218));
        p.setColor(QPalette::HighlightedText, Qt::white);
        p.setColor(QPalette::ToolTipBase, QColor(60, 60, 64));
        p.setColor(QPalette::ToolTipText, QColor(230, 230, 230));
        p.setColor(QPalette::PlaceholderText, QColor(150, 150, 150));
        // Disabled controls must look disabled: without these, every colour group is the bright one.
        const QColor disabledText(125, 125, 128);
        for (QPalette::ColorRole role : {QPalette::WindowText, QPalette::Text, QPalette::ButtonText})
            p.setColor(QPalette::Disabled, role, disabledText);
        p.setColor(QPalette::Disabled, QPalette::Button, QColor(48, 48, 51));
        p.setColor(QPalette::Disabled, QPalette::Base, QColor(40, 40, 42));
        p.setColor(QPalette::Disabled, QPalette::Highlight, QColor(80, 80, 84));
        p.setColor(QPalette::Disabled, QPalette::HighlightedText, disabledText);
        QApplication::setPalette(p);
    } else if (theme == QLatin1String("light")) {
        QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
        QApplication::setPalette(QApplication::style()->standardPalette());
    } else {
        QApplication::setPalette(systemPalette);
    }
}

void MainWindow::showHistory()
{
    // Modeless, so "Show images" can be followed in the grid while the list stays open.
    if (!m_history) {
        m_history = new CurationHistoryDialog(m_doc, this);
        m_history->setAttribute(Qt::WA_DeleteOnClose);
    }
    m_history->show();
    m_history->raise();
    m_history->activateWindow();
}

QString MainWindow::shortcutsHelpHtml() const
{
    // Written from the actions themselves, so the list can never promise a key that does nothing.
    const auto plain = [](QString text) {
        text.remove(QLatin1Char('&'));
        text.remove(QStringLiteral("…"));
        return text.trimmed().toHtmlEscaped();
    };
    const auto keysOf = [](const QAction *a) {
        QStringList keys;
        for (const QKeySequence &k : a->shortcuts())
            keys << QStringLiteral("<b>%1</b>").arg(k.toString(QKeySequence::NativeText).toHtmlEscaped());
        return keys.join(QStringLiteral(" / "));
    };
    QString rows;
    const auto section = [&](const QString &title, const QList<QAction *> &actions) {
        QString body;
        for (const QAction *a : actions) {
            if (a->isSeparator()) continue;
            if (const QMenu *sub = a->menu()) {
                // A submenu of keyed actions (relabel by digit, move to split) is one row.
                QStringList keys, names;
                for (const QAction *s : sub->actions())
                    if (!s->shortcuts().isEmpty()) {
                        keys << keysOf(s);
                        names << plain(s->text());
                    }
                if (!keys.isEmpty())
                    body += QStringLiteral("<tr><td>%1</td><td>%2: %3</td></tr>")
                                .arg(keys.join(QStringLiteral(", ")), plain(sub->title()),
                                     names.join(QStringLiteral(", ")));
                continue;
            }
            if (a->shortcuts().isEmpty()) continue;
            body += QStringLiteral("<tr><td>%1</td><td>%2</td></tr>").arg(keysOf(a), plain(a->text()));
        }
        if (!body.isEmpty())
            rows += QStringLiteral("<tr><td colspan=\"2\"><br><i>%1</i></td></tr>").arg(title.toHtmlEscaped()) + body;
    };
    for (QAction *top : menuBar()->actions())
        if (top->menu() && top->menu() != m_pageMenu) section(plain(top->text()), top->menu()->actions());
    for (const Page *p : m_pageList)
        section(tr("%1 page (while it has the focus)").arg(p->title()), p->pageActions());
    rows += QStringLiteral("<tr><td colspan=\"2\"><br><i>%1</i></td></tr>").arg(tr("Mouse"));
    rows += tr("<tr><td><b>Shift/Ctrl+click</b>, drag</td><td>Extend the selection, rubber band</td></tr>");
    rows += tr("<tr><td><b>Double-click</b></td><td>Show the image large</td></tr>");
    return QStringLiteral("<table cellspacing=\"2\">") + rows + QStringLiteral("</table>");
}

void MainWindow::showShortcuts()
{
    QMessageBox box(this);
    box.setWindowTitle(tr("Keyboard shortcuts"));
    box.setTextFormat(Qt::RichText);
    box.setText(shortcutsHelpHtml());
    box.exec();
}

void MainWindow::showAbout()
{
    QMessageBox::about(
        this, tr("About FoPro-KD Studio"),
        tr("<h3>FoPro-KD Studio %1</h3>"
           "<p>Long-tailed medical image classification with Fourier-prompted knowledge distillation.</p>"
           "<p><b>Libraries</b> (from Debian): Qt %2 (LGPL-3.0), OpenCV %3 (Apache-2.0), DCMTK %4 (BSD-3-Clause), "
           "QCustomPlot %5 (GPL-3.0), LibTorch (BSD-3-Clause).</p>"
           "<p><b>Demo data</b>: Fashion-MNIST, Zalando Research (MIT licence), from Debian's dataset-fashion-mnist. "
           "Real images and labels of clothing; <b>not medical data</b>.</p>"
           "<p><b>Demo teacher</b>: the ImageNet layers of Keras MobileNetV2 shipped in the npm package nsfwjs 4.4.0 "
           "(MIT licence); only its ImageNet part is used.</p>")
            .arg(QStringLiteral(FOPRO_VERSION), QString::fromLatin1(qVersion()), QStringLiteral(CV_VERSION),
                 data::dicomLibraryVersion(), QStringLiteral(QCUSTOMPLOT_VERSION_STR)));
}

} // namespace fopro::ui
