#include "core/project/demo.h"

#include "core/data/importer.h"
#include "core/data/longtail.h"

#include <QtCore/QCoreApplication>
#include <QtCore/QDir>
#include <QtCore/QFileInfo>
#include <QtCore/QStandardPaths>

namespace fopro::project {

QString demoDisclaimer()
{
    return QStringLiteral(
        "Demo data: Fashion-MNIST (real images and labels of clothing, MIT licence), made long-tailed. "
        "It is not medical data.");
}

Result<data::DatasetIndex> makeDemoDataset(const DemoOptions &options)
{
    if (!QFileInfo(options.fashionMnistDir).isDir())
        return makeError(
            ErrorCode::NotFound, options.fashionMnistDir,
            QStringLiteral(
                "Fashion-MNIST not found; install Debian's dataset-fashion-mnist (packaging/install-deps.sh does)"));
    data::ImportOptions io;
    io.format = QStringLiteral("idx");
    auto imported = data::importDataset(options.fashionMnistDir, io);
    if (!imported) return imported.error();
    data::LongTailOptions lt;
    lt.factor = options.factor;
    lt.valPerClass = options.valPerClass;
    lt.seed = options.seed;
    lt.onlyTrainSplit = true;
    auto result = data::makeLongTail(imported->index, lt);
    if (!result) return result.error();
    result->info.insert(QStringLiteral("demo"), true);
    result->info.insert(QStringLiteral("dataset"), QStringLiteral("Fashion-MNIST-LT (demo, not medical data)"));
    return result;
}

QString demoTeacherPath(const QString &searchFrom)
{
    const QString relative = QStringLiteral(".cache/assets/teachers/mobilenet_v2/model.json");
    const QString env = qEnvironmentVariable("FOPRO_DEMO_TEACHER");
    if (!env.isEmpty()) {
        const QFileInfo info(env);
        const QString file = info.isDir() ? QDir(env).filePath(QStringLiteral("model.json")) : env;
        if (QFileInfo::exists(file)) return QFileInfo(file).absoluteFilePath();
    }
    const QString data = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
    if (!data.isEmpty() && QFileInfo::exists(data + QStringLiteral("/teachers/mobilenet_v2/model.json")))
        return data + QStringLiteral("/teachers/mobilenet_v2/model.json");
    QStringList starts;
    if (!searchFrom.isEmpty()) starts << searchFrom;
    if (QCoreApplication::instance()) starts << QCoreApplication::applicationDirPath();
    for (const QString &start : starts) {
        QDir dir(start);
        for (int up = 0; up < 6; ++up) {
            if (QFileInfo::exists(dir.filePath(relative))) return QFileInfo(dir.filePath(relative)).absoluteFilePath();
            if (!dir.cdUp()) break;
        }
    }
    return {};
}

QString demoTeacherLayer()
{
    return QStringLiteral("block_10_project_BN");
}

bool isDemoTeacher(const QString &modelJson)
{
    const QFileInfo info(modelJson);
    const QString json = info.isDir() ? QDir(modelJson).filePath(QStringLiteral("model.json")) : modelJson;
    const QString file = QFileInfo(json).canonicalFilePath();
    if (file.isEmpty()) return false;
    for (const QString &demo : {demoTeacherPath(), demoTeacherPath(QFileInfo(json).absolutePath())})
        if (!demo.isEmpty() && QFileInfo(demo).canonicalFilePath() == file) return true;
    return false;
}

} // namespace fopro::project
