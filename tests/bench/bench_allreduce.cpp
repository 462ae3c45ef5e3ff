// The all-reduce of a distributed step on loopback: the gradients of a ResNet-18 student (11.2 M
// parameters with 8 classes, in torchvision's layout) summed over 2 local processes by the
// project's own collective (core/ml/collective_p.h: bucketed, weighted, ProcessGroupGloo), as every
// training step does it. Prints the median and spread over the repetitions, the bytes per rank and
// the effective bandwidth.
//
//   bench_allreduce [REPEATS] [PROCESSES]      (defaults 20 and 2)
//
// Without RANK in the environment it starts PROCESSES copies of itself as the ranks (a free port on
// 127.0.0.1) and waits for them; rank 0 prints the figures.
#include "core/ml/collective_p.h"
#include "core/ml/models.h"
#include "core/ml/torchinfo.h"

#include <torch/torch.h>

#include <QtCore/QCoreApplication>
#include <QtCore/QProcess>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace {

int freePort()
{
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    int port = 29511;
    if (::bind(fd, reinterpret_cast<sockaddr *>(&a), sizeof a) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr *>(&a), &len) == 0)
        port = ntohs(a.sin_port);
    ::close(fd);
    return port;
}

int launch(int repeats, int processes)
{
    const QString port = QString::number(freePort());
    std::vector<std::unique_ptr<QProcess>> ranks;
    for (int r = 0; r < processes; ++r) {
        auto p = std::make_unique<QProcess>();
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("MASTER_ADDR"), QStringLiteral("127.0.0.1"));
        env.insert(QStringLiteral("MASTER_PORT"), port);
        env.insert(QStringLiteral("WORLD_SIZE"), QString::number(processes));
        env.insert(QStringLiteral("RANK"), QString::number(r));
        env.insert(QStringLiteral("LOCAL_WORLD_SIZE"), QString::number(processes));
        env.insert(QStringLiteral("LOCAL_RANK"), QString::number(r));
        p->setProcessEnvironment(env);
        p->setProcessChannelMode(QProcess::ForwardedChannels);
        p->start(QCoreApplication::applicationFilePath(), {QString::number(repeats), QString::number(processes)});
        ranks.push_back(std::move(p));
    }
    int code = 0;
    for (auto &p : ranks) {
        p->waitForFinished(-1);
        if (p->exitStatus() != QProcess::NormalExit || p->exitCode() != 0) code = 1;
    }
    return code;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const int repeats = argc > 1 ? std::max(3, std::atoi(argv[1])) : 20;
    const int processes = argc > 2 ? std::max(2, std::atoi(argv[2])) : 2;
    if (qEnvironmentVariableIsEmpty("RANK")) return launch(repeats, processes);

    auto settings = fopro::ml::DistributedSettings::fromEnvironment();
    if (!settings) {
        std::fprintf(stderr, "%s\n", qPrintable(settings.error().message()));
        return 1;
    }
    fopro::ml::configureTorchThreads(settings->defaultThreads());
    auto group = fopro::ml::Collective::join(*settings);
    if (!group) {
        std::fprintf(stderr, "%s\n", qPrintable(group.error().message()));
        return 1;
    }
    fopro::ml::StudentConfig config;
    config.numClasses = 8;
    auto student = fopro::ml::Student::create(config);
    std::vector<torch::Tensor> params = student->parameters();
    double bytes = 0;
    for (auto &p : params) {
        p.mutable_grad() = torch::randn_like(p);
        bytes += double(p.nbytes());
    }
    std::vector<double> ms;
    for (int i = 0; i < repeats + 2; ++i) {
        (*group)->barrier();
        const auto t0 = std::chrono::steady_clock::now();
        (*group)->sumGradients(params, 0.5);
        const double t = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        if (i >= 2) ms.push_back(t); // two warm-up rounds (connections, algorithm caches)
    }
    if ((*group)->rank() == 0) {
        std::sort(ms.begin(), ms.end());
        const double median = ms[ms.size() / 2];
        std::printf("all-reduce of ResNet-18 gradients: %.1f MB per rank, %d processes on loopback, %d repeats\n",
                    bytes / 1e6, processes, repeats);
        std::printf("time per all-reduce: median %.1f ms (min %.1f, max %.1f); %.2f GB/s of gradient per rank\n",
                    median, ms.front(), ms.back(), bytes / 1e9 / (median / 1000.0));
    }
    (*group)->barrier();
    return 0;
}
