#pragma once
// Private to core/ml (no torch, but only core/ml uses it): the Keras topology of a TF.js layers
// model.json — layers by name with their class, configuration and inputs, the default output and
// the input shape — and the orders the importer needs. teachertfjs.cpp builds the network from it.

#include "core/common/result.h"

#include <QtCore/QJsonArray>
#include <QtCore/QJsonObject>
#include <QtCore/QJsonValue>
#include <QtCore/QString>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace fopro::ml::tfjs {

struct KerasLayer {
    QString cls;
    QJsonObject config;
    std::vector<std::string> inbound;
};

struct Failure {
    ErrorCode code;
    std::string detail;
};
using Check = std::optional<Failure>;

struct KerasModel {
    std::vector<std::string> order;
    std::map<std::string, KerasLayer> layers;
    std::string defaultOutput;
    std::vector<std::int64_t> inputShape;

    void readShape(const QJsonObject &cfg)
    {
        const QJsonValue s = cfg.contains(QStringLiteral("batch_input_shape"))
                                 ? cfg.value(QStringLiteral("batch_input_shape"))
                                 : cfg.value(QStringLiteral("batch_shape"));
        if (s.isArray() && inputShape.empty())
            for (const QJsonValue &d : s.toArray())
                inputShape.push_back(d.isDouble() ? d.toInteger() : -1);
    }
};

/// Reads model.json's topology (modelTopology, possibly wrapped in model_config): Sequential,
/// Model or Functional.
Check readTopology(QJsonObject topology, KerasModel &m);
/// Only the layers `output` depends on, in topological order (depth-first post-order).
Check usedLayers(const KerasModel &m, const std::string &output, std::vector<std::string> &used);
/// Every layer, each after the layers it takes input from (file order among the ready ones).
std::vector<std::string> topologicalOrder(const KerasModel &m);

} // namespace fopro::ml::tfjs
