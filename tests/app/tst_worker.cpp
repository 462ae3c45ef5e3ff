// Worker mode (`fopro train --events`), as the desktop application drives it: the real binary on a
// tiny dataset. Every stdout line is an event of core/jobs/workerprotocol.h, in the order started →
// progress … → epoch … → finished; epoch metrics carry their documented names; SIGUSR1 / SIGUSR2 and
// stdin lines pause and resume; SIGTERM cancels (exit 130) and --resume --events finishes the run;
// a supervisor that goes away (stdout closed) does not stop the training.
#include "core/jobs/workerprotocol.h"
#include "core/project/runfolder.h"
#include "tests/app/clitest.h"

#include <QtTest/QtTest>

#include <functional>
#include <set>

#include <signal.h>

using namespace fopro;
using namespace fopro::test;
using worker::Event;
using worker::EventType;

namespace {

/// A `fopro train --events` process and the events it wrote so far.
class Worker {
public:
    explicit Worker(const QStringList &args)
    {
        m_process.start(cliPath(), args + QStringList{QStringLiteral("--events")});
        m_started = m_process.waitForStarted(30000);
        m_pid = m_process.processId();
    }
    ~Worker()
    {
        if (m_process.state() != QProcess::NotRunning) {
            m_process.kill();
            m_process.waitForFinished(10000);
        }
    }

    bool started() const { return m_started; }
    qint64 pid() const { return m_pid; }
    QProcess &process() { return m_process; }
    const std::vector<Event> &events() const { return m_events; }
    const QStringList &badLines() const { return m_bad; }
    QString stderrText() { return m_err += QString::fromUtf8(m_process.readAllStandardError()); }

    /// Reads events until one satisfies `pred` (true) or `ms` pass or the process ends (false).
    bool waitFor(const std::function<bool(const Event &)> &pred, int ms = 60000)
    {
        QElapsedTimer clock;
        clock.start();
        std::size_t seen = 0;
        for (;;) {
            read();
            for (; seen < m_events.size(); ++seen)
                if (pred(m_events[seen])) return true;
            if (m_process.state() == QProcess::NotRunning || clock.elapsed() > ms) return false;
            m_process.waitForReadyRead(100);
        }
    }
    bool waitForType(EventType type, int ms = 60000)
    {
        return waitFor([type](const Event &e) { return e.type == type; }, ms);
    }
    bool waitForLog(const QString &text, int ms = 60000)
    {
        return waitFor([&text](const Event &e) { return e.type == EventType::Log && e.text == text; }, ms);
    }
    /// Waits for the process to end and reads the rest; the exit code (-2 crashed, -1 still running).
    int finish(int ms = 90000)
    {
        if (!m_process.waitForFinished(ms)) return -1;
        read();
        stderrText();
        return m_process.exitStatus() == QProcess::NormalExit ? m_process.exitCode() : -2;
    }
    void signal(int sig) { ::kill(pid_t(m_pid), sig); }

    std::vector<const Event *> ofType(EventType type) const
    {
        std::vector<const Event *> found;
        for (const Event &e : m_events)
            if (e.type == type) found.push_back(&e);
        return found;
    }
    int indexOf(EventType type) const
    {
        for (std::size_t i = 0; i < m_events.size(); ++i)
            if (m_events[i].type == type) return int(i);
        return -1;
    }

private:
    void read()
    {
        if (!m_process.isReadable()) return;
        for (const QByteArray &line : m_splitter.feed(m_process.readAllStandardOutput())) {
            auto e = worker::decode(line);
            if (e)
                m_events.push_back(*e);
            else
                m_bad << QString::fromUtf8(line) + QStringLiteral("  <- ") + e.error().detail;
        }
    }

    QProcess m_process;
    bool m_started = false;
    qint64 m_pid = 0;
    worker::LineSplitter m_splitter;
    std::vector<Event> m_events;
    QStringList m_bad;
    QString m_err;
};

QStringList metricNames(const Event &e)
{
    QStringList names;
    for (const auto &m : e.metrics)
        names << m.first;
    names.sort();
    return names;
}

} // namespace

class TestWorker : public QObject {
    Q_OBJECT
    QTemporaryDir m_tmp;
    QString m_manifest;

