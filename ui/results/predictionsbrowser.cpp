#include "ui/results/predictionsbrowser.h"

#include "core/data/curation.h"
#include "core/data/imageloader.h"
#include "ui/dataset/thumbnailprovider.h"
#include "ui/results/predictionsmodel.h"
#include "ui/shell/projectdocument.h"
#include "ui/training/runcompareview.h"

#include <QtWidgets/QCheckBox>
#include <QtWidgets/QComboBox>
#include <QtWidgets/QDoubleSpinBox>
#include <QtWidgets/QHBoxLayout>
#include <QtWidgets/QHeaderView>
#include <QtWidgets/QLabel>
#include <QtWidgets/QMenu>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QSplitter>
#include <QtWidgets/QTableView>
#include <QtWidgets/QToolBar>
#include <QtWidgets/QToolButton>
#include <QtWidgets/QVBoxLayout>

#include <algorithm>

namespace fopro::ui {

PredictionsBrowser::PredictionsBrowser(ProjectDocument *document, JobManager *jobs, QWidget *parent)
    : QWidget(parent), m_doc(document), m_jobs(jobs), m_thumbs(new ThumbnailProvider(this, 2, 64))
{
    if (m_doc) {
        m_thumbs->setDataset(&m_doc->dataset());
        connect(m_doc, &ProjectDocument::datasetReset, this, [this] { m_thumbs->setDataset(&m_doc->dataset()); });
        connect(m_doc, &ProjectDocument::classesChanged, this, [this] { rebuildClassMenus(); });
    }
    m_model = new PredictionsModel(m_doc, m_thumbs, this);
    m_filter = new PredictionsFilter(this);
    m_filter->setSourceModel(m_model);
    m_bars = new ProbabilityBarDelegate(this);

    m_view = new QTableView(this);
    m_view->setAccessibleName(tr("Predictions"));
    m_view->setModel(m_filter);
    m_view->setSortingEnabled(true);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_view->setItemDelegateForColumn(PredictionsModel::ProbabilitiesColumn, m_bars);
    m_view->setIconSize(QSize(PredictionsModel::kThumbSide, PredictionsModel::kThumbSide));
    m_view->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_view->verticalHeader()->setDefaultSectionSize(PredictionsModel::kThumbSide + 4);
    m_view->verticalHeader()->hide();
    m_view->setWordWrap(false);
    m_view->setTextElideMode(Qt::ElideLeft); // the end of a sample id is its file name
    QHeaderView *h = m_view->horizontalHeader();
    h->setSectionResizeMode(QHeaderView::Interactive);
    h->setStretchLastSection(true);
    h->resizeSection(PredictionsModel::ImageColumn, 140);
    h->resizeSection(PredictionsModel::TrueColumn, 78);
    h->resizeSection(PredictionsModel::PredictedColumn, 78);
    h->resizeSection(PredictionsModel::ConfidenceColumn, 48);
    h->resizeSection(PredictionsModel::TrueProbabilityColumn, 52);
    h->resizeSection(PredictionsModel::LossColumn, 46);
    h->resizeSection(PredictionsModel::ProbabilitiesColumn, 92);
    h->resizeSection(PredictionsModel::OtherColumn, 78);
    m_view->sortByColumn(PredictionsModel::LossColumn, Qt::DescendingOrder);
    connect(m_view, &QTableView::doubleClicked, this, [this] { explainSelection(); });

    // Filters.
    m_wrong = new QCheckBox(tr("Wrong only"), this);
    connect(m_wrong, &QCheckBox::toggled, this, &PredictionsBrowser::setWrongOnly);
    m_class = new QComboBox(this);
    m_class->setAccessibleName(tr("Class filter"));
    m_class->setToolTip(tr("Images whose true or predicted class is this one"));
    m_class->setMinimumContentsLength(10);
    m_class->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    connect(m_class, &QComboBox::activated, this, [this] { setClassFilter(m_class->currentData().toInt()); });
    m_confLo = new QDoubleSpinBox(this);
    m_confHi = new QDoubleSpinBox(this);
    for (QDoubleSpinBox *s : {m_confLo, m_confHi}) {
        s->setRange(0, 1);
        s->setDecimals(2);
        s->setSingleStep(0.05);
    }
    m_confLo->setValue(0);
    m_confHi->setValue(1);
    m_confLo->setToolTip(tr("Lowest confidence shown"));
    m_confHi->setToolTip(tr("Highest confidence shown"));
    const auto confChanged = [this] {
        m_filter->setConfidenceRange(m_confLo->value(), m_confHi->value());
        updateCount();
    };
    connect(m_confLo, &QDoubleSpinBox::valueChanged, this, confChanged);
    connect(m_confHi, &QDoubleSpinBox::valueChanged, this, confChanged);
    m_disagree = new QCheckBox(tr("Runs disagree"), this);
    m_disagree->setToolTip(tr("Only images the compared run predicts differently (compare a run first)"));
    m_disagree->setEnabled(false);
    connect(m_disagree, &QCheckBox::toggled, this, &PredictionsBrowser::setDisagreeOnly);
    m_count = new QLabel(this);
    m_cellNote = new QLabel(this);
    m_cellNote->setVisible(false);
    m_showAll = new QPushButton(tr("Show all"), this);
    m_showAll->setVisible(false);
    connect(m_showAll, &QPushButton::clicked, this, [this] { showCell(-1, -1); });

    auto *filters = new QToolBar(tr("Filters"), this);
    filters->setToolButtonStyle(Qt::ToolButtonTextOnly);
    filters->addWidget(m_wrong);
    filters->addWidget(new QLabel(tr(" Class "), this));
    filters->addWidget(m_class);
    filters->addWidget(new QLabel(tr(" Confidence "), this));
    filters->addWidget(m_confLo);
    filters->addWidget(new QLabel(tr("–"), this));
    filters->addWidget(m_confHi);
    filters->addWidget(m_disagree);
    filters->addWidget(m_cellNote);
    filters->addWidget(m_showAll);

    // Curation and explanation of the selection.
    m_relabel = new QToolButton(this);
    m_relabel->setText(tr("Relabel as"));
    m_relabel->setPopupMode(QToolButton::InstantPopup);
    m_relabel->setMenu(new QMenu(m_relabel));
    m_relabel->setToolTip(tr("Give the selected images another class (undoable, Ctrl+Z)"));
    auto *curation = new QToolBar(tr("Selection"), this);
    curation->setToolButtonStyle(Qt::ToolButtonTextOnly);
    curation->addWidget(m_relabel);
    const auto add = [&](const QString &text, const QString &tip, auto slot) {
        QAction *a = curation->addAction(text, this, slot);
        a->setToolTip(tip);
        return a;
    };
    add(tr("Exclude"), tr("Leave the selected images out of training and evaluation"),
        [this] { excludeSelection(true); });
    add(tr("Include"), tr("Take the selected images back in"), [this] { excludeSelection(false); });
    add(tr("Flag"), tr("Mark the selected images for review"), [this] { flagSelection(true); });
    add(tr("Unflag"), tr("Clear the review mark"), [this] { flagSelection(false); });
    add(tr("Open in Dataset"), tr("Show the selected images (or all shown) in the Dataset page's grid"), [this] {
        std::vector<int> samples = selectedSamples();
        QString title = tr("%n chosen prediction(s)", nullptr, int(samples.size()));
        if (samples.empty()) {
            for (int row : shownRows()) {
                const int s = m_main ? m_main->predictions.sampleIndex[std::size_t(row)] : -1;
                if (s >= 0) samples.push_back(s);
            }
            title = tr("%n shown prediction(s)", nullptr, int(samples.size()));
        }
        Q_EMIT openSamplesRequested(samples, title);
    });
    add(tr("Grad-CAM"), tr("Where the student (and a CNN teacher) looked, for the selected images (Ctrl+G)"),
        [this] { explainSelection(); });

    m_gradCam = new GradCamPanel(m_jobs, this);
    connect(m_gradCam, &GradCamPanel::statusMessage, this, &PredictionsBrowser::statusMessage);
    auto *left = new QWidget(this);
    auto *leftLayout = new QVBoxLayout(left);
    leftLayout->setContentsMargins(0, 0, 0, 0);
    leftLayout->setSpacing(2);
    leftLayout->addWidget(filters);
    leftLayout->addWidget(curation);
    leftLayout->addWidget(m_view, 1);
    leftLayout->addWidget(m_count);
    m_split = new QSplitter(Qt::Horizontal, this);
    m_split->addWidget(left);
    m_split->addWidget(m_gradCam);
    m_split->setStretchFactor(0, 3);
    m_split->setStretchFactor(1, 2);
    m_split->setChildrenCollapsible(true);
    m_split->setSizes({650, 330});
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_split);

