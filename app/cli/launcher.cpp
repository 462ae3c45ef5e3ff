// The local launcher of a distributed run (launcher.h): fork/exec of the ranks, a poll loop over the
// supervisor's signals (through a self-pipe), its stdin commands (worker mode) and the ranks' exits.
// Written with POSIX calls rather than QProcess because the ranks need their own process group, a
// parent-death signal and rank 0's standard output passed through untouched.

#include "app/cli/launcher.h"

#include "app/cli/cliargs.h"
#include "app/cli/clioutput.h"
#include "app/cli/trainrunner.h"
#include "core/common/librarymessages.h"
#include "core/jobs/workerprotocol.h"

#include <QtCore/QByteArray>
#include <QtCore/QCoreApplication>
#include <QtCore/QElapsedTimer>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

namespace fopro::cli {

namespace {

int g_pipe[2] = {-1, -1};

extern "C" void onSupervisorSignal(int signal)
{
    const int saved = errno;
    const unsigned char byte = static_cast<unsigned char>(signal);
    const ssize_t n = ::write(g_pipe[1], &byte, 1);
    (void)n;
    errno = saved;
}

/// A TCP port on 127.0.0.1 that was free a moment ago (the kernel's choice for port 0).
int freePort()
{
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return 29500;
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    socklen_t len = sizeof a;
    int port = 29500;
    if (::bind(fd, reinterpret_cast<sockaddr *>(&a), sizeof a) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr *>(&a), &len) == 0)
        port = ntohs(a.sin_port);
    ::close(fd);
    return port;
}

struct Rank {
    int rank = 0;
    pid_t pid = -1;
    bool running = false;
    int exitCode = -1; ///< when it exited
    int signal = 0;    ///< when a signal ended it
};

QString describeEnd(const Rank &r)
{
    if (r.signal)
        return QStringLiteral("was killed by signal %1 (%2)")
            .arg(r.signal)
            .arg(QString::fromLatin1(strsignal(r.signal)));
    if (r.exitCode == 130) return QStringLiteral("was cancelled");
    return QStringLiteral("exited with code %1").arg(r.exitCode);
}

bool endedBadly(const Rank &r)
{
    return r.signal != 0 || (r.exitCode != 0 && r.exitCode != 130);
}

pid_t startRank(const std::vector<std::string> &argv, int rank, const LaunchOptions &o, int port, int userErrorFd)
{
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid != 0) return pid;
    // The child: its own process group (a Ctrl-C on the terminal reaches the supervisor only),
    // ended with the supervisor, its environment and streams set, then the same program.
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) ::_exit(1); // the supervisor is already gone
    struct sigaction sa {};
    sa.sa_handler = SIG_DFL;
    for (int s : {SIGINT, SIGTERM, SIGUSR1, SIGUSR2, SIGPIPE})
        ::sigaction(s, &sa, nullptr);
    // The supervisor's own stderr carries only the libraries' messages (to its log); the ranks
    // write to the terminal (or pipe) the user sees, where their own library routing starts again.
    if (userErrorFd >= 0) ::dup2(userErrorFd, 2);
    const int null = ::open("/dev/null", O_RDWR);
    if (null >= 0) {
        ::dup2(null, 0);                           // commands reach the ranks as signals from the supervisor
        if (rank > 0 && o.events) ::dup2(null, 1); // rank 0's events are the run's
    }
    const auto set = [](const char *name, const std::string &value) { ::setenv(name, value.c_str(), 1); };
    set("MASTER_ADDR", "127.0.0.1");
    set("MASTER_PORT", std::to_string(port));
    set("WORLD_SIZE", std::to_string(o.processes));
    set("RANK", std::to_string(rank));
    set("LOCAL_RANK", std::to_string(rank));
    set("LOCAL_WORLD_SIZE", std::to_string(o.processes));
    set("FOPRO_DIST_TIMEOUT", std::to_string(o.timeoutSeconds));
    std::vector<char *> args;
    for (const std::string &a : argv)
        args.push_back(const_cast<char *>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args.front(), args.data());
    const char message[] = "fopro: cannot start a rank\n";
    const ssize_t n = ::write(2, message, sizeof message - 1);
    (void)n;
    ::_exit(127);
}

/// `arguments` without --nproc and its value (for the ranks the supervisor starts).
QStringList withoutNproc(const QStringList &arguments)
{
    QStringList out;
    for (int i = 0; i < arguments.size(); ++i) {
        const QString &a = arguments[i];
        if (a == QLatin1String("--nproc") || a == QLatin1String("-nproc")) {
            ++i;
            continue;
        }
        if (a.startsWith(QLatin1String("--nproc=")) || a.startsWith(QLatin1String("-nproc="))) continue;
        out << a;
    }
    return out;
}

