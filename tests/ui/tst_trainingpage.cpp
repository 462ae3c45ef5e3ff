// The Training page offscreen, driving real `fopro train --events` worker processes on a small
// generated project of stripe images: every configuration field round-trips form → JSON → form;
// an invalid value is shown next to its field; presets ask before replacing edits; a run goes
// start → progress → pause → continue → stop → resume to the end; a worker killed with SIGKILL is
// shown as crashed and its resumption ends exactly where an uninterrupted run ends; closing the
// window stops the worker (no process left) unless the user lets it finish, in which case a new
// page re-attaches to it and sees it finish.

#include "core/jobs/jobmanager.h"
#include "core/jobs/workerrun.h"
#include "core/ml/configfields.h"
#include "core/ml/presets.h"
#include "core/ml/trainconfig.h"
#include "core/project/runfolder.h"
#include "tests/support/testsupport.h"
#include "ui/shell/projectdocument.h"
#include "ui/training/configform.h"
#include "ui/training/livecurves.h"
#include "ui/training/runmonitor.h"
#include "ui/training/teacherpicker.h"
#include "ui/training/trainingpage.h"

#include <QtCore/QCryptographicHash>
#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtTest/QtTest>
#include <QtWidgets/QLabel>
#include <QtWidgets/QLineEdit>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QSpinBox>
#include <QtWidgets/QTabWidget>

#include <opencv2/core.hpp>

#include <csignal>

#include <signal.h>

using namespace fopro;
using State = worker::WorkerRun::State;

namespace {

/// A 32x32 RGB image of stripes, horizontal or vertical, varied by `seed`.
cv::Mat stripes(bool horizontal, int seed)
{
    cv::Mat m(32, 32, CV_8UC3);
    cv::RNG rng(quint64(seed) + 1);
    const int period = 2 + seed % 4, phase = seed % period;
    for (int y = 0; y < m.rows; ++y)
        for (int x = 0; x < m.cols; ++x) {
            const int t = horizontal ? y : x;
            const int level = ((t + phase) / period) % 2 == 0 ? 200 : 40;
            for (int c = 0; c < 3; ++c)
                m.at<cv::Vec3b>(y, x)[c] = cv::saturate_cast<uchar>(level + rng.uniform(-20, 21));
        }
    return m;
}

/// A non-default value of a field that its editor can show.
QJsonValue otherValue(const ml::ConfigField &f, const QJsonValue &current)
{
    switch (f.kind) {
    case ml::FieldKind::Integer:
        return QJsonValue(int(current.toDouble()) == int(f.minimum) + 1 ? int(f.minimum) + 2 : int(f.minimum) + 1);
    case ml::FieldKind::Number: {
        if (f.logScale) return QJsonValue(current.toDouble() == 2.5e-4 ? 7.5e-4 : 2.5e-4);
        const double step = std::pow(10.0, -std::min(f.decimals, 3));
        double v = f.minimum + step * std::round((f.maximum - f.minimum) * 0.37 / step);
        if (std::abs(v - current.toDouble()) < step / 2) v += step;
        return QJsonValue(v);
    }
    case ml::FieldKind::Boolean:
        return QJsonValue(!current.toBool());
    case ml::FieldKind::Choice:
        return QJsonValue(f.choices.back() == current.toString() ? f.choices.front() : f.choices.back());
    case ml::FieldKind::Text:
        return QJsonValue(QStringLiteral("some_layer"));
    case ml::FieldKind::File:
    case ml::FieldKind::Folder:
        return QJsonValue(QStringLiteral("/tmp/somewhere/file.bin"));
    case ml::FieldKind::Blocks:
        return QJsonArray{1, 2, 3, 1};
    case ml::FieldKind::Triple:
        return QJsonArray{0.125, 0.25, 0.5};
    }
    return {};
}

/// The "state" of a run's status.json.
QString runState(const QString &run)
{
    const auto status = project::RunFolder(run).readStatus();
    return status ? status->state : QString();
}

/// Equal JSON values, numbers compared to 1e-6 relative (the configuration keeps normalisation
/// constants as single-precision floats).
bool sameValue(const QJsonValue &a, const QJsonValue &b)
{
    if (a.isDouble() && b.isDouble())
        return std::abs(a.toDouble() - b.toDouble()) <= 1e-6 * std::max(1.0, std::abs(a.toDouble()));
    if (a.isArray() && b.isArray()) {
        const QJsonArray x = a.toArray(), y = b.toArray();
        if (x.size() != y.size()) return false;
        for (int i = 0; i < x.size(); ++i)
            if (!sameValue(x[i], y[i])) return false;
        return true;
    }
    return a == b;
}

} // namespace

