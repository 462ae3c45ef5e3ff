#include "ui/dataset/datasetpage.h"

#include "core/data/longtail.h"
#include "core/project/demo.h"
#include "ui/dataset/datasetmodel.h"
#include "ui/dataset/deidentifydialog.h"
#include "ui/dataset/dicombrowser.h"
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
#include <QtWidgets/QHBoxLayout>
#include <QtWidgets/QInputDialog>
#include <QtWidgets/QLabel>
#include <QtWidgets/QLineEdit>
#include <QtWidgets/QListView>
#include <QtWidgets/QListWidget>
#include <QtWidgets/QMenu>
#include <QtWidgets/QMessageBox>
#include <QtWidgets/QScrollBar>
#include <QtWidgets/QSlider>
#include <QtWidgets/QSpinBox>
#include <QtWidgets/QSplitter>
#include <QtWidgets/QStyle>
#include <QtWidgets/QToolBar>
#include <QtWidgets/QToolButton>
#include <QtWidgets/QVBoxLayout>

namespace fopro::ui {

using data::Split;

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
    m_split = new QComboBox(this);
    m_split->addItem(tr("All splits"), -1);
    for (Split s : {Split::Train, Split::Val, Split::Test, Split::None})
        m_split->addItem(s == Split::None ? tr("Unassigned") : data::splitName(s), int(s));
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
    m_sort = new QComboBox(this);
    m_sort->addItem(tr("Dataset order"), int(SampleFilterModel::SortKey::Dataset));
    m_sort->addItem(tr("By class"), int(SampleFilterModel::SortKey::Class));
    m_sort->addItem(tr("By split"), int(SampleFilterModel::SortKey::Split));
    m_sort->addItem(tr("By file name"), int(SampleFilterModel::SortKey::Path));
    m_sort->addItem(tr("By spectral outlier score"), int(SampleFilterModel::SortKey::SpectralScore));
    m_sort->setItemData(m_sort->count() - 1, tr("Highest first; compute the scores on the Spectra page (Per class)"),
                        Qt::ToolTipRole);
    m_chosen = new QLabel(this);
    m_chosen->setVisible(false);
    m_showAll = new QPushButton(tr("Show all images"), this);
    m_showAll->setVisible(false);
    connect(m_showAll, &QPushButton::clicked, this, [this] { showSamples({}, {}); });
    m_search = new QLineEdit(this);
    m_search->setPlaceholderText(tr("Search file name, group or metadata"));
    m_search->setClearButtonEnabled(true);
    m_tileSize = new QSlider(Qt::Horizontal, this);
    m_tileSize->setRange(64, 256);
    m_tileSize->setValue(m_delegate->tileSize());
    m_tileSize->setMaximumWidth(120);
    m_tileSize->setToolTip(tr("Tile size"));
    m_count = new QLabel(this);

    // Both bars are tool bars: at 1024 px what does not fit goes into their overflow menu.
    const auto toolBar = [this](const QString &name) {
        auto *bar = new QToolBar(name, this);
        bar->setMovable(false);
        bar->setFloatable(false);
        bar->setToolButtonStyle(Qt::ToolButtonTextOnly);
        return bar;
    };
    auto *filters = toolBar(tr("Filters"));
    filters->addWidget(new QLabel(tr("Class "), this));
    filters->addWidget(m_class);
    filters->addWidget(m_split);
    filters->addWidget(m_mark);
    m_search->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    m_search->setMinimumWidth(140);
    filters->addWidget(m_search);
    auto *group = new QLineEdit(this);
    group->setPlaceholderText(tr("Group (patient/lesion)"));
    group->setToolTip(tr("Show only the images of one patient, lesion or video (exact id)"));
    group->setClearButtonEnabled(true);
    group->setMaximumWidth(170);
    connect(group, &QLineEdit::editingFinished, this, [this, group] {
        m_filter->setGroupFilter(group->text().trimmed());
        scheduleRefresh();
    });
    filters->addWidget(group);
    filters->addWidget(m_sort);
    filters->addWidget(new QLabel(tr(" Size "), this));
    filters->addWidget(m_tileSize);

