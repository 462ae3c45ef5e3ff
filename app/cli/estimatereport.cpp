#include "app/cli/estimatereport.h"

#include "app/cli/clioutput.h"
#include "app/cli/trainrunner.h"
#include "app/cli/workermode.h"

#include <QtCore/QJsonDocument>
#include <QtCore/QTextStream>

#include <cmath>

namespace fopro::cli {

QString roughDuration(double seconds)
{
    if (!std::isfinite(seconds) || seconds < 0) return QStringLiteral("unknown");
    if (seconds < 90) return QStringLiteral("about %1 s").arg(std::max<qint64>(1, std::llround(seconds)));
    const qint64 minutes = std::llround(seconds / 60);
    if (minutes < 90) return QStringLiteral("about %1 min").arg(minutes);
    return QStringLiteral("about %1 h %2 min").arg(minutes / 60).arg(minutes % 60, 2, 10, QLatin1Char('0'));
}

QString formatBytes(std::int64_t bytes)
{
    static const char *const units[] = {"KB", "MB", "GB", "TB"};
    if (bytes < 1000) return QStringLiteral("%1 B").arg(bytes);
    double v = double(bytes);
    int unit = -1;
    while (v >= 1000 && unit < 3) {
        v /= 1000;
        ++unit;
    }
    return QStringLiteral("%1 %2").arg(v, 0, 'f', v < 10 ? 1 : 0).arg(QLatin1String(units[unit]));
}

QString estimateText(const ml::TrainEstimate &e)
{
    const auto n = [](qint64 v) { return QString::number(v); };
    QString text;
    QTextStream ts(&text);
    ts << "Estimate    " << roughDuration(e.estimatedSeconds) << ", " << formatBytes(e.diskBytes)
       << "  (dry run: 1 warm-up + " << e.steps << " timed training step(s) of " << e.batchSize << " images)\n";
    ts << "Training    " << e.epochs << " epoch(s) x " << e.batchesPerEpoch
       << " batches: " << QString::number(e.secondsPerBatch, 'f', 3) << " s per batch ("
       << QString::number(e.secondsPerBatch > 0 ? e.batchSize / e.secondsPerBatch : 0, 'f', 0) << " images/s), "
       << formatDuration(e.trainSecondsPerEpoch) << " per epoch\n";
    ts << "Preparing   decoding " << n(e.trainImages + e.valImages)
       << " train and val images once: " << formatDuration(e.prepareSeconds) << "\n";
    if (e.hasTeacher) {
        ts << "Teacher     " << e.teacherDescription << "\n"
           << "            " << e.teacherInputSize << "x" << e.teacherInputSize << " input, " << e.teacherFeatureDim
           << " features, " << QString::number(e.teacherSecondsPerImage * 1000, 'f', 1) << " ms per image; ";
        if (e.cachesTeacher)
            ts << "features of the " << n(e.trainImages)
               << " train images cached once: " << formatDuration(e.teacherCacheSeconds) << "\n";
        else
            ts << "runs every step (its input changes: prompt or augmentation)\n";
    }
    if (e.valImages > 0)
        ts << "Validation  " << n(e.valImages) << " images: " << formatDuration(e.validationSecondsPerEpoch)
           << " per epoch\n";
    ts << "Evaluation  " << n(e.valImages + e.testImages)
       << " val and test images at the end: " << formatDuration(e.evaluationSeconds) << "\n";
    ts << "Disk        checkpoints " << formatBytes(e.checkpointBytes) << " (last.ckpt with optimiser state + best.pt)";
    if (e.cachesTeacher) ts << ", teacher features " << formatBytes(e.teacherCacheBytes);
    ts << ", results and records " << formatBytes(e.recordBytes) << "\n";
    return text;
}

int runEstimate(const ml::TrainConfig &config, int steps, bool json)
{
    JobControl control;
    ProgressPrinter progress;
    const auto estimate = runWithSignals(ml::estimateJob(config, steps), control, progress, QStringLiteral("estimate"));
    if (control.isCancelled() || (!estimate && estimate.error().code == ErrorCode::Cancelled)) {
        err() << "cancelled" << Qt::endl;
        return kCancelledExitCode;
    }
    if (!estimate) return fail(estimate.error());
    if (!json) {
        out() << estimateText(*estimate);
        return 0;
    }
    const QByteArray line = QJsonDocument(estimate->toJson()).toJson(QJsonDocument::Compact);
    if (WorkerEvents::active())
        WorkerEvents::writeLine(line);
    else
        out() << line << "\n";
    return 0;
}

} // namespace fopro::cli
