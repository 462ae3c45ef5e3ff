#pragma once
// Import preview: the importer is detected and run as a job of the window's JobManager; the dialog
// shows the format, the classes with their counts and head / medium / tail group (by the
// thresholds the project will use), and every file that cannot be used, with the reason, before
// anything changes. Unusable files (missing, empty, not an image whatever their name, truncated)
// are skipped and not counted, as on the command line; DICOM objects that are not images (reports,
// RT plans, ECGs) are listed apart from broken files.
//
// Every importer option of the command line can be set here and re-reads the preview: the format,
// the CSV columns (path, label, group, split; offered from the CSV's header), the DICOM label
// attribute or a sidecar CSV and "all frames", and the image folder of ISIC-2019-LT split files.
// An import without a single labelled image is refused (Import stays disabled, with the reason).
// Accepting hands over the imported dataset.

#include "core/data/importer.h"
#include "core/data/longtail.h"
#include "core/jobs/jobmanager.h"

#include <QtWidgets/QDialog>

class QCheckBox;
class QComboBox;
class QDialogButtonBox;
class QGroupBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QTableWidget;
class QTimer;
class QTreeWidget;

namespace fopro::ui {

class ImportDialog : public QDialog {
    Q_OBJECT
public:
    ImportDialog(const QString &path, JobManager *jobs, QWidget *parent = nullptr,
                 data::TailThresholds thresholds = data::TailThresholds::defaults());
    ~ImportDialog() override;
    /// The imported dataset (valid after the dialog was accepted).
    const data::ImportResult &result() const { return m_result; }
    /// The last read produced a dataset that can be imported (at least one labelled image).
    bool succeeded() const { return m_ok; }
    /// Why the dataset cannot be imported as it is read now (empty when it can).
    QString refusal() const { return m_refusal; }
    /// Class renames made in the preview (old name → new name, in table order).
    QList<QPair<QString, QString>> classMapping() const;
    /// Renames a class in the preview table (what double-click editing does).
    void setClassName(const QString &from, const QString &to);
    /// The imported dataset with the class mapping applied (renames; merges when a name exists).
    Result<data::DatasetIndex> mappedDataset() const;

    /// The importer options as the controls set them; setting them re-reads the preview now.
    data::ImportOptions options() const;
    void setOptions(const data::ImportOptions &options);
    /// The importer that read (or will read) the path: forced, else detected.
    QString importerId() const { return m_importerId; }
    bool isReading() const { return m_job != 0; }

    QPushButton *importButton() const;
    QLabel *summary() const { return m_summary; }
    QTableWidget *classTable() const { return m_classes; }
    /// Problems grouped: files that cannot be used, objects that are not images, notes.
    QTreeWidget *problemList() const { return m_problems; }
    int unusableCount() const { return m_unusable; }
    int notImageCount() const { return m_notImages; }
    QGroupBox *csvOptions() const { return m_csvBox; }
    QGroupBox *dicomOptions() const { return m_dicomBox; }

Q_SIGNALS:
    void finished_(bool ok); // emitted when each background read ends (tests wait on it)

private:
    struct Preview {
        std::optional<data::ImportResult> result;
        Error error;
        QString importerId;
        QStringList csvColumns;
    };
    void reload();
    void optionsEdited();
    void done_(const Result<Preview> &r);
    void showOptionsFor(const QString &importerId);
    void fillColumns(const QStringList &columns);
    void fillProblems();

    QString m_path;
    JobManager *m_jobs;
    JobManager::JobId m_job = 0;
    quint64 m_generation = 0;
    data::TailThresholds m_thresholds;
    data::ImportResult m_result;
    bool m_ok = false;
    QString m_refusal;
    QString m_importerId;
    QStringList m_columns;
    int m_unusable = 0;
    int m_notImages = 0;

    QLabel *m_summary;
    QComboBox *m_format;
    QGroupBox *m_csvBox;
    QComboBox *m_pathColumn;
    QComboBox *m_labelColumn;
    QComboBox *m_groupColumn;
    QComboBox *m_splitColumn;
    QGroupBox *m_dicomBox;
    QComboBox *m_dicomLabel;
    QLineEdit *m_sidecar;
    QCheckBox *m_allFrames;
    QGroupBox *m_rootBox;
    QLineEdit *m_imageRoot;
    QTableWidget *m_classes;
    QLabel *m_problemsLabel;
    QTreeWidget *m_problems;
    QDialogButtonBox *m_buttons;
    QTimer *m_reloadDelay;
};

} // namespace fopro::ui
