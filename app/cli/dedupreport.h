#pragma once
// Duplicate reporting shared by `dataset inspect`, `dataset dedup` and the demo.

#include "core/data/duplicates.h"
#include "core/data/importer.h"

#include <QtCore/QJsonObject>

namespace fopro::cli {

struct DedupReport {
    data::DuplicateReport report;
    std::vector<data::ImportProblem> unreadable; // problems of the hashing pass, by file
};

struct DedupSettings {
    int threshold = 6;
    double maxDifference = 6.0;
    bool near = true;
};

/// Hashes every image (with a progress line on a terminal) and clusters duplicates.
Result<DedupReport> runDedup(const data::DatasetIndex &index, int threads, const DedupSettings &settings);
void printDedupSummary(const data::DatasetIndex &index, const DedupReport &rep, int examples);
QJsonObject dedupJson(const data::DatasetIndex &index, const DedupReport &rep);

} // namespace fopro::cli
