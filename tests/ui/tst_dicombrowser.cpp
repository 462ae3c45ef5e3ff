// The DICOM browser and the de-identified export dialog, offscreen. Fixtures are written by DCMTK
// here: patient A with one study of two series (2 + 1 images), patient B with one study of one
// series, and a junk .dcm. The tree is checked after the asynchronous scan, selecting an image
// fills the tag table and the preview, thumbnails arrive, the junk file is listed as unreadable,
// and the window is rendered to tst_dicombrowser.png in the working folder. pydicom's test files
// are swept when present.
#include "core/data/deidentify.h"
#include "core/data/importer.h"
#include "tests/support/dicomfixtures.h"
#include "tests/support/imagecheck.h"
#include "tests/support/testsupport.h"
#include "ui/dataset/deidentifydialog.h"
#include "ui/dataset/dicombrowser.h"

#include <QtCore/QStandardPaths>
#include <QtGui/QStandardItemModel>
#include <QtTest/QAbstractItemModelTester>
#include <QtTest/QtTest>
#include <QtWidgets/QApplication>
#include <QtWidgets/QLabel>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QTableWidget>
#include <QtWidgets/QTreeView>
#include <QtWidgets/QTreeWidget>

#include "dcmtk/config/osconfig.h"
#include "dcmtk/dcmdata/dcdeftag.h"
#include "dcmtk/dcmdata/dcfilefo.h"
#include "dcmtk/dcmdata/dcuid.h"

#include <set>

using namespace fopro::ui;

namespace {

bool writeVl(const QString &path, const QString &patientId, const QString &patientName, const QString &studyUid,
             const QString &seriesUid, const QString &seriesDescription, const QString &bodyPart, int seed)
{
    return fopro::test::writeVlPhotographic(path,
                                            {{QStringLiteral("StudyInstanceUID"), studyUid},
                                             {QStringLiteral("SeriesInstanceUID"), seriesUid},
                                             {QStringLiteral("Modality"), QStringLiteral("XC")},
                                             {QStringLiteral("PatientID"), patientId},
                                             {QStringLiteral("PatientName"), patientName},
                                             {QStringLiteral("StudyDate"), QStringLiteral("20240115")},
                                             {QStringLiteral("SeriesDate"), QStringLiteral("20240116")},
                                             {QStringLiteral("StudyDescription"), QStringLiteral("Skin check")},
                                             {QStringLiteral("SeriesDescription"), seriesDescription},
                                             {QStringLiteral("BodyPartExamined"), bodyPart}},
                                            fopro::test::patternImage(64, 48, seed));
}

QString newUid(const char *root)
{
    char uid[100];
    return QString::fromLatin1(dcmGenerateUniqueIdentifier(uid, root));
}

/// Distinct colours in a sample of the image: a blank render has one or two.
QPushButton *buttonWithText(QWidget *parent, const QString &text)
{
    for (QPushButton *b : parent->findChildren<QPushButton *>())
        if (b->text().remove(QLatin1Char('&')).contains(text)) return b;
    return nullptr;
}

} // namespace

