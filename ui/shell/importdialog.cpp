#include "ui/shell/importdialog.h"

#include "core/data/csvreader.h"
#include "core/data/curation.h"

#include <QtCore/QFileInfo>
#include <QtCore/QTimer>
#include <QtWidgets/QCheckBox>
#include <QtWidgets/QComboBox>
#include <QtWidgets/QDialogButtonBox>
#include <QtWidgets/QFileDialog>
#include <QtWidgets/QFormLayout>
#include <QtWidgets/QGroupBox>
#include <QtWidgets/QHBoxLayout>
#include <QtWidgets/QHeaderView>
#include <QtWidgets/QLabel>
#include <QtWidgets/QLineEdit>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QSplitter>
#include <QtWidgets/QTableWidget>
#include <QtWidgets/QToolButton>
#include <QtWidgets/QTreeWidget>
#include <QtWidgets/QVBoxLayout>

namespace fopro::ui {

namespace {

constexpr int kMaxListedProblems = 500; // per group; the rest is counted

/// Attributes that commonly hold a label in DICOM collections.
const QStringList &dicomLabelCandidates()
{
    static const QStringList names = {QStringLiteral("BodyPartExamined"),  QStringLiteral("Modality"),
                                      QStringLiteral("SeriesDescription"), QStringLiteral("StudyDescription"),
                                      QStringLiteral("ProtocolName"),      QStringLiteral("ImageType"),
                                      QStringLiteral("Manufacturer"),      QStringLiteral("ViewPosition")};
    return names;
}

QComboBox *columnBox(QWidget *parent, const QString &tip)
{
    auto *box = new QComboBox(parent);
    box->addItem(ImportDialog::tr("(automatic)"), QString());
    box->setToolTip(tip);
    box->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    return box;
}

/// A line edit with a "Browse…" button that fills it.
QWidget *withBrowse(QLineEdit *edit, QWidget *parent, const std::function<QString()> &choose)
{
    auto *row = new QWidget(parent);
    auto *l = new QHBoxLayout(row);
    l->setContentsMargins(0, 0, 0, 0);
    auto *browse = new QToolButton(row);
    browse->setText(ImportDialog::tr("Browse…"));
    QObject::connect(browse, &QToolButton::clicked, edit, [edit, choose] {
        const QString chosen = choose();
        if (!chosen.isEmpty()) edit->setText(chosen);
    });
    l->addWidget(edit, 1);
    l->addWidget(browse);
    return row;
}

} // namespace

ImportDialog::ImportDialog(const QString &path, JobManager *jobs, QWidget *parent, data::TailThresholds thresholds)
    : QDialog(parent), m_path(path), m_jobs(jobs), m_thresholds(thresholds)
{
    setWindowTitle(tr("Import dataset"));
    resize(760, 640);
    m_summary = new QLabel(tr("Reading %1 …").arg(path.toHtmlEscaped()), this);
    m_summary->setWordWrap(true);
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);

    // Options: everything the command line's importers accept.
    m_format = new QComboBox(this);
    m_format->addItem(tr("Detect automatically"), QString());
    for (const auto &imp : data::importers())
        m_format->addItem(imp->displayName(), imp->id());
    m_format->setToolTip(tr("How the path is read; detected from its layout unless chosen here"));

    m_csvBox = new QGroupBox(tr("CSV columns"), this);
    m_pathColumn = columnBox(m_csvBox, tr("The column holding each image's path (relative to the CSV)"));
    m_labelColumn = columnBox(m_csvBox, tr("The column holding each image's class"));
    m_groupColumn = columnBox(m_csvBox, tr("Optional: patient, lesion or video, kept together in splits"));
    m_splitColumn = columnBox(m_csvBox, tr("Optional: train / val / test per row"));
    auto *csvForm = new QFormLayout(m_csvBox);
    csvForm->addRow(tr("Image path"), m_pathColumn);
    csvForm->addRow(tr("Label"), m_labelColumn);
    csvForm->addRow(tr("Group"), m_groupColumn);
    csvForm->addRow(tr("Split"), m_splitColumn);