class TestTrainingPage : public QObject {
    Q_OBJECT
    QTemporaryDir m_tmp;
    JobManager m_jobs;
    ui::ProjectDocument m_doc;
    ui::TrainingPage *m_page = nullptr;
    ui::TrainingPage::Answer m_answer = ui::TrainingPage::Yes;
    QStringList m_questions;

    ui::PageContext context()
    {
        ui::PageContext c;
        c.jobs = &m_jobs;
        c.document = &m_doc;
        c.navigate = [](const QString &, const QVariantMap &) {};
        return c;
    }

    ui::TrainingPage *makePage()
    {
        auto *page = new ui::TrainingPage(context());
        page->setAsk([this](const QString &title, const QString &, const QString &, const QString &) {
            m_questions << title;
            return m_answer;
        });
        page->resize(1024, 700);
        return page;
    }

    /// A tiny, fast configuration: CIFAR ResNet 0.25 on 32 px stripes, Balanced Softmax.
    QJsonObject tinyConfig(int epochs, int maxBatches = 0)
    {
        QJsonObject c = ml::TrainConfig().toJson();
        const QList<std::pair<const char *, QJsonValue>> values{
            {"strategy", "bsm"},
            {"student.architecture", "cifar_resnet"},
            {"student.widthMultiplier", 0.25},
            {"student.cifarBlocks", QJsonArray{1, 1, 1, 1}},
            {"imageSize", 32},
            {"batchSize", 4},
            {"lr", 1e-3},
            {"epochs", epochs},
            {"maxTrainBatches", maxBatches},
            {"threads", 1},
            {"workers", 1},
            {"seed", 0},
            {"augment.enabled", false},
        };
        for (const auto &[key, value] : values)
            ml::setConfigValue(c, QString::fromLatin1(key), value);
        return c;
    }

    /// Waits until the page's run reaches `state` (or any ended state when `state` is ended).
    bool waitFor(ui::TrainingPage *page, State state, int ms = 60000)
    {
        QElapsedTimer clock;
        clock.start();
        while (clock.elapsed() < ms) {
            QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
            QTest::qWait(20);
            if (page->activeRun() && page->activeRun()->state() == state) return true;
        }
        qWarning() << "state" << (page->activeRun() ? int(page->activeRun()->state()) : -1) << "wanted" << int(state)
                   << "log" << (page->activeRun() ? page->activeRun()->lastLogLines(10) : QStringList())
                   << (page->activeRun() ? page->activeRun()->stderrTail(10) : QStringList());
        return false;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        project::Project p;
        p.folder = m_tmp.filePath(QStringLiteral("project"));
        p.name = QStringLiteral("training test");
        data::DatasetIndex &d = p.dataset;
        d.root = m_tmp.filePath(QStringLiteral("images"));
        d.classes = {QStringLiteral("horizontal"), QStringLiteral("vertical")};
        for (int c = 0; c < 2; ++c)
            for (int i = 0; i < 40; ++i) {
                const QString name = QStringLiteral("%1/%2.png").arg(d.classes[c]).arg(i);
                QVERIFY(test::writeImage(QDir(d.root).filePath(name), stripes(c == 0, i + 100 * c)));
                data::Sample s;
                s.path = name;
                s.label = s.originalLabel = c;
                s.split = i < 24 ? data::Split::Train : i < 32 ? data::Split::Val : data::Split::Test;
                d.samples.push_back(s);
            }
        QVERIFY(p.save().ok());
        m_doc.reset(p, false);
        QVERIFY2(QFileInfo(worker::workerProgram()).isExecutable(), qPrintable(worker::workerProgram()));
        m_page = makePage();
        m_page->activate({});
    }

    void cleanupTestCase()
    {
        delete m_page;
        m_jobs.shutdown();
    }

    void registryCoversEveryConfigurationKey()
    {
        const QStringList keys = ml::configKeys(ml::TrainConfig().toJson());
        for (const QString &key : keys)
            QVERIFY2(ml::findConfigField(key), qPrintable(key + QStringLiteral(" has no field in the registry")));
        for (const ml::ConfigField &f : ml::configFields())
            QVERIFY2(keys.contains(f.key), qPrintable(f.key + QStringLiteral(" is not a configuration key")));
    }

