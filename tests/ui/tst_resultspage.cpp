// The Results page offscreen, on a small project with run folders written by hand (RunFolder:
// header, status, epochs and results of hand-made predictions, evaluated by core/metrics as the
// trainer does): every headline and per-class number on the page equals the run's results files;
// a confusion cell's images are exactly the predictions with that (true, predicted) pair, and
// clicking the cell navigates to the Dataset page with them; the temperature, ECE and NLL shown
// equal fitTemperature's on the validation predictions (and scaling lowers the validation NLL of
// the deliberately over-confident model); comparing two runs shows the differences; relabelling
// from the predictions browser goes through the project's undo stack; the report holds every
// section and the PDF is a PDF; the page renders at 1024×700.

#include "core/common/fileio.h"
#include "core/jobs/jobmanager.h"
#include "core/metrics/evaluation.h"
#include "core/metrics/temperature.h"
#include "core/project/runfolder.h"
#include "core/project/studypackage.h"
#include "tests/app/clitest.h"
#include "tests/support/imagecheck.h"
#include "tests/support/testsupport.h"
#include "ui/common/qcustomplotinclude.h"
#include "ui/results/calibrationview.h"
#include "ui/results/classtablemodel.h"
#include "ui/results/confusionview.h"
#include "ui/results/curvesview.h"
#include "ui/results/predictionsbrowser.h"
#include "ui/results/predictionsmodel.h"
#include "ui/results/recallplot.h"
#include "ui/results/reportwriter.h"
#include "ui/results/resultspage.h"
#include "ui/shell/projectdocument.h"
#include "ui/training/runcompareview.h"

#include <QtCore/QJsonArray>
#include <QtGui/QPainter>
#include <QtGui/QTextDocument>
#include <QtTest/QtTest>
#include <QtWidgets/QTabWidget>
#include <QtWidgets/QTableView>
#include <QtWidgets/QTableWidget>
#include <QtWidgets/QTreeWidget>

#include <cmath>
#include <random>

using namespace fopro;

namespace {

const QStringList kClasses = {QStringLiteral("common"), QStringLiteral("middle"), QStringLiteral("rare")};
const int kTrain[3] = {12, 6, 3}; // with thresholds 10 / 4: head, medium, tail

/// Hand-made predictions of `samples` (dataset indices) with labels `labels`: an over-confident
/// model (right about 70% of the time, always at least 0.9 sure). `seed` varies the mistakes.
project::SplitPredictions makePredictions(const data::DatasetIndex &d, const std::vector<int> &samples, int seed)
{
    project::SplitPredictions p;
    std::mt19937 rng{quint32(seed)};
    std::uniform_real_distribution<double> u(0, 1);
    for (int s : samples) {
        const int t = d.samples[std::size_t(s)].label;
        const bool right = u(rng) < 0.7;
        const int pred = right ? t : (t + 1 + int(u(rng) * 2)) % 3;
        const double top = 0.9 + 0.09 * u(rng);
        double rest[3] = {0, 0, 0};
        double sum = 0;
        for (int k = 0; k < 3; ++k)
            if (k != pred) sum += rest[k] = 0.1 + u(rng);
        p.sampleIds << d.samples[std::size_t(s)].id();
        p.yTrue.push_back(t);
        p.yPred.push_back(pred);
        for (int k = 0; k < 3; ++k)
            p.probabilities.push_back(k == pred ? top : (1 - top) * rest[k] / sum);
    }
    return p;
}

/// Evaluates and writes results/<split>_* as the trainer does (core/ml/runevaluation.cpp).
bool writeSplit(const project::RunFolder &run, const QString &split, const project::SplitPredictions &p)
{
    metrics::EvaluationOptions o;
    o.numClasses = 3;
    o.trainCounts = {kTrain[0], kTrain[1], kTrain[2]};
    o.many = 10;
    o.few = 4;
    auto report = metrics::evaluate(p.yTrue, p.yPred, p.probabilities, o);
    if (!report) return false;
    project::SplitResults r;
    r.metrics = metrics::reportToJson(*report, kClasses);
    r.metrics.insert(QStringLiteral("split"), split);
    r.perClass = metrics::classMetricsToJson(*report, kClasses);
    r.perClassCsv = metrics::classMetricsToCsv(*report, kClasses);
    r.predictions = p;
    return run.writeResults(split, r, kClasses).ok();
}

} // namespace

