// The Inspector and the Split manager offscreen: the current image decoded off the GUI thread and
// shown with its metadata (and every DICOM attribute for a DICOM frame), decoding errors shown with
// the file and the reason; splits by fractions, k folds and long-tail sub-sampling computed off the
// GUI thread, applied as one undoable step that undo reverts exactly, without group leaks; the
// duplicate / leakage report. The dialog, the inspector and the page are rendered to PNG files in
// the working folder and checked for non-blank content.
#include "core/data/importer.h"
#include "core/data/longtail.h"
#include "core/data/splits.h"
#include "core/project/project.h"
#include "tests/support/imagecheck.h"
#include "tests/support/testsupport.h"
#include "ui/dataset/datasetmodel.h"
#include "ui/dataset/datasetpage.h"
#include "ui/dataset/inspectorpanel.h"
#include "ui/dataset/splitmanager.h"
#include "ui/shell/page.h"
#include "ui/shell/projectdocument.h"

#include <QtTest/QtTest>
#include <QtWidgets/QListView>
#include <QtWidgets/QTableWidget>

using namespace fopro;
using fopro::test::patternImage;
using fopro::test::writeImage;

namespace {

QByteArray snapshot(const data::DatasetIndex &d)
{
    QByteArray b = d.classes.join(QLatin1Char('|')).toUtf8();
    for (const data::Sample &s : d.samples)
        b += s.path.toUtf8() + ':' + QByteArray::number(s.label) + '/' + QByteArray::number(s.originalLabel) + '/' +
             QByteArray::number(s.flags) + '/' + QByteArray::number(int(s.split)) + ';';
    return b;
}

bool tableContains(const QTableWidget *t, const QString &text)
{
    for (int r = 0; r < t->rowCount(); ++r)
        for (int c = 0; c < t->columnCount(); ++c)
            if (t->item(r, c) && t->item(r, c)->text().contains(text)) return true;
    return false;
}

int sampleIndexOf(const data::DatasetIndex &d, const QString &fileName)
{
    for (std::size_t i = 0; i < d.samples.size(); ++i)
        if (d.samples[i].path.endsWith(fileName)) return int(i);
    return -1;
}

} // namespace

class TestInspector : public QObject {
    Q_OBJECT
    QTemporaryDir m_tmp;
    QString m_data;

    /// The test dataset as a fresh project: groups of two images (a "patient" each).
    project::Project makeProject()
    {
        auto r = data::importDataset(m_data);
        if (!r.ok()) qFatal("import failed: %s", qPrintable(r.error().message()));
        project::Project p;
        p.name = QStringLiteral("inspector");
        p.dataset = r->index;
        for (std::size_t i = 0; i < p.dataset.samples.size(); ++i) {
            data::Sample &s = p.dataset.samples[i];
            s.group = QStringLiteral("patient-%1-%2").arg(s.label).arg(i / 2);
            s.meta.insert(QStringLiteral("site"), QStringLiteral("clinic %1").arg(i % 3));
        }
        return p;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        m_data = m_tmp.filePath(QStringLiteral("lesions"));
        int seed = 0;
        const std::vector<std::pair<QString, int>> classes = {{"nevus", 20}, {"melanoma", 12}, {"keratosis", 8}};
        for (const auto &[cls, n] : classes)
            for (int i = 0; i < n; ++i)
                QVERIFY(writeImage(QStringLiteral("%1/%2/%2_%3.png").arg(m_data, cls).arg(i, 2, 10, QLatin1Char('0')),
                                   patternImage(160, 120, seed++)));
        // An exact duplicate (same bytes) for the leakage report, and a file that is no image.
        QVERIFY(QFile::copy(QStringLiteral("%1/nevus/nevus_00.png").arg(m_data),
                            QStringLiteral("%1/melanoma/copy_of_nevus_00.png").arg(m_data)));
        // A corrupt PNG: its signature and IEND chunk pass the importer's checks, its data does not decode.
        QVERIFY(fopro::test::writeText(QStringLiteral("%1/nevus/zz_broken.png").arg(m_data),
                                       QByteArray("\x89PNG\r\n\x1a\n this is not PNG data IEND")));
    }

