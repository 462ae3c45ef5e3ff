#include "ui/results/resultspage.h"

#include "core/common/fileio.h"
#include "core/ml/export.h"
#include "core/ml/runevaluation.h"
#include "core/project/studypackage.h"
#include "ui/results/calibrationview.h"
#include "ui/results/classtablemodel.h"
#include "ui/results/confusionview.h"
#include "ui/results/curvesview.h"
#include "ui/results/plotsupport.h"
#include "ui/results/predictionsbrowser.h"
#include "ui/results/recallplot.h"
#include "ui/results/reportwriter.h"
#include "ui/shell/projectdocument.h"
#include "ui/training/runcompareview.h"

#include <QtCore/QDir>
#include <QtCore/QFileInfo>
#include <QtCore/QJsonArray>
#include <QtCore/QSortFilterProxyModel>
#include <QtGui/QAction>
#include <QtWidgets/QComboBox>
#include <QtWidgets/QFileDialog>
#include <QtWidgets/QHBoxLayout>
#include <QtWidgets/QHeaderView>
#include <QtWidgets/QLabel>
#include <QtWidgets/QMenu>
#include <QtWidgets/QMessageBox>
#include <QtWidgets/QSplitter>
#include <QtWidgets/QStyle>
#include <QtWidgets/QTabWidget>
#include <QtWidgets/QTableView>
#include <QtWidgets/QTableWidget>
#include <QtWidgets/QToolBar>
#include <QtWidgets/QToolButton>
#include <QtWidgets/QVBoxLayout>

#include <cmath>

