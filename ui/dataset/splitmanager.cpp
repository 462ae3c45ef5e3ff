#include "ui/dataset/splitmanager.h"

#include "core/data/duplicates.h"
#include "core/data/longtail.h"
#include "core/data/splits.h"
#include "ui/dataset/sidebyside.h"
#include "ui/shell/projectdocument.h"

#include <QtCore/QFileInfo>
#include <QtCore/QHash>
#include <QtCore/QTimer>
#include <QtWidgets/QCheckBox>
#include <QtWidgets/QComboBox>
#include <QtWidgets/QDialogButtonBox>
#include <QtWidgets/QDoubleSpinBox>
#include <QtWidgets/QFormLayout>
#include <QtWidgets/QHBoxLayout>
#include <QtWidgets/QHeaderView>
#include <QtWidgets/QLabel>
#include <QtWidgets/QMessageBox>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QSpinBox>
#include <QtWidgets/QSplitter>
#include <QtWidgets/QStackedWidget>
#include <QtWidgets/QTableWidget>
#include <QtWidgets/QTreeWidget>
#include <QtWidgets/QVBoxLayout>

#include <array>
#include <cmath>

namespace fopro::ui {

using data::Split;

SplitManagerDialog::SplitManagerDialog(ProjectDocument *document, JobManager *jobs, QWidget *parent)
    : QDialog(parent), m_doc(document), m_jobs(jobs)
{
    buildUi();
    // A proposal is for one state of the dataset: any change makes it stale.
    connect(m_doc, &ProjectDocument::datasetReset, this, [this] {
        m_jobs->cancel(m_clusterJob);
        m_clusterJob = 0;
        m_clusters.reset(); // other images
        updateProtection();
        optionsChanged();
    });
    connect(m_doc, &ProjectDocument::samplesChanged, this, &SplitManagerDialog::optionsChanged);
    connect(m_doc, &ProjectDocument::classesChanged, this, &SplitManagerDialog::optionsChanged);
    connect(m_jobs, &JobManager::progressChanged, this, [this](JobManager::JobId id, const Progress &p) {
        if (id == m_dupJob && p.total > 0)
            m_dupSummary->setText(tr("Hashing images… %1 of %2").arg(p.done).arg(p.total));
    });
    compute();
}

SplitManagerDialog::~SplitManagerDialog()
{
    cancelWork(); // the jobs work on copies; their results are dropped with the dialog
}

void SplitManagerDialog::cancelWork()
{
    m_jobs->cancel(m_proposalJob);
    m_jobs->cancel(m_dupJob);
    m_jobs->cancel(m_clusterJob);
    m_proposalJob = m_dupJob = m_clusterJob = 0;
}

void SplitManagerDialog::updateProtection()
{
    // The boxes name what they protect; with nothing to protect they are off and disabled.
    const data::DatasetIndex &d = m_doc->dataset();
    int test = 0, val = 0;
    for (const data::Sample &s : d.samples) {
        if (!data::DatasetIndex::isActive(s)) continue;
        test += s.split == Split::Test;
        val += s.split == Split::Val;
    }
    m_keepTest->setText(tr("Keep the current test set (%n image(s)) as it is", nullptr, test));
    m_keepVal->setText(tr("Keep the current validation set (%n image(s)) as it is", nullptr, val));
    m_keepTest->setEnabled(test > 0);
    if (test == 0) m_keepTest->setChecked(false);
    // k-fold rotates a fold through the held-out part: with the test set kept, the fold validates,
    // so a kept validation set would leave it nothing to do.
    const bool folds = mode() == Mode::KFold || mode() == Mode::HyperKvasir;
    m_keepVal->setEnabled(val > 0 && !(folds && m_keepTest->isChecked()));
    if (val == 0) m_keepVal->setChecked(false);
    m_keepVal->setToolTip(folds && m_keepTest->isChecked()
                              ? tr("With the test set kept, the fold chosen as test becomes the validation set")
                              : tr("Its images keep their split; the method splits the others"));
    m_keepDuplicates->setEnabled(mode() != Mode::HyperKvasir);
    m_keepDuplicates->setToolTip(mode() == Mode::HyperKvasir
                                     ? tr("The HyperKvasir protocol splits images, not groups")
                                     : tr("Find exact and near-duplicate images first and put each cluster into "
                                          "one split, so no copy of a training image is tested"));
}

void SplitManagerDialog::buildUi()
{
    setWindowTitle(tr("Split manager"));

    m_mode = new QComboBox(this);
    m_mode->addItem(tr("Train / validation / test fractions"), int(Mode::Fractions));
    m_mode->addItem(tr("K-fold cross-validation"), int(Mode::KFold));
    m_mode->addItem(tr("HyperKvasir preset (5 folds)"), int(Mode::HyperKvasir));
    m_mode->addItem(tr("Long-tail sub-sampling"), int(Mode::LongTail));

    auto percent = [this](double value) {
        auto *s = new QDoubleSpinBox(this);
        s->setRange(0, 100);
        s->setDecimals(1);
        s->setSuffix(tr(" %"));
        s->setValue(value);
        return s;
    };
    auto form = [this](QWidget *page) {
        auto *f = new QFormLayout(page);
        f->setContentsMargins(0, 0, 0, 0);
        return f;
    };

    // Fractions.
    auto *fractionsPage = new QWidget(this);
    m_train = percent(70);
    m_val = percent(15);
    m_test = percent(15);
    auto *ff = form(fractionsPage);
    ff->addRow(tr("Training"), m_train);
    ff->addRow(tr("Validation"), m_val);
    ff->addRow(tr("Test"), m_test);
    ff->addRow(new QLabel(tr("Stratified by class; a group (patient, lesion, video) never lands in two splits. "
                             "Shares are normalised when they do not add up to 100 %."),
                          fractionsPage));

    // K-fold.
    auto *kfoldPage = new QWidget(this);
    m_k = new QSpinBox(this);
    m_k->setRange(2, 20);
    m_k->setValue(5);
    m_kTestFold = new QSpinBox(this);
    m_kTestFold->setRange(1, 5);
    m_kVal = percent(0);
    m_kVal->setRange(0, 90);
    auto *kf = form(kfoldPage);
    kf->addRow(tr("Folds"), m_k);
    kf->addRow(tr("Fold used as test"), m_kTestFold);
    kf->addRow(tr("Validation share of training"), m_kVal);
    kf->addRow(new QLabel(tr("Stratified, group-aware folds; the other folds train."), kfoldPage));

    // HyperKvasir.
    auto *hkPage = new QWidget(this);
    m_hkTestFold = new QSpinBox(this);
    m_hkTestFold->setRange(1, 5);
    m_hkVal = percent(0);
    m_hkVal->setRange(0, 90);
    auto *hf = form(hkPage);
    hf->addRow(tr("Fold used as test"), m_hkTestFold);
    hf->addRow(tr("Validation share of training"), m_hkVal);
    hf->addRow(new QLabel(tr("The paper's protocol: stratified 5 folds of exactly N/5 images, classes in alphabetical "
                             "order, seed 0 (the seed below only picks the validation share)."),
                          hkPage));

    // Long tail.
    auto *ltPage = new QWidget(this);
    m_factor = new QDoubleSpinBox(this);
    m_factor->setRange(0.0001, 1.0);
    m_factor->setDecimals(4);
    m_factor->setSingleStep(0.01);
    m_factor->setValue(0.01);
    m_ltVal = new QSpinBox(this);
    m_ltVal->setRange(0, 100000);
    m_ltTest = new QSpinBox(this);
    m_ltTest->setRange(0, 100000);
    m_ltOnlyTrain = new QCheckBox(tr("Sub-sample only the current training split (keep validation and test)"), this);
    auto *lf = form(ltPage);
    lf->addRow(tr("Imbalance factor (smallest / largest)"), m_factor);
    lf->addRow(tr("Validation images per class"), m_ltVal);
    lf->addRow(tr("Test images per class"), m_ltTest);
    lf->addRow(m_ltOnlyTrain);
    lf->addRow(new QLabel(
        tr("ISIC-2019-LT rule. Images not kept are excluded (and unassigned); undo brings them back."), ltPage));

    for (QFormLayout *f : {ff, kf, hf, lf})
        for (int r = 0; r < f->rowCount(); ++r)
            if (auto *item = f->itemAt(r, QFormLayout::SpanningRole))
                if (auto *label = qobject_cast<QLabel *>(item->widget())) label->setWordWrap(true);

    m_options = new QStackedWidget(this);
    m_options->addWidget(fractionsPage);
    m_options->addWidget(kfoldPage);
    m_options->addWidget(hkPage);
    m_options->addWidget(ltPage);

    m_seed = new QSpinBox(this);
    m_seed->setRange(0, 2147483647);
    m_seedLabel = new QLabel(tr("Seed"), this);
    auto *seedRow = new QHBoxLayout;
    seedRow->addWidget(m_seedLabel);
    seedRow->addWidget(m_seed);
    seedRow->addStretch(1);

    auto *top = new QHBoxLayout;
    top->addWidget(new QLabel(tr("Method"), this));
    top->addWidget(m_mode, 1);

    // Protection of what must not move: an official test set, a fixed validation set, copies.
    m_keepTest = new QCheckBox(this);
    m_keepVal = new QCheckBox(this);
    m_keepDuplicates = new QCheckBox(tr("Keep near-duplicate images in one split"), this);
    m_keepTest->setObjectName(QStringLiteral("keepTest"));
    m_keepVal->setObjectName(QStringLiteral("keepVal"));
    m_keepDuplicates->setObjectName(QStringLiteral("keepDuplicates"));
    m_keepTest->setToolTip(tr("Its images keep their split (an official test set must never change); the method "
                              "splits the others"));
    auto *protect = new QVBoxLayout;
    protect->setSpacing(0);
    protect->addWidget(m_keepTest);
    protect->addWidget(m_keepVal);
    protect->addWidget(m_keepDuplicates);

    m_status = new QLabel(this);
    m_status->setWordWrap(true);
    m_status->setTextFormat(Qt::RichText);

    m_table = new QTableWidget(0, 6, this);
    m_table->setHorizontalHeaderLabels(
        {tr("Class"), tr("Train"), tr("Val"), tr("Test"), tr("Unassigned"), tr("Excluded")});
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    m_table->horizontalHeader()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setMinimumSectionSize(70);
    m_table->verticalHeader()->hide();
    m_table->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 6);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setAlternatingRowColors(true);
    m_table->setAccessibleName(tr("Images per class and split"));

