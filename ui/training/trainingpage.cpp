#include "ui/training/trainingpage.h"

#include "core/common/fileio.h"
#include "core/jobs/workerrun.h"
#include "core/ml/configfields.h"
#include "core/ml/presets.h"
#include "core/ml/trainconfig.h"
#include "core/project/demo.h"
#include "core/project/runfolder.h"
#include "ui/shell/projectdocument.h"
#include "ui/training/configform.h"
#include "ui/training/livecurves.h"
#include "ui/training/runhistoryview.h"
#include "ui/training/runmonitor.h"
#include "ui/training/teacherpicker.h"

#include <QtCore/QDir>
#include <QtCore/QFileInfo>
#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QProcess>
#include <QtCore/QStorageInfo>
#include <QtCore/QThread>
#include <QtGui/QAction>
#include <QtWidgets/QComboBox>
#include <QtWidgets/QHBoxLayout>
#include <QtWidgets/QInputDialog>
#include <QtWidgets/QLabel>
#include <QtWidgets/QListWidget>
#include <QtWidgets/QMessageBox>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QSpinBox>
#include <QtWidgets/QSplitter>
#include <QtWidgets/QStyle>
#include <QtWidgets/QTabWidget>
#include <QtWidgets/QToolBar>
#include <QtWidgets/QVBoxLayout>

