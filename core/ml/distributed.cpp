// The process group of a distributed run: c10d's TCPStore for the rendezvous and ProcessGroupGloo
// for the collectives (PyTorch's own distributed engine, the one torch.distributed uses), plus the
// bookkeeping in the store that lets a failing collective name the rank at fault.

#include "core/ml/collective_p.h"
#include "core/ml/errortext.h"

#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include <QtCore/QByteArray>
#include <QtCore/QStringList>
#include <QtCore/QSysInfo>
#include <QtCore/QThread>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <stdexcept>

#include <signal.h>
#include <unistd.h>

namespace fopro::ml {

using detail::qs;
using Clock = std::chrono::steady_clock;

// ---- settings ------------------------------------------------------------------------------------

namespace {

Error settingError(const QString &name, const QString &detail)
{
    return makeError(ErrorCode::InvalidArgument, {}, QStringLiteral("%1 %2").arg(name, detail));
}

/// Reads an integer variable; `*ok` false (and an error) when set but not a number in [min, max].
Result<void> readIntVariable(const char *name, int min, int max, int *value)
{
    const QByteArray text = qgetenv(name);
    if (text.isEmpty()) return {};
    bool ok = false;
    const int v = text.trimmed().toInt(&ok);
    if (!ok || v < min || v > max)
        return settingError(QString::fromLatin1(name), QStringLiteral("must be a whole number in [%1, %2], got '%3'")
                                                           .arg(min)
                                                           .arg(max)
                                                           .arg(QString::fromLocal8Bit(text)));
    *value = v;
    return {};
}

bool isLoopback(const QString &host)
{
    return host == QLatin1String("localhost") || host.startsWith(QLatin1String("127.")) || host == QLatin1String("::1");
}

} // namespace

Result<void> DistributedSettings::validate() const
{
    if (worldSize < 1) return settingError(QStringLiteral("the world size"), QStringLiteral("must be at least 1"));
    if (rank < 0 || rank >= worldSize)
        return settingError(QStringLiteral("the rank"), QStringLiteral("must be in [0, %1] for %2 process(es), got %3")
                                                            .arg(worldSize - 1)
                                                            .arg(worldSize)
                                                            .arg(rank));
    if (localWorldSize < 1 || localRank < 0 || localRank >= localWorldSize)
        return settingError(QStringLiteral("the local rank"),
                            QStringLiteral("must be in [0, %1], got %2").arg(localWorldSize - 1).arg(localRank));
    if (masterPort < 1 || masterPort > 65535)
        return settingError(QStringLiteral("the master port"),
                            QStringLiteral("must be in [1, 65535], got %1").arg(masterPort));
    if (enabled() && masterAddr.trimmed().isEmpty())
        return settingError(QStringLiteral("the master address"), QStringLiteral("is empty"));
    if (timeoutSeconds < 1) return settingError(QStringLiteral("the timeout"), QStringLiteral("must be at least 1 s"));
    return {};
}

int DistributedSettings::defaultThreads() const
{
    return std::max(1, std::max(1, QThread::idealThreadCount()) / std::max(1, localWorldSize));
}

Result<DistributedSettings> DistributedSettings::fromEnvironment()
{
    DistributedSettings s;
    if (auto r = readIntVariable("WORLD_SIZE", 1, 1 << 20, &s.worldSize); !r) return r.error();
    if (auto r = readIntVariable("FOPRO_DIST_TIMEOUT", 1, 7 * 24 * 3600, &s.timeoutSeconds); !r) return r.error();
    if (s.worldSize == 1) return s;
    if (qEnvironmentVariableIsEmpty("RANK"))
        return settingError(QStringLiteral("RANK"),
                            QStringLiteral("is not set although WORLD_SIZE is %1").arg(s.worldSize));
    if (auto r = readIntVariable("RANK", 0, s.worldSize - 1, &s.rank); !r) return r.error();
    if (!qEnvironmentVariableIsEmpty("MASTER_ADDR")) s.masterAddr = qEnvironmentVariable("MASTER_ADDR").trimmed();
    if (auto r = readIntVariable("MASTER_PORT", 1, 65535, &s.masterPort); !r) return r.error();
    // Without LOCAL_WORLD_SIZE: every process on this machine when the master is this machine
    // (a local launch), else one per machine.
    s.localWorldSize = isLoopback(s.masterAddr) ? s.worldSize : 1;
    if (auto r = readIntVariable("LOCAL_WORLD_SIZE", 1, s.worldSize, &s.localWorldSize); !r) return r.error();
    s.localRank = s.localWorldSize == s.worldSize ? s.rank : s.rank % s.localWorldSize;
    if (auto r = readIntVariable("LOCAL_RANK", 0, s.localWorldSize - 1, &s.localRank); !r) return r.error();
    if (auto v = s.validate(); !v) return v.error();
    return s;
}

std::pair<int, int> shardRange(int count, int rank, int world)
{
    const int base = count / world, extra = count % world;
    const int begin = rank * base + std::min(rank, extra);
    return {begin, begin + base + (rank < extra ? 1 : 0)};
}

// ---- the process group ---------------------------------------------------------------------------

namespace {

constexpr std::int64_t kBucketBytes = 25 * 1024 * 1024;

std::string key(const char *what, int rank)
{
    return std::string("fopro/") + what + "/" + std::to_string(rank);
}

std::vector<std::uint8_t> bytes(const std::string &s)
{
    return {s.begin(), s.end()};
}

std::string text(const std::vector<std::uint8_t> &b)
{
    return {b.begin(), b.end()};
}

} // namespace

struct Collective::Impl {
    DistributedSettings settings;
    c10::intrusive_ptr<c10d::TCPStore> store;
    c10::intrusive_ptr<c10d::ProcessGroupGloo> group;
    std::string host;
    std::int64_t step = 0;      ///< this rank's finished training steps
    std::int64_t operation = 0; ///< collectives this rank has entered
    double seconds = 0;

