#include "ui/training/runmonitor.h"

#include "core/project/runfolder.h"
#include "ui/training/livecurves.h"

#include <QtWidgets/QHBoxLayout>
#include <QtWidgets/QLabel>
#include <QtWidgets/QPlainTextEdit>
#include <QtWidgets/QProgressBar>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QSplitter>
#include <QtWidgets/QVBoxLayout>

#include <cmath>

namespace fopro::ui {

QString durationText(double seconds)
{
    if (!std::isfinite(seconds) || seconds < 0) return QStringLiteral("–");
    const qint64 s = qint64(std::llround(seconds));
    if (s < 60) return QObject::tr("%1 s").arg(s);
    if (s < 3600) return QObject::tr("%1 min %2 s").arg(s / 60).arg(s % 60, 2, 10, QLatin1Char('0'));
    return QObject::tr("%1 h %2 min").arg(s / 3600).arg((s % 3600) / 60, 2, 10, QLatin1Char('0'));
}

RunMonitor::RunMonitor(QWidget *parent) : QWidget(parent)
{
    m_title = new QLabel(tr("No run yet"), this);
    QFont bold = m_title->font();
    bold.setBold(true);
    m_title->setFont(bold);
    m_title->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_state = new QLabel(this);
    m_progress = new QProgressBar(this);
    m_progress->setRange(0, 1000);
    m_progress->setTextVisible(false);
    m_progress->setMaximumHeight(10);
    m_progress->setAccessibleName(tr("Run progress"));
    m_numbers = new QLabel(this);
    m_numbers->setAccessibleName(tr("Run numbers"));

    m_banner = new QWidget(this);
    auto *bannerLayout = new QHBoxLayout(m_banner);
    bannerLayout->setContentsMargins(6, 4, 6, 4);
    m_bannerText = new QLabel(m_banner);
    m_bannerText->setWordWrap(true);
    m_bannerText->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_resume = new QPushButton(tr("&Resume this run"), m_banner);
    m_resume->setToolTip(tr("Continue from the last finished epoch (its checkpoint)"));
    bannerLayout->addWidget(m_bannerText, 1);
    bannerLayout->addWidget(m_resume, 0, Qt::AlignTop);
    m_banner->setAutoFillBackground(true);
    m_banner->hide();
    connect(m_resume, &QPushButton::clicked, this, [this] { Q_EMIT resumeRequested(m_runDir); });

    m_curves = new LiveCurves(this);
    m_log = new QPlainTextEdit(this);
    m_log->setReadOnly(true);
    m_log->setMaximumBlockCount(5000);
    m_log->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_log->setAccessibleName(tr("Run log"));
    m_log->setPlaceholderText(tr("The run's log: what the training process reports, line by line."));
    m_log->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));

    auto *head = new QHBoxLayout;
    head->addWidget(m_title, 1);
    head->addWidget(m_state);
    auto *split = new QSplitter(Qt::Vertical, this);
    split->addWidget(m_curves);
    split->addWidget(m_log);
    split->setStretchFactor(0, 4);
    split->setStretchFactor(1, 1);
    split->setChildrenCollapsible(false);
    m_log->setMinimumHeight(60);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->setSpacing(3);
    layout->addLayout(head);
    layout->addWidget(m_progress);
    layout->addWidget(m_numbers);
    layout->addWidget(m_banner);
    layout->addWidget(split, 1);
}

void RunMonitor::beginRun(const QString &title, const QString &runDir)
{
    m_runDir = runDir;
    m_title->setText(title);
    m_state->setText(tr("starting"));
    m_numbers->setText(tr("Starting the training process…"));
    m_progress->setRange(0, 0); // busy until the first progress
    m_fraction = -1;
    m_banner->hide();
    m_curves->clear();
    m_log->clear();
}

void RunMonitor::showStoredRun(const QString &runDir)
{
    m_runDir = runDir;
    project::RunFolder run(runDir);
    m_title->setText(run.name());
    const auto status = run.readStatus();
    m_state->setText(status ? status->state : tr("unknown"));
    m_numbers->setText(status ? tr("Epoch %1/%2").arg(status->epochsDone).arg(status->epochs) : QString());
    m_progress->setRange(0, 1000);
    m_fraction = status && status->epochs > 0 ? double(status->epochsDone) / status->epochs : -1;
    m_progress->setValue(m_fraction >= 0 ? int(m_fraction * 1000) : 0);
    m_banner->hide();
    if (auto epochs = run.readEpochs()) m_curves->setHistory(*epochs);
    const auto log = run.readLog();
    m_log->setPlainText(log ? *log : QString());
    m_log->moveCursor(QTextCursor::End);
}