    connect(m_filter, &QAbstractItemModel::rowsInserted, this, &PredictionsBrowser::updateCount);
    connect(m_filter, &QAbstractItemModel::rowsRemoved, this, &PredictionsBrowser::updateCount);
    connect(m_filter, &QAbstractItemModel::modelReset, this, &PredictionsBrowser::updateCount);
    connect(m_filter, &QAbstractItemModel::layoutChanged, this, &PredictionsBrowser::updateCount);
    rebuildClassMenus();
    updateCount();
}

void PredictionsBrowser::setRuns(std::shared_ptr<const RunResults> main, std::shared_ptr<const RunResults> other)
{
    m_main = std::move(main);
    m_other = std::move(other);
    m_filter->setRows(std::nullopt);
    m_cellNote->setVisible(false);
    m_showAll->setVisible(false);
    m_model->setRuns(m_main, m_other);
    m_view->setColumnHidden(PredictionsModel::OtherColumn, !m_other);
    m_disagree->setEnabled(bool(m_other));
    if (!m_other && m_disagree->isChecked()) m_disagree->setChecked(false);
    rebuildClassMenus();
    updateGradCamSources();
    updateCount();
}

void PredictionsBrowser::updateGradCamSources()
{
    GradCamPanel::Source student, teacher;
    QString note;
    if (m_main) {
        student.kind = GradCamPanel::Source::Run;
        student.path = m_main->dir;
        student.label = tr("student");
        const QJsonObject config = m_main->header.value(QStringLiteral("config")).toObject();
        const QString strategy = config.value(QStringLiteral("strategy")).toString();
        const QJsonObject t = config.value(QStringLiteral("teacher")).toObject();
        const QString path = t.value(QStringLiteral("path")).toString();
        if (strategyHasTeacher(strategy) && !path.isEmpty()) {
            teacher.kind = GradCamPanel::Source::Teacher;
            teacher.path = path;
            const bool torchScript = t.value(QStringLiteral("kind")).toString() == QLatin1String("torchscript");
            teacher.layer = torchScript ? QString() : t.value(QStringLiteral("outputLayer")).toString();
            const int size = t.value(QStringLiteral("inputSize")).toInt(-1);
            teacher.inputSize = size > 0 ? size : size == 0 ? config.value(QStringLiteral("imageSize")).toInt(0) : 0;
            teacher.label = tr("teacher");
        } else {
            note = tr("The run uses no teacher.");
        }
    }
    m_gradCam->setSources(student, teacher, note);
}

