// Fuzz target: the worker-process progress protocol (core/jobs/workerprotocol.h). The input is fed
// to a LineSplitter in two pieces; every line it gives is decoded as an event (and as a command);
// an event that decodes is encoded again and must decode to the same line.

#include "core/jobs/workerprotocol.h"
#include "tests/fuzz/fuzzsupport.h"

#include <cstdlib>

using namespace fopro;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const bool init = (fuzz::quietQt(), true);
    (void)init;
    const QByteArray bytes = fuzz::bytesOf(data, size);
    // The whole input as one line, as a supervisor may get it.
    std::vector<QByteArray> lines{bytes};
    worker::LineSplitter splitter;
    const qsizetype half = bytes.size() / 2;
    for (const QByteArray &piece : {bytes.left(half), bytes.mid(half)})
        for (QByteArray &line : splitter.feed(piece))
            lines.push_back(std::move(line));
    for (const QByteArray &line : lines) {
        (void)worker::decodeCommand(line);
        const auto event = worker::decode(line);
        if (!event) continue;
        (void)event->progress.fraction();
        const QByteArray encoded = worker::encode(*event);
        const auto again = worker::decode(encoded);
        if (!again || worker::encode(*again) != encoded) std::abort();
    }
    return 0;
}