class TestResultsPage : public QObject {
    Q_OBJECT
    QTemporaryDir m_tmp;
    JobManager m_jobs;
    ui::ProjectDocument m_doc;
    ui::ResultsPage *m_page = nullptr;
    QString m_runA, m_runB;
    QList<QPair<QString, QVariantMap>> m_navigations;

    void writeRun(const QString &dir, int seed, const QString &strategy)
    {
        const data::DatasetIndex &d = m_doc.dataset();
        auto run = project::RunFolder::create(dir);
        QVERIFY(run.ok());
        QJsonObject config{{"strategy", strategy},
                           {"seed", seed},
                           {"imageSize", 16},
                           {"epochs", 2},
                           {"batchSize", 4},
                           {"lr", 0.001},
                           {"optimizer", QStringLiteral("adam")}};
        QJsonObject header{{"config", config},
                           {"versions", QJsonObject{{"app", QStringLiteral("0.1.0")},
                                                    {"libtorch", QStringLiteral("1.13.1")},
                                                    {"qt", QStringLiteral("6.4.2")},
                                                    {"opencv", QStringLiteral("4.6.0")}}},
                           {"dataset", QJsonObject{{"manifest", m_doc.project().datasetFile()},
                                                   {"sha256", QStringLiteral("ab12cd34")},
                                                   {"classes", QJsonArray::fromStringList(kClasses)},
                                                   {"trainCounts", QJsonArray{kTrain[0], kTrain[1], kTrain[2]}},
                                                   {"train", 21},
                                                   {"val", 9},
                                                   {"test", 12}}},
                           {"created", QDateTime::currentDateTimeUtc().addSecs(seed).toString(Qt::ISODate)},
                           {"threads", 1}};
        QVERIFY(run->writeHeader(header).ok());
        project::RunStatus status;
        status.state = QStringLiteral("finished");
        status.epochs = status.epochsDone = status.bestEpoch = 2;
        status.bestValBalancedAccuracy = 0.6;
        QVERIFY(run->writeStatus(status).ok());
        std::vector<project::EpochRecord> epochs;
        for (int e = 1; e <= 2; ++e) {
            project::EpochRecord r;
            r.epoch = e;
            r.lr = 0.001;
            r.losses = {{QStringLiteral("loss"), 1.2 / e}};
            r.valAccuracy = r.valBalancedAccuracy = r.valMacroF1 = 0.5 + 0.05 * e;
            r.valHeadRecall = r.valMediumRecall = r.valTailRecall = 0.5;
            r.seconds = 3;
            r.best = e == 2;
            epochs.push_back(r);
        }
        QVERIFY(run->writeEpochs(epochs).ok());
        std::vector<int> test, val;
        for (int i = 0; i < int(d.samples.size()); ++i) {
            if (d.samples[std::size_t(i)].split == data::Split::Test) test.push_back(i);
            if (d.samples[std::size_t(i)].split == data::Split::Val) val.push_back(i);
        }
        QVERIFY(writeSplit(*run, QStringLiteral("test"), makePredictions(d, test, seed)));
        QVERIFY(writeSplit(*run, QStringLiteral("val"), makePredictions(d, val, seed + 100)));
    }