namespace fopro::ui {

namespace {

/// The page's view kept with the project (<project>/.studio/results.json): the run, split, compared
/// runs and tab shown last, restored when the project opens again.
QString stateFile(const ProjectDocument *doc)
{
    if (!doc || !doc->hasFolder()) return {};
    return QDir(doc->project().folder).filePath(QStringLiteral(".studio/results.json"));
}

const QStringList kTabIds = {QStringLiteral("overview"), QStringLiteral("confusion"), QStringLiteral("curves"),
                             QStringLiteral("calibration"), QStringLiteral("predictions")};

double headlineValue(const Headline &h, int column)
{
    switch (column) {
    case ResultsPage::BalancedAccuracyColumn:
        return h.balancedAccuracy;
    case ResultsPage::MacroF1Column:
        return h.macroF1;
    case ResultsPage::MatthewsColumn:
        return h.matthews;
    case ResultsPage::KappaColumn:
        return h.kappa;
    case ResultsPage::RocAucColumn:
        return h.rocAucMacro;
    case ResultsPage::EceColumn:
        return h.ece;
    case ResultsPage::HeadRecallColumn:
        return h.headRecall;
    case ResultsPage::MediumRecallColumn:
        return h.mediumRecall;
    case ResultsPage::TailRecallColumn:
        return h.tailRecall;
    default:
        return std::numeric_limits<double>::quiet_NaN();
    }
}

} // namespace

ResultsPage::ResultsPage(const PageContext &context, QWidget *parent) : Page(context, parent)
{
    buildActions();
    buildLayout();
    if (ProjectDocument *doc = document()) {
        connect(doc, &ProjectDocument::datasetReset, this, [this] {
            m_sampleIdsValid = false;
            m_runDirs.clear();
            m_results.clear();
            m_stale = true;
            m_restored = false;
            m_available.clear();
            present(); // nothing of the previous project stays on screen
            if (isActive()) activate({});
        });
    }
}

ResultsPage::~ResultsPage() = default;

QString ResultsPage::title() const
{
    return tr("Results");
}

QIcon ResultsPage::icon() const
{
    return QIcon::fromTheme(QStringLiteral("x-office-spreadsheet"),
                            style()->standardIcon(QStyle::SP_FileDialogDetailedView));
}

void ResultsPage::buildActions()
{
    const auto make = [this](const QString &text, const QString &shortcut, const QString &tip, auto slot) {
        auto *a = new QAction(text, this);
        if (!shortcut.isEmpty()) a->setShortcut(QKeySequence(shortcut));
        a->setToolTip(shortcut.isEmpty()
                          ? tip
                          : tip + QStringLiteral(" (") + a->shortcut().toString(QKeySequence::NativeText) + ')');
        a->setStatusTip(tip);
        connect(a, &QAction::triggered, this, slot);
        m_actions << a;
        return a;
    };
    m_reportAction = make(tr("Export &report…"), tr("Ctrl+Shift+R"),
                          tr("Write an HTML and PDF report of the shown results (and optionally a study package)"),
                          [this] { askExportReport(); });
    m_csvAction = make(tr("Export the per-class &table as CSV…"), tr("Ctrl+Shift+C"),
                       tr("Save the per-class table (with the compared runs' columns) as CSV"),
                       [this] { askExportClassTable(); });
    m_gradCamAction = make(tr("&Grad-CAM of the selected predictions"), tr("Ctrl+G"),
                           tr("Where the student (and a CNN teacher) looked, for the images selected in the "
                              "predictions browser"),
                           [this] {
                               showTab(QStringLiteral("predictions"));
                               m_predictions->explainSelection();
                           });
    m_retrainAction = make(tr("Re&train with this configuration"), tr("Ctrl+Shift+N"),
                           tr("Open the Training page with this run's configuration in the form (after curating)"),
                           [this] { retrain(); });
    m_refreshAction = make(tr("Re&fresh"), tr("F5"), tr("Read the runs and their results again"), [this] {
        refreshRuns();
        if (!m_runDirs.isEmpty()) load();
    });
    m_reportAction->setIconText(tr("Export report…"));
    m_retrainAction->setIconText(tr("Retrain…"));
    addActions(m_actions);
}

void ResultsPage::buildLayout()
{
    m_runPicker = new QComboBox(this);
    m_runPicker->setAccessibleName(tr("Run"));
    m_runPicker->setMinimumContentsLength(22);
    m_runPicker->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    connect(m_runPicker, &QComboBox::activated, this, [this] {
        const QString dir = m_runPicker->currentData().toString();
        if (!dir.isEmpty()) showRun(dir);
    });
    m_splitPicker = new QComboBox(this);
    m_splitPicker->setAccessibleName(tr("Split"));
    connect(m_splitPicker, &QComboBox::activated, this, [this] { setSplit(m_splitPicker->currentData().toString()); });
    m_compare = new QToolButton(this);
    m_compare->setText(tr("Compare with"));
    m_compare->setToolTip(tr("Add runs to compare with the shown one: their numbers side by side, the differences "
                             "highlighted"));
    m_compare->setPopupMode(QToolButton::InstantPopup);
    m_compare->setMenu(new QMenu(m_compare));

    auto *bar = new QToolBar(this);
    bar->setToolButtonStyle(Qt::ToolButtonTextOnly);
    bar->addWidget(new QLabel(tr("Run "), this));
    bar->addWidget(m_runPicker);
    bar->addWidget(new QLabel(tr("  Split "), this));
    bar->addWidget(m_splitPicker);
    bar->addWidget(m_compare);
    bar->addSeparator();
    bar->addAction(m_reportAction);
    bar->addAction(m_retrainAction);

    m_banner = new QLabel(this);
    m_banner->setWordWrap(true);
    m_banner->setVisible(false);
    m_banner->setStyleSheet(QStringLiteral("QLabel { background: #fff3cd; color: #5c4400; border: 1px solid #e0c36a; "
                                           "padding: 4px; border-radius: 3px; }"));
    m_summary = new QLabel(this);
    m_summary->setWordWrap(true);

    // Overview: headline, per-class table, recall against training images.
    m_headline = new QTableWidget(this);
    m_headline->setAccessibleName(tr("Headline metrics"));
    m_headline->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_headline->setSelectionMode(QAbstractItemView::NoSelection);
    m_headline->setFocusPolicy(Qt::NoFocus);
    m_headline->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    m_headline->horizontalHeader()->setMinimumSectionSize(50);
    m_headline->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_headline->verticalHeader()->setDefaultSectionSize(22);
    m_headline->setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_headline->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_thresholds = new QLabel(this);
    m_thresholds->setWordWrap(true);
    m_classModel = new ClassTableModel(this);
    m_classSort = new QSortFilterProxyModel(this);
    m_classSort->setSourceModel(m_classModel);
    m_classSort->setSortRole(ClassTableModel::SortRole);
    m_classTable = new QTableView(this);
    m_classTable->setAccessibleName(tr("Per-class results"));
    m_classTable->setModel(m_classSort);
    m_classTable->setSortingEnabled(true);
    m_classTable->sortByColumn(ClassTableModel::TrainColumn, Qt::DescendingOrder);
    m_classTable->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_classTable->verticalHeader()->hide();
    m_classTable->verticalHeader()->setDefaultSectionSize(21);
    m_classTable->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
    m_classTable->horizontalHeader()->setDefaultSectionSize(70);
    m_classTable->horizontalHeader()->setStretchLastSection(false);
    m_classTable->setContextMenuPolicy(Qt::ActionsContextMenu);
    m_classTable->addAction(m_csvAction);
    connect(m_classTable, &QTableView::doubleClicked, this, [this](const QModelIndex &i) {
        // A class's images that were misclassified, in the predictions browser.
        const int k = i.data(ClassTableModel::ClassIndexRole).toInt();
        m_predictions->setClassFilter(k);
        showTab(QStringLiteral("predictions"));
    });
    m_recall = new RecallPlot(this);
    auto *overview = new QWidget(this);
    auto *ov = new QVBoxLayout(overview);
    ov->setContentsMargins(0, 4, 0, 0);
    ov->setSpacing(3);
    ov->addWidget(m_headline);
    ov->addWidget(m_thresholds);
    auto *split = new QSplitter(Qt::Horizontal, overview);
    split->addWidget(m_classTable);
    split->addWidget(m_recall);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    split->setSizes({640, 360});
    split->setChildrenCollapsible(false);
    ov->addWidget(split, 1);

    m_confusion = new ConfusionView(this);
    connect(m_confusion, &ConfusionView::cellActivated, this, &ResultsPage::openCell);
    m_curves = new CurvesView(this);
    m_calibration = new CalibrationView(this);
    connect(m_calibration, &CalibrationView::evaluateValidationRequested, this, [this] { evaluateValidation(); });
    m_predictions = new PredictionsBrowser(document(), jobs(), this);
    connect(m_predictions, &PredictionsBrowser::statusMessage, this, &ResultsPage::statusMessage);
    connect(m_predictions, &PredictionsBrowser::openSamplesRequested, this,
            [this](const std::vector<int> &samples, const QString &title) {
                QVariantList list;
                for (int s : samples)
                    list << s;
                if (context().navigate)
                    context().navigate(QStringLiteral("dataset"),
                                       {{QStringLiteral("samples"), list}, {QStringLiteral("title"), title}});
            });

    m_tabs = new QTabWidget(this);
    m_tabs->setDocumentMode(true);
    m_tabs->addTab(overview, tr("&Overview"));
    m_tabs->addTab(m_confusion, tr("&Confusion"));
    m_tabs->addTab(m_curves, tr("ROC / &PR"));
    m_tabs->addTab(m_calibration, tr("C&alibration"));
    m_tabs->addTab(m_predictions, tr("Pre&dictions"));
    connect(m_tabs, &QTabWidget::currentChanged, this, [this] { saveViewState(); });

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 4, 6, 4);
    layout->setSpacing(3);
    layout->addWidget(bar);
    layout->addWidget(m_banner);
    layout->addWidget(m_summary);
    layout->addWidget(m_tabs, 1);
    presentHeadline();
}

