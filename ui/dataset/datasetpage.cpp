#include "ui/dataset/datasetpage.h"

#include "core/data/longtail.h"
#include "core/project/demo.h"
#include "ui/dataset/datasetmodel.h"
#include "ui/dataset/deidentifydialog.h"
#include "ui/dataset/dicombrowser.h"
#include "ui/dataset/imageviewer.h"
#include "ui/dataset/inspectorpanel.h"
#include "ui/dataset/longtailplot.h"
#include "ui/dataset/splitmanager.h"
#include "ui/dataset/thumbnailprovider.h"
#include "ui/dataset/tiledelegate.h"
#include "ui/shell/projectdocument.h"

#include <QtCore/QTimer>
#include <QtGui/QAction>
#include <QtWidgets/QComboBox>
#include <QtWidgets/QDialog>
#include <QtWidgets/QDialogButtonBox>
#include <QtWidgets/QFormLayout>
#include <QtWidgets/QHBoxLayout>
#include <QtWidgets/QLabel>
#include <QtWidgets/QLineEdit>
#include <QtWidgets/QListView>
#include <QtWidgets/QListWidget>
#include <QtWidgets/QMenu>
#include <QtWidgets/QMessageBox>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QScrollBar>
#include <QtWidgets/QSlider>
#include <QtWidgets/QSpinBox>
#include <QtWidgets/QSplitter>
#include <QtWidgets/QStackedWidget>
#include <QtWidgets/QStyle>
#include <QtWidgets/QToolBar>
#include <QtWidgets/QToolButton>
#include <QtWidgets/QVBoxLayout>

