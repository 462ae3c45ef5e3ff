#pragma once
// The predictions browser (a tab of the Results page): every prediction of the shown split with its
// thumbnail, true and predicted label, confidence, p(true), loss and probability bars; filters
// (wrong only, a class, a confidence range, the rows where two runs disagree, a confusion cell);
// sorted by loss (confident mistakes first) by default. Curation of the selected images — relabel,
// exclude, flag — goes through the project's undo stack (ProjectDocument::apply, the same stack as
// the Dataset page), so undo on either page reverts it. Grad-CAM of the selection in a panel
// beside the table.

#include "ui/results/gradcampanel.h"
#include "ui/results/runresults.h"

#include <QtWidgets/QWidget>

#include <memory>
#include <optional>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QPushButton;
class QSplitter;
class QTableView;
class QToolButton;

namespace fopro {
class JobManager;
}

namespace fopro::ui {

class PredictionsFilter;
class PredictionsModel;
class ProbabilityBarDelegate;
class ProjectDocument;
class ThumbnailProvider;

class PredictionsBrowser : public QWidget {
    Q_OBJECT
public:
    PredictionsBrowser(ProjectDocument *document, JobManager *jobs, QWidget *parent = nullptr);

    /// The main run's results and optionally a compared run (for the "runs disagree" filter).
    void setRuns(std::shared_ptr<const RunResults> main, std::shared_ptr<const RunResults> other);
    /// Shows only the rows of a confusion cell (true, predicted); (-1, -1) shows every row again.
    void showCell(int trueClass, int predictedClass);

    // Filters (the controls call these; tests too).
    void setWrongOnly(bool on);
    void setClassFilter(int k);
    void setConfidenceRange(double lo, double hi);
    void setDisagreeOnly(bool on);

    /// Rows (of the predictions) shown, in view order.
    std::vector<int> shownRows() const;
    /// Selects rows of the predictions (those shown).
    void selectRows(const std::vector<int> &rows);
    std::vector<int> selectedRows() const;
    /// Dataset samples of the selected rows (rows without a sample left out).
    std::vector<int> selectedSamples() const;

    // Curation of the selection: one undoable step each (false with a status message when nothing
    // could be done).
    bool relabelSelection(int label);
    bool excludeSelection(bool exclude);
    bool flagSelection(bool flag);
    /// Grad-CAM of the selected images (a job).
    void explainSelection();

    QTableView *view() const { return m_view; }
    PredictionsModel *model() const { return m_model; }
    PredictionsFilter *filter() const { return m_filter; }
    GradCamPanel *gradCam() const { return m_gradCam; }
    ThumbnailProvider *thumbnails() const { return m_thumbs; }
    bool isBusy() const;
    /// Not busy and no thumbnail of a shown row is still being decoded.
    bool isSettled() const;

Q_SIGNALS:
    void statusMessage(const QString &text);
    /// "Open in the Dataset page" with these samples.
    void openSamplesRequested(const std::vector<int> &samples, const QString &title);

private:
    void updateCount();
    void rebuildClassMenus();
    void updateGradCamSources();

    ProjectDocument *m_doc;
    JobManager *m_jobs;
    std::shared_ptr<const RunResults> m_main, m_other;
    ThumbnailProvider *m_thumbs;
    PredictionsModel *m_model;
    PredictionsFilter *m_filter;
    ProbabilityBarDelegate *m_bars;
    QTableView *m_view;
    QCheckBox *m_wrong;
    QCheckBox *m_disagree;
    QComboBox *m_class;
    QDoubleSpinBox *m_confLo;
    QDoubleSpinBox *m_confHi;
    QLabel *m_count;
    QLabel *m_cellNote;
    QPushButton *m_showAll;
    QToolButton *m_relabel;
    GradCamPanel *m_gradCam;
    QSplitter *m_split;
};

} // namespace fopro::ui