QString ResultsPage::runsDir() const
{
    const ProjectDocument *doc = document();
    if (!doc || !doc->hasFolder()) return {};
    return QDir(doc->project().folder).filePath(QStringLiteral("runs"));
}

const QHash<QString, int> &ResultsPage::sampleIds()
{
    if (!m_sampleIdsValid) {
        m_sampleIds.clear();
        if (const ProjectDocument *doc = document()) {
            const auto &samples = doc->dataset().samples;
            m_sampleIds.reserve(qsizetype(samples.size()));
            for (int i = 0; i < int(samples.size()); ++i)
                m_sampleIds.insert(samples[std::size_t(i)].id(), i);
        }
        m_sampleIdsValid = true;
    }
    return m_sampleIds;
}

QVariantMap ResultsPage::restoredViewState()
{
    QVariantMap args;
    if (m_restored || !m_runDirs.isEmpty() || !document() || !document()->hasFolder()) return args;
    m_restored = true;
    auto state = fileio::readJsonObject(stateFile(document()));
    if (!state) return args;
    const QString run = state->value(QStringLiteral("run")).toString();
    if (project::RunFolder::isRun(run)) {
        args.insert(QStringLiteral("run"), run);
        args.insert(QStringLiteral("split"), state->value(QStringLiteral("split")).toString());
        QVariantList compare;
        for (const QJsonValue &v : state->value(QStringLiteral("compare")).toArray())
            if (project::RunFolder::isRun(v.toString())) compare << v.toString();
        args.insert(QStringLiteral("compare"), compare);
    }
    args.insert(QStringLiteral("tab"), state->value(QStringLiteral("tab")).toString());
    return args;
}

void ResultsPage::activate(const QVariantMap &arguments)
{
    Page::activate(arguments);
    // Without arguments: the view shown last time with this project (when its run still exists).
    const QVariantMap args = arguments.isEmpty() ? restoredViewState() : arguments;
    const QString run = args.value(QStringLiteral("run")).toString();
    const QString split = args.value(QStringLiteral("split")).toString();
    if (m_stale || arguments.isEmpty()) refreshRuns();
    if (!run.isEmpty()) {
        m_runDirs = QStringList{QDir::cleanPath(QFileInfo(run).absoluteFilePath())};
        for (const QVariant &v : args.value(QStringLiteral("compare")).toList())
            m_runDirs << QDir::cleanPath(QFileInfo(v.toString()).absoluteFilePath());
        if (!split.isEmpty()) m_split = split;
        load();
    } else if (!split.isEmpty() && split != m_split) {
        setSplit(split);
    }
    if (args.contains(QStringLiteral("tab"))) showTab(args.value(QStringLiteral("tab")).toString());
}

