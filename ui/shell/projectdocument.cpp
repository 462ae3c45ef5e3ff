#include "ui/shell/projectdocument.h"

#include <QtGui/QUndoCommand>

#include <algorithm>

namespace fopro::ui {

namespace {

class CurationCommand : public QUndoCommand {
public:
    CurationCommand(ProjectDocument *doc, data::CurationEdit edit)
        : QUndoCommand(edit.description), m_doc(doc), m_edit(std::move(edit)), m_time(QDateTime::currentDateTimeUtc())
    {
    }
    void redo() override { m_doc->applyEdit(m_edit, true); }
    void undo() override { m_doc->applyEdit(m_edit, false); }
    const data::CurationEdit &edit() const { return m_edit; }
    QDateTime time() const { return m_time; }

private:
    ProjectDocument *m_doc;
    data::CurationEdit m_edit;
    QDateTime m_time;
};

} // namespace

ProjectDocument::ProjectDocument(QObject *parent) : QObject(parent)
{
    connect(&m_undo, &QUndoStack::cleanChanged, this, [this](bool) { Q_EMIT dirtyChanged(isDirty()); });
}

void ProjectDocument::reset(project::Project project, bool dirty)
{
    m_undo.clear();
    m_project = std::move(project);
    m_sessionHistoryStart = int(m_project.history.size());
    m_unsavedWithoutUndo = dirty;
    m_spectralScores.clear();
    Q_EMIT datasetReset();
    Q_EMIT thresholdsChanged();
    Q_EMIT spectralScoresChanged();
    Q_EMIT historyChanged();
    Q_EMIT dirtyChanged(isDirty());
}

const data::CurationEdit *ProjectDocument::editAt(int index) const
{
    const auto *c = dynamic_cast<const CurationCommand *>(m_undo.command(index));
    return c ? &c->edit() : nullptr;
}

QDateTime ProjectDocument::editTime(int index) const
{
    const auto *c = dynamic_cast<const CurationCommand *>(m_undo.command(index));
    return c ? c->time() : QDateTime();
}

void ProjectDocument::setThresholds(data::TailThresholds thresholds)
{
    thresholds.many = std::max(0, thresholds.many);
    thresholds.few = std::clamp(thresholds.few, 0, thresholds.many); // the tail never reaches above the head
    if (thresholds.many == m_project.thresholds.many && thresholds.few == m_project.thresholds.few) return;
    m_project.thresholds = thresholds;
    m_unsavedWithoutUndo = true;
    Q_EMIT thresholdsChanged();
    Q_EMIT dirtyChanged(isDirty());
}

void ProjectDocument::setSpectralScores(std::vector<double> scores)
{
    m_spectralScores = std::move(scores);
    Q_EMIT spectralScoresChanged();
}

void ProjectDocument::apply(const data::CurationEdit &edit)
{
    if (edit.isEmpty()) return;
    m_undo.push(new CurationCommand(this, edit));
}

void ProjectDocument::applyEdit(const data::CurationEdit &edit, bool redo)
{
    if (redo)
        edit.apply(m_project.dataset);
    else
        edit.revert(m_project.dataset);
    m_project.history.append(
        {QDateTime::currentDateTimeUtc(), redo ? edit.description : tr("Undo: %1").arg(edit.description)});
    if (!edit.classesBefore.isEmpty() || !edit.classesAfter.isEmpty()) Q_EMIT classesChanged();
    Q_EMIT samplesChanged(edit.samples);
    Q_EMIT historyChanged();
}

Result<void> ProjectDocument::save(const QString &folder)
{
    project::Project copy = m_project;
    if (!folder.isEmpty()) copy.folder = folder;
    if (copy.folder.isEmpty())
        return makeError(ErrorCode::InvalidArgument, QString(), tr("the project has no folder yet"));
    auto ok = copy.save();
    if (!ok) return ok; // nothing changes: the user's project stays open and dirty
    m_project.folder = copy.folder;
    m_unsavedWithoutUndo = false;
    m_undo.setClean();
    Q_EMIT dirtyChanged(isDirty());
    return {};
}

} // namespace fopro::ui
