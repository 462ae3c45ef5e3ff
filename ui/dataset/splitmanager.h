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
// a duplicate/leakage report (data::findDuplicates, another job, with progress) lists exact and
// near duplicate clusters and how many cross splits; activating a cluster shows its images side by
// side (SideBySideDialog).
//
// Protection: "Keep the current test set" / "... validation set" (ticked from the start when the
// dataset has one, e.g. an official test set) leave those images where they are and split only the
// rest (SplitRequest::keepTest / keepVal). "Keep near-duplicate images in one split" finds the
// duplicate clusters first (a job) and keeps each cluster's images together
// (SplitRequest::keepTogether). Apply asks first, saying what changes per split and whether the
// test or validation set changes; nothing happens without a yes.

#include "core/common/result.h"
#include "core/data/curation.h"
#include "core/data/splits.h"
#include "core/jobs/jobmanager.h"

#include <QtWidgets/QDialog>

#include <functional>
#include <memory>
#include <optional>
#include <vector>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QPushButton;
class QSpinBox;
class QStackedWidget;
class QTableWidget;
class QTimer;
class QTreeWidget;

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
    bool isBusy() const { return m_proposalJob != 0 || m_dupJob != 0 || m_clusterJob != 0; }
    /// The edit that applying would push (empty when there is no proposal).
    data::CurationEdit proposedEdit() const;
    int groupLeakCount() const { return m_proposal && m_proposal->error.isEmpty() ? m_proposal->split.groupLeaks : -1; }
    QTableWidget *previewTable() const { return m_table; }

    /// Pushes the proposal on the document's undo stack as one step. False without a proposal.
    /// (The Apply button asks first: confirmAndApply.)
    bool applyProposal();
    /// What applying would change, worded for the confirmation: images per split before → after,
    /// and warnings when the test set changes or the validation set disappears.
    QString applySummary() const;
    /// Asks (applySummary) and applies on yes; what the Apply button does.
    bool confirmAndApply();
    /// Replaces the question box (tests): called with applySummary(), true means apply.
    void setConfirmation(std::function<bool(const QString &)> confirm) { m_confirm = std::move(confirm); }
    QPushButton *applyButton() const { return m_apply; }
    QCheckBox *keepTestBox() const { return m_keepTest; }
    QCheckBox *keepValBox() const { return m_keepVal; }
    QCheckBox *keepDuplicatesBox() const { return m_keepDuplicates; }
    /// True while the duplicate clusters for "keep near duplicates together" are being found.
    bool isFindingClusters() const { return m_clusterJob != 0; }

    /// Starts the duplicate / leakage check on the proposed splits (off the GUI thread).
    void checkDuplicates();
    QString duplicateReportText() const;
    /// The clusters of the last check (one top-level item each, members below).
    QTreeWidget *duplicateList() const { return m_dupList; }
    int duplicateClusterCount() const;
    /// Opens the images of cluster `index` (in list order) side by side; null when out of range.
    QDialog *showCluster(int index);

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
    struct ClusterRow {
        QString title;
        std::vector<int> samples;
        QStringList members;
        bool crossSplit = false;
    };
    struct DuplicateReport {
        QString summary;
        std::vector<ClusterRow> clusters; // leaks first
        QStringList problems;
    };

    void buildUi();
    void optionsChanged();
    void onProposalFinished(quint64 generation, const QString &description, const Result<data::SplitProposal> &r);
    void onDuplicatesFinished(quint64 generation, const Result<DuplicateReport> &r);
    void showProposal();
    void cancelWork();
    void findClusters();
    void updateProtection();

    ProjectDocument *m_doc;
    JobManager *m_jobs;
    JobManager::JobId m_proposalJob = 0;
    JobManager::JobId m_dupJob = 0;
    JobManager::JobId m_clusterJob = 0;
    std::optional<std::vector<std::vector<int>>> m_clusters; // for keepTogether, of the current dataset
    std::function<bool(const QString &)> m_confirm;
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
    QTreeWidget *m_dupList;
    QPushButton *m_showCluster;
    QCheckBox *m_keepTest;
    QCheckBox *m_keepVal;
    QCheckBox *m_keepDuplicates;
    QPushButton *m_apply;
    QTimer *m_debounce;
};

} // namespace fopro::ui