void ResultsPage::saveViewState() const
{
    const QString file = stateFile(document());
    if (file.isEmpty() || m_runDirs.isEmpty()) return;
    QJsonArray compare;
    for (int i = 1; i < m_runDirs.size(); ++i)
        compare.append(m_runDirs[i]);
    const QJsonObject state{{"run", m_runDirs.front()},
                            {"split", m_split},
                            {"compare", compare},
                            {"tab", kTabIds.value(m_tabs->currentIndex())}};
    QDir().mkpath(QFileInfo(file).path());
    (void)fileio::writeJson(file, state); // best effort: a view, nothing the user made
}

bool ResultsPage::isBusy() const
{
    return m_pendingLoads > 0 || m_pendingLists > 0 || m_predictions->isBusy() || m_packageRunning || m_evaluating;
}

bool ResultsPage::isSettled() const
{
    return !isBusy() && m_predictions->isSettled();
}

bool ResultsPage::showTab(const QString &id)
{
    const int i = int(kTabIds.indexOf(id));
    if (i < 0) return false;
    m_tabs->setCurrentIndex(i);
    return true;
}

void ResultsPage::refreshRuns()
{
    m_stale = false;
    const QString dir = runsDir();
    if (!jobs()) {
        m_available = listResultsRuns(dir);
        rebuildRunPicker();
        return;
    }
    ++m_pendingLists;
    jobs()->submit<std::vector<ResultsRun>>(
        JobManager::Kind::Io, tr("Read the runs' results"),
        [dir](JobControl &, const ProgressSink &) -> Result<std::vector<ResultsRun>> { return listResultsRuns(dir); },
        [this](const Result<std::vector<ResultsRun>> &r) {
            --m_pendingLists;
            if (!r) return;
            m_available = *r;
            rebuildRunPicker();
            // Nothing chosen yet: the newest run with results.
            if (m_runDirs.isEmpty() && !m_available.empty() && m_pendingLoads == 0) showRun(m_available.front().dir);
        },
        this);
}

void ResultsPage::rebuildRunPicker()
{
    const QSignalBlocker block(m_runPicker);
    m_runPicker->clear();
    for (const ResultsRun &r : m_available) {
        const QString when =
            r.created.isValid() ? r.created.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm")) : QString();
        m_runPicker->addItem(QStringLiteral("%1 · %2").arg(r.title, strategyDisplayName(r.strategy)), r.dir);
        m_runPicker->setItemData(
            m_runPicker->count() - 1,
            tr("%1\ncreated %2\nresults: %3").arg(r.dir, when, r.splits.join(QStringLiteral(", "))), Qt::ToolTipRole);
    }
    if (!m_runDirs.isEmpty()) {
        int pos = m_runPicker->findData(m_runDirs.front());
        if (pos < 0) {
            m_runPicker->addItem(QFileInfo(m_runDirs.front()).fileName(), m_runDirs.front());
            pos = m_runPicker->count() - 1;
        }
        m_runPicker->setCurrentIndex(pos);
    }
    if (m_available.empty() && m_runDirs.isEmpty()) {
        m_banner->setText(document() && document()->hasFolder()
                              ? tr("No run of this project has results yet. Train one on the Training page (a run "
                                   "is evaluated on the test split when it finishes), or evaluate a run with "
                                   "<tt>fopro eval RUN --split test</tt>.")
                              : tr("Save the project and train a run to see its results here."));
        m_banner->setVisible(true);
    }
    rebuildCompareMenu();
}

void ResultsPage::rebuildCompareMenu()
{
    QMenu *menu = m_compare->menu();
    menu->clear();
    for (const ResultsRun &r : m_available) {
        if (!m_runDirs.isEmpty() && r.dir == m_runDirs.front()) continue;
        QAction *a = menu->addAction(QStringLiteral("%1 · %2").arg(r.title, strategyDisplayName(r.strategy)));
        a->setCheckable(true);
        a->setChecked(m_runDirs.contains(r.dir));
        const QString dir = r.dir;
        connect(a, &QAction::toggled, this, [this, dir](bool on) {
            if (on)
                addComparison(dir);
            else
                removeComparison(dir);
        });
    }
    if (menu->isEmpty()) menu->addAction(tr("No other run has results"))->setEnabled(false);
    const int compared = std::max<int>(0, int(m_runDirs.size()) - 1);
    m_compare->setText(compared > 0 ? tr("Compare with (%1)").arg(compared) : tr("Compare with"));
}

