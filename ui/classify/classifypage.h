#pragma once
// The Classify page: new images through a trained model, with or without a project.
//  - images: drop files, folders or DICOM files on the page, or Add files… / Add folder…;
//  - the model: an exported model (a TorchScript .pt with its sidecar JSON, `fopro export`), or a
//    run of the open project whose export/ is used ("Export this run first" runs the export as a
//    job when it has none);
//  - a table of predictions (thumbnail, top-1, confidence bar, top-k), unreadable files listed with
//    the reason, CSV export (the file `fopro predict --csv` writes), Grad-CAM of the selection.
// Classification is core/ml/classify.h's classifyJob on the JobManager.
//
// Arguments (navigate("classify", ...)): "model" (string: a model file or a run folder), "files"
// (string list) to add.

#include "ui/shell/page.h"

#include <QtCore/QStringList>

class QComboBox;
class QLabel;
class QPushButton;
class QSpinBox;
class QTableView;
class QSortFilterProxyModel;

namespace fopro::ui {

class ClassifyModel;
class ConfidenceBarDelegate;
class GradCamPanel;

class ClassifyPage : public Page {
    Q_OBJECT
public:
    explicit ClassifyPage(const PageContext &context, QWidget *parent = nullptr);

    QString pageId() const override { return QStringLiteral("classify"); }
    QString title() const override;
    QIcon icon() const override;
    QList<QAction *> pageActions() const override { return m_actions; }
    void activate(const QVariantMap &arguments) override;
    bool isBusy() const override;
    /// Not busy, and the shown rows' thumbnails have arrived.
    bool isSettled() const override;

    // --- commands ------------------------------------------------------------------------------
    /// Uses this model: a .pt file, a folder holding one, or a run folder (its export/).
    void setModel(const QString &path);
    QString modelPath() const { return m_model; }
    /// Adds files and folders; classifies them at once when a model is chosen.
    void addInputs(const QStringList &paths);
    /// Classifies every input again (e.g. after the model changed).
    void classifyAll();
    void clear();
    /// Exports the chosen run (which has no export yet) as a job, then uses its model.
    void exportChosenRun();
    Result<void> exportCsv(const QString &file) const;
    void explainSelection();

    // --- state --------------------------------------------------------------------------------
    QStringList inputs() const { return m_inputs; }
    ClassifyModel *model() const { return m_table; }
    QTableView *view() const { return m_view; }
    GradCamPanel *gradCam() const { return m_gradCam; }
    QLabel *statusLabel() const { return m_status; }
    /// The last job's error (empty when it succeeded).
    QString lastError() const { return m_lastError; }

protected:
    void dragEnterEvent(QDragEnterEvent *event) override;
    void dropEvent(QDropEvent *event) override;

private:
    void buildActions();
    void refreshModelChoices();
    void classify(const QStringList &inputs, bool replace);
    void updateStatus();
    void chooseModelFile();
    void restoreState();

    QList<QAction *> m_actions;
    QComboBox *m_modelPicker;
    QPushButton *m_exportRun;
    QSpinBox *m_topK;
    QLabel *m_modelInfo;
    QLabel *m_status;
    QLabel *m_dropHint;
    QTableView *m_view;
    ClassifyModel *m_table;
    QSortFilterProxyModel *m_sort;
    ConfidenceBarDelegate *m_bars;
    GradCamPanel *m_gradCam;

    QString m_model;       ///< what the user chose (file, folder or run)
    QString m_modelFile;   ///< the resolved model file of the last classification
    QStringList m_inputs;  ///< every file and folder added
    QStringList m_pending; ///< added while a job ran or before a model was chosen
    QString m_lastError;
    bool m_running = false;
    bool m_exporting = false;
};

} // namespace fopro::ui