    m_dupButton = new QPushButton(tr("Check duplicates and leakage"), this);
    m_dupButton->setToolTip(
        tr("Find exact and near-duplicate images and count the clusters that cross the proposed splits"));
    m_dupSummary = new QLabel(this);
    m_dupSummary->setWordWrap(true);
    m_dupList = new QTreeWidget(this);
    m_dupList->setColumnCount(1);
    m_dupList->setHeaderHidden(true);
    m_dupList->setUniformRowHeights(true);
    m_dupList->setAccessibleName(tr("Duplicate clusters"));
    m_dupList->setToolTip(tr("Double-click a cluster to see its images side by side"));
    m_dupList->setMinimumHeight(m_dupList->fontMetrics().lineSpacing() * 6);
    m_showCluster = new QPushButton(tr("Show side by side"), this);
    m_showCluster->setEnabled(false);
    connect(m_dupList, &QTreeWidget::currentItemChanged, this, [this](QTreeWidgetItem *item) {
        m_showCluster->setEnabled(item && (item->parent() ? item->parent() : item)->data(0, Qt::UserRole).isValid());
    });
    const auto clusterOf = [this](QTreeWidgetItem *item) {
        QTreeWidgetItem *top = item ? (item->parent() ? item->parent() : item) : nullptr;
        return top && top->data(0, Qt::UserRole).isValid() ? m_dupList->indexOfTopLevelItem(top) : -1;
    };
    connect(m_dupList, &QTreeWidget::itemActivated, this,
            [this, clusterOf](QTreeWidgetItem *item) { showCluster(clusterOf(item)); });
    connect(m_showCluster, &QPushButton::clicked, this,
            [this, clusterOf] { showCluster(clusterOf(m_dupList->currentItem())); });

