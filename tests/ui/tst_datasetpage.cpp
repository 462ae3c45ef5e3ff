// The Dataset page and the project document offscreen: item models under QAbstractItemModelTester,
// every curation action undone and redone through the undo stack, the import preview, and the
// round trip import → relabel → undo → redo → save → reopen → same state. Each window is rendered
// to a PNG in the working folder and checked for size and non-blank content.
//
// Issue 12 (the Dataset page as a clinician meets it): one test per defect, named after it
// (d01_… to d16_…), and the keyboard, the large viewer and duplicate clusters ("also expected").
// The plot's own defects (9, 16: legend) are in tst_longtailreadability.cpp.
#include "core/data/importer.h"
#include "core/data/splits.h"
#include "core/project/project.h"
#include "tests/support/imagecheck.h"
#include "tests/support/testsupport.h"
#include "ui/dataset/datasetmodel.h"
#include "ui/dataset/datasetpage.h"
#include "ui/dataset/dicombrowser.h"
#include "ui/dataset/imageviewer.h"
#include "ui/dataset/inspectorpanel.h"
#include "ui/dataset/longtailplot.h"
#include "ui/dataset/sidebyside.h"
#include "ui/dataset/splitmanager.h"
#include "ui/shell/historydialog.h"
#include "ui/shell/importdialog.h"
#include "ui/shell/mainwindow.h"
#include "ui/shell/page.h"
#include "ui/shell/projectdocument.h"

#include <QtTest/QAbstractItemModelTester>
#include <QtTest/QtTest>
#include <QtWidgets/QApplication>
#include <QtWidgets/QCheckBox>
#include <QtWidgets/QComboBox>
#include <QtWidgets/QGroupBox>
#include <QtWidgets/QLabel>
#include <QtWidgets/QLineEdit>
#include <QtWidgets/QListView>
#include <QtWidgets/QListWidget>
#include <QtWidgets/QMenuBar>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QSlider>
#include <QtWidgets/QSpinBox>
#include <QtWidgets/QTableWidget>
#include <QtWidgets/QToolBar>
#include <QtWidgets/QToolButton>
#include <QtWidgets/QTreeWidget>

#include <opencv2/imgcodecs.hpp>

#include <functional>

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

/// Runs `act` on the next modal dialog (polling for up to 10 s); a dialog that `act` leaves open
/// is rejected so the test never hangs.
void onNextModal(std::function<void(QWidget *)> act)
{
    auto *timer = new QTimer;
    auto *clock = new QElapsedTimer;
    clock->start();
    timer->setInterval(20);
    QObject::connect(timer, &QTimer::timeout, [timer, clock, act] {
        QWidget *modal = QApplication::activeModalWidget();
        if (!modal && clock->elapsed() < 10000) return;
        timer->stop();
        timer->deleteLater();
        delete clock;
        if (!modal) return;
        act(modal);
        if (auto *d = qobject_cast<QDialog *>(modal); d && d->isVisible()) d->reject();
    });
    timer->start();
}

/// A window with `p` open on the Dataset page, shown at `size` and active (so shortcuts work).
ui::DatasetPage *openInWindow(ui::MainWindow &window, const project::Project &p, QSize size = QSize(1280, 860))
{
    window.document()->reset(p, false);
    window.resize(size);
    window.showPage(QStringLiteral("dataset"));
    window.show();
    window.activateWindow();
    if (!QTest::qWaitForWindowActive(&window)) qWarning("the window did not become active");
    return qobject_cast<ui::DatasetPage *>(window.page(QStringLiteral("dataset")));
}

QList<QKeySequence> allKeys(const QAction *a)
{
    return a ? a->shortcuts() : QList<QKeySequence>{};
}

/// Every visible button of `root` whose geometry is smaller than its size hint, or that lies
/// (partly) outside `root`: the text of each, empty when none.
QStringList clippedButtons(QWidget *root)
{
    QStringList out;
    const QRect bounds = root->rect();
    for (QAbstractButton *b : root->findChildren<QAbstractButton *>()) {
        if (!b->isVisibleTo(root) || b->window() != root) continue;
        const QSize hint = b->sizeHint();
        const QRect r(b->mapTo(root, QPoint(0, 0)), b->size());
        const QString name = b->text().isEmpty() ? b->toolTip() : b->text();
        if (b->width() < hint.width() || b->height() < hint.height())
            out << QStringLiteral("%1: %2x%3 < hint %4x%5")
                       .arg(name)
                       .arg(b->width())
                       .arg(b->height())
                       .arg(hint.width())
                       .arg(hint.height());
        else if (!bounds.contains(r))
            out << QStringLiteral("%1: outside the window at %2,%3").arg(name).arg(r.x()).arg(r.y());
    }
    return out;
}

} // namespace

class TestDatasetPage : public QObject {
    Q_OBJECT
    QTemporaryDir m_tmp;
    QString m_data;
    QString m_endo;

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
        // Endoscopy-like: long class names, a long tail, and one image copied under another name.
        m_endo = m_tmp.filePath(QStringLiteral("endoscopy"));
        const std::vector<std::pair<QString, int>> endo = {{"polyp", 24},
                                                           {"ulcerative-colitis-grade-1-2", 12},
                                                           {"dyed-resection-margins", 8},
                                                           {"barretts-short-segment", 4},
                                                           {"hemorrhoids", 2}};
        for (const auto &[cls, n] : endo)
            for (int i = 0; i < n; ++i)
                QVERIFY(writeImage(QStringLiteral("%1/%2/%2_%3.png").arg(m_endo, cls).arg(i),
                                   patternImage(40, 40, 1000 + seed++)));
        QVERIFY(QFile::copy(m_endo + QStringLiteral("/polyp/polyp_0.png"),
                            m_endo + QStringLiteral("/polyp/polyp_copy.png")));
    }