    /// The error of a failed collective: what the store knows about the other ranks.
    [[noreturn]] void fail(const char *what, const std::exception &e)
    {
        const QString cause = qs(detail::firstLine(e));
        QStringList findings, inside;
        try {
            store->setTimeout(std::chrono::seconds(5));
            for (int r = 0; r < settings.worldSize; ++r) {
                if (r == settings.rank) continue;
                if (store->check({key("failed", r)})) {
                    findings << QStringLiteral("rank %1 failed: %2").arg(r).arg(qs(text(store->get(key("failed", r)))));
                    continue;
                }
                const QStringList proc = qs(text(store->get(key("proc", r)))).split(QLatin1Char(' '));
                if (proc.size() == 2 && proc[0].toStdString() == host) {
                    const pid_t pid = pid_t(proc[1].toLongLong());
                    if (pid > 0 && ::kill(pid, 0) != 0 && errno == ESRCH) {
                        findings << QStringLiteral("rank %1 (process %2) is no longer running").arg(r).arg(pid);
                        continue;
                    }
                }
                if (store->check({key("op", r)})) {
                    // "operation step": a rank that has not entered this collective is the one
                    // the others wait for; a rank in the same collective cannot have finished it
                    // without this one, so when nobody is behind, one of those inside is stuck.
                    const QStringList theirs = qs(text(store->get(key("op", r)))).split(QLatin1Char(' '));
                    if (theirs.size() == 2 && theirs[0].toLongLong() < operation)
                        findings << QStringLiteral("rank %1 is behind: it has not joined collective #%2 (it is at #%3, "
                                                   "after %4 step(s); this rank after %5): it hangs, or was paused or "
                                                   "stopped")
                                        .arg(r)
                                        .arg(operation)
                                        .arg(theirs[0])
                                        .arg(theirs[1])
                                        .arg(step);
                    else if (theirs.size() == 2 && theirs[0].toLongLong() == operation)
                        inside << QString::number(r);
                }
            }
            if (findings.isEmpty() && !inside.isEmpty())
                findings << QStringLiteral("rank %1 joined collective #%2 with this rank, which did not complete: %3 "
                                           "hangs, or was paused or stopped inside it")
                                .arg(inside.join(QStringLiteral(", ")))
                                .arg(operation)
                                .arg(inside.size() == 1 ? QStringLiteral("it") : QStringLiteral("one of them"));
        } catch (const std::exception &) {
            if (settings.rank != 0)
                findings << QStringLiteral("rank 0 (which holds the run's rendezvous store at %1:%2) is gone")
                                .arg(settings.masterAddr)
                                .arg(settings.masterPort);
        }
        if (findings.isEmpty())
            findings
                << QStringLiteral("another rank stopped or did not answer within %1 s").arg(settings.timeoutSeconds);
        throw std::runtime_error(QStringLiteral("distributed run: rank %1 of %2 stopped in %3: %4 (%5)")
                                     .arg(settings.rank)
                                     .arg(settings.worldSize)
                                     .arg(QString::fromLatin1(what), findings.join(QStringLiteral("; ")), cause)
                                     .toStdString());
    }

