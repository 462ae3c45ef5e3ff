// Worker mode of `fopro train --events` (workermode.h): the event stream, the command channel
// (stdin lines and signals through a self-pipe, handled on one thread) and the training run.

#include "app/cli/workermode.h"
#include "core/common/librarymessages.h"

#include "app/cli/clioutput.h"
#include "app/cli/trainrunner.h"
#include "core/jobs/jobmanager.h"
#include "core/ml/trainer.h"
#include "core/project/epochmetrics.h"

#include <QtCore/QDir>
#include <QtCore/QElapsedTimer>

#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <mutex>
#include <thread>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

namespace fopro::cli {

namespace {

// ---- the event stream -----------------------------------------------------------------------------

std::mutex g_writeMutex;
int g_eventFd = -1;
std::atomic<bool> g_broken{false};

/// Writes all of `bytes` to the event descriptor; false once the stream is gone.
bool writeAll(const QByteArray &bytes)
{
    std::lock_guard<std::mutex> lock(g_writeMutex);
    if (g_eventFd < 0 || g_broken.load()) return false;
    const char *data = bytes.constData();
    qsizetype left = bytes.size();
    while (left > 0) {
        const ssize_t n = ::write(g_eventFd, data, std::size_t(left));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            g_broken.store(true); // EPIPE (SIGPIPE is ignored) or any other failure: keep training silently
            return false;
        }
        data += n;
        left -= n;
    }
    return true;
}

// ---- commands: stdin lines and signals ------------------------------------------------------------------

int g_signalPipe[2] = {-1, -1}; // written by the signal handler, read by the CommandChannel's thread

extern "C" void onWorkerSignal(int signal)
{
    // Async-signal-safe only: one write to a non-blocking pipe; errno preserved.
    const int saved = errno;
    const unsigned char byte = static_cast<unsigned char>(signal);
    const ssize_t n = ::write(g_signalPipe[1], &byte, 1);
    (void)n;
    errno = saved;
}

constexpr int kSignals[] = {SIGUSR1, SIGUSR2, SIGTERM, SIGINT};
constexpr unsigned char kQuit = 0; // written by ~CommandChannel: its thread ends

/// The self-pipe and the handlers of kSignals, from begin() on (as early as the arguments are
/// known), so that a signal before the channel's thread runs waits in the pipe instead of killing.
void installSignalPipe()
{
    if (::pipe(g_signalPipe) != 0) {
        g_signalPipe[0] = g_signalPipe[1] = -1;
        return;
    }
    for (int fd : g_signalPipe)
        ::fcntl(fd, F_SETFD, FD_CLOEXEC);
    ::fcntl(g_signalPipe[1], F_SETFL, O_NONBLOCK);
    struct sigaction sa {};
    sa.sa_handler = onWorkerSignal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    for (int signal : kSignals)
        sigaction(signal, &sa, nullptr);
}

/// Applies commands to a JobControl on a thread of its own: lines on stdin and the signals of
/// kSignals (their handlers only write the signal's number to the pipe the thread polls).
class CommandChannel {
public:
    explicit CommandChannel(JobControl &control) : m_control(control)
    {
        if (g_signalPipe[0] >= 0) m_thread = std::thread([this] { loop(); });
    }

    ~CommandChannel()
    {
        if (!m_thread.joinable()) return;
        const ssize_t n = ::write(g_signalPipe[1], &kQuit, 1);
        (void)n;
        m_thread.join();
    }

