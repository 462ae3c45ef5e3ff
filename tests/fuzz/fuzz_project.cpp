// Fuzz target: project.json (core/project/project.h). The input is the project file of a scratch
// project folder whose dataset.json is a small valid manifest (written once); Project::open reads
// both. A project that opens is saved again elsewhere and reopened.

#include "core/project/project.h"
#include "tests/fuzz/fuzzsupport.h"

#include <cstdlib>

using namespace fopro;

namespace {

const QByteArray kManifest = R"({"kind": "fopro-dataset", "version": 1, "format": "folder", "root": "images",
 "classes": ["nevus", "melanoma"], "info": {},
 "samples": [{"path": "nevus/a.jpg", "label": 0, "split": "train"},
             {"path": "melanoma/b.jpg", "label": 1, "split": "test", "group": "p1"}]})";

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const bool init = (fuzz::quietQt(), true);
    (void)init;
    static const QDir folder = [] {
        QDir d = fuzz::scratchFolder(QStringLiteral("project"));
        fuzz::writeFile(d.filePath(QStringLiteral("dataset.json")), kManifest);
        return d;
    }();
    static const QString copy = fuzz::scratchFolder(QStringLiteral("copy")).absolutePath();
    fuzz::writeFile(folder.filePath(QStringLiteral("project.json")), fuzz::bytesOf(data, size));
    auto p = project::Project::open(folder.absolutePath());
    if (!p) return 0;
    project::Project q = *p;
    q.folder = copy;
    if (!q.save()) std::abort();
    if (!project::Project::open(copy)) std::abort();
    return 0;
}
