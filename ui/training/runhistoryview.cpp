#include "ui/training/runhistoryview.h"

#include "core/jobs/jobmanager.h"
#include "ui/training/runcompareview.h"

#include <QtCore/QAbstractTableModel>
#include <QtCore/QDir>
#include <QtCore/QDirIterator>
#include <QtCore/QFileInfo>
#include <QtCore/QItemSelection>
#include <QtCore/QLocale>
#include <QtCore/QSortFilterProxyModel>
#include <QtCore/QUrl>
#include <QtGui/QAction>
#include <QtGui/QDesktopServices>
#include <QtGui/QKeySequence>
#include <QtWidgets/QCheckBox>
#include <QtWidgets/QHBoxLayout>
#include <QtWidgets/QHeaderView>
#include <QtWidgets/QInputDialog>
#include <QtWidgets/QLabel>
#include <QtWidgets/QMenu>
#include <QtWidgets/QMessageBox>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QSplitter>
#include <QtWidgets/QTableView>
#include <QtWidgets/QToolBar>
#include <QtWidgets/QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace fopro::ui {

using project::RunDetails;
using project::RunFolder;

namespace {

QString cleanDir(const QString &dir)
{
    return dir.isEmpty() ? QString() : QDir::cleanPath(QFileInfo(dir).absoluteFilePath());
}

/// A rate for sorting: missing values sort below every real one.
QVariant rateSortKey(double v)
{
    return std::isfinite(v) ? v : -1.0;
}

/// Bytes of the files below `dir` (links not followed).
qint64 diskSize(const QString &dir)
{
    qint64 bytes = 0;
    QDirIterator it(dir, QDir::Files | QDir::Hidden | QDir::System | QDir::NoDotAndDotDot,
                    QDirIterator::Subdirectories);
    while (it.hasNext()) {
        it.next();
        if (!it.fileInfo().isSymLink()) bytes += it.fileInfo().size();
    }
    return bytes;
}

} // namespace

// ---- the item models ----------------------------------------------------------------------------------

/// Every run of the folder, one row each (records only; the view owns the live marking's text).
class RunHistoryModel : public QAbstractTableModel {
public:
    using QAbstractTableModel::QAbstractTableModel;

    std::vector<RunDetails> runs;
    QString liveDir, liveText;

    int rowCount(const QModelIndex &parent = {}) const override { return parent.isValid() ? 0 : int(runs.size()); }
    int columnCount(const QModelIndex &parent = {}) const override
    {
        return parent.isValid() ? 0 : RunHistoryView::ColumnCount;
    }

    int rowOf(const QString &dir) const
    {
        for (size_t i = 0; i < runs.size(); ++i)
            if (runs[i].dir == dir) return int(i);
        return -1;
    }

    void setRuns(std::vector<RunDetails> list)
    {
        beginResetModel();
        runs = std::move(list);
        for (RunDetails &r : runs)
            r.live = !liveDir.isEmpty() && r.dir == liveDir;
        endResetModel();
    }

    void rowChanged(int row)
    {
        if (row >= 0 && row < rowCount())
            Q_EMIT dataChanged(index(row, 0), index(row, RunHistoryView::ColumnCount - 1));
    }

    void setLive(const QString &dir, const QString &text)
    {
        const int before = rowOf(liveDir);
        liveDir = dir;
        liveText = text;
        if (before >= 0) runs[size_t(before)].live = false;
        const int now = rowOf(dir);
        if (now >= 0) runs[size_t(now)].live = true;
        rowChanged(before);
        if (now != before) rowChanged(now);
    }

    QString statusOf(const RunDetails &r) const
    {
        return r.live && !liveText.isEmpty() ? liveText : project::statusText(r);
    }