void ResultsPage::showRun(const QString &runDir, const QString &split)
{
    const QString dir = QDir::cleanPath(QFileInfo(runDir).absoluteFilePath());
    QStringList dirs{dir};
    for (int i = 1; i < m_runDirs.size(); ++i)
        if (m_runDirs[i] != dir) dirs << m_runDirs[i];
    m_runDirs = dirs;
    if (!split.isEmpty()) m_split = split;
    load();
}

void ResultsPage::setSplit(const QString &split)
{
    if (split.isEmpty()) return;
    m_split = split;
    if (!m_runDirs.isEmpty()) load();
}

void ResultsPage::addComparison(const QString &runDir)
{
    const QString dir = QDir::cleanPath(QFileInfo(runDir).absoluteFilePath());
    if (m_runDirs.isEmpty()) {
        showRun(dir);
        return;
    }
    if (m_runDirs.contains(dir)) return;
    m_runDirs << dir;
    load();
}

void ResultsPage::removeComparison(const QString &runDir)
{
    const QString dir = QDir::cleanPath(QFileInfo(runDir).absoluteFilePath());
    const int i = int(m_runDirs.indexOf(dir));
    if (i <= 0) return;
    m_runDirs.removeAt(i);
    load();
}

void ResultsPage::load()
{
    if (m_runDirs.isEmpty()) return;
    // The split: the asked one when the main run has it, else test, else its first.
    QStringList splits = project::RunFolder(m_runDirs.front()).resultSplits();
    QString split = m_split;
    if (!splits.contains(split))
        split =
            splits.contains(QStringLiteral("test")) ? QStringLiteral("test") : splits.value(0, QStringLiteral("test"));
    m_split = split;
    {
        const QSignalBlocker block(m_splitPicker);
        m_splitPicker->clear();
        for (const QString &s : splits)
            m_splitPicker->addItem(s == QLatin1String("val") ? tr("validation") : s, s);
        m_splitPicker->setCurrentIndex(std::max(0, m_splitPicker->findData(split)));
    }
    const quint64 generation = ++m_generation;
    m_loadClock.start();
    const QHash<QString, int> ids = sampleIds();
    auto collected = std::make_shared<std::vector<std::shared_ptr<RunResults>>>(m_runDirs.size());
    auto errors = std::make_shared<QStringList>();
    auto remaining = std::make_shared<int>(int(m_runDirs.size()));
    m_summary->setText(tr("Reading the results…"));
    for (int i = 0; i < m_runDirs.size(); ++i) {
        ++m_pendingLoads;
        const QString dir = m_runDirs[i];
        auto deliver = [this, generation, collected, errors, remaining, i, dir](const Result<RunResults> &r) {
            --m_pendingLoads;
            if (r)
                (*collected)[std::size_t(i)] = std::make_shared<RunResults>(*r);
            else if (r.error().code != ErrorCode::Cancelled)
                *errors << tr("%1: %2").arg(QFileInfo(dir).fileName(), r.error().message());
            if (--*remaining > 0 || generation != m_generation) return;
            m_results.clear();
            QStringList dirs;
            for (std::size_t k = 0; k < collected->size(); ++k)
                if ((*collected)[k]) {
                    m_results.push_back((*collected)[k]);
                    dirs << (*collected)[k]->dir;
                } else if (k == 0) {
                    break; // without the main run there is nothing to compare with
                }
            if (!errors->isEmpty()) {
                m_banner->setText(tr("Some results could not be read:\n%1").arg(errors->join(QLatin1Char('\n'))));
                m_banner->setVisible(true);
            } else {
                m_banner->setVisible(false);
            }
            present();
            m_lastLoadMs = m_loadClock.elapsed();
            saveViewState();
        };
        if (jobs())
            jobs()->submit<RunResults>(JobManager::Kind::Io,
                                       tr("Read the results of %1").arg(QFileInfo(dir).fileName()),
                                       loadRunResultsJob(dir, split, ids), deliver, this);
        else
            deliver(loadRunResults(dir, split, ids));
    }
}