    void inspectorShowsImageAndMetadata()
    {
        ui::ProjectDocument doc;
        doc.reset(makeProject(), true);
        JobManager jobs;
        ui::InspectorPanel panel(&doc, &jobs);
        panel.resize(420, 720);
        panel.show();
        const int idx = sampleIndexOf(doc.dataset(), QStringLiteral("melanoma_03.png"));
        QVERIFY(idx >= 0);
        QSignalSpy loaded(&panel, &ui::InspectorPanel::imageLoaded);
        panel.showSample(idx);
        QVERIFY(panel.isLoading() || loaded.count() == 1);
        QTRY_COMPARE_WITH_TIMEOUT(loaded.count(), 1, 20000);
        QCOMPARE(loaded.first().at(0).toInt(), idx);
        QCOMPARE(loaded.first().at(1).toBool(), true);
        QCOMPARE(panel.image().size(), QSize(160, 120));
        QVERIFY(panel.imageView()->hasImage());
        QCOMPARE(panel.metadataValue(QStringLiteral("File")), QStringLiteral("melanoma_03.png"));
        QCOMPARE(panel.metadataValue(QStringLiteral("Class")), QStringLiteral("melanoma"));
        QCOMPARE(panel.metadataValue(QStringLiteral("Imported class")), QStringLiteral("melanoma"));
        QVERIFY(!panel.metadataValue(QStringLiteral("Group")).isEmpty());
        QCOMPARE(panel.metadataValue(QStringLiteral("site")),
                 doc.dataset().samples[std::size_t(idx)].meta.value(QStringLiteral("site")));

        // Zoom and fit.
        const double fit = panel.imageView()->zoom();
        panel.imageView()->zoomBy(2.0);
        QVERIFY(qAbs(panel.imageView()->zoom() - 2 * fit) < 1e-9);
        QVERIFY(!panel.imageView()->fitsWindow());
        panel.imageView()->fitToWindow();
        QVERIFY(qAbs(panel.imageView()->zoom() - fit) < 1e-9);

        // Relabelling shows up as relabelled (through the document, undoably).
        auto e = data::makeRelabel(doc.dataset(), {idx}, doc.dataset().classIndex(QStringLiteral("nevus")));
        QVERIFY(e.ok());
        doc.apply(*e);
        QCOMPARE(panel.metadataValue(QStringLiteral("Class")), QStringLiteral("nevus"));
        QCOMPARE(panel.metadataValue(QStringLiteral("Imported class")), QStringLiteral("melanoma"));
        QVERIFY(panel.metadataValue(QStringLiteral("Flags")).contains(QStringLiteral("relabelled")));

        const QImage shot = panel.grab().toImage();
        QVERIFY(shot.save(QStringLiteral("inspector_panel.png")));
        QVERIFY(fopro::test::distinctColours(shot, 5) > 20);
        doc.undoStack()->undo();
        QCOMPARE(panel.metadataValue(QStringLiteral("Class")), QStringLiteral("melanoma"));
    }

    void staleResultsAreDropped()
    {
        ui::ProjectDocument doc;
        doc.reset(makeProject(), true);
        JobManager jobs;
        ui::InspectorPanel panel(&doc, &jobs);
        QSignalSpy loaded(&panel, &ui::InspectorPanel::imageLoaded);
        for (int i = 0; i < 6; ++i)
            panel.showSample(i); // quick browsing: only the last one arrives
        QTRY_COMPARE_WITH_TIMEOUT(loaded.count(), 1, 20000);
        QTest::qWait(300);
        QCOMPARE(loaded.count(), 1);
        QCOMPARE(loaded.first().at(0).toInt(), 5);
        QCOMPARE(panel.currentSample(), 5);
    }

