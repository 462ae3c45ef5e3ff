// The main window's shell, offscreen: every page of the registry appears in the navigation and can
// be shown (also with arguments, through PageContext::navigate), its actions fill the page menu;
// the start-up options (--page, --screenshot, --size), in-process and on the built binary, give a
// picture that is not blank; closing the window leaves no job thread running; the settings table
// round-trips every key; a window destroyed while a training worker runs (as after --screenshot)
// stops the worker without touching its half-destroyed navigation.
#include "core/data/importer.h"
#include "core/jobs/workerrun.h"
#include "core/ml/configfields.h"
#include "core/ml/trainconfig.h"
#include "core/project/project.h"
#include "tests/support/imagecheck.h"
#include "tests/support/testsupport.h"
#include "ui/common/settings.h"
#include "ui/dataset/datasetmodel.h"
#include "ui/dataset/datasetpage.h"
#include "ui/shell/mainwindow.h"
#include "ui/shell/page.h"
#include "ui/shell/pages.h"
#include "ui/shell/projectdocument.h"
#include "ui/shell/startup.h"
#include "ui/training/configform.h"
#include "ui/training/runmonitor.h"
#include "ui/training/trainingpage.h"

#include <QtCore/QJsonArray>
#include <QtCore/QProcess>
#include <QtTest/QtTest>
#include <QtWidgets/QListWidget>
#include <QtWidgets/QMenuBar>

#include <atomic>
#include <set>

using namespace fopro;
using fopro::test::patternImage;
using fopro::test::writeImage;