namespace fopro::ui {

using data::Split;

namespace {

constexpr int kDigitClasses = 10; // 1–9 and 0 relabel to the first ten classes

QString splitText(Split s)
{
    return s == Split::None ? DatasetPage::tr("Unassigned") : data::splitName(s);
}

/// Ctrl+1 train, Ctrl+2 validation, Ctrl+3 test, Ctrl+0 unassigned.
QKeySequence moveKey(Split s)
{
    switch (s) {
    case Split::Train:
        return QKeySequence(Qt::CTRL | Qt::Key_1);
    case Split::Val:
        return QKeySequence(Qt::CTRL | Qt::Key_2);
    case Split::Test:
        return QKeySequence(Qt::CTRL | Qt::Key_3);
    case Split::None:
        break;
    }
    return QKeySequence(Qt::CTRL | Qt::Key_0);
}

QString withKey(const QString &tip, const QKeySequence &key)
{
    return key.isEmpty() ? tip : tip + QStringLiteral(" (") + key.toString(QKeySequence::NativeText) + QLatin1Char(')');
}

} // namespace

DatasetPage::DatasetPage(const PageContext &context, QWidget *parent)
    : Page(context, parent), m_doc(context.document), m_model(new DatasetModel(this)),
      m_filter(new SampleFilterModel(this)), m_thumbs(new ThumbnailProvider(this)), m_delegate(new TileDelegate(this))
{
    m_model->setThumbnailProvider(m_thumbs);
    m_filter->setSourceModel(m_model);

    m_banner = new QLabel(this);
    m_banner->setWordWrap(true);
    m_banner->setStyleSheet(QStringLiteral("QLabel { background: #fff3cd; color: #5c4400; border: 1px solid #e0c36a; "
                                           "padding: 6px; border-radius: 3px; }"));

    // Filter bar.
    m_class = new QComboBox(this);
    m_class->setMinimumContentsLength(14);
    m_class->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_class->setToolTip(tr("Show one class"));
    m_split = new QComboBox(this);
    m_split->addItem(tr("All splits"), -1);
    for (Split s : {Split::Train, Split::Val, Split::Test, Split::None})
        m_split->addItem(splitText(s), int(s));
    m_split->setToolTip(tr("Show one split"));
    m_mark = new QComboBox(this);
    m_mark->addItem(tr("Any mark"), int(SampleFilterModel::MarkFilter::Any));
    m_mark->addItem(tr("Included"), int(SampleFilterModel::MarkFilter::Active));
    m_mark->addItem(tr("Excluded"), int(SampleFilterModel::MarkFilter::Excluded));
    m_mark->addItem(tr("Flagged"), int(SampleFilterModel::MarkFilter::Flagged));
    m_mark->addItem(tr("Relabelled"), int(SampleFilterModel::MarkFilter::Relabelled));
    m_mark->addItem(tr("Spectral outliers"), int(SampleFilterModel::MarkFilter::SpectralOutlier));
    m_mark->setItemData(m_mark->count() - 1,
                        tr("Images whose spectrum lies %1 or more robust standard deviations from their class's "
                           "(computed on the Spectra page)")
                            .arg(SampleFilterModel::kOutlierScore),
                        Qt::ToolTipRole);
    m_mark->setToolTip(tr("Show images by curation mark"));
    m_sort = new QComboBox(this);
    m_sort->addItem(tr("Dataset order"), int(SampleFilterModel::SortKey::Dataset));
    m_sort->addItem(tr("By class"), int(SampleFilterModel::SortKey::Class));
    m_sort->addItem(tr("By split"), int(SampleFilterModel::SortKey::Split));
    m_sort->addItem(tr("By file name"), int(SampleFilterModel::SortKey::Path));
    m_sort->addItem(tr("By spectral outlier score"), int(SampleFilterModel::SortKey::SpectralScore));
    m_sort->setItemData(m_sort->count() - 1, tr("Highest first; compute the scores on the Spectra page (Per class)"),
                        Qt::ToolTipRole);
    m_sort->setToolTip(tr("Order of the images"));
    m_chosen = new QLabel(this);
    m_chosen->setVisible(false);
    m_showAll = new QPushButton(tr("Show all images"), this);
    m_showAll->setVisible(false);
    connect(m_showAll, &QPushButton::clicked, this, [this] { showSamples({}, {}); });
    m_search = new QLineEdit(this);
    m_search->setPlaceholderText(tr("Search file name, group or metadata"));
    m_search->setToolTip(tr("Filters as you type"));
    m_search->setClearButtonEnabled(true);
    m_search->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    m_search->setMinimumWidth(140);
    m_group = new QLineEdit(this);
    m_group->setPlaceholderText(tr("Group (patient/lesion)"));
    m_group->setToolTip(tr("Show only the images of one patient, lesion or video (exact id); filters as you type"));
    m_group->setClearButtonEnabled(true);
    m_group->setMinimumWidth(110);
    m_group->setMaximumWidth(170);
    m_tileSize = new QSlider(Qt::Horizontal, this);
    m_tileSize->setRange(64, 256);
    m_tileSize->setValue(m_delegate->tileSize());
    m_tileSize->setMinimumWidth(70);
    m_tileSize->setMaximumWidth(120);
    m_tileSize->setToolTip(tr("Tile size"));
    m_tileSize->setAccessibleName(tr("Tile size"));
    m_count = new QLabel(this);
    m_count->setAccessibleName(tr("Images shown and selected"));

    // Both bars are tool bars: what does not fit goes into their » overflow menu.
    const auto toolBar = [this](const QString &name) {
        auto *bar = new QToolBar(name, this);
        bar->setMovable(false);
        bar->setFloatable(false);
        bar->setToolButtonStyle(Qt::ToolButtonTextOnly);
        return bar;
    };
    m_filterBar = toolBar(tr("Filters"));
    m_filterBar->addWidget(m_class);
    m_filterBar->addWidget(m_split);
    m_filterBar->addWidget(m_mark);
    m_filterBar->addWidget(m_search);
    m_filterBar->addWidget(m_group);
    m_filterBar->addWidget(m_sort);
    m_filterBar->addWidget(m_tileSize);

    // Curation bar.
    auto *relabelMenu = new QMenu(tr("&Relabel as"), this);
    m_relabelMenuAction = relabelMenu->menuAction();
    m_relabel = new QToolButton(this);
    m_relabel->setText(tr("Relabel as"));
    m_relabel->setToolTip(tr("Give the selected images another class (keys 1–9, 0)"));
    m_relabel->setPopupMode(QToolButton::InstantPopup);
    m_relabel->setMenu(relabelMenu);
    m_move = new QToolButton(this);
    m_move->setText(tr("Move to split"));
    m_move->setToolTip(tr("Put the selected images into another split (Ctrl+1, Ctrl+2, Ctrl+3, Ctrl+0)"));
    m_move->setPopupMode(QToolButton::InstantPopup);
    auto *moveMenu = new QMenu(tr("&Move to split"), this);
    for (Split s : {Split::Train, Split::Val, Split::Test, Split::None}) {
        QAction *a = moveMenu->addAction(splitText(s), this, [this, s] { moveSelection(int(s)); });
        a->setShortcut(moveKey(s));
        a->setShortcutContext(Qt::WidgetWithChildrenShortcut);
        addAction(a);
    }
    m_move->setMenu(moveMenu);
    m_inspectorToggle = new QToolButton(this);
    m_inspectorToggle->setText(tr("Inspector"));
    m_inspectorToggle->setToolTip(tr("Show or hide the inspector of the current image"));
    m_inspectorToggle->setCheckable(true);
    m_inspectorToggle->setChecked(true);
    m_curationBar = toolBar(tr("Curation"));
    m_curationBar->addWidget(m_relabel);
    // The action buttons (Exclude, Include, ...) are added in buildActions(), from the actions.

    m_view = new QListView(this);
    m_view->setViewMode(QListView::IconMode);
    m_view->setResizeMode(QListView::Adjust);
    m_view->setMovement(QListView::Static);
    m_view->setUniformItemSizes(true);
    m_view->setLayoutMode(QListView::Batched);
    m_view->setBatchSize(2000);
    m_view->setSpacing(2);
    m_view->setSelectionMode(QAbstractItemView::ExtendedSelection); // shift/ctrl and rubber band
    m_view->setSelectionRectVisible(true);
    m_view->setItemDelegate(m_delegate);
    m_view->setModel(m_filter);
    m_view->setContextMenuPolicy(Qt::CustomContextMenu);
    m_view->setAccessibleName(tr("Images"));

    // What the grid area shows when no image passes the filters.
    m_emptyState = new QWidget(this);
    m_emptyState->setObjectName(QStringLiteral("emptyGrid"));
    m_emptyText = new QLabel(m_emptyState);
    m_emptyText->setWordWrap(true);
    m_emptyText->setAlignment(Qt::AlignCenter);
    m_emptyText->setTextFormat(Qt::PlainText);
    m_clearFilters = new QPushButton(tr("Clear filters"), m_emptyState);
    m_clearFilters->setToolTip(tr("Show every image again"));
    connect(m_clearFilters, &QPushButton::clicked, this, &DatasetPage::clearFilters);
    auto *emptyLayout = new QVBoxLayout(m_emptyState);
    emptyLayout->addStretch(1);
    emptyLayout->addWidget(m_emptyText);
    emptyLayout->addWidget(m_clearFilters, 0, Qt::AlignHCenter);
    emptyLayout->addStretch(2);
    m_gridStack = new QStackedWidget(this);
    m_gridStack->addWidget(m_view);
    m_gridStack->addWidget(m_emptyState);

    // Long-tail plot with its thresholds.
    m_plot = new LongTailPlot(this);
    m_many = new QSpinBox(this);
    m_few = new QSpinBox(this);
    for (QSpinBox *s : {m_many, m_few})
        s->setRange(0, 1000000);
    m_many->setValue(100);
    m_few->setValue(20);
    m_many->setPrefix(tr("head > "));
    m_few->setPrefix(tr("tail < "));
    m_many->setToolTip(tr("Head classes have more training images than this; it cannot go below the tail threshold"));
    m_few->setToolTip(tr("Tail classes have fewer training images than this; it cannot exceed the head threshold"));
    m_preset = new QComboBox(this);
    m_preset->addItem(tr("Common (100 / 20)"));
    m_preset->addItem(tr("HyperKvasir (700 / 70)"));
    m_preset->addItem(tr("Custom"));
    m_preset->setToolTip(tr("Threshold presets; \u201cCustom\u201d when the values match none"));
    auto *plotBox = new QWidget(this);
    auto *plotLayout = new QVBoxLayout(plotBox);
    plotLayout->setContentsMargins(0, 0, 0, 0);
    auto *thresholds = new QHBoxLayout;
    auto *thresholdsLabel =
        new QLabel(tr("Long tail — click a bar to show that class. Thresholds on training counts:"), this);
    thresholdsLabel->setWordWrap(true); // narrow windows wrap it rather than widen the page
    thresholds->addWidget(thresholdsLabel, 1);
    thresholds->addWidget(m_many);
    thresholds->addWidget(m_few);
    thresholds->addWidget(m_preset);
    plotLayout->addLayout(thresholds);
    plotLayout->addWidget(m_plot, 1);

    auto *gridBox = new QWidget(this);
    auto *gridLayout = new QVBoxLayout(gridBox);
    gridLayout->setContentsMargins(0, 0, 0, 0);
    gridLayout->setSpacing(2);
    gridLayout->addWidget(m_filterBar);
    auto *chosenRow = new QHBoxLayout;
    chosenRow->addWidget(m_chosen, 1);
    chosenRow->addWidget(m_showAll);
    gridLayout->addLayout(chosenRow);
    gridLayout->addWidget(m_curationBar);
    gridLayout->addWidget(m_gridStack, 1);
    // The count has a line of its own: in a tool bar it was the first thing to be cut.
    m_count->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    gridLayout->addWidget(m_count);

    // The inspector sits to the right of the grid.
    m_inspector = new InspectorPanel(m_doc, jobs(), this);
    m_inspector->setMinimumWidth(220);
    auto *gridAndInspector = new QSplitter(Qt::Horizontal, this);
    gridAndInspector->addWidget(gridBox);
    gridAndInspector->addWidget(m_inspector);
    gridAndInspector->setStretchFactor(0, 3);
    gridAndInspector->setStretchFactor(1, 1);
    gridAndInspector->setCollapsible(0, false);
    gridAndInspector->setSizes({900, 340});

    auto *split = new QSplitter(Qt::Vertical, this);
    split->addWidget(gridAndInspector);
    split->addWidget(plotBox);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_banner);
    layout->addWidget(split, 1);