    auto *dupBox = new QWidget(this);
    auto *dupLayout = new QVBoxLayout(dupBox);
    dupLayout->setContentsMargins(0, 0, 0, 0);
    auto *dupTop = new QHBoxLayout;
    dupTop->addWidget(m_dupButton);
    dupTop->addWidget(m_dupSummary, 1);
    dupTop->addWidget(m_showCluster);
    dupLayout->addLayout(dupTop);
    dupLayout->addWidget(m_dupList, 1);

    auto *split = new QSplitter(Qt::Vertical, this);
    split->addWidget(m_table);
    split->addWidget(dupBox);
    split->setStretchFactor(0, 1);
    split->setStretchFactor(1, 1);
    split->setChildrenCollapsible(false);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    m_apply = buttons->addButton(tr("Apply"), QDialogButtonBox::ApplyRole);
    m_apply->setToolTip(tr("Apply the proposed splits as one step (Edit ▸ Undo takes it back)"));
    m_apply->setEnabled(false);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_apply, &QPushButton::clicked, this, [this] {
        if (confirmAndApply()) accept();
    });

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addWidget(m_options);
    layout->addLayout(protect);
    layout->addLayout(seedRow);
    layout->addWidget(m_status);
    layout->addWidget(split, 1);
    layout->addWidget(buttons);

    m_debounce = new QTimer(this);
    m_debounce->setSingleShot(true);
    m_debounce->setInterval(250);
    connect(m_debounce, &QTimer::timeout, this, &SplitManagerDialog::compute);

    connect(m_mode, &QComboBox::currentIndexChanged, this, [this](int i) {
        m_options->setCurrentIndex(i);
        updateProtection();
        optionsChanged();
    });
    connect(m_keepTest, &QCheckBox::toggled, this, [this] {
        updateProtection();
        optionsChanged();
    });
    connect(m_keepVal, &QCheckBox::toggled, this, &SplitManagerDialog::optionsChanged);
    connect(m_keepDuplicates, &QCheckBox::toggled, this, &SplitManagerDialog::optionsChanged);
    // A dataset that already has a test (validation) set: protected unless the user says otherwise.
    updateProtection();
    m_keepTest->setChecked(m_keepTest->isEnabled());
    m_keepVal->setChecked(m_keepVal->isEnabled());
    for (QDoubleSpinBox *s : {m_train, m_val, m_test, m_kVal, m_hkVal, m_factor})
        connect(s, &QDoubleSpinBox::valueChanged, this, &SplitManagerDialog::optionsChanged);
    for (QSpinBox *s : {m_kTestFold, m_hkTestFold, m_ltVal, m_ltTest, m_seed})
        connect(s, &QSpinBox::valueChanged, this, &SplitManagerDialog::optionsChanged);
    connect(m_k, &QSpinBox::valueChanged, this, [this](int k) {
        m_kTestFold->setMaximum(k);
        optionsChanged();
    });
    connect(m_ltOnlyTrain, &QCheckBox::toggled, this, &SplitManagerDialog::optionsChanged);
    connect(m_dupButton, &QPushButton::clicked, this, &SplitManagerDialog::checkDuplicates);
    resize(760, 640);
}

