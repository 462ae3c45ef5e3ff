// The run history offscreen, on three run folders written by hand with RunFolder (plus a folder
// that is not a run): the table's rows and formatted cells against hand-computed values, sorting,
// statusText of an interrupted run, the live run (its status text, not deletable, not
// resumable), notes round trips through the injected dialogs (rename, annotate, archive with
// "Show archived"), clone, delete (the injected confirmation keeps or removes the folder),
// RunFolder::remove refusing a non-run folder, and the comparison's Δ column against
// hand-computed differences. Screenshots of the history with a comparison at 620×560 go to
// /tmp/runhistory.png and /tmp/runhistory-metrics.png.
#include "core/common/fileio.h"
#include "core/jobs/jobmanager.h"
#include "core/ml/strategies.h"
#include "core/ml/trainconfig.h"
#include "core/project/runfolder.h"
#include "tests/support/testsupport.h"
#include "ui/training/curveplot.h"
#include "ui/training/runcompareview.h"
#include "ui/training/runhistoryview.h"

#include <QtGui/QAction>
#include <QtTest/QAbstractItemModelTester>
#include <QtTest/QtTest>
#include <QtWidgets/QCheckBox>
#include <QtWidgets/QLabel>
#include <QtWidgets/QTabWidget>
#include <QtWidgets/QTableView>
#include <QtWidgets/QTableWidget>

#include <cmath>

using namespace fopro;
using project::EpochRecord;
using project::RunFolder;
using ui::RunCompareView;
using ui::RunHistoryView;

namespace {

struct Val {
    double bal, f1, head, medium, tail;
};

EpochRecord epoch(int n, double loss, const Val &v, double seconds, bool best)
{
    EpochRecord e;
    e.epoch = n;
    e.lr = 1e-3;
    e.losses = {{QStringLiteral("loss"), loss}, {QStringLiteral("ce"), loss * 0.8}};
    e.valAccuracy = v.bal + 0.05;
    e.valBalancedAccuracy = v.bal;
    e.valMacroF1 = v.f1;
    e.valHeadRecall = v.head;
    e.valMediumRecall = v.medium;
    e.valTailRecall = v.tail;
    e.seconds = seconds;
    e.imagesPerSecond = 100;
    e.best = best;
    return e;
}

QJsonObject testMetrics(double bal, double f1, double head, double medium, double tail)
{
    const auto group = [](double r) { return QJsonObject{{"meanRecall", r}, {"classes", QJsonArray{0}}}; };
    return QJsonObject{
        {"split", "test"},
        {"accuracy", bal + 0.02},
        {"balancedAccuracy", bal},
        {"macroF1", f1},
        {"tailGroups",
         QJsonObject{
             {"many", 100}, {"few", 20}, {"head", group(head)}, {"medium", group(medium)}, {"tail", group(tail)}}}};
}

/// Writes a run folder: header (TrainConfig::toJson), status, epochs and optional test metrics.
bool writeRun(const QString &dir, const ml::TrainConfig &config, const QString &created,
              const project::RunStatus &status, const std::vector<EpochRecord> &epochs, const QJsonObject &test = {})
{
    auto run = RunFolder::create(dir);
    if (!run) return false;
    QJsonObject header{{"config", config.toJson()},
                       {"created", created},
                       {"dataset", QJsonObject{{"manifest", "/data/demo/dataset.json"}}}};
    if (!run->writeHeader(header)) return false;
    if (!run->writeStatus(status)) return false;
    if (!run->writeEpochs(epochs)) return false;
    if (!test.isEmpty() && !fileio::writeJson(run->metricsFile(QStringLiteral("test")), test)) return false;
    return true;
}

project::RunStatus status(const QString &state, int done, int total, int bestEpoch, double best,
                          const QString &detail = {})
{
    project::RunStatus s;
    s.state = state;
    s.epochsDone = done;
    s.epochs = total;
    s.bestEpoch = bestEpoch;
    s.bestValBalancedAccuracy = best;
    s.detail = detail;
    return s;
}

/// The proxy row of a run, -1 when not shown.
int rowOf(const QAbstractItemModel *m, const QString &dir)
{
    for (int r = 0; r < m->rowCount(); ++r)
        if (m->index(r, 0).data(RunHistoryView::DirRole).toString() == dir) return r;
    return -1;
}

QString cell(const QAbstractItemModel *m, const QString &dir, int column)
{
    const int r = rowOf(m, dir);
    return r < 0 ? QStringLiteral("<no row>") : m->index(r, column).data().toString();
}

QStringList columnOrder(const QAbstractItemModel *m)
{
    QStringList dirs;
    for (int r = 0; r < m->rowCount(); ++r)
        dirs << QFileInfo(m->index(r, 0).data(RunHistoryView::DirRole).toString()).fileName();
    return dirs;
}

const QString kMinus = QString(QChar(0x2212));

} // namespace