private:
    project::Project lesions()
    {
        auto r = data::importDataset(m_data);
        if (!r) qFatal("cannot import the fixture: %s", qPrintable(r.error().message()));
        project::Project p;
        p.name = QStringLiteral("lesions");
        p.dataset = r->index;
        return p;
    }

    project::Project endoscopy()
    {
        auto r = data::importDataset(m_endo);
        if (!r) qFatal("cannot import the fixture: %s", qPrintable(r.error().message()));
        project::Project p;
        p.name = QStringLiteral("endoscopy");
        p.dataset = r->index;
        if (!data::assignSplits(p.dataset, {0.7, 0.15, 0.15}, 0)) qFatal("cannot split the fixture");
        return p;
    }

private Q_SLOTS:

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

    // ---- Issue 12 -----------------------------------------------------------------------------

    void d01_redoByKeyboard()
    {
        ui::MainWindow window;
        ui::DatasetPage *page = openInWindow(window, lesions());
        QAction *redo = window.findChild<QAction *>(QStringLiteral("redo"));
        QVERIFY(redo);
        // Each key once: a key listed twice is an ambiguous shortcut and does nothing.
        const QList<QKeySequence> keys = allKeys(redo);
        QCOMPARE(QSet<QKeySequence>(keys.begin(), keys.end()).size(), keys.size());
        QVERIFY(keys.contains(QKeySequence(QStringLiteral("Ctrl+Shift+Z"))));
        QVERIFY(keys.contains(QKeySequence(QStringLiteral("Ctrl+Y"))));

        select(page, {0, 1});
        page->flagSelection(true);
        const QByteArray flagged = snapshot(window.document()->dataset());
        window.document()->undoStack()->undo();
        QVERIFY(snapshot(window.document()->dataset()) != flagged);
        page->view()->setFocus();
        QTest::keyClick(page->view(), Qt::Key_Z, Qt::ControlModifier | Qt::ShiftModifier);
        QCOMPARE(snapshot(window.document()->dataset()), flagged);
        window.document()->undoStack()->undo();
        QTest::keyClick(page->view(), Qt::Key_Y, Qt::ControlModifier);
        QCOMPARE(snapshot(window.document()->dataset()), flagged);
        QTest::keyClick(page->view(), Qt::Key_Z, Qt::ControlModifier); // and undo still works
        QVERIFY(snapshot(window.document()->dataset()) != flagged);
    }

    void d02_saveAsHasAKeyAndTheHelpSaysOnlyWhatExists()
    {
        ui::MainWindow window;
        QAction *saveAs = window.findChild<QAction *>(QStringLiteral("saveAs"));
        QVERIFY(saveAs);
        QVERIFY(!saveAs->shortcut().isEmpty()); // QKeySequence::SaveAs is empty outside GNOME
        const QString help = window.shortcutsHelpHtml();
        QVERIFY2(help.contains(saveAs->shortcut().toString(QKeySequence::NativeText).toHtmlEscaped()),
                 qPrintable(help));
        // Every key the help names belongs to an action of the window or of a page.
        QSet<QString> real;
        for (const QAction *a : window.findChildren<QAction *>())
            for (const QKeySequence &k : a->shortcuts())
                real << k.toString(QKeySequence::NativeText).toHtmlEscaped();
        static const QRegularExpression bold(QStringLiteral("<b>([^<]+)</b>"));
        for (auto it = bold.globalMatch(help); it.hasNext();) {
            const QString key = it.next().captured(1);
            if (key.contains(QStringLiteral("click"))) continue; // the mouse rows
            QVERIFY2(real.contains(key), qPrintable(QStringLiteral("the help lists %1, which no action has").arg(key)));
        }
    }

    void d03_thresholdsAreValidated()
    {
        ui::ProjectDocument doc;
        JobManager jobs;
        ui::PageContext context;
        context.jobs = &jobs;
        context.document = &doc;
        ui::DatasetPage page(context);
        doc.reset(lesions(), false);
        QSpinBox *head = page.headThresholdBox(), *tail = page.tailThresholdBox();
        QCOMPARE(page.thresholdPresetBox()->currentIndex(), 0); // Common (100 / 20)
        head->setValue(1000);
        tail->setValue(5000); // "tail < 5000" with "head > 1000": clamped
        QVERIFY(tail->value() <= head->value());
        QVERIFY(doc.thresholds().few <= doc.thresholds().many);
        QCOMPARE(doc.thresholds().many, 1000);
        QCOMPARE(page.thresholdPresetBox()->currentText(), QStringLiteral("Custom"));
        head->setValue(10); // cannot go below the tail threshold either
        QVERIFY(head->value() >= tail->value());
        // The preset box names the preset the values match.
        doc.setThresholds(data::TailThresholds::hyperKvasir());
        QVERIFY(page.thresholdPresetBox()->currentText().startsWith(QStringLiteral("HyperKvasir")));
        tail->setValue(71);
        QCOMPARE(page.thresholdPresetBox()->currentText(), QStringLiteral("Custom"));
        // The document refuses an inverted pair too.
        doc.setThresholds({100, 500});
        QVERIFY(doc.thresholds().few <= doc.thresholds().many);
    }

    void d04_applyAsksAndCanKeepTheTestSet()
    {
        ui::ProjectDocument doc;
        project::Project p = lesions();
        QVERIFY(data::assignSplits(p.dataset, {0.6, 0.2, 0.2}, 0).ok());
        doc.reset(p, false);
        const QByteArray before = snapshot(doc.dataset());
        JobManager jobs;
        ui::SplitManagerDialog dlg(&doc, &jobs);
        // A dataset with a test set: it is protected from the start.
        QVERIFY(dlg.keepTestBox()->isChecked());
        QVERIFY(dlg.keepTestBox()->text().contains(QStringLiteral("test")));
        dlg.setFractions(50, 25, 25);
        dlg.setSeed(3);
        dlg.compute();
        QTRY_VERIFY_WITH_TIMEOUT(dlg.hasProposal(), 20000);
        for (std::size_t i = 0; i < doc.dataset().samples.size(); ++i)
            if (doc.dataset().samples[i].split == data::Split::Test)
                QCOMPARE(dlg.proposedEdit().samples.end() ==
                             std::find(dlg.proposedEdit().samples.begin(), dlg.proposedEdit().samples.end(), int(i)),
                         true);
        // Unprotected: Apply asks, says the test set changes, and "No" changes nothing.
        dlg.keepTestBox()->setChecked(false);
        dlg.keepValBox()->setChecked(false);
        dlg.setSeed(4);
        dlg.compute();
        QTRY_VERIFY_WITH_TIMEOUT(dlg.hasProposal(), 20000);
        QString asked;
        dlg.setConfirmation([&asked](const QString &text) {
            asked = text;
            return false;
        });
        QTest::mouseClick(dlg.applyButton(), Qt::LeftButton);
        QVERIFY2(asked.contains(QStringLiteral("The test set changes")), qPrintable(asked));
        QVERIFY(asked.contains(QStringLiteral("test: ")));
        QCOMPARE(snapshot(doc.dataset()), before);
        QCOMPARE(doc.undoStack()->count(), 0);
        // "Yes" applies, as one undoable step.
        dlg.setConfirmation([](const QString &) { return true; });
        QVERIFY(dlg.confirmAndApply());
        QCOMPARE(doc.undoStack()->count(), 1);
        QVERIFY(snapshot(doc.dataset()) != before);
    }

    void d05_newProjectResetsFiltersAndEmptyGridExplains()
    {
        ui::ProjectDocument doc;
        JobManager jobs;
        ui::PageContext context;
        context.jobs = &jobs;
        context.document = &doc;
        ui::DatasetPage page(context);
        page.resize(1100, 800);
        page.show();
        doc.reset(lesions(), false);
        page.showClass(doc.dataset().classIndex(QStringLiteral("melanoma")));
        page.searchEdit()->setText(QStringLiteral("melanoma_1"));
        QTRY_COMPARE(page.filterModel()->rowCount(), 1);
        // Another project: every image shows, the filters are cleared.
        project::Project other = lesions();
        other.name = QStringLiteral("other");
        doc.reset(other, false);
        QCOMPARE(page.filterModel()->rowCount(), 15);
        QVERIFY(page.searchEdit()->text().isEmpty());
        QTRY_VERIFY(!page.emptyState()->isVisible());
        // Filters that leave nothing: the page says which, and "Clear filters" brings every image back.
        page.searchEdit()->setText(QStringLiteral("no-such-image"));
        QTRY_VERIFY(page.emptyState()->isVisible());
        QVERIFY2(page.emptyStateText().contains(QStringLiteral("no-such-image")), qPrintable(page.emptyStateText()));
        auto *clear = page.emptyState()->findChild<QPushButton *>();
        QVERIFY(clear && clear->isVisible());
        QTest::mouseClick(clear, Qt::LeftButton);
        QTRY_COMPARE(page.filterModel()->rowCount(), 15);
        QTRY_VERIFY(!page.emptyState()->isVisible());
        QVERIFY(page.view()->isVisible());
    }

    void d06_csvPreviewListsUnusableFiles()
    {
        const QString root = m_tmp.filePath(QStringLiteral("messycsv"));
        for (int i = 0; i < 4; ++i)
            QVERIFY(writeImage(QStringLiteral("%1/img%2.jpg").arg(root).arg(i), patternImage(40, 40, 50 + i)));
        QVERIFY(fopro::test::writeText(root + QStringLiteral("/empty.jpg"), QByteArray()));
        QVERIFY(fopro::test::writeText(root + QStringLiteral("/text.jpg"), "a text file named .jpg\n"));
        std::vector<uchar> jpg;
        cv::imencode(".jpg", patternImage(64, 64, 77), jpg);
        QVERIFY(
            fopro::test::writeText(root + QStringLiteral("/truncated.jpg"),
                                   QByteArray(reinterpret_cast<const char *>(jpg.data()), qsizetype(jpg.size() / 2))));
        QVERIFY(fopro::test::writeText(root + QStringLiteral("/list.csv"),
                                       "file,label\nimg0.jpg,a\nimg1.jpg,a\nimg2.jpg,b\nimg3.jpg,b\nempty.jpg,a\n"
                                       "text.jpg,b\ntruncated.jpg,a\n"));
        JobManager jobs;
        ui::ImportDialog dlg(root + QStringLiteral("/list.csv"), &jobs);
        QSignalSpy done(&dlg, &ui::ImportDialog::finished_);
        QVERIFY(done.wait(20000));
        QVERIFY(dlg.succeeded());
        QCOMPARE(int(dlg.result().index.samples.size()), 4); // the three unusable files are not counted
        QCOMPARE(dlg.unusableCount(), 3);
        QVERIFY(dlg.summary()->text().contains(QStringLiteral("4 images")));
        QStringList listed;
        for (QTreeWidgetItemIterator it(dlg.problemList()); *it; ++it)
            listed << (*it)->text(0) + QStringLiteral(": ") + (*it)->text(1);
        const QString all = listed.join(QLatin1Char('\n'));
        QVERIFY2(all.contains(QStringLiteral("empty.jpg: empty file")), qPrintable(all));
        QVERIFY2(all.contains(QStringLiteral("text.jpg: not an image file")), qPrintable(all));
        QVERIFY2(all.contains(QStringLiteral("truncated.jpg: truncated JPEG")), qPrintable(all));
        // The CSV's columns are offered, as on the command line (--path-column, --label-column).
        QVERIFY(dlg.csvOptions()->isVisible() || !dlg.isVisible());
        QCOMPARE(dlg.importerId(), QStringLiteral("csv"));
        QVERIFY(dlg.csvOptions()->findChild<QComboBox *>()->findText(QStringLiteral("label")) >= 0);
    }

    void d07_dicomImportOffersTheLabelAndRefusesAnEmptyImport()
    {
        const QString pydicom = fopro::test::pydicomTestFiles();
        if (pydicom.isEmpty()) QSKIP("pydicom's test files are not installed");
        const QString folder = m_tmp.filePath(QStringLiteral("dicomimport"));
        QVERIFY(QDir().mkpath(folder));
        for (const char *name : {"CT_small.dcm", "MR_small.dcm", "liver_1frame.dcm", "test-SR.dcm", "rtplan.dcm"})
            QVERIFY(QFile::copy(QDir(pydicom).filePath(QLatin1String(name)),
                                folder + QLatin1Char('/') + QLatin1String(name)));
        JobManager jobs;
        ui::ImportDialog dlg(folder, &jobs);
        dlg.show();
        QSignalSpy done(&dlg, &ui::ImportDialog::finished_);
        QVERIFY(done.wait(20000));
        QCOMPARE(dlg.importerId(), QStringLiteral("dicom"));
        QVERIFY(dlg.dicomOptions()->isVisible());
        QVERIFY(!dlg.csvOptions()->isVisible());
        // No label yet: the images are found, but Import is refused with the way out.
        QVERIFY(!dlg.succeeded());
        QVERIFY(!dlg.importButton()->isEnabled());
        QVERIFY2(dlg.refusal().contains(QStringLiteral("label")), qPrintable(dlg.refusal()));
        QCOMPARE(dlg.notImageCount(), 2); // the report and the RT plan are not "unreadable"
        data::ImportOptions o = dlg.options();
        o.dicomLabelAttribute = QStringLiteral("Modality");
        done.clear();
        dlg.setOptions(o);
        QVERIFY(done.wait(20000));
        QVERIFY2(dlg.succeeded(), qPrintable(dlg.refusal()));
        QVERIFY(dlg.importButton()->isEnabled());
        QVERIFY(dlg.result().index.classes.contains(QStringLiteral("CT")));
        QVERIFY(dlg.result().index.classes.contains(QStringLiteral("MR")));
        // A sidecar CSV labels them instead, every frame as an option.
        QVERIFY(fopro::test::writeText(m_tmp.filePath(QStringLiteral("sidecar.csv")),
                                       "file,label\nCT_small.dcm,chest\nMR_small.dcm,head\nliver_1frame.dcm,liver\n"));
        o.dicomLabelAttribute.clear();
        o.sidecarCsv = m_tmp.filePath(QStringLiteral("sidecar.csv"));
        o.dicomAllFrames = true;
        done.clear();
        dlg.setOptions(o);
        QVERIFY(done.wait(20000));
        QVERIFY2(dlg.succeeded(), qPrintable(dlg.refusal()));
        QCOMPARE(dlg.result().index.classCount(), 3);
        QCOMPARE(dlg.options().sidecarCsv, o.sidecarCsv);
        QVERIFY(dlg.options().dicomAllFrames);
        QTest::qWait(100); // the layout follows the new summary
        const QImage shot = dlg.grab().toImage();
        QVERIFY(shot.save(QStringLiteral("import_dicom_preview.png")));
    }

    void d08_noClippedActionAt1024x700()
    {
        for (const QSize size : {QSize(1024, 700), QSize(1280, 800)}) {
            ui::MainWindow window;
            ui::DatasetPage *page = openInWindow(window, endoscopy(), size);
            QTest::qWait(200);
            const QStringList clipped = clippedButtons(&window);
            QVERIFY2(clipped.isEmpty(), qPrintable(QStringLiteral("at %1x%2: %3")
                                                       .arg(size.width())
                                                       .arg(size.height())
                                                       .arg(clipped.join(QStringLiteral("; ")))));
            // The bars overflow into their » menu rather than squeeze their buttons.
            for (QToolBar *bar : {page->filterBar(), page->curationBar()})
                QVERIFY(bar->geometry().right() <= page->width());
            // The count line shows its whole text.
            QLabel *count = page->countLabel();
            QVERIFY(count->isVisible());
            QVERIFY2(count->width() >= count->fontMetrics().horizontalAdvance(count->text()),
                     qPrintable(count->text()));
            const QImage shot = window.grab().toImage();
            QVERIFY(shot.save(QStringLiteral("dataset_page_%1x%2.png").arg(size.width()).arg(size.height())));
        }
    }

    void d09_logScaleByDefaultWhenStronglyImbalanced()
    {
        // The plot's geometry (labels, small segments, side-by-side bars on log) is in
        // tst_longtailreadability; here the page's default scale.
        ui::ProjectDocument doc;
        JobManager jobs;
        ui::PageContext context;
        context.jobs = &jobs;
        context.document = &doc;
        ui::DatasetPage page(context);
        doc.reset(lesions(), false); // 9 : 2, imbalance 4.5
        QVERIFY(!page.plot()->logScale());
        project::Project skewed = lesions();
        for (int i = 0; i < 60; ++i) { // 69 : 2 = 34.5
            data::Sample s = skewed.dataset.samples.back();
            s.path = QStringLiteral("extra/%1.jpg").arg(i);
            s.label = s.originalLabel = skewed.dataset.classIndex(QStringLiteral("nevus"));
            skewed.dataset.samples.push_back(s);
        }
        doc.reset(skewed, false);
        QVERIFY(page.plot()->logScale());
    }

    void d10_importPreviewUsesTheProjectThresholds()
    {
        // 100 images in one class: "head" by 100/20 would be... medium (not > 100); with 50/10
        // head; with the HyperKvasir 700/70, medium. The preview must agree with the project.
        const QString root = m_tmp.filePath(QStringLiteral("thresholds"));
        for (int i = 0; i < 80; ++i)
            QVERIFY(writeImage(QStringLiteral("%1/big/b%2.png").arg(root).arg(i), patternImage(16, 16, 200 + i)));
        for (int i = 0; i < 30; ++i)
            QVERIFY(writeImage(QStringLiteral("%1/small/s%2.png").arg(root).arg(i), patternImage(16, 16, 400 + i)));
        JobManager jobs;
        const auto groupOf = [&](data::TailThresholds t, const QString &cls) {
            ui::ImportDialog dlg(root, &jobs, nullptr, t);
            QSignalSpy done(&dlg, &ui::ImportDialog::finished_);
            if (!done.wait(20000)) return QString();
            for (int r = 0; r < dlg.classTable()->rowCount(); ++r)
                if (dlg.classTable()->item(r, 0)->text() == cls) return dlg.classTable()->item(r, 2)->text();
            return QString();
        };
        QCOMPARE(groupOf(data::TailThresholds::defaults(), QStringLiteral("small")), QStringLiteral("medium"));
        QCOMPARE(groupOf({70, 40}, QStringLiteral("big")), QStringLiteral("head"));
        QCOMPARE(groupOf({70, 40}, QStringLiteral("small")), QStringLiteral("tail"));

        // Through the window: the new project keeps the thresholds the preview used.
        ui::MainWindow window;
        project::Project current = lesions();
        current.thresholds = {70, 40};
        window.document()->reset(current, false); // a saved project: no "unsaved changes" question
        onNextModal([](QWidget *w) {
            auto *dlg = qobject_cast<ui::ImportDialog *>(w);
            if (!dlg) return;
            QTRY_VERIFY_WITH_TIMEOUT(dlg->succeeded(), 20000);
            dlg->accept();
        });
        window.importDataset(root);
        QCOMPARE(int(window.document()->dataset().samples.size()), 110);
        QCOMPARE(window.document()->thresholds().many, 70);
        QCOMPARE(window.document()->thresholds().few, 40);
    }

    void d11_navigationKeepsItsWidth()
    {
        ui::MainWindow window;
        ui::DatasetPage *page = openInWindow(window, endoscopy(), QSize(1024, 700));
        QTest::qWait(100);
        auto *nav = window.findChild<QListWidget *>();
        QVERIFY(nav);
        const int navWidth = nav->width();
        const int gridX = page->view()->mapTo(&window, QPoint(0, 0)).x();
        for (const QString &text : {QStringLiteral("polyp"), QStringLiteral("x"), QString(),
                                    QStringLiteral("ulcerative-colitis-grade-1-2_0")}) {
            page->searchEdit()->setText(text);
            QTRY_VERIFY(page->isSettled());
            QTest::qWait(50);
            QCOMPARE(nav->width(), navWidth);
            if (page->view()->isVisible()) QCOMPARE(page->view()->mapTo(&window, QPoint(0, 0)).x(), gridX);
        }
        page->showSamples({0, 1, 2}, QStringLiteral("a very long title that names where these chosen images come from, "
                                                    "for example a confusion matrix cell of a long class name"));
        QTest::qWait(150);
        QCOMPARE(nav->width(), navWidth);
    }

    void d12_historyIsATableThatSelectsAndUndoes()
    {
        ui::MainWindow window;
        ui::DatasetPage *page = openInWindow(window, lesions());
        ui::ProjectDocument *doc = window.document();
        const int nev = doc->dataset().classIndex(QStringLiteral("nevus"));
        select(page, {0, 1, 2}); // two dermatofibroma images and a melanoma
        const std::vector<int> relabelled = page->selectedSamples();
        page->relabelSelection(nev);
        select(page, {5});
        page->excludeSelection(true);
        select(page, {6, 7});
        page->moveSelection(int(data::Split::Test));
        window.showHistory();
        auto *dlg = window.findChild<ui::CurationHistoryDialog *>();
        QVERIFY(dlg && dlg->isVisible());
        QTableWidget *t = dlg->table();
        QCOMPARE(t->columnCount(), 4);
        QCOMPARE(t->horizontalHeaderItem(2)->text(), QStringLiteral("Classes"));
        QCOMPARE(t->rowCount(), 4); // session start + three steps
        const int r0 = dlg->rowOfStep(0);
        QVERIFY(t->item(r0, 1)->text().startsWith(QStringLiteral("Relabel 3 images")));
        QVERIFY2(t->item(r0, 2)->text().contains(QStringLiteral("melanoma")), qPrintable(t->item(r0, 2)->text()));
        QVERIFY(t->item(r0, 2)->text().contains(QStringLiteral("nevus")));
        QCOMPARE(t->item(r0, 3)->text(), QStringLiteral("3"));
        QVERIFY(!t->item(r0, 0)->text().isEmpty()); // a time
        // An entry selects its images in the grid.
        dlg->showImagesOfRow(r0);
        QTRY_COMPARE(page->filterModel()->rowCount(), 3);
        QCOMPARE(page->filterModel()->visibleSamples(), relabelled);
        // Undo to any point, and back.
        const QByteArray last = snapshot(doc->dataset());
        dlg->goToRow(r0);
        QCOMPARE(doc->undoStack()->index(), 1);
        QVERIFY(t->item(dlg->rowOfStep(2), 1)->text().contains(QStringLiteral("undone")));
        dlg->goToRow(dlg->rowOfStep(0) - 1); // the session start: everything undone
        QCOMPARE(doc->undoStack()->index(), 0);
        dlg->goToRow(dlg->rowOfStep(2));
        QCOMPARE(snapshot(doc->dataset()), last);
        const QImage shot = dlg->grab().toImage();
        QVERIFY(shot.save(QStringLiteral("curation_history.png")));
    }

    void d13_renameOffersTheClassList()
    {
        ui::ProjectDocument doc;
        JobManager jobs;
        ui::PageContext context;
        context.jobs = &jobs;
        context.document = &doc;
        ui::DatasetPage page(context);
        doc.reset(lesions(), false);
        page.show();
        int offered = 0;
        onNextModal([&](QWidget *w) {
            auto *box = w->findChild<QComboBox *>(QStringLiteral("classBox"));
            auto *name = w->findChild<QLineEdit *>(QStringLiteral("nameEdit"));
            if (!box || !name) return;
            offered = box->count();
            box->setCurrentIndex(box->findData(doc.dataset().classIndex(QStringLiteral("nevus"))));
            name->setText(QStringLiteral("naevus"));
            qobject_cast<QDialog *>(w)->accept();
        });
        page.askRenameClass(); // no class chosen in the filter: the list is offered anyway
        QCOMPARE(offered, 3);
        QVERIFY(doc.dataset().classes.contains(QStringLiteral("naevus")));
        QVERIFY(!doc.dataset().classes.contains(QStringLiteral("nevus")));
    }

    void d14_groupFiltersAsYouType()
    {
        ui::ProjectDocument doc;
        JobManager jobs;
        ui::PageContext context;
        context.jobs = &jobs;
        context.document = &doc;
        ui::DatasetPage page(context);
        project::Project p = lesions();
        for (std::size_t i = 0; i < p.dataset.samples.size(); ++i)
            p.dataset.samples[i].group = i < 4 ? QStringLiteral("P1") : QStringLiteral("P2");
        doc.reset(p, false);
        page.show();
        QTest::keyClicks(page.groupEdit(), QStringLiteral("P1")); // no Enter
        QTRY_COMPARE_WITH_TIMEOUT(page.filterModel()->rowCount(), 4, 2000);
        page.groupEdit()->clear();
        QTRY_COMPARE_WITH_TIMEOUT(page.filterModel()->rowCount(), 15, 2000);
    }

    void d15_dicomBrowserSaysNotImagesApart()
    {
        const QString pydicom = fopro::test::pydicomTestFiles();
        if (pydicom.isEmpty()) QSKIP("pydicom's test files are not installed");
        const QString folder = m_tmp.filePath(QStringLiteral("dicombrowse"));
        QVERIFY(QDir().mkpath(folder));
        for (const char *name : {"CT_small.dcm", "test-SR.dcm", "rtplan.dcm", "waveform_ecg.dcm", "MR_truncated.dcm"})
            QVERIFY(QFile::copy(QDir(pydicom).filePath(QLatin1String(name)),
                                folder + QLatin1Char('/') + QLatin1String(name)));
        JobManager jobs;
        ui::DicomBrowser browser(&jobs);
        QSignalSpy scanned(&browser, &ui::DicomBrowser::scanFinished);
        browser.setFolder(folder);
        QVERIFY(scanned.wait(30000));
        QCOMPARE(browser.problemCount(), 4);
        QCOMPARE(browser.notImageCount(), 3); // SR, RT plan, ECG: not images, not unreadable
        const QString label = browser.findChild<QLabel *>()->text();
        bool said = false;
        for (QLabel *l : browser.findChildren<QLabel *>())
            said = said || (l->text().contains(QStringLiteral("unreadable or undecodable: 1")) &&
                            l->text().contains(QStringLiteral("not images")));
        QVERIFY2(said, qPrintable(label));
    }

    void d16_disabledButtonsLookDisabledInTheDarkTheme()
    {
        ui::MainWindow window;
        window.setTheme(QStringLiteral("dark"));
        const QPalette p = QApplication::palette();
        const auto contrast = [](const QColor &a, const QColor &b) { return std::abs(a.lightness() - b.lightness()); };
        QVERIFY(contrast(p.color(QPalette::Active, QPalette::ButtonText),
                         p.color(QPalette::Disabled, QPalette::ButtonText)) >= 60);
        QVERIFY(contrast(p.color(QPalette::Active, QPalette::WindowText),
                         p.color(QPalette::Disabled, QPalette::WindowText)) >= 60);
        // The inspector's zoom buttons are disabled without an image: rendered, they differ.
        ui::ProjectDocument doc;
        JobManager jobs;
        ui::InspectorPanel panel(&doc, &jobs);
        panel.resize(400, 500);
        panel.show();
        QList<QToolButton *> zoom;
        for (QToolButton *b : panel.findChildren<QToolButton *>())
            if (b->text() == QStringLiteral("Fit")) zoom << b;
        QVERIFY(!zoom.isEmpty() && !zoom.front()->isEnabled());
        QCOMPARE(zoom.front()->palette().color(QPalette::Disabled, QPalette::ButtonText),
                 p.color(QPalette::Disabled, QPalette::ButtonText));
        window.setTheme(QStringLiteral("light"));
    }

    void keyboardCuration()
    {
        ui::MainWindow window;
        ui::DatasetPage *page = openInWindow(window, lesions());
        ui::ProjectDocument *doc = window.document();
        QListView *view = page->view();
        view->setFocus();
        QTRY_VERIFY(view->hasFocus());
        const auto sampleAt = [&](int row) {
            return page->filterModel()->samplesOf({page->filterModel()->index(row, 0)}).front();
        };
        view->selectionModel()->setCurrentIndex(page->filterModel()->index(0, 0), QItemSelectionModel::ClearAndSelect);
        const int s0 = sampleAt(0);
        // Digits relabel to the n-th class (classes in dataset order).
        QTest::keyClick(view, Qt::Key_2);
        QCOMPARE(doc->dataset().samples[std::size_t(s0)].label, 1);
        QTest::keyClick(view, Qt::Key_1);
        QCOMPARE(doc->dataset().samples[std::size_t(s0)].label, 0);
        QTest::keyClick(view, Qt::Key_Delete);
        QVERIFY(doc->dataset().samples[std::size_t(s0)].has(data::FlagExcluded));
        QTest::keyClick(view, Qt::Key_Delete, Qt::ShiftModifier);
        QVERIFY(!doc->dataset().samples[std::size_t(s0)].has(data::FlagExcluded));
        QTest::keyClick(view, Qt::Key_F);
        QVERIFY(doc->dataset().samples[std::size_t(s0)].has(data::FlagFlagged));
        QTest::keyClick(view, Qt::Key_F, Qt::ShiftModifier);
        QVERIFY(!doc->dataset().samples[std::size_t(s0)].has(data::FlagFlagged));
        QTest::keyClick(view, Qt::Key_3, Qt::ControlModifier);
        QCOMPARE(doc->dataset().samples[std::size_t(s0)].split, data::Split::Test);
        QTest::keyClick(view, Qt::Key_2, Qt::ControlModifier);
        QCOMPARE(doc->dataset().samples[std::size_t(s0)].split, data::Split::Val);
        // The inspector steps through the grid.
        QTest::keyClick(view, Qt::Key_Right, Qt::AltModifier);
        QCOMPARE(view->currentIndex().row(), 1);
        QCOMPARE(page->inspector()->currentSample(), sampleAt(1));
        QTest::keyClick(view, Qt::Key_Left, Qt::AltModifier);
        QCOMPARE(page->inspector()->currentSample(), s0);
        auto *next = page->inspector()->findChild<QToolButton *>(); // ◀ comes first, then ▶
        QVERIFY(next);
        // Space opens the large viewer on the current image; its arrows step too.
        QTest::keyClick(view, Qt::Key_Space);
        QTRY_VERIFY(page->viewer() && page->viewer()->isVisible());
        QCOMPARE(page->viewer()->currentSample(), s0);
        QTRY_VERIFY_WITH_TIMEOUT(!page->viewer()->image().isNull(), 20000);
        QVERIFY(!page->viewer()->hasWindowLevel()); // a JPEG
        QTest::keyClick(page->viewer(), Qt::Key_Right);
        QCOMPARE(page->viewer()->currentSample(), sampleAt(1));
        page->viewer()->close();
        // No key of the page is also a key of the window's menus (that would be ambiguous).
        QSet<QKeySequence> windowKeys;
        for (QAction *top : window.menuBar()->actions())
            if (top->menu() && top->menu()->title() != page->title())
                for (QAction *a : top->menu()->actions())
                    for (const QKeySequence &k : a->shortcuts())
                        windowKeys << k;
        for (QAction *a : page->actions())
            for (const QKeySequence &k : a->shortcuts())
                QVERIFY2(!windowKeys.contains(k), qPrintable(k.toString()));
    }

    void viewerWindowLevelForDicom()
    {
        const QString pydicom = fopro::test::pydicomTestFiles();
        if (pydicom.isEmpty()) QSKIP("pydicom's test files are not installed");
        const QString folder = m_tmp.filePath(QStringLiteral("dicomview"));
        QVERIFY(QDir().mkpath(folder));
        QVERIFY(QFile::copy(QDir(pydicom).filePath(QStringLiteral("CT_small.dcm")),
                            folder + QStringLiteral("/CT_small.dcm")));
        data::ImportOptions o;
        o.dicomLabelAttribute = QStringLiteral("Modality");
        auto r = data::importDataset(folder, o);
        QVERIFY(r.ok());
        ui::ProjectDocument doc;
        project::Project p;
        p.dataset = r->index;
        doc.reset(p, false);
        JobManager jobs;
        ui::ImageViewerDialog viewer(&doc, &jobs);
        QSignalSpy loaded(&viewer, &ui::ImageViewerDialog::imageLoaded);
        viewer.show();
        viewer.showSample(0);
        QVERIFY(loaded.wait(20000));
        QVERIFY(viewer.hasWindowLevel());
        QVERIFY(viewer.findChild<QWidget *>(QStringLiteral("windowLevel"))->isVisible());
        const data::DicomWindow initial = viewer.window();
        QVERIFY(initial.isValid());
        const QImage before = viewer.image();
        viewer.setWindow(viewer.windowInfo().minValue, 2); // everything above the floor turns white
        QVERIFY(loaded.wait(20000));
        QVERIFY(viewer.image() != before);
        QVERIFY(QColor(viewer.image().pixel(viewer.image().width() / 2, viewer.image().height() / 2)).lightness() >
                200);
        viewer.resetWindow();
        QVERIFY(loaded.wait(20000));
        QCOMPARE(viewer.image(), before);
        QVERIFY(viewer.grab().toImage().save(QStringLiteral("viewer_dicom.png")));
    }

    void duplicateClustersOpenSideBySideAndStayTogether()
    {
        ui::ProjectDocument doc;
        doc.reset(endoscopy(), false);
        JobManager jobs;
        ui::SplitManagerDialog dlg(&doc, &jobs);
        dlg.keepTestBox()->setChecked(false);
        dlg.keepValBox()->setChecked(false);
        dlg.setFractions(50, 25, 25);
        dlg.compute();
        QTRY_VERIFY_WITH_TIMEOUT(dlg.hasProposal(), 20000);
        QSignalSpy checked(&dlg, &ui::SplitManagerDialog::duplicatesChecked);
        dlg.checkDuplicates();
        QVERIFY(checked.wait(60000));
        QVERIFY(dlg.duplicateClusterCount() >= 1);
        auto *side = qobject_cast<ui::SideBySideDialog *>(dlg.showCluster(0));
        QVERIFY(side);
        QCOMPARE(side->imageCount(), 2);
        QTRY_COMPARE_WITH_TIMEOUT(side->finishedCount(), 2, 20000);
        QVERIFY(side->imageLabel(0)->pixmap().width() > 0);
        QVERIFY(side->grab().toImage().save(QStringLiteral("duplicates_side_by_side.png")));
        // Activating the cluster in the list opens it too.
        const int before = dlg.findChildren<ui::SideBySideDialog *>().size();
        Q_EMIT dlg.duplicateList()->itemActivated(dlg.duplicateList()->topLevelItem(0), 0);
        QCOMPARE(dlg.findChildren<ui::SideBySideDialog *>().size(), before + 1);

        // "Keep near-duplicate images in one split": the copies land together, whatever the seed.
        const data::DatasetIndex &d = doc.dataset();
        int original = -1, copy = -1;
        for (std::size_t i = 0; i < d.samples.size(); ++i) {
            if (d.samples[i].path.endsWith(QLatin1String("polyp_0.png"))) original = int(i);
            if (d.samples[i].path.endsWith(QLatin1String("polyp_copy.png"))) copy = int(i);
        }
        QVERIFY(original >= 0 && copy >= 0);
        dlg.keepDuplicatesBox()->setChecked(true);
        for (int seed = 0; seed < 6; ++seed) {
            dlg.setSeed(quint64(seed));
            dlg.compute();
            QTRY_VERIFY_WITH_TIMEOUT(dlg.hasProposal() && !dlg.isBusy(), 60000);
            QVERIFY(dlg.applySummary().contains(QStringLiteral("duplicates kept together")));
            dlg.setConfirmation([](const QString &) { return true; });
            QVERIFY(dlg.confirmAndApply());
            QCOMPARE(doc.dataset().samples[std::size_t(original)].split,
                     doc.dataset().samples[std::size_t(copy)].split);
            doc.undoStack()->undo();
        }
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