void signalAll(std::vector<Rank> &ranks, int signal)
{
    for (const Rank &r : ranks)
        if (r.running) ::kill(r.pid, signal);
}

} // namespace

int superviseLocalRanks(const QStringList &arguments, const LaunchOptions &o)
{
    if (::pipe(g_pipe) != 0)
        return fail(QStringLiteral("--nproc: cannot create a pipe: %1").arg(QString::fromLocal8Bit(strerror(errno))));
    for (int fd : g_pipe)
        ::fcntl(fd, F_SETFD, FD_CLOEXEC);
    ::fcntl(g_pipe[1], F_SETFL, O_NONBLOCK);
    struct sigaction sa {};
    sa.sa_handler = onSupervisorSignal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    for (int s : {SIGINT, SIGTERM, SIGUSR1, SIGUSR2, SIGCHLD})
        ::sigaction(s, &sa, nullptr);
    ::signal(SIGPIPE, SIG_IGN);

    std::vector<std::string> argv{QCoreApplication::applicationFilePath().toStdString()};
    for (const QString &a : arguments)
        argv.push_back(a.toStdString());
    const int port = freePort();
    std::vector<Rank> ranks(static_cast<size_t>(o.processes));
    QStringList started;
    for (int r = 0; r < o.processes; ++r) {
        ranks[size_t(r)].rank = r;
        ranks[size_t(r)].pid = startRank(argv, r, o, port, fopro::userErrorFd());
        if (ranks[size_t(r)].pid < 0) {
            signalAll(ranks, SIGKILL);
            return fail(QStringLiteral("--nproc: cannot start rank %1: %2")
                            .arg(r)
                            .arg(QString::fromLocal8Bit(strerror(errno))));
        }
        ranks[size_t(r)].running = true;
        started << QStringLiteral("rank %1 process %2").arg(r).arg(ranks[size_t(r)].pid);
    }
    err() << "fopro: " << o.processes << " processes on this machine, rendezvous at 127.0.0.1:" << port << " ("
          << started.join(QStringLiteral(", ")) << ")" << Qt::endl;

    bool cancelRelayed = false;
    int interrupts = 0;
    bool someoneFailed = false;
    QElapsedTimer sinceFailure;
    QByteArray input;
    bool stdinOpen = o.events;
    const qint64 grace = (qint64(o.timeoutSeconds) + 15) * 1000;
    int running = o.processes;
    while (running > 0) {
        pollfd fds[2] = {{g_pipe[0], POLLIN, 0}, {0, POLLIN, 0}};
        const int nfds = stdinOpen ? 2 : 1;
        ::poll(fds, nfds_t(nfds), 200);
        if (fds[0].revents & POLLIN) {
            unsigned char bytes[64];
            const ssize_t n = ::read(g_pipe[0], bytes, sizeof bytes);
            for (ssize_t i = 0; i < n; ++i) {
                const int s = bytes[i];
                if (s == SIGUSR1 || s == SIGUSR2) signalAll(ranks, s);
                if (s == SIGINT || s == SIGTERM) {
                    // Worker mode: every SIGTERM cancels (the ranks take it that way too). On a
                    // terminal: the first Ctrl-C cancels, a second one ends the ranks at once.
                    ++interrupts;
                    if (!cancelRelayed || o.events) {
                        err() << "fopro: stopping every rank after its current step..." << Qt::endl;
                        signalAll(ranks, SIGTERM);
                        cancelRelayed = true;
                    } else if (interrupts > 1) {
                        signalAll(ranks, SIGKILL);
                    }
                }
            }
        }
        if (nfds > 1 && (fds[1].revents & (POLLIN | POLLHUP))) {
            char buffer[256];
            const ssize_t n = ::read(0, buffer, sizeof buffer);
            if (n <= 0) {
                stdinOpen = false; // end of input means nothing (as for one worker)
            } else {
                input.append(buffer, n);
                qsizetype nl;
                while ((nl = input.indexOf('\n')) >= 0) {
                    const QByteArray line = input.left(nl);
                    input.remove(0, nl + 1);
                    const auto command = worker::decodeCommand(line);
                    if (!command) continue;
                    if (*command == worker::Command::Pause) signalAll(ranks, SIGUSR1);
                    if (*command == worker::Command::Resume) signalAll(ranks, SIGUSR2);
                    if (*command == worker::Command::Cancel) signalAll(ranks, SIGTERM);
                }
            }
        }
        for (Rank &r : ranks) {
            if (!r.running) continue;
            int status = 0;
            if (::waitpid(r.pid, &status, WNOHANG) != r.pid) continue;
            r.running = false;
            --running;
            if (WIFSIGNALED(status))
                r.signal = WTERMSIG(status);
            else
                r.exitCode = WEXITSTATUS(status);
            if (endedBadly(r) && !someoneFailed) {
                someoneFailed = true;
                sinceFailure.start();
                const QString text = QStringLiteral("fopro: rank %1 (process %2) %3; the other ranks stop at their "
                                                    "next collective (at most %4 s)")
                                         .arg(r.rank)
                                         .arg(r.pid)
                                         .arg(describeEnd(r))
                                         .arg(o.timeoutSeconds);
                err() << text << Qt::endl;
                if (o.events && r.rank == 0 && r.signal) {
                    // Rank 0 could not say it: the supervisor does, so the window learns of it.
                    const QByteArray line = worker::encode(worker::Event::failed(
                        makeError(ErrorCode::Malformed, {}, text.mid(QStringLiteral("fopro: ").size()))));
                    const ssize_t n = ::write(1, line.constData(), size_t(line.size()));
                    (void)n;
                }
            }
        }
        if (someoneFailed && running > 0 && sinceFailure.isValid() && sinceFailure.elapsed() > grace) {
            err() << "fopro: the remaining ranks did not stop within " << grace / 1000 << " s; ending them" << Qt::endl;
            signalAll(ranks, SIGKILL);
            sinceFailure.invalidate();
        }
    }
    bool cancelled = false;
    for (const Rank &r : ranks)
        if (r.exitCode == 130) cancelled = true;
    if (someoneFailed) {
        for (const Rank &r : ranks)
            if (endedBadly(r)) err() << "fopro: rank " << r.rank << " " << describeEnd(r) << Qt::endl;
        return 1;
    }
    return cancelled ? kCancelledExitCode : 0;
}