class TestRunHistory : public QObject {
    Q_OBJECT
    QTemporaryDir m_tmp;
    JobManager m_jobs;
    QString m_runs, m_a, m_b, m_c, m_notRun;
    RunHistoryView *m_view = nullptr;
    QStringList m_questions;
    bool m_answer = false;
    QString m_text;

    void waitLoaded()
    {
        QTRY_VERIFY(!m_view->isLoading());
        QTRY_VERIFY(!m_view->compareView()->isLoading());
    }

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true); // the trash of moveToTrash goes to the test folders
        QVERIFY(m_tmp.isValid());
        m_runs = QDir(m_tmp.path()).filePath(QStringLiteral("project/runs"));
        m_a = RunFolder(QDir(m_runs).filePath(QStringLiteral("20240101-100000-bsm"))).dir();
        m_b = RunFolder(QDir(m_runs).filePath(QStringLiteral("20240102-100000-fopro_kd"))).dir();
        m_c = RunFolder(QDir(m_runs).filePath(QStringLiteral("20240103-100000-ce"))).dir();
        m_notRun = QDir(m_runs).filePath(QStringLiteral("notes-by-hand"));

        // A: Balanced Softmax, CIFAR ResNet ×0.5 [1,1,1,1], finished 3/3, tested.
        ml::TrainConfig a;
        a.strategy = ml::Strategy::BalancedSoftmax;
        a.student.architecture = "cifar_resnet";
        a.student.widthMultiplier = 0.5;
        a.student.cifarBlocks = {{1, 1, 1, 1}};
        a.epochs = 3;
        QVERIFY(writeRun(m_a, a, QStringLiteral("2024-01-01T10:00:00Z"), status("finished", 3, 3, 2, 0.75),
                         {epoch(1, 1.5, {0.60, 0.55, 0.70, 0.60, 0.50}, 100, true),
                          epoch(2, 1.2, {0.75, 0.70, 0.80, 0.72, 0.65}, 110, true),
                          epoch(3, 1.0, {0.72, 0.69, 0.82, 0.70, 0.60}, 120, false)},
                         testMetrics(0.70, 0.68, 0.80, 0.70, 0.55)));

        // B: FoPro-KD with a TF.js teacher, ResNet-18, stopped at 2/10, tested.
        ml::TrainConfig b;
        b.strategy = ml::Strategy::FoProKd;
        b.teacher.path = QStringLiteral("/models/mobilenet/model.json");
        b.teacher.outputLayer = QStringLiteral("conv_pw_13_relu");
        b.epochs = 10;
        QVERIFY(writeRun(m_b, b, QStringLiteral("2024-01-02T10:00:00Z"), status("cancelled", 2, 10, 2, 0.80),
                         {epoch(1, 2.0, {0.70, 0.66, 0.80, 0.70, 0.60}, 600, true),
                          epoch(2, 1.6, {0.80, 0.78, 0.85, 0.80, 0.70}, 660, true)},
                         testMetrics(0.78, 0.74, 0.86, 0.77, 0.60)));

        // C: cross-entropy (its configuration names a teacher it does not use), "running" on disk
        // without a worker: interrupted; no test results.
        ml::TrainConfig c;
        c.strategy = ml::Strategy::CrossEntropy;
        c.teacher.path = QStringLiteral("/models/unused/model.json");
        c.epochs = 5;
        QVERIFY(writeRun(m_c, c, QStringLiteral("2024-01-03T10:00:00Z"), status("running", 1, 5, 1, 0.5),
                         {epoch(1, 2.5, {0.50, 0.45, 0.60, 0.50, 0.40}, 30, true)}));

        // Not runs: a folder of notes, and the live workers' folder.
        QVERIFY(test::writeText(QDir(m_notRun).filePath(QStringLiteral("readme.txt")), "not a run"));
        QVERIFY(QDir().mkpath(QDir(m_runs).filePath(QStringLiteral(".workers/w1"))));

        m_view = new RunHistoryView(&m_jobs);
        m_view->setConfirm([this](const QString &q) {
            m_questions << q;
            return m_answer;
        });
        m_view->setAskText([this](const QString &, const QString &) { return m_text; });
        m_view->setAskNote([this](const QString &, const QString &) { return m_text; });
        m_view->resize(620, 560);
        m_view->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_view));
        new QAbstractItemModelTester(m_view->sourceModel(), QAbstractItemModelTester::FailureReportingMode::QtTest,
                                     this);
        new QAbstractItemModelTester(m_view->model(), QAbstractItemModelTester::FailureReportingMode::QtTest, this);
        QSignalSpy loaded(m_view, &RunHistoryView::loaded);
        m_view->setRunsFolder(m_runs);
        QVERIFY(m_view->isLoading());
        QTRY_VERIFY(!loaded.isEmpty());
        waitLoaded();
    }

    void cleanupTestCase() { delete m_view; }

    void details()
    {
        auto a = RunFolder::details(m_a, ui::strategyHasTeacher);
        QVERIFY2(a.ok(), qPrintable(a.error().message()));
        QCOMPARE(a->title, QStringLiteral("20240101-100000-bsm"));
        QCOMPARE(a->strategy, QStringLiteral("bsm"));
        QCOMPARE(a->student, QStringLiteral("CIFAR ResNet w0.5 [1,1,1,1]"));
        QVERIFY(a->teacher.isEmpty());
        QCOMPARE(a->epochsDone, 3);
        QCOMPARE(a->epochsTotal, 3);
        QCOMPARE(a->bestValBalancedAccuracy, 0.75);
        QCOMPARE(a->testBalancedAccuracy, 0.70);
        QCOMPARE(a->testTailRecall, 0.55);
        QCOMPARE(a->seconds, 330.0);
        QCOMPARE(a->created, QDateTime(QDate(2024, 1, 1), QTime(10, 0), Qt::UTC));
        QCOMPARE(project::statusText(*a), QStringLiteral("finished"));

        auto c = RunFolder::details(m_c, ui::strategyHasTeacher);
        QVERIFY(c.ok());
        QVERIFY(std::isnan(c->testBalancedAccuracy));
        QVERIFY(std::isnan(c->testTailRecall));
        QVERIFY(c->teacher.isEmpty()); // ce uses no teacher, whatever its configuration says
        QCOMPARE(project::statusText(*c), QStringLiteral("interrupted (resumable)"));
        QVERIFY(project::isResumable(*c));
        c->live = true;
        QCOMPARE(project::statusText(*c), QStringLiteral("running"));
        QVERIFY(!project::isResumable(*c));
        c->live = false;
        c->status.state = QStringLiteral("paused");
        QCOMPARE(project::statusText(*c), QStringLiteral("interrupted (resumable)"));
        c->status.state = QStringLiteral("failed");
        c->status.detail = QStringLiteral("out of memory");
        QCOMPARE(project::statusText(*c), QStringLiteral("failed: out of memory"));
        c->status.state = QStringLiteral("cancelled");
        QCOMPARE(project::statusText(*c), QStringLiteral("stopped (resumable)"));

        // Without a predicate the configuration decides; the list is newest first and skips non-runs.
        auto c2 = RunFolder::details(m_c);
        QCOMPARE(c2->teacher, QStringLiteral("unused/model.json"));
        const auto all = RunFolder::listDetails(m_runs);
        QCOMPARE(int(all.size()), 3);
        QCOMPARE(all[0].dir, m_c);
        QCOMPARE(all[2].dir, m_a);
        QVERIFY(!RunFolder::details(m_notRun).ok());
    }

    void tableCells()
    {
        const QAbstractItemModel *m = m_view->model();
        QCOMPARE(m->rowCount(), 3);
        QCOMPARE(m->columnCount(), int(RunHistoryView::ColumnCount));
        // Newest first.
        QCOMPARE(columnOrder(m),
                 (QStringList{QStringLiteral("20240103-100000-ce"), QStringLiteral("20240102-100000-fopro_kd"),
                              QStringLiteral("20240101-100000-bsm")}));
        const QString dash = QStringLiteral("–");

        QCOMPARE(cell(m, m_a, RunHistoryView::RunColumn), QStringLiteral("20240101-100000-bsm"));
        QCOMPARE(cell(m, m_a, RunHistoryView::StatusColumn), QStringLiteral("finished"));
        QCOMPARE(cell(m, m_a, RunHistoryView::StrategyColumn), ml::findStrategy(QStringLiteral("bsm"))->displayName);
        QCOMPARE(cell(m, m_a, RunHistoryView::TeacherColumn), dash);
        QCOMPARE(cell(m, m_a, RunHistoryView::StudentColumn), QStringLiteral("CIFAR ResNet w0.5 [1,1,1,1]"));
        QCOMPARE(cell(m, m_a, RunHistoryView::EpochsColumn), QStringLiteral("3/3"));
        QCOMPARE(cell(m, m_a, RunHistoryView::BestValColumn), QStringLiteral("75.0%"));
        QCOMPARE(cell(m, m_a, RunHistoryView::TestBalancedColumn), QStringLiteral("70.0%"));
        QCOMPARE(cell(m, m_a, RunHistoryView::TestTailColumn), QStringLiteral("55.0%"));
        QCOMPARE(cell(m, m_a, RunHistoryView::DurationColumn), QStringLiteral("6 min")); // 100 + 110 + 120 s
        QCOMPARE(cell(m, m_a, RunHistoryView::DateColumn),
                 QDateTime(QDate(2024, 1, 1), QTime(10, 0), Qt::UTC).toLocalTime().toString("yyyy-MM-dd HH:mm"));

        QCOMPARE(cell(m, m_b, RunHistoryView::StatusColumn), QStringLiteral("stopped (resumable)"));
        QCOMPARE(cell(m, m_b, RunHistoryView::StrategyColumn),
                 ml::findStrategy(QStringLiteral("fopro_kd"))->displayName);
        QCOMPARE(cell(m, m_b, RunHistoryView::TeacherColumn), QStringLiteral("mobilenet/model.json · conv_pw_13_relu"));
        QCOMPARE(cell(m, m_b, RunHistoryView::StudentColumn), QStringLiteral("ResNet-18"));
        QCOMPARE(cell(m, m_b, RunHistoryView::EpochsColumn), QStringLiteral("2/10"));
        QCOMPARE(cell(m, m_b, RunHistoryView::BestValColumn), QStringLiteral("80.0%"));
        QCOMPARE(cell(m, m_b, RunHistoryView::TestBalancedColumn), QStringLiteral("78.0%"));
        QCOMPARE(cell(m, m_b, RunHistoryView::TestTailColumn), QStringLiteral("60.0%"));
        QCOMPARE(cell(m, m_b, RunHistoryView::DurationColumn), QStringLiteral("21 min")); // 600 + 660 s

        QCOMPARE(cell(m, m_c, RunHistoryView::StatusColumn), QStringLiteral("interrupted (resumable)"));
        QCOMPARE(cell(m, m_c, RunHistoryView::TeacherColumn), dash);
        QCOMPARE(cell(m, m_c, RunHistoryView::EpochsColumn), QStringLiteral("1/5"));
        QCOMPARE(cell(m, m_c, RunHistoryView::BestValColumn), QStringLiteral("50.0%"));
        QCOMPARE(cell(m, m_c, RunHistoryView::TestBalancedColumn), dash);
        QCOMPARE(cell(m, m_c, RunHistoryView::TestTailColumn), dash);
        QCOMPARE(cell(m, m_c, RunHistoryView::DurationColumn), QStringLiteral("30 s"));

        // Formatting helpers.
        QCOMPARE(ui::percentText(0.8134), QStringLiteral("81.3%"));
        QCOMPARE(ui::percentText(qQNaN()), dash);
        QCOMPARE(ui::shortDurationText(42), QStringLiteral("42 s"));
        QCOMPARE(ui::shortDurationText(12 * 60 + 10), QStringLiteral("12 min"));
        QCOMPARE(ui::shortDurationText(3600 + 5 * 60), QStringLiteral("1 h 05 min"));
        QCOMPARE(ui::percentPointDeltaText(0.80, 0.75), QStringLiteral("+5.0 pp"));
        QCOMPARE(ui::percentPointDeltaText(0.729, 0.75), kMinus + QStringLiteral("2.1 pp"));
        QCOMPARE(ui::percentPointDeltaText(0.7500001, 0.75), QStringLiteral("+0.0 pp"));
        QCOMPARE(ui::percentPointDeltaText(qQNaN(), 0.75), dash);
    }

    void sorting()
    {
        QTableView *t = m_view->table();
        t->sortByColumn(RunHistoryView::BestValColumn, Qt::AscendingOrder);
        QCOMPARE(columnOrder(m_view->model()),
                 (QStringList{QStringLiteral("20240103-100000-ce"), QStringLiteral("20240101-100000-bsm"),
                              QStringLiteral("20240102-100000-fopro_kd")}));
        t->sortByColumn(RunHistoryView::TestBalancedColumn, Qt::DescendingOrder); // missing last
        QCOMPARE(columnOrder(m_view->model()),
                 (QStringList{QStringLiteral("20240102-100000-fopro_kd"), QStringLiteral("20240101-100000-bsm"),
                              QStringLiteral("20240103-100000-ce")}));
        t->sortByColumn(RunHistoryView::DurationColumn, Qt::AscendingOrder); // 30 s, 330 s, 1260 s
        QCOMPARE(columnOrder(m_view->model()),
                 (QStringList{QStringLiteral("20240103-100000-ce"), QStringLiteral("20240101-100000-bsm"),
                              QStringLiteral("20240102-100000-fopro_kd")}));
        t->sortByColumn(RunHistoryView::DateColumn, Qt::DescendingOrder);
        QCOMPARE(rowOf(m_view->model(), m_c), 0);
    }

    void actionsFollowSelection()
    {
        m_view->selectRuns({m_a});
        QCOMPARE(m_view->selectedRuns(), QStringList{m_a});
        QVERIFY(!m_view->compareAction()->isEnabled());
        QVERIFY(m_view->cloneAction()->isEnabled());
        QVERIFY(m_view->resumeAction()->isEnabled()); // finished: can be extended
        QVERIFY(m_view->deleteAction()->isEnabled());
        m_view->selectRuns({m_a, m_b});
        QVERIFY(m_view->compareAction()->isEnabled());
        QCOMPARE(m_view->renameAction()->shortcut(), QKeySequence(Qt::Key_F2));
        QCOMPARE(m_view->deleteAction()->shortcut(), QKeySequence(QKeySequence::Delete));
        QCOMPARE(m_view->compareAction()->shortcut(), QKeySequence(QStringLiteral("Ctrl+D")));
        QVERIFY(m_view->actions().contains(m_view->deleteAction()));

        QSignalSpy resume(m_view, &RunHistoryView::resumeRequested);
        m_view->selectRuns({m_c});
        QVERIFY(m_view->resumeAction()->isEnabled()); // interrupted
        m_view->resumeAction()->trigger();
        QCOMPARE(resume.size(), 1);
        QCOMPARE(resume.takeFirst().at(0).toString(), m_c);
    }

    void clone()
    {
        QSignalSpy spy(m_view, &RunHistoryView::cloneRequested);
        m_view->selectRuns({m_b});
        m_view->cloneAction()->trigger();
        QCOMPARE(spy.size(), 1);
        const QJsonObject config = spy.takeFirst().at(0).toJsonObject();
        QCOMPARE(config, *RunFolder(m_b).readConfig());
        QCOMPARE(config.value("strategy").toString(), QStringLiteral("fopro_kd"));
        QCOMPARE(config.value("epochs").toInt(), 10);
    }

    void notesRoundTrip()
    {
        m_view->selectRuns({m_a});
        m_text = QString(); // cancelled: nothing changes
        m_view->renameAction()->trigger();
        QVERIFY(!QFileInfo::exists(RunFolder(m_a).notesFile()));

        m_text = QStringLiteral("  Baseline BSM ");
        m_view->renameAction()->trigger();
        QCOMPARE(cell(m_view->model(), m_a, RunHistoryView::RunColumn), QStringLiteral("Baseline BSM"));
        QCOMPARE(RunFolder(m_a).readNotes().title, QStringLiteral("Baseline BSM"));

        m_text = QStringLiteral("lr too high?\nretry with 1e-4");
        m_view->annotateAction()->trigger();
        QCOMPARE(RunFolder(m_a).readNotes().note, m_text);
        const int row = rowOf(m_view->model(), m_a);
        QVERIFY(
            m_view->model()->index(row, RunHistoryView::RunColumn).data(Qt::ToolTipRole).toString().startsWith(m_text));
        QVERIFY(m_view->noteLabel()->isVisible());
        QVERIFY(m_view->noteLabel()->text().contains(QStringLiteral("retry with 1e-4")));

        // Read back from disk by a fresh load.
        m_view->refresh();
        waitLoaded();
        QCOMPARE(cell(m_view->model(), m_a, RunHistoryView::RunColumn), QStringLiteral("Baseline BSM"));
        QCOMPARE(m_view->selectedRuns(), QStringList{m_a}); // the selection survives the reload
        QCOMPARE(m_view->run(m_a)->notes.note, m_text);

        // An empty title goes back to the folder name; the note stays.
        m_text = QStringLiteral("");
        m_view->renameAction()->trigger();
        QCOMPARE(cell(m_view->model(), m_a, RunHistoryView::RunColumn), QStringLiteral("20240101-100000-bsm"));
        QCOMPARE(RunFolder(m_a).readNotes().note, QStringLiteral("lr too high?\nretry with 1e-4"));
        // F2 within the view renames.
        m_view->activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(m_view));
        m_view->table()->setFocus();
        m_view->selectRuns({m_a});
        m_text = QStringLiteral("Baseline BSM");
        QTest::keyClick(m_view->table(), Qt::Key_F2);
        QCOMPARE(RunFolder(m_a).readNotes().title, QStringLiteral("Baseline BSM"));

        // notes.json defaults and round trip through RunFolder.
        QCOMPARE(RunFolder(m_b).readNotes(), project::RunNotes{});
        project::RunNotes n{QStringLiteral("t"), QStringLiteral("n"), true};
        QVERIFY(RunFolder(m_c).writeNotes(n).ok());
        QCOMPARE(RunFolder(m_c).readNotes(), n);
        QVERIFY(RunFolder(m_c).writeNotes({}).ok());
    }

    void archive()
    {
        QVERIFY(!m_view->showArchived());
        m_view->selectRuns({m_b});
        QCOMPARE(m_view->archiveAction()->iconText(), QStringLiteral("Archive"));
        m_view->archiveAction()->trigger();
        QVERIFY(RunFolder(m_b).readNotes().archived);
        QCOMPARE(m_view->model()->rowCount(), 2);
        QCOMPARE(rowOf(m_view->model(), m_b), -1);
        m_view->refresh(); // still hidden after reading the folder again
        waitLoaded();
        QCOMPARE(rowOf(m_view->model(), m_b), -1);
        QCOMPARE(m_view->sourceModel()->rowCount(), 3);

        m_view->showArchivedBox()->setChecked(true);
        QCOMPARE(m_view->model()->rowCount(), 3);
        m_view->selectRuns({m_b});
        QCOMPARE(m_view->archiveAction()->iconText(), QStringLiteral("Unarchive"));
        m_view->archiveAction()->trigger();
        QVERIFY(!RunFolder(m_b).readNotes().archived);
        m_view->showArchivedBox()->setChecked(false);
        QCOMPARE(m_view->model()->rowCount(), 3);
    }

    void liveRun()
    {
        m_view->setLiveRun(m_c, QStringLiteral("running · epoch 2/5 · 40%"));
        QCOMPARE(m_view->liveRun(), m_c);
        QCOMPARE(cell(m_view->model(), m_c, RunHistoryView::StatusColumn), QStringLiteral("running · epoch 2/5 · 40%"));
        QVERIFY(m_view->run(m_c)->live);
        m_view->selectRuns({m_c});
        QVERIFY(!m_view->resumeAction()->isEnabled());
        QVERIFY(!m_view->deleteAction()->isEnabled());
        m_questions.clear();
        m_answer = true;
        m_view->deleteSelected(); // never asks, never deletes
        QVERIFY(m_questions.isEmpty());
        QVERIFY(RunFolder::isRun(m_c));
        // Selected with another run: only the other one is offered.
        m_view->selectRuns({m_c, m_a});
        QVERIFY(m_view->deleteAction()->isEnabled());
        m_answer = false;
        m_view->deleteSelected();
        QCOMPARE(m_questions.size(), 1);
        QVERIFY(!m_questions.front().contains(QStringLiteral("20240103-100000-ce")));
        QVERIFY(m_questions.front().contains(QStringLiteral("Baseline BSM")));
        QVERIFY(RunFolder::isRun(m_a));

        // Live text survives a reload; cleared, the run reads as interrupted again.
        m_view->refresh();
        waitLoaded();
        QCOMPARE(cell(m_view->model(), m_c, RunHistoryView::StatusColumn), QStringLiteral("running · epoch 2/5 · 40%"));
        m_view->setLiveRun({}, {});
        QCOMPARE(cell(m_view->model(), m_c, RunHistoryView::StatusColumn), QStringLiteral("interrupted (resumable)"));
        QVERIFY(!m_view->run(m_c)->live);
    }

    void compare()
    {
        m_view->table()->sortByColumn(RunHistoryView::DateColumn, Qt::AscendingOrder); // A first: the reference
        m_view->selectRuns({m_a, m_b});
        QCOMPARE(m_view->selectedRuns(), (QStringList{m_a, m_b}));
        QVERIFY(!m_view->isComparing());
        m_view->compareAction()->trigger();
        QVERIFY(m_view->isComparing());
        waitLoaded();
        RunCompareView *cv = m_view->compareView();
        QCOMPARE(int(cv->loadedRuns().size()), 2);
        QCOMPARE(cv->referenceIndex(), 0);
        QCOMPARE(cv->loadedRuns()[0].label, QStringLiteral("Baseline BSM"));
        QCOMPARE(cv->metricsTable()->columnCount(), 3); // A, B, Δ B

        QCOMPARE(cv->cellText(RunCompareView::BestValBalancedAccuracy, 0), QStringLiteral("75.0%"));
        QCOMPARE(cv->cellText(RunCompareView::BestValBalancedAccuracy, 1), QStringLiteral("80.0%"));
        QCOMPARE(cv->cellText(RunCompareView::BestValBalancedAccuracy, 1, true), QStringLiteral("+5.0 pp"));
        QCOMPARE(cv->cellText(RunCompareView::BestEpoch, 0), QStringLiteral("2"));
        QCOMPARE(cv->cellText(RunCompareView::ValMacroF1, 1, true), QStringLiteral("+8.0 pp"));      // .78 − .70
        QCOMPARE(cv->cellText(RunCompareView::ValHeadRecall, 1, true), QStringLiteral("+5.0 pp"));   // .85 − .80
        QCOMPARE(cv->cellText(RunCompareView::ValMediumRecall, 1, true), QStringLiteral("+8.0 pp")); // .80 − .72
        QCOMPARE(cv->cellText(RunCompareView::ValTailRecall, 1, true), QStringLiteral("+5.0 pp"));   // .70 − .65
        QCOMPARE(cv->cellText(RunCompareView::TestBalancedAccuracy, 1, true), QStringLiteral("+8.0 pp"));
        QCOMPARE(cv->cellText(RunCompareView::TestMacroF1, 1, true), QStringLiteral("+6.0 pp"));
        QCOMPARE(cv->cellText(RunCompareView::TestHeadRecall, 1, true), QStringLiteral("+6.0 pp"));
        QCOMPARE(cv->cellText(RunCompareView::TestMediumRecall, 1, true), QStringLiteral("+7.0 pp"));
        QCOMPARE(cv->cellText(RunCompareView::TestTailRecall, 1, true), QStringLiteral("+5.0 pp"));
        QCOMPARE(cv->cellText(RunCompareView::Epochs, 0), QStringLiteral("3/3"));
        QCOMPARE(cv->cellText(RunCompareView::Epochs, 1), QStringLiteral("2/10"));
        QCOMPARE(cv->cellText(RunCompareView::Epochs, 1, true), kMinus + QStringLiteral("1"));
        QCOMPARE(cv->cellText(RunCompareView::Duration, 1), QStringLiteral("21 min"));
        QCOMPARE(cv->cellText(RunCompareView::Duration, 1, true), QStringLiteral("+16 min")); // 1260 − 330 s
        QVERIFY(cv->cellText(RunCompareView::BestValBalancedAccuracy, 0, true).isEmpty());

        // The curves: one series per run, one point per epoch.
        QCOMPARE(cv->plot(RunCompareView::ValBalancedAccuracyPlot)->pointCount(QStringLiteral("Baseline BSM")), 3);
        QCOMPARE(cv->plot(RunCompareView::LossPlot)->pointCount(QStringLiteral("20240102-100000-fopro_kd")), 2);
        QCOMPARE(cv->plot(RunCompareView::ValTailRecallPlot)->pointCount(QStringLiteral("Baseline BSM")), 3);

        // Screenshots at the size of the Training page's History tab (1024×700 window).
        QVERIFY2(m_view->minimumSizeHint().width() <= 620 && m_view->minimumSizeHint().height() <= 560,
                 qPrintable(QStringLiteral("%1×%2")
                                .arg(m_view->minimumSizeHint().width())
                                .arg(m_view->minimumSizeHint().height())));
        m_view->resize(620, 560);
        QTest::qWait(300);
        QVERIFY(m_view->grab().save(QStringLiteral("/tmp/runhistory.png")));
        cv->tabs()->setCurrentIndex(1);
        QTest::qWait(100);
        QVERIFY(m_view->grab().save(QStringLiteral("/tmp/runhistory-metrics.png")));
        cv->tabs()->setCurrentIndex(0);

        // The other run as the reference: the signs turn.
        cv->setReferenceIndex(1);
        QCOMPARE(cv->cellText(RunCompareView::BestValBalancedAccuracy, 0, true), kMinus + QStringLiteral("5.0 pp"));
        QCOMPARE(cv->cellText(RunCompareView::Duration, 0, true), kMinus + QStringLiteral("16 min"));

        // Three runs (Ctrl+D within the view): two Δ columns; C has no test results.
        m_view->selectRuns({m_a, m_b, m_c});
        m_view->table()->setFocus();
        QTest::keyClick(m_view->table(), Qt::Key_D, Qt::ControlModifier);
        QCOMPARE(m_view->compareView()->runs(), (QStringList{m_a, m_b, m_c}));
        waitLoaded();
        QCOMPARE(cv->metricsTable()->columnCount(), 5);
        QCOMPARE(cv->cellText(RunCompareView::TestBalancedAccuracy, 2), QStringLiteral("–"));
        QCOMPARE(cv->cellText(RunCompareView::TestBalancedAccuracy, 2, true), QStringLiteral("–"));
        QCOMPARE(cv->cellText(RunCompareView::BestValBalancedAccuracy, 2, true), kMinus + QStringLiteral("25.0 pp"));
        QVERIFY(m_view->grab().save(QStringLiteral("/tmp/runhistory-3.png")));
    }

    void removeRefusesNonRuns()
    {
        auto r = RunFolder::remove(m_notRun);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, ErrorCode::InvalidArgument);
        QVERIFY(r.error().message().contains(m_notRun));
        QVERIFY(QFileInfo::exists(QDir(m_notRun).filePath(QStringLiteral("readme.txt"))));
        QVERIFY(!RunFolder::remove(QDir(m_runs).filePath(QStringLiteral("nowhere"))).ok());
        QVERIFY(!RunFolder::remove(QString()).ok());
    }

    void deleteRuns()
    {
        m_view->selectRuns({m_b});
        m_questions.clear();
        m_answer = false;
        m_view->deleteAction()->trigger();
        QCOMPARE(m_questions.size(), 1);
        QVERIFY(m_questions.front().contains(QStringLiteral("20240102-100000-fopro_kd")));
        QVERIFY(RunFolder::isRun(m_b));

        m_answer = true;
        m_view->deleteAction()->trigger();
        QCOMPARE(m_questions.size(), 2);
        QVERIFY(!QFileInfo::exists(m_b));
        QCOMPARE(rowOf(m_view->model(), m_b), -1);
        waitLoaded();
        QCOMPARE(m_view->model()->rowCount(), 2);
        QVERIFY(RunFolder::isRun(m_a));
        // The comparison that held the deleted run lost it.
        QVERIFY(!m_view->compareView()->runs().contains(m_b));
    }
};

QTEST_MAIN(TestRunHistory)
#include "tst_runhistory.moc"
