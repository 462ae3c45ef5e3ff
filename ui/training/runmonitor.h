#pragma once
// What the Training page shows of the run in progress (or the last one): its name and state, a
// progress bar with epoch, batch, images per second and time left, a banner when it stopped or
// failed (with the last log lines and a Resume button), the live curves and the log.
// Fed by a WorkerRun's events; it never talks to the worker itself.

#include "core/jobs/workerprotocol.h"
#include "core/jobs/workerrun.h"

#include <QtWidgets/QWidget>

class QLabel;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QSplitter;

namespace fopro::ui {

class LiveCurves;

class RunMonitor : public QWidget {
    Q_OBJECT
public:
    explicit RunMonitor(QWidget *parent = nullptr);

    /// A new run starts (or is attached): clears everything and shows `title`.
    void beginRun(const QString &title, const QString &runDir);
    /// Shows a run that is not live (from its folder): its epochs, state and log.
    void showStoredRun(const QString &runDir);
    void handleEvent(const worker::Event &event);
    /// The run's state changed (paused, ended, ...).
    void showState(worker::WorkerRun::State state, const worker::WorkerRun *run);
    void appendLog(const QString &line);

    LiveCurves *curves() const { return m_curves; }
    QString runDir() const { return m_runDir; }
    /// "Epoch 2/5 · batch 31/40 · 512 images/s · 1 min 20 s left"
    QString numbersText() const;
    QString stateText() const;
    /// The progress of the whole run in [0, 1], -1 when unknown.
    double fraction() const { return m_fraction; }
    QPushButton *resumeButton() const { return m_resume; }
    QString bannerText() const;
    int logLineCount() const;

Q_SIGNALS:
    void resumeRequested(const QString &runDir);

private:
    void showBanner(const QString &text, bool error, bool resumable);

    QLabel *m_title;
    QLabel *m_state;
    QProgressBar *m_progress;
    QLabel *m_numbers;
    QWidget *m_banner;
    QLabel *m_bannerText;
    QPushButton *m_resume;
    LiveCurves *m_curves;
    QPlainTextEdit *m_log;
    QString m_runDir;
    double m_fraction = -1;
};

/// "42 s", "3 min 05 s", "1 h 02 min".
QString durationText(double seconds);

} // namespace fopro::ui