    m_refresh = new QTimer(this);
    m_refresh->setSingleShot(true);
    m_refresh->setInterval(100); // live updates at <= 10 Hz while curating
    connect(m_refresh, &QTimer::timeout, this, &DatasetPage::refreshSummary);

    connect(m_class, &QComboBox::activated, this, [this] {
        const int v = m_class->currentData().toInt();
        m_filter->setClassFilter(v < 0 ? std::nullopt : std::optional<int>(v));
        scheduleRefresh();
    });
    connect(m_split, &QComboBox::activated, this, [this] {
        const int v = m_split->currentData().toInt();
        m_filter->setSplitFilter(v < 0 ? std::nullopt : std::optional<Split>(Split(v)));
        scheduleRefresh();
    });
    connect(m_mark, &QComboBox::activated, this, [this] {
        m_filter->setMarkFilter(SampleFilterModel::MarkFilter(m_mark->currentData().toInt()));
        scheduleRefresh();
    });
    connect(m_sort, &QComboBox::activated, this,
            [this] { m_filter->setSortKey(SampleFilterModel::SortKey(m_sort->currentData().toInt())); });
    // Text search and group filter both filter as you type, a quarter of a second after the last key.
    m_typingDelay = new QTimer(this);
    m_typingDelay->setSingleShot(true);
    m_typingDelay->setInterval(250);
    connect(m_search, &QLineEdit::textChanged, m_typingDelay, qOverload<>(&QTimer::start));
    connect(m_group, &QLineEdit::textChanged, m_typingDelay, qOverload<>(&QTimer::start));
    connect(m_typingDelay, &QTimer::timeout, this, [this] {
        m_filter->setTextFilter(m_search->text());
        m_filter->setGroupFilter(m_group->text().trimmed());
        scheduleRefresh();
    });
    connect(m_tileSize, &QSlider::valueChanged, this, [this](int v) {
        m_delegate->setTileSize(v);
        m_view->doItemsLayout();
    });
    connect(m_view->verticalScrollBar(), &QScrollBar::valueChanged, m_thumbs, &ThumbnailProvider::dropPending);
    connect(m_view, &QListView::customContextMenuRequested, this, &DatasetPage::contextMenu);
    connect(m_view, &QListView::doubleClicked, this, [this](const QModelIndex &index) {
        if (!index.isValid()) return;
        m_view->setCurrentIndex(index);
        openViewer();
    });
    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this, &DatasetPage::scheduleRefresh);
    connect(m_view->selectionModel(), &QItemSelectionModel::currentChanged, this, [this](const QModelIndex &current) {
        const int sample = current.isValid() ? current.data(DatasetModel::SampleIndexRole).toInt() : -1;
        m_inspector->showSample(sample);
        if (m_viewer && m_viewer->isVisible() && sample >= 0) m_viewer->showSample(sample);
    });
    connect(m_inspector, &InspectorPanel::stepRequested, this, [this](int delta) { stepCurrent(delta); });
    connect(m_inspectorToggle, &QToolButton::toggled, m_inspector, &QWidget::setVisible);
    connect(m_plot, &LongTailPlot::classClicked, this, &DatasetPage::showClass);
    // The thresholds belong to the project (saved with it, used by every page); the spin boxes
    // edit them and follow them. The tail threshold can never exceed the head threshold: each
    // box's range ends at the other's value.
    auto thresholdsEdited = [this] {
        m_many->setMinimum(m_few->value());
        m_few->setMaximum(m_many->value());
        m_doc->setThresholds({m_many->value(), m_few->value()});
    };
    connect(m_many, &QSpinBox::valueChanged, this, thresholdsEdited);
    connect(m_few, &QSpinBox::valueChanged, this, thresholdsEdited);
    connect(m_doc, &ProjectDocument::thresholdsChanged, this, &DatasetPage::syncThresholds);
    connect(m_preset, &QComboBox::activated, this, [this](int i) {
        if (i > 1) return; // "Custom" is what the boxes say
        const auto t = i == 1 ? data::TailThresholds::hyperKvasir() : data::TailThresholds::defaults();
        m_doc->setThresholds(t);
        syncThresholds();
    });

    connect(m_doc, &ProjectDocument::spectralScoresChanged, this, [this] {
        m_filter->setScores(m_doc->spectralScores());
        scheduleRefresh();
    });
    connect(m_doc, &ProjectDocument::datasetReset, this, [this] {
        // A new project starts with every filter cleared: the previous project's filters would
        // hide its images without a word.
        clearFilters();
        m_model->setDataset(&m_doc->dataset());
        rebuildFilters();
        // Strongly imbalanced data reads better on a log axis.
        m_plot->setLogScale(LongTailPlot::imbalanceRatio(LongTailPlot::fromIndex(m_doc->dataset())) >
                            LongTailPlot::kLogScaleImbalance);
        refreshSummary();
    });
    connect(m_doc, &ProjectDocument::samplesChanged, this, [this](const std::vector<int> &samples) {
        m_model->samplesChanged(samples);
        m_filter->invalidate();
        scheduleRefresh();
    });
    connect(m_doc, &ProjectDocument::classesChanged, this, [this] {
        m_model->classesChanged();
        rebuildFilters();
        scheduleRefresh();
    });
    // Another part of the window (the curation history) asks to see some images: show them here.
    connect(m_doc, &ProjectDocument::showSamplesRequested, this,
            [this](const std::vector<int> &samples, const QString &title) {
                QVariantList list;
                for (int s : samples)
                    list << s;
                if (this->context().navigate)
                    this->context().navigate(pageId(),
                                             {{QStringLiteral("samples"), list}, {QStringLiteral("title"), title}});
                else
                    showSamples(samples, title);
            });
    m_model->setDataset(&m_doc->dataset());
    buildActions();
    rebuildFilters();
    syncThresholds();
    refreshSummary();
}