    m_dicomBox = new QGroupBox(tr("DICOM"), this);
    m_dicomLabel = new QComboBox(m_dicomBox);
    m_dicomLabel->setEditable(true);
    m_dicomLabel->addItem(QString());
    m_dicomLabel->addItems(dicomLabelCandidates());
    m_dicomLabel->setToolTip(tr("The attribute whose value is each image's class: a keyword (BodyPartExamined) or "
                                "a tag (0018,0015)"));
    m_dicomLabel->lineEdit()->setPlaceholderText(tr("none: the images stay unlabelled"));
    m_sidecar = new QLineEdit(m_dicomBox);
    m_sidecar->setPlaceholderText(tr("a CSV with file,label columns (wins over the attribute)"));
    m_sidecar->setClearButtonEnabled(true);
    m_allFrames = new QCheckBox(tr("Every frame of a multi-frame file is an image"), m_dicomBox);
    auto *dicomForm = new QFormLayout(m_dicomBox);
    dicomForm->addRow(tr("Label attribute"), m_dicomLabel);
    dicomForm->addRow(tr("Sidecar CSV"), withBrowse(m_sidecar, m_dicomBox, [this] {
                          return QFileDialog::getOpenFileName(this, tr("Sidecar CSV with file,label columns"),
                                                              QFileInfo(m_path).absolutePath(),
                                                              tr("CSV files (*.csv);;All files (*)"));
                      }));
    dicomForm->addRow(m_allFrames);

    m_rootBox = new QGroupBox(tr("Images"), this);
    m_imageRoot = new QLineEdit(m_rootBox);
    m_imageRoot->setPlaceholderText(tr("searched near the split files"));
    m_imageRoot->setClearButtonEnabled(true);
    auto *rootForm = new QFormLayout(m_rootBox);
    rootForm->addRow(tr("Image folder"), withBrowse(m_imageRoot, m_rootBox, [this] {
                         return QFileDialog::getExistingDirectory(this, tr("Folder holding the images"),
                                                                  QFileInfo(m_path).absolutePath());
                     }));

    auto *formatRow = new QHBoxLayout;
    formatRow->addWidget(new QLabel(tr("Format"), this));
    formatRow->addWidget(m_format, 1);

    m_classes = new QTableWidget(0, 3, this);
    m_classes->setHorizontalHeaderLabels({tr("Class"), tr("Images"), tr("Group")});
    m_classes->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
    m_classes->verticalHeader()->setVisible(false);
    // Class names are editable here: the mapping is applied on import (a name that already exists
    // merges the two classes).
    m_classes->setEditTriggers(QAbstractItemView::DoubleClicked | QAbstractItemView::EditKeyPressed |
                               QAbstractItemView::SelectedClicked);
    m_problemsLabel = new QLabel(tr("Problems"), this);
    m_problems = new QTreeWidget(this);
    m_problems->setColumnCount(2);
    m_problems->setHeaderLabels({tr("File"), tr("Reason")});
    m_problems->setRootIsDecorated(true);
    m_problems->setUniformRowHeights(true);
    m_problems->setAccessibleName(tr("Problems"));
    m_buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    m_buttons->button(QDialogButtonBox::Ok)->setText(tr("Import"));
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(false);
    connect(m_buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, [this] {
        m_jobs->cancel(m_job);
        reject();
    });

    auto *problemsBox = new QWidget(this);
    auto *pl = new QVBoxLayout(problemsBox);
    pl->setContentsMargins(0, 0, 0, 0);
    pl->addWidget(m_problemsLabel);
    pl->addWidget(m_problems, 1);
    auto *split = new QSplitter(Qt::Vertical, this);
    split->addWidget(m_classes);
    split->addWidget(problemsBox);
    split->setChildrenCollapsible(false);

    auto *l = new QVBoxLayout(this);
    l->addWidget(m_summary);
    l->addLayout(formatRow);
    l->addWidget(m_csvBox);
    l->addWidget(m_dicomBox);
    l->addWidget(m_rootBox);
    l->addWidget(split, 1);
    l->addWidget(m_buttons);
    showOptionsFor(QString());

