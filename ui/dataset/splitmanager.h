#pragma once
// The Split manager: proposes new train/val/test splits for the whole dataset and applies them as
// ONE undoable curation step. Four ways to split:
//  - fractions: stratified, group-aware train/val/test (data::assignSplits);
//  - k-fold: stratified group k-fold (data::stratifiedGroupKFold), one fold as test, an optional
//    validation share carved out of the training folds (data::foldIndex);
//  - HyperKvasir: the paper's 5-fold protocol (data::hyperKvasirFolds), one fold as test;
//  - long-tail sub-sampling (data::makeLongTail): samples not kept are excluded (and unassigned).
// The proposal (data::proposeSplit) is computed as a job of the window's JobManager on a copy of the
// dataset, and previewed as per-class counts per split with the number of group leaks; on request
// a duplicate/leakage report (data::findDuplicates, another job, with progress) shows exact and
// near duplicate clusters and how many cross splits.

#include "core/common/result.h"
#include "core/data/curation.h"
#include "core/data/splits.h"
#include "core/jobs/jobmanager.h"

#include <QtWidgets/QDialog>

#include <memory>
#include <vector>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;
class QStackedWidget;
class QTableWidget;
class QTimer;

namespace fopro::ui {

class ProjectDocument;

class SplitManagerDialog : public QDialog {
    Q_OBJECT
public:
    enum class Mode { Fractions, KFold, HyperKvasir, LongTail };

    SplitManagerDialog(ProjectDocument *document, JobManager *jobs, QWidget *parent = nullptr);
    ~SplitManagerDialog() override;

    // Options (the same as the controls; each change recomputes the preview shortly after).
    void setMode(Mode mode);
    Mode mode() const;
    void setFractions(double train, double val, double test); // percentages or shares
    void setSeed(quint64 seed);
    void setKFold(int k, int testFold, double valPercent); // testFold counted from 1
    void setHyperKvasir(int testFold, double valPercent);
    void setLongTail(double factor, int valPerClass, int testPerClass, bool onlyTrainSplit = false);

    /// Starts computing the proposal for the current options now (off the GUI thread).
    void compute();
    /// True when a valid proposal for the current options and dataset is ready.
    bool hasProposal() const { return !m_stale && m_proposal != nullptr && m_proposal->error.isEmpty(); }
    /// The error of the last computation, empty when none.
    QString proposalError() const { return m_proposal ? m_proposal->error : QString(); }
    /// True while a proposal or the duplicate check is being computed.
    bool isBusy() const { return m_proposalJob != 0 || m_dupJob != 0; }
    /// The edit that applying would push (empty when there is no proposal).
    data::CurationEdit proposedEdit() const;
    int groupLeakCount() const { return m_proposal && m_proposal->error.isEmpty() ? m_proposal->split.groupLeaks : -1; }
    QTableWidget *previewTable() const { return m_table; }

    /// Pushes the proposal on the document's undo stack as one step. False without a proposal.
    bool applyProposal();

    /// Starts the duplicate / leakage check on the proposed splits (off the GUI thread).
    void checkDuplicates();
    QString duplicateReportText() const;

Q_SIGNALS:
    /// A computation finished: ok, or failed with proposalError().
    void proposalReady(bool ok);
    /// The duplicate check finished (ok, or failed / cancelled).
    void duplicatesChecked(bool ok);

private:
    struct Proposal {
        quint64 generation = 0;
        QString error;
        QString description;
        data::SplitProposal split; // the dataset after, the edit, leaks, newly excluded samples
    };
    struct DuplicateReport {
        QString summary;
        QString details;
    };

    void buildUi();
    void optionsChanged();
    void onProposalFinished(quint64 generation, const QString &description, const Result<data::SplitProposal> &r);
    void onDuplicatesFinished(quint64 generation, const Result<DuplicateReport> &r);
    void showProposal();
    void cancelWork();

    ProjectDocument *m_doc;
    JobManager *m_jobs;
    JobManager::JobId m_proposalJob = 0;
    JobManager::JobId m_dupJob = 0;
    std::shared_ptr<const Proposal> m_proposal;
    quint64 m_generation = 0;
    bool m_stale = true;

    QComboBox *m_mode;
    QStackedWidget *m_options;
    QDoubleSpinBox *m_train;
    QDoubleSpinBox *m_val;
    QDoubleSpinBox *m_test;
    QSpinBox *m_k;
    QSpinBox *m_kTestFold;
    QDoubleSpinBox *m_kVal;
    QSpinBox *m_hkTestFold;
    QDoubleSpinBox *m_hkVal;
    QDoubleSpinBox *m_factor;
    QSpinBox *m_ltVal;
    QSpinBox *m_ltTest;
    QCheckBox *m_ltOnlyTrain;
    QSpinBox *m_seed;
    QLabel *m_seedLabel;
    QLabel *m_status;
    QTableWidget *m_table;
    QPushButton *m_dupButton;
    QLabel *m_dupSummary;
    QPlainTextEdit *m_dupDetails;
    QPushButton *m_apply;
    QTimer *m_debounce;
};

} // namespace fopro::ui