void RunMonitor::handleEvent(const worker::Event &event)
{
    using worker::EventType;
    switch (event.type) {
    case EventType::Started:
        if (!event.text.isEmpty()) m_runDir = event.text;
        m_state->setText(tr("running"));
        break;
    case EventType::Progress: {
        const Progress &p = event.progress;
        m_curves->addProgress(p);
        QStringList parts;
        if (p.phase == QLatin1String("training") && p.stages > 0) {
            parts << tr("Epoch %1/%2").arg(p.stage + 1).arg(p.stages);
            if (p.total > 0) parts << tr("batch %1/%2").arg(p.done).arg(p.total);
            m_fraction = (p.stage + (p.total > 0 ? double(p.done) / p.total : 0.0)) / p.stages;
        } else {
            parts << (p.message.isEmpty() ? p.phase : p.phase + QStringLiteral(": ") + p.message);
            if (p.total > 0) parts << QStringLiteral("%1/%2").arg(p.done).arg(p.total);
        }
        if (p.rate > 0) parts << tr("%1 images/s").arg(p.rate, 0, 'f', p.rate < 10 ? 1 : 0);
        if (p.etaSeconds >= 0) parts << tr("%1 left").arg(durationText(p.etaSeconds));
        m_numbers->setText(parts.join(QStringLiteral(" · ")));
        m_progress->setRange(0, 1000);
        if (m_fraction >= 0) m_progress->setValue(int(m_fraction * 1000));
        break;
    }
    case EventType::Epoch:
        m_curves->addEpoch(event.epoch, event.metrics);
        break;
    case EventType::Log:
        appendLog(event.text);
        break;
    case EventType::Error:
        appendLog(tr("Error: %1").arg(event.error.message()));
        break;
    case EventType::Finished:
        break;
    }
}

void RunMonitor::showState(worker::WorkerRun::State state, const worker::WorkerRun *run)
{
    using State = worker::WorkerRun::State;
    switch (state) {
    case State::Running:
        m_state->setText(tr("running"));
        m_banner->hide();
        break;
    case State::Paused:
        m_state->setText(tr("paused"));
        showBanner(tr("Paused after the current batch. Continue picks up where it stopped."), false, false);
        break;
    case State::Finished:
        m_state->setText(tr("finished"));
        m_fraction = 1;
        m_progress->setRange(0, 1000);
        m_progress->setValue(1000);
        showBanner(tr("Finished. The run's results are in its folder and in the run history."), false, false);
        break;
    case State::Cancelled:
        m_state->setText(tr("stopped"));
        m_progress->setRange(0, 1000);
        showBanner(tr("Stopped. Resume continues from the last finished epoch."), false, true);
        break;
    case State::Failed:
    case State::Died: {
        m_state->setText(state == State::Failed ? tr("failed") : tr("crashed"));
        m_progress->setRange(0, 1000);
        QString text = state == State::Failed ? tr("The run failed: %1").arg(run->failure().message())
                                              : tr("The training process ended unexpectedly (crashed, killed or "
                                                   "out of memory).");
        const QStringList lines = run ? run->lastLogLines(4) : QStringList();
        if (!lines.isEmpty()) text += QStringLiteral("\n") + tr("Last log lines:\n%1").arg(lines.join('\n'));
        const QStringList err = run ? run->stderrTail(4) : QStringList();
        if (!err.isEmpty()) text += QStringLiteral("\n") + tr("Error output:\n%1").arg(err.join('\n'));
        showBanner(text, true, true);
        for (const QString &line : err)
            appendLog(QStringLiteral("stderr: ") + line);
        break;
    }
    }
}

void RunMonitor::appendLog(const QString &line)
{
    m_log->appendPlainText(line);
}

void RunMonitor::showBanner(const QString &text, bool error, bool resumable)
{
    m_bannerText->setText(text);
    QPalette pal = m_banner->palette();
    const bool dark = pal.color(QPalette::Window).lightness() < 128;
    pal.setColor(QPalette::Window, error ? (dark ? QColor(0x5c, 0x1f, 0x1f) : QColor(0xfd, 0xe7, 0xe9))
                                         : (dark ? QColor(0x1f, 0x3a, 0x5c) : QColor(0xe6, 0xf0, 0xfb)));
    m_banner->setPalette(pal);
    m_resume->setVisible(resumable);
    m_banner->show();
}

QString RunMonitor::numbersText() const
{
    return m_numbers->text();
}

QString RunMonitor::stateText() const
{
    return m_state->text();
}

QString RunMonitor::bannerText() const
{
    return m_banner->isHidden() ? QString() : m_bannerText->text();
}

int RunMonitor::logLineCount() const
{
    return m_log->document()->blockCount();
}

} // namespace fopro::ui