QString DatasetPage::title() const
{
    return tr("Dataset");
}

QIcon DatasetPage::icon() const
{
    return style()->standardIcon(QStyle::SP_FileDialogContentsView);
}

void DatasetPage::buildActions()
{
    // Page-wide keys: active while the focus is on this page (grid, inspector, plot), so they can
    // never be ambiguous with another page's; line edits and spin boxes keep their typing keys.
    const auto make = [this](const QString &text, const QString &buttonText, const QKeySequence &shortcut,
                             const QString &tip, auto slot) {
        auto *a = new QAction(text, this);
        a->setIconText(buttonText.isEmpty() ? text : buttonText);
        if (!shortcut.isEmpty()) a->setShortcut(shortcut);
        a->setShortcutContext(Qt::WidgetWithChildrenShortcut);
        a->setToolTip(withKey(tip.isEmpty() ? text : tip, shortcut));
        a->setStatusTip(tip);
        connect(a, &QAction::triggered, this, slot);
        addAction(a);
        return a;
    };
    const auto separator = [this] {
        auto *a = new QAction(this);
        a->setSeparator(true);
        m_actions.append(a);
    };
    QAction *selectAll =
        make(tr("Select &all shown"), QString(), QKeySequence::SelectAll, QString(), [this] { m_view->selectAll(); });
    QAction *exclude =
        make(tr("&Exclude selection"), tr("Exclude"), QKeySequence(Qt::Key_Delete),
             tr("Leave the selected images out of training and evaluation"), [this] { excludeSelection(true); });
    QAction *include = make(tr("&Include selection"), tr("Include"), QKeySequence(Qt::SHIFT | Qt::Key_Delete),
                            tr("Take the selected images back in"), [this] { excludeSelection(false); });
    QAction *flag = make(tr("&Flag selection"), tr("Flag"), QKeySequence(Qt::Key_F),
                         tr("Mark the selected images for review"), [this] { flagSelection(true); });
    QAction *unflag = make(tr("&Unflag selection"), tr("Unflag"), QKeySequence(Qt::SHIFT | Qt::Key_F),
                           tr("Clear the review mark"), [this] { flagSelection(false); });
    QAction *rename = make(tr("Re&name class…"), tr("Rename class…"), QKeySequence(), tr("Rename one of the classes"),
                           [this] { askRenameClass(); });
    QAction *merge = make(tr("&Merge classes…"), tr("Merge classes…"), QKeySequence(), tr("Merge classes into one"),
                          [this] { askMergeClasses(); });
    QAction *splits =
        make(tr("&Splits…"), tr("Splits…"), QKeySequence(),
             tr("Make train / validation / test splits, k folds or a long-tailed subset (one undoable step)"),
             [this] { openSplitManager(); });
    QAction *next = make(tr("&Next image"), QString(), QKeySequence(Qt::ALT | Qt::Key_Right),
                         tr("Inspect the next image of the grid"), [this] { stepCurrent(1); });
    QAction *previous = make(tr("&Previous image"), QString(), QKeySequence(Qt::ALT | Qt::Key_Left),
                             tr("Inspect the previous image of the grid"), [this] { stepCurrent(-1); });
    QAction *viewer = new QAction(tr("&View large…"), this);
    viewer->setShortcut(QKeySequence(Qt::Key_Space));
    viewer->setShortcutContext(Qt::WidgetShortcut); // Space elsewhere still presses buttons
    viewer->setToolTip(withKey(tr("Show the current image large (or double-click it)"), viewer->shortcut()));
    connect(viewer, &QAction::triggered, this, &DatasetPage::openViewer);
    m_view->addAction(viewer);
    QAction *spectrum =
        make(tr("Show the &spectrum of this image"), QString(), QKeySequence(tr("Ctrl+Shift+F")), QString(), [this] {
            const QModelIndex current = m_view->currentIndex();
            if (current.isValid())
                context().navigate(QStringLiteral("spectra"),
                                   {{QStringLiteral("sample"), current.data(DatasetModel::SampleIndexRole)}});
        });

    m_actions << selectAll << m_relabelMenuAction << exclude << include << flag << unflag
              << m_move->menu()->menuAction();
    separator();
    m_actions << next << previous << viewer << spectrum;
    separator();
    m_actions << rename << merge << splits;
    m_actions << make(tr("&Browse DICOM folder…"), QString(), QKeySequence(), QString(),
                      [this] { openDicomBrowser(); });
    m_actions << make(tr("E&xport de-identified…"), QString(), QKeySequence(), QString(),
                      [this] { openDeidentifyExport(); });

    // The curation bar (and the grid's context menu) show the same actions.
    m_markActions = {exclude, include, flag, unflag};
    for (QAction *a : std::as_const(m_markActions))
        m_curationBar->addAction(a);
    m_curationBar->addWidget(m_move);
    for (QAction *a : {rename, merge, splits})
        m_curationBar->addAction(a);
    auto *spacer = new QWidget(this);
    spacer->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
    m_curationBar->addWidget(spacer);
    m_curationBar->addWidget(m_inspectorToggle);
}

