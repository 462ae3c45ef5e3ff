// The Classify page offscreen, without a project: a tiny model is trained and exported with the
// real `fopro` (train → export on a generated stripes dataset, a few seconds); the page classifies
// dropped-in files and a folder with it (the same probabilities as `fopro predict` writes), lists
// an unreadable file and a missing path with their reasons, exports the predictions as CSV,
// computes Grad-CAM of a selected image as a job, and renders at 1024×700.

#include "core/common/fileio.h"
#include "core/jobs/jobmanager.h"
#include "tests/app/clitest.h"
#include "tests/support/imagecheck.h"
#include "ui/classify/classifymodel.h"
#include "ui/classify/classifypage.h"
#include "ui/results/gradcampanel.h"

#include <QtTest/QtTest>
#include <QtWidgets/QLabel>
#include <QtWidgets/QTableView>

using namespace fopro;

class TestClassifyPage : public QObject {
    Q_OBJECT
    QTemporaryDir m_tmp;
    JobManager m_jobs;
    ui::ClassifyPage *m_page = nullptr;
    QString m_model;
    QString m_run;

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        ui::PageContext context;
        context.jobs = &m_jobs;
        context.navigate = [](const QString &, const QVariantMap &) {};
        m_page = new ui::ClassifyPage(context); // no project
        m_page->resize(1024, 700);
        m_page->show();
        m_page->activate({});