    m_reloadDelay = new QTimer(this);
    m_reloadDelay->setSingleShot(true);
    m_reloadDelay->setInterval(400);
    connect(m_reloadDelay, &QTimer::timeout, this, &ImportDialog::reload);
    for (QComboBox *box : {m_format, m_pathColumn, m_labelColumn, m_groupColumn, m_splitColumn})
        connect(box, &QComboBox::activated, this, &ImportDialog::optionsEdited);
    connect(m_dicomLabel, &QComboBox::currentTextChanged, this, &ImportDialog::optionsEdited);
    connect(m_sidecar, &QLineEdit::textChanged, this, &ImportDialog::optionsEdited);
    connect(m_imageRoot, &QLineEdit::textChanged, this, &ImportDialog::optionsEdited);
    connect(m_allFrames, &QCheckBox::toggled, this, &ImportDialog::optionsEdited);
    reload();
}

ImportDialog::~ImportDialog()
{
    m_jobs->cancel(m_job); // the import stops at its next file; the JobManager waits for it on shutdown
}

QPushButton *ImportDialog::importButton() const
{
    return m_buttons->button(QDialogButtonBox::Ok);
}

data::ImportOptions ImportDialog::options() const
{
    data::ImportOptions o;
    o.format = m_format->currentData().toString();
    o.pathColumn = m_pathColumn->currentData().toString();
    o.labelColumn = m_labelColumn->currentData().toString();
    o.groupColumn = m_groupColumn->currentData().toString();
    o.splitColumn = m_splitColumn->currentData().toString();
    o.dicomLabelAttribute = m_dicomLabel->currentText().trimmed();
    o.sidecarCsv = m_sidecar->text().trimmed();
    o.dicomAllFrames = m_allFrames->isChecked();
    o.imageRoot = m_imageRoot->text().trimmed();
    return o;
}

void ImportDialog::setOptions(const data::ImportOptions &o)
{
    const auto select = [](QComboBox *box, const QString &value) {
        int i = box->findData(value);
        if (i < 0 && !value.isEmpty()) {
            box->addItem(value, value);
            i = box->count() - 1;
        }
        box->setCurrentIndex(std::max(0, i));
    };
    {
        const QSignalBlocker a(m_dicomLabel), b(m_sidecar), c(m_imageRoot), d(m_allFrames);
        select(m_format, o.format);
        select(m_pathColumn, o.pathColumn);
        select(m_labelColumn, o.labelColumn);
        select(m_groupColumn, o.groupColumn);
        select(m_splitColumn, o.splitColumn);
        m_dicomLabel->setCurrentText(o.dicomLabelAttribute);
        m_sidecar->setText(o.sidecarCsv);
        m_allFrames->setChecked(o.dicomAllFrames);
        m_imageRoot->setText(o.imageRoot);
    }
    reload();
}

void ImportDialog::optionsEdited()
{
    m_ok = false;
    importButton()->setEnabled(false);
    m_reloadDelay->start();
}

void ImportDialog::reload()
{
    m_reloadDelay->stop();
    m_jobs->cancel(m_job); // a read for older options is dropped
    m_ok = false;
    importButton()->setEnabled(false);
    m_summary->setText(tr("Reading %1 …").arg(m_path.toHtmlEscaped()));
    const data::ImportOptions o = options();
    const QString path = m_path;
    const quint64 generation = ++m_generation;
    m_job = m_jobs->submit<Preview>(
        JobManager::Kind::Io, tr("Reading %1").arg(path),
        [path, o](JobControl &control, const ProgressSink &) -> Result<Preview> {
            Preview p;
            const data::Importer *imp = o.format.isEmpty() ? data::detectImporter(path) : data::importerById(o.format);
            p.importerId = imp ? imp->id() : QString();
            if (p.importerId == QLatin1String("csv")) {
                // The header, so the columns can be chosen even when the import itself fails.
                if (auto table = data::readCsv(path)) p.csvColumns = table->header;
            }
            auto r = data::importDataset(path, o, &control);
            if (r)
                p.result = std::move(r).value();
            else if (r.error().code == ErrorCode::Cancelled)
                return r.error();
            else
                p.error = r.error();
            return p;
        },
        [this, generation](const Result<Preview> &r) {
            if (generation != m_generation) return; // older options
            done_(r);
        },
        this);
}

QList<QPair<QString, QString>> ImportDialog::classMapping() const
{
    QList<QPair<QString, QString>> mapping;
    for (int r = 0; r < m_classes->rowCount(); ++r) {
        const QTableWidgetItem *item = m_classes->item(r, 0);
        if (!item) continue;
        const QString from = item->data(Qt::UserRole).toString(), to = item->text().trimmed();
        if (!to.isEmpty() && to != from) mapping.append({from, to});
    }
    return mapping;
}