class TestShell : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_tmp;
    QString m_project;

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QSettings().clear();
        const QString data = m_tmp.filePath(QStringLiteral("lesions"));
        int seed = 0;
        const std::vector<std::pair<QString, int>> classes = {{"nevus", 12}, {"melanoma", 5}, {"dermatofibroma", 2}};
        for (const auto &[cls, n] : classes)
            for (int i = 0; i < n; ++i)
                QVERIFY(
                    writeImage(QStringLiteral("%1/%2/%2_%3.jpg").arg(data, cls).arg(i), patternImage(64, 48, seed++)));
        auto r = data::importDataset(data);
        QVERIFY(r.ok());
        project::Project p;
        p.name = QStringLiteral("lesions");
        p.folder = m_tmp.filePath(QStringLiteral("project"));
        p.dataset = r->index;
        QVERIFY(p.save().ok());
        m_project = p.folder;
    }

    void everyRegisteredPageIsInTheNavigation()
    {
        ui::MainWindow window;
        QVERIFY(!ui::registeredPages().empty());
        QCOMPARE(window.pages().size(), qsizetype(ui::registeredPages().size()));
        auto *nav = window.findChild<QListWidget *>();
        QVERIFY(nav);
        QCOMPARE(nav->count(), int(window.pages().size()));
        QSet<QString> ids;
        for (int i = 0; i < nav->count(); ++i) {
            ui::Page *page = window.pages().at(i);
            QVERIFY(!page->pageId().isEmpty());
            QVERIFY2(!ids.contains(page->pageId()), qPrintable(page->pageId()));
            ids.insert(page->pageId());
            QCOMPARE(nav->item(i)->text(), page->title());
            QCOMPARE(nav->item(i)->data(Qt::UserRole).toString(), page->pageId());
            QVERIFY(!page->icon().isNull());
            QCOMPARE(window.page(page->pageId()), page);
            QVERIFY(window.showPage(page->pageId()));
            QCOMPARE(window.currentPage(), page);
            QCOMPARE(nav->currentRow(), i);
            QVERIFY(page->isActive());
            // Its actions are in the menu named after it.
            QMenu *menu = nullptr;
            for (QAction *a : window.menuBar()->actions())
                if (a->menu() && a->text() == page->title()) menu = a->menu();
            if (!page->pageActions().isEmpty()) {
                QVERIFY2(menu, qPrintable(page->title()));
                for (QAction *a : page->pageActions())
                    QVERIFY(menu->actions().contains(a));
            }
        }
        QVERIFY(!window.showPage(QStringLiteral("no-such-page")));
        QVERIFY(window.jobs());
    }

    void navigateWithArguments()
    {
        ui::MainWindow window;
        QVERIFY(window.openProject(m_project));
        auto *dataset = qobject_cast<ui::DatasetPage *>(window.page(QStringLiteral("dataset")));
        QVERIFY(dataset);
        const int melanoma = window.document()->dataset().classIndex(QStringLiteral("melanoma"));
        dataset->context().navigate(QStringLiteral("dataset"), {{QStringLiteral("class"), melanoma}});
        QCOMPARE(window.currentPage(), dataset);
        QCOMPARE(dataset->filterModel()->rowCount(), 5);
        dataset->context().navigate(QStringLiteral("dataset"), {{QStringLiteral("class"), -1}});
        QCOMPARE(dataset->filterModel()->rowCount(), 19);
    }

    void startupOptions()
    {
        QString error;
        const ui::StartupOptions o = ui::parseStartupOptions(
            {QStringLiteral("fopro-studio"), QStringLiteral("/some/project"), QStringLiteral("--page"),
             QStringLiteral("Dataset"), QStringLiteral("--screenshot"), QStringLiteral("/tmp/x.png"),
             QStringLiteral("--size"), QStringLiteral("1024x700")},
            &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QCOMPARE(o.path, QStringLiteral("/some/project"));
        QCOMPARE(o.page, QStringLiteral("dataset"));
        QCOMPARE(o.screenshot, QStringLiteral("/tmp/x.png"));
        QCOMPARE(o.size, QSize(1024, 700));
        QVERIFY(!o.demo);
        const ui::StartupOptions withTab =
            ui::parseStartupOptions({QStringLiteral("fopro-studio"), QStringLiteral("--page"),
                                     QStringLiteral("spectra"), QStringLiteral("--tab"), QStringLiteral("Classes")},
                                    &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QCOMPARE(withTab.tab, QStringLiteral("classes"));
        ui::parseStartupOptions({QStringLiteral("fopro-studio"), QStringLiteral("--tab"), QStringLiteral("classes")},
                                &error);
        QVERIFY(error.contains(QLatin1String("--page")));
        error.clear();
        ui::parseStartupOptions({QStringLiteral("fopro-studio"), QStringLiteral("--size"), QStringLiteral("big")},
                                &error);
        QVERIFY(error.contains(QLatin1String("--size")));

        ui::MainWindow window;
        ui::StartupOptions bad;
        bad.page = QStringLiteral("nope");
        error.clear();
        QVERIFY(!ui::startStudio(window, bad, &error));
        QVERIFY(error.contains(QLatin1String("nope")) && error.contains(QLatin1String("dataset")));
    }

    void screenshotInProcess()
    {
        for (const QString &pageId : {QStringLiteral("dataset")}) {
            ui::MainWindow window;
            ui::StartupOptions o;
            o.path = m_project;
            o.page = pageId;
            o.size = QSize(1024, 700);
            o.screenshot = QDir::current().filePath(QStringLiteral("tst_shell_%1.png").arg(pageId));
            QFile::remove(o.screenshot);
            int code = -1;
            QString error;
            QVERIFY(ui::startStudio(window, o, &error, [&code](int c) { code = c; }));
            QCOMPARE(window.currentPage()->pageId(), pageId);
            QTRY_VERIFY_WITH_TIMEOUT(code != -1, 60000);
            QCOMPARE(code, 0);
            QVERIFY(window.isSettled());
            const QImage shot(o.screenshot);
            QCOMPARE(shot.size(), QSize(1024, 700));
            QVERIFY(fopro::test::distinctColours(shot, 3) > 50);
        }
    }

    void screenshotOfTheBinary()
    {
        const QString binary = QStringLiteral(FOPRO_BINARY_DIR "/app/fopro-studio");
        if (!QFileInfo::exists(binary)) QSKIP("fopro-studio is not built (cmake --build ... --target fopro-studio)");
        const QString shot = QDir::current().filePath(QStringLiteral("tst_shell_binary.png"));
        QFile::remove(shot);
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
        env.insert(QStringLiteral("XDG_CONFIG_HOME"), m_tmp.filePath(QStringLiteral("xdg-config")));
        env.insert(QStringLiteral("XDG_DATA_HOME"), m_tmp.filePath(QStringLiteral("xdg-data")));
        QProcess studio;
        studio.setProcessEnvironment(env);
        studio.start(binary,
                     {m_project, QStringLiteral("--page"), QStringLiteral("dataset"), QStringLiteral("--screenshot"),
                      shot, QStringLiteral("--size"), QStringLiteral("1100x760")});
        QVERIFY(studio.waitForFinished(120000));
        QVERIFY2(studio.exitStatus() == QProcess::NormalExit && studio.exitCode() == 0,
                 studio.readAllStandardError().constData());
        const QImage image(shot);
        QCOMPARE(image.size(), QSize(1100, 760));
        QVERIFY(fopro::test::distinctColours(image, 3) > 50);

        QProcess wrong;
        wrong.setProcessEnvironment(env);
        wrong.start(binary, {m_project, QStringLiteral("--page"), QStringLiteral("nope"),
                             QStringLiteral("--screenshot"), shot});
        QVERIFY(wrong.waitForFinished(60000));
        QCOMPARE(wrong.exitCode(), 2);
        QVERIFY(wrong.readAllStandardError().contains("dataset"));
    }

    void closingStopsEveryJob()
    {
        ui::MainWindow window;
        window.show();
        std::atomic<bool> started{false};
        window.jobs()->submit<int>(JobManager::Kind::Io, QStringLiteral("waits until cancelled"),
                                   [&started](JobControl &control, const ProgressSink &) -> Result<int> {
                                       started = true;
                                       while (!control.isCancelled())
                                           QThread::msleep(5);
                                       return 1;
                                   });
        QTRY_VERIFY(started.load());
        QVERIFY(window.jobs()->isBusy());
        QVERIFY(window.close());
        QCOMPARE(window.jobs()->ioPool()->activeThreadCount(), 0);
    }

    void destroyingTheWindowDuringARunStopsTheWorker()
    {
        project::Project p;
        p.name = QStringLiteral("trainable");
        p.folder = m_tmp.filePath(QStringLiteral("trainable"));
        p.dataset.root = m_tmp.filePath(QStringLiteral("trainable-images"));
        p.dataset.classes = {QStringLiteral("a"), QStringLiteral("b")};
        for (int c = 0; c < 2; ++c)
            for (int i = 0; i < 16; ++i) {
                const QString name = QStringLiteral("%1/%2.png").arg(p.dataset.classes[c]).arg(i);
                QVERIFY(writeImage(QDir(p.dataset.root).filePath(name), patternImage(32, 32, 50 * c + i)));
                data::Sample sample;
                sample.path = name;
                sample.label = sample.originalLabel = c;
                sample.split = i < 10 ? data::Split::Train : i < 13 ? data::Split::Val : data::Split::Test;
                p.dataset.samples.push_back(sample);
            }
        QVERIFY(p.save().ok());
        QJsonObject config = ml::TrainConfig().toJson();
        const QList<std::pair<const char *, QJsonValue>> values{{"strategy", "bsm"},
                                                                {"student.architecture", "cifar_resnet"},
                                                                {"student.widthMultiplier", 0.25},
                                                                {"student.cifarBlocks", QJsonArray{1, 1, 1, 1}},
                                                                {"imageSize", 32},
                                                                {"batchSize", 4},
                                                                {"epochs", 200},
                                                                {"threads", 1},
                                                                {"workers", 1},
                                                                {"augment.enabled", false}};
        for (const auto &[key, value] : values)
            ml::setConfigValue(config, QString::fromLatin1(key), value);

        qint64 pid = 0;
        {
            ui::MainWindow window;
            QVERIFY(window.openProject(p.folder));
            auto *training = qobject_cast<ui::TrainingPage *>(window.page(QStringLiteral("training")));
            QVERIFY(training);
            QVERIFY(window.showPage(QStringLiteral("training")));
            training->form()->setConfig(config);
            QVERIFY(training->startTraining());
            pid = training->activeRun()->record().pid;
            QTRY_VERIFY_WITH_TIMEOUT(training->monitor()->numbersText().contains(QLatin1String("Epoch")), 60000);
            QVERIFY(window.showPage(QStringLiteral("dataset"))); // the navigation shows the run's progress
            QTest::qWait(200);
        } // destroyed without closeEvent, as the --screenshot exit does
        QCOMPARE(worker::processStartTicks(pid), qint64(-1));
    }

    void settingsRoundTrip()
    {
        const QStringList keys = ui::settings::allKeys();
        QCOMPARE(QSet<QString>(keys.begin(), keys.end()).size(), keys.size()); // each key once
        QSettings().clear();
        using namespace ui::settings;
        QCOMPARE(theme.value(), QStringLiteral("system"));
        QCOMPARE(lastPage.value(), QStringLiteral("dataset"));
        QVERIFY(recentProjects.value().isEmpty());
        QVERIFY(!windowGeometry.isSet());
        theme.set(QStringLiteral("dark"));
        lastProject.set(QStringLiteral("/p"));
        recentProjects.set({QStringLiteral("/p"), QStringLiteral("/q")});
        windowGeometry.set(QByteArray("\x01\x02", 2));
        QCOMPARE(theme.value(), QStringLiteral("dark"));
        QCOMPARE(QSettings().value(QLatin1String(theme.key)).toString(), QStringLiteral("dark"));
        QCOMPARE(lastProject.value(), QStringLiteral("/p"));
        QCOMPARE(recentProjects.value(), (QStringList{QStringLiteral("/p"), QStringLiteral("/q")}));
        QCOMPARE(windowGeometry.value(), QByteArray("\x01\x02", 2));
        deidentifySecrets.set(QStringLiteral("abc"), QStringLiteral("secret-secret-secret"));
        QCOMPARE(deidentifySecrets.value(QStringLiteral("abc")), QStringLiteral("secret-secret-secret"));
        QVERIFY(QSettings().contains(QStringLiteral("deidentify/secrets/abc")));
        QVERIFY(!deidentifySecrets.isSet(QStringLiteral("other")));
        theme.clear();
        QCOMPARE(theme.value(), QStringLiteral("system"));

        // The window reads and writes through the table.
        lastPage.set(QStringLiteral("dataset"));
        {
            ui::MainWindow window;
            window.show();
            window.setTheme(QStringLiteral("light"));
            QCOMPARE(theme.value(), QStringLiteral("light"));
            QVERIFY(window.openProject(m_project));
            QCOMPARE(recentProjects.value().front(), QDir::cleanPath(m_project));
            QVERIFY(window.close());
            QVERIFY(windowGeometry.isSet());
            QCOMPARE(lastProject.value(), QDir::cleanPath(m_project));
        }
        QSettings().clear();
    }
};

QTEST_MAIN(TestShell)
#include "tst_shell.moc"
