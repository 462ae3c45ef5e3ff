#pragma once
// The Dataset page: the thumbnail grid (virtual, thumbnails decoded off the GUI thread), filters,
// sorting, multi-selection, curation actions through the project's undo stack, and the long-tail
// plot that updates live and filters the grid when a class is clicked. Its menu (Page actions):
// select all shown, exclude, flag, the Split manager, the DICOM browser and the de-identified export.
// navigate("dataset", {{"class", c}}) shows the grid filtered to class c (-1: all).

#include "ui/shell/page.h"

#include <vector>

class QComboBox;
class QLabel;
class QPushButton;
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

    /// Sample indices of the selected tiles.
    std::vector<int> selectedSamples() const;
    void selectAllInClass(int label);
    void showClass(int label); // filter the grid to one class (-1: all)
    /// Shows only these samples (another page's choice: a confusion cell, spectral outliers), with a
    /// line naming them and a button back to all; an empty list shows all again.
    void showSamples(const std::vector<int> &samples, const QString &title);

    // Curation on the selection (each one undoable step).
    void relabelSelection(int label);
    void excludeSelection(bool exclude);
    void flagSelection(bool flag);
    void moveSelection(int split);
    void renameClass(int label, const QString &name);
    void mergeClasses(const std::vector<int> &from, int into);
    /// Opens the Split manager (modal); its result is one undoable step.
    void openSplitManager();
    /// Opens the DICOM browser (modeless); its "Import" goes through PageContext::importDataset.
    void openDicomBrowser();
    /// Opens the de-identified export dialog (modal).
    void openDeidentifyExport();

private:
    void buildActions();
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
    QLabel *m_chosen;
    QPushButton *m_showAll;
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
    QList<QAction *> m_actions;
};

} // namespace fopro::ui
