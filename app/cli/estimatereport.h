#pragma once
// `fopro train --estimate`: a dry run of a configuration (core/ml/estimate.h) printed for people
// or as one JSON object.

#include "core/ml/estimate.h"
#include "core/ml/trainconfig.h"

#include <QtCore/QString>

#include <cstdint>

namespace fopro::cli {

/// Runs the dry run of `config` with `steps` timed steps (Ctrl-C / SIGTERM cancel it) and prints
/// it: for people, or with `json` one JSON object on one line on stdout (through the worker's event
/// stream when worker mode is on). Returns the exit code (0, 1 failed, 130 cancelled).
int runEstimate(const ml::TrainConfig &config, int steps, bool json);

/// The estimate for people: the headline ("about 12 min, 85 MB") and one line per part.
QString estimateText(const ml::TrainEstimate &estimate);

/// "about 40 s", "about 12 min", "about 2 h 05 min".
QString roughDuration(double seconds);
/// "850 B", "12 KB", "85 MB", "1.2 GB" (powers of 1000).
QString formatBytes(std::int64_t bytes);

} // namespace fopro::cli