    QVariant data(const QModelIndex &index, int role) const override
    {
        if (!index.isValid() || index.row() >= rowCount()) return {};
        const RunDetails &r = runs[size_t(index.row())];
        const int column = index.column();
        switch (role) {
        case Qt::DisplayRole:
            return display(r, column);
        case RunHistoryView::SortRole:
            return sortKey(r, column);
        case RunHistoryView::DirRole:
            return r.dir;
        case RunHistoryView::ArchivedRole:
            return r.notes.archived;
        case Qt::ToolTipRole:
            return toolTip(r, column);
        case Qt::TextAlignmentRole:
            if (column >= RunHistoryView::EpochsColumn && column <= RunHistoryView::DurationColumn)
                return int(Qt::AlignRight | Qt::AlignVCenter);
            return int(Qt::AlignLeft | Qt::AlignVCenter);
        case Qt::FontRole:
            if (r.live || r.notes.archived) {
                QFont f;
                f.setBold(r.live);
                f.setItalic(r.notes.archived);
                return f;
            }
            return {};
        default:
            return {};
        }
    }

    QVariant headerData(int section, Qt::Orientation orientation, int role) const override
    {
        if (orientation != Qt::Horizontal) return {};
        static const char *const names[][2] = {
            {QT_TRANSLATE_NOOP("fopro::ui::RunHistoryView", "Run"),
             QT_TRANSLATE_NOOP("fopro::ui::RunHistoryView", "The run's title (Rename) or folder name")},
            {QT_TRANSLATE_NOOP("fopro::ui::RunHistoryView", "Status"), nullptr},
            {QT_TRANSLATE_NOOP("fopro::ui::RunHistoryView", "Strategy"), nullptr},
            {QT_TRANSLATE_NOOP("fopro::ui::RunHistoryView", "Teacher"),
             QT_TRANSLATE_NOOP("fopro::ui::RunHistoryView", "The teacher model and its feature layer")},
            {QT_TRANSLATE_NOOP("fopro::ui::RunHistoryView", "Student"), nullptr},
            {QT_TRANSLATE_NOOP("fopro::ui::RunHistoryView", "Epochs"),
             QT_TRANSLATE_NOOP("fopro::ui::RunHistoryView", "Finished epochs / planned epochs")},
            {QT_TRANSLATE_NOOP("fopro::ui::RunHistoryView", "Best val. bal. acc."),
             QT_TRANSLATE_NOOP("fopro::ui::RunHistoryView", "The best balanced accuracy on the validation split")},
            {QT_TRANSLATE_NOOP("fopro::ui::RunHistoryView", "Test bal. acc."),
             QT_TRANSLATE_NOOP("fopro::ui::RunHistoryView",
                               "Balanced accuracy on the test split (once the run was evaluated)")},
            {QT_TRANSLATE_NOOP("fopro::ui::RunHistoryView", "Test tail recall"),
             QT_TRANSLATE_NOOP("fopro::ui::RunHistoryView", "Mean recall of the tail classes on the test split")},
            {QT_TRANSLATE_NOOP("fopro::ui::RunHistoryView", "Duration"),
             QT_TRANSLATE_NOOP("fopro::ui::RunHistoryView", "Training time (the epochs' time, without pauses)")},
            {QT_TRANSLATE_NOOP("fopro::ui::RunHistoryView", "Date"),
             QT_TRANSLATE_NOOP("fopro::ui::RunHistoryView", "When the run was created")},
        };
        if (section < 0 || section >= RunHistoryView::ColumnCount) return {};
        if (role == Qt::DisplayRole) return RunHistoryView::tr(names[section][0]);
        if (role == Qt::ToolTipRole && names[section][1]) return RunHistoryView::tr(names[section][1]);
        return {};
    }

private:
    QString display(const RunDetails &r, int column) const
    {
        switch (column) {
        case RunHistoryView::RunColumn:
            return r.title;
        case RunHistoryView::StatusColumn:
            return statusOf(r);
        case RunHistoryView::StrategyColumn:
            return strategyDisplayName(r.strategy);
        case RunHistoryView::TeacherColumn:
            return r.teacher.isEmpty() ? missingText() : r.teacher;
        case RunHistoryView::StudentColumn:
            return r.student.isEmpty() ? missingText() : r.student;
        case RunHistoryView::EpochsColumn:
            return r.epochsTotal > 0 ? QStringLiteral("%1/%2").arg(r.epochsDone).arg(r.epochsTotal)
                                     : QString::number(r.epochsDone);
        case RunHistoryView::BestValColumn:
            return percentText(r.bestValBalancedAccuracy);
        case RunHistoryView::TestBalancedColumn:
            return percentText(r.testBalancedAccuracy);
        case RunHistoryView::TestTailColumn:
            return percentText(r.testTailRecall);
        case RunHistoryView::DurationColumn:
            return shortDurationText(r.seconds);
        case RunHistoryView::DateColumn:
            return r.created.isValid() ? r.created.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm"))
                                       : missingText();
        default:
            return {};
        }
    }