const QStringList kDistributedOptions{QStringLiteral("nproc"),       QStringLiteral("dist-timeout"),
                                      QStringLiteral("world-size"),  QStringLiteral("rank"),
                                      QStringLiteral("master-addr"), QStringLiteral("master-port")};

/// The process's part in a distributed run: the environment (torchrun's variables), then the
/// options. false after reporting an error.
bool readDistribution(const QCommandLineParser &p, ml::DistributedSettings *d)
{
    auto env = ml::DistributedSettings::fromEnvironment();
    if (!env) {
        fail(QStringLiteral("the distributed-run environment: %1").arg(env.error().message()), 2);
        return false;
    }
    *d = env.value();
    const bool given = p.isSet(QStringLiteral("world-size"));
    if (!readInt(p, QStringLiteral("world-size"), d->worldSize, 1, &d->worldSize) ||
        !readInt(p, QStringLiteral("rank"), d->rank, 0, &d->rank) ||
        !readInt(p, QStringLiteral("master-port"), d->masterPort, 1, &d->masterPort) ||
        !readInt(p, QStringLiteral("dist-timeout"), d->timeoutSeconds, 1, &d->timeoutSeconds))
        return false;
    if (p.isSet(QStringLiteral("master-addr"))) d->masterAddr = p.value(QStringLiteral("master-addr"));
    if (given && qEnvironmentVariableIsEmpty("LOCAL_WORLD_SIZE")) { // one process per machine
        d->localWorldSize = 1;
        d->localRank = 0;
    }
    if (auto v = d->validate(); !v) {
        fail(v.error().message(), 2);
        return false;
    }
    return true;
}

/// --nproc N > 1: this process supervises N ranks instead of training (0 when not asked).
int nprocOf(const QCommandLineParser &p)
{
    int n = 0;
    if (!readInt(p, QStringLiteral("nproc"), 0, 1, &n)) return -1;
    return n > 1 ? n : 0;
}

int launchRanks(const QCommandLineParser &p, int nproc, const QStringList &trainArguments)
{
    LaunchOptions o;
    o.processes = nproc;
    o.events = p.isSet(QStringLiteral("events"));
    if (!readInt(p, QStringLiteral("dist-timeout"), o.timeoutSeconds, 1, &o.timeoutSeconds)) return 2;
    return superviseLocalRanks(QStringList{QStringLiteral("train")} + withoutNproc(trainArguments), o);
}

} // namespace fopro::cli
