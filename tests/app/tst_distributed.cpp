// Distributed training (core/ml/distributed.h) with the real `fopro` binary on loopback:
//  - the shards of a global batch and the settings read from torchrun's variables (hand-computed);
//  - 2 processes × half the batch give the same weights as 1 process × the batch, on a student
//    whose batch norm is frozen (so no batch statistics differ) and plain SGD: the only differences
//    are the order of float sums, within 1e-5;
//  - a real ResNet-18 (batch statistics per shard) trained by 2 processes ends close to 1 process;
//  - killing one of two ranks stops the other within the timeout with the rank named, the run is
//    resumable with 2 processes and refused with 1;
//  - worker mode (--events) through the launcher: rank 0's events only, and pause / resume / cancel
//    reach every rank.
#include "core/jobs/workerprotocol.h"
#include "core/ml/collective_p.h"
#include "core/ml/distributed.h"
#include "core/ml/models.h"
#include "tests/app/clitest.h"

#include <torch/torch.h>

#include <QtCore/QRegularExpression>
#include <QtTest/QtTest>

#include <signal.h>

using namespace fopro;
using namespace fopro::test;

namespace {

/// The student's tensors in a run's last checkpoint, by name.
std::map<std::string, torch::Tensor> lastStudent(const QString &run)
{
    std::map<std::string, torch::Tensor> out;
    torch::serialize::InputArchive ar;
    ar.load_from((run + QStringLiteral("/checkpoints/last.ckpt")).toStdString());
    for (const std::string &key : ar.keys()) {
        if (key.rfind("student.", 0) != 0) continue;
        torch::Tensor t;
        ar.read(key, t, true);
        out[key] = t;
    }
    return out;
}

/// Rows of a run's epochs.csv as maps (header → text).
QList<QMap<QString, QString>> epochRows(const QString &run)
{
    QFile f(run + QStringLiteral("/epochs.csv"));
    if (!f.open(QIODevice::ReadOnly)) return {};
    const QStringList lines = QString::fromUtf8(f.readAll()).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    QList<QMap<QString, QString>> rows;
    if (lines.isEmpty()) return rows;
    const QStringList header = lines.front().split(QLatin1Char(','));
    for (int i = 1; i < lines.size(); ++i) {
        const QStringList cells = lines[i].split(QLatin1Char(','));
        QMap<QString, QString> row;
        for (int k = 0; k < header.size() && k < cells.size(); ++k)
            row[header[k]] = cells[k];
        rows << row;
    }
    return rows;
}

QJsonObject readJson(const QString &file)
{
    QFile f(file);
    if (!f.open(QIODevice::ReadOnly)) return {};
    return QJsonDocument::fromJson(f.readAll()).object();
}

/// Starts `fopro train --nproc 2` with `timeout` and waits until the launcher has named rank 1's
/// process and the run has `epochs` finished epochs; returns rank 1's pid (0 when that did not
/// happen; `err` holds the launcher's stderr so far).
qint64 startTwoRanks(QProcess &sup, const QStringList &args, const QString &run, int timeout, int epochs, QString &err)
{
    sup.start(cliPath(), QStringList(args) << QStringLiteral("--nproc") << QStringLiteral("2")
                                           << QStringLiteral("--dist-timeout") << QString::number(timeout));
    if (!sup.waitForStarted(30000)) return 0;
    qint64 pid1 = 0;
    QElapsedTimer clock;
    clock.start();
    while (clock.elapsed() < 120000 && sup.state() != QProcess::NotRunning) {
        sup.waitForReadyRead(200);
        err += QString::fromUtf8(sup.readAllStandardError());
        sup.readAllStandardOutput();
        const auto m = QRegularExpression(QStringLiteral("rank 1 process (\\d+)")).match(err);
        if (m.hasMatch()) pid1 = m.captured(1).toLongLong();
        if (pid1 > 0 &&
            readJson(run + QStringLiteral("/status.json")).value(QStringLiteral("epochsDone")).toInt() >= epochs)
            return pid1;
    }
    return 0;
}

/// A tiny CIFAR ResNet run with frozen batch norm and SGD: steps that 2 processes reproduce.
QStringList exactArgs(const QString &manifest, const QString &run, int epochs)
{
    QStringList a = tinyTrainArgs(manifest, run, epochs, 0);
    a << QStringLiteral("--strategy") << QStringLiteral("ce") << QStringLiteral("--batch") << QStringLiteral("8")
      << QStringLiteral("--optimizer") << QStringLiteral("sgd") << QStringLiteral("--lr") << QStringLiteral("0.05")
      << QStringLiteral("--set") << QStringLiteral("freezeBatchNorm=true");
    return a;
}

struct EnvGuard {
    QStringList names;
    explicit EnvGuard(QStringList n) : names(std::move(n))
    {
        for (const QString &v : names)
            qunsetenv(v.toLatin1().constData());
    }
    ~EnvGuard()
    {
        for (const QString &v : names)
            qunsetenv(v.toLatin1().constData());
    }
};

} // namespace

