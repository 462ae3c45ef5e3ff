#pragma once
// Choosing the frozen teacher of a distillation run: the built-in demo teacher, a TF.js layers
// model folder or a TorchScript file. "Inspect" runs `fopro teacher inspect --json` in a separate
// process (loading a model never blocks the window, and a model that crashes LibTorch does not take
// it down) and shows the input size, the feature dimension and the time per image; for TF.js models
// the feature layer is picked from the model's layer list (the demo teacher's suggested layer,
// block_10_project_BN, is preselected, so nobody has to know its name).

#include <QtCore/QJsonObject>
#include <QtWidgets/QWidget>

class QComboBox;
class QLabel;
class QLineEdit;
class QProcess;
class QPushButton;

namespace fopro::ui {

/// What `fopro teacher inspect --json` reports, as the picker shows it.
struct TeacherInspection {
    int inputSize = 0;
    int featureDim = 0;
    double msPerImage = 0;
    QStringList layers;       ///< "name" of every layer, topological order (TF.js)
    QStringList layerDetails; ///< "Class, shape" per layer
    QString suggestedLayer;   ///< the demo teacher's feature layer, else empty
    QString description;
    static TeacherInspection fromJson(const QJsonObject &object);
};

class TeacherPicker : public QWidget {
    Q_OBJECT
public:
    enum class Source { Demo, Tfjs, TorchScript };

    explicit TeacherPicker(QWidget *parent = nullptr);
    ~TeacherPicker() override;

    /// Shows a configuration's teacher (kind "tfjs"/"torchscript", path, TF.js output layer).
    void setTeacher(const QString &kind, const QString &path, const QString &layer);
    QString kind() const;
    QString path() const;
    QString layer() const;
    Source source() const;
    /// Selects the built-in demo teacher with its feature layer (false when it is not installed).
    bool useDemoTeacher();

    /// Starts the dry run of the chosen teacher (no-op without a path).
    void inspect();
    bool isInspecting() const;
    /// Shows a configuration problem about the teacher under the picker.
    void showProblem(const QString &message) { showInfo(message, true); }
    const TeacherInspection &inspection() const { return m_inspection; }

Q_SIGNALS:
    void edited();
    void inspected(bool ok);

private:
    void sourceChanged();
    void browse();
    void finishInspection();
    void showInfo(const QString &text, bool error = false);

    QComboBox *m_source;
    QLineEdit *m_path;
    QPushButton *m_browse;
    QComboBox *m_layer;
    QPushButton *m_inspect;
    QLabel *m_info;
    QProcess *m_process = nullptr;
    TeacherInspection m_inspection;
    bool m_loading = false;
};

} // namespace fopro::ui