    void everyFieldRoundTripsFormJsonForm()
    {
        ui::ConfigForm *form = m_page->form();
        const QJsonObject defaults = ml::TrainConfig().toJson();
        form->setConfig(defaults);
        for (const QString &key : ml::configKeys(form->config()))
            QVERIFY2(sameValue(ml::configValue(form->config(), key), ml::configValue(defaults, key)), qPrintable(key));
        // Every edited field with another value, one at a time and then all together.
        QJsonObject all = defaults;
        for (const QString &key : form->editedKeys()) {
            if (key.startsWith(QLatin1String("teacher.")) && key != QLatin1String("teacher.inputSize") &&
                key != QLatin1String("teacher.cacheFeatures") && key != QLatin1String("teacher.mean") &&
                key != QLatin1String("teacher.std"))
                continue; // the teacher picker's fields: below
            const ml::ConfigField *f = ml::findConfigField(key);
            QVERIFY2(f, qPrintable(key));
            const QJsonValue v = otherValue(*f, ml::configValue(defaults, key));
            QJsonObject one = defaults;
            ml::setConfigValue(one, key, v);
            ml::setConfigValue(all, key, v);
            form->setConfig(one);
            QVERIFY2(sameValue(ml::configValue(form->config(), key), v),
                     qPrintable(QStringLiteral("%1: set %2, got %3")
                                    .arg(key, QJsonDocument(QJsonArray{v}).toJson(QJsonDocument::Compact),
                                         QJsonDocument(QJsonArray{ml::configValue(form->config(), key)})
                                             .toJson(QJsonDocument::Compact))));
        }
        form->setConfig(all);
        for (const QString &key : ml::configKeys(all))
            QVERIFY2(sameValue(ml::configValue(form->config(), key), ml::configValue(all, key)), qPrintable(key));
        // The teacher picker: a TorchScript file, then a TF.js folder with its feature layer.
        QJsonObject ts = defaults;
        ml::setConfigValue(ts, QStringLiteral("teacher.kind"), QStringLiteral("torchscript"));
        ml::setConfigValue(ts, QStringLiteral("teacher.path"), QStringLiteral("/tmp/teacher.pt"));
        ml::setConfigValue(ts, QStringLiteral("teacher.outputLayer"), QString());
        form->setConfig(ts);
        QCOMPARE(ml::configValue(form->config(), QStringLiteral("teacher.kind")).toString(),
                 QStringLiteral("torchscript"));
        QCOMPARE(ml::configValue(form->config(), QStringLiteral("teacher.path")).toString(),
                 QStringLiteral("/tmp/teacher.pt"));
        QJsonObject tf = defaults;
        ml::setConfigValue(tf, QStringLiteral("teacher.kind"), QStringLiteral("tfjs"));
        ml::setConfigValue(tf, QStringLiteral("teacher.path"), QStringLiteral("/tmp/model/model.json"));
        ml::setConfigValue(tf, QStringLiteral("teacher.outputLayer"), QStringLiteral("block_3_add"));
        form->setConfig(tf);
        QCOMPARE(ml::configValue(form->config(), QStringLiteral("teacher.kind")).toString(), QStringLiteral("tfjs"));
        QCOMPARE(ml::configValue(form->config(), QStringLiteral("teacher.outputLayer")).toString(),
                 QStringLiteral("block_3_add"));
        // What the form gives is a valid configuration.
        form->setConfig(tinyConfig(1));
        QJsonObject json = form->config();
        json.insert(QStringLiteral("dataset"), QStringLiteral("x.json"));
        QVERIFY2(ml::TrainConfig::fromJson(json).ok(), qPrintable(ml::TrainConfig::fromJson(json).error().message()));
    }

    void invalidValueIsShownNextToItsField()
    {
        ui::ConfigForm *form = m_page->form();
        QJsonObject c = tinyConfig(1);
        ml::setConfigValue(c, QStringLiteral("few"), 500);
        ml::setConfigValue(c, QStringLiteral("many"), 100);
        form->setConfig(c);
        const QString message = form->validate();
        QVERIFY(message.contains(QLatin1String("few")));
        // The message sits in the field's own box, under its editor.
        const auto labels = form->editor(QStringLiteral("few"))->parentWidget()->findChildren<QLabel *>();
        QVERIFY(std::any_of(labels.begin(), labels.end(),
                            [&](QLabel *l) { return !l->isHidden() && l->text() == message; }));
        form->setConfig(tinyConfig(1));
        QVERIFY(form->validate().isEmpty());
    }

