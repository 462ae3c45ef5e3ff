#pragma once
// An epoch's record as named numbers: the metrics of the worker protocol's `epoch` event
// (lr, loss and each loss term, val_*, seconds, images_per_second, best). One list for the
// worker that writes the events and the Training page that rebuilds curves from a run's epochs.

#include "core/project/runfolder.h"

#include <QtCore/QString>

#include <utility>
#include <vector>

namespace fopro::project {

std::vector<std::pair<QString, double>> epochMetrics(const EpochRecord &record);

} // namespace fopro::project
