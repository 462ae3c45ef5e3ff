#pragma once
// The open project as the GUI sees it: the project (dataset + history), one undo stack for every
// curation action, the dirty state, and signals that tell pages what changed. Curation goes only
// through apply(), so every change is undoable and recorded in the readable history.

#include "core/data/curation.h"
#include "core/project/project.h"

#include <QtCore/QObject>
#include <QtGui/QUndoStack>

namespace fopro::ui {

class ProjectDocument : public QObject {
    Q_OBJECT
public:
    explicit ProjectDocument(QObject *parent = nullptr);

    project::Project &project() { return m_project; }
    const project::Project &project() const { return m_project; }
    const data::DatasetIndex &dataset() const { return m_project.dataset; }
    QUndoStack *undoStack() { return &m_undo; }
    bool isDirty() const { return !m_undo.isClean() || m_unsavedWithoutUndo; }
    bool hasFolder() const { return !m_project.folder.isEmpty(); }

    /// The project's head / medium / tail thresholds (saved with the project).
    data::TailThresholds thresholds() const { return m_project.thresholds; }
    void setThresholds(data::TailThresholds thresholds);

    /// Spectral outlier scores per sample (NaN: not scored), published by the Spectra page when it
    /// has them for the current dataset; empty when unknown. The Dataset page sorts by them.
    const std::vector<double> &spectralScores() const { return m_spectralScores; }
    void setSpectralScores(std::vector<double> scores);

    /// Replaces everything (new, opened or imported project); clears the undo stack.
    void reset(project::Project project, bool dirty);
    /// Pushes a curation edit on the undo stack (applying it). Empty edits are ignored.
    void apply(const data::CurationEdit &edit);
    /// Saves into the project's folder (or `folder` when given: save-as). Marks clean on success.
    Result<void> save(const QString &folder = QString());

    // Called by the undo commands.
    void applyEdit(const data::CurationEdit &edit, bool redo);

    /// The curation edit of undo-stack command `index` (as QUndoStack::command(index)), null when
    /// out of range; and when it was first done.
    const data::CurationEdit *editAt(int index) const;
    QDateTime editTime(int index) const;
    /// project().history entries before this index were written before this session (they have no
    /// undo-stack command).
    int sessionHistoryStart() const { return m_sessionHistoryStart; }
    /// Asks whichever page shows images to show these (the curation history's "Show images").
    void requestShowSamples(const std::vector<int> &samples, const QString &title)
    {
        Q_EMIT showSamplesRequested(samples, title);
    }

Q_SIGNALS:
    void datasetReset();
    void samplesChanged(const std::vector<int> &samples);
    void classesChanged();
    void dirtyChanged(bool dirty);
    void historyChanged();
    void thresholdsChanged();
    void spectralScoresChanged();
    void showSamplesRequested(const std::vector<int> &samples, const QString &title);

private:
    project::Project m_project;
    QUndoStack m_undo;
    bool m_unsavedWithoutUndo = false;
    int m_sessionHistoryStart = 0;
    std::vector<double> m_spectralScores;
};

} // namespace fopro::ui