void DatasetPage::rebuildRelabelActions()
{
    const data::DatasetIndex &d = m_doc->dataset();
    QMenu *menu = m_relabel->menu();
    for (QAction *a : std::as_const(m_relabelActions)) {
        removeAction(a);
        a->deleteLater();
    }
    m_relabelActions.clear();
    menu->clear();
    for (int c = 0; c < d.classCount(); ++c) {
        // The first ten classes get a digit: 1–9, then 0.
        const bool digit = c < kDigitClasses;
        const int key = c < 9 ? Qt::Key_1 + c : Qt::Key_0;
        auto *a =
            new QAction(digit ? QStringLiteral("&%1 %2").arg(c < 9 ? c + 1 : 0).arg(d.classes[c]) : d.classes[c], this);
        if (digit) {
            a->setShortcut(QKeySequence(key));
            a->setShortcutContext(Qt::WidgetWithChildrenShortcut);
            addAction(a);
        }
        connect(a, &QAction::triggered, this, [this, c] { relabelSelection(c); });
        menu->addAction(a);
        m_relabelActions << a;
    }
    menu->setEnabled(d.classCount() > 0);
}

void DatasetPage::showSamples(const std::vector<int> &samples, const QString &title)
{
    const bool on = !samples.empty();
    if (on) {
        QSet<int> set;
        for (int s : samples)
            set.insert(s);
        // Another page's selection: start from every class and split so all of them are seen.
        clearFilters();
        m_filter->setSampleFilter(set);
        m_chosen->setText(title.isEmpty() ? tr("Showing %n chosen image(s).", nullptr, int(set.size()))
                                          : tr("Showing %n chosen image(s): %1.", nullptr, int(set.size())).arg(title));
    } else {
        m_filter->setSampleFilter(std::nullopt);
    }
    m_chosen->setVisible(on);
    m_showAll->setVisible(on);
    scheduleRefresh();
}

