// The Dataset page and the project document offscreen: item models under QAbstractItemModelTester,
// every curation action undone and redone through the undo stack, the import preview, and the
// round trip import → relabel → undo → redo → save → reopen → same state. Each window is rendered
// to a PNG in the working folder and checked for size and non-blank content.
#include "core/data/importer.h"
#include "core/project/project.h"
#include "tests/support/imagecheck.h"
#include "tests/support/testsupport.h"
#include "ui/dataset/datasetmodel.h"
#include "ui/dataset/datasetpage.h"
#include "ui/shell/importdialog.h"
#include "ui/shell/mainwindow.h"
#include "ui/shell/page.h"
#include "ui/shell/projectdocument.h"

#include <QtTest/QAbstractItemModelTester>
#include <QtTest/QtTest>
#include <QtWidgets/QListView>

using namespace fopro;
using fopro::test::patternImage;
using fopro::test::writeImage;

namespace {

QByteArray snapshot(const data::DatasetIndex &d)
{
    QByteArray b = d.classes.join(QLatin1Char('|')).toUtf8();
    for (const data::Sample &s : d.samples)
        b += s.path.toUtf8() + ':' + QByteArray::number(s.label) + '/' + QByteArray::number(s.flags) + '/' +
             QByteArray::number(int(s.split)) + ';';
    return b;
}

void select(ui::DatasetPage *page, const std::vector<int> &proxyRows)
{
    QItemSelection sel;
    for (int r : proxyRows) {
        const QModelIndex i = page->filterModel()->index(r, 0);
        sel.select(i, i);
    }
    page->view()->selectionModel()->select(sel, QItemSelectionModel::ClearAndSelect);
}

} // namespace

