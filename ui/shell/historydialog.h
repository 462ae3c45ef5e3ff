#pragma once
// The curation history (Edit ▸ Curation history, Ctrl+H) as a table: time, action, classes and
// number of images, one row per step of this session's undo stack (from "Project opened" at the
// top), the steps that were undone greyed out, and below them, read-only, the steps saved by
// earlier sessions. "Show images" selects a step's images in the grid (through
// ProjectDocument::requestShowSamples: the window knows no page by name); "Undo to here" / "Redo to
// here" moves the undo stack to just after that step (QUndoStack::setIndex), so any point can be
// returned to, and returned from.

#include <QtWidgets/QDialog>

class QLabel;
class QPushButton;
class QTableWidget;

namespace fopro::ui {

class ProjectDocument;

class CurationHistoryDialog : public QDialog {
    Q_OBJECT
public:
    explicit CurationHistoryDialog(ProjectDocument *document, QWidget *parent = nullptr);

    QTableWidget *table() const { return m_table; }
    /// The table row of undo-stack step `index`; the row before it is the session's start (earlier
    /// sessions' steps, read-only, come first).
    int rowOfStep(int index) const { return m_firstStepRow + index; }
    /// Moves the undo stack to just after the step of `row` (row 0: before every step).
    void goToRow(int row);
    /// Shows the images of the step of `row` in the grid.
    void showImagesOfRow(int row);

private:
    void rebuild();
    void updateButtons();

    ProjectDocument *m_doc;
    QTableWidget *m_table;
    QLabel *m_note;
    QPushButton *m_goTo;
    QPushButton *m_show;
    int m_firstStepRow = 1;
};

} // namespace fopro::ui
