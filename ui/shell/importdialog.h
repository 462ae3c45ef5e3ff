#pragma once
// Import preview: the importer is detected and run as a job of the window's JobManager; the dialog
// shows the format,
// the classes with their counts and every problem before anything changes. Accepting hands over
// the imported dataset.

#include "core/data/importer.h"
#include "core/jobs/jobmanager.h"

#include <QtWidgets/QDialog>

class QLabel;
class QPlainTextEdit;
class QTableWidget;
class QDialogButtonBox;

namespace fopro::ui {

class ImportDialog : public QDialog {
    Q_OBJECT
public:
    ImportDialog(const QString &path, JobManager *jobs, QWidget *parent = nullptr);
    ~ImportDialog() override;
    /// The imported dataset (valid after the dialog was accepted).
    const data::ImportResult &result() const { return m_result; }
    bool succeeded() const { return m_ok; }
    /// Class renames made in the preview (old name → new name, in table order).
    QList<QPair<QString, QString>> classMapping() const;
    /// Renames a class in the preview table (what double-click editing does).
    void setClassName(const QString &from, const QString &to);
    /// The imported dataset with the class mapping applied (renames; merges when a name exists).
    Result<data::DatasetIndex> mappedDataset() const;

Q_SIGNALS:
    void finished_(bool ok); // emitted when the background import ends (tests wait on it)

private:
    void done_(const Result<data::ImportResult> &r);

    QString m_path;
    JobManager *m_jobs;
    JobManager::JobId m_job = 0;
    data::ImportResult m_result;
    bool m_ok = false;
    QLabel *m_summary;
    QTableWidget *m_classes;
    QPlainTextEdit *m_problems;
    QDialogButtonBox *m_buttons;
};

} // namespace fopro::ui