namespace fopro::ui {
namespace {

using worker::WorkerRun;

QString bytesText(double bytes)
{
    if (!(bytes >= 0)) return QStringLiteral("–");
    if (bytes < 1024.0 * 1024) return QObject::tr("%1 KB").arg(bytes / 1024, 0, 'f', 0);
    if (bytes < 1024.0 * 1024 * 1024) return QObject::tr("%1 MB").arg(bytes / 1048576, 0, 'f', 0);
    return QObject::tr("%1 GB").arg(bytes / 1073741824, 0, 'f', 1);
}

/// "about 12 min": a rounded duration for an estimate.
QString aboutText(double seconds)
{
    if (!(seconds >= 0)) return QStringLiteral("–");
    if (seconds < 90) return QObject::tr("about %1 s").arg(std::max(5.0, std::round(seconds / 5) * 5));
    if (seconds < 5400) return QObject::tr("about %1 min").arg(std::round(seconds / 60));
    return QObject::tr("about %1 h").arg(seconds / 3600, 0, 'f', 1);
}

} // namespace

TrainingPage::TrainingPage(const PageContext &context, QWidget *parent) : Page(context, parent)
{
    buildActions();
    buildLayout();
    connect(document(), &ProjectDocument::datasetReset, this, &TrainingPage::projectChanged);
    projectChanged();
}

TrainingPage::~TrainingPage()
{
    if (m_estimator) {
        m_estimator->disconnect(this);
        m_estimator->kill();
        m_estimator->waitForFinished(2000);
    }
    // Nobody chose to keep the run going (the window was not asked, e.g. the application quit):
    // no worker outlives the page. The window around the page is half destroyed by now: the last
    // events are not handled and the page says nothing (the run folder records how the run ended).
    blockSignals(true);
    if (m_worker) m_worker->disconnect(this);
    if (m_worker && !m_worker->isEnded() && !m_keepRunningOnClose) stopAndWait();
}

void TrainingPage::stopAndWait()
{
    m_worker->cancel();
    if (!m_worker->waitForExit(20000)) {
        m_worker->kill();
        m_worker->waitForExit(5000);
    }
    m_worker->poll();
    m_worker->disconnect(this);
    m_worker->discardFiles();
}

QString TrainingPage::title() const
{
    return tr("Training");
}

QIcon TrainingPage::icon() const
{
    return style()->standardIcon(QStyle::SP_MediaPlay);
}

void TrainingPage::buildActions()
{
    const auto make = [this](const QString &text, const QString &shortcut, const QString &tip, auto slot) {
        auto *a = new QAction(text, this);
        if (!shortcut.isEmpty()) a->setShortcut(QKeySequence(shortcut));
        a->setToolTip(shortcut.isEmpty()
                          ? tip
                          : tip + QStringLiteral(" (") + a->shortcut().toString(QKeySequence::NativeText) + ')');
        a->setStatusTip(tip);
        connect(a, &QAction::triggered, this, slot);
        m_actions << a;
        return a;
    };
    m_start =
        make(tr("&Start training"), tr("Ctrl+Return"),
             tr("Train with this configuration now (or after the running training)"), [this] { startTraining(); });
    m_enqueue =
        make(tr("Add to &queue"), tr("Ctrl+Shift+Return"),
             tr("Queue this configuration: it starts when the runs before it are done"), [this] { enqueueTraining(); });
    m_pause = make(tr("&Pause"), tr("Ctrl+Shift+P"), tr("Pause the running training after the current batch"),
                   [this] { pauseRun(); });
    m_continue =
        make(tr("C&ontinue"), tr("Ctrl+Shift+O"), tr("Continue the paused training"), [this] { continueRun(); });
    m_stop = make(tr("S&top"), tr("Ctrl+Shift+T"),
                  tr("Stop the running training after the current batch (it can be resumed)"), [this] { stopRun(); });
    m_estimateAction =
        make(tr("&Estimate duration"), tr("Ctrl+Shift+E"),
             tr("Measure a few training steps and estimate the run's duration and disk space"), [this] { estimate(); });
    m_demo = make(tr("Train the &demo"), QString(),
                  tr("A short FoPro-KD run on the demo data with the demo teacher: curves move within seconds"),
                  [this] { trainDemo(); });
    m_start->setIconText(tr("Start"));
    m_enqueue->setIconText(tr("Queue"));
    m_estimateAction->setIconText(tr("Estimate"));
    m_demo->setIconText(tr("Train the demo"));
    m_start->setIcon(style()->standardIcon(QStyle::SP_MediaPlay));
    m_pause->setIcon(style()->standardIcon(QStyle::SP_MediaPause));
    m_continue->setIcon(style()->standardIcon(QStyle::SP_MediaSeekForward));
    m_stop->setIcon(style()->standardIcon(QStyle::SP_MediaStop));
    // Window-wide shortcuts: they live in the page's menu, which the window shows only while the page
    // is current, so they never fire on another page.
    addActions(m_actions);
}

void TrainingPage::buildLayout()
{
    auto *bar = new QToolBar(this);
    bar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    bar->setIconSize(QSize(16, 16));
    m_preset = new QComboBox(bar);
    m_preset->setAccessibleName(tr("Preset"));
    m_preset->addItem(tr("Preset…"), QString());
    for (const ml::TrainPreset &p : ml::trainPresets()) {
        m_preset->addItem(p.name, p.id);
        m_preset->setItemData(m_preset->count() - 1, p.description, Qt::ToolTipRole);
    }
    connect(m_preset, &QComboBox::activated, this, [this](int index) {
        const QString id = m_preset->itemData(index).toString();
        if (!id.isEmpty() && !applyPreset(id)) m_preset->setCurrentIndex(m_preset->findData(m_appliedPreset));
    });
    bar->addWidget(m_preset);
    m_processes = new QSpinBox(bar);
    m_processes->setRange(1, std::max(1, QThread::idealThreadCount()));
    m_processes->setPrefix(tr("Processes: "));
    m_processes->setAccessibleName(tr("Processes"));
    m_processes->setToolTip(tr("Train as this many processes on this machine: one distributed run (PyTorch's "
                               "c10d with Gloo), each process with its share of the cores and of every batch. A run "
                               "resumes with the number it started with."));
    bar->addWidget(m_processes);
    bar->addSeparator();
    for (QAction *a : {m_start, m_enqueue, m_pause, m_continue, m_stop})
        bar->addAction(a);
    bar->addSeparator();
    bar->addAction(m_estimateAction);
    bar->addAction(m_demo);

    m_form = new ConfigForm(this);
    connect(m_form, &ConfigForm::edited, this, [this] {
        m_formEdited = true;
        m_estimate->setText(tr("Changed since the last estimate."));
    });
    m_presetInfo = new QLabel(this);
    m_presetInfo->setWordWrap(true);
    m_estimate = new QLabel(tr("Estimate the duration before a long run (Ctrl+Shift+E)."), this);
    m_estimate->setWordWrap(true);
    m_estimate->setAccessibleName(tr("Estimate"));
    auto *left = new QWidget(this);
    auto *leftLayout = new QVBoxLayout(left);
    leftLayout->setContentsMargins(0, 0, 4, 0);
    leftLayout->addWidget(m_presetInfo);
    leftLayout->addWidget(m_form, 1);
    leftLayout->addWidget(m_estimate);
    left->setMinimumWidth(280);

    m_monitor = new RunMonitor(this);
    connect(m_monitor, &RunMonitor::resumeRequested, this, [this](const QString &dir) { resumeRun(dir); });
    m_history = new RunHistoryView(jobs(), this);
    connect(m_history, &RunHistoryView::cloneRequested, this, [this](const QJsonObject &config) {
        if (m_formEdited && ask(tr("Replace the form"), tr("Replace the configuration in the form with the run's?"),
                                tr("Replace")) != Yes)
            return;
        m_form->setConfig(config);
        m_formEdited = true;
        Q_EMIT statusMessage(tr("The run's configuration is in the form: change what you want and start."));
    });
    connect(m_history, &RunHistoryView::resumeRequested, this, [this](const QString &dir) {
        const auto status = project::RunFolder(dir).readStatus();
        if (status && status->state == QLatin1String("finished")) {
            // A finished run continues only with more epochs.
            bool ok = false;
            const int epochs = QInputDialog::getInt(
                this, tr("Extend the run"),
                tr("%1 finished its %2 epochs. Train it up to:").arg(QFileInfo(dir).fileName()).arg(status->epochs),
                status->epochs * 2, status->epochs + 1, 100000, 1, &ok);
            if (ok) resumeRun(dir, epochs);
            return;
        }
        resumeRun(dir);
    });
    connect(m_history, &RunHistoryView::statusMessage, this, &Page::statusMessage);
    auto *separator = new QAction(this);
    separator->setSeparator(true);
    m_actions << separator << m_history->actions();

    m_queueList = new QListWidget(this);
    m_queueList->setAccessibleName(tr("Queued runs"));
    auto *removeQueued = new QPushButton(tr("&Remove from queue"), this);
    connect(removeQueued, &QPushButton::clicked, this, [this] {
        const int row = m_queueList->currentRow();
        if (row < 0 || row >= m_queue.size()) return;
        m_queue.removeAt(row);
        saveQueue();
        refreshQueueList();
    });
    auto *queuePage = new QWidget(this);
    auto *queueLayout = new QVBoxLayout(queuePage);
    queueLayout->addWidget(new QLabel(tr("Runs start one after another, in this order."), queuePage));
    queueLayout->addWidget(m_queueList, 1);
    auto *startQueued = new QPushButton(tr("Start the &next run now"), this);
    startQueued->setToolTip(tr("After a stopped or crashed run the queue waits; this starts its next run"));
    connect(startQueued, &QPushButton::clicked, this, [this] {
        if (!m_worker || m_worker->isEnded()) startNextQueued();
    });
    auto *queueButtons = new QHBoxLayout;
    queueButtons->addWidget(startQueued);
    queueButtons->addWidget(removeQueued);
    queueButtons->addStretch(1);
    queueLayout->addLayout(queueButtons);

    m_tabs = new QTabWidget(this);
    m_tabs->addTab(m_monitor, tr("&Run"));
    m_tabs->addTab(queuePage, tr("&Queue"));
    m_tabs->addTab(m_history, tr("&History"));

    auto *split = new QSplitter(Qt::Horizontal, this);
    split->addWidget(left);
    split->addWidget(m_tabs);
    split->setStretchFactor(0, 0);
    split->setStretchFactor(1, 1);
    split->setSizes({330, 700});
    split->setChildrenCollapsible(false);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 0, 4, 4);
    layout->setSpacing(2);
    layout->addWidget(bar);
    layout->addWidget(split, 1);
}

