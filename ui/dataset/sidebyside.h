#pragma once
// A duplicate cluster's images side by side (the Split manager's duplicate list): each image
// decoded as a job of the window's JobManager (letterboxed to kSize pixels, QImage on the worker,
// QPixmap on the GUI thread), with its file, class, split and size under it, so near duplicates can
// be compared at a glance before deciding what to exclude.

#include "core/data/datasetindex.h"
#include "core/jobs/jobmanager.h"

#include <QtWidgets/QDialog>

#include <vector>

class QLabel;

namespace fopro::ui {

class SideBySideDialog : public QDialog {
    Q_OBJECT
public:
    static constexpr int kSize = 320; ///< pixels of the longer side of each image
    static constexpr int kMaxImages = 12;

    /// `dataset` is copied (records only); `samples` index into it (at most kMaxImages are shown).
    SideBySideDialog(const data::DatasetIndex &dataset, const std::vector<int> &samples, JobManager *jobs,
                     QWidget *parent = nullptr);
    ~SideBySideDialog() override;

    int imageCount() const { return int(m_images.size()); }
    /// Images decoded so far (shown, or their error shown).
    int finishedCount() const { return m_finished; }
    /// The image label of panel `i` (its pixmap once decoded).
    QLabel *imageLabel(int i) const { return m_images.at(std::size_t(i)); }

Q_SIGNALS:
    void allLoaded();

private:
    data::DatasetIndex m_dataset;
    JobManager *m_jobs;
    std::vector<JobManager::JobId> m_jobIds;
    std::vector<QLabel *> m_images;
    int m_finished = 0;
};

} // namespace fopro::ui
