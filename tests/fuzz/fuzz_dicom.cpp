// Fuzz target: DICOM through the project's reader (core/data/dicomreader.h): the magic check, the
// header with two extra attributes, the attribute dump and, for files the header check accepts,
// the decode of the first and the last frame to RGB. The API reads a path, so the input is written
// to a scratch file.

#include "core/data/dicomreader.h"
#include "tests/fuzz/fuzzsupport.h"

#include <cstdlib>

using namespace fopro;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const bool init = (fuzz::quietQt(), true);
    (void)init;
    static const QString file = fuzz::scratch().filePath(QStringLiteral("input.dcm"));
    static const QStringList extra{QStringLiteral("BodyPartExamined"), QStringLiteral("0018,0015")};
    fuzz::writeFile(file, fuzz::bytesOf(data, size));
    (void)data::hasDicomMagic(file);
    (void)data::readAllDicomAttributes(file);
    const auto info = data::readDicomInfo(file, extra);
    if (!info) return 0;
    // The first frame, and the last one of a multi-frame file.
    for (int frame : {0, info->frames > 1 ? info->frames - 1 : -1}) {
        if (frame < 0) break;
        data::DicomWindowInfo shown;
        const auto image = data::decodeDicomFrame(file, frame, {}, &shown);
        if (image && (image->empty() || image->type() != CV_8UC3)) std::abort();
    }
    return 0;
}
