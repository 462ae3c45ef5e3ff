#include "core/project/demo.h"

#include "core/data/importer.h"
#include "core/data/longtail.h"

#include <QtCore/QFileInfo>

namespace fopro::project {

QString demoDisclaimer()
{
    return QStringLiteral("Demo data: Fashion-MNIST (real images and labels of clothing, MIT licence), made long-tailed. "
                          "It is not medical data.");
}

Result<data::DatasetIndex> makeDemoDataset(const DemoOptions &options)
{
    if (!QFileInfo(options.fashionMnistDir).isDir())
        return makeError(ErrorCode::NotFound, options.fashionMnistDir,
                         QStringLiteral("Fashion-MNIST not found; install Debian's dataset-fashion-mnist (packaging/install-deps.sh does)"));
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

} // namespace fopro::project