// ---- project ---------------------------------------------------------------------------------------

QString TrainingPage::runsDir() const
{
    return m_projectFolder.isEmpty() ? QString() : QDir(m_projectFolder).filePath(QStringLiteral("runs"));
}

QString TrainingPage::stateDir() const
{
    return m_projectFolder.isEmpty() ? QString() : QDir(runsDir()).filePath(QStringLiteral(".workers"));
}

void TrainingPage::projectChanged()
{
    const QString folder = document()->project().folder;
    if (folder == m_projectFolder && !folder.isEmpty()) return;
    // A live run of the previous project stays attached (its monitor, Pause and Stop keep working,
    // and closing the window asks about it); an ended one is let go.
    if (m_worker && m_worker->isEnded()) {
        m_worker->disconnect(this);
        m_worker->deleteLater();
        m_worker = nullptr;
    }
    m_projectFolder = folder;
    m_queue.clear();
    QJsonObject config = m_form->config();
    ml::setConfigValue(config, QStringLiteral("dataset"), folder);
    if (document()->project().demo) {
        if (const ml::TrainPreset *quick = ml::findPreset(QStringLiteral("quick-demo")))
            config = ml::applyPreset(config, *quick);
        m_appliedPreset = QStringLiteral("quick-demo");
    }
    m_form->setConfig(config);
    if (document()->project().demo) m_form->teacherPicker()->useDemoTeacher();
    m_preset->setCurrentIndex(std::max(0, m_preset->findData(m_appliedPreset)));
    const ml::TrainPreset *preset = ml::findPreset(m_appliedPreset);
    m_presetInfo->setText(preset ? preset->description : QString());
    m_estimate->setText(tr("Estimate the duration before a long run (Ctrl+Shift+E)."));
    m_formEdited = false;
    m_history->setRunsFolder(runsDir());
    loadQueue();
    attachWorkers();
    updateActions();
}

