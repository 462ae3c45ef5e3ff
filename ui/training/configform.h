#pragma once
// The training configuration as a form: one editor per field of the registry
// (core/ml/configfields.h), grouped, each with its help as tool tip and a message line under it
// that shows why its value is refused. Fields that do not matter for the chosen strategy are
// hidden, advanced ones unless "every setting" is on. The teacher is edited by a TeacherPicker.
//
// setConfig()/config() round-trip every field through the configuration's JSON form; keys the
// form does not edit ("dataset", "runDir") pass through unchanged.

#include <QtCore/QHash>
#include <QtCore/QJsonObject>
#include <QtWidgets/QWidget>

#include <functional>

class QCheckBox;
class QFormLayout;
class QLabel;
class QScrollArea;
class QToolBox;

namespace fopro::ml {
struct ConfigField;
}

namespace fopro::ui {

class TeacherPicker;

class ConfigForm : public QWidget {
    Q_OBJECT
public:
    explicit ConfigForm(QWidget *parent = nullptr);

    /// Shows `config` (a TrainConfig JSON object; missing keys show the defaults).
    void setConfig(const QJsonObject &config);
    /// The configuration the form shows.
    QJsonObject config() const;

    /// Checks the configuration (TrainConfig::fromJson) and shows the message next to the field it
    /// names; returns the message ("" when valid).
    QString validate();
    /// The keys of the fields with an editor (every registry field but "dataset" and "runDir").
    QStringList editedKeys() const;
    /// The editor of a key (for tests and focus), null when none.
    QWidget *editor(const QString &key) const;
    TeacherPicker *teacherPicker() const { return m_teacher; }

    void setShowAdvanced(bool show);
    bool showsAdvanced() const;
    /// The strategy id the form shows.
    QString strategy() const;

Q_SIGNALS:
    /// The user changed a value (not emitted by setConfig).
    void edited();

private:
    struct Row {
        const ml::ConfigField *field = nullptr;
        QWidget *editor = nullptr;
        QWidget *container = nullptr; ///< label + editor + message, hidden together
        QLabel *label = nullptr;
        QLabel *message = nullptr;
        std::function<QJsonValue()> get;
        std::function<void(const QJsonValue &)> set;
    };

    void build();
    Row makeRow(const ml::ConfigField &field);
    void updateVisibility();
    void clearMessages();
    void onEdited();

    QToolBox *m_groups = nullptr;
    QCheckBox *m_advanced = nullptr;
    TeacherPicker *m_teacher = nullptr;
    QHash<QString, Row> m_rows;
    QStringList m_order;
    QHash<QString, int> m_groupIndex;
    QJsonObject m_passThrough; ///< the keys without an editor, as last set
    bool m_loading = false;
};

} // namespace fopro::ui