class TestDicomBrowser : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_tmp;
    QString m_folder;
    QString m_firstA;

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true); // QSettings go to a test location
        QVERIFY(m_tmp.isValid());
        m_folder = m_tmp.filePath(QStringLiteral("dicom"));
        const QString studyA = newUid(SITE_STUDY_UID_ROOT);
        const QString seriesA1 = newUid(SITE_SERIES_UID_ROOT);
        const QString seriesA2 = newUid(SITE_SERIES_UID_ROOT);
        const QString studyB = newUid(SITE_STUDY_UID_ROOT);
        const QString seriesB1 = newUid(SITE_SERIES_UID_ROOT);
        m_firstA = m_folder + QStringLiteral("/a/a1_1.dcm");
        QVERIFY(writeVl(m_firstA, QStringLiteral("PAT-A"), QStringLiteral("Alpha^Ann"), studyA, seriesA1,
                        QStringLiteral("Dermoscopy"), QStringLiteral("ARM"), 1));
        QVERIFY(writeVl(m_folder + QStringLiteral("/a/a1_2.dcm"), QStringLiteral("PAT-A"), QStringLiteral("Alpha^Ann"),
                        studyA, seriesA1, QStringLiteral("Dermoscopy"), QStringLiteral("LEG"), 2));
        QVERIFY(writeVl(m_folder + QStringLiteral("/a/a2_1.dcm"), QStringLiteral("PAT-A"), QStringLiteral("Alpha^Ann"),
                        studyA, seriesA2, QStringLiteral("Overview"), QStringLiteral("ARM"), 3));
        QVERIFY(writeVl(m_folder + QStringLiteral("/b/b1_1.dcm"), QStringLiteral("PAT-B"), QStringLiteral("Beta^Bob"),
                        studyB, seriesB1, QStringLiteral("Dermoscopy"), QStringLiteral("LEG"), 4));
        QVERIFY(fopro::test::writeText(m_folder + QStringLiteral("/junk.dcm"), "this is not a DICOM file at all"));
        QVERIFY(fopro::test::writeText(m_folder + QStringLiteral("/notes.txt"), "side file"));
    }

    void treeAfterScan()
    {
        fopro::JobManager jobs;
        DicomBrowser browser(&jobs);
        QAbstractItemModelTester tester(browser.model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy finished(&browser, &DicomBrowser::scanFinished);
        browser.setFolder(m_folder);
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 20000);
        QStandardItemModel *m = browser.model();
        QTRY_COMPARE(m->rowCount(), 2);
        // Patients sorted by id: PAT-A then PAT-B.
        QStandardItem *a = m->item(0);
        QStandardItem *b = m->item(1);
        QVERIFY(a->text().startsWith(QLatin1String("PAT-A")));
        QVERIFY(b->text().startsWith(QLatin1String("PAT-B")));
        QCOMPARE(a->rowCount(), 1);           // one study
        QCOMPARE(a->child(0)->rowCount(), 2); // two series
        std::multiset<int> perSeries{a->child(0)->child(0)->rowCount(), a->child(0)->child(1)->rowCount()};
        QCOMPARE(perSeries, (std::multiset<int>{1, 2}));
        QCOMPARE(b->rowCount(), 1);
        QCOMPARE(b->child(0)->rowCount(), 1);
        QCOMPARE(b->child(0)->child(0)->rowCount(), 1);
        QVERIFY(m->item(0, 1)->text().contains(QLatin1String("3"))); // "1 study, 3 images"
        QVERIFY(a->child(0)->text().contains(QLatin1String("Skin check")));

        // The junk file is listed with a reason; the side file is not a problem.
        QCOMPARE(browser.problemCount(), 1);
        QTreeWidgetItem *problem = browser.problemList()->topLevelItem(0);
        QCOMPARE(problem->text(0), QStringLiteral("junk.dcm"));
        QVERIFY(!problem->text(1).isEmpty());

        // Selecting an instance fills the tag table and the preview.
        QStandardItem *inst = browser.instanceItem(m_firstA);
        QVERIFY(inst);
        browser.tree()->setCurrentIndex(inst->index());
        QTableWidget *tags = browser.tagTable();
        QTRY_VERIFY(tags->rowCount() > 10); // read as a job
        bool hasPatientId = false;
        for (int r = 0; r < tags->rowCount(); ++r)
            if (tags->item(r, 0)->text().contains(QLatin1String("PatientID")) &&
                tags->item(r, 1)->text() == QLatin1String("PAT-A"))
                hasPatientId = true;
        QVERIFY(hasPatientId);
        QTRY_VERIFY(!browser.preview()->pixmap().isNull());
        // Thumbnails arrive for the expanded series.
        QTRY_VERIFY(inst->data(Qt::DecorationRole).isValid());

        QPushButton *import = buttonWithText(&browser, QStringLiteral("Import as dataset"));
        QVERIFY(import && import->isEnabled());
        QSignalSpy importSpy(&browser, &DicomBrowser::importRequested);
        import->click();
        QCOMPARE(importSpy.count(), 1);
        QCOMPARE(importSpy.front().front().toString(), QDir::cleanPath(m_folder));
    }

    void render()
    {
        fopro::JobManager jobs;
        DicomBrowser browser(&jobs);
        browser.resize(1000, 700);
        browser.show();
        QSignalSpy finished(&browser, &DicomBrowser::scanFinished);
        browser.setFolder(m_folder);
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 20000);
        QStandardItem *inst = browser.instanceItem(m_firstA);
        QVERIFY(inst);
        browser.tree()->setCurrentIndex(inst->index());
        QTRY_VERIFY(!browser.preview()->pixmap().isNull());
        for (const QString &f : {m_firstA, m_folder + QStringLiteral("/b/b1_1.dcm")})
            QTRY_VERIFY(browser.instanceItem(f)->data(Qt::DecorationRole).isValid());
        QApplication::processEvents();
        const QImage shot = browser.grab().toImage();
        const QString out = QDir::current().filePath(QStringLiteral("tst_dicombrowser.png"));
        QVERIFY(shot.save(out));
        QVERIFY(fopro::test::distinctColours(shot, 3) > 50);
    }

    void cancelAndRescan()
    {
        fopro::JobManager jobs;
        DicomBrowser browser(&jobs);
        QSignalSpy finished(&browser, &DicomBrowser::scanFinished);
        browser.setFolder(m_folder);
        browser.setFolder(m_folder); // cancels the first scan, starts again
        QTRY_VERIFY_WITH_TIMEOUT(!browser.isScanning() && finished.count() >= 1, 20000);
        QTRY_COMPARE(browser.model()->rowCount(), 2);
    }

    void pydicomFiles()
    {
        const QString dir = fopro::test::pydicomTestFiles();
        if (dir.isEmpty()) QSKIP("pydicom's test files are not installed (packaging/install-deps.sh)");
        fopro::JobManager jobs;
        DicomBrowser browser(&jobs);
        QSignalSpy finished(&browser, &DicomBrowser::scanFinished);
        browser.setFolder(dir);
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 60000);
        QVERIFY(browser.model()->rowCount() > 0);
        QVERIFY(browser.problemCount() > 0); // JPEG 2000, RT, truncated files
        bool jp2 = false;
        for (int i = 0; i < browser.problemCount(); ++i) {
            const QTreeWidgetItem *p = browser.problemList()->topLevelItem(i);
            QVERIFY2(!p->text(1).isEmpty(), qPrintable(p->text(0)));
            if (p->text(0).contains(QLatin1String("JPEG2000"))) jp2 = true;
        }
        QVERIFY(jp2);
        // Every readable instance can be selected without trouble.
        QStandardItemModel *m = browser.model();
        int selected = 0;
        for (int p = 0; p < m->rowCount() && selected < 20; ++p) {
            QStandardItem *study = m->item(p)->child(0);
            QStandardItem *inst = study->child(0)->child(0);
            browser.tree()->setCurrentIndex(inst->index());
            QTRY_VERIFY(browser.tagTable()->rowCount() > 0);
            ++selected;
        }
        browser.resize(1000, 700);
        browser.show();
        QTest::qWait(300);
        QVERIFY(
            browser.grab().toImage().save(QDir::current().filePath(QStringLiteral("tst_dicombrowser_pydicom.png"))));
    }

    void exportDialog()
    {
        fopro::data::ImportOptions o;
        o.format = QStringLiteral("dicom");
        o.dicomLabelAttribute = QStringLiteral("BodyPartExamined");
        fopro::Result<fopro::data::ImportResult> imp = fopro::data::importDataset(m_folder, o);
        QVERIFY2(imp, qPrintable(imp.error().message()));
        const QString project = m_tmp.filePath(QStringLiteral("project"));
        const QString key = DeidentifyDialog::projectSecret(project);
        QVERIFY(key.size() >= 32);
        QCOMPARE(DeidentifyDialog::projectSecret(project), key); // kept per project
        QVERIFY(DeidentifyDialog::projectSecret(m_tmp.filePath(QStringLiteral("other"))) != key);

        fopro::JobManager jobs;
        DeidentifyDialog dlg(imp->index, project, &jobs);
        dlg.resize(640, 440);
        dlg.show();
        dlg.setOutputFolder(m_tmp.filePath(QStringLiteral("export")));
        dlg.setDateMode(fopro::data::DateMode::Shift);
        QSignalSpy done(&dlg, &DeidentifyDialog::exportFinished);
        QVERIFY(dlg.startExport());
        QTRY_COMPARE_WITH_TIMEOUT(done.count(), 1, 20000);
        QCOMPARE(done.front().front().toBool(), true);
        QVERIFY(QFile::exists(m_tmp.filePath(QStringLiteral("export/manifest.csv"))));
        QVERIFY(dlg.outcomeText().contains(QLatin1String("Exported 4 images")));
        // The same key gives the same pseudonyms as the core function.
        QFile manifest(m_tmp.filePath(QStringLiteral("export/manifest.csv")));
        QVERIFY(manifest.open(QIODevice::ReadOnly));
        const QByteArray text = manifest.readAll();
        QVERIFY(text.contains(fopro::data::pseudonym(QStringLiteral("PAT-A"), key.toUtf8()).toUtf8()));
        QVERIFY(!text.contains("PAT-A") && !text.contains("Alpha"));
        QVERIFY(dlg.grab().toImage().save(QDir::current().filePath(QStringLiteral("tst_dicombrowser_export.png"))));

        // A second export into the same, now non-empty folder is refused with a reason.
        done.clear();
        QVERIFY(dlg.startExport());
        QTRY_COMPARE_WITH_TIMEOUT(done.count(), 1, 20000);
        QCOMPARE(done.front().front().toBool(), false);
        QVERIFY(dlg.outcomeText().contains(QLatin1String("not empty")));
    }
};

QTEST_MAIN(TestDicomBrowser)
#include "tst_dicombrowser.moc"