void TrainingPage::attachWorkers()
{
    if (stateDir().isEmpty()) return;
    for (const QString &record : WorkerRun::records(stateDir())) {
        const QString name = QFileInfo(record).fileName();
        if (name == QLatin1String("queue.json") || name.endsWith(QLatin1String(".config.json"))) continue;
        auto run = WorkerRun::attach(record, this);
        if (!run) continue;
        WorkerRun *w = *run;
        if (m_worker && w->record().pid == m_worker->record().pid) { // the run already attached
            w->deleteLater();
            continue;
        }
        if (!w->isAlive() || m_worker) {
            // Ended while no window watched it: read what it wrote and settle it. Its run folder
            // tells the rest (the history shows it as interrupted and resumable).
            w->settle();
            if (w->isEnded()) {
                if (w->state() == WorkerRun::State::Died)
                    project::RunFolder(w->runDir())
                        .log(QStringLiteral("the training process ended while no window "
                                            "watched it: ") +
                             w->failure().detail);
                m_monitor->appendLog(tr("%1 ended while the window was closed (%2); the history shows it.")
                                         .arg(w->record().name, w->failure().detail.isEmpty()
                                                                    ? tr("finished or stopped")
                                                                    : w->failure().detail));
                w->discardFiles();
            }
            w->deleteLater();
            continue;
        }
        m_worker = w;
        m_monitor->beginRun(w->record().name, w->runDir());
        if (auto epochs = project::RunFolder(w->runDir()).readEpochs()) m_monitor->curves()->setHistory(*epochs);
        m_monitor->appendLog(tr("Re-attached to %1, which went on in the background.").arg(w->record().name));
        connectWorker();
    }
}

void TrainingPage::connectWorker()
{
    connect(m_worker, &WorkerRun::eventReceived, this, &TrainingPage::handleWorkerEvent);
    connect(m_worker, &WorkerRun::stateChanged, this, [this](WorkerRun::State s) {
        m_monitor->showState(s, m_worker);
        updateActions();
        updateBadge();
    });
    connect(m_worker, &WorkerRun::ended, this, [this](WorkerRun::State s) { onWorkerEnded(int(s)); });
}

// ---- starting runs ---------------------------------------------------------------------------------

TrainingPage::Answer TrainingPage::ask(const QString &title, const QString &text, const QString &yes,
                                       const QString &other) const
{
    if (m_ask) return m_ask(title, text, yes, other);
    QMessageBox box(QMessageBox::Question, title, text, QMessageBox::NoButton, const_cast<TrainingPage *>(this));
    QPushButton *y = box.addButton(yes, QMessageBox::AcceptRole);
    QPushButton *o = other.isEmpty() ? nullptr : box.addButton(other, QMessageBox::DestructiveRole);
    box.addButton(QMessageBox::Cancel);
    box.setDefaultButton(y);
    box.exec();
    if (box.clickedButton() == y) return Yes;
    if (o && box.clickedButton() == o) return Other;
    return Cancel;
}

bool TrainingPage::ensureProjectSaved()
{
    if (!document()->hasFolder()) {
        QMessageBox::information(this, tr("Save the project first"),
                                 tr("Training reads the project from disk: save it first (File ▸ Save as…)."));
        return false;
    }
    if (!document()->isDirty()) return true;
    if (ask(tr("Save the project"), tr("Training reads the project from disk. Save your changes and train?"),
            tr("Save and train")) != Yes)
        return false;
    if (auto ok = document()->save(); !ok) {
        QMessageBox::warning(this, tr("Not saved"), ok.error().message());
        return false;
    }
    return true;
}

