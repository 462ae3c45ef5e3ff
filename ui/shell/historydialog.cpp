#include "ui/shell/historydialog.h"

#include "ui/shell/projectdocument.h"

#include <QtWidgets/QDialogButtonBox>
#include <QtWidgets/QHBoxLayout>
#include <QtWidgets/QHeaderView>
#include <QtWidgets/QLabel>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QTableWidget>
#include <QtWidgets/QVBoxLayout>

#include <set>

namespace fopro::ui {

namespace {

constexpr int kStepRole = Qt::UserRole + 1; // int: undo-stack index; -1 session start; -2 earlier session
constexpr int kEarlier = -2;
constexpr int kStart = -1;
constexpr int kMaxClassNames = 4;

/// The classes a step touched: the labels of its images before and after, and the names a rename
/// or merge took away or brought.
QString classesOf(const data::CurationEdit &e, const data::DatasetIndex &d)
{
    const QStringList &before = e.classesBefore.isEmpty() ? d.classes : e.classesBefore;
    const QStringList &after = e.classesAfter.isEmpty() ? d.classes : e.classesAfter;
    QStringList names;
    const auto add = [&names](const QString &n) {
        if (!n.isEmpty() && !names.contains(n)) names << n;
    };
    for (const QString &n : e.classesBefore)
        if (!e.classesAfter.contains(n)) add(n);
    for (const QString &n : e.classesAfter)
        if (!e.classesBefore.contains(n)) add(n);
    std::set<int> labelsBefore, labelsAfter;
    for (std::size_t i = 0; i < e.before.size() && i < e.after.size(); ++i) {
        labelsBefore.insert(e.before[i].label);
        labelsAfter.insert(e.after[i].label);
    }
    for (int l : labelsBefore)
        add(before.value(l));
    for (int l : labelsAfter)
        add(after.value(l));
    if (names.size() <= kMaxClassNames) return names.join(QStringLiteral(", "));
    return names.mid(0, kMaxClassNames).join(QStringLiteral(", ")) +
           CurationHistoryDialog::tr(" and %n more", nullptr, int(names.size() - kMaxClassNames));
}

QString timeText(const QDateTime &utc)
{
    return utc.isValid() ? utc.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss")) : QString();
}

} // namespace

CurationHistoryDialog::CurationHistoryDialog(ProjectDocument *document, QWidget *parent)
    : QDialog(parent), m_doc(document)
{
    setWindowTitle(tr("Curation history"));
    setObjectName(QStringLiteral("curationHistory"));
    m_table = new QTableWidget(0, 4, this);
    m_table->setHorizontalHeaderLabels({tr("Time"), tr("Action"), tr("Classes"), tr("Images")});
    m_table->horizontalHeader()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setSectionResizeMode(1, QHeaderView::Stretch);
    m_table->horizontalHeader()->setSectionResizeMode(2, QHeaderView::Interactive);
    m_table->horizontalHeader()->setSectionResizeMode(3, QHeaderView::ResizeToContents);
    m_table->setColumnWidth(2, 220);
    m_table->verticalHeader()->hide();
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setWordWrap(false);
    m_table->setAccessibleName(tr("Curation steps"));
    m_note = new QLabel(this);
    m_note->setWordWrap(true);
    m_goTo = new QPushButton(tr("Undo to here"), this);
    m_goTo->setToolTip(tr("Undo every later step (or redo up to this one); Edit ▸ Redo brings them back"));
    m_show = new QPushButton(tr("Show images"), this);
    m_show->setToolTip(tr("Show the images of this step in the grid"));
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    buttons->addButton(m_show, QDialogButtonBox::ActionRole);
    buttons->addButton(m_goTo, QDialogButtonBox::ActionRole);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_goTo, &QPushButton::clicked, this, [this] { goToRow(m_table->currentRow()); });
    connect(m_show, &QPushButton::clicked, this, [this] { showImagesOfRow(m_table->currentRow()); });
    connect(m_table, &QTableWidget::itemSelectionChanged, this, &CurationHistoryDialog::updateButtons);
    connect(m_table, &QTableWidget::cellDoubleClicked, this, [this](int row, int) { showImagesOfRow(row); });
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_table, 1);
    layout->addWidget(m_note);
    layout->addWidget(buttons);
    connect(m_doc, &ProjectDocument::historyChanged, this, &CurationHistoryDialog::rebuild);
    connect(m_doc->undoStack(), &QUndoStack::indexChanged, this, &CurationHistoryDialog::rebuild);
    resize(820, 460);
    rebuild();
}

