#pragma once
// The Training page: configure a run (a form from the configuration registry, presets, the teacher
// picker, an estimate from a measured dry run), run it in a separate worker process (a queue,
// pause, continue, stop within one batch, resume of stopped or crashed runs, re-attaching to a run
// that went on while the window was closed), watch it (live curves, the log) and keep every run of
// the project in a history that compares runs.
//
// Runs are written to <project>/runs/<name>; the worker's records, output and the queue live in
// <project>/runs/.workers/ (core/jobs/workerrun.h).
//
// Arguments (navigate("training", ...)): "run" (string) shows that run folder; "clone" (string)
// puts that run's configuration in the form; "tab" (string: run, queue, history) selects a tab;
// "demo" (bool) starts the quick demo run.

#include "core/jobs/workerrun.h"
#include "ui/shell/page.h"

#include <QtCore/QElapsedTimer>
#include <QtCore/QJsonObject>
#include <QtCore/QPointer>

#include <functional>
#include <optional>

class QAction;
class QComboBox;
class QSpinBox;
class QLabel;
class QListWidget;
class QProcess;
class QTabWidget;

namespace fopro::ui {

class ConfigForm;
class RunHistoryView;
class RunMonitor;

class TrainingPage : public Page {
    Q_OBJECT
public:
    /// A run waiting in the queue.
    struct QueuedRun {
        QString name;       ///< the run folder's name
        QString kind;       ///< "train" or "resume"
        QString runDir;     ///< absolute
        QJsonObject config; ///< train: the whole configuration
        int epochs = 0;     ///< resume: the new number of epochs (0 = keep)
        int processes = 1;  ///< local processes of one distributed run (`fopro train --nproc`)
    };
    /// How a question was answered (the injectable dialogs of tests return these).
    enum Answer { Cancel = 0, Yes = 1, Other = 2 };
    using AskFunction =
        std::function<Answer(const QString &title, const QString &text, const QString &yes, const QString &other)>;

    explicit TrainingPage(const PageContext &context, QWidget *parent = nullptr);
    ~TrainingPage() override;

    QString pageId() const override { return QStringLiteral("training"); }
    QString title() const override;
    QIcon icon() const override;
    QList<QAction *> pageActions() const override { return m_actions; }
    void activate(const QVariantMap &arguments) override;
    void deactivate() override;
    bool isBusy() const override;
    bool isSettled() const override;
    bool confirmClose() override;
    void prepareClose() override;

    // --- commands (the actions call these; tests too) -----------------------------------------
    /// Starts the form's configuration now, or queues it behind the running one.
    bool startTraining();
    /// Queues the form's configuration.
    bool enqueueTraining();
    void pauseRun();
    void continueRun();
    /// Stops the running worker after its current batch (resumable).
    void stopRun();
    /// Resumes a stopped, crashed or finished run (`epochs` > 0 extends it).
    bool resumeRun(const QString &runDir, int epochs = 0);
    /// Applies the quick-demo preset with the demo teacher and starts it.
    bool trainDemo();
    /// Lays a preset over the form (asks first when the form was edited since the last preset).
    bool applyPreset(const QString &presetId);
    /// Starts the dry run that estimates the duration and disk space of the form's configuration.
    void estimate();

    // --- state ----------------------------------------------------------------------------------
    ConfigForm *form() const { return m_form; }
    RunMonitor *monitor() const { return m_monitor; }
    RunHistoryView *history() const { return m_history; }
    QTabWidget *tabs() const { return m_tabs; }
    worker::WorkerRun *activeRun() const { return m_worker; }
    const QList<QueuedRun> &queue() const { return m_queue; }
    QString estimateText() const;
    QString runsDir() const;
    QString stateDir() const;
    /// Replaces the dialogs (tests).
    void setAsk(AskFunction ask) { m_ask = std::move(ask); }

Q_SIGNALS:
    /// A worker run ended (Finished, Cancelled, Failed or Died: worker::WorkerRun::State).
    void runEnded(int state, const QString &runDir);

private:
    void buildActions();
    void buildLayout();
    void projectChanged();
    void attachWorkers();
    bool launch(const QueuedRun &run);
    void startNextQueued();
    void connectWorker();
    /// Stops the live worker after its batch and waits for the process to end (killing it after
    /// 20 s), then removes its files.
    void stopAndWait();
    void handleWorkerEvent(const worker::Event &event);
    void onWorkerEnded(int state);
    void updateActions();
    void updateBadge();
    void saveQueue() const;
    void loadQueue();
    void refreshQueueList();
    std::optional<QueuedRun> runFromForm();
    bool ensureProjectSaved();
    Answer ask(const QString &title, const QString &text, const QString &yes, const QString &other = {}) const;
    void finishEstimate();

    ConfigForm *m_form;
    QComboBox *m_preset;
    QSpinBox *m_processes; ///< processes of the next run started from the form
    QLabel *m_presetInfo;
    QLabel *m_estimate;
    RunMonitor *m_monitor;
    RunHistoryView *m_history;
    QListWidget *m_queueList;
    QTabWidget *m_tabs;
    QList<QAction *> m_actions;
    QAction *m_start = nullptr, *m_enqueue = nullptr, *m_pause = nullptr, *m_continue = nullptr, *m_stop = nullptr,
            *m_demo = nullptr, *m_estimateAction = nullptr;
    QPointer<worker::WorkerRun> m_worker;
    QList<QueuedRun> m_queue;
    QString m_projectFolder;
    bool m_formEdited = false;
    QString m_appliedPreset;
    QProcess *m_estimator = nullptr;
    AskFunction m_ask;
    bool m_keepRunningOnClose = false;
    QElapsedTimer m_liveClock;
};

} // namespace fopro::ui