    template <typename F> void guarded(const char *what, F &&f)
    {
        const auto t0 = Clock::now();
        try {
            // Where this rank is, for the others' diagnosis should this collective fail.
            ++operation;
            store->set(key("op", settings.rank), bytes(std::to_string(operation) + " " + std::to_string(step)));
            f();
        } catch (const std::exception &e) {
            fail(what, e);
        }
        seconds += std::chrono::duration<double>(Clock::now() - t0).count();
    }

    /// Runs `op` on flat buckets of the float tensors (each bucket one contiguous copy), all
    /// buckets in flight at once, and copies the results back.
    template <typename Op>
    void bucketed(const char *what, const std::vector<torch::Tensor> &tensors, double scale, Op &&op)
    {
        std::vector<std::vector<torch::Tensor>> buckets;
        std::int64_t bytesInBucket = 0;
        for (const torch::Tensor &t : tensors) {
            if (!t.defined() || t.numel() == 0) continue;
            if (buckets.empty() || (bytesInBucket > 0 && bytesInBucket + std::int64_t(t.nbytes()) > kBucketBytes)) {
                buckets.emplace_back();
                bytesInBucket = 0;
            }
            buckets.back().push_back(t);
            bytesInBucket += std::int64_t(t.nbytes());
        }
        guarded(what, [&] {
            std::vector<torch::Tensor> flats;
            std::vector<c10::intrusive_ptr<c10d::Work>> works;
            {
                torch::NoGradGuard noGrad;
                for (const auto &bucket : buckets) {
                    std::vector<torch::Tensor> parts;
                    for (const auto &t : bucket)
                        parts.push_back(t.detach().to(torch::kFloat32).reshape({-1}));
                    torch::Tensor flat = torch::cat(parts);
                    if (scale != 1.0) flat.mul_(scale);
                    flats.push_back(flat);
                }
            }
            for (auto &flat : flats) {
                std::vector<torch::Tensor> one{flat};
                works.push_back(op(one));
            }
            for (auto &w : works)
                w->wait();
            torch::NoGradGuard noGrad;
            for (size_t b = 0; b < buckets.size(); ++b) {
                std::int64_t offset = 0;
                for (const auto &t : buckets[b]) {
                    const std::int64_t n = t.numel();
                    t.detach().copy_(flats[b].slice(0, offset, offset + n).view(t.sizes()));
                    offset += n;
                }
            }
        });
    }
};

Collective::Collective(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}

Collective::~Collective()
{
    // Destroying the group closes its connections; peers still waiting learn of it at once.
    m_impl->group.reset();
    m_impl->store.reset();
}

Result<std::unique_ptr<Collective>> Collective::join(const DistributedSettings &settings)
{
    if (auto v = settings.validate(); !v) return v.error();
    auto impl = std::make_unique<Impl>();
    impl->settings = settings;
    impl->host = QSysInfo::machineHostName().toStdString();
    const auto timeout = std::chrono::milliseconds(std::int64_t(settings.timeoutSeconds) * 1000);
    const QString where = QStringLiteral("%1:%2").arg(settings.masterAddr).arg(settings.masterPort);
    try {
        c10d::TCPStoreOptions o;
        o.port = std::uint16_t(settings.masterPort);
        o.isServer = settings.rank == 0;
        o.numWorkers = std::size_t(settings.worldSize);
        o.waitWorkers = true;
        o.timeout = timeout;
        impl->store = c10::make_intrusive<c10d::TCPStore>(settings.masterAddr.toStdString(), o);
    } catch (const std::exception &e) {
        return makeError(ErrorCode::Unreadable, where,
                         QStringLiteral("rank %1 of %2: the rendezvous failed (%3); %4")
                             .arg(settings.rank)
                             .arg(settings.worldSize)
                             .arg(qs(detail::firstLine(e)),
                                  settings.rank == 0
                                      ? QStringLiteral("another program may hold the port, or not every process "
                                                       "started within %1 s")
                                            .arg(settings.timeoutSeconds)
                                      : QStringLiteral("is rank 0 running, and is the address reachable?")));
    }
    try {
        auto options = c10d::ProcessGroupGloo::Options::create(timeout);
        const QByteArray iface = qgetenv("GLOO_SOCKET_IFNAME");
        if (!iface.isEmpty())
            options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(iface.toStdString()));
        else if (isLoopback(settings.masterAddr))
            options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
        else
            options->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
        impl->store->set(key("proc", settings.rank), bytes(impl->host + " " + std::to_string(::getpid())));
        impl->store->set(key("op", settings.rank), bytes("0 0"));
        impl->group =
            c10::make_intrusive<c10d::ProcessGroupGloo>(impl->store, settings.rank, settings.worldSize, options);
    } catch (const std::exception &e) {
        return makeError(ErrorCode::Unreadable, where,
                         QStringLiteral("rank %1 of %2: the Gloo process group could not connect (%3)")
                             .arg(settings.rank)
                             .arg(settings.worldSize)
                             .arg(qs(detail::firstLine(e))));
    }
    return std::unique_ptr<Collective>(new Collective(std::move(impl)));
}