void PredictionsBrowser::rebuildClassMenus()
{
    const int current = m_class->currentData().isValid() ? m_class->currentData().toInt() : -1;
    m_class->clear();
    m_class->addItem(tr("Any class"), -1);
    const QStringList names = m_main ? m_main->classNames : QStringList();
    for (int k = 0; k < names.size(); ++k)
        m_class->addItem(names[k], k);
    const int pos = m_class->findData(current);
    m_class->setCurrentIndex(pos < 0 ? 0 : pos);
    // Relabel offers the project's classes (the labels a sample can take now).
    QMenu *menu = m_relabel->menu();
    menu->clear();
    if (m_doc)
        for (int c = 0; c < m_doc->dataset().classCount(); ++c)
            menu->addAction(m_doc->dataset().classes[c], this, [this, c] { relabelSelection(c); });
}

void PredictionsBrowser::showCell(int trueClass, int predictedClass)
{
    if (!m_main || trueClass < 0 || predictedClass < 0) {
        m_filter->setRows(std::nullopt);
        m_cellNote->setVisible(false);
        m_showAll->setVisible(false);
        updateCount();
        return;
    }
    QSet<int> rows;
    for (int r : m_main->confusion.sampleIndices(trueClass, predictedClass))
        rows.insert(r);
    m_filter->setRows(rows);
    m_cellNote->setText(tr(" true %1 predicted as %2 (%3) ")
                            .arg(m_main->classNames.value(trueClass), m_main->classNames.value(predictedClass))
                            .arg(rows.size()));
    m_cellNote->setVisible(true);
    m_showAll->setVisible(true);
    updateCount();
}

void PredictionsBrowser::setWrongOnly(bool on)
{
    if (m_wrong->isChecked() != on) m_wrong->setChecked(on);
    m_filter->setWrongOnly(on);
    updateCount();
}

void PredictionsBrowser::setClassFilter(int k)
{
    const int pos = m_class->findData(k);
    if (pos >= 0 && m_class->currentIndex() != pos) m_class->setCurrentIndex(pos);
    m_filter->setClass(k);
    updateCount();
}

void PredictionsBrowser::setConfidenceRange(double lo, double hi)
{
    m_confLo->setValue(lo);
    m_confHi->setValue(hi);
    m_filter->setConfidenceRange(lo, hi);
    updateCount();
}

void PredictionsBrowser::setDisagreeOnly(bool on)
{
    if (m_disagree->isChecked() != on) m_disagree->setChecked(on);
    m_filter->setDisagreeOnly(on);
    updateCount();
}

std::vector<int> PredictionsBrowser::shownRows() const
{
    std::vector<int> rows;
    rows.reserve(std::size_t(m_filter->rowCount()));
    for (int r = 0; r < m_filter->rowCount(); ++r)
        rows.push_back(m_filter->mapToSource(m_filter->index(r, 0)).row());
    return rows;
}