std::optional<TrainingPage::QueuedRun> TrainingPage::runFromForm()
{
    if (!ensureProjectSaved()) return std::nullopt;
    const QString problem = m_form->validate();
    if (!problem.isEmpty()) {
        Q_EMIT statusMessage(tr("Not started: %1").arg(problem));
        return std::nullopt;
    }
    QJsonObject config = m_form->config();
    const QString strategy = ml::configValue(config, QStringLiteral("strategy")).toString();
    QString runDir = project::RunFolder::uniqueDir(runsDir(), strategy);
    // Queued runs have no folder yet: keep their names distinct too.
    for (int n = 2; std::any_of(m_queue.begin(), m_queue.end(), [&](const QueuedRun &q) { return q.runDir == runDir; });
         ++n)
        runDir = project::RunFolder::uniqueDir(runsDir(), strategy + QStringLiteral("-%1").arg(n));
    ml::setConfigValue(config, QStringLiteral("dataset"), m_projectFolder);
    ml::setConfigValue(config, QStringLiteral("runDir"), runDir);
    if (auto ok = ml::TrainConfig::fromJson(config); !ok) {
        Q_EMIT statusMessage(tr("Not started: %1").arg(ok.error().message()));
        return std::nullopt;
    }
    return QueuedRun{QFileInfo(runDir).fileName(), QStringLiteral("train"), runDir, config, 0, m_processes->value()};
}

bool TrainingPage::startTraining()
{
    auto run = runFromForm();
    if (!run) return false;
    if (m_worker && !m_worker->isEnded()) {
        m_queue.append(*run);
        saveQueue();
        refreshQueueList();
        Q_EMIT statusMessage(tr("Queued %1: it starts when the running training ends.").arg(run->name));
        return true;
    }
    return launch(*run);
}

bool TrainingPage::enqueueTraining()
{
    auto run = runFromForm();
    if (!run) return false;
    m_queue.append(*run);
    saveQueue();
    refreshQueueList();
    Q_EMIT statusMessage(tr("Queued %1 (%2 in the queue).").arg(run->name).arg(m_queue.size()));
    if (!m_worker || m_worker->isEnded()) startNextQueued();
    return true;
}

bool TrainingPage::resumeRun(const QString &runDir, int epochs)
{
    if (!project::RunFolder::isRun(runDir)) {
        Q_EMIT statusMessage(tr("%1 is not a run folder.").arg(runDir));
        return false;
    }
    if (m_worker && !m_worker->isEnded() && m_worker->runDir() == runDir) return false;
    // A distributed run continues with the number of processes it was trained with (config.json).
    int processes = 1;
    if (auto header = project::RunFolder(runDir).readHeader())
        processes = std::max(1, header->value(QStringLiteral("processes")).toInt(1));
    QueuedRun run{QFileInfo(runDir).fileName(), QStringLiteral("resume"), runDir, {}, epochs, processes};
    if (m_worker && !m_worker->isEnded()) {
        m_queue.append(run);
        saveQueue();
        refreshQueueList();
        Q_EMIT statusMessage(tr("Queued the resumption of %1.").arg(run.name));
        return true;
    }
    return launch(run);
}

bool TrainingPage::trainDemo()
{
    if (!document()->project().demo) {
        QMessageBox::information(this, tr("Train the demo"),
                                 tr("Open the demo project first (File ▸ Open demo project): the demo run trains on "
                                    "its data."));
        return false;
    }
    const ml::TrainPreset *quick = ml::findPreset(QStringLiteral("quick-demo"));
    QJsonObject config = ml::applyPreset(m_form->config(), *quick);
    m_form->setConfig(config);
    if (!m_form->teacherPicker()->useDemoTeacher()) {
        QMessageBox::information(this, tr("Train the demo"),
                                 tr("The demo teacher is not installed (packaging/install-deps.sh converts it from "
                                    "Debian's packages). Training the Balanced Softmax baseline instead."));
        config = ml::applyPreset(m_form->config(), *ml::findPreset(QStringLiteral("bsm-baseline")));
        config = ml::applyPreset(config, *quick);
        ml::setConfigValue(config, QStringLiteral("strategy"), QStringLiteral("bsm"));
        m_form->setConfig(config);
    }
    m_appliedPreset = quick->id;
    m_preset->setCurrentIndex(m_preset->findData(quick->id));
    m_formEdited = false;
    m_tabs->setCurrentWidget(m_monitor);
    return startTraining();
}