    QVariant sortKey(const RunDetails &r, int column) const
    {
        switch (column) {
        case RunHistoryView::EpochsColumn:
            return r.epochsDone;
        case RunHistoryView::BestValColumn:
            return rateSortKey(r.bestValBalancedAccuracy);
        case RunHistoryView::TestBalancedColumn:
            return rateSortKey(r.testBalancedAccuracy);
        case RunHistoryView::TestTailColumn:
            return rateSortKey(r.testTailRecall);
        case RunHistoryView::DurationColumn:
            return r.seconds;
        case RunHistoryView::DateColumn:
            return r.created.isValid() ? r.created.toMSecsSinceEpoch() : qint64(0);
        default:
            return display(r, column);
        }
    }

    QVariant toolTip(const RunDetails &r, int column) const
    {
        switch (column) {
        case RunHistoryView::RunColumn:
            return r.notes.note.trimmed().isEmpty() ? r.dir : r.notes.note.trimmed() + QStringLiteral("\n\n") + r.dir;
        case RunHistoryView::StatusColumn: {
            QString tip = project::statusText(r);
            if (r.status.updated.isValid())
                tip += QLatin1Char('\n') +
                       RunHistoryView::tr("updated %1")
                           .arg(r.status.updated.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss")));
            return tip;
        }
        case RunHistoryView::StrategyColumn:
            return r.strategy;
        case RunHistoryView::TeacherColumn:
        case RunHistoryView::StudentColumn:
            return display(r, column);
        default:
            return {};
        }
    }
};

/// Hides archived runs unless asked to show them.
class RunHistoryFilter : public QSortFilterProxyModel {
public:
    using QSortFilterProxyModel::QSortFilterProxyModel;