void ResultsPage::present()
{
    const RunResults *r = results();
    rebuildRunPicker();
    presentHeadline();
    std::vector<const RunResults *> runs;
    for (const auto &p : m_results)
        runs.push_back(p.get());
    m_classModel->setRuns(runs);
    // Compact columns, so that the main run's eight fit beside the plot at 1024 px.
    QHeaderView *ch = m_classTable->horizontalHeader();
    m_classTable->resizeColumnToContents(ClassTableModel::ClassColumn);
    const int widths[] = {0, 62, 56, 62, 68, 58, 52, 52};
    for (int c = ClassTableModel::GroupColumn; c < ClassTableModel::FixedColumnCount; ++c)
        ch->resizeSection(c, widths[c]);
    for (int c = ClassTableModel::FixedColumnCount; c < m_classModel->columnCount(); ++c)
        ch->resizeSection(c, 74);
    if (!r) {
        m_summary->clear();
        m_confusion->clear();
        m_curves->setCurves({}, {}, {}, {});
        m_calibration->clear();
        m_recall->setSeries({}, -1, -1);
        m_predictions->setRuns(nullptr, nullptr);
        Q_EMIT resultsShown();
        return;
    }
    QString summary =
        tr("<b>%1</b> · %2 · %3 split: %4 images, %5 classes")
            .arg(r->title.toHtmlEscaped(),
                 strategyDisplayName(
                     r->header.value(QStringLiteral("config")).toObject().value(QStringLiteral("strategy")).toString()),
                 r->split == QLatin1String("val") ? tr("validation") : r->split)
            .arg(r->predictions.size())
            .arg(r->numClasses());
    if (!r->warnings.isEmpty())
        summary += QStringLiteral(" · <i>%1</i>").arg(r->warnings.join(QStringLiteral("; ")).toHtmlEscaped());
    m_summary->setText(summary);

    // Recall against training images, one series per run.
    std::vector<RecallPlot::Series> series;
    for (const auto &run : m_results) {
        RecallPlot::Series s;
        s.run = run->title;
        for (const ClassResult &c : run->classes) {
            if (c.trainCount <= 0) continue;
            RecallPlot::Point p;
            p.name = c.name;
            p.trainCount = c.trainCount;
            p.recall = c.recall;
            p.group = c.group == QLatin1String("head") ? 0 : c.group == QLatin1String("medium") ? 1 : 2;
            s.points.push_back(p);
        }
        series.push_back(std::move(s));
    }
    m_recall->setSeries(series, r->headline.many, r->headline.few);
    m_confusion->setMatrix(r->confusion, r->classNames);
    std::vector<int> support;
    for (int k = 0; k < r->numClasses(); ++k)
        support.push_back(r->confusion.rowSum(k));
    m_curves->setCurves(r->classNames, r->roc, r->pr, support);
    m_calibration->setResults(r->calibration, r->temperature, r->split);
    m_predictions->setRuns(m_results.front(), m_results.size() > 1 ? m_results[1] : nullptr);
    Q_EMIT resultsShown();
}

void ResultsPage::presentHeadline()
{
    const QStringList headers = {tr("Balanced\naccuracy"), tr("Macro-F1"),           tr("MCC"),
                                 tr("Cohen's κ"),          tr("ROC-AUC\nmacro OvR"), tr("ECE"),
                                 tr("Head\nrecall"),       tr("Medium\nrecall"),     tr("Tail\nrecall")};
    const QStringList tips = {
        tr("Mean recall over the classes (sklearn balanced_accuracy_score)"),
        tr("Unweighted mean F1 over the classes"),
        tr("Matthews correlation coefficient (multi-class)"),
        tr("Cohen's kappa: agreement beyond chance"),
        tr("Area under the ROC curve, one class against the rest, averaged over the classes"),
        tr("Expected calibration error: how far the confidence is from the accuracy (lower is better)"),
        tr("Mean recall of the head classes (many training images)"),
        tr("Mean recall of the medium classes"),
        tr("Mean recall of the tail classes (few training images)")};
    const int runs = int(m_results.size());
    const int rows = runs == 0 ? 1 : 1 + 2 * (runs - 1);
    m_headline->clear();
    m_headline->setColumnCount(HeadlineColumnCount);
    m_headline->setRowCount(rows);
    for (int c = 0; c < HeadlineColumnCount; ++c) {
        auto *item = new QTableWidgetItem(headers[c]);
        item->setToolTip(tips[c]);
        m_headline->setHorizontalHeaderItem(c, item);
    }
    QStringList rowNames;
    const auto setRow = [&](int row, const Headline &h, const Headline *reference) {
        for (int c = 0; c < HeadlineColumnCount; ++c) {
            const double v = headlineValue(h, c);
            auto *item = new QTableWidgetItem;
            item->setTextAlignment(Qt::AlignCenter);
            if (reference) {
                const double ref = headlineValue(*reference, c);
                item->setText(percentPointDeltaText(v, ref));
                const double pp = std::round((v - ref) * 1000.0) / 10.0;
                if (std::isfinite(pp) && pp != 0) {
                    const bool better = c == EceColumn ? pp < 0 : pp > 0;
                    item->setForeground(better ? ClassTableModel::betterColor() : ClassTableModel::worseColor());
                }
            } else {
                item->setText(metricText(v));
                QFont f = item->font();
                f.setBold(row == 0);
                item->setFont(f);
            }
            item->setData(Qt::UserRole, v);
            m_headline->setItem(row, c, item);
        }
    };
    if (runs == 0) {
        setRow(0, Headline{}, nullptr);
        rowNames << tr("–");
    } else {
        setRow(0, m_results.front()->headline, nullptr);
        const QString t0 = m_results.front()->title;
        rowNames << (t0.size() > 22 ? t0.left(21) + QChar(0x2026) : t0);
        for (int i = 1; i < runs; ++i) {
            setRow(2 * i - 1, m_results[std::size_t(i)]->headline, nullptr);
            setRow(2 * i, m_results[std::size_t(i)]->headline, &m_results.front()->headline);
            const QString t = m_results[std::size_t(i)]->title;
            const QString shortTitle = t.size() > 22 ? t.left(21) + QChar(0x2026) : t;
            rowNames << shortTitle << tr("Δ %1").arg(shortTitle.left(16));
        }
    }
    m_headline->setVerticalHeaderLabels(rowNames);
    m_headline->resizeRowsToContents();
    const int height = m_headline->horizontalHeader()->sizeHint().height() + rows * 22 + 2 * m_headline->frameWidth();
    m_headline->setFixedHeight(height);

    if (const RunResults *r = results()) {
        const Headline &h = r->headline;
        m_thresholds->setText(h.many >= 0 ? tr("Groups by training images per class: head > %1 (classes: %2), medium "
                                               "%3–%1 (%4), tail < %3 (%5). Double-click a class to see its "
                                               "predictions.")
                                                .arg(h.many)
                                                .arg(h.headClasses)
                                                .arg(h.few)
                                                .arg(h.mediumClasses)
                                                .arg(h.tailClasses)
                                          : tr("The results file records no head / medium / tail groups."));
    } else {
        m_thresholds->clear();
    }
}

