// Crash safety of the real `fopro` binary: training killed with SIGKILL at random moments (seeded)
// resumes to exactly the run an uninterrupted process gives; a full disk (a file-size limit set
// with `ulimit -f`, writes then fail with EFBIG) gives an error naming the file while the files
// that were there before stay intact (manifest save, run checkpoints, model export).
#include "core/data/datasetindex.h"
#include "tests/app/clitest.h"

#include <QtCore/QRandomGenerator>
#include <QtTest/QtTest>

#include <signal.h>

using fopro::test::cliPath;
using fopro::test::CliRun;
using fopro::test::runCli;
using fopro::test::tinyTrainArgs;

namespace {

constexpr int kEpochs = 40;
constexpr int kBatches = 3;

QByteArray readBytes(const QString &file)
{
    QFile f(file);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

/// epochs.csv without the columns that measure time (seconds, images per second).
QStringList epochsWithoutTimes(const QString &run)
{
    const QStringList lines =
        QString::fromUtf8(readBytes(run + QStringLiteral("/epochs.csv"))).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    if (lines.isEmpty()) return {};
    const QStringList header = lines.front().split(QLatin1Char(','));
    const qsizetype seconds = header.indexOf(QStringLiteral("seconds"));
    const qsizetype rate = header.indexOf(QStringLiteral("images_per_second"));
    QStringList out;
    for (const QString &line : lines) {
        QStringList cells = line.split(QLatin1Char(','));
        if (rate >= 0 && rate < cells.size()) cells.removeAt(rate);
        if (seconds >= 0 && seconds < cells.size()) cells.removeAt(seconds);
        out << cells.join(QLatin1Char(','));
    }
    return out;
}

/// Runs `fopro` under bash with a file-size limit of `kib` KiB and SIGXFSZ ignored, so that a
/// write beyond the limit fails with EFBIG as on a full disk instead of killing the process.
CliRun runWithFileLimit(int kib, const QStringList &args)
{
    QStringList quoted;
    for (const QString &a : args)
        quoted << QStringLiteral("'%1'").arg(QString(a).replace(QLatin1Char('\''), QStringLiteral("'\\''")));
    const QString script = QStringLiteral("ulimit -f %1; trap '' XFSZ; exec '%2' %3")
                               .arg(kib)
                               .arg(cliPath(), quoted.join(QLatin1Char(' ')));
    QProcess p;
    p.start(QStringLiteral("/bin/bash"), {QStringLiteral("-c"), script});
    if (!p.waitForFinished(120000)) {
        p.kill();
        p.waitForFinished();
        return {-1, p.readAllStandardOutput(), QString::fromUtf8(p.readAllStandardError())};
    }
    return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -2, p.readAllStandardOutput(),
            QString::fromUtf8(p.readAllStandardError())};
}

} // namespace