    bool showArchived = false;
    void setShowArchived(bool show)
    {
        showArchived = show;
        invalidateFilter();
    }
    void refilter() { invalidateFilter(); }

protected:
    bool filterAcceptsRow(int row, const QModelIndex &parent) const override
    {
        return showArchived || !sourceModel()->index(row, 0, parent).data(RunHistoryView::ArchivedRole).toBool();
    }
};

// ---- RunHistoryView ----------------------------------------------------------------------------------

RunHistoryView::RunHistoryView(JobManager *jobs, QWidget *parent) : QWidget(parent), m_jobs(jobs)
{
    m_model = new RunHistoryModel(this);
    m_filter = new RunHistoryFilter(this);
    m_filter->setSourceModel(m_model);
    m_filter->setSortRole(SortRole);
    m_filter->setSortCaseSensitivity(Qt::CaseInsensitive);
    m_filter->setSortLocaleAware(true);

    m_table = new QTableView(this);
    m_table->setAccessibleName(tr("Training runs"));
    m_table->setModel(m_filter);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setAlternatingRowColors(true);
    m_table->setWordWrap(false);
    m_table->setTextElideMode(Qt::ElideMiddle);
    m_table->verticalHeader()->hide();
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 8);
    m_table->horizontalHeader()->setHighlightSections(false);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(DateColumn, Qt::DescendingOrder);
    m_table->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(m_table, &QWidget::customContextMenuRequested, this, &RunHistoryView::showContextMenu);
    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this] {
        updateActions();
        updateNote();
        Q_EMIT selectionChanged();
    });
    connect(m_table->selectionModel(), &QItemSelectionModel::currentChanged, this, [this] {
        updateActions();
        updateNote();
    });

    m_note = new QLabel(this);
    m_note->setWordWrap(true);
    m_note->setTextFormat(Qt::PlainText);
    m_note->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_note->setAccessibleName(tr("Note of the run"));
    m_note->setMaximumHeight(m_note->fontMetrics().lineSpacing() * 3 + 4);
    m_note->hide();

    m_compareView = new RunCompareView(jobs, this);
    m_compareView->hide();
    connect(m_compareView, &RunCompareView::closeRequested, this, &RunHistoryView::closeComparison);
    connect(m_compareView, &RunCompareView::statusMessage, this, &RunHistoryView::statusMessage);

    createActions();

    m_bar = new QToolBar(tr("Run history"), this);
    m_bar->setMovable(false);
    m_bar->setFloatable(false);
    m_bar->setToolButtonStyle(Qt::ToolButtonTextOnly);
    m_bar->addActions({m_compare, m_clone, m_resume});
    m_bar->addSeparator();
    m_bar->addActions({m_rename, m_annotate, m_archive});
    m_bar->addSeparator();
    m_bar->addAction(m_delete); // Open folder and Refresh: context menu, page menu, F5
    m_showArchived = new QCheckBox(tr("Show arc&hived"), this);
    m_showArchived->setToolTip(tr("Also list the runs you archived"));
    connect(m_showArchived, &QCheckBox::toggled, this, [this](bool on) {
        const QStringList keep = selectedRuns();
        m_filter->setShowArchived(on);
        selectRuns(keep);
        updateActions();
        updateNote();
    });

    auto *top = new QWidget(this);
    auto *topLayout = new QVBoxLayout(top);
    topLayout->setContentsMargins(0, 0, 0, 0);
    topLayout->setSpacing(2);
    topLayout->addWidget(m_table, 1);
    topLayout->addWidget(m_note);
    m_splitter = new QSplitter(Qt::Vertical, this);
    m_splitter->addWidget(top);
    m_splitter->addWidget(m_compareView);
    m_splitter->setChildrenCollapsible(false);
    m_splitter->setStretchFactor(0, 2);
    m_splitter->setStretchFactor(1, 3);
    top->setMinimumHeight(m_table->verticalHeader()->defaultSectionSize() * 4);

    auto *barRow = new QHBoxLayout;
    barRow->setContentsMargins(0, 0, 0, 0);
    barRow->addWidget(m_bar, 1);
    barRow->addWidget(m_showArchived);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->setSpacing(2);
    layout->addLayout(barRow);
    layout->addWidget(m_splitter, 1);

    m_confirm = [this](const QString &question) {
        QMessageBox box(QMessageBox::Warning, tr("Delete runs"), question, QMessageBox::NoButton, this);
        QPushButton *remove = box.addButton(tr("&Delete"), QMessageBox::DestructiveRole);
        box.addButton(QMessageBox::Cancel);
        box.setDefaultButton(QMessageBox::Cancel);
        box.exec();
        return box.clickedButton() == remove;
    };
    m_askText = [this](const QString &label, const QString &current) {
        bool ok = false;
        const QString text = QInputDialog::getText(this, tr("Rename run"), label, QLineEdit::Normal, current, &ok);
        return ok ? (text.isNull() ? QStringLiteral("") : text) : QString();
    };
    m_askNote = [this](const QString &label, const QString &current) {
        bool ok = false;
        const QString text = QInputDialog::getMultiLineText(this, tr("Annotate run"), label, current, &ok);
        return ok ? (text.isNull() ? QStringLiteral("") : text) : QString();
    };
    updateActions();
}

RunHistoryView::~RunHistoryView() = default;

