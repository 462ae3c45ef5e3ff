#pragma once
// The Dataset page: the thumbnail grid (virtual, thumbnails decoded off the GUI thread), filters,
// sorting, multi-selection, curation actions through the project's undo stack, and the long-tail
// plot that updates live and filters the grid when a class is clicked. Its menu (Page actions):
// select all shown, relabel (digits), exclude/include, flag/unflag, move to split, the large
// viewer, the inspector's next/previous image, the Split manager, the DICOM browser and the
// de-identified export.
// navigate("dataset", {{"class", c}}) shows the grid filtered to class c (-1: all).
//
// Keyboard (WidgetWithChildrenShortcut on the page, so only while the page has the focus and never
// ambiguous with another page's keys): 1–9 and 0 relabel to the 1st–10th class, Del / Shift+Del
// exclude / include, F / Shift+F flag / unflag, Ctrl+1 / Ctrl+2 / Ctrl+3 / Ctrl+0 move to train /
// validation / test / unassigned, Alt+Right / Alt+Left the inspector's next / previous image,
// Space (in the grid) or a double-click the large viewer.
//
// A new project resets every filter; a grid left empty by the filters says which ones and offers
// "Clear filters". Both tool bars overflow into their » menu on narrow windows; the shown/selected
// count has a line of its own below the grid, so it is never cut.

#include "ui/shell/page.h"

#include <QtCore/QPointer>

#include <vector>

class QComboBox;
class QLabel;
class QPushButton;
class QLineEdit;
class QListView;
class QSlider;
class QSpinBox;
class QStackedWidget;
class QTimer;
class QToolBar;
class QToolButton;

namespace fopro::ui {

class DatasetModel;
class ImageViewerDialog;
class InspectorPanel;
class LongTailPlot;
class ProjectDocument;
class SampleFilterModel;
class ThumbnailProvider;
class TileDelegate;

class DatasetPage : public Page {
    Q_OBJECT
public:
    explicit DatasetPage(const PageContext &context, QWidget *parent = nullptr);

    QString pageId() const override { return QStringLiteral("dataset"); }
    QString title() const override;
    QIcon icon() const override;
    QList<QAction *> pageActions() const override { return m_actions; }
    /// Arguments: "class" (int) filters the grid to that class (-1: all classes); "samples" (a list
    /// of sample indices) shows only those, "title" names them.
    void activate(const QVariantMap &arguments) override;
    /// The inspector is loading, or thumbnails are being decoded.
    bool isBusy() const override;
    /// Not busy, and no summary refresh is pending.
    bool isSettled() const override;

    QListView *view() const { return m_view; }
    SampleFilterModel *filterModel() const { return m_filter; }
    DatasetModel *model() const { return m_model; }
    LongTailPlot *plot() const { return m_plot; }
    /// The inspector beside the grid; it follows the view's current image.
    InspectorPanel *inspector() const { return m_inspector; }
    /// The two tool bars (filters; curation), for layout checks.
    QToolBar *filterBar() const { return m_filterBar; }
    QToolBar *curationBar() const { return m_curationBar; }
    QLineEdit *searchEdit() const { return m_search; }
    QLineEdit *groupEdit() const { return m_group; }
    QSpinBox *headThresholdBox() const { return m_many; }
    QSpinBox *tailThresholdBox() const { return m_few; }
    QComboBox *thresholdPresetBox() const { return m_preset; }
    /// What the page shows instead of an empty grid (why, and "Clear filters"); visible only then.
    QWidget *emptyState() const { return m_emptyState; }
    QString emptyStateText() const;
    /// The "12 shown of 1200 · 3 selected" line.
    QLabel *countLabel() const { return m_count; }
    /// The large viewer, when open.
    ImageViewerDialog *viewer() const;
    /// The grid's thumbnail source (benchmarks clear it for a cold cache).
    ThumbnailProvider *thumbnails() const { return m_thumbs; }

    /// Sample indices of the selected tiles.
    std::vector<int> selectedSamples() const;
    void selectAllInClass(int label);
    void showClass(int label); // filter the grid to one class (-1: all)
    /// Shows only these samples (another page's choice: a confusion cell, spectral outliers), with a
    /// line naming them and a button back to all; an empty list shows all again.
    void showSamples(const std::vector<int> &samples, const QString &title);
    /// Every filter back to "all" (class, split, mark, search, group, chosen samples).
    void clearFilters();
    /// Makes the image `delta` rows after (before) the current one current and selected, in the
    /// grid's order; the inspector follows. False at either end.
    bool stepCurrent(int delta);
    /// Opens the large viewer on the current image (Space, double-click).
    void openViewer();

    // Curation on the selection (each one undoable step).
    void relabelSelection(int label);
    void excludeSelection(bool exclude);
    void flagSelection(bool flag);
    void moveSelection(int split);
    void renameClass(int label, const QString &name);
    void mergeClasses(const std::vector<int> &from, int into);
    /// Asks which class to rename (a list of every class) and its new name.
    void askRenameClass();
    /// Opens the Split manager (modal); its result is one undoable step.
    void openSplitManager();
    /// Opens the DICOM browser (modeless); its "Import" goes through PageContext::importDataset.
    void openDicomBrowser();
    /// Opens the de-identified export dialog (modal).
    void openDeidentifyExport();

private:
    void buildActions();
    void rebuildFilters();
    void rebuildRelabelActions();
    void refreshSummary();
    void scheduleRefresh();
    void syncThresholds();
    void showError(const QString &what, const QString &detail);
    void contextMenu(const QPoint &pos);
    void askMergeClasses();

    ProjectDocument *m_doc;
    DatasetModel *m_model;
    SampleFilterModel *m_filter;
    ThumbnailProvider *m_thumbs;
    TileDelegate *m_delegate;
    QListView *m_view;
    QStackedWidget *m_gridStack;
    QWidget *m_emptyState;
    QLabel *m_emptyText;
    QPushButton *m_clearFilters;
    LongTailPlot *m_plot;
    QLabel *m_banner;
    QLabel *m_count;
    QLabel *m_chosen;
    QPushButton *m_showAll;
    QComboBox *m_class;
    QComboBox *m_split;
    QComboBox *m_mark;
    QComboBox *m_sort;
    QLineEdit *m_search;
    QLineEdit *m_group;
    QSlider *m_tileSize;
    QSpinBox *m_many;
    QSpinBox *m_few;
    QComboBox *m_preset;
    QToolBar *m_filterBar;
    QToolBar *m_curationBar;
    QToolButton *m_relabel;
    QToolButton *m_move;
    QToolButton *m_inspectorToggle;
    InspectorPanel *m_inspector;
    // Deletes itself on close; QPointer clears itself then (a destroyed() slot would also run while
    // this page is half destroyed, when the viewer goes with the page's children).
    QPointer<ImageViewerDialog> m_viewer;
    QTimer *m_refresh;
    QTimer *m_typingDelay;
    QList<QAction *> m_actions;
    QList<QAction *> m_relabelActions; // 1–9, 0: the first ten classes
    QList<QAction *> m_markActions;    // exclude, include, flag, unflag
    QAction *m_relabelMenuAction = nullptr;
};

} // namespace fopro::ui
