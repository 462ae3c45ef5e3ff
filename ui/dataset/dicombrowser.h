#pragma once
// A DICOM folder browser: the folder is scanned by data::scanDicom (the importer's walk) as a job of
// the window's JobManager, with progress and cancel, into a tree Patient → Study → Series →
// instance with counts; thumbnails (in small batches) and the preview of the selected instance are
// decoded as jobs too (workers produce QImage; QPixmap is made on the GUI thread; results of an
// earlier scan are dropped); the selected instance's attributes, read as a job, fill a tag table;
// files that cannot be read are listed with the reason.
// "Import as dataset…" emits importRequested(folder); the main window imports it.

#include "core/data/dicomscan.h"
#include "core/jobs/jobmanager.h"

#include <QtCore/QHash>
#include <QtCore/QPersistentModelIndex>
#include <QtCore/QSet>
#include <QtGui/QImage>
#include <QtWidgets/QDialog>

#include <vector>

class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QStandardItem;
class QStandardItemModel;
class QTableWidget;
class QTreeView;
class QTreeWidget;

namespace fopro::ui {

class DicomBrowser : public QDialog {
    Q_OBJECT
public:
    /// Item data roles of the tree model.
    enum Role { FileRole = Qt::UserRole + 1, LevelRole };
    enum Level { PatientLevel, StudyLevel, SeriesLevel, InstanceLevel };

    explicit DicomBrowser(JobManager *jobs, QWidget *parent = nullptr);
    /// Cancels the scan and the decoding jobs (their results are dropped).
    ~DicomBrowser() override;

    /// Starts scanning `folder` (cancelling a scan in progress).
    void setFolder(const QString &folder);
    QString folder() const { return m_folder; }
    /// Asks for a folder with a file dialog and scans it.
    void chooseFolder();
    bool isScanning() const;
    /// Number of files listed as not usable (unreadable, undecodable, or not images).
    int problemCount() const;
    /// Of those, DICOM objects that are valid but not images (reports, RT objects, waveforms).
    int notImageCount() const { return m_notImages; }

    QStandardItemModel *model() const { return m_model; }
    QTreeView *tree() const { return m_tree; }
    QTableWidget *tagTable() const { return m_tags; }
    QTreeWidget *problemList() const { return m_problems; }
    QLabel *preview() const { return m_preview; }
    /// The tree item of an instance file, or null.
    QStandardItem *instanceItem(const QString &file) const;

Q_SIGNALS:
    /// The user asked to import the browsed folder as a dataset.
    void importRequested(const QString &folder);
    /// A scan ended (finished or cancelled); the tree shows its result.
    void scanFinished();

private:
    struct Decoded {
        QString file;
        QImage image; ///< null when it could not be decoded
        QString error;
    };

    void cancelScan();
    void cancelImages();
    void onScanFinished(quint64 generation, const Result<data::DicomScan> &result);
    void buildTree(const data::DicomScan &result);
    void onCurrentChanged(const QModelIndex &current);
    void showInstance(const QString &file);
    void showAttributes(const Result<QMap<QString, QString>> &attributes);
    void requestThumbnails(const QModelIndex &parent);
    JobManager::JobId requestImages(const QStringList &files, int size, bool preview);
    void onImage(quint64 generation, bool preview, const Decoded &decoded);

    QString m_folder;
    QLineEdit *m_folderEdit;
    QPushButton *m_chooseButton;
    QPushButton *m_rescanButton;
    QPushButton *m_cancelButton;
    QPushButton *m_importButton;
    QProgressBar *m_progress;
    QLabel *m_status;
    QStandardItemModel *m_model;
    QTreeView *m_tree;
    QLabel *m_preview;
    QLabel *m_previewCaption;
    QTableWidget *m_tags;
    QLabel *m_problemsLabel;
    QTreeWidget *m_problems;
    int m_notImages = 0;

    JobManager *m_jobs;
    JobManager::JobId m_scanJob = 0;
    JobManager::JobId m_previewJob = 0;
    JobManager::JobId m_tagsJob = 0;
    QSet<JobManager::JobId> m_thumbJobs;
    quint64 m_generation = 0;                          // bumped by every scan; older results are dropped
    QHash<QString, QPersistentModelIndex> m_instances; // file → instance row
    QHash<QString, bool> m_thumbRequested;
    QString m_shownFile;
};

} // namespace fopro::ui