bool TrainingPage::launch(const QueuedRun &run)
{
    QStringList args{QStringLiteral("train")};
    if (run.kind == QLatin1String("resume")) {
        args << QStringLiteral("--resume") << run.runDir;
        if (run.epochs > 0) args << QStringLiteral("--epochs") << QString::number(run.epochs);
    } else {
        const QString configFile = QDir(stateDir()).filePath(run.name + QStringLiteral(".config.json"));
        if (auto ok = fileio::writeJson(configFile, run.config); !ok) {
            Q_EMIT statusMessage(tr("Not started: %1").arg(ok.error().message()));
            return false;
        }
        args << QStringLiteral("--config") << configFile;
    }
    if (run.processes > 1) args << QStringLiteral("--nproc") << QString::number(run.processes);
    args << QStringLiteral("--events");
    auto started = WorkerRun::launch(stateDir(), run.name, run.runDir, run.kind, worker::workerProgram(), args, this);
    if (!started) {
        m_monitor->appendLog(started.error().message());
        Q_EMIT statusMessage(tr("The training did not start: %1").arg(started.error().message()));
        return false;
    }
    if (m_worker) m_worker->deleteLater();
    m_worker = *started;
    m_monitor->beginRun(run.name, run.runDir);
    if (run.kind == QLatin1String("resume")) {
        // The curves continue from what the run already has.
        if (auto epochs = project::RunFolder(run.runDir).readEpochs()) m_monitor->curves()->setHistory(*epochs);
        m_monitor->appendLog(tr("Resuming %1 from its last checkpoint.").arg(run.name));
    }
    connectWorker();
    m_tabs->setCurrentWidget(m_monitor);
    Q_EMIT statusMessage(tr("Training %1 in a separate process.").arg(run.name));
    updateActions();
    return true;
}

void TrainingPage::startNextQueued()
{
    while (!m_queue.isEmpty()) {
        const QueuedRun next = m_queue.takeFirst();
        saveQueue();
        refreshQueueList();
        if (launch(next)) return;
    }
}

// ---- the running worker ----------------------------------------------------------------------------

void TrainingPage::handleWorkerEvent(const worker::Event &event)
{
    m_monitor->handleEvent(event);
    if (event.type != worker::EventType::Progress && event.type != worker::EventType::Epoch) return;
    updateBadge();
    // The history's live row: at most twice a second.
    if (!m_liveClock.isValid() || m_liveClock.elapsed() >= 500 || event.type == worker::EventType::Epoch) {
        m_liveClock.start();
        m_history->setLiveRun(m_worker->runDir(), m_monitor->stateText() + QStringLiteral(" · ") +
                                                      m_monitor->numbersText().section(QStringLiteral(" · "), 0, 0));
    }
}

void TrainingPage::onWorkerEnded(int state)
{
    WorkerRun *w = m_worker;
    if (!w) return;
    const QString runDir = w->runDir();
    if (state == int(WorkerRun::State::Died)) {
        // Nobody else will say it: record it in the run's log.
        project::RunFolder(runDir).log(QStringLiteral("the training process ended unexpectedly: ") +
                                       w->failure().detail);
    }
    w->discardFiles();
    QFile::remove(QFileInfo(w->record().recordFile).absolutePath() + QLatin1Char('/') + w->record().name +
                  QStringLiteral(".config.json"));
    m_history->setLiveRun({}, {});
    m_history->refresh();
    updateActions();
    updateBadge();
    Q_EMIT runEnded(state, runDir);
    if (state == int(WorkerRun::State::Finished) || state == int(WorkerRun::State::Failed))
        startNextQueued(); // a stopped or crashed run holds the queue until the user decides
}

void TrainingPage::pauseRun()
{
    if (m_worker && m_worker->state() == WorkerRun::State::Running) {
        m_worker->pause();
        m_monitor->appendLog(tr("Pausing after the current batch…"));
    }
}

void TrainingPage::continueRun()
{
    if (m_worker && m_worker->state() == WorkerRun::State::Paused) m_worker->resume();
}

void TrainingPage::stopRun()
{
    if (!m_worker || m_worker->isEnded()) return;
    m_worker->cancel();
    m_monitor->appendLog(tr("Stopping after the current batch…"));
}

void TrainingPage::updateActions()
{
    const bool live = m_worker && !m_worker->isEnded();
    const bool hasProject = !m_projectFolder.isEmpty();
    m_start->setEnabled(hasProject);
    m_enqueue->setEnabled(hasProject);
    m_estimateAction->setEnabled(hasProject && !m_estimator);
    m_pause->setEnabled(live && m_worker->state() == WorkerRun::State::Running);
    m_continue->setEnabled(live && m_worker->state() == WorkerRun::State::Paused);
    m_stop->setEnabled(live);
    m_demo->setEnabled(hasProject && document()->project().demo);
}

