#pragma once
// A DICOM folder browser: headers are read off the GUI thread (one readDicomInfo per file, with
// progress and cancel) into a tree Patient → Study → Series → instance with counts; thumbnails and
// the preview of the selected instance are decoded on a small pool of their own (workers produce
// QImage; QPixmap is made on the GUI thread; results of an earlier scan are dropped); the selected
// instance's attributes fill a tag table; files that cannot be read are listed with the reason.
// "Import as dataset…" emits importRequested(folder); the main window imports it.

#include "core/data/dicomreader.h"

#include <QtCore/QFutureWatcher>
#include <QtCore/QHash>
#include <QtCore/QPersistentModelIndex>
#include <QtCore/QThreadPool>
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

/// One file seen by a scan: its header, or why it cannot be used.
struct DicomScanEntry {
    QString file; // absolute
    bool ok = false;
    data::DicomInfo info;
    QString reason;
};

struct DicomScanResult {
    QString folder;
    std::vector<DicomScanEntry> entries;
    int otherFiles = 0; // files that are neither DICOM-named nor carry the DICM preamble
};

class DicomBrowser : public QDialog {
    Q_OBJECT
public:
    /// Item data roles of the tree model.
    enum Role { FileRole = Qt::UserRole + 1, LevelRole };
    enum Level { PatientLevel, StudyLevel, SeriesLevel, InstanceLevel };

    explicit DicomBrowser(QWidget *parent = nullptr);
    /// Cancels the scan and waits for every worker.
    ~DicomBrowser() override;

    /// Starts scanning `folder` (cancelling a scan in progress).
    void setFolder(const QString &folder);
    QString folder() const { return m_folder; }
    /// Asks for a folder with a file dialog and scans it.
    void chooseFolder();
    bool isScanning() const;
    /// Number of files listed as unreadable.
    int problemCount() const;

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
    void cancelScan();
    void onScanFinished();
    void buildTree(const DicomScanResult &result);
    void onCurrentChanged(const QModelIndex &current);
    void showInstance(const QString &file);
    void requestThumbnails(const QModelIndex &parent);
    void requestImage(const QString &file, int size, bool preview);
    void onImage(const QString &file, quint64 generation, bool preview, const QImage &image, const QString &error);

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

    QThreadPool m_scanPool;
    QThreadPool m_imagePool;
    QFutureWatcher<DicomScanResult> m_scanWatcher;
    quint64 m_generation = 0;          // bumped by every scan; older images are dropped
    QHash<QString, QPersistentModelIndex> m_instances; // file → instance row
    QHash<QString, bool> m_thumbRequested;
    QString m_shownFile;
};

} // namespace fopro::ui