class TestCrashSafety : public QObject {
    Q_OBJECT
    QTemporaryDir m_tmp;
    QString m_manifest;
    QString m_reference; // an uninterrupted run
    qint64 m_referenceMs = 0;

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_tmp.isValid());
        m_manifest = fopro::test::makeStripesManifest(m_tmp.filePath(QStringLiteral("data")));
        QVERIFY(!m_manifest.isEmpty());
        m_reference = m_tmp.filePath(QStringLiteral("reference"));
        QElapsedTimer clock;
        clock.start();
        const CliRun r = runCli(tinyTrainArgs(m_manifest, m_reference, kEpochs, kBatches));
        m_referenceMs = clock.elapsed();
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QCOMPARE(fopro::test::runState(m_reference), QStringLiteral("finished"));
        qInfo("uninterrupted run: %d epochs in %lld ms", kEpochs, m_referenceMs);
    }

    void killedTrainingResumesBitIdentically()
    {
        // SIGKILL at seeded random moments spread over a run's length, each time resuming from
        // whatever the killed process left; then on to the end. Every intermediate state is a
        // valid run (or, killed before its configuration was written, no run at all), and the end
        // result equals the uninterrupted run's to the last bit.
        const QString run = m_tmp.filePath(QStringLiteral("killed"));
        QRandomGenerator rng(20261202);
        int kills = 0;
        for (int round = 0; round < 20 && kills < 6; ++round) {
            const bool started = QFile::exists(run + QStringLiteral("/config.json"));
            if (!started && QFileInfo::exists(run)) {
                // Killed before the run was set up: nothing of value inside, no checkpoint.
                QVERIFY(!QFile::exists(run + QStringLiteral("/checkpoints/last.ckpt")));
                QVERIFY(QDir(run).removeRecursively());
            }
            const QStringList args = started ? QStringList{QStringLiteral("train"), QStringLiteral("--resume"), run}
                                             : tinyTrainArgs(m_manifest, run, kEpochs, kBatches);
            QProcess p;
            p.start(cliPath(), args);
            QVERIFY(p.waitForStarted());
            const int delay = int(rng.bounded(qint64(m_referenceMs / 20), qint64(m_referenceMs * 4 / 10) + 1));
            if (p.waitForFinished(delay)) {
                QVERIFY2(p.exitCode() == 0, qPrintable(QString::fromUtf8(p.readAllStandardError())));
                break; // finished before the kill: the last round
            }
            QVERIFY(::kill(pid_t(p.processId()), SIGKILL) == 0);
            QVERIFY(p.waitForFinished(30000));
            ++kills;
            // What the killed process left is readable: status and epochs are whole files (they are
            // written to a temporary file and renamed), and never claim a finished run.
            if (QFile::exists(run + QStringLiteral("/status.json"))) {
                const QString state = fopro::test::runState(run);
                QVERIFY2(state == QLatin1String("running"), qPrintable(state));
            }
            const QStringList epochs = epochsWithoutTimes(run);
            QVERIFY(epochs.size() <= kEpochs + 1);
            QVERIFY(!QFile::exists(run + QStringLiteral("/results/test_predictions.csv")));
        }
        QVERIFY2(kills >= 3, qPrintable(QString::number(kills)));
        if (fopro::test::runState(run) != QLatin1String("finished")) {
            const CliRun r = runCli({QStringLiteral("train"), QStringLiteral("--resume"), run});
            QVERIFY2(r.code == 0, qPrintable(r.err));
        }
        qInfo("killed %d times", kills);
        QCOMPARE(fopro::test::runState(run), QStringLiteral("finished"));
        QCOMPARE(epochsWithoutTimes(run), epochsWithoutTimes(m_reference));
        const QByteArray predictions = readBytes(run + QStringLiteral("/results/test_predictions.csv"));
        QVERIFY(!predictions.isEmpty());
        QCOMPARE(predictions, readBytes(m_reference + QStringLiteral("/results/test_predictions.csv")));
        QVERIFY(!QFile::exists(run + QStringLiteral("/.lock")));
    }

    void fullDiskKeepsTheManifest()
    {
        // A split written once; writing it again onto a "full disk" fails naming the file, and the
        // split written before is untouched.
        const QString images = m_tmp.filePath(QStringLiteral("data/images"));
        const QString out = m_tmp.filePath(QStringLiteral("split-again"));
        const QStringList args{QStringLiteral("dataset"), QStringLiteral("split"), images, QStringLiteral("--out"), out,
                               QStringLiteral("--seed"),  QStringLiteral("1")};
        CliRun r = runCli(args);
        QVERIFY2(r.code == 0, qPrintable(r.err));
        const QByteArray before = readBytes(out + QStringLiteral("/split.json"));
        QVERIFY(before.size() > 2048);
        QStringList reseeded = args;
        reseeded.last() = QStringLiteral("2");
        r = runWithFileLimit(1, reseeded); // 1 KiB
        QVERIFY(r.code != 0);
        QVERIFY2(r.err.contains(QLatin1String("split.json")), qPrintable(r.err));
        QCOMPARE(readBytes(out + QStringLiteral("/split.json")), before);
        const QStringList left = QDir(out).entryList(QDir::Files | QDir::Hidden);
        QVERIFY2(left == QStringList{QStringLiteral("split.json")}, qPrintable(left.join(QLatin1Char(' '))));
    }

    void fullDiskKeepsCheckpointsAndExports()
    {
        // A finished run copied, then resumed for more epochs on a "full disk": the checkpoint
        // cannot be written, the error names it, and the last checkpoint is the one from before,
        // from which the run resumes once there is space again.
        const QString run = m_tmp.filePath(QStringLiteral("full"));
        QVERIFY(QDir().mkpath(run));
        for (QDirIterator it(m_reference, QDir::Files | QDir::Hidden, QDirIterator::Subdirectories); it.hasNext();) {
            const QString from = it.next();
            const QString to = run + QLatin1Char('/') + QDir(m_reference).relativeFilePath(from);
            QVERIFY(QDir().mkpath(QFileInfo(to).absolutePath()));
            QVERIFY(QFile::copy(from, to));
        }
        const QByteArray checkpoint = readBytes(run + QStringLiteral("/checkpoints/last.ckpt"));
        QVERIFY(checkpoint.size() > 64 * 1024);
        CliRun r = runWithFileLimit(64, {QStringLiteral("train"), QStringLiteral("--resume"), run,
                                         QStringLiteral("--epochs"), QString::number(kEpochs + 1)});
        QVERIFY(r.code != 0);
        QVERIFY2(r.err.contains(QLatin1String("checkpoint")) || r.err.contains(QLatin1String(".ckpt")) ||
                     r.err.contains(QLatin1String("best.pt")),
                 qPrintable(r.err.mid(r.err.indexOf(QLatin1String("fopro: ")), 700)));
        QCOMPARE(readBytes(run + QStringLiteral("/checkpoints/last.ckpt")), checkpoint);
        r = runCli({QStringLiteral("train"), QStringLiteral("--resume"), run, QStringLiteral("--epochs"),
                    QString::number(kEpochs + 1)});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QCOMPARE(epochsWithoutTimes(run).size(), qsizetype(kEpochs + 2));

        // A model exported once; exporting again onto a full disk fails and keeps the first export.
        const QString exportDir = m_tmp.filePath(QStringLiteral("export"));
        r = runCli({QStringLiteral("export"), run, QStringLiteral("--out"), exportDir});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        const QByteArray model = readBytes(exportDir + QStringLiteral("/model.pt"));
        QVERIFY(model.size() > 64 * 1024);
        const QStringList exported = QDir(exportDir).entryList(QDir::Files | QDir::Hidden);
        r = runWithFileLimit(64, {QStringLiteral("export"), run, QStringLiteral("--out"), exportDir});
        QVERIFY(r.code != 0);
        QVERIFY2(r.err.contains(QLatin1String("model.pt")) || r.err.contains(exportDir), qPrintable(r.err));
        QCOMPARE(readBytes(exportDir + QStringLiteral("/model.pt")), model);
        QCOMPARE(QDir(exportDir).entryList(QDir::Files | QDir::Hidden), exported); // no temporary files left
    }

    void corruptCheckpointIsAnErrorNamingIt()
    {
        // A damaged last.ckpt (cut short, emptied, replaced by text, bytes overwritten) makes
        // --resume fail with the file named; never a crash, never a resume from damaged weights
        // (LibTorch's zip reader skips the CRCs; the SHA-256 recorded beside the checkpoint
        // catches bytes changed inside a tensor).
        const QByteArray original = readBytes(m_reference + QStringLiteral("/checkpoints/last.ckpt"));
        QVERIFY(original.size() > 1024);
        QByteArray overwritten = original;
        overwritten.replace(original.size() / 2, 64, QByteArray(64, '\xff'));
        const std::vector<std::pair<const char *, QByteArray>> damages = {
            {"cut in half", original.left(original.size() / 2)},
            {"empty", QByteArray()},
            {"text", QByteArray("not a checkpoint\n")},
            {"zip directory cut", original.left(original.size() - 30)},
            {"64 bytes overwritten", overwritten},
        };
        int index = 0;
        for (const auto &[what, bytes] : damages) {
            const QString run = m_tmp.filePath(QStringLiteral("damaged%1").arg(index++));
            QVERIFY(QDir().mkpath(run));
            for (QDirIterator it(m_reference, QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
                 it.hasNext();) {
                const QString from = it.next();
                const QString to = run + QLatin1Char('/') + QDir(m_reference).relativeFilePath(from);
                QVERIFY(QDir().mkpath(QFileInfo(to).absolutePath()));
                QVERIFY(QFile::copy(from, to));
            }
            QVERIFY(QFile::remove(run + QStringLiteral("/checkpoints/last.ckpt")));
            QVERIFY(fopro::test::writeText(run + QStringLiteral("/checkpoints/last.ckpt"), bytes));
            const CliRun r = runCli({QStringLiteral("train"), QStringLiteral("--resume"), run,
                                     QStringLiteral("--epochs"), QString::number(kEpochs + 1)});
            QVERIFY2(!r.err.contains(QLatin1String("fatal")), qPrintable(r.err));
            QVERIFY2(r.code == 1 && r.err.contains(QLatin1String("last.ckpt")),
                     qPrintable(QStringLiteral("%1: exit %2\n%3").arg(what).arg(r.code).arg(r.err)));
            if (QLatin1String(what) == QLatin1String("64 bytes overwritten")) // caught by the recorded SHA-256
                QVERIFY2(r.err.contains(QLatin1String("damaged")), qPrintable(r.err));
        }
    }

    void killedSavesLeaveTheOldFileOrTheNewOne()
    {
        // SIGKILL at seeded random moments while `fopro dataset split` rewrites a manifest and while
        // `fopro export` rewrites a model: afterwards the manifest loads (the old or the new one)
        // and the export folder holds a model that classifies, never half a file.
        QRandomGenerator rng(1202);
        const QString images = m_tmp.filePath(QStringLiteral("data/images"));
        const QString splitDir = m_tmp.filePath(QStringLiteral("killed-split"));
        // Each command once to create the result, once more (warm) to time it.
        QElapsedTimer clock;
        qint64 splitMs = 0, exportMs = 0;
        const QString exportDir = m_tmp.filePath(QStringLiteral("killed-export"));
        for (int pass = 0; pass < 2; ++pass) {
            clock.start();
            CliRun r =
                runCli({QStringLiteral("dataset"), QStringLiteral("split"), images, QStringLiteral("--out"), splitDir});
            splitMs = clock.elapsed();
            QVERIFY2(r.code == 0, qPrintable(r.err));
            clock.start();
            r = runCli({QStringLiteral("export"), m_reference, QStringLiteral("--out"), exportDir});
            exportMs = clock.elapsed();
            QVERIFY2(r.code == 0, qPrintable(r.err));
        }
        const QString image = images + QStringLiteral("/horizontal/h_0.png");
        int killed = 0;
        for (int round = 0; round < 8; ++round) {
            const bool split = round % 2 == 0;
            const QStringList args =
                split ? QStringList{QStringLiteral("dataset"),
                                    QStringLiteral("split"),
                                    images,
                                    QStringLiteral("--out"),
                                    splitDir,
                                    QStringLiteral("--seed"),
                                    QString::number(round + 1)}
                      : QStringList{QStringLiteral("export"), m_reference, QStringLiteral("--out"), exportDir};
            QProcess p;
            p.start(cliPath(), args);
            QVERIFY(p.waitForStarted());
            const qint64 ms = split ? splitMs : exportMs;
            if (!p.waitForFinished(int(rng.bounded(ms / 10 + 1, ms * 6 / 10 + 2)))) {
                ::kill(pid_t(p.processId()), SIGKILL);
                QVERIFY(p.waitForFinished(30000));
                ++killed;
            }
            if (split) {
                const auto loaded = fopro::data::DatasetIndex::load(splitDir + QStringLiteral("/split.json"));
                QVERIFY2(loaded, qPrintable(loaded ? QString() : loaded.error().message()));
                QCOMPARE(int(loaded->samples.size()), 24);
            } else {
                const QString csv = m_tmp.filePath(QStringLiteral("killed-predictions.csv"));
                const CliRun predicted = runCli({QStringLiteral("predict"), exportDir + QStringLiteral("/model.pt"),
                                                 image, QStringLiteral("--csv"), csv});
                QVERIFY2(predicted.code == 0, qPrintable(predicted.err));
            }
        }
        qInfo("killed %d of 8 saves", killed);
        QVERIFY(killed >= 1);
    }
};

QTEST_GUILESS_MAIN(TestCrashSafety)
#include "tst_crashsafety.moc"