    /// The number of a table cell's text ("0.751" → 0.751).
    static double cellNumber(const QString &text)
    {
        bool ok = false;
        const double v = text.toDouble(&ok);
        return ok ? v : std::numeric_limits<double>::quiet_NaN();
    }

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        project::Project p;
        p.folder = m_tmp.filePath(QStringLiteral("project"));
        p.name = QStringLiteral("results test");
        data::DatasetIndex &d = p.dataset;
        d.root = m_tmp.filePath(QStringLiteral("images"));
        d.classes = kClasses;
        const int val = 3, test = 8;
        int seed = 0;
        for (int c = 0; c < 3; ++c)
            for (int i = 0; i < kTrain[c] + val + test; ++i) {
                const QString name = QStringLiteral("%1/%2.png").arg(kClasses[c]).arg(i);
                QVERIFY(test::writeImage(QDir(d.root).filePath(name), test::patternImage(24, 24, seed++)));
                data::Sample s;
                s.path = name;
                s.label = s.originalLabel = c;
                s.split = i < kTrain[c]         ? data::Split::Train
                          : i < kTrain[c] + val ? data::Split::Val
                                                : data::Split::Test;
                d.samples.push_back(s);
            }
        QVERIFY(p.save().ok());
        m_doc.reset(p, false);
        m_doc.setThresholds({10, 4});
        m_runA = QDir(p.folder).filePath(QStringLiteral("runs/run-a"));
        m_runB = QDir(p.folder).filePath(QStringLiteral("runs/run-b"));
        writeRun(m_runA, 1, QStringLiteral("bsm"));
        writeRun(m_runB, 2, QStringLiteral("ce"));

