// Fuzz target: IDX files (core/data/idxfile.h), raw or gzip. The API reads a path, so the input is
// written to a scratch file. A file that reads as images also goes through the process-wide store
// (first and last entry as RGB), which is cleared after every input.

#include "core/data/idxfile.h"
#include "tests/fuzz/fuzzsupport.h"

#include <cstdlib>

using namespace fopro;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const bool init = (fuzz::quietQt(), true);
    (void)init;
    static const QString file = fuzz::scratch().filePath(QStringLiteral("input.idx"));
    fuzz::writeFile(file, fuzz::bytesOf(data, size));
    const auto array = data::readIdxFile(file);
    if (!array) return 0;
    if (array->dims.empty() || array->dims.size() > 4) std::abort();
    (void)array->itemBytes();
    if (array->dims.size() == 3) {
        data::IdxStore &store = data::IdxStore::instance();
        const int count = array->count();
        for (int entry : {0, count - 1, count}) {
            const auto image = store.image(file, entry);
            if (image && (image->empty() || image->type() != CV_8UC3)) std::abort();
        }
        store.clear();
    }
    return 0;
}