void RunHistoryView::createActions()
{
    const auto make = [this](const QString &text, const QString &buttonText, const QKeySequence &shortcut,
                             const QString &tip, void (RunHistoryView::*slot)()) {
        auto *a = new QAction(text, this);
        a->setIconText(buttonText);
        if (!shortcut.isEmpty()) a->setShortcut(shortcut);
        a->setShortcutContext(Qt::WidgetWithChildrenShortcut);
        a->setToolTip(shortcut.isEmpty() ? tip
                                         : tip + QStringLiteral(" (") + shortcut.toString(QKeySequence::NativeText) +
                                               QLatin1Char(')'));
        a->setStatusTip(tip);
        connect(a, &QAction::triggered, this, slot);
        addAction(a);
        return a;
    };
    m_compare =
        make(tr("&Compare runs"), tr("Compare"), QKeySequence(tr("Ctrl+D")),
             tr("Compare the selected runs: curves and metrics side by side"), &RunHistoryView::compareSelected);
    m_clone =
        make(tr("C&lone configuration"), tr("Clone"), {},
             tr("Put the run's configuration into the form, to change and start"), &RunHistoryView::cloneSelected);
    m_resume = make(tr("&Resume run"), tr("Resume"), {},
                    tr("Continue the run from its last checkpoint (or extend a finished run)"),
                    &RunHistoryView::resumeSelected);
    m_rename = make(tr("Re&name run…"), tr("Rename"), QKeySequence(Qt::Key_F2), tr("Give the run a title"),
                    &RunHistoryView::renameSelected);
    m_annotate = make(tr("&Annotate run…"), tr("Annotate"), {}, tr("Write a note about the run"),
                      &RunHistoryView::annotateSelected);
    m_archive = make(tr("Arc&hive run"), tr("Archive"), {},
                     tr("Hide the selected runs from the list (Show archived lists them again)"),
                     &RunHistoryView::toggleArchiveSelected);
    m_openFolder = make(tr("&Open run folder"), tr("Open folder"), {}, tr("Show the run's folder in the file manager"),
                        &RunHistoryView::openSelectedFolder);
    m_delete = make(tr("&Delete run…"), tr("Delete"), QKeySequence(QKeySequence::Delete),
                    tr("Delete the selected runs (to the trash when possible)"), &RunHistoryView::deleteSelected);
    m_refresh = make(tr("Re&fresh runs"), tr("Refresh"), QKeySequence(QKeySequence::Refresh),
                     tr("Read the runs folder again"), &RunHistoryView::refresh);
}

QAbstractItemModel *RunHistoryView::model() const
{
    return m_filter;
}

QAbstractItemModel *RunHistoryView::sourceModel() const
{
    return m_model;
}

const std::vector<RunDetails> &RunHistoryView::runs() const
{
    return m_model->runs;
}

const RunDetails *RunHistoryView::run(const QString &dir) const
{
    const int row = m_model->rowOf(cleanDir(dir));
    return row >= 0 ? &m_model->runs[size_t(row)] : nullptr;
}

bool RunHistoryView::showArchived() const
{
    return m_showArchived->isChecked();
}

void RunHistoryView::setShowArchived(bool show)
{
    m_showArchived->setChecked(show);
}

bool RunHistoryView::isComparing() const
{
    return !m_compareView->isHidden();
}

// ---- loading ----------------------------------------------------------------------------------------------

void RunHistoryView::setRunsFolder(const QString &runsDir)
{
    const QString dir = cleanDir(runsDir);
    if (dir != m_runsDir) {
        m_runsDir = dir;
        m_model->setRuns({});
        closeComparison();
    }
    refresh();
}

void RunHistoryView::refresh()
{
    const quint64 generation = ++m_generation;
    const QString dir = m_runsDir;
    if (isComparing()) {
        QStringList still;
        for (const QString &d : m_compareView->runs())
            if (RunFolder::isRun(d)) still << d;
        if (still == m_compareView->runs())
            m_compareView->reload();
        else if (still.size() >= 2)
            m_compareView->setRuns(still);
        else
            closeComparison();
    }
    if (dir.isEmpty()) {
        applyLoaded({});
        return;
    }
    if (!m_jobs) {
        applyLoaded(RunFolder::listDetails(dir, strategyHasTeacher));
        return;
    }
    ++m_pendingLoads;
    m_jobs->submit<std::vector<RunDetails>>(
        JobManager::Kind::Io, tr("Read the run history"),
        [dir](JobControl &, const ProgressSink &) -> Result<std::vector<RunDetails>> {
            return RunFolder::listDetails(dir, strategyHasTeacher);
        },
        [this, generation](const Result<std::vector<RunDetails>> &r) {
            --m_pendingLoads;
            if (generation != m_generation) return; // a newer refresh is on its way
            if (!r) {
                if (r.error().code != ErrorCode::Cancelled)
                    Q_EMIT statusMessage(tr("The run history could not be read: %1").arg(r.error().message()));
                return;
            }
            applyLoaded(*r);
        },
        this);
}

