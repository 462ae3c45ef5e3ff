#pragma once
// A project is a folder: project.json (name, readable curation history) beside dataset.json (the
// dataset manifest). Both are written atomically; a project opens from its folder or from
// project.json.

#include "core/common/result.h"
#include "core/data/datasetindex.h"
#include "core/data/longtail.h"

#include <QtCore/QDateTime>

namespace fopro::project {

struct HistoryEntry {
    QDateTime time;      // UTC
    QString description; // e.g. "Relabel 3 images as melanoma", "Undo: Exclude 2 images"
};

class Project {
public:
    QString folder; // absolute
    QString name;
    bool demo = false; // the built-in demo project (not medical data)
    data::DatasetIndex dataset;
    /// Head / medium / tail thresholds on training counts, used by every view of the project.
    data::TailThresholds thresholds = data::TailThresholds::defaults();
    QList<HistoryEntry> history;

    QString projectFile() const; // <folder>/project.json
    QString datasetFile() const; // <folder>/dataset.json

    /// Writes dataset.json then project.json, each atomically.
    Result<void> save() const;
    /// Opens a project folder or its project.json.
    static Result<Project> open(const QString &folderOrFile);
    /// True when `path` is a project folder or project file.
    static bool isProject(const QString &path);
};

} // namespace fopro::project