QString ResultsPage::headlineText(HeadlineColumn column, int run, bool delta) const
{
    const int row = run == 0 ? 0 : (delta ? 2 * run : 2 * run - 1);
    const QTableWidgetItem *item = m_headline->item(row, column);
    return item ? item->text() : QString();
}

void ResultsPage::openCell(int trueClass, int predictedClass)
{
    const RunResults *r = results();
    if (!r) return;
    const std::vector<int> samples = r->cellSamples(trueClass, predictedClass);
    const int n = r->confusion.count(trueClass, predictedClass);
    const QString title = tr("true %1 predicted as %2 (%3)")
                              .arg(r->classNames.value(trueClass), r->classNames.value(predictedClass))
                              .arg(n);
    if (samples.empty()) {
        Q_EMIT statusMessage(n == 0 ? tr("No image is %1.").arg(title)
                                    : tr("The images of %1 are not in the project's dataset.").arg(title));
        return;
    }
    QVariantList list;
    for (int s : samples)
        list << s;
    if (context().navigate)
        context().navigate(QStringLiteral("dataset"),
                           {{QStringLiteral("samples"), list}, {QStringLiteral("title"), title}});
}

void ResultsPage::evaluateValidation()
{
    const RunResults *r = results();
    if (!r || m_evaluating) return;
    m_evaluating = true;
    m_calibration->evaluateButton()->setEnabled(false);
    const QString dir = r->dir;
    jobs()->submit<ml::SplitEvaluation>(
        JobManager::Kind::Training, tr("Evaluate %1 on the validation split").arg(r->name),
        ml::evaluateJob(dir, QStringLiteral("val")),
        [this](const Result<ml::SplitEvaluation> &e) {
            m_evaluating = false;
            m_calibration->evaluateButton()->setEnabled(true);
            if (!e) {
                if (e.error().code != ErrorCode::Cancelled)
                    QMessageBox::warning(this, tr("Cannot evaluate"), e.error().message());
                return;
            }
            Q_EMIT statusMessage(tr("Evaluated on the validation split"));
            load();
        },
        this);
}

void ResultsPage::retrain()
{
    const RunResults *r = results();
    if (!r || !context().navigate) return;
    context().navigate(QStringLiteral("training"), {{QStringLiteral("clone"), r->dir}});
}

Result<void> ResultsPage::exportClassTable(const QString &file) const
{
    return fileio::writeAtomically(file, m_classModel->csv().toUtf8());
}

void ResultsPage::askExportClassTable()
{
    if (!results()) return;
    const QString file = QFileDialog::getSaveFileName(
        this, tr("Save the per-class table"), QStringLiteral("%1-%2-per-class.csv").arg(results()->name, m_split),
        tr("CSV (*.csv)"));
    if (file.isEmpty()) return;
    if (auto w = exportClassTable(file); !w)
        QMessageBox::warning(this, tr("Cannot save"), w.error().message());
    else
        Q_EMIT statusMessage(tr("Saved %1").arg(file));
}