void ImportDialog::setClassName(const QString &from, const QString &to)
{
    for (int r = 0; r < m_classes->rowCount(); ++r)
        if (QTableWidgetItem *item = m_classes->item(r, 0); item && item->data(Qt::UserRole).toString() == from)
            item->setText(to);
}

Result<data::DatasetIndex> ImportDialog::mappedDataset() const
{
    data::DatasetIndex d = m_result.index;
    for (const auto &[from, to] : classMapping()) {
        const int source = d.classIndex(from);
        if (source < 0) continue;
        const int target = d.classIndex(to);
        auto edit = target >= 0 ? data::makeMergeClasses(d, {source}, target) : data::makeRenameClass(d, source, to);
        if (!edit) return edit.error();
        edit->apply(d);
        // The imported labels follow the mapping: it is part of the import, not a relabel.
        for (data::Sample &s : d.samples) {
            s.originalLabel = s.label;
            s.set(data::FlagRelabelled, false);
        }
    }
    return d;
}

void ImportDialog::showOptionsFor(const QString &importerId)
{
    // Only the options of the importer in use are shown; the format box stays.
    m_csvBox->setVisible(importerId == QLatin1String("csv"));
    m_dicomBox->setVisible(importerId == QLatin1String("dicom"));
    m_rootBox->setVisible(importerId == QLatin1String("isic2019lt"));
}

void ImportDialog::fillColumns(const QStringList &columns)
{
    if (columns == m_columns) return;
    m_columns = columns;
    for (QComboBox *box : {m_pathColumn, m_labelColumn, m_groupColumn, m_splitColumn}) {
        const QString current = box->currentData().toString();
        const QSignalBlocker block(box);
        while (box->count() > 1)
            box->removeItem(1);
        for (const QString &c : columns)
            box->addItem(c, c);
        box->setCurrentIndex(std::max(0, box->findData(current)));
    }
}

void ImportDialog::fillProblems()
{
    m_problems->clear();
    m_unusable = m_notImages = 0;
    auto *unusable = new QTreeWidgetItem(m_problems);
    auto *notImages = new QTreeWidgetItem(m_problems);
    auto *notes = new QTreeWidgetItem(m_problems);
    int noteCount = 0;
    for (const data::ImportProblem &p : m_result.problems) {
        QTreeWidgetItem *group = nullptr;
        int *count = nullptr;
        if (p.notAnImage) {
            group = notImages, count = &m_notImages;
        } else if (p.reason.endsWith(QLatin1String("skipped"))) {
            group = unusable, count = &m_unusable;
        } else {
            group = notes, count = &noteCount;
        }
        if (++*count > kMaxListedProblems) continue;
        auto *item = new QTreeWidgetItem(group, {p.file, p.reason});
        item->setToolTip(0, p.file);
        item->setToolTip(1, p.reason);
    }
    const auto title = [](QTreeWidgetItem *group, int n, const QString &text) {
        group->setText(0, text);
        group->setFirstColumnSpanned(true);
        QFont f = group->font(0);
        f.setBold(true);
        group->setFont(0, f);
        if (n > kMaxListedProblems)
            new QTreeWidgetItem(group, {ImportDialog::tr("… and %n more", nullptr, n - kMaxListedProblems)});
        group->setHidden(n == 0);
        group->setExpanded(n > 0 && n <= 50);
    };
    title(unusable, m_unusable, tr("Files that cannot be used: %n (skipped, not counted)", nullptr, m_unusable));
    title(notImages, m_notImages,
          tr("DICOM objects that are not images: %n (reports, RT objects, waveforms; skipped)", nullptr, m_notImages));
    title(notes, noteCount, tr("Notes: %n", nullptr, noteCount));
    m_problems->resizeColumnToContents(0);
    m_problems->setColumnWidth(0, std::min(m_problems->columnWidth(0), 360));
    m_problemsLabel->setText(m_result.problems.empty() ? tr("No problems found.") : tr("Problems"));
}