        ui::PageContext context;
        context.jobs = &m_jobs;
        context.document = &m_doc;
        context.navigate = [this](const QString &page, const QVariantMap &args) { m_navigations.append({page, args}); };
        m_page = new ui::ResultsPage(context);
        m_page->resize(1024, 700);
        m_page->show();
        m_page->activate({{QStringLiteral("run"), m_runA}, {QStringLiteral("split"), QStringLiteral("test")}});
        QTRY_VERIFY_WITH_TIMEOUT(m_page->results() && m_page->isSettled(), 20000);
    }

    void cleanupTestCase()
    {
        m_jobs.shutdown();
        delete m_page;
    }

    void listsRunsWithResultsNewestFirst()
    {
        QTRY_VERIFY(!m_page->isBusy());
        const auto &runs = m_page->availableRuns();
        QCOMPARE(int(runs.size()), 2);
        QCOMPARE(runs[0].dir, QDir::cleanPath(m_runB)); // created later
        QCOMPARE(m_page->results()->dir, QDir::cleanPath(m_runA));
        QCOMPARE(m_page->split(), QStringLiteral("test"));
    }

    void headlineEqualsTheMetricsFile()
    {
        auto m = project::RunFolder(m_runA).readMetrics(QStringLiteral("test"));
        QVERIFY(m.ok());
        const QJsonObject groups = m->value(QStringLiteral("tailGroups")).toObject();
        const QList<QPair<ui::ResultsPage::HeadlineColumn, QJsonValue>> expected = {
            {ui::ResultsPage::BalancedAccuracyColumn, m->value(QStringLiteral("balancedAccuracy"))},
            {ui::ResultsPage::MacroF1Column, m->value(QStringLiteral("macroF1"))},
            {ui::ResultsPage::MatthewsColumn, m->value(QStringLiteral("matthewsCorrelation"))},
            {ui::ResultsPage::KappaColumn, m->value(QStringLiteral("cohenKappa"))},
            {ui::ResultsPage::RocAucColumn,
             m->value(QStringLiteral("rocAuc")).toObject().value(QStringLiteral("macro"))},
            {ui::ResultsPage::EceColumn,
             m->value(QStringLiteral("calibration")).toObject().value(QStringLiteral("ece"))},
            {ui::ResultsPage::HeadRecallColumn,
             groups.value(QStringLiteral("head")).toObject().value(QStringLiteral("meanRecall"))},
            {ui::ResultsPage::MediumRecallColumn,
             groups.value(QStringLiteral("medium")).toObject().value(QStringLiteral("meanRecall"))},
            {ui::ResultsPage::TailRecallColumn,
             groups.value(QStringLiteral("tail")).toObject().value(QStringLiteral("meanRecall"))},
        };
        for (const auto &[column, value] : expected) {
            QVERIFY(value.isDouble());
            const QString shown = m_page->headlineText(column);
            QCOMPARE(shown, QString::number(value.toDouble(), 'f', 3));
            QVERIFY(std::abs(cellNumber(shown) - value.toDouble()) <= 0.0005);
        }
        // The thresholds used are named.
        QVERIFY2(m_page->thresholdsLabel()->text().contains(QStringLiteral("head > 10")),
                 qPrintable(m_page->thresholdsLabel()->text()));
        QVERIFY(m_page->thresholdsLabel()->text().contains(QStringLiteral("tail < 4")));
    }

    void perClassTableEqualsThePerClassFile()
    {
        auto file = fileio::readJsonObject(project::RunFolder(m_runA).perClassJsonFile(QStringLiteral("test")));
        QVERIFY(file.ok());
        const QJsonArray rows = file->value(QStringLiteral("classes")).toArray();
        QAbstractItemModel *model = m_page->classTable()->model();
        QCOMPARE(model->rowCount(), rows.size());
        for (int r = 0; r < model->rowCount(); ++r) {
            const QString name = model->index(r, ui::ClassTableModel::ClassColumn).data().toString();
            QJsonObject row;
            for (const QJsonValue &v : rows)
                if (v.toObject().value(QStringLiteral("class")).toString() == name) row = v.toObject();
            QVERIFY2(!row.isEmpty(), qPrintable(name));
            const auto text = [&](int column) { return model->index(r, column).data().toString(); };
            QCOMPARE(text(ui::ClassTableModel::GroupColumn), row.value(QStringLiteral("group")).toString());
            QCOMPARE(text(ui::ClassTableModel::TrainColumn),
                     QString::number(row.value(QStringLiteral("trainCount")).toInt()));
            QCOMPARE(text(ui::ClassTableModel::SupportColumn),
                     QString::number(row.value(QStringLiteral("support")).toInt()));
            for (const auto &[column, key] : {std::pair{int(ui::ClassTableModel::PrecisionColumn), "precision"},
                                              std::pair{int(ui::ClassTableModel::RecallColumn), "recall"},
                                              std::pair{int(ui::ClassTableModel::F1Column), "f1"},
                                              std::pair{int(ui::ClassTableModel::AucColumn), "rocAuc"}})
                QCOMPARE(text(column), QString::number(row.value(QLatin1String(key)).toDouble(), 'f', 3));
        }
        // Sortable by a number column: recall ascending.
        m_page->classTable()->sortByColumn(ui::ClassTableModel::RecallColumn, Qt::AscendingOrder);
        for (int r = 1; r < model->rowCount(); ++r)
            QVERIFY(model->index(r - 1, ui::ClassTableModel::RecallColumn)
                        .data(ui::ClassTableModel::ValueRole)
                        .toDouble() <=
                    model->index(r, ui::ClassTableModel::RecallColumn).data(ui::ClassTableModel::ValueRole).toDouble());
        // CSV export: a header and one row per class.
        const QString csvFile = m_tmp.filePath(QStringLiteral("per-class.csv"));
        QVERIFY(m_page->exportClassTable(csvFile).ok());
        auto csv = fileio::readAll(csvFile);
        QVERIFY(csv.ok());
        QCOMPARE(QString::fromUtf8(*csv).split(QLatin1Char('\n'), Qt::SkipEmptyParts).size(), 4);
        QVERIFY(QString::fromUtf8(*csv).startsWith(QStringLiteral("class,group,train_count,support,precision")));

        QAbstractItemModelTester tester(m_page->classModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester tester2(m_page->predictions()->model(),
                                         QAbstractItemModelTester::FailureReportingMode::QtTest);
    }

    void confusionCellOpensExactlyItsImages()
    {
        const ui::RunResults *r = m_page->results();
        // Independently: the prediction file's rows with each (true, predicted) pair.
        auto bytes = fileio::readAll(project::RunFolder(m_runA).predictionsFile(QStringLiteral("test")));
        QVERIFY(bytes.ok());
        const QStringList lines = QString::fromUtf8(*bytes).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        QHash<QString, int> byId;
        for (int i = 0; i < int(m_doc.dataset().samples.size()); ++i)
            byId.insert(m_doc.dataset().samples[std::size_t(i)].id(), i);
        for (int t = 0; t < 3; ++t)
            for (int p = 0; p < 3; ++p) {
                std::vector<int> expected;
                for (int l = 1; l < lines.size(); ++l) {
                    const QStringList cells = lines[l].split(QLatin1Char(','));
                    if (cells[1] == kClasses[t] && cells[2] == kClasses[p])
                        expected.push_back(byId.value(cells[0], -1));
                }
                QCOMPARE(r->cellSamples(t, p), expected);
                QCOMPARE(m_page->confusion()->cellText(t, p), QString::number(int(expected.size())));
            }
        // Clicking the biggest off-diagonal cell navigates to the Dataset page with its images.
        int bt = -1, bp = -1, best = 0;
        for (int t = 0; t < 3; ++t)
            for (int p = 0; p < 3; ++p)
                if (t != p && r->confusion.count(t, p) > best) {
                    best = r->confusion.count(t, p);
                    bt = t;
                    bp = p;
                }
        QVERIFY(best > 0);
        m_page->showTab(QStringLiteral("confusion"));
        QCustomPlot *plot = m_page->confusion()->plot();
        plot->replot();
        QTest::qWait(50);
        const QPoint centre = m_page->confusion()->cellCenter(bt, bp);
        QCOMPARE(m_page->confusion()->cellAt(centre), qMakePair(bt, bp));
        m_navigations.clear();
        QTest::mouseClick(plot, Qt::LeftButton, Qt::NoModifier, centre);
        QCOMPARE(m_navigations.size(), 1);
        QCOMPARE(m_navigations[0].first, QStringLiteral("dataset"));
        std::vector<int> shown;
        for (const QVariant &v : m_navigations[0].second.value(QStringLiteral("samples")).toList())
            shown.push_back(v.toInt());
        QCOMPARE(shown, r->cellSamples(bt, bp));
        QCOMPARE(m_navigations[0].second.value(QStringLiteral("title")).toString(),
                 QStringLiteral("true %1 predicted as %2 (%3)").arg(kClasses[bt], kClasses[bp]).arg(best));
        // The most confused pairs list starts with that cell; double-click does the same.
        QTreeWidget *pairs = m_page->confusion()->pairList();
        QVERIFY(pairs->topLevelItemCount() > 0);
        m_navigations.clear();
        Q_EMIT pairs->itemActivated(pairs->topLevelItem(0), 0);
        QCOMPARE(m_navigations.size(), 1);
        // Row-normalised view.
        m_page->confusion()->setNormalized(true);
        QCOMPARE(m_page->confusion()->cellText(bt, bp),
                 QString::number(double(best) / r->confusion.rowSum(bt), 'f', 2));
        m_page->confusion()->setNormalized(false);
    }

    void temperatureNumbersEqualFitTemperature()
    {
        const ui::RunResults *r = m_page->results();
        QVERIFY2(r->temperature.available, qPrintable(r->temperature.reason));
        // Fit on the validation predictions as written (6 significant digits), independently.
        auto bytes = fileio::readAll(project::RunFolder(m_runA).predictionsFile(QStringLiteral("val")));
        QVERIFY(bytes.ok());
        auto val = ui::parsePredictionsCsv(*bytes, kClasses, QStringLiteral("val"));
        QVERIFY(val.ok());
        auto fit = metrics::fitTemperature(val->yTrue, metrics::logProbabilities(val->probabilities), 3);
        QVERIFY(fit.ok());
        ui::CalibrationView *c = m_page->calibration();
        QCOMPARE(c->temperatureText(), QString::number(fit->temperature, 'f', 3));
        // The model is over-confident: T > 1 and the validation NLL goes down.
        QVERIFY(fit->temperature > 1.0);
        QVERIFY(fit->nllAfter < fit->nllBefore);
        QCOMPARE(r->temperature.fit.nllBefore, fit->nllBefore);
        QCOMPARE(r->temperature.fit.nllAfter, fit->nllAfter);
        // Applied to the test split.
        const std::vector<double> logits = metrics::logProbabilities(r->predictions.probabilities);
        const double nllBefore = metrics::temperatureNll(r->predictions.yTrue, logits, 3, 1.0);
        const double nllAfter = metrics::temperatureNll(r->predictions.yTrue, logits, 3, fit->temperature);
        QCOMPARE(c->nllBeforeText(), QString::number(nllBefore, 'f', 4));
        QCOMPARE(c->nllAfterText(), QString::number(nllAfter, 'f', 4));
        auto eceAfter = metrics::expectedCalibration(r->predictions.yTrue,
                                                     metrics::applyTemperature(logits, 3, fit->temperature), 3);
        QVERIFY(eceAfter.ok());
        QCOMPARE(c->eceAfterText(), QString::number(eceAfter->ece, 'f', 4));
        QVERIFY(c->summary()->text().contains(c->temperatureText()));
    }

    void curvesPerClass()
    {
        ui::CurvesView *v = m_page->curves();
        QCOMPARE(v->rocPlot()->plottableCount(), 3);
        QCOMPARE(v->prPlot()->plottableCount(), 3);
        v->showClass(2);
        QCOMPARE(v->rocPlot()->plottableCount(), 1);
        QVERIFY(v->rocPlot()->plottable(0)->name().startsWith(QStringLiteral("rare")));
        v->showClass(-1);
        // The recall plot has a point per class.
        int points = 0;
        for (int i = 0; i < m_page->recallPlot()->plot()->graphCount(); ++i)
            points += m_page->recallPlot()->plot()->graph(i)->dataCount();
        QCOMPARE(points, 3);
    }

    void relabelFromPredictionsGoesThroughTheUndoStack()
    {
        ui::PredictionsBrowser *b = m_page->predictions();
        const ui::RunResults *r = m_page->results();
        // A wrong prediction.
        int row = -1;
        for (int i = 0; i < r->predictions.size(); ++i)
            if (r->predictions.yTrue[std::size_t(i)] != r->predictions.yPred[std::size_t(i)]) row = i;
        QVERIFY(row >= 0);
        b->setWrongOnly(true);
        for (int shown : b->shownRows())
            QVERIFY(r->predictions.yTrue[std::size_t(shown)] != r->predictions.yPred[std::size_t(shown)]);
        b->selectRows({row});
        QCOMPARE(b->selectedRows(), std::vector<int>{row});
        const int sample = r->predictions.sampleIndex[std::size_t(row)];
        QVERIFY(sample >= 0);
        const int before = m_doc.dataset().samples[std::size_t(sample)].label;
        const int target = r->predictions.yPred[std::size_t(row)];
        const int undoCount = m_doc.undoStack()->count();
        QVERIFY(b->relabelSelection(target));
        QCOMPARE(m_doc.dataset().samples[std::size_t(sample)].label, target);
        QCOMPARE(m_doc.undoStack()->count(), undoCount + 1);
        // The browser shows the new state of the image.
        QVERIFY(b->model()->stateText(sample).contains(kClasses[target]));
        m_doc.undoStack()->undo();
        QCOMPARE(m_doc.dataset().samples[std::size_t(sample)].label, before);
        QVERIFY(!b->model()->stateText(sample).contains(QStringLiteral("relabelled")));
        // Exclude and flag, undone as well.
        QVERIFY(b->excludeSelection(true));
        QVERIFY(m_doc.dataset().samples[std::size_t(sample)].has(data::FlagExcluded));
        m_doc.undoStack()->undo();
        QVERIFY(!m_doc.dataset().samples[std::size_t(sample)].has(data::FlagExcluded));
        b->setWrongOnly(false);
        // Sorting by loss (descending) puts the confident mistakes first.
        b->view()->sortByColumn(ui::PredictionsModel::LossColumn, Qt::DescendingOrder);
        const std::vector<int> rows = b->shownRows();
        QCOMPARE(int(rows.size()), r->predictions.size());
        for (std::size_t i = 1; i < rows.size(); ++i)
            QVERIFY(r->predictions.loss(rows[i - 1]) >= r->predictions.loss(rows[i]));
        // Confidence range and class filters.
        b->setConfidenceRange(0.95, 1.0);
        for (int shown : b->shownRows())
            QVERIFY(r->predictions.confidence(shown) >= 0.95);
        b->setConfidenceRange(0, 1);
        b->setClassFilter(2);
        for (int shown : b->shownRows())
            QVERIFY(r->predictions.yTrue[std::size_t(shown)] == 2 || r->predictions.yPred[std::size_t(shown)] == 2);
        b->setClassFilter(-1);
    }

    void comparingRunsShowsTheDifferences()
    {
        m_page->addComparison(m_runB);
        QTRY_VERIFY_WITH_TIMEOUT(m_page->loadedRuns().size() == 2 && m_page->isSettled(), 20000);
        const ui::Headline &a = m_page->loadedRuns()[0]->headline;
        const ui::Headline &b = m_page->loadedRuns()[1]->headline;
        QCOMPARE(m_page->headlineText(ui::ResultsPage::BalancedAccuracyColumn, 1),
                 QString::number(b.balancedAccuracy, 'f', 3));
        QCOMPARE(m_page->headlineText(ui::ResultsPage::BalancedAccuracyColumn, 1, true),
                 ui::percentPointDeltaText(b.balancedAccuracy, a.balancedAccuracy));
        QCOMPARE(m_page->headlineText(ui::ResultsPage::TailRecallColumn, 1, true),
                 ui::percentPointDeltaText(b.tailRecall, a.tailRecall));
        // The per-class table gains the compared run's recall and F1 with their differences.
        QCOMPARE(m_page->classModel()->columnCount(), int(ui::ClassTableModel::FixedColumnCount) + 4);
        // The "runs disagree" filter keeps only rows the two runs predict differently.
        ui::PredictionsBrowser *pb = m_page->predictions();
        pb->setDisagreeOnly(true);
        for (int row : pb->shownRows())
            QVERIFY(pb->model()->otherPrediction(row) != m_page->results()->predictions.yPred[std::size_t(row)]);
        pb->setDisagreeOnly(false);
        // Rendered with the comparison.
        const QImage shot = m_page->grab().toImage();
        QVERIFY(shot.save(QStringLiteral("results-compare.png")));
        QVERIFY(test::distinctColours(shot, 5) > 20);
        m_page->removeComparison(m_runB);
        QTRY_VERIFY_WITH_TIMEOUT(m_page->loadedRuns().size() == 1 && m_page->isSettled(), 20000);
    }

    void retrainNavigatesToTraining()
    {
        m_navigations.clear();
        m_page->retrain();
        QCOMPARE(m_navigations.size(), 1);
        QCOMPARE(m_navigations[0].first, QStringLiteral("training"));
        QCOMPARE(m_navigations[0].second.value(QStringLiteral("clone")).toString(), QDir::cleanPath(m_runA));
    }

    void reportHasEverySectionAndThePdfIsAPdf()
    {
        const QString html = m_tmp.filePath(QStringLiteral("report/report.html"));
        const QString pdf = m_tmp.filePath(QStringLiteral("report/report.pdf"));
        QDir().mkpath(QFileInfo(html).path());
        auto w = m_page->exportReport(html, pdf);
        QVERIFY2(w.ok(), qPrintable(w.ok() ? QString() : w.error().message()));
        auto text = fileio::readAll(html);
        QVERIFY(text.ok());
        const QString s = QString::fromUtf8(*text);
        for (const QString &section : ui::reportSections())
            QVERIFY2(s.contains(QStringLiteral("<h2>%1</h2>").arg(section)), qPrintable(section));
        QVERIFY(s.contains(QStringLiteral("data:image/png;base64,")));
        QVERIFY(s.contains(QStringLiteral("ab12cd34"))); // manifest hash
        QVERIFY(s.contains(QStringLiteral("1.13.1")));   // versions
        QVERIFY(s.contains(m_page->headlineText(ui::ResultsPage::BalancedAccuracyColumn)));
        QVERIFY(!s.contains(QStringLiteral("src=\"report:"))); // self-contained
        QFile f(pdf);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QVERIFY(f.size() > 2000);
        QCOMPARE(f.read(4), QByteArray("%PDF"));
        // The PDF's document, laid out on A4-shaped pages: every image resource is there and the
        // first pages render with content (saved for a look).
        const std::unique_ptr<QTextDocument> doc = ui::buildReportDocument(m_page->reportInput());
        doc->setPageSize(QSizeF(794, 1123));
        QVERIFY(doc->pageCount() >= 3);
        for (int page = 0; page < std::min(doc->pageCount(), 4); ++page) {
            QImage image(794, 1123, QImage::Format_RGB32);
            image.fill(Qt::white);
            QPainter painter(&image);
            painter.translate(0, -page * 1123);
            doc->drawContents(&painter, QRectF(0, page * 1123, 794, 1123));
            painter.end();
            QVERIFY(image.save(QStringLiteral("report-page-%1.png").arg(page + 1)));
            QVERIFY(test::distinctColours(image, 4) > 3);
        }
    }

    void studyPackageOfATrainedRun()
    {
        // A real run (trained by `fopro` in a second): its report and a study package, which holds
        // the exported model (exported on the way) and verifies.
        const QString manifest = test::makeStripesManifest(m_tmp.filePath(QStringLiteral("stripes")));
        QVERIFY(!manifest.isEmpty());
        const QString run = m_tmp.filePath(QStringLiteral("stripes/runs/tiny"));
        const test::CliRun train = test::runCli(test::tinyTrainArgs(manifest, run, 1));
        QVERIFY2(train.code == 0, qPrintable(train.err));
        m_page->showRun(run, QStringLiteral("test"));
        QTRY_VERIFY_WITH_TIMEOUT(
            m_page->results() && m_page->results()->dir == QDir::cleanPath(run) && m_page->isSettled(), 20000);
        QVERIFY(m_page->results()->predictions.size() > 0);
        const QString html = m_tmp.filePath(QStringLiteral("stripes/report.html"));
        const QString pdf = m_tmp.filePath(QStringLiteral("stripes/report.pdf"));
        QVERIFY(m_page->exportReport(html, pdf).ok());
        QSignalSpy written(m_page, &ui::ResultsPage::studyPackageWritten);
        const QString out = m_tmp.filePath(QStringLiteral("stripes/package"));
        QVERIFY(m_page->writeStudyPackageTo(out, {html, pdf}));
        QTRY_VERIFY_WITH_TIMEOUT(written.count() == 1, 60000);
        QVERIFY2(written[0][1].toString().isEmpty(), qPrintable(written[0][1].toString()));
        QVERIFY(QFile::exists(run + QStringLiteral("/export/model.pt")));
        QVERIFY(QFile::exists(out + QStringLiteral("/reports/report.pdf")));
        const auto verified = project::verifyStudyPackage(out);
        QVERIFY2(verified.ok(), qPrintable(verified.ok() ? QString() : verified.error().message()));
        m_page->showRun(m_runA, QStringLiteral("test"));
        QTRY_VERIFY_WITH_TIMEOUT(m_page->results()->dir == QDir::cleanPath(m_runA) && m_page->isSettled(), 20000);
    }

    void switchingToTheValidationSplit()
    {
        m_page->setSplit(QStringLiteral("val"));
        QTRY_VERIFY_WITH_TIMEOUT(
            m_page->results() && m_page->results()->split == QLatin1String("val") && m_page->isSettled(), 20000);
        auto m = project::RunFolder(m_runA).readMetrics(QStringLiteral("val"));
        QVERIFY(m.ok());
        QCOMPARE(m_page->headlineText(ui::ResultsPage::MacroF1Column),
                 QString::number(m->value(QStringLiteral("macroF1")).toDouble(), 'f', 3));
        m_page->setSplit(QStringLiteral("test"));
        QTRY_VERIFY_WITH_TIMEOUT(m_page->results()->split == QLatin1String("test") && m_page->isSettled(), 20000);
    }

    void rendersEveryTabAt1024x700()
    {
        for (const QString &tab : {QStringLiteral("overview"), QStringLiteral("confusion"), QStringLiteral("curves"),
                                   QStringLiteral("calibration"), QStringLiteral("predictions")}) {
            QVERIFY(m_page->showTab(tab));
            QTest::qWait(150);
            QTRY_VERIFY_WITH_TIMEOUT(m_page->isSettled(), 10000);
            const QImage shot = m_page->grab().toImage();
            QVERIFY(shot.save(QStringLiteral("results-%1.png").arg(tab)));
            QVERIFY2(test::distinctColours(shot, 5) > 20, qPrintable(tab));
        }
        QVERIFY(m_page->lastLoadMilliseconds() >= 0);
    }
};

QTEST_MAIN(TestResultsPage)
#include "tst_resultspage.moc"