class TestDatasetPage : public QObject {
    Q_OBJECT
    QTemporaryDir m_tmp;
    QString m_data;

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        m_data = m_tmp.filePath(QStringLiteral("lesions"));
        int seed = 0;
        const std::vector<std::pair<QString, int>> classes = {{"nevus", 9}, {"melanoma", 4}, {"dermatofibroma", 2}};
        for (const auto &[cls, n] : classes)
            for (int i = 0; i < n; ++i)
                QVERIFY(writeImage(QStringLiteral("%1/%2/%2_%3.jpg").arg(m_data, cls).arg(i),
                                   patternImage(48, 40, seed++)));
    }

    void modelsPassTheTester()
    {
        auto r = data::importDataset(m_data);
        QVERIFY(r.ok());
        ui::DatasetModel model;
        QAbstractItemModelTester t1(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setDataset(&r->index);
        QCOMPARE(model.rowCount(), 15);
        ui::SampleFilterModel filter;
        QAbstractItemModelTester t2(&filter, QAbstractItemModelTester::FailureReportingMode::QtTest);
        filter.setSourceModel(&model);
        filter.setClassFilter(r->index.classIndex(QStringLiteral("melanoma")));
        QCOMPARE(filter.rowCount(), 4);
        filter.setClassFilter(std::nullopt);
        filter.setTextFilter(QStringLiteral("nevus_1"));
        QCOMPARE(filter.rowCount(), 1);
        filter.setTextFilter(QString());
        filter.setSortKey(ui::SampleFilterModel::SortKey::Path);
        QCOMPARE(filter.index(0, 0).data(ui::DatasetModel::PathRole).toString(),
                 QStringLiteral("dermatofibroma/dermatofibroma_0.jpg"));
        model.setDataset(nullptr);
        QCOMPARE(filter.rowCount(), 0);
    }

    void importPreview()
    {
        JobManager jobs;
        ui::ImportDialog dlg(m_data, &jobs);
        QSignalSpy done(&dlg, &ui::ImportDialog::finished_);
        QVERIFY(done.wait(20000));
        QCOMPARE(done.first().first().toBool(), true);
        QVERIFY(dlg.succeeded());
        QCOMPARE(int(dlg.result().index.samples.size()), 15);
        dlg.resize(720, 560);
        const QImage shot = dlg.grab().toImage();
        QVERIFY(shot.save(QStringLiteral("import_preview.png")));
        QVERIFY(fopro::test::distinctColours(shot, 7) > 5);

        // The class mapping edited in the preview: a rename, and a merge into an existing name.
        dlg.setClassName(QStringLiteral("dermatofibroma"), QStringLiteral("DF"));
        dlg.setClassName(QStringLiteral("melanoma"), QStringLiteral("nevus"));
        QCOMPARE(dlg.classMapping().size(), 2);
        auto mapped = dlg.mappedDataset();
        QVERIFY2(mapped.ok(), qPrintable(mapped.error().message()));
        QCOMPARE(mapped->classes, (QStringList{QStringLiteral("DF"), QStringLiteral("nevus")}));
        QCOMPARE(mapped->classCounts(), (std::vector<int>{2, 13}));
        for (const data::Sample &s : mapped->samples)
            QVERIFY(!s.has(data::FlagRelabelled));

        ui::ImportDialog bad(m_tmp.filePath(QStringLiteral("nothing-here")), &jobs);
        QSignalSpy failed(&bad, &ui::ImportDialog::finished_);
        QVERIFY(failed.wait(20000));
        QCOMPARE(failed.first().first().toBool(), false);
        QVERIFY(!bad.succeeded());
    }

    void everyActionUndoesAndRedoes()
    {
        ui::ProjectDocument doc;
        JobManager jobs;
        ui::PageContext context;
        context.jobs = &jobs;
        context.document = &doc;
        ui::DatasetPage page(context);
        auto r = data::importDataset(m_data);
        QVERIFY(r.ok());
        project::Project p;
        p.dataset = r->index;
        doc.reset(p, true);
        QCOMPARE(page.filterModel()->rowCount(), 15);
        const int mel = doc.dataset().classIndex(QStringLiteral("melanoma"));
        const int nev = doc.dataset().classIndex(QStringLiteral("nevus"));

        const std::vector<std::function<void()>> actions = {
            [&] {
                select(&page, {0, 1});
                page.relabelSelection(mel);
            },
            [&] {
                select(&page, {2, 3, 4});
                page.excludeSelection(true);
            },
            [&] {
                select(&page, {3});
                page.excludeSelection(false);
            },
            [&] {
                select(&page, {5});
                page.flagSelection(true);
            },
            [&] {
                select(&page, {6, 7});
                page.moveSelection(int(data::Split::Test));
            },
            [&] { page.renameClass(nev, QStringLiteral("naevus")); },
            [&] { page.mergeClasses({mel}, nev); },
        };
        QStack<QByteArray> states;
        for (const auto &action : actions) {
            states.push(snapshot(doc.dataset()));
            const int before = doc.undoStack()->count();
            action();
            QCOMPARE(doc.undoStack()->count(), before + 1);
            QVERIFY(snapshot(doc.dataset()) != states.top());
        }
        const QByteArray last = snapshot(doc.dataset());
        QCOMPARE(doc.dataset().classes.size(), 2); // merged
        for (int k = int(actions.size()) - 1; k >= 0; --k) {
            doc.undoStack()->undo();
            QCOMPARE(snapshot(doc.dataset()), states.pop());
        }
        for (std::size_t k = 0; k < actions.size(); ++k)
            doc.undoStack()->redo();
        QCOMPARE(snapshot(doc.dataset()), last);
        QCOMPARE(doc.undoStack()->undoText(), QStringLiteral("Merge melanoma into naevus"));
        QVERIFY(doc.project().history.size() >= 2 * int(actions.size()));
    }

    void importRelabelUndoSaveReopen()
    {
        ui::MainWindow window;
        window.resize(1280, 860);
        window.show();
        auto r = data::importDataset(m_data);
        QVERIFY(r.ok());
        project::Project p;
        p.name = QStringLiteral("lesions");
        p.dataset = r->index;
        window.document()->reset(p, true);
        auto *page = qobject_cast<ui::DatasetPage *>(window.page(QStringLiteral("dataset")));
        QVERIFY(page);
        const int df = window.document()->dataset().classIndex(QStringLiteral("dermatofibroma"));
        page->showClass(window.document()->dataset().classIndex(QStringLiteral("nevus")));
        QCOMPARE(page->filterModel()->rowCount(), 9);
        select(page, {0, 1, 2});
        page->relabelSelection(df);
        const QByteArray relabelled = snapshot(window.document()->dataset());
        window.document()->undoStack()->undo();
        window.document()->undoStack()->redo();
        QCOMPARE(snapshot(window.document()->dataset()), relabelled);
        QCOMPARE(window.document()->dataset().classCounts()[std::size_t(df)], 5);

        const QString folder = m_tmp.filePath(QStringLiteral("project"));
        QVERIFY(window.saveAs(folder));
        QVERIFY(!window.document()->isDirty());
        auto reopened = project::Project::open(folder);
        QVERIFY2(reopened.ok(), qPrintable(reopened.error().message()));
        QCOMPARE(snapshot(reopened->dataset), relabelled);
        QCOMPARE(reopened->history.last().description, QStringLiteral("Relabel 3 images as dermatofibroma"));
        QVERIFY(QFileInfo::exists(reopened->dataset.absolutePath(reopened->dataset.samples.front())));

        // Opening it in a window gives the same state.
        ui::MainWindow second;
        QVERIFY(second.openProject(folder));
        QCOMPARE(snapshot(second.document()->dataset()), relabelled);

        // Thumbnails arrive off the GUI thread; then the page is rendered.
        page->showClass(-1);
        QTest::qWait(1500);
        const QImage shot = window.grab().toImage();
        QVERIFY(shot.save(QStringLiteral("dataset_page.png")));
        QVERIFY(shot.width() >= 1000 && shot.height() >= 700);
        QVERIFY(fopro::test::distinctColours(shot, 7) > 20);
    }

    void failedSaveKeepsTheProjectOpen()
    {
        ui::ProjectDocument doc;
        project::Project p;
        p.dataset.classes = {QStringLiteral("a")};
        doc.reset(p, true);
        QVERIFY(fopro::test::writeText(m_tmp.filePath(QStringLiteral("afile")), "x"));
        auto ok = doc.save(m_tmp.filePath(QStringLiteral("afile/sub")));
        QVERIFY(!ok.ok());
        QVERIFY(doc.isDirty());
        QVERIFY(!doc.hasFolder());
    }
};

QTEST_MAIN(TestDatasetPage)
#include "tst_datasetpage.moc"