class TestDistributed : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    QString m_manifest;

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_manifest = makeStripesManifest(m_dir.filePath(QStringLiteral("data")), 16);
        QVERIFY(!m_manifest.isEmpty());
    }

    void shardsCoverTheBatchInOrder()
    {
        // 10 images over 3 ranks: 4, 3, 3 (the first 10 mod 3 = 1 rank takes one more).
        QCOMPARE(ml::shardRange(10, 0, 3), std::make_pair(0, 4));
        QCOMPARE(ml::shardRange(10, 1, 3), std::make_pair(4, 7));
        QCOMPARE(ml::shardRange(10, 2, 3), std::make_pair(7, 10));
        QCOMPARE(ml::shardRange(32, 1, 2), std::make_pair(16, 32));
        QCOMPARE(ml::shardRange(5, 1, 2), std::make_pair(3, 5));
    }

    void settingsComeFromTorchrunsVariables()
    {
        EnvGuard env({"WORLD_SIZE", "RANK", "LOCAL_RANK", "LOCAL_WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT",
                      "FOPRO_DIST_TIMEOUT"});
        auto none = ml::DistributedSettings::fromEnvironment();
        QVERIFY(none.ok());
        QVERIFY(!none->enabled());
        QVERIFY(none->writer());

        qputenv("WORLD_SIZE", "4");
        qputenv("RANK", "3");
        qputenv("MASTER_ADDR", "10.0.0.7");
        qputenv("MASTER_PORT", "29600");
        qputenv("LOCAL_WORLD_SIZE", "2");
        qputenv("LOCAL_RANK", "1");
        qputenv("FOPRO_DIST_TIMEOUT", "45");
        auto s = ml::DistributedSettings::fromEnvironment();
        QVERIFY2(s.ok(), qPrintable(s.ok() ? QString() : s.error().message()));
        QCOMPARE(s->worldSize, 4);
        QCOMPARE(s->rank, 3);
        QCOMPARE(s->localRank, 1);
        QCOMPARE(s->localWorldSize, 2);
        QCOMPARE(s->masterAddr, QStringLiteral("10.0.0.7"));
        QCOMPARE(s->masterPort, 29600);
        QCOMPARE(s->timeoutSeconds, 45);
        QVERIFY(!s->writer());
        QCOMPARE(s->defaultThreads(), std::max(1, std::max(1, QThread::idealThreadCount()) / 2));

        qputenv("RANK", "4"); // out of range for 4 processes
        auto bad = ml::DistributedSettings::fromEnvironment();
        QVERIFY(!bad.ok());
        QVERIFY2(bad.error().message().contains(QLatin1String("RANK")), qPrintable(bad.error().message()));
        qputenv("RANK", "1");
        qputenv("MASTER_PORT", "port");
        bad = ml::DistributedSettings::fromEnvironment();
        QVERIFY(!bad.ok());
        QVERIFY2(bad.error().message().contains(QLatin1String("MASTER_PORT")), qPrintable(bad.error().message()));
    }

    void twoProcessesTakeTheSameStepsAsOne()
    {
        const QString one = m_dir.filePath(QStringLiteral("one")), two = m_dir.filePath(QStringLiteral("two"));
        const CliRun a = runCli(exactArgs(m_manifest, one, 3), 180000);
        QVERIFY2(a.code == 0, qPrintable(a.err));
        const CliRun b =
            runCli(exactArgs(m_manifest, two, 3) << QStringLiteral("--nproc") << QStringLiteral("2"), 180000);
        QVERIFY2(b.code == 0, qPrintable(b.err));
        QVERIFY2(b.err.contains(QLatin1String("2 processes on this machine")), qPrintable(b.err));

        const auto wa = lastStudent(one), wb = lastStudent(two);
        QCOMPARE(wa.size(), wb.size());
        QVERIFY(wa.size() > 10);
        double worst = 0, moved = 0;
        for (const auto &[name, t] : wa) {
            QVERIFY2(wb.count(name), name.c_str());
            worst =
                std::max(worst, (t.to(torch::kFloat64) - wb.at(name).to(torch::kFloat64)).abs().max().item<double>());
        }
        // The weights did move (the comparison means something) ...
        auto initial = ml::Student::create([] {
            ml::StudentConfig c;
            c.architecture = "cifar_resnet";
            c.widthMultiplier = 0.25;
            c.cifarBlocks = {{1, 1, 1, 1}};
            c.numClasses = 2;
            c.seed = 0;
            return c;
        }());
        QVERIFY(initial.ok());
        for (const auto &[name, t] : initial->namedState()) {
            const auto it = wa.find("student." + name);
            QVERIFY2(it != wa.end(), name.c_str());
            moved =
                std::max(moved, (it->second.to(torch::kFloat64) - t.to(torch::kFloat64)).abs().max().item<double>());
        }
        QVERIFY2(moved > 1e-3, qPrintable(QString::number(moved)));
        // ... and both runs moved them alike: only the order of float sums differs.
        QVERIFY2(worst < 1e-5, qPrintable(QStringLiteral("max |w1 - w2| = %1").arg(worst)));

        // The logged loss is the global batch's, and the validation identical.
        const auto ra = epochRows(one), rb = epochRows(two);
        QCOMPARE(ra.size(), 3);
        QCOMPARE(rb.size(), 3);
        for (int e = 0; e < 3; ++e) {
            QVERIFY(qAbs(ra[e][QStringLiteral("loss")].toDouble() - rb[e][QStringLiteral("loss")].toDouble()) < 1e-5);
            QCOMPARE(rb[e][QStringLiteral("val_balanced_accuracy")], ra[e][QStringLiteral("val_balanced_accuracy")]);
        }
        // Only rank 0 wrote: one log, with the collectives' time of every epoch.
        QFile log(two + QStringLiteral("/log.txt"));
        QVERIFY(log.open(QIODevice::ReadOnly));
        const QString text = QString::fromUtf8(log.readAll());
        QCOMPARE(text.count(QLatin1String("started: ")), 1);
        QCOMPARE(text.count(QRegularExpression(QStringLiteral("epoch \\d: 2 processes, collectives"))), 3);
        QCOMPARE(readJson(two + QStringLiteral("/results/test_metrics.json")).value(QStringLiteral("accuracy")),
                 readJson(one + QStringLiteral("/results/test_metrics.json")).value(QStringLiteral("accuracy")));
    }

    void resnet18WithBatchStatisticsEndsClose()
    {
        // The real student: ResNet-18 (torchvision layout) at 32 px; batch norm sees each shard.
        const QString one = m_dir.filePath(QStringLiteral("r1")), two = m_dir.filePath(QStringLiteral("r2"));
        const auto args = [this](const QString &run) {
            return QStringList{QStringLiteral("train"),
                               QStringLiteral("--dataset"),
                               m_manifest,
                               QStringLiteral("--run"),
                               run,
                               QStringLiteral("--strategy"),
                               QStringLiteral("ce"),
                               QStringLiteral("--student"),
                               QStringLiteral("resnet18"),
                               QStringLiteral("--image-size"),
                               QStringLiteral("32"),
                               QStringLiteral("--epochs"),
                               QStringLiteral("4"),
                               QStringLiteral("--batch"),
                               QStringLiteral("8"),
                               QStringLiteral("--lr"),
                               QStringLiteral("0.001"),
                               QStringLiteral("--threads"),
                               QStringLiteral("1"),
                               QStringLiteral("--workers"),
                               QStringLiteral("1")};
        };
        const CliRun a = runCli(args(one), 300000);
        QVERIFY2(a.code == 0, qPrintable(a.err));
        const CliRun b = runCli(args(two) << QStringLiteral("--nproc") << QStringLiteral("2"), 300000);
        QVERIFY2(b.code == 0, qPrintable(b.err));
        const auto ra = epochRows(one), rb = epochRows(two);
        QCOMPARE(ra.size(), 4);
        QCOMPARE(rb.size(), 4);
        // With two steps an epoch, one epoch's loss is noisy (batch statistics of 4 images against
        // 8): the mean over the run is compared, and both runs must learn the task.
        double meanA = 0, meanB = 0;
        for (int e = 0; e < 4; ++e) {
            const double la = ra[e][QStringLiteral("loss")].toDouble(), lb = rb[e][QStringLiteral("loss")].toDouble();
            qInfo("epoch %d: loss 1 process %.4f, 2 processes %.4f; val bacc %s / %s", e + 1, la, lb,
                  qPrintable(ra[e][QStringLiteral("val_balanced_accuracy")]),
                  qPrintable(rb[e][QStringLiteral("val_balanced_accuracy")]));
            meanA += la / 4;
            meanB += lb / 4;
        }
        QVERIFY2(qAbs(meanA - meanB) < 0.15, qPrintable(QStringLiteral("mean loss %1 / %2").arg(meanA).arg(meanB)));
        const double ta = readJson(one + QStringLiteral("/results/test_metrics.json"))
                              .value(QStringLiteral("balancedAccuracy"))
                              .toDouble(-1),
                     tb = readJson(two + QStringLiteral("/results/test_metrics.json"))
                              .value(QStringLiteral("balancedAccuracy"))
                              .toDouble(-1);
        qInfo("test balanced accuracy: 1 process %.3f, 2 processes %.3f", ta, tb);
        QVERIFY(ta >= 0.75 && tb >= 0.75);
        QVERIFY2(qAbs(ta - tb) <= 0.25, "the test metrics disagree");
    }

    void killedRankStopsTheOtherAndTheRunResumes()
    {
        const QString run = m_dir.filePath(QStringLiteral("killed"));
        QProcess sup;
        QString err;
        const qint64 pid1 = startTwoRanks(sup, exactArgs(m_manifest, run, 400), run, 20, 2, err);
        QElapsedTimer clock;
        QVERIFY2(pid1 > 0, qPrintable(err));
        QVERIFY(::kill(pid_t(pid1), SIGKILL) == 0);
        clock.restart();
        QVERIFY(sup.waitForFinished(60000)); // rank 0 notices at once (its peer's connection closed)
        const qint64 stopSeconds = clock.elapsed() / 1000;
        err += QString::fromUtf8(sup.readAllStandardError());
        QCOMPARE(sup.exitCode(), 1);
        QVERIFY2(err.contains(QStringLiteral("rank 1 (process %1) was killed by signal 9").arg(pid1)), qPrintable(err));
        // Rank 0's own error names rank 1 too.
        QVERIFY2(err.contains(QRegularExpression(QStringLiteral("rank 0 of 2 stopped in .*rank 1"))), qPrintable(err));
        QVERIFY2(stopSeconds <= 30, qPrintable(QString::number(stopSeconds)));
        QCOMPARE(runState(run), QStringLiteral("failed"));
        const int done = readJson(run + QStringLiteral("/status.json")).value(QStringLiteral("epochsDone")).toInt();
        QVERIFY(done >= 2);

        // One process cannot continue what two started ...
        const CliRun single = runCli({QStringLiteral("train"), QStringLiteral("--resume"), run,
                                      QStringLiteral("--epochs"), QString::number(done + 2)});
        QCOMPARE(single.code, 1);
        QVERIFY2(single.err.contains(QLatin1String("--nproc 2")), qPrintable(single.err));
        // ... two do, to the end.
        const CliRun resumed =
            runCli({QStringLiteral("train"), QStringLiteral("--resume"), run, QStringLiteral("--epochs"),
                    QString::number(done + 2), QStringLiteral("--nproc"), QStringLiteral("2")},
                   180000);
        QVERIFY2(resumed.code == 0, qPrintable(resumed.err));
        QCOMPARE(runState(run), QStringLiteral("finished"));
        QCOMPARE(epochRows(run).size(), done + 2);
    }

    void hungRankStopsTheOtherWithinTheTimeout()
    {
        // A rank that stops answering (SIGSTOP: alive, connections open) is found by the timeout.
        const QString run = m_dir.filePath(QStringLiteral("hung"));
        QProcess sup;
        QString err;
        const qint64 pid1 = startTwoRanks(sup, exactArgs(m_manifest, run, 400), run, 8, 1, err);
        QElapsedTimer clock;
        QVERIFY2(pid1 > 0, qPrintable(err));
        QVERIFY(::kill(pid_t(pid1), SIGSTOP) == 0);
        clock.restart();
        // Rank 0 stops after the 8 s timeout; the launcher then ends the stopped rank (timeout + 15 s).
        QVERIFY(sup.waitForFinished(90000));
        const qint64 seconds = clock.elapsed() / 1000;
        err += QString::fromUtf8(sup.readAllStandardError());
        ::kill(pid_t(pid1), SIGCONT);
        QCOMPARE(sup.exitCode(), 1);
        // Named whether rank 1 stopped before the collective rank 0 waits in or inside it.
        QVERIFY2(err.contains(QRegularExpression(
                     QStringLiteral("rank 0 of 2 stopped in .*rank 1 .*hangs, or was paused or stopped"))),
                 qPrintable(err.right(900)));
        QVERIFY2(err.contains(QLatin1String("rank 0 (process")) && err.contains(QLatin1String("exited with code 1")),
                 qPrintable(err));
        QVERIFY2(seconds <= 45, qPrintable(QString::number(seconds)));
        QCOMPARE(runState(run), QStringLiteral("failed"));
    }

    void cudaIsRefusedWithTheReasonWhereNoGpuIsPresent()
    {
        if (torch::cuda::is_available())
            QSKIP("a CUDA device is present: the refusal names the CPU-only build instead");
        const CliRun r = runCli(tinyTrainArgs(m_manifest, m_dir.filePath(QStringLiteral("cuda")), 1)
                                << QStringLiteral("--device") << QStringLiteral("cuda"));
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains(QLatin1String("device cuda: no CUDA device")), qPrintable(r.err));
        const CliRun bad = runCli(tinyTrainArgs(m_manifest, m_dir.filePath(QStringLiteral("gpu")), 1)
                                  << QStringLiteral("--device") << QStringLiteral("gpu"));
        QCOMPARE(bad.code, 1);
        QVERIFY2(bad.err.contains(QLatin1String("device must be auto, cpu, cuda or cuda:N")), qPrintable(bad.err));
        const CliRun cpu = runCli(tinyTrainArgs(m_manifest, m_dir.filePath(QStringLiteral("cpu")), 1)
                                  << QStringLiteral("--device") << QStringLiteral("cpu"));
        QVERIFY2(cpu.code == 0, qPrintable(cpu.err));
    }

    void workerModeRelaysCommandsToEveryRank()
    {
        const QString run = m_dir.filePath(QStringLiteral("events"));
        QProcess sup;
        sup.start(cliPath(), exactArgs(m_manifest, run, 400)
                                 << QStringLiteral("--nproc") << QStringLiteral("2") << QStringLiteral("--events"));
        QVERIFY(sup.waitForStarted(30000));
        worker::LineSplitter lines;
        std::vector<worker::Event> events;
        const auto pump = [&](int ms) {
            sup.waitForReadyRead(ms);
            for (const QByteArray &line : lines.feed(sup.readAllStandardOutput())) {
                auto e = worker::decode(line);
                QVERIFY2(e.ok(), line.constData()); // nothing but events on stdout
                events.push_back(e.value());
            }
        };
        const auto count = [&](worker::EventType t) {
            return std::count_if(events.begin(), events.end(), [t](const worker::Event &e) { return e.type == t; });
        };
        QElapsedTimer clock;
        clock.start();
        while (count(worker::EventType::Epoch) < 2 && clock.elapsed() < 120000 && sup.state() != QProcess::NotRunning)
            pump(200);
        QVERIFY(count(worker::EventType::Epoch) >= 2);
        QCOMPARE(count(worker::EventType::Started), 1); // rank 0's only

        sup.write(worker::encodeCommand(worker::Command::Pause));
        clock.restart();
        while (runState(run) != QLatin1String("paused") && clock.elapsed() < 30000)
            pump(100);
        QCOMPARE(runState(run), QStringLiteral("paused"));
        const int pausedAt = readJson(run + QStringLiteral("/status.json")).value(QStringLiteral("epochsDone")).toInt();
        QTest::qWait(1500);
        pump(10);
        QCOMPARE(readJson(run + QStringLiteral("/status.json")).value(QStringLiteral("epochsDone")).toInt(), pausedAt);
        sup.write(worker::encodeCommand(worker::Command::Resume));
        clock.restart();
        while (runState(run) != QLatin1String("running") && clock.elapsed() < 30000)
            pump(100);
        QCOMPARE(runState(run), QStringLiteral("running"));
        sup.write(worker::encodeCommand(worker::Command::Cancel));
        QVERIFY(sup.waitForFinished(60000));
        pump(10);
        QCOMPARE(sup.exitCode(), 130);
        QCOMPARE(runState(run), QStringLiteral("cancelled"));
        QVERIFY(count(worker::EventType::Finished) == 1);

        // The launcher's own failure (the run folder is taken) is an error event too.
        const CliRun taken = runCli(exactArgs(m_manifest, run, 2)
                                    << QStringLiteral("--nproc") << QStringLiteral("2") << QStringLiteral("--events"));
        QCOMPARE(taken.code, 1);
        const auto e = worker::decode(taken.out.trimmed());
        QVERIFY2(e.ok(), taken.out.constData());
        QCOMPARE(int(e->type), int(worker::EventType::Error));
        QVERIFY2(e->error.message().contains(QLatin1String("not empty")), qPrintable(e->error.message()));
    }
};

QTEST_GUILESS_MAIN(TestDistributed)
#include "tst_distributed.moc"
