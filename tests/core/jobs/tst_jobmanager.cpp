// The job layer: a job cancelled while queued never runs; a running job stops at its next poll;
// pause holds it and resume lets it go on; an exception inside a job becomes an error value; the
// manager's shutdown leaves no worker thread running; progress is throttled; runBlocking runs the
// same job function as the manager and reports through its sink.
#include "core/jobs/jobmanager.h"

#include <QtCore/QThread>
#include <QtTest/QtTest>

#include <atomic>
#include <stdexcept>

using namespace fopro;
using namespace std::chrono_literals;

namespace {

/// A job that counts steps until cancelled or `steps` is reached, pausing where asked, reporting
/// each step. `started` is set once it runs; `count` holds the steps done.
JobFunction<int> countingJob(std::atomic<int> *count, std::atomic<bool> *started, int steps = 1000000)
{
    return [=](JobControl &control, const ProgressSink &progress) -> Result<int> {
        started->store(true);
        for (int i = 0; i < steps; ++i) {
            control.waitWhilePaused();
            if (control.isCancelled())
                return makeError(ErrorCode::Cancelled, {}, QStringLiteral("stopped at step %1").arg(i));
            Progress p;
            p.phase = QStringLiteral("Counting");
            p.done = i + 1;
            p.total = steps;
            report(progress, p);
            count->store(i + 1);
            QThread::msleep(1);
        }
        return steps;
    };
}

} // namespace

