#pragma once
// The built-in demo dataset: Debian's Fashion-MNIST (real images and labels of clothing, NOT
// medical data) made long-tailed with the ISIC-2019-LT rule. Shared by the CLI demo and the
// desktop application's demo project.

#include "core/common/result.h"
#include "core/data/datasetindex.h"

namespace fopro::project {

struct DemoOptions {
    QString fashionMnistDir = QStringLiteral("/usr/share/datasets/fashion-mnist");
    double factor = 0.01; // imbalance factor on the training split
    int valPerClass = 50; // balanced validation held out of the training pool
    quint64 seed = 0;
};

/// Imports Fashion-MNIST and returns it long-tailed: training split sub-sampled by the ISIC-2019-LT
/// rule, `valPerClass` validation images per class held out of the training pool, the official
/// 10,000 test images kept. The result's info records that it is demo data.
Result<data::DatasetIndex> makeDemoDataset(const DemoOptions &options = {});

/// The sentence every view of the demo shows.
QString demoDisclaimer();

/// The demo teacher (ImageNet MobileNetV2 layers, converted by packaging/install-deps.sh): the
/// model.json found first among $FOPRO_DEMO_TEACHER, <data>/teachers/mobilenet_v2/ in the user's
/// data folder, and .cache/assets/teachers/mobilenet_v2/ in the source tree above the running
/// executable (a build tree) or `searchFrom`. Empty when it is not installed.
QString demoTeacherPath(const QString &searchFrom = {});
/// The demo teacher's feature layer (pooled to 96 features): "block_10_project_BN".
QString demoTeacherLayer();
/// True when `modelJson` (a model.json or its folder) is the demo teacher that demoTeacherPath()
/// finds, searching from the executable's tree or from the teacher's own folder.
bool isDemoTeacher(const QString &modelJson);

} // namespace fopro::project
