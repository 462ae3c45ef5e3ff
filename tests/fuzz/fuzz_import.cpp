// Fuzz target: the CSV-based importers (core/data/importers.h). The first byte picks the importer
// (0 ISIC 2019, 1 ISIC-2019-LT, 2 HAM10000, 3 generic CSV; modulo 4); the rest is written as that
// importer's CSV in a folder of its own, made once, and the importer runs on it with checkFiles
// off (no image folder exists, so nothing is statted per row).

#include "core/data/importers.h"
#include "tests/fuzz/fuzzsupport.h"

#include <cstdlib>

using namespace fopro;

namespace {

struct Format {
    const char *folder;
    const char *csv;
    std::unique_ptr<data::Importer> (*make)();
};

const Format kFormats[] = {
    {"isic", "ISIC_2019_Training_GroundTruth.csv", data::makeIsic2019Importer},
    {"isiclt", "train_skin1_0.01.csv", data::makeIsicLtImporter},
    {"ham", "HAM10000_metadata.csv", data::makeHam10000Importer},
    {"csv", "labels.csv", data::makeCsvImporter},
};

void check(const data::ImportResult &r)
{
    const data::DatasetIndex &d = r.index;
    for (const data::Sample &s : d.samples)
        if (s.label < -1 || s.label >= d.classCount()) std::abort();
    (void)d.classCounts();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const bool init = (fuzz::quietQt(), true);
    (void)init;
    if (size < 1) return 0;
    const Format &f = kFormats[data[0] % 4];
    static std::unique_ptr<data::Importer> importers[4];
    std::unique_ptr<data::Importer> &importer = importers[data[0] % 4];
    if (!importer) importer = f.make();
    const QString file = fuzz::scratchFolder(QString::fromLatin1(f.folder)).filePath(QString::fromLatin1(f.csv));
    fuzz::writeFile(file, fuzz::bytesOf(data + 1, size - 1));
    data::ImportOptions options;
    options.checkFiles = false;
    const auto result = importer->run(file, options);
    if (result) check(*result);
    (void)importer->probe(file);
    return 0;
}