class TestJobManager : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void finishedJobDeliversItsValue()
    {
        JobManager jobs;
        std::optional<Result<int>> got;
        QSignalSpy finished(&jobs, &JobManager::jobFinished);
        jobs.submit<int>(
            JobManager::Kind::Io, QStringLiteral("sum"),
            [](JobControl &, const ProgressSink &) -> Result<int> { return 6 * 7; },
            [&](const Result<int> &r) { got = r; });
        QTRY_VERIFY(got.has_value());
        QVERIFY(got->ok());
        QCOMPARE(got->value(), 42);
        QCOMPARE(finished.size(), 1);
        QVERIFY(!jobs.isBusy());
    }

    void cancelWhileQueuedNeverRuns()
    {
        JobManager jobs;
        std::atomic<int> countA{0}, countB{0};
        std::atomic<bool> startedA{false}, startedB{false};
        std::optional<Result<int>> resultB;
        // One training slot: B waits behind A.
        const auto a =
            jobs.submit<int>(JobManager::Kind::Training, QStringLiteral("A"), countingJob(&countA, &startedA));
        const auto b = jobs.submit<int>(JobManager::Kind::Training, QStringLiteral("B"),
                                        countingJob(&countB, &startedB), [&](const Result<int> &r) { resultB = r; });
        QTRY_VERIFY(startedA.load());
        QCOMPARE(jobs.info(b)->state, JobManager::State::Queued);
        QSignalSpy cancelled(&jobs, &JobManager::jobCancelled);
        jobs.cancel(b);
        jobs.cancel(a);
        QTRY_VERIFY(resultB.has_value());
        QVERIFY(!startedB.load());
        QCOMPARE(countB.load(), 0);
        QCOMPARE(resultB->error().code, ErrorCode::Cancelled);
        QTRY_COMPARE(cancelled.size(), 2);
        QTRY_VERIFY(!jobs.isBusy());
    }

    void cancelWhileRunningStopsAtNextPoll()
    {
        JobManager jobs;
        std::atomic<int> count{0};
        std::atomic<bool> started{false};
        std::optional<Result<int>> result;
        const auto id = jobs.submit<int>(JobManager::Kind::Io, QStringLiteral("count"), countingJob(&count, &started),
                                         [&](const Result<int> &r) { result = r; });
        QTRY_VERIFY(count.load() >= 5);
        jobs.cancel(id);
        QTRY_VERIFY(result.has_value());
        QCOMPARE(result->error().code, ErrorCode::Cancelled);
        const int stoppedAt = count.load();
        QThread::msleep(50);
        QCOMPARE(count.load(), stoppedAt); // nothing ran after the result
        QVERIFY(stoppedAt < 1000000);
    }

    void pauseHoldsAndResumeContinues()
    {
        JobManager jobs;
        std::atomic<int> count{0};
        std::atomic<bool> started{false};
        QSignalSpy paused(&jobs, &JobManager::jobPaused);
        const auto id =
            jobs.submit<int>(JobManager::Kind::Training, QStringLiteral("count"), countingJob(&count, &started));
        QTRY_VERIFY(count.load() >= 3);
        jobs.pause(id);
        QCOMPARE(jobs.info(id)->state, JobManager::State::Paused);
        QThread::msleep(50); // at most the step in flight completes
        const int held = count.load();
        QThread::msleep(200);
        QCOMPARE(count.load(), held);
        jobs.resume(id);
        QCOMPARE(jobs.info(id)->state, JobManager::State::Running);
        QTRY_VERIFY(count.load() > held + 3);
        QCOMPARE(paused.size(), 2);
        QCOMPARE(paused.at(0).at(1).toBool(), true);
        QCOMPARE(paused.at(1).at(1).toBool(), false);
        jobs.cancel(id);
        QTRY_VERIFY(!jobs.isBusy());
    }

    void exceptionBecomesAnErrorValue()
    {
        JobManager jobs;
        std::optional<Result<int>> result;
        QSignalSpy failed(&jobs, &JobManager::jobFailed);
        jobs.submit<int>(
            JobManager::Kind::Io, QStringLiteral("thrower"),
            [](JobControl &, const ProgressSink &) -> Result<int> { throw std::runtime_error("the disk caught fire"); },
            [&](const Result<int> &r) { result = r; });
        QTRY_VERIFY(result.has_value());
        QVERIFY(!result->ok());
        QCOMPARE(result->error().code, ErrorCode::Internal);
        QVERIFY2(result->error().detail.contains(QStringLiteral("the disk caught fire")),
                 qPrintable(result->error().detail));
        QCOMPARE(failed.size(), 1);
        QVERIFY(failed.at(0).at(1).toString().contains(QStringLiteral("the disk caught fire")));

        // The same guard without the manager, and with a non-standard exception.
        auto future = runJob(nullptr, []() -> Result<int> { throw 7; });
        QCOMPARE(future.result().error().code, ErrorCode::Internal);
        QVERIFY(future.result().error().detail.contains(QStringLiteral("unknown exception")));
    }

    void shutdownLeavesNoThreadRunning()
    {
        std::atomic<int> c1{0}, c2{0}, c3{0};
        std::atomic<bool> s1{false}, s2{false}, s3{false};
        std::atomic<int> delivered{0};
        {
            JobManager jobs;
            jobs.submit<int>(JobManager::Kind::Training, QStringLiteral("t"), countingJob(&c1, &s1));
            jobs.submit<int>(JobManager::Kind::Io, QStringLiteral("a"), countingJob(&c2, &s2));
            jobs.submit<int>(JobManager::Kind::Io, QStringLiteral("b"), countingJob(&c3, &s3));
            QTRY_VERIFY(s1.load() && s2.load() && s3.load());
            QVERIFY(jobs.isBusy());
            QVERIFY(jobs.shutdown(5000));
            QCOMPARE(jobs.ioPool()->activeThreadCount(), 0);
            // After shutdown a new job is cancelled before it starts.
            std::atomic<int> c4{0};
            std::atomic<bool> s4{false};
            jobs.submit<int>(JobManager::Kind::Io, QStringLiteral("late"), countingJob(&c4, &s4),
                             [&](const Result<int> &) { ++delivered; });
            QVERIFY(jobs.shutdown(5000));
            QVERIFY(!s4.load());
        } // destroying the manager waits again; nothing may still touch the counters afterwards
        const int a = c1.load(), b = c2.load(), c = c3.load();
        QThread::msleep(30);
        QCOMPARE(c1.load(), a);
        QCOMPARE(c2.load(), b);
        QCOMPARE(c3.load(), c);
    }

    void resultSkippedWhenContextIsGone()
    {
        JobManager jobs;
        bool called = false;
        auto *context = new QObject;
        std::atomic<bool> go{false};
        jobs.submit<int>(
            JobManager::Kind::Io, QStringLiteral("slow"),
            [&go](JobControl &, const ProgressSink &) -> Result<int> {
                while (!go.load())
                    QThread::msleep(1);
                return 1;
            },
            [&](const Result<int> &) { called = true; }, context);
        delete context;
        go = true;
        QTRY_VERIFY(!jobs.isBusy());
        QVERIFY(!called);
    }

    void progressIsThrottled()
    {
        JobManager jobs;
        std::atomic<int> count{0};
        std::atomic<bool> started{false};
        QSignalSpy progress(&jobs, &JobManager::progressChanged);
        std::optional<Result<int>> result;
        QElapsedTimer clock;
        clock.start();
        // 300 steps of >= 1 ms each report 300 times; the manager passes at most ten a second plus
        // the first and the last.
        jobs.submit<int>(JobManager::Kind::Io, QStringLiteral("count"), countingJob(&count, &started, 300),
                         [&](const Result<int> &r) { result = r; });
        QTRY_VERIFY_WITH_TIMEOUT(result.has_value(), 20000);
        QCOMPARE(result->value(), 300);
        QTRY_VERIFY(!progress.isEmpty());
        const double seconds = clock.elapsed() / 1000.0;
        QVERIFY2(progress.size() <= int(seconds * 10) + 3,
                 qPrintable(QStringLiteral("%1 updates in %2 s").arg(progress.size()).arg(seconds)));
        const auto last = progress.last().at(1).value<Progress>();
        QCOMPARE(last.done, 300);
        QCOMPARE(last.total, 300);
        QCOMPARE(last.fraction(), 1.0);
    }

    void runBlockingUsesTheSameJob()
    {
        std::atomic<int> count{0};
        std::atomic<bool> started{false};
        JobControl control;
        int reports = 0;
        qint64 lastDone = 0;
        const Result<int> r = runBlocking<int>(countingJob(&count, &started, 50), control, [&](const Progress &p) {
            ++reports;
            lastDone = p.done;
        });
        QVERIFY(r.ok());
        QCOMPARE(r.value(), 50);
        QVERIFY(reports >= 2 && reports < 50);
        QCOMPARE(lastDone, 50);

        // Cancelled from another thread while running.
        std::atomic<int> count2{0};
        std::atomic<bool> started2{false};
        JobControl control2;
        std::thread canceller([&] {
            while (count2.load() < 10)
                QThread::msleep(1);
            control2.cancel();
        });
        const Result<int> r2 = runBlocking<int>(countingJob(&count2, &started2), control2);
        canceller.join();
        QCOMPARE(r2.error().code, ErrorCode::Cancelled);
    }

    void fractionUsesStages()
    {
        Progress p;
        p.stage = 1;
        p.stages = 4;
        p.done = 5;
        p.total = 10;
        QCOMPARE(p.fraction(), 0.375); // (1 + 0.5) / 4
        p.stages = 0;
        QCOMPARE(p.fraction(), 0.5);
        p.total = 0;
        QCOMPARE(p.fraction(), -1.0);
    }
};

QTEST_GUILESS_MAIN(TestJobManager)
#include "tst_jobmanager.moc"
