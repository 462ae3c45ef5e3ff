#pragma once
// "Export de-identified…": output folder, date handling, the project's secret key, overwrite; runs
// data::exportDataset as a job of the window's JobManager with progress and cancel, then reports the
// outcome (files written, samples skipped with their reasons, metadata removed).
//
// The secret key: 32 random bytes, generated the first time a project is exported and kept in the
// user's settings (settings::deidentifySecrets, keyed by a SHA-256 of the project folder), so later
// exports of the same project on this machine give the same pseudonyms, and the key never travels
// with the project folder or the export. The field is editable: pasting the key used on another
// machine reproduces its pseudonyms; any text of at least 16 bytes is accepted as a passphrase.
// An unsaved project (no folder) gets a fresh key for this dialog only.

#include "core/data/datasetindex.h"
#include "core/data/deidentify.h"
#include "core/jobs/jobmanager.h"

#include <QtWidgets/QDialog>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;

namespace fopro::ui {

class DeidentifyDialog : public QDialog {
    Q_OBJECT
public:
    DeidentifyDialog(const data::DatasetIndex &dataset, const QString &projectFolder, JobManager *jobs,
                     QWidget *parent = nullptr);
    /// Cancels a running export (it stops after the current image; the JobManager waits for it).
    ~DeidentifyDialog() override;

    /// The stored key of `projectFolder` (hex), generated and stored on first use; empty folder →
    /// a fresh key, not stored.
    static QString projectSecret(const QString &projectFolder);

    void setOutputFolder(const QString &folder);
    void setDateMode(data::DateMode mode);
    void setOverwrite(bool overwrite);
    /// Starts the export with the dialog's settings; false (with the reason shown) when they are
    /// not valid.
    bool startExport();
    bool isRunning() const;
    /// The outcome text shown after the last export.
    QString outcomeText() const;

Q_SIGNALS:
    void exportFinished(bool ok);

private:
    void onFinished(const Result<data::ExportReport> &r);

    data::DatasetIndex m_dataset;
    QString m_projectFolder;
    QLineEdit *m_output;
    QComboBox *m_dateMode;
    QLineEdit *m_secret;
    QCheckBox *m_showSecret;
    QCheckBox *m_overwrite;
    QProgressBar *m_progress;
    QPlainTextEdit *m_outcome;
    QPushButton *m_exportButton;
    QPushButton *m_cancelButton;
    QLabel *m_summary;
    JobManager *m_jobs;
    JobManager::JobId m_job = 0;
};

} // namespace fopro::ui