    void presetAsksBeforeReplacingEdits()
    {
        m_page->form()->setConfig(tinyConfig(1));
        QVERIFY(m_page->applyPreset(QStringLiteral("ekd-published")));
        QCOMPARE(ml::configValue(m_page->form()->config(), QStringLiteral("lr")).toDouble(), 3e-4);
        QCOMPARE(ml::configValue(m_page->form()->config(), QStringLiteral("clipNorm")).toDouble(), 5.0);
        QCOMPARE(ml::configValue(m_page->form()->config(), QStringLiteral("batchSize")).toInt(), 32);
        QCOMPARE(ml::configValue(m_page->form()->config(), QStringLiteral("ekdLambda")).toDouble(), 3.0);
        // An edit, then another preset: the page asks; "cancel" keeps the edit.
        auto *lr = m_page->form()->editor(QStringLiteral("lr"))->findChild<QLineEdit *>();
        if (!lr) lr = qobject_cast<QLineEdit *>(m_page->form()->editor(QStringLiteral("lr")));
        QVERIFY(lr);
        lr->setText(QStringLiteral("0.01"));
        Q_EMIT lr->textEdited(lr->text());
        m_questions.clear();
        m_answer = ui::TrainingPage::Cancel;
        QVERIFY(!m_page->applyPreset(QStringLiteral("fopro-kd")));
        QCOMPARE(m_questions.size(), 1);
        QCOMPARE(ml::configValue(m_page->form()->config(), QStringLiteral("lr")).toDouble(), 0.01);
        m_answer = ui::TrainingPage::Yes;
        QVERIFY(m_page->applyPreset(QStringLiteral("fopro-kd")));
        QCOMPARE(ml::configValue(m_page->form()->config(), QStringLiteral("strategy")).toString(),
                 QStringLiteral("fopro_kd"));
        QCOMPARE(ml::configValue(m_page->form()->config(), QStringLiteral("lr")).toDouble(), 3e-4);
    }

    void startPauseContinueStopResume()
    {
        m_page->form()->setConfig(tinyConfig(6));
        QVERIFY(m_page->startTraining());
        QVERIFY(m_page->activeRun());
        m_page->pauseRun(); // sent when the worker says it started: it pauses at its first batch
        QVERIFY(waitFor(m_page, State::Paused));
        const QString runDir = m_page->activeRun()->runDir();
        QTest::qWait(300);
        const QString numbers = m_page->monitor()->numbersText();
        QTest::qWait(700);
        QCOMPARE(m_page->monitor()->numbersText(), numbers); // nothing moves while paused
        QVERIFY(m_page->monitor()->bannerText().contains(QLatin1String("Paused")));

        m_page->continueRun();
        QVERIFY(waitFor(m_page, State::Running));
        QTRY_VERIFY_WITH_TIMEOUT(m_page->monitor()->numbersText().contains(QLatin1String("Epoch")), 30000);
        m_page->stopRun();
        QVERIFY(waitFor(m_page, State::Cancelled));
        QCOMPARE(runState(runDir), QStringLiteral("cancelled"));
        QVERIFY(!m_page->monitor()->resumeButton()->isHidden());
        QVERIFY(!QFile::exists(m_page->activeRun()->record().recordFile)); // the worker's files are gone

        QVERIFY(m_page->resumeRun(runDir));
        QVERIFY(waitFor(m_page, State::Finished, 120000));
        const auto epochs = project::RunFolder(runDir).readEpochs();
        QVERIFY(epochs.ok());
        QCOMPARE(int(epochs->size()), 6);
        QCOMPARE(runState(runDir), QStringLiteral("finished"));
        QCOMPARE(m_page->monitor()->curves()->epochCount(), 6);
        QVERIFY(m_page->monitor()->logLineCount() > 3);
    }

    void twoProcessesTrainOneRunAndResumeAsTwo()
    {
        QSpinBox *processes = nullptr;
        for (QSpinBox *box : m_page->findChildren<QSpinBox *>())
            if (box->accessibleName() == QLatin1String("Processes")) processes = box;
        QVERIFY(processes);
        if (processes->maximum() < 2) QSKIP("one core: the page offers one process only");
        processes->setValue(2);
        m_page->form()->setConfig(tinyConfig(2));
        QVERIFY(m_page->startTraining());
        QVERIFY(waitFor(m_page, State::Finished, 120000));
        const QString runDir = m_page->activeRun()->runDir();
        const auto header = project::RunFolder(runDir).readHeader();
        QVERIFY(header.ok());
        QCOMPARE(header->value(QStringLiteral("processes")).toInt(), 2);
        QFile log(runDir + QStringLiteral("/log.txt"));
        QVERIFY(log.open(QIODevice::ReadOnly));
        QCOMPARE(QString::fromUtf8(log.readAll()).count(QLatin1String(": 2 processes, collectives")), 2);
        QCOMPARE(m_page->monitor()->curves()->epochCount(), 2);

        processes->setValue(1); // the resumption takes the run's own number, not the box's
        QVERIFY(m_page->resumeRun(runDir, 3));
        QVERIFY(waitFor(m_page, State::Finished, 120000));
        QCOMPARE(runState(runDir), QStringLiteral("finished"));
        const auto epochs = project::RunFolder(runDir).readEpochs();
        QVERIFY(epochs.ok());
        QCOMPARE(int(epochs->size()), 3);
    }