ReportInput ResultsPage::reportInput()
{
    ReportInput in;
    in.run = results();
    if (!in.run) return in;
    for (std::size_t i = 1; i < m_results.size(); ++i)
        in.compared.push_back(m_results[i].get());
    if (const ProjectDocument *doc = document()) {
        in.projectName = doc->project().name;
        in.demo = doc->project().demo;
    }
    // The page's own plots, rendered at a size that reads well on paper.
    in.plots.insert(QStringLiteral("recall"), plotImage(m_recall->plot(), 760, 380));
    in.plots.insert(QStringLiteral("confusion"), plotImage(m_confusion->plot(), 700, 600));
    const int shown = m_curves->shownClass();
    m_curves->showClass(-1);
    in.plots.insert(QStringLiteral("roc"), plotImage(m_curves->rocPlot(), 700, 480));
    in.plots.insert(QStringLiteral("pr"), plotImage(m_curves->prPlot(), 700, 480));
    m_curves->showClass(shown);
    in.plots.insert(QStringLiteral("reliability"), plotImage(m_calibration->plot(), 640, 400));
    return in;
}

Result<void> ResultsPage::exportReport(const QString &htmlFile, const QString &pdfFile)
{
    if (!results()) return makeError(ErrorCode::InvalidArgument, {}, tr("no results are shown"));
    return writeReport(reportInput(), htmlFile, pdfFile);
}

void ResultsPage::askExportReport()
{
    const RunResults *r = results();
    if (!r) {
        QMessageBox::information(this, tr("Export report"), tr("Choose a run with results first."));
        return;
    }
    const QString suggested = QDir(r->dir).filePath(QStringLiteral("report-%1.html").arg(m_split));
    const QString html = QFileDialog::getSaveFileName(this, tr("Save the report"), suggested, tr("HTML (*.html)"));
    if (html.isEmpty()) return;
    const QString pdf =
        QFileInfo(html).path() + QLatin1Char('/') + QFileInfo(html).completeBaseName() + QStringLiteral(".pdf");
    if (auto w = exportReport(html, pdf); !w) {
        QMessageBox::warning(this, tr("Cannot write the report"), w.error().message());
        return;
    }
    Q_EMIT statusMessage(tr("Report written: %1 and %2").arg(html, pdf));
    if (QMessageBox::question(this, tr("Study package"),
                              tr("The report is written:\n%1\n%2\n\nAlso write a study package (configuration, "
                                 "dataset manifest and its hash, the exported model, the results and this report, "
                                 "all hashed) that `fopro eval` can re-check?")
                                  .arg(html, pdf),
                              QMessageBox::Yes | QMessageBox::No, QMessageBox::No) == QMessageBox::Yes)
        writeStudyPackage(html, pdf);
}

void ResultsPage::writeStudyPackage(const QString &htmlFile, const QString &pdfFile)
{
    const RunResults *r = results();
    if (!r || m_packageRunning) return;
    const QString parent = QFileDialog::getExistingDirectory(this, tr("Folder to create the study package in"),
                                                             QFileInfo(htmlFile).path());
    if (parent.isEmpty()) return;
    writeStudyPackageTo(QDir(parent).filePath(QStringLiteral("%1-study-package").arg(r->name)), {htmlFile, pdfFile},
                        true);
}

bool ResultsPage::writeStudyPackageTo(const QString &outDir, const QStringList &reportFiles, bool showErrors)
{
    const RunResults *r = results();
    if (!r || m_packageRunning) return false;
    const QString runDir = r->dir;
    m_packageRunning = true;
    jobs()->submit<QString>(
        JobManager::Kind::Io, tr("Write the study package"),
        [runDir, outDir, reportFiles](JobControl &, const ProgressSink &) -> Result<QString> {
            // The package carries the exported model: export the run first when it has none.
            QString model = project::RunFolder(runDir).path(QStringLiteral("export/model.pt"));
            if (!QFileInfo::exists(model)) {
                auto exported = ml::exportRun(runDir);
                if (!exported) return exported.error();
                model = *exported;
            }
            project::StudyPackageInput in;
            in.runDir = runDir;
            in.exportedModel = model;
            in.reportFiles = reportFiles;
            return project::writeStudyPackage(in, outDir);
        },
        [this, showErrors](const Result<QString> &r) {
            m_packageRunning = false;
            if (!r) {
                if (showErrors) QMessageBox::warning(this, tr("Cannot write the study package"), r.error().message());
                Q_EMIT studyPackageWritten(QString(), r.error().message());
                return;
            }
            Q_EMIT statusMessage(tr("Study package written: %1 (check it with fopro eval)").arg(*r));
            Q_EMIT studyPackageWritten(*r, QString());
        },
        this);
    return true;
}

} // namespace fopro::ui
