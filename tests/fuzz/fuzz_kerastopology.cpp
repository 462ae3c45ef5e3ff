// Fuzz target: the Keras topology of a TF.js model.json (core/ml/kerastopology_p.h). The parse is
// torch-free, so kerastopology.cpp is compiled into this target directly. The input is read as
// model.json is (its "modelTopology" object); then the layer order and, for the default output
// and every layer, the layers it depends on, as the teacher import does.

#include "core/ml/kerastopology_p.h"
#include "tests/fuzz/fuzzsupport.h"

#include <QtCore/QJsonDocument>

#include <cstdlib>

using namespace fopro;
using namespace fopro::ml::tfjs;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const bool init = (fuzz::quietQt(), true);
    (void)init;
    const QJsonObject root = QJsonDocument::fromJson(fuzz::bytesOf(data, size)).object();
    const QJsonObject topology = root.value(QStringLiteral("modelTopology")).toObject();
    if (topology.isEmpty()) return 0;
    KerasModel m;
    if (readTopology(topology, m)) return 0;
    const std::vector<std::string> order = topologicalOrder(m);
    if (order.size() != m.order.size()) std::abort();
    std::vector<std::string> outputs{m.defaultOutput};
    outputs.insert(outputs.end(), m.order.begin(), m.order.end());
    for (const std::string &output : outputs) {
        if (!m.layers.count(output)) continue;
        std::vector<std::string> used;
        if (!usedLayers(m, output, used) && (used.empty() || used.back() != output)) std::abort();
    }
    return 0;
}
