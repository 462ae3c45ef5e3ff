// Fuzz target: dataset manifests (core/data/datasetindex.h DatasetIndex::load). The input is
// written as a scratch dataset.json; a manifest that loads is written back to JSON, read again,
// and must give the same samples.

#include "core/data/datasetindex.h"
#include "tests/fuzz/fuzzsupport.h"

#include <cstdlib>

using namespace fopro;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const bool init = (fuzz::quietQt(), true);
    (void)init;
    static const QString file =
        fuzz::scratchFolder(QStringLiteral("manifest")).filePath(QStringLiteral("dataset.json"));
    fuzz::writeFile(file, fuzz::bytesOf(data, size));
    const auto d = data::DatasetIndex::load(file);
    if (!d) return 0;
    (void)d->classCounts();
    const QString dir = QFileInfo(file).absolutePath();
    const auto again = data::DatasetIndex::fromJson(d->toJson(dir), dir, file);
    if (!again || again->samples.size() != d->samples.size() || again->classes != d->classes) std::abort();
    return 0;
}