void DatasetPage::clearFilters()
{
    m_typingDelay->stop();
    for (QComboBox *box : {m_class, m_split, m_mark})
        if (box->count() > 0) box->setCurrentIndex(0);
    {
        const QSignalBlocker a(m_search), b(m_group);
        m_search->clear();
        m_group->clear();
    }
    m_filter->setClassFilter(std::nullopt);
    m_filter->setSplitFilter(std::nullopt);
    m_filter->setMarkFilter(SampleFilterModel::MarkFilter::Any);
    m_filter->setTextFilter(QString());
    m_filter->setGroupFilter(QString());
    m_filter->setSampleFilter(std::nullopt);
    m_chosen->setVisible(false);
    m_showAll->setVisible(false);
    scheduleRefresh();
}

void DatasetPage::activate(const QVariantMap &arguments)
{
    Page::activate(arguments);
    if (arguments.contains(QStringLiteral("class"))) showClass(arguments.value(QStringLiteral("class")).toInt());
    if (arguments.contains(QStringLiteral("samples"))) {
        std::vector<int> samples;
        for (const QVariant &v : arguments.value(QStringLiteral("samples")).toList())
            samples.push_back(v.toInt());
        showSamples(samples, arguments.value(QStringLiteral("title")).toString());
    }
}

bool DatasetPage::isBusy() const
{
    return m_thumbs->pendingCount() > 0 || m_inspector->isLoading();
}

bool DatasetPage::isSettled() const
{
    return !isBusy() && !m_refresh->isActive() && !m_typingDelay->isActive();
}

void DatasetPage::rebuildFilters()
{
    const data::DatasetIndex &d = m_doc->dataset();
    const int current = m_class->currentData().isValid() ? m_class->currentData().toInt() : -1;
    m_class->clear();
    m_class->addItem(tr("All classes"), -1);
    const auto counts = d.classCounts();
    for (int c = 0; c < d.classCount(); ++c)
        m_class->addItem(QStringLiteral("%1 (%2)").arg(d.classes[c]).arg(counts[std::size_t(c)]), c);
    const int pos = m_class->findData(current < d.classCount() ? current : -1);
    m_class->setCurrentIndex(pos < 0 ? 0 : pos);
    if (current >= d.classCount()) m_filter->setClassFilter(std::nullopt);
    rebuildRelabelActions();
    const bool demo = m_doc->project().demo || d.info.value(QStringLiteral("demo")).toBool();
    m_banner->setVisible(demo);
    m_banner->setText(tr("<b>Demo project.</b> %1").arg(project::demoDisclaimer().toHtmlEscaped()));
}

void DatasetPage::syncThresholds()
{
    const data::TailThresholds t = m_doc->thresholds();
    {
        const QSignalBlocker a(m_many), b(m_few);
        m_many->setMinimum(0);
        m_few->setMaximum(1000000);
        m_many->setValue(t.many);
        m_few->setValue(t.few);
        m_many->setMinimum(m_few->value());
        m_few->setMaximum(m_many->value());
    }
    const data::TailThresholds common = data::TailThresholds::defaults(), hk = data::TailThresholds::hyperKvasir();
    const bool isCommon = t.many == common.many && t.few == common.few;
    const bool isHk = t.many == hk.many && t.few == hk.few;
    m_preset->setCurrentIndex(isCommon ? 0 : isHk ? 1 : 2);
    m_plot->setThresholds(t.many, t.few);
}

void DatasetPage::scheduleRefresh()
{
    if (!m_refresh->isActive()) m_refresh->start();
}

QString DatasetPage::emptyStateText() const
{
    return m_emptyText->text();
}