void SplitManagerDialog::setMode(Mode mode)
{
    m_mode->setCurrentIndex(m_mode->findData(int(mode)));
}

SplitManagerDialog::Mode SplitManagerDialog::mode() const
{
    return Mode(m_mode->currentData().toInt());
}

void SplitManagerDialog::setFractions(double train, double val, double test)
{
    const double sum = train + val + test;
    const double scale = sum > 0 && sum <= 1.0 + 1e-9 ? 100.0 : 1.0; // shares or percentages
    m_train->setValue(train * scale);
    m_val->setValue(val * scale);
    m_test->setValue(test * scale);
}

void SplitManagerDialog::setSeed(quint64 seed)
{
    m_seed->setValue(int(std::min<quint64>(seed, quint64(m_seed->maximum()))));
}

void SplitManagerDialog::setKFold(int k, int testFold, double valPercent)
{
    m_k->setValue(k);
    m_kTestFold->setValue(testFold);
    m_kVal->setValue(valPercent);
}

void SplitManagerDialog::setHyperKvasir(int testFold, double valPercent)
{
    m_hkTestFold->setValue(testFold);
    m_hkVal->setValue(valPercent);
}

void SplitManagerDialog::setLongTail(double factor, int valPerClass, int testPerClass, bool onlyTrainSplit)
{
    m_factor->setValue(factor);
    m_ltVal->setValue(valPerClass);
    m_ltTest->setValue(testPerClass);
    m_ltOnlyTrain->setChecked(onlyTrainSplit);
}

void SplitManagerDialog::optionsChanged()
{
    m_stale = true;
    m_apply->setEnabled(false);
    m_status->setText(tr("Computing…"));
    m_debounce->start();
}