    QString runDir(const QString &name) const { return m_tmp.filePath(QStringLiteral("runs/") + name); }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_tmp.isValid());
        m_manifest = makeStripesManifest(m_tmp.filePath(QStringLiteral("data")));
        QVERIFY(!m_manifest.isEmpty());
    }

    void wholeRunIsEventsOnly()
    {
        const QString run = runDir(QStringLiteral("whole"));
        Worker w(tinyTrainArgs(m_manifest, run, 2));
        QVERIFY(w.started());
        w.process().closeWriteChannel(); // end of input on stdin means nothing
        QCOMPARE(w.finish(), 0);
        QVERIFY2(w.badLines().isEmpty(), qPrintable(w.badLines().join(QLatin1Char('\n'))));
        const auto &events = w.events();
        QVERIFY(events.size() >= 4);
        // started (run folder, pid) first, finished last, progress before the first epoch.
        QCOMPARE(events.front().type, EventType::Started);
        QCOMPARE(events.front().text, run);
        QCOMPARE(events.front().pid, w.pid());
        QCOMPARE(events.back().type, EventType::Finished);
        QCOMPARE(events.back().state, QStringLiteral("finished"));
        QCOMPARE(events.back().text, run);
        const int progress = w.indexOf(EventType::Progress), epoch = w.indexOf(EventType::Epoch);
        QVERIFY(progress > 0 && epoch > progress);
        QCOMPARE(w.ofType(EventType::Finished).size(), std::size_t(1));
        QVERIFY(w.ofType(EventType::Error).empty());
        // One epoch event per epoch, its metrics named as documented (the loss terms as in epochs.csv).
        const auto epochs = w.ofType(EventType::Epoch);
        QCOMPARE(epochs.size(), std::size_t(2));
        auto records = project::RunFolder(run).readEpochs();
        QVERIFY(records.ok() && records->size() == 2);
        QStringList expected{QStringLiteral("lr"),
                             QStringLiteral("val_accuracy"),
                             QStringLiteral("val_balanced_accuracy"),
                             QStringLiteral("val_macro_f1"),
                             QStringLiteral("val_head_recall"),
                             QStringLiteral("val_medium_recall"),
                             QStringLiteral("val_tail_recall"),
                             QStringLiteral("seconds"),
                             QStringLiteral("images_per_second"),
                             QStringLiteral("best")};
        for (const auto &loss : records->front().losses)
            expected << loss.first;
        QVERIFY(expected.contains(QStringLiteral("loss")));
        expected.sort();
        for (int i = 0; i < 2; ++i) {
            QCOMPARE(epochs[std::size_t(i)]->epoch, i + 1);
            QCOMPARE(metricNames(*epochs[std::size_t(i)]), expected);
            const project::EpochRecord &r = (*records)[std::size_t(i)];
            for (const auto &[name, value] : epochs[std::size_t(i)]->metrics)
                if (name == QLatin1String("loss")) QVERIFY(qAbs(value - r.loss(QStringLiteral("loss"))) < 1e-6);
        }
        // Progress carries the running losses; the epoch summaries and the final evaluation are logged.
        const Event *lastProgress = w.ofType(EventType::Progress).back();
        QVERIFY(lastProgress->progress.stages == 2);
        QStringList logs;
        for (const Event *e : w.ofType(EventType::Log))
            logs << e->text;
        QVERIFY2(logs.filter(QStringLiteral("epoch 2/2")).size() >= 1, qPrintable(logs.join(QLatin1Char('\n'))));
        QVERIFY2(logs.filter(QStringLiteral("balanced accuracy")).size() >= 1, qPrintable(logs.join('\n')));
        QCOMPARE(runState(run), QStringLiteral("finished"));
    }

    void failureIsAnErrorEvent()
    {
        const QString missing = m_tmp.filePath(QStringLiteral("no-such-manifest.json"));
        Worker w(tinyTrainArgs(missing, runDir(QStringLiteral("failed")), 1));
        QVERIFY(w.started());
        QCOMPARE(w.finish(), 1);
        QVERIFY2(w.badLines().isEmpty(), qPrintable(w.badLines().join(QLatin1Char('\n'))));
        QCOMPARE(w.events().size(), std::size_t(1));
        QCOMPARE(w.events().front().type, EventType::Error);
        QVERIFY2(w.events().front().error.detail.contains(missing), qPrintable(w.events().front().error.detail));
    }

    void pauseAndResumeBySignal()
    {
        const QString run = runDir(QStringLiteral("paused"));
        Worker w(tinyTrainArgs(m_manifest, run, 3));
        QVERIFY(w.waitForType(EventType::Started));
        w.signal(SIGUSR1);
        QVERIFY2(w.waitForLog(QStringLiteral("paused")), qPrintable(w.stderrText()));
        // The loop holds at its next batch and says so in status.json; nothing finishes meanwhile.
        QElapsedTimer clock;
        clock.start();
        while (runState(run) != QLatin1String("paused") && clock.elapsed() < 30000)
            QTest::qWait(50);
        QCOMPARE(runState(run), QStringLiteral("paused"));
        QTest::qWait(300);
        QCOMPARE(w.process().state(), QProcess::Running);
        QCOMPARE(runState(run), QStringLiteral("paused"));
        w.signal(SIGUSR2);
        QVERIFY(w.waitForLog(QStringLiteral("resumed")));
        QCOMPARE(w.finish(), 0);
        QVERIFY(w.badLines().isEmpty());
        QCOMPARE(w.events().back().state, QStringLiteral("finished"));
        QCOMPARE(w.ofType(EventType::Epoch).size(), std::size_t(3));
        QCOMPARE(runState(run), QStringLiteral("finished"));
    }

    void pauseAndResumeByCommandLines()
    {
        const QString run = runDir(QStringLiteral("commands"));
        Worker w(tinyTrainArgs(m_manifest, run, 2));
        QVERIFY(w.waitForType(EventType::Started));
        w.process().write("nonsense\npause\n");
        QVERIFY2(w.waitForLog(QStringLiteral("paused")), qPrintable(w.stderrText()));
        w.process().write("resume\n");
        QVERIFY(w.waitForLog(QStringLiteral("resumed")));
        QCOMPARE(w.finish(), 0);
        QVERIFY(w.badLines().isEmpty());
        QCOMPARE(w.events().back().state, QStringLiteral("finished"));
        QVERIFY2(w.stderrText().contains(QLatin1String("nonsense")), qPrintable(w.stderrText()));
    }

    void cancelBySigtermThenResume()
    {
        const QString run = runDir(QStringLiteral("cancelled"));
        int done = 0;
        {
            Worker w(tinyTrainArgs(m_manifest, run, 1000));
            QVERIFY(w.waitForType(EventType::Epoch));
            w.signal(SIGTERM);
            QCOMPARE(w.finish(), 130);
            QVERIFY2(w.badLines().isEmpty(), qPrintable(w.badLines().join(QLatin1Char('\n'))));
            QCOMPARE(w.events().back().type, EventType::Finished);
            QCOMPARE(w.events().back().state, QStringLiteral("cancelled"));
            done = int(w.ofType(EventType::Epoch).size());
            QVERIFY(done >= 1 && done < 1000);
            QCOMPARE(runState(run), QStringLiteral("cancelled"));
        }
        Worker w({QStringLiteral("train"), QStringLiteral("--resume"), run, QStringLiteral("--epochs"),
                  QString::number(done + 1)});
        QCOMPARE(w.finish(), 0);
        QVERIFY2(w.badLines().isEmpty(), qPrintable(w.badLines().join(QLatin1Char('\n'))));
        QCOMPARE(w.events().front().type, EventType::Started);
        QCOMPARE(w.events().front().text, run);
        const auto epochs = w.ofType(EventType::Epoch);
        QCOMPARE(epochs.size(), std::size_t(1));
        QCOMPARE(epochs.front()->epoch, done + 1);
        QCOMPARE(w.events().back().state, QStringLiteral("finished"));
        QCOMPARE(runState(run), QStringLiteral("finished"));
    }

    void closedStdoutDoesNotStopTheRun()
    {
        const QString run = runDir(QStringLiteral("orphaned"));
        Worker w(tinyTrainArgs(m_manifest, run, 6));
        QVERIFY(w.waitForType(EventType::Started));
        // The supervisor goes away: its end of both pipes closes; the worker's next writes fail.
        w.process().closeReadChannel(QProcess::StandardOutput);
        w.process().closeWriteChannel();
        QCOMPARE(w.finish(), 0);
        QCOMPARE(runState(run), QStringLiteral("finished"));
        auto records = project::RunFolder(run).readEpochs();
        QVERIFY(records.ok());
        QCOMPARE(records->size(), std::size_t(6));
    }
};

QTEST_GUILESS_MAIN(TestWorker)
#include "tst_worker.moc"