void TrainingPage::updateBadge()
{
    const bool live = m_worker && !m_worker->isEnded();
    if (!live || isActive()) {
        Q_EMIT navBadgeChanged({});
        return;
    }
    const double f = m_monitor->fraction();
    Q_EMIT navBadgeChanged(m_worker->state() == WorkerRun::State::Paused ? tr("paused")
                           : f >= 0                                      ? QStringLiteral("%1%").arg(int(f * 100))
                                                                         : tr("starting"));
}

// ---- queue -----------------------------------------------------------------------------------------

void TrainingPage::saveQueue() const
{
    if (stateDir().isEmpty()) return;
    const QString file = QDir(stateDir()).filePath(QStringLiteral("queue.json"));
    if (m_queue.isEmpty()) {
        QFile::remove(file);
        return;
    }
    QJsonArray runs;
    for (const QueuedRun &q : m_queue)
        runs.append(QJsonObject{{"name", q.name},
                                {"kind", q.kind},
                                {"runDir", q.runDir},
                                {"config", q.config},
                                {"epochs", q.epochs},
                                {"processes", q.processes}});
    (void)fileio::writeJson(file, QJsonObject{{"format", "fopro-queue"}, {"runs", runs}});
}

void TrainingPage::loadQueue()
{
    m_queue.clear();
    if (!stateDir().isEmpty()) {
        const auto json = fileio::readJsonObject(QDir(stateDir()).filePath(QStringLiteral("queue.json")));
        if (json)
            for (const QJsonValue &v : json->value(QStringLiteral("runs")).toArray()) {
                const QJsonObject o = v.toObject();
                m_queue.append(
                    QueuedRun{o.value(QStringLiteral("name")).toString(), o.value(QStringLiteral("kind")).toString(),
                              o.value(QStringLiteral("runDir")).toString(),
                              o.value(QStringLiteral("config")).toObject(), o.value(QStringLiteral("epochs")).toInt(),
                              std::max(1, o.value(QStringLiteral("processes")).toInt(1))});
            }
    }
    refreshQueueList();
}

void TrainingPage::refreshQueueList()
{
    m_queueList->clear();
    for (const QueuedRun &q : std::as_const(m_queue)) {
        const QString what = q.kind == QLatin1String("resume")
                                 ? tr("resume")
                                 : ml::configValue(q.config, QStringLiteral("strategy")).toString();
        m_queueList->addItem(q.processes > 1 ? tr("%1  (%2, %3 processes)").arg(q.name, what).arg(q.processes)
                                             : QStringLiteral("%1  (%2)").arg(q.name, what));
    }
    m_tabs->setTabText(1, m_queue.isEmpty() ? tr("&Queue") : tr("&Queue (%1)").arg(m_queue.size()));
}

// ---- presets and estimate --------------------------------------------------------------------------

bool TrainingPage::applyPreset(const QString &presetId)
{
    const ml::TrainPreset *preset = ml::findPreset(presetId);
    if (!preset) return false;
    if (m_formEdited &&
        ask(tr("Apply the preset"),
            tr("The form has changes. Apply \"%1\" over them? The settings it names are replaced.").arg(preset->name),
            tr("Apply")) != Yes)
        return false;
    m_form->setConfig(ml::applyPreset(m_form->config(), *preset));
    if (m_form->teacherPicker()->path().isEmpty() &&
        preset->values.value(QStringLiteral("strategy")).toString() != QLatin1String("bsm"))
        m_form->teacherPicker()->useDemoTeacher();
    m_appliedPreset = presetId;
    m_preset->setCurrentIndex(m_preset->findData(presetId));
    m_presetInfo->setText(preset->description);
    m_formEdited = false;
    return true;
}

void TrainingPage::estimate()
{
    if (m_estimator || m_projectFolder.isEmpty()) return;
    const QString problem = m_form->validate();
    if (!problem.isEmpty()) {
        m_estimate->setText(tr("Cannot estimate: %1").arg(problem));
        return;
    }
    QJsonObject config = m_form->config();
    ml::setConfigValue(config, QStringLiteral("dataset"), m_projectFolder);
    ml::setConfigValue(config, QStringLiteral("runDir"), QString());
    const QString file = QDir(stateDir()).filePath(QStringLiteral("estimate.config.json"));
    if (auto ok = fileio::writeJson(file, config); !ok) {
        m_estimate->setText(ok.error().message());
        return;
    }
    m_estimator = new QProcess(this);
    connect(m_estimator, &QProcess::finished, this, &TrainingPage::finishEstimate);
    connect(m_estimator, &QProcess::errorOccurred, this, [this](QProcess::ProcessError e) {
        if (e == QProcess::FailedToStart) finishEstimate();
    });
    m_estimate->setText(tr("Measuring a few training steps…"));
    m_estimator->start(worker::workerProgram(), {QStringLiteral("train"), QStringLiteral("--config"), file,
                                                 QStringLiteral("--estimate"), QStringLiteral("--json")});
    updateActions();
}