void ImportDialog::done_(const Result<Preview> &r)
{
    m_job = 0;
    m_ok = false;
    m_refusal.clear();
    if (!r) { // cancelled
        Q_EMIT finished_(false);
        return;
    }
    m_importerId = r->importerId;
    showOptionsFor(m_importerId);
    fillColumns(r->csvColumns);
    if (!r->result) {
        m_result = {};
        m_refusal = r->error.message();
        m_summary->setText(tr("<b>Cannot import.</b> %1").arg(m_refusal.toHtmlEscaped()));
        m_classes->setRowCount(0);
        fillProblems();
        importButton()->setEnabled(false);
        Q_EMIT finished_(false);
        return;
    }
    m_result = *r->result;
    const data::DatasetIndex &d = m_result.index;
    const auto sum = data::summarizeLongTail(d, m_thresholds);
    const data::Importer *imp = data::importerById(d.format);
    fillProblems();
    QString text = tr("<b>%1</b><br>Format: %2 · %3 images · %4 classes · imbalance ratio %5")
                       .arg(m_path.toHtmlEscaped(), imp ? imp->displayName() : d.format)
                       .arg(sum.total)
                       .arg(d.classCount())
                       .arg(sum.imbalanceRatio, 0, 'f', 1);
    text += QStringLiteral("<br>") + tr("Groups by the project's thresholds: head &gt; %1, tail &lt; %2.")
                                         .arg(m_thresholds.many)
                                         .arg(m_thresholds.few);
    if (m_unusable > 0)
        text += QStringLiteral("<br>") +
                tr("%n file(s) cannot be used and are not counted (listed below).", nullptr, m_unusable);
    // Refuse an import that would leave nothing to work with.
    const int unlabelled = int(d.samples.size()) - sum.total;
    if (sum.total == 0 || d.classCount() == 0) {
        if (m_importerId == QLatin1String("dicom") && !d.samples.empty())
            m_refusal = tr("The %n DICOM image(s) have no class: choose the attribute that holds the label (for "
                           "example BodyPartExamined or Modality) or a sidecar CSV with file,label columns.",
                           nullptr, int(d.samples.size()));
        else if (!d.samples.empty())
            m_refusal = tr("None of the %n image(s) has a class: choose the label column or attribute.", nullptr,
                           int(d.samples.size()));
        else
            m_refusal = tr("No usable image was found: nothing to import.");
    } else if (unlabelled > 0) {
        text += QStringLiteral("<br>") +
                tr("%n image(s) have no class; they are imported unlabelled.", nullptr, unlabelled);
    }
    if (!m_refusal.isEmpty())
        text += QStringLiteral("<br><b style=\"color:#a00000\">%1</b>").arg(m_refusal.toHtmlEscaped());
    m_summary->setText(text);

    // Groups exactly as the pages draw them: the project's thresholds, on training counts when the
    // dataset has a training split.
    const data::TailStats stats = data::tailStats(data::classSplitCounts(d), m_thresholds);
    m_classes->horizontalHeaderItem(2)->setText(stats.byTraining ? tr("Group (by training images)") : tr("Group"));
    m_classes->setRowCount(int(sum.sorted.size()));
    int row = 0;
    for (const data::ClassStat &c : sum.sorted) {
        auto *name = new QTableWidgetItem(c.name);
        name->setData(Qt::UserRole, c.name);
        name->setToolTip(tr("Double-click to rename; a name that already exists merges the classes."));
        m_classes->setItem(row, 0, name);
        auto *n = new QTableWidgetItem(QString::number(c.count));
        n->setFlags(n->flags() & ~Qt::ItemIsEditable);
        n->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
        m_classes->setItem(row, 1, n);
        const data::TailGroup group = c.classIndex >= 0 && c.classIndex < int(stats.groups.size())
                                          ? stats.groups[std::size_t(c.classIndex)]
                                          : c.group;
        auto *g = new QTableWidgetItem(c.count == 0 ? tr("empty") : data::tailGroupName(group));
        g->setFlags(g->flags() & ~Qt::ItemIsEditable);
        m_classes->setItem(row, 2, g);
        ++row;
    }
    m_ok = m_refusal.isEmpty();
    importButton()->setEnabled(m_ok);
    importButton()->setToolTip(m_refusal);
    Q_EMIT finished_(m_ok);
}

} // namespace fopro::ui
