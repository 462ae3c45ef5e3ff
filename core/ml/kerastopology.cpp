// The Keras topology of a TF.js layers model (kerastopology_p.h).

#include "core/ml/kerastopology_p.h"

#include <QtCore/QJsonArray>

#include <algorithm>
#include <set>
#include <utility>

namespace fopro::ml::tfjs {

namespace {

void readSequential(const QJsonValue &configValue, KerasModel &m)
{
    const QJsonArray list = configValue.isArray() ? configValue.toArray()
                                                  : configValue.toObject().value(QStringLiteral("layers")).toArray();
    std::string previous;
    for (const QJsonValue &lv : list) {
        const QJsonObject l = lv.toObject();
        KerasLayer layer{
            l.value(QStringLiteral("class_name")).toString(), l.value(QStringLiteral("config")).toObject(), {}};
        std::string name = layer.config.value(QStringLiteral("name")).toString().toStdString();
        if (name.empty()) name = "layer_" + std::to_string(m.order.size());
        m.readShape(layer.config);
        if (m.order.empty() && layer.cls != QLatin1String("InputLayer")) {
            m.layers["input"] = KerasLayer{QStringLiteral("InputLayer"), {}, {}};
            m.order.push_back("input");
            previous = "input";
        }
        if (!previous.empty()) layer.inbound.push_back(previous);
        m.layers[name] = layer;
        m.order.push_back(name);
        previous = name;
    }
    m.defaultOutput = previous;
}

Check readFunctional(const QJsonObject &config, KerasModel &m)
{
    for (const QJsonValue &lv : config.value(QStringLiteral("layers")).toArray()) {
        const QJsonObject l = lv.toObject();
        const std::string name = l.value(QStringLiteral("name")).toString().toStdString();
        KerasLayer layer{
            l.value(QStringLiteral("class_name")).toString(), l.value(QStringLiteral("config")).toObject(), {}};
        const QJsonArray nodes = l.value(QStringLiteral("inbound_nodes")).toArray();
        if (nodes.size() > 1)
            return Failure{ErrorCode::Unsupported, "layer " + name + " is shared (called " +
                                                       std::to_string(nodes.size()) + " times); not supported"};
        if (!nodes.isEmpty()) {
            if (!nodes.at(0).isArray())
                return Failure{ErrorCode::Unsupported,
                               "layer " + name + ": inbound_nodes format not supported (expected Keras 2 lists)"};
            for (const QJsonValue &in : nodes.at(0).toArray())
                layer.inbound.push_back(in.toArray().at(0).toString().toStdString());
        }
        if (layer.cls == QLatin1String("InputLayer")) m.readShape(layer.config);
        m.layers[name] = layer;
        m.order.push_back(name);
    }
    const QJsonArray outs = config.value(QStringLiteral("output_layers")).toArray();
    if (!outs.isEmpty()) m.defaultOutput = outs.at(0).toArray().at(0).toString().toStdString();
    if (config.value(QStringLiteral("input_layers")).toArray().size() > 1)
        return Failure{ErrorCode::Unsupported, "models with more than one input are not supported"};
    return {};
}

} // namespace

Check readTopology(QJsonObject topology, KerasModel &m)
{
    if (topology.contains(QStringLiteral("model_config")))
        topology = topology.value(QStringLiteral("model_config")).toObject();
    const QString modelClass = topology.value(QStringLiteral("class_name")).toString();
    const QJsonValue configValue = topology.value(QStringLiteral("config"));
    if (modelClass == QLatin1String("Sequential")) {
        readSequential(configValue, m);
        return {};
    }
    if (modelClass == QLatin1String("Model") || modelClass == QLatin1String("Functional"))
        return readFunctional(configValue.toObject(), m);
    return Failure{ErrorCode::Unsupported,
                   "model class '" + modelClass.toStdString() + "' not supported (Model, Functional or Sequential)"};
}

Check usedLayers(const KerasModel &m, const std::string &output, std::vector<std::string> &used)
{
    std::set<std::string> done, onStack;
    std::vector<std::pair<std::string, size_t>> stack{{output, 0}};
    onStack.insert(output);
    while (!stack.empty()) {
        auto &[name, next] = stack.back();
        const KerasLayer &layer = m.layers.at(name);
        if (next < layer.inbound.size()) {
            const std::string in = layer.inbound[next++];
            if (!m.layers.count(in))
                return Failure{ErrorCode::Malformed, "layer " + name + " takes input from unknown layer " + in};
            if (onStack.count(in)) return Failure{ErrorCode::Malformed, "the layer graph has a cycle at " + in};
            if (!done.count(in)) {
                onStack.insert(in);
                stack.emplace_back(in, 0);
            }
            continue;
        }
        used.push_back(name);
        done.insert(name);
        onStack.erase(name);
        stack.pop_back();
    }
    return {};
}

/// The network of the used layers, weights registered (frozen by the caller).

std::vector<std::string> topologicalOrder(const KerasModel &m)
{
    std::vector<std::string> order, pending = m.order;
    std::set<std::string> placed;
    while (!pending.empty()) {
        bool moved = false;
        for (auto it = pending.begin(); it != pending.end();) {
            const std::vector<std::string> &in = m.layers.at(*it).inbound;
            const bool ready = std::all_of(in.begin(), in.end(),
                                           [&](const std::string &n) { return placed.count(n) || !m.layers.count(n); });
            if (!ready) {
                ++it;
                continue;
            }
            placed.insert(*it);
            order.push_back(*it);
            it = pending.erase(it);
            moved = true;
        }
        if (!moved) { // a cycle: the rest in file order
            order.insert(order.end(), pending.begin(), pending.end());
            break;
        }
    }
    return order;
}

} // namespace fopro::ml::tfjs