void RunHistoryView::applyLoaded(std::vector<RunDetails> runs)
{
    const QStringList keep = selectedRuns();
    const bool first = m_model->runs.empty();
    m_model->setRuns(std::move(runs));
    if (first && !m_model->runs.empty()) {
        m_table->resizeColumnsToContents();
        const int caps[ColumnCount] = {220, 200, 150, 170, 180, 70, 90, 90, 90, 80, 130};
        for (int c = 0; c < ColumnCount; ++c)
            m_table->setColumnWidth(c, std::min(m_table->columnWidth(c) + 8, caps[c]));
    }
    selectRuns(keep);
    updateActions();
    updateNote();
    Q_EMIT loaded();
}

void RunHistoryView::setLiveRun(const QString &dir, const QString &statusText)
{
    const QString clean = cleanDir(dir);
    if (clean == m_liveDir && statusText == m_model->liveText) return;
    const bool newRun = clean != m_liveDir;
    m_liveDir = clean;
    m_model->setLive(clean, statusText);
    // A run that started after the last load: read the folder again (once per new live run).
    if (newRun && !clean.isEmpty() && m_model->rowOf(clean) < 0 && !m_runsDir.isEmpty() &&
        QFileInfo(clean).absolutePath() == m_runsDir)
        refresh();
    if (newRun) updateActions();
}

// ---- selection ---------------------------------------------------------------------------------------------

QStringList RunHistoryView::selectedRuns() const
{
    QModelIndexList rows = m_table->selectionModel()->selectedRows();
    std::sort(rows.begin(), rows.end(), [](const QModelIndex &a, const QModelIndex &b) { return a.row() < b.row(); });
    QStringList dirs;
    for (const QModelIndex &i : std::as_const(rows))
        dirs << i.data(DirRole).toString();
    return dirs;
}