void SplitManagerDialog::compute()
{
    m_debounce->stop();
    m_stale = true;
    m_apply->setEnabled(false);
    m_status->setText(tr("Computing…"));
    m_jobs->cancel(m_proposalJob); // a computation for older options is dropped
    m_proposalJob = 0;
    const bool together = m_keepDuplicates->isChecked() && m_keepDuplicates->isEnabled();
    if (together && !m_clusters) {
        findClusters(); // computes again when the clusters are known
        return;
    }

    data::SplitRequest o;
    o.keepTest = m_keepTest->isChecked() && m_keepTest->isEnabled();
    o.keepVal = m_keepVal->isChecked() && m_keepVal->isEnabled();
    if (together) o.keepTogether = *m_clusters;
    switch (mode()) {
    case Mode::Fractions:
        o.method = data::SplitMethod::Fractions;
        break;
    case Mode::KFold:
        o.method = data::SplitMethod::KFold;
        break;
    case Mode::HyperKvasir:
        o.method = data::SplitMethod::HyperKvasir;
        break;
    case Mode::LongTail:
        o.method = data::SplitMethod::LongTail;
        break;
    }
    o.fractions = {m_train->value(), m_val->value(), m_test->value()};
    o.seed = quint64(m_seed->value());
    switch (o.method) {
    case data::SplitMethod::KFold:
        o.k = m_k->value();
        o.testFold = m_kTestFold->value() - 1;
        o.valShareOfTrain = m_kVal->value() / 100.0;
        break;
    case data::SplitMethod::HyperKvasir:
        o.k = 5;
        o.testFold = m_hkTestFold->value() - 1;
        o.valShareOfTrain = m_hkVal->value() / 100.0;
        break;
    case data::SplitMethod::LongTail:
        o.longTail.factor = m_factor->value();
        o.longTail.valPerClass = m_ltVal->value();
        o.longTail.testPerClass = m_ltTest->value();
        o.longTail.onlyTrainSplit = m_ltOnlyTrain->isChecked();
        break;
    case data::SplitMethod::Fractions:
        break;
    }

    // Descriptions are worded here (GUI thread, tr()) and carried to the job as values.
    QString description;
    switch (o.method) {
    case data::SplitMethod::Fractions: {
        const double sum = o.fractions.train + o.fractions.val + o.fractions.test;
        auto pct = [sum](double v) { return sum > 0 ? QString::number(qRound(100.0 * v / sum)) : QStringLiteral("0"); };
        description = tr("Split %1/%2/%3 (seed %4)")
                          .arg(pct(o.fractions.train), pct(o.fractions.val), pct(o.fractions.test))
                          .arg(o.seed);
        break;
    }
    case data::SplitMethod::KFold:
        description = o.valShareOfTrain > 0
                          ? tr("Split %1-fold, fold %2 as test, %3% of training as validation (seed %4)")
                                .arg(o.k)
                                .arg(o.testFold + 1)
                                .arg(qRound(o.valShareOfTrain * 100))
                                .arg(o.seed)
                          : tr("Split %1-fold, fold %2 as test (seed %3)").arg(o.k).arg(o.testFold + 1).arg(o.seed);
        break;
    case data::SplitMethod::HyperKvasir:
        description = o.valShareOfTrain > 0
                          ? tr("Split HyperKvasir 5-fold, fold %1 as test, %2% of training as validation (seed %3)")
                                .arg(o.testFold + 1)
                                .arg(qRound(o.valShareOfTrain * 100))
                                .arg(o.seed)
                          : tr("Split HyperKvasir 5-fold, fold %1 as test").arg(o.testFold + 1);
        break;
    case data::SplitMethod::LongTail:
        description = tr("Long-tail sub-sampling, factor %1, %2 val and %3 test per class (seed %4)")
                          .arg(o.longTail.factor)
                          .arg(o.longTail.valPerClass)
                          .arg(o.longTail.testPerClass)
                          .arg(o.seed);
        break;
    }

    if (o.keepTest || o.keepVal || together) {
        QStringList kept;
        if (o.keepTest) kept << tr("test set kept");
        if (o.keepVal) kept << tr("validation set kept");
        if (together) kept << tr("duplicates kept together");
        description += QStringLiteral(", ") + kept.join(QStringLiteral(", "));
    }

    const quint64 generation = ++m_generation;
    data::DatasetIndex before = m_doc->dataset(); // a copy: the job never reads the document
    m_proposalJob = m_jobs->submit<data::SplitProposal>(
        JobManager::Kind::Io, tr("Proposing splits"),
        [before = std::move(before), o, description](JobControl &control, const ProgressSink &) {
            return data::proposeSplit(before, o, description, &control);
        },
        [this, generation, description](const Result<data::SplitProposal> &r) {
            onProposalFinished(generation, description, r);
        },
        this);
}

void SplitManagerDialog::findClusters()
{
    if (m_clusterJob != 0) return;
    m_status->setText(tr("Finding duplicate images, to keep each cluster in one split…"));
    data::DatasetIndex copy = m_doc->dataset();
    m_clusterJob = m_jobs->submit<std::vector<std::vector<int>>>(
        JobManager::Kind::Io, tr("Finding duplicates"),
        [copy = std::move(copy)](JobControl &control,
                                 const ProgressSink &progress) -> Result<std::vector<std::vector<int>>> {
            data::DuplicateOptions opt;
            opt.threads = 2;
            opt.includeExcluded = true; // an excluded copy may be included again later
            opt.progress = progress;
            auto rep = data::findDuplicates(copy, opt, &control);
            if (!rep) return rep.error();
            std::vector<std::vector<int>> clusters;
            for (const data::DuplicateCluster &c : rep->clusters)
                clusters.push_back(c.samples);
            return clusters;
        },
        [this](const Result<std::vector<std::vector<int>>> &r) {
            m_clusterJob = 0;
            if (!r) {
                if (r.error().code == ErrorCode::Cancelled) return;
                m_status->setText(tr("<b style=\"color:#a00000\">Cannot find the duplicates:</b> %1")
                                      .arg(r.error().message().toHtmlEscaped()));
                return;
            }
            m_clusters = *r;
            compute();
        },
        this);
}