void TrainingPage::finishEstimate()
{
    QProcess *p = m_estimator;
    if (!p) return;
    m_estimator = nullptr;
    p->deleteLater();
    QFile::remove(QDir(stateDir()).filePath(QStringLiteral("estimate.config.json")));
    const QJsonObject o = QJsonDocument::fromJson(p->readAllStandardOutput()).object();
    if (p->exitStatus() != QProcess::NormalExit || p->exitCode() != 0 || o.isEmpty()) {
        const QString err = QString::fromUtf8(p->readAllStandardError()).trimmed();
        m_estimate->setText(tr("No estimate: %1").arg(err.isEmpty() ? p->errorString() : err.section('\n', -1)));
        updateActions();
        return;
    }
    const double seconds = o.value(QStringLiteral("estimatedSeconds")).toDouble(-1);
    const double disk = o.value(QStringLiteral("diskBytes")).toDouble(-1);
    const double perBatch = o.value(QStringLiteral("secondsPerBatch")).toDouble(-1);
    const QStorageInfo storage(runsDir().isEmpty() ? m_projectFolder : m_projectFolder);
    m_estimate->setText(tr("%1 · %2 on disk (%3 free) · %4 s per batch, measured")
                            .arg(aboutText(seconds), bytesText(disk), bytesText(double(storage.bytesAvailable())))
                            .arg(perBatch, 0, 'f', 2));
    updateActions();
}

QString TrainingPage::estimateText() const
{
    return m_estimate->text();
}

// ---- page ------------------------------------------------------------------------------------------

void TrainingPage::activate(const QVariantMap &arguments)
{
    Page::activate(arguments);
    updateBadge();
    if (arguments.contains(QStringLiteral("run"))) {
        m_monitor->showStoredRun(arguments.value(QStringLiteral("run")).toString());
        m_tabs->setCurrentWidget(m_monitor);
    }
    if (arguments.contains(QStringLiteral("clone"))) {
        // "Retrain with this configuration" (e.g. from the Results page after relabelling).
        const QString dir = arguments.value(QStringLiteral("clone")).toString();
        if (auto config = project::RunFolder(dir).readConfig()) {
            m_form->setConfig(*config);
            m_formEdited = true;
            Q_EMIT statusMessage(tr("The configuration of %1 is in the form: start it to retrain on the curated data.")
                                     .arg(QFileInfo(dir).fileName()));
        } else {
            Q_EMIT statusMessage(config.error().message());
        }
    }
    const QString tab = arguments.value(QStringLiteral("tab")).toString();
    if (tab == QLatin1String("run")) m_tabs->setCurrentIndex(0);
    if (tab == QLatin1String("queue")) m_tabs->setCurrentIndex(1);
    if (tab == QLatin1String("history")) m_tabs->setCurrentIndex(2);
    if (arguments.value(QStringLiteral("demo")).toBool()) trainDemo();
}

void TrainingPage::deactivate()
{
    Page::deactivate();
    updateBadge();
}

bool TrainingPage::isBusy() const
{
    return m_estimator || m_form->teacherPicker()->isInspecting() || m_history->isLoading();
}

bool TrainingPage::isSettled() const
{
    // A live run changes the page all the time; for a picture it has settled once two epochs show.
    const bool live = m_worker && !m_worker->isEnded();
    return !isBusy() && (!live || m_monitor->curves()->epochCount() >= 2);
}

bool TrainingPage::confirmClose()
{
    m_keepRunningOnClose = false;
    if (!m_worker || m_worker->isEnded()) return true;
    const Answer a = ask(tr("A training is running"),
                         tr("%1 is still training. Stop it (it can be resumed later), or let it finish in the "
                            "background? The next time you open this project, its progress shows here again.")
                             .arg(m_worker->record().name),
                         tr("Let it finish"), tr("Stop it"));
    if (a == Cancel) return false;
    m_keepRunningOnClose = a == Yes;
    return true;
}

void TrainingPage::prepareClose()
{
    if (!m_worker || m_worker->isEnded()) return;
    if (m_keepRunningOnClose) {
        m_worker->disconnect(this); // its record stays: the next session re-attaches
        return;
    }
    stopAndWait();
}

} // namespace fopro::ui
