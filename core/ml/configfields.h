#pragma once
// The registry of training-configuration fields: one entry per knob of TrainConfig's JSON form
// (trainconfig.h), with its group, a label and help text for people, its kind of value and its
// range. `fopro train --help-config` prints it; the Training page builds its form from it; a test
// checks that it covers every key TrainConfig::toJson writes. Plain Qt: no torch.
//
// Keys are dotted JSON paths ("prompt.alpha", "student.widthMultiplier"), exactly the paths of the
// configuration file and of `fopro train --set KEY=VALUE`.

#include <QtCore/QJsonObject>
#include <QtCore/QJsonValue>
#include <QtCore/QString>
#include <QtCore/QStringList>

#include <vector>

namespace fopro::ml {

enum class FieldKind {
    Integer, ///< a whole number in [minimum, maximum]
    Number,  ///< a real number in [minimum, maximum] (shown with `decimals`, or in scientific notation when logScale)
    Boolean,
    Choice, ///< one of `choices` (their labels for people in `choiceLabels`)
    Text,
    File,   ///< a path to a file
    Folder, ///< a path to a folder (or a file or folder, for the dataset)
    Blocks, ///< four whole numbers ≥ 1 (student.cifarBlocks)
    Triple, ///< three numbers (mean, std)
};

struct ConfigField {
    QString key;   ///< dotted JSON path
    QString group; ///< one of configGroups()
    QString label; ///< short, for a form
    QString help;  ///< one or two sentences for people
    FieldKind kind = FieldKind::Number;
    double minimum = 0;
    double maximum = 0; ///< unused for kinds without a range
    int decimals = 3;
    bool logScale = false; ///< learning rates and the like: edited in scientific notation
    QStringList choices;
    QStringList choiceLabels;
    /// The strategies this field matters for (ids); empty = every strategy.
    QStringList strategies;
    bool advanced = false; ///< hidden unless the user asks for every field
};

/// The groups, in the order a form shows them: "Data", "Student", "Teacher", "Strategy and loss",
/// "Optimiser", "Fourier prompt", "Augmentation", "Compute".
const QStringList &configGroups();
/// Every field, grouped in configGroups() order.
const std::vector<ConfigField> &configFields();
/// The field with this key, or null.
const ConfigField *findConfigField(const QString &key);

/// The value at a dotted key (undefined when absent).
QJsonValue configValue(const QJsonObject &root, const QString &key);
/// Sets the value at a dotted key, creating the nested objects on the way.
void setConfigValue(QJsonObject &root, const QString &key, const QJsonValue &value);
/// Every dotted key of the leaves of `root` (nested objects are descended, arrays are leaves).
QStringList configKeys(const QJsonObject &root);

/// True when `field` matters for the strategy `strategyId` (its strategies list is empty or names it).
bool fieldAppliesTo(const ConfigField &field, const QString &strategyId);

/// The registry as text for `fopro train --help-config`: one block per group, one line per field
/// (key, kind and range, help).
QString configFieldsHelp();

} // namespace fopro::ml