void SplitManagerDialog::onProposalFinished(quint64 generation, const QString &description,
                                            const Result<data::SplitProposal> &r)
{
    if (generation != m_generation) return; // older options: dropped
    m_proposalJob = 0;
    if (!r && r.error().code == ErrorCode::Cancelled) return;
    auto p = std::make_shared<Proposal>();
    p->generation = generation;
    p->description = description;
    if (r)
        p->split = *r;
    else
        p->error = r.error().message();
    m_proposal = p;
    m_stale = false;
    // A duplicate report belongs to the previous proposal.
    m_jobs->cancel(m_dupJob);
    m_dupJob = 0;
    m_dupSummary->clear();
    m_dupList->clear();
    m_showCluster->setEnabled(false);
    showProposal();
    Q_EMIT proposalReady(p->error.isEmpty());
}

void SplitManagerDialog::showProposal()
{
    const Proposal &p = *m_proposal;
    m_apply->setEnabled(p.error.isEmpty() && !p.split.edit.isEmpty());
    m_dupButton->setEnabled(p.error.isEmpty());
    if (!p.error.isEmpty()) {
        m_status->setText(tr("<b style=\"color:#a00000\">Cannot split:</b> %1").arg(p.error.toHtmlEscaped()));
        m_table->setRowCount(0);
        return;
    }
    const data::DatasetIndex &d = p.split.after;
    const int classes = d.classCount();
    // Columns: train, val, test, unassigned (active), excluded (inactive); the last row sums them.
    const data::ClassSplitCounts perClass = data::classSplitCounts(d);
    std::vector<std::array<int, 5>> counts(std::size_t(classes) + 1, std::array<int, 5>{0, 0, 0, 0, 0});
    for (int c = 0; c < classes; ++c) {
        const std::array<int, 5> row{perClass.trainCount(c), perClass.valCount(c), perClass.testCount(c),
                                     perClass.unassignedCount(c), perClass.excludedCount(c)};
        counts[std::size_t(c)] = row;
        for (std::size_t k = 0; k < row.size(); ++k)
            counts[std::size_t(classes)][k] += row[k];
    }
    m_table->setRowCount(classes + 1);
    for (int r = 0; r <= classes; ++r) {
        auto *name = new QTableWidgetItem(r < classes ? d.classes[r] : tr("All classes"));
        if (r == classes) {
            QFont f = name->font();
            f.setBold(true);
            name->setFont(f);
        }
        m_table->setItem(r, 0, name);
        for (int c = 0; c < 5; ++c) {
            auto *item = new QTableWidgetItem(QString::number(counts[std::size_t(r)][std::size_t(c)]));
            item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
            if (r == classes) item->setFont(name->font());
            m_table->setItem(r, c + 1, item);
        }
    }

    const data::SplitProposal &sp = p.split;
    QString text =
        tr("<b>%1</b> — %n image(s) change.", nullptr, int(sp.edit.samples.size())).arg(p.description.toHtmlEscaped());
    if (sp.newlyExcluded > 0) text += QLatin1Char(' ') + tr("%n image(s) will be excluded.", nullptr, sp.newlyExcluded);
    text += QLatin1Char(' ') + (sp.groupLeaks == 0
                                    ? tr("No group is in two splits.")
                                    : tr("<b style=\"color:#a00000\">%n group(s) appear in more than one split.</b>",
                                         nullptr, sp.groupLeaks));
    if (m_clusters && m_keepDuplicates->isChecked() && m_keepDuplicates->isEnabled())
        text +=
            QLatin1Char(' ') +
            tr("%n duplicate cluster(s) kept in one split each.", nullptr,
               int(std::count_if(m_clusters->begin(), m_clusters->end(), [](const auto &c) { return c.size() > 1; })));
    if (sp.edit.samples.empty()) text += QLatin1Char(' ') + tr("The current splits already match: nothing to apply.");
    m_status->setText(text);
}