    void undecodableFileIsReported()
    {
        ui::ProjectDocument doc;
        doc.reset(makeProject(), true);
        JobManager jobs;
        ui::InspectorPanel panel(&doc, &jobs);
        panel.resize(420, 600);
        const int idx = sampleIndexOf(doc.dataset(), QStringLiteral("zz_broken.png"));
        QVERIFY(idx >= 0);
        QSignalSpy loaded(&panel, &ui::InspectorPanel::imageLoaded);
        panel.showSample(idx);
        QTRY_COMPARE_WITH_TIMEOUT(loaded.count(), 1, 20000);
        QCOMPARE(loaded.first().at(1).toBool(), false);
        QVERIFY2(panel.errorText().contains(QStringLiteral("zz_broken.png")), qPrintable(panel.errorText()));
        QVERIFY(panel.image().isNull());
        QVERIFY(!panel.imageView()->hasImage());
        QCOMPARE(panel.metadataValue(QStringLiteral("Decoding error")), panel.errorText());
        const QImage shot = panel.grab().toImage();
        QVERIFY(shot.save(QStringLiteral("inspector_error.png")));
    }

    void dicomAttributes()
    {
        const QString dir = fopro::test::pydicomTestFiles();
        if (dir.isEmpty() || !QFileInfo::exists(dir + QStringLiteral("/CT_small.dcm")))
            QSKIP("pydicom's CT_small.dcm is not installed");
        project::Project p;
        p.dataset.format = QStringLiteral("dicom");
        p.dataset.root = dir;
        p.dataset.classes = {QStringLiteral("ct")};
        data::Sample s;
        s.path = QStringLiteral("CT_small.dcm");
        s.kind = data::SourceKind::DicomFrame;
        s.label = s.originalLabel = 0;
        p.dataset.samples.push_back(s);
        ui::ProjectDocument doc;
        doc.reset(p, false);
        JobManager jobs;
        ui::InspectorPanel panel(&doc, &jobs);
        panel.resize(480, 760);
        panel.show();
        QSignalSpy attrs(&panel, &ui::InspectorPanel::attributesLoaded);
        QSignalSpy loaded(&panel, &ui::InspectorPanel::imageLoaded);
        panel.showSample(0);
        QTRY_COMPARE_WITH_TIMEOUT(attrs.count(), 1, 20000);
        QTRY_COMPARE_WITH_TIMEOUT(loaded.count(), 1, 20000);
        QCOMPARE(attrs.first().at(1).toBool(), true);
        QCOMPARE(loaded.first().at(1).toBool(), true);
        QVERIFY(panel.dicomAttributeCount() > 20);
        QVERIFY(tableContains(panel.metadataTable(), QStringLiteral("PatientID")));
        QVERIFY(!panel.isLoading());
        const QImage shot = panel.grab().toImage();
        QVERIFY(shot.save(QStringLiteral("inspector_dicom.png")));
        QVERIFY(fopro::test::distinctColours(shot, 5) > 20);
    }