    // Curation bar.
    m_relabel = new QToolButton(this);
    m_relabel->setText(tr("Relabel as"));
    m_relabel->setPopupMode(QToolButton::InstantPopup);
    m_relabel->setMenu(new QMenu(m_relabel));
    m_move = new QToolButton(this);
    m_move->setText(tr("Move to split"));
    m_move->setPopupMode(QToolButton::InstantPopup);
    auto *moveMenu = new QMenu(m_move);
    for (Split s : {Split::Train, Split::Val, Split::Test, Split::None})
        moveMenu->addAction(s == Split::None ? tr("Unassigned") : data::splitName(s), this,
                            [this, s] { moveSelection(int(s)); });
    m_move->setMenu(moveMenu);
    auto button = [this](const QString &text, const QString &tip, auto slot) {
        auto *b = new QToolButton(this);
        b->setText(text);
        b->setToolTip(tip);
        connect(b, &QToolButton::clicked, this, slot);
        return b;
    };
    auto *curation = toolBar(tr("Curation"));
    curation->addWidget(m_relabel);
    curation->addWidget(button(tr("Exclude"), tr("Leave the selected images out of training and evaluation (Del)"),
                               [this] { excludeSelection(true); }));
    curation->addWidget(
        button(tr("Include"), tr("Take the selected images back in"), [this] { excludeSelection(false); }));
    curation->addWidget(
        button(tr("Flag"), tr("Mark the selected images for review (F)"), [this] { flagSelection(true); }));
    curation->addWidget(button(tr("Unflag"), tr("Clear the review mark"), [this] { flagSelection(false); }));
    curation->addWidget(m_move);
    curation->addWidget(
        button(tr("Rename class…"), tr("Rename the class shown in the class filter"), [this] { askRenameClass(); }));
    curation->addWidget(button(tr("Merge classes…"), tr("Merge classes into one"), [this] { askMergeClasses(); }));
    curation->addWidget(button(
        tr("Splits…"), tr("Make train / validation / test splits, k folds or a long-tailed subset (one undoable step)"),
        [this] { openSplitManager(); }));
    auto *spacer = new QWidget(this);
    spacer->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
    curation->addWidget(spacer);
    curation->addWidget(m_count);
    m_inspectorToggle = new QToolButton(this);
    m_inspectorToggle->setText(tr("Inspector"));
    m_inspectorToggle->setToolTip(tr("Show or hide the inspector of the current image"));
    m_inspectorToggle->setCheckable(true);
    m_inspectorToggle->setChecked(true);
    curation->addWidget(m_inspectorToggle);

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
    auto *preset = new QComboBox(this);
    preset->addItem(tr("Common (100 / 20)"));
    preset->addItem(tr("HyperKvasir (700 / 70)"));
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
    thresholds->addWidget(preset);
    plotLayout->addLayout(thresholds);
    plotLayout->addWidget(m_plot, 1);