void PredictionsBrowser::selectRows(const std::vector<int> &rows)
{
    QItemSelection sel;
    for (int row : rows) {
        const QModelIndex i = m_filter->mapFromSource(m_model->index(row, 0));
        if (i.isValid()) sel.select(i, i);
    }
    m_view->selectionModel()->select(sel, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
}

std::vector<int> PredictionsBrowser::selectedRows() const
{
    std::vector<int> rows;
    for (const QModelIndex &i : m_view->selectionModel()->selectedRows())
        rows.push_back(m_filter->mapToSource(i).row());
    std::sort(rows.begin(), rows.end());
    return rows;
}

std::vector<int> PredictionsBrowser::selectedSamples() const
{
    std::vector<int> samples;
    if (!m_main) return samples;
    for (int row : selectedRows()) {
        const int s = m_main->predictions.sampleIndex[std::size_t(row)];
        if (s >= 0) samples.push_back(s);
    }
    std::sort(samples.begin(), samples.end());
    samples.erase(std::unique(samples.begin(), samples.end()), samples.end());
    return samples;
}

bool PredictionsBrowser::relabelSelection(int label)
{
    if (!m_doc) return false;
    const std::vector<int> samples = selectedSamples();
    if (samples.empty()) {
        Q_EMIT statusMessage(tr("Select images of the project first."));
        return false;
    }
    auto e = data::makeRelabel(m_doc->dataset(), samples, label);
    if (!e) {
        Q_EMIT statusMessage(tr("Cannot relabel: %1").arg(e.error().message()));
        return false;
    }
    if (e->isEmpty()) {
        Q_EMIT statusMessage(tr("The selected images already have that class."));
        return false;
    }
    m_doc->apply(*e);
    Q_EMIT statusMessage(e->description);
    return true;
}

bool PredictionsBrowser::excludeSelection(bool exclude)
{
    if (!m_doc) return false;
    auto e = data::makeSetFlag(m_doc->dataset(), selectedSamples(), data::FlagExcluded, exclude);
    if (!e || e->isEmpty()) {
        Q_EMIT statusMessage(e ? tr("Nothing to change.") : e.error().message());
        return false;
    }
    m_doc->apply(*e);
    Q_EMIT statusMessage(e->description);
    return true;
}

bool PredictionsBrowser::flagSelection(bool flag)
{
    if (!m_doc) return false;
    auto e = data::makeSetFlag(m_doc->dataset(), selectedSamples(), data::FlagFlagged, flag);
    if (!e || e->isEmpty()) {
        Q_EMIT statusMessage(e ? tr("Nothing to change.") : e.error().message());
        return false;
    }
    m_doc->apply(*e);
    Q_EMIT statusMessage(e->description);
    return true;
}

void PredictionsBrowser::explainSelection()
{
    if (!m_main || !m_doc) return;
    std::vector<GradCamPanel::Image> images;
    const data::DatasetIndex &d = m_doc->dataset();
    for (int row : selectedRows()) {
        const int s = m_main->predictions.sampleIndex[std::size_t(row)];
        if (s < 0 || s >= int(d.samples.size())) continue;
        data::DatasetIndex one;
        one.root = d.root;
        one.format = d.format;
        const data::Sample sample = d.samples[std::size_t(s)];
        GradCamPanel::Image img;
        const int t = m_main->predictions.yTrue[std::size_t(row)];
        const int p = m_main->predictions.yPred[std::size_t(row)];
        img.caption =
            tr("%1 · true %2, predicted %3 (%4)")
                .arg(QFileInfo(sample.path).fileName(), m_main->classNames.value(t), m_main->classNames.value(p))
                .arg(m_main->predictions.confidence(row), 0, 'f', 2);
        img.targetClass = -1;
        img.load = [one, sample]() { return data::loadImage(one, sample); };
        images.push_back(std::move(img));
    }
    if (images.empty()) {
        Q_EMIT statusMessage(tr("Select images of the project for Grad-CAM."));
        return;
    }
    m_gradCam->explain(images);
}

bool PredictionsBrowser::isBusy() const
{
    return m_gradCam->isRunning();
}

bool PredictionsBrowser::isSettled() const
{
    return !isBusy() && m_thumbs->pendingCount() == 0;
}

void PredictionsBrowser::updateCount()
{
    const int total = m_model->rowCount();
    int wrong = 0;
    if (m_main)
        for (int r = 0; r < m_main->predictions.size(); ++r)
            wrong += m_main->predictions.yTrue[std::size_t(r)] != m_main->predictions.yPred[std::size_t(r)];
    m_count->setText(tr("%1 shown of %2 · %3 wrong").arg(m_filter->rowCount()).arg(total).arg(wrong));
}

} // namespace fopro::ui