    void splitFractionsApplyAndUndo()
    {
        ui::ProjectDocument doc;
        doc.reset(makeProject(), true);
        const QByteArray before = snapshot(doc.dataset());
        const data::DatasetIndex beforeIndex = doc.dataset();
        JobManager jobs;
        ui::SplitManagerDialog dlg(&doc, &jobs);
        dlg.setMode(ui::SplitManagerDialog::Mode::Fractions);
        dlg.setFractions(60, 20, 20);
        dlg.setSeed(0);
        dlg.compute();
        QVERIFY(!dlg.hasProposal());
        QTRY_VERIFY_WITH_TIMEOUT(dlg.hasProposal(), 20000);
        QCOMPARE(dlg.groupLeakCount(), 0);
        QCOMPARE(dlg.proposedEdit().description, QStringLiteral("Split 60/20/20 (seed 0)"));
        // The preview counts every active sample once.
        QTableWidget *t = dlg.previewTable();
        QCOMPARE(t->rowCount(), doc.dataset().classCount() + 1);
        int total = 0;
        for (int c = 1; c <= 4; ++c)
            total += t->item(t->rowCount() - 1, c)->text().toInt();
        QCOMPARE(total, int(doc.dataset().samples.size()));

        // The duplicate / leakage report finds the copied image.
        QSignalSpy dups(&dlg, &ui::SplitManagerDialog::duplicatesChecked);
        dlg.checkDuplicates();
        QTRY_COMPARE_WITH_TIMEOUT(dups.count(), 1, 60000);
        QCOMPARE(dups.first().first().toBool(), true);
        QVERIFY2(dlg.duplicateReportText().contains(QStringLiteral("copy_of_nevus_00.png")),
                 qPrintable(dlg.duplicateReportText()));
        QVERIFY(dlg.duplicateReportText().contains(QStringLiteral("zz_broken.png"))); // the unreadable file is named

        dlg.resize(760, 640);
        dlg.show();
        QTest::qWait(50);
        const QImage shot = dlg.grab().toImage();
        QVERIFY(shot.save(QStringLiteral("split_manager.png")));
        QVERIFY(fopro::test::distinctColours(shot, 5) > 5);

        const int steps = doc.undoStack()->count();
        QVERIFY(dlg.applyProposal());
        QCOMPARE(doc.undoStack()->count(), steps + 1);
        QCOMPARE(doc.undoStack()->undoText(), QStringLiteral("Split 60/20/20 (seed 0)"));
        const data::DatasetIndex &d = doc.dataset();
        QVERIFY(data::findGroupLeaks(d).empty());
        std::map<data::Split, int> perSplit;
        for (const data::Sample &s : d.samples)
            ++perSplit[s.split];
        QCOMPARE(perSplit[data::Split::None], 0);
        QVERIFY(perSplit[data::Split::Train] > perSplit[data::Split::Val]);
        QVERIFY(perSplit[data::Split::Val] > 0 && perSplit[data::Split::Test] > 0);
        // Every class is in every split.
        for (data::Split s : {data::Split::Train, data::Split::Val, data::Split::Test})
            for (int n : d.classCounts(s))
                QVERIFY(n > 0);
        // Same result as the core function.
        data::DatasetIndex expected = beforeIndex;
        QVERIFY(data::assignSplits(expected, {0.6, 0.2, 0.2}, 0).ok());
        QCOMPARE(snapshot(d), snapshot(expected));

        doc.undoStack()->undo();
        QCOMPARE(snapshot(doc.dataset()), before);
        doc.undoStack()->redo();
        QVERIFY(data::findGroupLeaks(doc.dataset()).empty());
    }

    void kFoldAndHyperKvasir()
    {
        ui::ProjectDocument doc;
        doc.reset(makeProject(), true);
        JobManager jobs;
        ui::SplitManagerDialog dlg(&doc, &jobs);
        dlg.setMode(ui::SplitManagerDialog::Mode::KFold);
        dlg.setKFold(4, 2, 25);
        dlg.setSeed(3);
        dlg.compute();
        QTRY_VERIFY_WITH_TIMEOUT(dlg.hasProposal(), 20000);
        QCOMPARE(dlg.groupLeakCount(), 0);
        auto folds = data::stratifiedGroupKFold(doc.dataset(), 4, 3);
        QVERIFY(folds.ok());
        const data::DatasetIndex expected = data::foldIndex(doc.dataset(), *folds, 1, 0.25, 3);
        QVERIFY(dlg.applyProposal());
        QCOMPARE(snapshot(doc.dataset()), snapshot(expected));

        dlg.setMode(ui::SplitManagerDialog::Mode::HyperKvasir);
        dlg.setHyperKvasir(5, 0);
        dlg.compute();
        QTRY_VERIFY_WITH_TIMEOUT(dlg.hasProposal(), 20000);
        auto hk = data::hyperKvasirFolds(doc.dataset());
        QVERIFY(hk.ok());
        const data::DatasetIndex expectedHk = data::foldIndex(doc.dataset(), *hk, 4);
        QVERIFY(dlg.applyProposal());
        QCOMPARE(snapshot(doc.dataset()), snapshot(expectedHk));
        QCOMPARE(doc.undoStack()->undoText(), QStringLiteral("Split HyperKvasir 5-fold, fold 5 as test"));
    }