void CurationHistoryDialog::rebuild()
{
    const int keep = m_table->currentRow();
    const QList<project::HistoryEntry> &history = m_doc->project().history;
    const int earlier = std::min<int>(m_doc->sessionHistoryStart(), int(history.size()));
    const QUndoStack *stack = m_doc->undoStack();
    const int steps = stack->count();
    const int now = stack->index(); // steps [0, now) are done
    m_table->setRowCount(0);
    m_table->setRowCount(earlier + 1 + steps);
    const auto setRow = [this](int row, int step, const QString &time, const QString &action, const QString &classes,
                               const QString &images, bool dim, bool bold) {
        const QString cells[] = {time, action, classes, images};
        for (int c = 0; c < 4; ++c) {
            auto *item = new QTableWidgetItem(cells[c]);
            item->setData(kStepRole, step);
            item->setToolTip(cells[c]);
            if (c == 3) item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
            if (dim) item->setForeground(palette().color(QPalette::Disabled, QPalette::Text));
            if (bold || dim) {
                QFont f = item->font();
                f.setBold(bold);
                f.setItalic(dim);
                item->setFont(f);
            }
            m_table->setItem(row, c, item);
        }
    };
    int row = 0;
    m_firstStepRow = earlier + 1;
    for (int i = 0; i < earlier; ++i, ++row)
        setRow(row, kEarlier, timeText(history[i].time), history[i].description, QString(), QString(), true, false);
    setRow(row++, kStart, QString(), tr("Start of this session"), QString(), QString(), false, now == 0);
    const data::DatasetIndex &d = m_doc->dataset();
    for (int i = 0; i < steps; ++i, ++row) {
        const data::CurationEdit *e = m_doc->editAt(i);
        const bool undone = i >= now;
        QString action = stack->text(i);
        if (undone) action += tr(" (undone)");
        setRow(row, i, timeText(m_doc->editTime(i)), action, e ? classesOf(*e, d) : QString(),
               e ? QString::number(e->samples.size()) : QString(), undone, i == now - 1);
    }
    m_note->setText(earlier > 0
                        ? tr("Steps in italics were undone, or come from earlier sessions (those are kept as text "
                             "only and cannot be undone). The step in bold is the current state.")
                        : tr("Steps in italics were undone. The step in bold is the current state."));
    if (keep >= 0 && keep < m_table->rowCount()) m_table->selectRow(keep);
    updateButtons();
}

void CurationHistoryDialog::updateButtons()
{
    const int row = m_table->currentRow();
    const int step = row >= 0 && m_table->item(row, 0) ? m_table->item(row, 0)->data(kStepRole).toInt() : kEarlier;
    const int now = m_doc->undoStack()->index();
    m_goTo->setEnabled(step != kEarlier && step + 1 != now);
    m_goTo->setText(step + 1 > now ? tr("Redo to here") : tr("Undo to here"));
    const data::CurationEdit *e = step >= 0 ? m_doc->editAt(step) : nullptr;
    m_show->setEnabled(e && !e->samples.empty());
}

void CurationHistoryDialog::goToRow(int row)
{
    if (row < 0 || row >= m_table->rowCount() || !m_table->item(row, 0)) return;
    const int step = m_table->item(row, 0)->data(kStepRole).toInt();
    if (step == kEarlier) return;
    m_doc->undoStack()->setIndex(step + 1); // after that step; the start row (−1) undoes everything
}

void CurationHistoryDialog::showImagesOfRow(int row)
{
    if (row < 0 || row >= m_table->rowCount() || !m_table->item(row, 0)) return;
    const int step = m_table->item(row, 0)->data(kStepRole).toInt();
    const data::CurationEdit *e = step >= 0 ? m_doc->editAt(step) : nullptr;
    if (!e || e->samples.empty()) return;
    m_doc->requestShowSamples(e->samples, m_doc->undoStack()->text(step));
}

} // namespace fopro::ui