QString SplitManagerDialog::applySummary() const
{
    if (!hasProposal()) return {};
    const data::DatasetIndex &before = m_doc->dataset();
    const data::DatasetIndex &after = m_proposal->split.after;
    // Active images per split, before and after.
    std::array<int, 4> was{0, 0, 0, 0}, will{0, 0, 0, 0};
    int leaveTest = 0, leaveVal = 0, joinTest = 0;
    for (std::size_t i = 0; i < before.samples.size() && i < after.samples.size(); ++i) {
        const data::Sample &a = before.samples[i], &b = after.samples[i];
        if (data::DatasetIndex::isActive(a)) ++was[std::size_t(a.split)];
        if (data::DatasetIndex::isActive(b)) ++will[std::size_t(b.split)];
        const bool aActive = data::DatasetIndex::isActive(a), bActive = data::DatasetIndex::isActive(b);
        if (aActive && a.split == Split::Test && (!bActive || b.split != Split::Test)) ++leaveTest;
        if (aActive && a.split == Split::Val && (!bActive || b.split != Split::Val)) ++leaveVal;
        if (bActive && b.split == Split::Test && (!aActive || a.split != Split::Test)) ++joinTest;
    }
    QStringList lines;
    lines << tr("%1 — %n image(s) change, as one step (Edit ▸ Undo takes it back).", nullptr,
                int(m_proposal->split.edit.samples.size()))
                 .arg(m_proposal->description);
    QStringList perSplit;
    for (Split s : {Split::Train, Split::Val, Split::Test, Split::None}) {
        const int w = was[std::size_t(s)], n = will[std::size_t(s)];
        if (w == 0 && n == 0) continue;
        perSplit << tr("%1: %2 → %3").arg(s == Split::None ? tr("unassigned") : data::splitName(s)).arg(w).arg(n);
    }
    lines << perSplit.join(QStringLiteral("; "));
    if (m_proposal->split.newlyExcluded > 0)
        lines << tr("%n image(s) will be excluded.", nullptr, m_proposal->split.newlyExcluded);
    if (leaveTest > 0 || (joinTest > 0 && was[std::size_t(Split::Test)] > 0))
        lines << tr("The test set changes: %1 of its %2 images leave it and %3 join it. If it is an official or "
                    "otherwise protected test set, answer No and tick \u201cKeep the current test set\u201d.")
                     .arg(leaveTest)
                     .arg(was[std::size_t(Split::Test)])
                     .arg(joinTest);
    if (was[std::size_t(Split::Val)] > 0 && will[std::size_t(Split::Val)] == 0)
        lines << tr("The validation set disappears (%n image(s) leave it).", nullptr, leaveVal);
    else if (leaveVal > 0)
        lines << tr("%1 of the %2 validation images leave the validation set.")
                     .arg(leaveVal)
                     .arg(was[std::size_t(Split::Val)]);
    lines << tr("Apply these splits?");
    return lines.join(QStringLiteral("\n\n"));
}

bool SplitManagerDialog::confirmAndApply()
{
    if (m_debounce->isActive() || !hasProposal() || m_proposal->split.edit.isEmpty()) return false;
    const QString text = applySummary();
    const bool yes = m_confirm
                         ? m_confirm(text)
                         : QMessageBox::question(this, tr("Apply the splits"), text, QMessageBox::Yes | QMessageBox::No,
                                                 QMessageBox::No) == QMessageBox::Yes;
    return yes && applyProposal();
}

data::CurationEdit SplitManagerDialog::proposedEdit() const
{
    return hasProposal() ? m_proposal->split.edit : data::CurationEdit{};
}

bool SplitManagerDialog::applyProposal()
{
    if (m_debounce->isActive() || !hasProposal()) return false;
    if (m_proposal->split.edit.isEmpty()) return false;
    const data::CurationEdit edit = m_proposal->split.edit; // copy: applying makes this dialog's proposal stale
    m_doc->apply(edit);
    return true;
}

void SplitManagerDialog::checkDuplicates()
{
    if (!hasProposal()) return;
    m_jobs->cancel(m_dupJob);
    m_dupButton->setEnabled(false);
    m_dupSummary->setText(tr("Hashing images…"));
    m_dupList->clear();
    m_showCluster->setEnabled(false);

    std::shared_ptr<const Proposal> p = m_proposal;
    // Words used in the report, translated here on the GUI thread.
    const QString exactWord = tr("exact");
    const QString nearWord = tr("near");
    const QString crossWord = tr("crosses splits");
    const QString withinWord = tr("within one split");
    const QString imagesWord = tr("images");
    const QString cantReadWord = tr("could not be read");
    const QString summaryFormat = tr(
        "%1 images checked: %2 exact and %3 near-duplicate clusters; %4 cross splits (leakage), %5 within one split.");
    const quint64 generation = p->generation;
    m_dupJob = m_jobs->submit<DuplicateReport>(
        JobManager::Kind::Io, tr("Checking duplicates"),
        [p, exactWord, nearWord, crossWord, withinWord, imagesWord, cantReadWord,
         summaryFormat](JobControl &control, const ProgressSink &progress) -> Result<DuplicateReport> {
            data::DuplicateOptions opt;
            opt.threads = 2; // leaves the GUI thread and other work some room
            opt.progress = progress;
            auto rep = data::findDuplicates(p->split.after, opt, &control);
            if (!rep) return rep.error();
            const data::DatasetIndex &d = p->split.after;
            DuplicateReport r;
            r.summary = summaryFormat.arg(rep->samplesChecked)
                            .arg(rep->exactClusters)
                            .arg(rep->nearClusters)
                            .arg(rep->crossSplitClusters)
                            .arg(rep->withinSplitClusters);
            int shown = 0;
            // Clusters that cross splits first: they are the leaks.
            for (bool cross : {true, false}) {
                for (const data::DuplicateCluster &c : rep->clusters) {
                    if (c.crossSplit != cross) continue;
                    if (++shown > 500) break;
                    ClusterRow row;
                    row.crossSplit = cross;
                    row.samples = c.samples;
                    row.title = QStringLiteral("[%1, %2] %3 %4")
                                    .arg(c.exact ? exactWord : nearWord, cross ? crossWord : withinWord)
                                    .arg(c.samples.size())
                                    .arg(imagesWord);
                    for (int i : c.samples) {
                        const data::Sample &s = d.samples[std::size_t(i)];
                        row.members << QStringLiteral("%1  (%2, %3)")
                                           .arg(s.id(),
                                                s.label >= 0 && s.label < d.classCount() ? d.classes[s.label]
                                                                                         : QStringLiteral("-"),
                                                data::splitName(s.split));
                    }
                    r.clusters.push_back(std::move(row));
                }
            }
            for (const data::DuplicateProblem &pr : rep->problems)
                r.problems
                    << QStringLiteral("%1 %2: %3").arg(d.samples[std::size_t(pr.sample)].id(), cantReadWord, pr.reason);
            return r;
        },
        [this, generation](const Result<DuplicateReport> &r) { onDuplicatesFinished(generation, r); }, this);
}