    auto *gridBox = new QWidget(this);
    auto *gridLayout = new QVBoxLayout(gridBox);
    gridLayout->setContentsMargins(0, 0, 0, 0);
    gridLayout->setSpacing(2);
    gridLayout->addWidget(filters);
    auto *chosenRow = new QHBoxLayout;
    chosenRow->addWidget(m_chosen, 1);
    chosenRow->addWidget(m_showAll);
    gridLayout->addLayout(chosenRow);
    gridLayout->addWidget(curation);
    gridLayout->addWidget(m_view, 1);

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
    connect(m_inspectorToggle, &QToolButton::toggled, m_inspector, &QWidget::setVisible);

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
    auto *searchDelay = new QTimer(this);
    searchDelay->setSingleShot(true);
    searchDelay->setInterval(250);
    connect(m_search, &QLineEdit::textChanged, searchDelay, qOverload<>(&QTimer::start));
    connect(searchDelay, &QTimer::timeout, this, [this] {
        m_filter->setTextFilter(m_search->text());
        scheduleRefresh();
    });
    connect(m_tileSize, &QSlider::valueChanged, this, [this](int v) {
        m_delegate->setTileSize(v);
        m_view->doItemsLayout();
    });
    connect(m_view->verticalScrollBar(), &QScrollBar::valueChanged, m_thumbs, &ThumbnailProvider::dropPending);
    connect(m_view, &QListView::customContextMenuRequested, this, &DatasetPage::contextMenu);
    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this, &DatasetPage::scheduleRefresh);
    connect(m_view->selectionModel(), &QItemSelectionModel::currentChanged, this, [this](const QModelIndex &current) {
        m_inspector->showSample(current.isValid() ? current.data(DatasetModel::SampleIndexRole).toInt() : -1);
    });
    connect(m_plot, &LongTailPlot::classClicked, this, &DatasetPage::showClass);
    // The thresholds belong to the project (saved with it, used by every page); the spin boxes
    // edit them and follow them.
    auto thresholdsEdited = [this] { m_doc->setThresholds({m_many->value(), m_few->value()}); };
    connect(m_many, &QSpinBox::valueChanged, this, thresholdsEdited);
    connect(m_few, &QSpinBox::valueChanged, this, thresholdsEdited);
    connect(m_doc, &ProjectDocument::thresholdsChanged, this, [this] {
        const data::TailThresholds t = m_doc->thresholds();
        const QSignalBlocker a(m_many), b(m_few);
        m_many->setValue(t.many);
        m_few->setValue(t.few);
        m_plot->setThresholds(t.many, t.few);
    });
    connect(preset, &QComboBox::activated, this, [this](int i) {
        const auto t = i == 1 ? data::TailThresholds::hyperKvasir() : data::TailThresholds::defaults();
        m_many->setValue(t.many);
        m_few->setValue(t.few);
    });

    connect(m_doc, &ProjectDocument::spectralScoresChanged, this, [this] {
        m_filter->setScores(m_doc->spectralScores());
        scheduleRefresh();
    });
    connect(m_doc, &ProjectDocument::datasetReset, this, [this] {
        showSamples({}, {});
        m_model->setDataset(&m_doc->dataset());
        rebuildFilters();
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
    m_model->setDataset(&m_doc->dataset());
    rebuildFilters();
    refreshSummary();
    buildActions();
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
    const auto add = [this](const QString &text, const QKeySequence &shortcut, auto slot) {
        auto *a = new QAction(text, this);
        if (!shortcut.isEmpty()) a->setShortcut(shortcut);
        connect(a, &QAction::triggered, this, slot);
        m_actions.append(a);
        return a;
    };
    const auto separator = [this] {
        auto *a = new QAction(this);
        a->setSeparator(true);
        m_actions.append(a);
    };
    add(tr("Select &all shown"), QKeySequence::SelectAll, [this] { m_view->selectAll(); });
    add(tr("&Exclude selection"), QKeySequence(Qt::Key_Delete), [this] { excludeSelection(true); });
    add(tr("&Flag selection"), QKeySequence(tr("F")), [this] { flagSelection(true); });
    add(tr("Show the &spectrum of this image"), QKeySequence(tr("Ctrl+Shift+F")), [this] {
        const QModelIndex current = m_view->currentIndex();
        if (current.isValid())
            context().navigate(QStringLiteral("spectra"),
                               {{QStringLiteral("sample"), current.data(DatasetModel::SampleIndexRole)}});
    });
    separator();
    add(tr("&Splits…"), QKeySequence(), [this] { openSplitManager(); });
    add(tr("&Browse DICOM folder…"), QKeySequence(), [this] { openDicomBrowser(); });
    add(tr("E&xport de-identified…"), QKeySequence(), [this] { openDeidentifyExport(); });
}

void DatasetPage::showSamples(const std::vector<int> &samples, const QString &title)
{
    const bool on = !samples.empty();
    if (on) {
        QSet<int> set;
        for (int s : samples)
            set.insert(s);
        // Another page's selection: start from every class and split so all of them are seen.
        showClass(-1);
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
    return !isBusy() && !m_refresh->isActive();
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
    QMenu *menu = m_relabel->menu();
    menu->clear();
    for (int c = 0; c < d.classCount(); ++c)
        menu->addAction(d.classes[c], this, [this, c] { relabelSelection(c); });
    const bool demo = m_doc->project().demo || d.info.value(QStringLiteral("demo")).toBool();
    m_banner->setVisible(demo);
    m_banner->setText(tr("<b>Demo project.</b> %1").arg(project::demoDisclaimer().toHtmlEscaped()));
}

void DatasetPage::scheduleRefresh()
{
    if (!m_refresh->isActive()) m_refresh->start();
}

void DatasetPage::refreshSummary()
{
    const data::DatasetIndex &d = m_doc->dataset();
    m_plot->setData(LongTailPlot::fromIndex(d));
    const int selected = int(m_view->selectionModel() ? m_view->selectionModel()->selectedIndexes().size() : 0);
    m_count->setText(tr("%1 shown of %2 · %3 selected").arg(m_filter->rowCount()).arg(d.samples.size()).arg(selected));
    // Class counts in the filter follow curation.
    const auto counts = d.classCounts();
    for (int i = 1; i < m_class->count(); ++i) {
        const int c = m_class->itemData(i).toInt();
        if (c >= 0 && c < d.classCount())
            m_class->setItemText(i, QStringLiteral("%1 (%2)").arg(d.classes[c]).arg(counts[std::size_t(c)]));
    }
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
    const int label = m_class->currentData().toInt();
    if (label < 0) {
        QMessageBox::information(this, tr("Rename class"), tr("Choose the class to rename in the class filter first."));
        return;
    }
    bool ok = false;
    const QString name =
        QInputDialog::getText(this, tr("Rename class"), tr("New name of “%1”:").arg(m_doc->dataset().classes[label]),
                              QLineEdit::Normal, m_doc->dataset().classes[label], &ok);
    if (ok) renameClass(label, name);
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
    menu.addMenu(m_relabel->menu())->setText(tr("Relabel as"));
    menu.addAction(tr("Exclude"), this, [this] { excludeSelection(true); });
    menu.addAction(tr("Include"), this, [this] { excludeSelection(false); });
    menu.addAction(tr("Flag for review"), this, [this] { flagSelection(true); });
    menu.addAction(tr("Clear review flag"), this, [this] { flagSelection(false); });
    menu.addMenu(m_move->menu())->setText(tr("Move to split"));
    if (at.isValid()) {
        const int label = at.data(DatasetModel::LabelRole).toInt();
        menu.addSeparator();
        menu.addAction(tr("Select all in this class"), this, [this, label] { selectAllInClass(label); });
        menu.addAction(tr("Show only this class"), this, [this, label] { showClass(label); });
    }
    menu.exec(m_view->viewport()->mapToGlobal(pos));
}

} // namespace fopro::ui