int Collective::rank() const
{
    return m_impl->settings.rank;
}

int Collective::size() const
{
    return m_impl->settings.worldSize;
}

const DistributedSettings &Collective::settings() const
{
    return m_impl->settings;
}

void Collective::sumGradients(const std::vector<torch::Tensor> &params, double weight)
{
    std::vector<torch::Tensor> grads;
    for (const auto &p : params)
        if (p.grad().defined()) grads.push_back(p.mutable_grad());
    m_impl->bucketed("the gradient all-reduce", grads, weight,
                     [this](std::vector<torch::Tensor> &t) { return m_impl->group->allreduce(t); });
}

void Collective::broadcast(const std::vector<torch::Tensor> &tensors)
{
    m_impl->bucketed("a broadcast from rank 0", tensors, 1.0,
                     [this](std::vector<torch::Tensor> &t) { return m_impl->group->broadcast(t); });
}

void Collective::average(const std::vector<torch::Tensor> &tensors)
{
    std::vector<torch::Tensor> floats;
    for (const auto &t : tensors)
        if (t.defined() && t.is_floating_point()) floats.push_back(t);
    m_impl->bucketed("an average", floats, 1.0 / double(size()),
                     [this](std::vector<torch::Tensor> &t) { return m_impl->group->allreduce(t); });
}

void Collective::sum(torch::Tensor &tensor)
{
    m_impl->guarded("an all-reduce", [&] {
        std::vector<torch::Tensor> one{tensor};
        m_impl->group->allreduce(one)->wait();
    });
}

void Collective::barrier()
{
    m_impl->guarded("a barrier", [&] { m_impl->group->barrier()->wait(); });
}

void Collective::recordStep(std::int64_t step)
{
    m_impl->step = step;
}

void Collective::recordFailure(const QString &reason)
{
    try {
        m_impl->store->setTimeout(std::chrono::seconds(5));
        m_impl->store->set(key("failed", rank()), bytes(reason.toStdString()));
    } catch (const std::exception &) {
        // Best effort: the store may be gone with rank 0.
    }
}

double Collective::takeCommunicationSeconds()
{
    const double s = m_impl->seconds;
    m_impl->seconds = 0;
    return s;
}

} // namespace fopro::ml