void RunHistoryView::selectRuns(const QStringList &dirs)
{
    QItemSelection selection;
    QModelIndex current;
    for (const QString &d : dirs) {
        const int sourceRow = m_model->rowOf(cleanDir(d));
        if (sourceRow < 0) continue;
        const QModelIndex index = m_filter->mapFromSource(m_model->index(sourceRow, 0));
        if (!index.isValid()) continue; // filtered out (archived)
        selection.select(index, index.siblingAtColumn(ColumnCount - 1));
        if (!current.isValid()) current = index;
    }
    QItemSelectionModel *sm = m_table->selectionModel();
    sm->select(selection, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    if (current.isValid()) {
        sm->setCurrentIndex(current, QItemSelectionModel::NoUpdate);
        m_table->scrollTo(current);
    }
}

const RunDetails *RunHistoryView::currentRun() const
{
    const QItemSelectionModel *sm = m_table->selectionModel();
    QModelIndex index = sm->currentIndex();
    if (!index.isValid() || !sm->isRowSelected(index.row(), index.parent())) {
        const QModelIndexList rows = sm->selectedRows();
        index = rows.isEmpty() ? QModelIndex() : rows.front();
    }
    if (!index.isValid()) return nullptr;
    return run(index.data(DirRole).toString());
}

void RunHistoryView::updateActions()
{
    const QStringList selected = selectedRuns();
    const RunDetails *current = currentRun();
    m_compare->setEnabled(selected.size() >= 2);
    const bool one = current != nullptr;
    m_clone->setEnabled(one);
    m_resume->setEnabled(one && project::isResumable(*current));
    m_rename->setEnabled(one);
    m_annotate->setEnabled(one);
    m_openFolder->setEnabled(one);
    m_archive->setEnabled(!selected.isEmpty());
    const bool unarchive = current && current->notes.archived;
    m_archive->setText(unarchive ? tr("Unarc&hive run") : tr("Arc&hive run"));
    m_archive->setIconText(unarchive ? tr("Unarchive") : tr("Archive"));
    m_delete->setEnabled(
        std::any_of(selected.begin(), selected.end(), [this](const QString &d) { return d != m_liveDir; }));
    m_refresh->setEnabled(!m_runsDir.isEmpty());
}

void RunHistoryView::updateNote()
{
    if (m_model->runs.empty() && !m_runsDir.isEmpty() && !isLoading()) {
        m_note->setText(tr("No training runs in this project yet: the runs you start are listed here."));
        m_note->show();
        return;
    }
    const RunDetails *current = currentRun();
    const QString note = current ? current->notes.note.trimmed() : QString();
    m_note->setText(note.isEmpty() ? QString() : tr("Note: %1").arg(note));
    m_note->setToolTip(note);
    m_note->setVisible(!note.isEmpty());
}

void RunHistoryView::showContextMenu(const QPoint &pos)
{
    auto *menu = new QMenu(this);
    menu->setAttribute(Qt::WA_DeleteOnClose);
    menu->addActions({m_compare, m_clone, m_resume});
    menu->addSeparator();
    menu->addActions({m_rename, m_annotate, m_archive});
    menu->addSeparator();
    menu->addActions({m_openFolder, m_delete});
    menu->addSeparator();
    menu->addAction(m_refresh);
    menu->popup(m_table->viewport()->mapToGlobal(pos));
}

// ---- actions ---------------------------------------------------------------------------------------------------

void RunHistoryView::compareSelected()
{
    const QStringList dirs = selectedRuns();
    if (dirs.size() < 2) {
        Q_EMIT statusMessage(tr("Select two or more runs to compare them."));
        return;
    }
    const bool wasHidden = m_compareView->isHidden();
    m_compareView->setRuns(dirs);
    m_compareView->show();
    if (wasHidden) {
        const int h = std::max(1, m_splitter->height());
        m_splitter->setSizes({h / 3, h - h / 3});
    }
}

void RunHistoryView::closeComparison()
{
    m_compareView->hide();
}

void RunHistoryView::cloneSelected()
{
    const RunDetails *current = currentRun();
    if (!current) return;
    auto config = RunFolder(current->dir).readConfig();
    if (!config) {
        Q_EMIT statusMessage(tr("The run's configuration could not be read: %1").arg(config.error().message()));
        return;
    }
    Q_EMIT cloneRequested(*config);
}

void RunHistoryView::resumeSelected()
{
    const RunDetails *current = currentRun();
    if (!current) return;
    if (!project::isResumable(*current)) {
        Q_EMIT statusMessage(current->live ? tr("The run is training right now.")
                                           : tr("The run cannot be resumed (%1).").arg(project::statusText(*current)));
        return;
    }
    Q_EMIT resumeRequested(current->dir);
}

bool RunHistoryView::changeNotes(const QString &dir, const std::function<void(project::RunNotes &)> &change)
{
    const RunFolder folder(dir);
    project::RunNotes notes = folder.readNotes(); // what is on disk, not what was read at the last load
    change(notes);
    if (auto w = folder.writeNotes(notes); !w) {
        Q_EMIT statusMessage(tr("The run's notes could not be saved: %1").arg(w.error().message()));
        return false;
    }
    const int row = m_model->rowOf(folder.dir());
    if (row >= 0) {
        RunDetails &r = m_model->runs[size_t(row)];
        r.notes = notes;
        r.title = notes.title.trimmed().isEmpty() ? r.name : notes.title.trimmed();
        m_model->rowChanged(row);
    }
    return true;
}

void RunHistoryView::renameSelected()
{
    const RunDetails *current = currentRun();
    if (!current || !m_askText) return;
    const QString dir = current->dir, name = current->name;
    const QString title =
        m_askText(tr("Title of the run %1 (empty: the folder's name):").arg(name), current->notes.title.trimmed());
    if (title.isNull()) return;
    if (changeNotes(dir, [&](project::RunNotes &n) { n.title = title.trimmed(); })) {
        selectRuns({dir});
        updateNote();
    }
}

void RunHistoryView::annotateSelected()
{
    const RunDetails *current = currentRun();
    if (!current || !m_askNote) return;
    const QString dir = current->dir;
    const QString note = m_askNote(tr("Note on the run %1:").arg(current->title), current->notes.note);
    if (note.isNull()) return;
    if (changeNotes(dir, [&](project::RunNotes &n) { n.note = note.trimmed(); })) updateNote();
}

void RunHistoryView::toggleArchiveSelected()
{
    const QStringList dirs = selectedRuns();
    if (dirs.isEmpty()) return;
    const RunDetails *current = currentRun();
    const bool archive = !(current && current->notes.archived);
    int changed = 0;
    for (const QString &d : dirs)
        if (changeNotes(d, [archive](project::RunNotes &n) { n.archived = archive; })) ++changed;
    m_filter->refilter();
    selectRuns(dirs);
    updateActions();
    updateNote();
    if (archive && !showArchived())
        Q_EMIT statusMessage(changed == 1 ? tr("Archived the run: \"Show archived\" lists it again.")
                                          : tr("Archived %1 runs: \"Show archived\" lists them again.").arg(changed));
    else if (archive)
        Q_EMIT statusMessage(changed == 1 ? tr("Archived the run.") : tr("Archived %1 runs.").arg(changed));
    else
        Q_EMIT statusMessage(changed == 1 ? tr("Unarchived the run.") : tr("Unarchived %1 runs.").arg(changed));
}

void RunHistoryView::openSelectedFolder()
{
    const RunDetails *current = currentRun();
    if (!current) return;
    if (!QDesktopServices::openUrl(QUrl::fromLocalFile(current->dir)))
        Q_EMIT statusMessage(tr("No file manager could open %1.").arg(QDir::toNativeSeparators(current->dir)));
}

void RunHistoryView::deleteSelected()
{
    QStringList dirs = selectedRuns();
    const bool liveSelected = dirs.removeAll(m_liveDir) > 0 && !m_liveDir.isEmpty();
    if (dirs.isEmpty()) {
        if (liveSelected) Q_EMIT statusMessage(tr("The run that is training cannot be deleted."));
        return;
    }
    const QLocale locale;
    QStringList lines;
    qint64 total = 0;
    for (const QString &d : std::as_const(dirs)) {
        const RunDetails *r = run(d);
        const qint64 bytes = diskSize(d);
        total += bytes;
        lines
            << QStringLiteral("• %1 (%2)").arg(r ? r->title : QFileInfo(d).fileName(), locale.formattedDataSize(bytes));
    }
    QString question = dirs.size() == 1 ? tr("Delete the run %1?").arg(lines.front().mid(2))
                                        : tr("Delete these %1 runs (%2 in all)?\n%3")
                                              .arg(dirs.size())
                                              .arg(locale.formattedDataSize(total), lines.join(QLatin1Char('\n')));
    question += QStringLiteral("\n\n") + tr("Their folders go to the trash when the system has one, else they are "
                                            "deleted for good.");
    if (liveSelected) question += QLatin1Char('\n') + tr("The run that is training is kept.");
    if (!m_confirm || !m_confirm(question)) return;

    QStringList failed, removed;
    for (const QString &d : std::as_const(dirs)) {
        if (auto r = RunFolder::remove(d); !r)
            failed << r.error().message();
        else
            removed << d;
    }
    // The rows go at once; the reload below confirms what is left.
    std::vector<RunDetails> left;
    for (const RunDetails &r : m_model->runs)
        if (!removed.contains(r.dir)) left.push_back(r);
    applyLoaded(std::move(left));
    if (!failed.isEmpty())
        Q_EMIT statusMessage(tr("Not deleted: %1").arg(failed.join(QStringLiteral("; "))));
    else
        Q_EMIT statusMessage(removed.size() == 1 ? tr("Deleted the run.") : tr("Deleted %1 runs.").arg(removed.size()));
    refresh();
}

} // namespace fopro::ui
