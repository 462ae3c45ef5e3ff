// exportRun: the best student of a run folder as TorchScript + sidecar (export.h).

#include "core/ml/errortext.h"
#include "core/ml/export.h"
#include "core/ml/session_p.h"

#include <QtCore/QDir>
#include <QtCore/QFileInfo>

namespace fopro::ml {

using detail::qs;

namespace {

ExportInfo exportInfo(const TrainConfig &c, const project::RunFolder &run, const QStringList &classNames,
                      const QJsonObject &header)
{
    ExportInfo info;
    info.classNames = classNames;
    info.inputSize = c.imageSize;
    info.mean = c.mean;
    info.std = c.std;
    info.resizePolicy = c.resizePolicy;
    const auto status = run.readStatus();
    const auto statusValue = [&](const char *key) {
        return status ? status->toJson().value(QLatin1String(key)) : QJsonValue();
    };
    info.extra = QJsonObject{
        {"run", run.dir()},
        {"strategy", strategyName(c.strategy)},
        {"bestEpoch", statusValue("bestEpoch")},
        {"bestValBalancedAccuracy", statusValue("bestValBalancedAccuracy")},
        {"datasetSha256", header.value(QStringLiteral("dataset")).toObject().value(QStringLiteral("sha256"))}};
    return info;
}

} // namespace

Result<QString> exportRun(const QString &runDir, const QString &outDir)
{
    auto run = project::RunFolder::open(runDir);
    if (!run) return run.error();
    auto header = run->readHeader();
    if (!header) return header.error();
    auto cfg = TrainConfig::load(run->configFile());
    if (!cfg) return cfg.error();
    const TrainConfig &config = *cfg;
    const QStringList classNames = run->classNames();
    if (classNames.size() < 2)
        return makeError(ErrorCode::Malformed, run->configFile(), QStringLiteral("the run records no class names"));
    const QString best = run->bestCheckpoint();
    if (!QFileInfo::exists(best))
        return makeError(ErrorCode::NotFound, best, QStringLiteral("the run has no finished epoch yet"));
    try {
        auto student = Student::create(studentConfigFor(config, int(classNames.size())));
        if (!student) return student.error();
        Student st = std::move(student).value();
        if (auto r = st.loadParameters(best.toStdString()); !r) return r.error();
        st.eval();
        const QString dir = outDir.isEmpty() ? run->exportDir() : outDir;
        if (!QDir().mkpath(dir))
            return makeError(ErrorCode::WriteFailed, dir, QStringLiteral("cannot create the folder"));
        const QString model = QDir(dir).filePath(QStringLiteral("model.pt"));
        if (auto r = exportTorchScript(st, exportInfo(config, *run, classNames, *header), model); !r) return r.error();
        run->log(QStringLiteral("exported to %1").arg(model));
        return model;
    } catch (const std::exception &e) {
        return makeError(ErrorCode::Malformed, runDir,
                         QStringLiteral("export failed: %1").arg(qs(detail::firstLine(e))));
    }
}

} // namespace fopro::ml
