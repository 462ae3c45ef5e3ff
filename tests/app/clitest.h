#pragma once
// Helpers of the tests that run the real `fopro` binary (tst_worker, tst_estimate, tst_teacherinspect):
// where the binary is, running it to the end, a tiny two-class dataset split by the tool itself, and
// the arguments of a tiny training run.

#include "tests/support/testsupport.h"

#include <QtCore/QDirIterator>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QProcess>
#include <QtTest/QtTest>

#include <opencv2/core.hpp>

namespace fopro::test {

struct CliRun {
    int code = -1; ///< exit code; -2 after a crash, -1 when it did not finish in time
    QByteArray out;
    QString err;
};

/// The fopro binary CTest names in FOPRO_CLI, else the one of this build tree.
inline QString cliPath()
{
    QString exe = qEnvironmentVariable("FOPRO_CLI");
    if (exe.isEmpty()) exe = QStringLiteral(FOPRO_BINARY_DIR "/app/fopro");
    return exe;
}

inline CliRun runCli(const QStringList &args, int timeoutMs = 120000)
{
    QProcess p;
    p.start(cliPath(), args);
    p.closeWriteChannel();
    if (!p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished();
        return {-1, p.readAllStandardOutput(), QString::fromUtf8(p.readAllStandardError())};
    }
    return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -2, p.readAllStandardOutput(),
            QString::fromUtf8(p.readAllStandardError())};
}

/// A 16x16 RGB image of stripes: horizontal or vertical; period, phase, levels and noise vary with
/// `seed`, so no two images are alike.
inline cv::Mat stripesImage(bool horizontal, int seed)
{
    cv::Mat m(16, 16, CV_8UC3);
    cv::RNG rng(quint64(seed) + 1);
    const int period = 2 + seed % 3, phase = seed % period;
    const int high = 170 + seed % 60, low = 20 + (seed * 7) % 60;
    for (int y = 0; y < m.rows; ++y)
        for (int x = 0; x < m.cols; ++x) {
            const int t = horizontal ? y : x;
            const int level = ((t + phase) / period) % 2 == 0 ? high : low;
            for (int c = 0; c < 3; ++c)
                m.at<cv::Vec3b>(y, x)[c] = cv::saturate_cast<uchar>(level + rng.uniform(-15, 16) + c * 5);
        }
    return m;
}

/// Writes 2 × `perClass` stripe images under `dir` and splits them 50/25/25 with `fopro dataset
/// split`; returns the manifest (empty after a failure, reported with QWARN).
inline QString makeStripesManifest(const QString &dir, int perClass = 12)
{
    for (int i = 0; i < perClass; ++i) {
        if (!writeImage(QStringLiteral("%1/images/horizontal/h_%2.png").arg(dir).arg(i), stripesImage(true, i)) ||
            !writeImage(QStringLiteral("%1/images/vertical/v_%2.png").arg(dir).arg(i), stripesImage(false, 100 + i)))
            return {};
    }
    const CliRun r = runCli({QStringLiteral("dataset"), QStringLiteral("split"), dir + QStringLiteral("/images"),
                             QStringLiteral("--out"), dir + QStringLiteral("/split"), QStringLiteral("--train"),
                             QStringLiteral("0.5"), QStringLiteral("--val"), QStringLiteral("0.25"),
                             QStringLiteral("--test"), QStringLiteral("0.25")});
    if (r.code != 0) {
        QWARN(qPrintable(r.err));
        return {};
    }
    return dir + QStringLiteral("/split/split.json");
}

/// `fopro train` of a tiny CIFAR ResNet on 16 px images (one thread, one data worker).
inline QStringList tinyTrainArgs(const QString &manifest, const QString &run, int epochs, int maxBatches = 2)
{
    return {QStringLiteral("train"),
            QStringLiteral("--dataset"),
            manifest,
            QStringLiteral("--run"),
            run,
            QStringLiteral("--strategy"),
            QStringLiteral("bsm"),
            QStringLiteral("--student"),
            QStringLiteral("cifar_resnet"),
            QStringLiteral("--width"),
            QStringLiteral("0.25"),
            QStringLiteral("--blocks"),
            QStringLiteral("1,1,1,1"),
            QStringLiteral("--image-size"),
            QStringLiteral("16"),
            QStringLiteral("--epochs"),
            QString::number(epochs),
            QStringLiteral("--batch"),
            QStringLiteral("4"),
            QStringLiteral("--lr"),
            QStringLiteral("0.001"),
            QStringLiteral("--threads"),
            QStringLiteral("1"),
            QStringLiteral("--workers"),
            QStringLiteral("1"),
            QStringLiteral("--seed"),
            QStringLiteral("0"),
            QStringLiteral("--max-batches"),
            QString::number(maxBatches)};
}

/// The "state" of a run's status.json (empty when unreadable).
inline QString runState(const QString &run)
{
    QFile f(run + QStringLiteral("/status.json"));
    if (!f.open(QIODevice::ReadOnly)) return {};
    return QJsonDocument::fromJson(f.readAll()).object().value(QStringLiteral("state")).toString();
}

/// Bytes of the files under `dir`, recursively.
inline qint64 folderBytes(const QString &dir)
{
    qint64 total = 0;
    QDirIterator it(dir, QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        it.next();
        total += it.fileInfo().size();
    }
    return total;
}

/// The demo teacher's model.json in the assets, or empty when it is not installed.
inline QString demoTeacherFile()
{
    const QString file = assetsDir() + QStringLiteral("/teachers/mobilenet_v2/model.json");
    return QFile::exists(file) ? file : QString();
}

} // namespace fopro::test
