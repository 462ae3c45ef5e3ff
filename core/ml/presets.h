#pragma once
// Named starting points for a training configuration: the published EKD recipe, FoPro-KD with the
// adversarial prompt, and a quick demo. A preset is a set of configuration keys (configfields.h)
// laid over the defaults; the Training page offers them, `fopro train --preset ID` applies one.
// Plain Qt: no torch.

#include <QtCore/QJsonObject>
#include <QtCore/QString>

#include <vector>

namespace fopro::ml {

struct TrainPreset {
    QString id;          ///< "ekd-published", "fopro-kd", "quick-demo", "bsm-baseline"
    QString name;        ///< for people
    QString description; ///< one or two sentences: where the numbers come from
    QJsonObject values;  ///< dotted keys → values (configValue/setConfigValue paths)
};

const std::vector<TrainPreset> &trainPresets();
const TrainPreset *findPreset(const QString &id);
/// `base` with the preset's values set (the dataset, run folder and teacher of `base` are kept
/// unless the preset names them).
QJsonObject applyPreset(const QJsonObject &base, const TrainPreset &preset);
/// True when every value of the preset equals the configuration's.
bool matchesPreset(const QJsonObject &config, const TrainPreset &preset);

} // namespace fopro::ml