void DatasetPage::refreshSummary()
{
    const data::DatasetIndex &d = m_doc->dataset();
    m_plot->setData(LongTailPlot::fromIndex(d));
    const int selected = int(m_view->selectionModel() ? m_view->selectionModel()->selectedIndexes().size() : 0);
    const int shown = m_filter->rowCount();
    m_count->setText(tr("%1 shown of %2 · %3 selected").arg(shown).arg(d.samples.size()).arg(selected));
    // Class counts in the filter follow curation.
    const auto counts = d.classCounts();
    for (int i = 1; i < m_class->count(); ++i) {
        const int c = m_class->itemData(i).toInt();
        if (c >= 0 && c < d.classCount())
            m_class->setItemText(i, QStringLiteral("%1 (%2)").arg(d.classes[c]).arg(counts[std::size_t(c)]));
    }

    // An empty grid says why.
    if (shown > 0 || d.samples.empty()) {
        m_emptyText->setText(d.samples.empty() ? tr("This project has no images yet. Import a dataset (File ▸ Import "
                                                    "dataset) or drop a folder onto the window.")
                                               : QString());
        m_clearFilters->setVisible(false);
        m_gridStack->setCurrentWidget(d.samples.empty() ? m_emptyState : m_view);
        return;
    }
    QStringList why;
    if (m_filter->hasSampleFilter()) why << tr("only the chosen images");
    if (m_filter->classFilter()) why << tr("class \u201c%1\u201d").arg(d.classes.value(*m_filter->classFilter()));
    if (m_split->currentIndex() > 0) why << tr("split \u201c%1\u201d").arg(m_split->currentText());
    if (m_mark->currentIndex() > 0) why << tr("mark \u201c%1\u201d").arg(m_mark->currentText());
    if (!m_search->text().trimmed().isEmpty()) why << tr("search \u201c%1\u201d").arg(m_search->text().trimmed());
    if (!m_group->text().trimmed().isEmpty()) why << tr("group \u201c%1\u201d").arg(m_group->text().trimmed());
    m_emptyText->setText(tr("None of the %n image(s) matches the filters: %1.", nullptr, int(d.samples.size()))
                             .arg(why.isEmpty() ? tr("the current filters") : why.join(QStringLiteral(", "))));
    m_clearFilters->setVisible(true);
    m_gridStack->setCurrentWidget(m_emptyState);
}

std::vector<int> DatasetPage::selectedSamples() const
{
    return m_filter->samplesOf(m_view->selectionModel()->selectedIndexes());
}

void DatasetPage::selectAllInClass(int label)
{
    QItemSelection sel;
    for (int r = 0; r < m_filter->rowCount(); ++r) {
        const QModelIndex i = m_filter->index(r, 0);
        if (i.data(DatasetModel::LabelRole).toInt() == label) sel.select(i, i);
    }
    m_view->selectionModel()->select(sel, QItemSelectionModel::ClearAndSelect);
}

void DatasetPage::showClass(int label)
{
    const int pos = m_class->findData(label);
    m_class->setCurrentIndex(pos < 0 ? 0 : pos);
    m_filter->setClassFilter(label < 0 ? std::nullopt : std::optional<int>(label));
    scheduleRefresh();
}

bool DatasetPage::stepCurrent(int delta)
{
    const int rows = m_filter->rowCount();
    if (rows == 0) return false;
    const QModelIndex current = m_view->currentIndex();
    const int row = current.isValid() ? current.row() + delta : (delta > 0 ? 0 : rows - 1);
    if (row < 0 || row >= rows) return false;
    const QModelIndex next = m_filter->index(row, 0);
    m_view->selectionModel()->setCurrentIndex(next, QItemSelectionModel::ClearAndSelect);
    m_view->scrollTo(next);
    return true;
}

ImageViewerDialog *DatasetPage::viewer() const
{
    return m_viewer;
}

void DatasetPage::openViewer()
{
    const QModelIndex current = m_view->currentIndex();
    if (!current.isValid()) return;
    if (!m_viewer) {
        m_viewer = new ImageViewerDialog(m_doc, jobs(), this);
        m_viewer->setAttribute(Qt::WA_DeleteOnClose);
        connect(m_viewer, &ImageViewerDialog::stepRequested, this, [this](int delta) { stepCurrent(delta); });
        if (QWidget *w = window()) m_viewer->resize(w->size() * 0.85);
    }
    m_viewer->showSample(current.data(DatasetModel::SampleIndexRole).toInt());
    m_viewer->show();
    m_viewer->raise();
    m_viewer->activateWindow();
}

void DatasetPage::showError(const QString &what, const QString &detail)
{
    Q_EMIT statusMessage(what + QStringLiteral(": ") + detail);
    if (isVisible()) QMessageBox::warning(this, what, detail);
}

void DatasetPage::relabelSelection(int label)
{
    auto e = data::makeRelabel(m_doc->dataset(), selectedSamples(), label);
    if (!e) return showError(tr("Cannot relabel"), e.error().message());
    m_doc->apply(*e);
}

void DatasetPage::excludeSelection(bool exclude)
{
    auto e = data::makeSetFlag(m_doc->dataset(), selectedSamples(), data::FlagExcluded, exclude);
    if (!e) return showError(exclude ? tr("Cannot exclude") : tr("Cannot include"), e.error().message());
    m_doc->apply(*e);
}

void DatasetPage::flagSelection(bool flag)
{
    auto e = data::makeSetFlag(m_doc->dataset(), selectedSamples(), data::FlagFlagged, flag);
    if (!e) return showError(tr("Cannot flag"), e.error().message());
    m_doc->apply(*e);
}

void DatasetPage::moveSelection(int split)
{
    auto e = data::makeMoveToSplit(m_doc->dataset(), selectedSamples(), Split(split));
    if (!e) return showError(tr("Cannot move"), e.error().message());
    m_doc->apply(*e);
}

void DatasetPage::renameClass(int label, const QString &name)
{
    auto e = data::makeRenameClass(m_doc->dataset(), label, name);
    if (!e) return showError(tr("Cannot rename the class"), e.error().message());
    m_doc->apply(*e);
}

