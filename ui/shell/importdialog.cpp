#include "ui/shell/importdialog.h"

#include "core/data/curation.h"
#include "core/data/longtail.h"

#include <QtWidgets/QDialogButtonBox>
#include <QtWidgets/QHeaderView>
#include <QtWidgets/QLabel>
#include <QtWidgets/QPlainTextEdit>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QTableWidget>
#include <QtWidgets/QVBoxLayout>

namespace fopro::ui {

ImportDialog::ImportDialog(const QString &path, JobManager *jobs, QWidget *parent)
    : QDialog(parent), m_path(path), m_jobs(jobs)
{
    setWindowTitle(tr("Import dataset"));
    resize(720, 560);
    m_summary = new QLabel(tr("Reading %1 …").arg(path.toHtmlEscaped()), this);
    m_summary->setWordWrap(true);
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_classes = new QTableWidget(0, 3, this);
    m_classes->setHorizontalHeaderLabels({tr("Class"), tr("Images"), tr("Group")});
    m_classes->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
    m_classes->verticalHeader()->setVisible(false);
    // Class names are editable here: the mapping is applied on import (a name that already exists
    // merges the two classes).
    m_classes->setEditTriggers(QAbstractItemView::DoubleClicked | QAbstractItemView::EditKeyPressed |
                               QAbstractItemView::SelectedClicked);
    m_problems = new QPlainTextEdit(this);
    m_problems->setReadOnly(true);
    m_problems->setMaximumHeight(140);
    m_problems->setPlaceholderText(tr("No problems found."));
    m_buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    m_buttons->button(QDialogButtonBox::Ok)->setText(tr("Import"));
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(false);
    connect(m_buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, [this] {
        m_jobs->cancel(m_job);
        reject();
    });
    auto *l = new QVBoxLayout(this);
    l->addWidget(m_summary);
    l->addWidget(m_classes, 1);
    l->addWidget(new QLabel(tr("Problems (files that will be skipped):"), this));
    l->addWidget(m_problems);
    l->addWidget(m_buttons);

    m_job = m_jobs->submit<data::ImportResult>(
        JobManager::Kind::Io, tr("Reading %1").arg(path),
        [path](JobControl &control, const ProgressSink &) { return data::importDataset(path, {}, &control); },
        [this](const Result<data::ImportResult> &r) { done_(r); }, this);
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

ImportDialog::~ImportDialog()
{
    m_jobs->cancel(m_job); // the import stops at its next file; the JobManager waits for it on shutdown
}

void ImportDialog::done_(const Result<data::ImportResult> &r)
{
    m_job = 0;
    if (!r) {
        m_summary->setText(tr("<b>Cannot import.</b> %1").arg(r.error().message().toHtmlEscaped()));
        Q_EMIT finished_(false);
        return;
    }
    m_result = *r;
    m_ok = true;
    const data::DatasetIndex &d = m_result.index;
    const auto sum = data::summarizeLongTail(d, data::TailThresholds::defaults());
    const data::Importer *imp = data::importerById(d.format);
    m_summary->setText(tr("<b>%1</b><br>Format: %2 · %3 images · %4 classes · imbalance ratio %5")
                           .arg(m_path.toHtmlEscaped(), imp ? imp->displayName() : d.format)
                           .arg(sum.total)
                           .arg(d.classCount())
                           .arg(sum.imbalanceRatio, 0, 'f', 1));
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
        auto *g = new QTableWidgetItem(c.count == 0 ? tr("empty") : data::tailGroupName(c.group));
        g->setFlags(g->flags() & ~Qt::ItemIsEditable);
        m_classes->setItem(row, 2, g);
        ++row;
    }
    QString problems;
    for (const data::ImportProblem &p : m_result.problems)
        problems += p.file + QStringLiteral(": ") + p.reason + QLatin1Char('\n');
    m_problems->setPlainText(problems);
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(true);
    Q_EMIT finished_(true);
}

} // namespace fopro::ui