void SplitManagerDialog::onDuplicatesFinished(quint64 generation, const Result<DuplicateReport> &r)
{
    if (!m_proposal || generation != m_proposal->generation) return; // for an older proposal
    m_dupJob = 0;
    m_dupButton->setEnabled(hasProposal());
    if (!r) {
        m_dupSummary->setText(r.error().code == ErrorCode::Cancelled
                                  ? tr("Duplicate check cancelled.")
                                  : tr("Duplicate check failed: %1").arg(r.error().message()));
        Q_EMIT duplicatesChecked(false);
        return;
    }
    m_dupSummary->setText(r->summary);
    m_dupList->clear();
    const QColor leak(0xa0, 0x00, 0x00);
    for (const ClusterRow &c : r->clusters) {
        auto *top = new QTreeWidgetItem(m_dupList, {c.title});
        QVariantList samples;
        for (int s : c.samples)
            samples << s;
        top->setData(0, Qt::UserRole, samples);
        top->setToolTip(0, tr("Double-click to see these images side by side"));
        if (c.crossSplit) top->setForeground(0, leak);
        for (const QString &m : c.members)
            new QTreeWidgetItem(top, {m});
    }
    if (!r->problems.isEmpty()) {
        auto *top = new QTreeWidgetItem(m_dupList, {tr("Images that could not be read: %1").arg(r->problems.size())});
        for (const QString &p : r->problems)
            new QTreeWidgetItem(top, {p});
    }
    if (r->clusters.empty() && r->problems.isEmpty()) new QTreeWidgetItem(m_dupList, {tr("No duplicates found.")});
    if (m_dupList->topLevelItemCount() <= 20) m_dupList->expandAll();
    Q_EMIT duplicatesChecked(true);
}

QString SplitManagerDialog::duplicateReportText() const
{
    QStringList lines{m_dupSummary->text()};
    for (int i = 0; i < m_dupList->topLevelItemCount(); ++i) {
        const QTreeWidgetItem *top = m_dupList->topLevelItem(i);
        lines << top->text(0);
        for (int k = 0; k < top->childCount(); ++k)
            lines << QStringLiteral("    ") + top->child(k)->text(0);
    }
    return lines.join(QLatin1Char('\n'));
}

int SplitManagerDialog::duplicateClusterCount() const
{
    int n = 0;
    for (int i = 0; i < m_dupList->topLevelItemCount(); ++i)
        n += m_dupList->topLevelItem(i)->data(0, Qt::UserRole).isValid();
    return n;
}

QDialog *SplitManagerDialog::showCluster(int index)
{
    if (index < 0 || index >= m_dupList->topLevelItemCount()) return nullptr;
    const QVariant data = m_dupList->topLevelItem(index)->data(0, Qt::UserRole);
    if (!data.isValid()) return nullptr;
    std::vector<int> samples;
    for (const QVariant &v : data.toList())
        samples.push_back(v.toInt());
    // The images as they are now; the captions say where the proposal puts them.
    auto *dlg = new SideBySideDialog(m_proposal ? m_proposal->split.after : m_doc->dataset(), samples, m_jobs, this);
    dlg->setAttribute(Qt::WA_DeleteOnClose);
    dlg->setWindowTitle(m_dupList->topLevelItem(index)->text(0));
    dlg->show();
    return dlg;
}

} // namespace fopro::ui
