#include "core/common/librarymessages.h"

#include <QtCore/QDateTime>
#include <QtCore/QDir>
#include <QtCore/QFileInfo>
#include <QtCore/QStandardPaths>
#include <QtCore/QtGlobal>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>
#include <thread>

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

namespace fopro {

namespace {

std::atomic<int> g_userFd{STDERR_FILENO};
std::atomic<FILE *> g_userStream{nullptr};
std::thread *g_reader = nullptr;
std::atomic<bool> g_stop{false};
constexpr qint64 kRotateBytes = 2 * 1024 * 1024; // fopro.log → fopro.log.1 beyond this at start

void writeAll(int fd, const char *data, size_t size)
{
    while (size > 0) {
        const ssize_t n = ::write(fd, data, size);
        if (n <= 0) return;
        data += n;
        size -= size_t(n);
    }
}

/// Reads the pipe until every writer closed it; one log line per message line.
void pump(int readFd, int logFd, std::string prefix, bool echo, int userFd)
{
    std::string pending;
    char buf[4096];
    auto emit = [&](const std::string &line) {
        if (line.empty()) return;
        const std::string stamp =
            QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs).toStdString() + " " + prefix + line + "\n";
        if (logFd >= 0) writeAll(logFd, stamp.data(), stamp.size());
        if (echo) {
            const std::string shown = "fopro: library: " + line + "\n";
            writeAll(userFd, shown.data(), shown.size());
        }
    };
    for (;;) {
        // Wait at most 100 ms at a time: at exit the pipe may never report its end (a child
        // process, or a descriptor duplicated from 2, can still hold its write end), so the thread
        // also stops once asked to and nothing is left to read.
        pollfd p{readFd, POLLIN, 0};
        const int ready = ::poll(&p, 1, 100);
        if (ready < 0 && errno == EINTR) continue;
        if (ready == 0) {
            if (g_stop.load()) break;
            continue;
        }
        const ssize_t n = ::read(readFd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        pending.append(buf, size_t(n));
        size_t start = 0;
        for (size_t nl; (nl = pending.find('\n', start)) != std::string::npos; start = nl + 1)
            emit(pending.substr(start, nl - start));
        pending.erase(0, start);
    }
    emit(pending);
    ::close(readFd);
    if (logFd >= 0) ::close(logFd);
}

/// At exit: close the pipe's write end (fd 2 now points at /dev/null) and let the thread finish.
void drain()
{
    if (!g_reader) return;
    std::fflush(nullptr);
    const int devnull = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (devnull >= 0) {
        ::dup2(devnull, STDERR_FILENO);
        ::close(devnull);
    } else {
        ::close(STDERR_FILENO);
    }
    g_stop = true;
    g_reader->join();
    delete g_reader;
    g_reader = nullptr;
}

std::terminate_handler g_previousTerminate = nullptr;

/// An escaping exception is the tool's own failure: its message goes to the user, not the log.
[[noreturn]] void onTerminate()
{
    std::string message = "fopro: fatal: ";
    if (auto e = std::current_exception()) {
        try {
            std::rethrow_exception(e);
        } catch (const std::exception &ex) {
            message += std::string("uncaught exception: ") + ex.what();
        } catch (...) {
            message += "uncaught exception of unknown type";
        }
    } else {
        message += "terminate called";
    }
    message += "\n";
    writeAll(g_userFd.load(), message.data(), message.size());
    if (g_previousTerminate) g_previousTerminate();
    std::abort();
}

void qtMessages(QtMsgType type, const QMessageLogContext &, const QString &text)
{
    // Qt's own warnings belong to the log like the other libraries'; fatal ones still abort.
    const QByteArray line = (type == QtFatalMsg ? "Qt fatal: " : "Qt: ") + text.toLocal8Bit() + '\n';
    writeAll(STDERR_FILENO, line.constData(), size_t(line.size()));
    if (type == QtFatalMsg) {
        writeAll(g_userFd.load(), line.constData(), size_t(line.size()));
        std::abort();
    }
}

} // namespace

QString libraryLogFile()
{
    const QString set = qEnvironmentVariable("FOPRO_LOG");
    if (!set.isEmpty()) return set;
    QString state = qEnvironmentVariable("XDG_STATE_HOME");
    if (state.isEmpty()) state = QDir::homePath() + QStringLiteral("/.local/state");
    return state + QStringLiteral("/fopro/fopro.log");
}

bool routeLibraryMessages(const QString &program, bool echo)
{
#if defined(__GLIBC__)
    if (g_reader) return true;
    const QString logPath = libraryLogFile();
    QDir().mkpath(QFileInfo(logPath).absolutePath());
    if (QFileInfo(logPath).size() > kRotateBytes) {
        QFile::remove(logPath + QStringLiteral(".1"));
        QFile::rename(logPath, logPath + QStringLiteral(".1"));
    }
    const int logFd = ::open(QFile::encodeName(logPath).constData(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
        if (logFd >= 0) ::close(logFd);
        return false;
    }
    const int user = ::fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
    FILE *userStream = user >= 0 ? ::fdopen(user, "w") : nullptr;
    if (!userStream) {
        if (user >= 0) ::close(user);
        ::close(fds[0]);
        ::close(fds[1]);
        if (logFd >= 0) ::close(logFd);
        return false;
    }
    std::setvbuf(userStream, nullptr, _IONBF, 0); // as stderr: unbuffered
    std::fflush(stderr);
    // Child processes (the worker started by the desktop application) inherit fd 2 as it was:
    // dup2 clears FD_CLOEXEC on the new descriptor.
    ::dup2(fds[1], STDERR_FILENO);
    ::close(fds[1]);
    // The C `stderr` stream stays on descriptor 2, now the pipe: libpng and libjpeg print with
    // fprintf(stderr, ...), so their lines go to the log too. The tool writes to userErrorStream().
    g_userStream = userStream;
    g_userFd = user;
    g_reader = new std::thread(pump, fds[0], logFd, "[" + program.toStdString() + "] ", echo, user);
    std::atexit(drain);
    g_previousTerminate = std::set_terminate(onTerminate);
    qInstallMessageHandler(qtMessages);
    return true;
#else
    Q_UNUSED(program);
    Q_UNUSED(echo);
    return false;
#endif
}

int userErrorFd()
{
    return g_userFd.load();
}

FILE *userErrorStream()
{
    FILE *f = g_userStream.load();
    return f ? f : stderr;
}

} // namespace fopro