    void killedWorkerIsShownAndItsResumptionMatchesAnUninterruptedRun()
    {
        // The reference: two epochs without interruption.
        m_page->form()->setConfig(tinyConfig(2));
        QVERIFY(m_page->startTraining());
        QVERIFY(waitFor(m_page, State::Finished));
        const QString reference = m_page->activeRun()->runDir();
        // The same, killed once its first epoch is written, then resumed.
        m_page->form()->setConfig(tinyConfig(2));
        QVERIFY(m_page->startTraining());
        QTRY_VERIFY_WITH_TIMEOUT(m_page->monitor()->curves()->epochCount() >= 1, 60000);
        const QString killed = m_page->activeRun()->runDir();
        QVERIFY(killed != reference);
        ::kill(pid_t(m_page->activeRun()->record().pid), SIGKILL);
        QVERIFY(waitFor(m_page, State::Died));
        QVERIFY2(m_page->monitor()->bannerText().contains(QLatin1String("ended unexpectedly")),
                 qPrintable(m_page->monitor()->bannerText()));
        QVERIFY(!m_page->monitor()->resumeButton()->isHidden());
        QVERIFY(m_page->resumeRun(killed));
        QVERIFY(waitFor(m_page, State::Finished));

        const auto a = project::RunFolder(reference).readEpochs();
        const auto b = project::RunFolder(killed).readEpochs();
        QVERIFY(a.ok() && b.ok());
        QCOMPARE(b->size(), a->size());
        for (std::size_t e = 0; e < a->size(); ++e) {
            QCOMPARE((*b)[e].loss(QStringLiteral("loss")), (*a)[e].loss(QStringLiteral("loss")));
            QCOMPARE((*b)[e].valBalancedAccuracy, (*a)[e].valBalancedAccuracy);
        }
        QFile fa(project::RunFolder(reference).bestCheckpoint()), fb(project::RunFolder(killed).bestCheckpoint());
        QVERIFY(fa.open(QIODevice::ReadOnly) && fb.open(QIODevice::ReadOnly));
        QCOMPARE(QCryptographicHash::hash(fb.readAll(), QCryptographicHash::Sha256),
                 QCryptographicHash::hash(fa.readAll(), QCryptographicHash::Sha256));
    }

    void closingStopsTheWorkerUnlessToldToKeepIt()
    {
        // "Stop it": no process is left.
        m_page->form()->setConfig(tinyConfig(50));
        QVERIFY(m_page->startTraining());
        QTRY_VERIFY_WITH_TIMEOUT(m_page->monitor()->numbersText().contains(QLatin1String("Epoch")), 60000);
        const qint64 pid = m_page->activeRun()->record().pid;
        m_answer = ui::TrainingPage::Other;
        QVERIFY(m_page->confirmClose());
        m_page->prepareClose();
        QCOMPARE(worker::processStartTicks(pid), qint64(-1));
        QVERIFY(worker::WorkerRun::records(m_page->stateDir()).filter(QStringLiteral(".events")).isEmpty());

        // "Let it finish": the process goes on, and the next window re-attaches to it.
        delete m_page;
        m_page = makePage();
        m_page->form()->setConfig(tinyConfig(4));
        QVERIFY(m_page->startTraining());
        QTRY_VERIFY_WITH_TIMEOUT(m_page->monitor()->numbersText().contains(QLatin1String("Epoch")), 60000);
        const qint64 kept = m_page->activeRun()->record().pid;
        m_answer = ui::TrainingPage::Yes;
        QVERIFY(m_page->confirmClose());
        m_page->prepareClose();
        delete m_page;
        QVERIFY(worker::processStartTicks(kept) >= 0);
        m_page = makePage();
        QVERIFY(m_page->activeRun());
        QCOMPARE(m_page->activeRun()->record().pid, kept);
        QVERIFY(waitFor(m_page, State::Finished));
        QCOMPARE(m_page->monitor()->curves()->epochCount(), 4);
        // Cancel in the dialog keeps the window open.
        m_answer = ui::TrainingPage::Cancel;
        QVERIFY(m_page->confirmClose()); // nothing running: no question
    }
};

QTEST_MAIN(TestTrainingPage)
#include "tst_trainingpage.moc"