    CommandChannel(const CommandChannel &) = delete;
    CommandChannel &operator=(const CommandChannel &) = delete;

private:
    void loop()
    {
        pollfd fds[2] = {{g_signalPipe[0], POLLIN, 0}, {STDIN_FILENO, POLLIN, 0}};
        QByteArray pending;
        for (;;) {
            if (::poll(fds, 2, -1) < 0) {
                if (errno == EINTR) continue;
                return;
            }
            if (fds[0].revents & POLLIN) {
                unsigned char bytes[32];
                const ssize_t n = ::read(g_signalPipe[0], bytes, sizeof bytes);
                for (ssize_t i = 0; i < n; ++i) {
                    if (bytes[i] == kQuit) return;
                    onSignal(bytes[i]);
                }
            }
            if (fds[1].revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL))
                if (!readCommands(pending)) fds[1].fd = -1; // end of input: nothing more to read, never a cancel
        }
    }

    /// Reads what stdin has and applies its complete lines; false at its end.
    bool readCommands(QByteArray &pending)
    {
        char buffer[512];
        const ssize_t n = ::read(STDIN_FILENO, buffer, sizeof buffer);
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) return true;
        if (n <= 0) return false;
        pending.append(buffer, qsizetype(n));
        for (qsizetype nl = pending.indexOf('\n'); nl >= 0; nl = pending.indexOf('\n')) {
            const QByteArray line = pending.left(nl).trimmed();
            pending.remove(0, nl + 1);
            if (line.isEmpty()) continue;
            const auto command = worker::decodeCommand(line);
            if (command)
                apply(*command);
            else
                std::fprintf(fopro::userErrorStream(), "fopro: ignoring %s\n", qPrintable(command.error().detail));
        }
        if (pending.size() > 4096) pending.clear(); // not a command stream
        return true;
    }

    void onSignal(int signal)
    {
        if (signal == SIGUSR1) apply(worker::Command::Pause);
        if (signal == SIGUSR2) apply(worker::Command::Resume);
        if (signal == SIGTERM || signal == SIGINT) apply(worker::Command::Cancel);
    }

    void apply(worker::Command command)
    {
        switch (command) {
        case worker::Command::Pause:
            if (m_control.isPaused() || m_control.isCancelled()) return;
            m_control.pause();
            WorkerEvents::send(worker::Event::log(QStringLiteral("paused")));
            break;
        case worker::Command::Resume:
            if (!m_control.isPaused()) return;
            m_control.resume();
            WorkerEvents::send(worker::Event::log(QStringLiteral("resumed")));
            break;
        case worker::Command::Cancel:
            if (m_control.isCancelled()) return;
            m_control.cancel();
            WorkerEvents::send(worker::Event::log(QStringLiteral("cancelling after the current batch")));
            break;
        }
    }

    JobControl &m_control;
    std::thread m_thread;
};

// ---- events of a training run --------------------------------------------------------------------------

/// The throttled progress of runBlocking as events: each new message also as a `log` event.
class ProgressEvents {
public:
    void update(const Progress &p)
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        const QString message = p.message.trimmed();
        if (!message.isEmpty() && message != m_lastMessage) {
            m_lastMessage = message;
            err() << message << Qt::endl;
            WorkerEvents::send(worker::Event::log(message));
        }
        WorkerEvents::send(worker::Event::ofProgress(p));
    }
    ProgressSink sink()
    {
        return [this](const Progress &p) { update(p); };
    }

private:
    std::mutex m_mutex;
    QString m_lastMessage;
};

/// The outcome of a finished run for people: duration, best epoch, the main evaluation.
QString outcomeText(const ml::TrainOutcome &o, double seconds)
{
    QString text = QStringLiteral("finished %1 epoch(s) in %2").arg(o.epochsDone).arg(formatDuration(seconds));
    if (o.bestEpoch > 0)
        text += QStringLiteral("; best epoch %1").arg(o.bestEpoch) +
                (std::isfinite(o.bestValBalancedAccuracy)
                     ? QStringLiteral(" (validation balanced accuracy %1)").arg(percent(o.bestValBalancedAccuracy))
                     : QStringLiteral(" (no validation split: the last epoch)"));
    text += QLatin1Char('\n');
    if (const ml::SplitEvaluation *e = o.mainEvaluation()) text += evaluationSummary(*e);
    return text;
}

} // namespace