    void longTailExcludesTheRightSamples()
    {
        ui::ProjectDocument doc;
        doc.reset(makeProject(), true);
        const QByteArray before = snapshot(doc.dataset());
        data::LongTailOptions o;
        o.factor = 0.1;
        o.valPerClass = 2;
        o.testPerClass = 2;
        o.seed = 7;
        auto lt = data::makeLongTail(doc.dataset(), o);
        QVERIFY2(lt.ok(), qPrintable(lt.error().message()));
        int active = 0;
        for (const data::Sample &s : doc.dataset().samples)
            active += data::DatasetIndex::isActive(s);
        const int expectedExcluded = active - int(lt->samples.size());
        QVERIFY(expectedExcluded > 0);

        JobManager jobs;
        ui::SplitManagerDialog dlg(&doc, &jobs);
        dlg.setMode(ui::SplitManagerDialog::Mode::LongTail);
        dlg.setLongTail(0.1, 2, 2);
        dlg.setSeed(7);
        dlg.compute();
        QTRY_VERIFY_WITH_TIMEOUT(dlg.hasProposal(), 20000);
        QVERIFY(dlg.applyProposal());
        QCOMPARE(doc.undoStack()->count(), 1);
        int excluded = 0;
        QHash<QString, data::Split> kept;
        for (const data::Sample &s : lt->samples)
            kept.insert(s.id(), s.split);
        for (const data::Sample &s : doc.dataset().samples) {
            if (s.has(data::FlagExcluded)) {
                ++excluded;
                QCOMPARE(s.split, data::Split::None);
                QVERIFY(!kept.contains(s.id()));
            } else {
                QVERIFY(kept.contains(s.id()));
                QCOMPARE(s.split, kept.value(s.id()));
            }
        }
        QCOMPARE(excluded, expectedExcluded);
        // Per-class held-out counts are exact.
        for (int n : doc.dataset().classCounts(data::Split::Test))
            QCOMPARE(n, 2);
        doc.undoStack()->undo();
        QCOMPARE(snapshot(doc.dataset()), before);
    }

    void pageFollowsTheCurrentImage()
    {
        ui::ProjectDocument doc;
        JobManager jobs;
        ui::PageContext context;
        context.jobs = &jobs;
        context.document = &doc;
        ui::DatasetPage page(context);
        doc.reset(makeProject(), true);
        page.resize(1280, 820);
        page.show();
        QSignalSpy loaded(page.inspector(), &ui::InspectorPanel::imageLoaded);
        const QModelIndex second = page.filterModel()->index(1, 0);
        page.view()->setCurrentIndex(second);
        QCOMPARE(page.inspector()->currentSample(), second.data(ui::DatasetModel::SampleIndexRole).toInt());
        QTRY_COMPARE_WITH_TIMEOUT(loaded.count(), 1, 20000);
        QTest::qWait(800); // thumbnails
        const QImage shot = page.grab().toImage();
        QVERIFY(shot.save(QStringLiteral("dataset_page_inspector.png")));
        QVERIFY(fopro::test::distinctColours(shot, 5) > 20);
        // A new dataset clears the inspector.
        doc.reset(makeProject(), true);
        QCOMPARE(page.inspector()->currentSample(), -1);
    }
};

QTEST_MAIN(TestInspector)
#include "tst_inspector.moc"
