#pragma once
// The Dataset page: the thumbnail grid (virtual, thumbnails decoded off the GUI thread), filters,
// sorting, multi-selection, curation actions through the project's undo stack, and the long-tail
// plot that updates live and filters the grid when a class is clicked.

#include <QtWidgets/QWidget>

#include <vector>

class QComboBox;
class QLabel;
class QLineEdit;
class QListView;
class QSlider;
class QSpinBox;
class QTimer;
class QToolButton;

namespace fopro::ui {

class DatasetModel;
class InspectorPanel;
class LongTailPlot;
class ProjectDocument;
class SampleFilterModel;
class ThumbnailProvider;
class TileDelegate;

class DatasetPage : public QWidget {
    Q_OBJECT
public:
    explicit DatasetPage(ProjectDocument *document, QWidget *parent = nullptr);

    QListView *view() const { return m_view; }
    SampleFilterModel *filterModel() const { return m_filter; }
    DatasetModel *model() const { return m_model; }
    LongTailPlot *plot() const { return m_plot; }
    /// The inspector beside the grid; it follows the view's current image.
    InspectorPanel *inspector() const { return m_inspector; }

    /// Sample indices of the selected tiles.
    std::vector<int> selectedSamples() const;
    void selectAllInClass(int label);
    void showClass(int label); // filter the grid to one class (-1: all)

    // Curation on the selection (each one undoable step).
    void relabelSelection(int label);
    void excludeSelection(bool exclude);
    void flagSelection(bool flag);
    void moveSelection(int split);
    void renameClass(int label, const QString &name);
    void mergeClasses(const std::vector<int> &from, int into);
    /// Opens the Split manager (modal); its result is one undoable step.
    void openSplitManager();

Q_SIGNALS:
    void statusMessage(const QString &text);

private:
    void rebuildFilters();
    void refreshSummary();
    void scheduleRefresh();
    void showError(const QString &what, const QString &detail);
    void contextMenu(const QPoint &pos);
    void askRenameClass();
    void askMergeClasses();

    ProjectDocument *m_doc;
    DatasetModel *m_model;
    SampleFilterModel *m_filter;
    ThumbnailProvider *m_thumbs;
    TileDelegate *m_delegate;
    QListView *m_view;
    LongTailPlot *m_plot;
    QLabel *m_banner;
    QLabel *m_count;
    QComboBox *m_class;
    QComboBox *m_split;
    QComboBox *m_mark;
    QComboBox *m_sort;
    QLineEdit *m_search;
    QSlider *m_tileSize;
    QSpinBox *m_many;
    QSpinBox *m_few;
    QToolButton *m_relabel;
    QToolButton *m_move;
    QToolButton *m_inspectorToggle;
    InspectorPanel *m_inspector;
    QTimer *m_refresh;
};

} // namespace fopro::ui
