// Fuzz target: training configurations (core/ml/trainconfig.h TrainConfig::load, which reads the
// file, unwraps a run's config.json and calls fromJson and validate). trainconfig.cpp includes no
// torch, so it is compiled into this target directly; the two torch-side things it calls (the
// strategy registry and the student check) come from mlstubs.cpp. A configuration that loads is
// written back to JSON and must load again to the same JSON.

#include "core/ml/trainconfig.h"
#include "tests/fuzz/fuzzsupport.h"

#include <cstdlib>

using namespace fopro;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const bool init = (fuzz::quietQt(), true);
    (void)init;
    static const QString file = fuzz::scratch().filePath(QStringLiteral("config.json"));
    fuzz::writeFile(file, fuzz::bytesOf(data, size));
    const auto c = ml::TrainConfig::load(file);
    if (!c) return 0;
    const QJsonObject json = c->toJson();
    const auto again = ml::TrainConfig::fromJson(json, file);
    if (!again || again->toJson() != json) std::abort();
    return 0;
}