// ---- WorkerEvents -----------------------------------------------------------------------------------------

void WorkerEvents::begin()
{
    if (active()) return;
    ::signal(SIGPIPE, SIG_IGN);
    out().flush();
    std::fflush(stdout);
    {
        std::lock_guard<std::mutex> lock(g_writeMutex);
        g_eventFd = ::fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
        if (g_eventFd < 0) g_broken.store(true);
        ::dup2(fopro::userErrorFd(), STDOUT_FILENO); // anything else written to stdout lands on stderr
    }
    installSignalPipe();
    setFailureHook([](const Error &error) { send(worker::Event::failed(error)); });
}

bool WorkerEvents::active()
{
    std::lock_guard<std::mutex> lock(g_writeMutex);
    return g_eventFd >= 0 || g_broken.load();
}

void WorkerEvents::send(const worker::Event &event)
{
    writeAll(worker::encode(event));
}

void WorkerEvents::writeLine(const QByteArray &line)
{
    writeAll(line.endsWith('\n') ? line : line + '\n');
}

void WorkerEvents::logLines(const QString &text)
{
    for (const QString &line : text.split(QLatin1Char('\n'), Qt::SkipEmptyParts))
        if (!line.trimmed().isEmpty()) send(worker::Event::log(line.trimmed()));
}

// ---- training ----------------------------------------------------------------------------------------------

int runWorkerTraining(const ml::TrainConfig *config, const QString &resumeDir, int epochs)
{
    WorkerEvents::begin();
    const QString runDir = config ? config->runDir : resumeDir;
    QElapsedTimer clock;
    clock.start();
    JobControl control;
    Result<ml::TrainOutcome> result = makeError(ErrorCode::Cancelled, {}, QStringLiteral("not started"));
    {
        CommandChannel commands(control); // signals that came earlier wait in the pipe and apply now
        WorkerEvents::send(worker::Event::started(runDir, qint64(::getpid())));
        const QString what = config ? describeConfig(*config) : QStringLiteral("Resuming    ") + runDir;
        if (distribution().writer()) {
            err() << what << Qt::endl;
            WorkerEvents::logLines(what);
        }
        ProgressEvents progress;
        const ml::EpochSink epochEnded = [](const ml::EpochRecord &r) {
            WorkerEvents::send(worker::Event::ofEpoch(r.epoch, project::epochMetrics(r)));
        };
        const auto job = config ? ml::trainJob(*config, epochEnded, distribution())
                                : ml::resumeJob(resumeDir, epochs, epochEnded, distribution());
        result = runBlocking(job, control, progress.sink(), QStringLiteral("training"));
    }
    const QString folder = QDir::toNativeSeparators(result.ok() && !result->runDir.isEmpty() ? result->runDir : runDir);
    const bool cancelled = (result.ok() && result->status == ml::TrainOutcome::Status::Cancelled) ||
                           (!result.ok() && result.error().code == ErrorCode::Cancelled);
    if (cancelled) {
        const QString text =
            QStringLiteral("cancelled after %1 finished epoch(s); resume with: fopro train --resume %2")
                .arg(result.ok() ? result->epochsDone : 0)
                .arg(shellQuote(folder));
        err() << text << Qt::endl;
        WorkerEvents::send(worker::Event::log(text));
        WorkerEvents::send(worker::Event::finished(QStringLiteral("cancelled"), folder));
        return kCancelledExitCode;
    }
    if (!result) return fail(result.error()); // the failure hook sends the error event
    const QString text = outcomeText(*result, clock.elapsed() / 1000.0) + QStringLiteral("run folder ") + folder;
    if (distribution().writer()) err() << text << Qt::endl;
    WorkerEvents::logLines(text);
    WorkerEvents::send(worker::Event::finished(QStringLiteral("finished"), folder));
    return 0;
}

} // namespace fopro::cli