void DatasetPage::mergeClasses(const std::vector<int> &from, int into)
{
    auto e = data::makeMergeClasses(m_doc->dataset(), from, into);
    if (!e) return showError(tr("Cannot merge the classes"), e.error().message());
    m_doc->apply(*e);
}

void DatasetPage::openSplitManager()
{
    SplitManagerDialog dlg(m_doc, jobs(), this);
    if (dlg.exec() == QDialog::Accepted) Q_EMIT statusMessage(m_doc->undoStack()->undoText());
}

void DatasetPage::openDicomBrowser()
{
    auto *browser = new DicomBrowser(jobs(), this);
    browser->setAttribute(Qt::WA_DeleteOnClose);
    connect(browser, &DicomBrowser::importRequested, this, [this](const QString &folder) {
        if (context().importDataset) context().importDataset(folder);
    });
    browser->show();
    browser->chooseFolder();
}

void DatasetPage::openDeidentifyExport()
{
    DeidentifyDialog dlg(m_doc->dataset(), m_doc->project().folder, jobs(), this);
    dlg.exec();
}

void DatasetPage::askRenameClass()
{
    const data::DatasetIndex &d = m_doc->dataset();
    if (d.classCount() == 0) {
        QMessageBox::information(this, tr("Rename class"), tr("This dataset has no classes to rename."));
        return;
    }
    QDialog dlg(this);
    dlg.setObjectName(QStringLiteral("renameClassDialog"));
    dlg.setWindowTitle(tr("Rename class"));
    auto *which = new QComboBox(&dlg);
    which->setObjectName(QStringLiteral("classBox"));
    const auto counts = d.classCounts();
    for (int c = 0; c < d.classCount(); ++c)
        which->addItem(tr("%1 (%n image(s))", nullptr, counts[std::size_t(c)]).arg(d.classes[c]), c);
    // The class shown in the filter (or of the current image) is the likely one.
    int preset = m_filter->classFilter().value_or(-1);
    if (preset < 0 && m_view->currentIndex().isValid())
        preset = m_view->currentIndex().data(DatasetModel::LabelRole).toInt();
    which->setCurrentIndex(std::max(0, which->findData(preset)));
    auto *name = new QLineEdit(&dlg);
    name->setObjectName(QStringLiteral("nameEdit"));
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, &dlg);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("Rename"));
    const auto update = [&] {
        const QString n = name->text().trimmed();
        const int c = which->currentData().toInt();
        buttons->button(QDialogButtonBox::Ok)->setEnabled(!n.isEmpty() && c >= 0 && n != d.classes.value(c));
    };
    connect(which, &QComboBox::currentIndexChanged, &dlg, [&] {
        name->setText(d.classes.value(which->currentData().toInt()));
        name->selectAll();
    });
    connect(name, &QLineEdit::textChanged, &dlg, update);
    connect(buttons, &QDialogButtonBox::accepted, &dlg, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, &dlg, &QDialog::reject);
    name->setText(d.classes.value(which->currentData().toInt()));
    name->selectAll();
    update();
    auto *form = new QFormLayout(&dlg);
    form->addRow(tr("Class:"), which);
    form->addRow(tr("New name:"), name);
    form->addRow(buttons);
    if (dlg.exec() != QDialog::Accepted) return;
    renameClass(which->currentData().toInt(), name->text().trimmed());
}

void DatasetPage::askMergeClasses()
{
    const data::DatasetIndex &d = m_doc->dataset();
    QDialog dlg(this);
    dlg.setWindowTitle(tr("Merge classes"));
    auto *list = new QListWidget(&dlg);
    for (int c = 0; c < d.classCount(); ++c) {
        auto *item = new QListWidgetItem(d.classes[c], list);
        item->setFlags(item->flags() | Qt::ItemIsUserCheckable);
        item->setCheckState(Qt::Unchecked);
    }
    auto *into = new QComboBox(&dlg);
    into->addItems(d.classes);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, &dlg);
    connect(buttons, &QDialogButtonBox::accepted, &dlg, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, &dlg, &QDialog::reject);
    auto *l = new QVBoxLayout(&dlg);
    l->addWidget(new QLabel(tr("Merge these classes:"), &dlg));
    l->addWidget(list);
    l->addWidget(new QLabel(tr("into:"), &dlg));
    l->addWidget(into);
    l->addWidget(buttons);
    if (dlg.exec() != QDialog::Accepted) return;
    std::vector<int> from;
    for (int c = 0; c < list->count(); ++c)
        if (list->item(c)->checkState() == Qt::Checked) from.push_back(c);
    mergeClasses(from, into->currentIndex());
}

void DatasetPage::contextMenu(const QPoint &pos)
{
    const QModelIndex at = m_view->indexAt(pos);
    QMenu menu(this);
    menu.addMenu(m_relabel->menu());
    menu.addActions(m_markActions);
    menu.addMenu(m_move->menu());
    if (at.isValid()) {
        const int label = at.data(DatasetModel::LabelRole).toInt();
        menu.addSeparator();
        menu.addAction(tr("View large"), this, [this, at] {
            m_view->setCurrentIndex(at);
            openViewer();
        });
        menu.addAction(tr("Select all in this class"), this, [this, label] { selectAllInClass(label); });
        menu.addAction(tr("Show only this class"), this, [this, label] { showClass(label); });
    }
    menu.exec(m_view->viewport()->mapToGlobal(pos));
}

} // namespace fopro::ui