        // A tiny exported model: two classes of stripes, one epoch of two batches, then export.
        const QString manifest = test::makeStripesManifest(m_tmp.filePath(QStringLiteral("data")));
        if (manifest.isEmpty()) return;
        m_run = m_tmp.filePath(QStringLiteral("run"));
        QElapsedTimer t;
        t.start();
        const test::CliRun train = test::runCli(test::tinyTrainArgs(manifest, m_run, 1));
        if (train.code != 0) {
            qWarning("fopro train failed: %s", qPrintable(train.err));
            return;
        }
        const test::CliRun exported = test::runCli({QStringLiteral("export"), m_run});
        if (exported.code != 0) {
            qWarning("fopro export failed: %s", qPrintable(exported.err));
            return;
        }
        m_model = m_run + QStringLiteral("/export/model.pt");
        qInfo("tiny model trained and exported in %.1f s", t.elapsed() / 1000.0);
    }

    void cleanupTestCase()
    {
        m_jobs.shutdown();
        delete m_page;
    }

    void withoutModelInputsWait()
    {
        const QString img = m_tmp.filePath(QStringLiteral("wait/a.png"));
        QVERIFY(test::writeImage(img, test::stripesImage(true, 3)));
        m_page->addInputs({img});
        QCOMPARE(m_page->model()->rowCount(), 0);
        QVERIFY2(m_page->statusLabel()->text().contains(QStringLiteral("wait for a model")),
                 qPrintable(m_page->statusLabel()->text()));
        m_page->clear();
        QVERIFY(m_page->inputs().isEmpty());
    }

    void classifiesAndListsUnreadableFilesWithTheReason()
    {
        if (m_model.isEmpty()) QSKIP("no exported model (fopro train/export failed; see the warning above)");
        const QString dir = m_tmp.filePath(QStringLiteral("new"));
        QVERIFY(test::writeImage(dir + QStringLiteral("/h.png"), test::stripesImage(true, 41)));
        QVERIFY(test::writeImage(dir + QStringLiteral("/v.png"), test::stripesImage(false, 142)));
        QVERIFY(test::writeImage(dir + QStringLiteral("/folder/h2.png"), test::stripesImage(true, 43)));
        const QString broken = dir + QStringLiteral("/broken.jpg");
        QVERIFY(test::writeText(broken, QByteArray("this is not a JPEG file at all")));
        const QString missing = dir + QStringLiteral("/missing.png");

        m_page->setModel(m_run); // a run folder: its export/ is used
        QTRY_VERIFY_WITH_TIMEOUT(!m_page->isBusy(), 30000);
        m_page->addInputs({dir + QStringLiteral("/h.png"), dir + QStringLiteral("/v.png"), broken, missing,
                           dir + QStringLiteral("/folder")});
        QTRY_VERIFY_WITH_TIMEOUT(!m_page->isBusy() && m_page->model()->rowCount() == 5, 60000);
        QVERIFY2(m_page->lastError().isEmpty(), qPrintable(m_page->lastError()));
        const ui::ClassifyModel *model = m_page->model();
        QCOMPARE(model->classNames(), (QStringList{QStringLiteral("horizontal"), QStringLiteral("vertical")}));
        int ok = 0;
        for (int r = 0; r < model->rowCount(); ++r) {
            const auto &img = model->images()[std::size_t(r)];
            const QString status = model->index(r, ui::ClassifyModel::StatusColumn).data().toString();
            if (img.file.endsWith(QStringLiteral("broken.jpg")) || img.file.endsWith(QStringLiteral("missing.png"))) {
                QVERIFY(!img.ok());
                // The reason is listed: the file's error message, not a bare "failed".
                QVERIFY2(status.size() > 10 && status == img.error.message(), qPrintable(status));
                QCOMPARE(model->index(r, ui::ClassifyModel::TopColumn).data().toString(), QStringLiteral("not read"));
            } else {
                QVERIFY2(img.ok(), qPrintable(img.error.message()));
                ++ok;
                QCOMPARE(int(img.probabilities.size()), 2);
                QVERIFY(std::abs(img.probabilities[0] + img.probabilities[1] - 1.0f) < 1e-4f);
                QCOMPARE(model->index(r, ui::ClassifyModel::TopColumn).data().toString(),
                         model->classNames().value(img.predictedClass()));
                QVERIFY(model->topKText(r).contains(model->classNames().value(img.predictedClass())));
            }
        }
        QCOMPARE(ok, 3);
        QCOMPARE(model->failedCount(), 2);
        QVERIFY(m_page->statusLabel()->text().contains(QStringLiteral("could not be read")));
        QAbstractItemModelTester tester(m_page->model(), QAbstractItemModelTester::FailureReportingMode::QtTest);

        // The same numbers as `fopro predict --csv`.
        const QString csv = m_tmp.filePath(QStringLiteral("page.csv"));
        QVERIFY(m_page->exportCsv(csv).ok());
        const QString cliCsv = m_tmp.filePath(QStringLiteral("cli.csv"));
        const test::CliRun predict = test::runCli({QStringLiteral("predict"), m_model, dir + QStringLiteral("/h.png"),
                                                   dir + QStringLiteral("/v.png"), dir + QStringLiteral("/folder"),
                                                   QStringLiteral("--csv"), cliCsv});
        QCOMPARE(predict.code, 0);
        auto a = fileio::readAll(csv), b = fileio::readAll(cliCsv);
        QVERIFY(a.ok() && b.ok());
        const QStringList pageLines = QString::fromUtf8(*a).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        const QStringList cliLines = QString::fromUtf8(*b).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        QCOMPARE(pageLines.size(), 4);
        QCOMPARE(pageLines.front(), cliLines.front());
        for (const QString &line : cliLines.mid(1))
            QVERIFY2(pageLines.contains(line), qPrintable(line));

        // Adding the same file again does not add a row.
        m_page->addInputs({dir + QStringLiteral("/h.png")});
        QTest::qWait(50);
        QTRY_VERIFY(!m_page->isBusy());
        QCOMPARE(m_page->model()->rowCount(), 5);
    }

    void dicomAndThumbnails()
    {
        if (m_model.isEmpty()) QSKIP("no exported model");
        // Thumbnails arrive for the classified images (decoded off the GUI thread).
        const ui::ClassifyModel *model = m_page->model();
        for (int r = 0; r < model->rowCount(); ++r)
            if (model->images()[std::size_t(r)].ok())
                QTRY_VERIFY_WITH_TIMEOUT(
                    !model->index(r, ui::ClassifyModel::ImageColumn).data(Qt::DecorationRole).value<QPixmap>().isNull(),
                    10000);
        const QString dicom = test::pydicomTestFiles() + QStringLiteral("/CT_small.dcm");
        if (test::pydicomTestFiles().isEmpty() || !QFile::exists(dicom))
            QSKIP("pydicom's CT_small.dcm is not installed (packaging/install-deps.sh extracts it)");
        m_page->addInputs({dicom});
        QTRY_VERIFY_WITH_TIMEOUT(!m_page->isBusy() && model->rowCount() == 6, 60000);
        int row = -1;
        for (int r = 0; r < model->rowCount(); ++r)
            if (model->images()[std::size_t(r)].file.endsWith(QStringLiteral("CT_small.dcm"))) row = r;
        QVERIFY(row >= 0);
        QVERIFY2(model->images()[std::size_t(row)].ok(), qPrintable(model->images()[std::size_t(row)].error.message()));
        QTRY_VERIFY_WITH_TIMEOUT(
            !model->index(row, ui::ClassifyModel::ImageColumn).data(Qt::DecorationRole).value<QPixmap>().isNull(),
            10000);
    }

    void gradCamOfTheSelection()
    {
        if (m_model.isEmpty()) QSKIP("no exported model");
        QTableView *view = m_page->view();
        int row = -1;
        for (int r = 0; r < view->model()->rowCount(); ++r)
            if (view->model()->index(r, ui::ClassifyModel::StatusColumn).data(ui::ClassifyModel::OkRole).toBool())
                row = r;
        QVERIFY(row >= 0);
        view->selectRow(row);
        m_page->explainSelection();
        QTRY_VERIFY_WITH_TIMEOUT(!m_page->gradCam()->isRunning(), 60000);
        const auto &entries = m_page->gradCam()->entries();
        QCOMPARE(int(entries.size()), 1);
        QVERIFY2(!entries[0].studentHeat.empty(), qPrintable(entries[0].studentError));
        QCOMPARE(entries[0].studentHeat.size(), entries[0].image.size());
        double lo = 0, hi = 0;
        cv::minMaxLoc(entries[0].studentHeat, &lo, &hi);
        QVERIFY(lo >= 0 && hi <= 1.0001);
        m_page->gradCam()->setOpacity(0.8);
        QCOMPARE(m_page->gradCam()->opacity(), 0.8);
    }

    void rendersAt1024x700()
    {
        QTRY_VERIFY_WITH_TIMEOUT(!m_page->isBusy(), 30000);
        QTest::qWait(200);
        const QImage shot = m_page->grab().toImage();
        QVERIFY(shot.save(QStringLiteral("classify.png")));
        QVERIFY(test::distinctColours(shot, 5) > 10);
    }
};

QTEST_MAIN(TestClassifyPage)
#include "tst_classifypage.moc"
