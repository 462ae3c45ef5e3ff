// The worker protocol: every event round trips through its JSON line (non-finite numbers included),
// commands round trip, malformed lines are refused with the reason, and the line splitter
// reassembles lines from arbitrary pieces and drops an overlong line without losing the next.
#include "core/jobs/workerprotocol.h"

#include <QtTest/QtTest>

#include <cmath>
#include <limits>

using namespace fopro;
using namespace fopro::worker;

class TestWorkerProtocol : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void progressRoundTrips()
    {
        Progress p;
        p.done = 17;
        p.total = 80;
        p.stage = 2;
        p.stages = 10;
        p.phase = QStringLiteral("Training");
        p.message = QStringLiteral("epoch 3, \"quoted\"\nline");
        p.rate = 31.5;
        p.etaSeconds = std::numeric_limits<double>::quiet_NaN();
        p.elapsedSeconds = 12.25;
        p.metrics = {{QStringLiteral("loss"), 1.5},
                     {QStringLiteral("feature"), std::numeric_limits<double>::infinity()}};
        const QByteArray line = encode(Event::ofProgress(p));
        QVERIFY(line.endsWith('\n'));
        QCOMPARE(line.count('\n'), 1); // one line, whatever the message holds
        const auto back = decode(line);
        QVERIFY2(back.ok(), qPrintable(back.error().message()));
        QCOMPARE(back->type, EventType::Progress);
        QCOMPARE(back->progress.done, 17);
        QCOMPARE(back->progress.total, 80);
        QCOMPARE(back->progress.stage, 2);
        QCOMPARE(back->progress.stages, 10);
        QCOMPARE(back->progress.phase, p.phase);
        QCOMPARE(back->progress.message, p.message);
        QCOMPARE(back->progress.rate, 31.5);
        QVERIFY(std::isnan(back->progress.etaSeconds));
        QCOMPARE(back->progress.metric(QStringLiteral("loss")), 1.5);
        QVERIFY(std::isnan(back->progress.metric(QStringLiteral("feature")))); // infinity travels as null
    }

    void otherEventsRoundTrip()
    {
        auto e = decode(encode(Event::started(QStringLiteral("/runs/ä b"), 4242)));
        QCOMPARE(e->type, EventType::Started);
        QCOMPARE(e->text, QStringLiteral("/runs/ä b"));
        QCOMPARE(e->pid, 4242);
        e = decode(encode(Event::ofEpoch(3, {{QStringLiteral("val_balanced_accuracy"), 0.75}})));
        QCOMPARE(e->epoch, 3);
        QCOMPARE(e->metrics.size(), std::size_t(1));
        QCOMPARE(e->metrics[0].second, 0.75);
        e = decode(encode(Event::log(QStringLiteral("resumed at epoch 2"))));
        QCOMPARE(e->text, QStringLiteral("resumed at epoch 2"));
        e = decode(encode(Event::failed(
            makeError(ErrorCode::NotFound, QStringLiteral("/x/model.json"), QStringLiteral("file not found")))));
        QCOMPARE(e->type, EventType::Error);
        QCOMPARE(e->error.code, ErrorCode::NotFound);
        QCOMPARE(e->error.file, QStringLiteral("/x/model.json"));
        e = decode(encode(Event::finished(QStringLiteral("cancelled"), QStringLiteral("/r"))));
        QCOMPARE(e->state, QStringLiteral("cancelled"));
        for (ErrorCode c :
             {ErrorCode::Unreadable, ErrorCode::Malformed, ErrorCode::Unsupported, ErrorCode::Ambiguous,
              ErrorCode::InvalidArgument, ErrorCode::WriteFailed, ErrorCode::Cancelled, ErrorCode::Internal})
            QCOMPARE(errorCodeFromName(errorCodeName(c)), c);
    }

    void malformedLinesAreRefused_data()
    {
        QTest::addColumn<QByteArray>("line");
        QTest::addColumn<QString>("reason");
        QTest::newRow("not json") << QByteArray("epoch 3 done") << QStringLiteral("not JSON");
        QTest::newRow("array") << QByteArray("[1,2]") << QStringLiteral("not a JSON object");
        QTest::newRow("no type") << QByteArray("{\"done\":1}") << QStringLiteral("no event type");
        QTest::newRow("unknown type") << QByteArray("{\"type\":\"explode\"}") << QStringLiteral("unknown event type");
        QTest::newRow("negative") << QByteArray("{\"type\":\"progress\",\"done\":-1}")
                                  << QStringLiteral("negative progress");
        QTest::newRow("epoch 0") << QByteArray("{\"type\":\"epoch\",\"epoch\":0}") << QStringLiteral("valid epoch");
        QTest::newRow("state") << QByteArray("{\"type\":\"finished\",\"state\":\"maybe\"}")
                               << QStringLiteral("unknown final state");
        QTest::newRow("started") << QByteArray("{\"type\":\"started\"}") << QStringLiteral("run folder");
        QTest::newRow("empty") << QByteArray("") << QStringLiteral("not JSON");
        // Found by fuzz_workerprotocol: a null or huge done/total was cast from double to qint64
        // (undefined behaviour; UBSan stops there).
        QTest::newRow("done null") << QByteArray("{\"type\":\"progress\",\"done\":null,\"total\":3}")
                                   << QStringLiteral("valid done or total");
        QTest::newRow("total huge") << QByteArray("{\"type\":\"progress\",\"done\":1,\"total\":1e300}")
                                    << QStringLiteral("valid done or total");
        QTest::newRow("done 2^63") << QByteArray("{\"type\":\"progress\",\"done\":9223372036854775808}")
                                   << QStringLiteral("valid done or total");
    }

    /// Found by fuzz_workerprotocol: "time" and "pid" were cast from double to qint64 whatever
    /// their size (undefined behaviour). Out of range they now read as 0 (unknown), like a missing
    /// value.
    void outOfRangeTimesReadAsUnknown()
    {
        auto e = decode("{\"type\":\"log\",\"text\":\"x\",\"time\":1.76789e+110}");
        QVERIFY(e.ok());
        QCOMPARE(e->time, 0);
        e = decode("{\"type\":\"started\",\"run\":\"/r\",\"pid\":-1e19,\"time\":null}");
        QVERIFY(e.ok());
        QCOMPARE(e->pid, 0);
        QCOMPARE(e->time, 0);
        e = decode("{\"type\":\"progress\",\"done\":-9223372036854775808,\"total\":5,\"time\":1767268800000}");
        QVERIFY(!e.ok()); // in range, but negative
        e = decode("{\"type\":\"log\",\"text\":\"x\",\"time\":1767268800000.5}");
        QCOMPARE(e->time, Q_INT64_C(1767268800000));
    }

    void malformedLinesAreRefused()
    {
        QFETCH(QByteArray, line);
        QFETCH(QString, reason);
        const auto r = decode(line);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, ErrorCode::Malformed);
        QVERIFY2(r.error().detail.contains(reason), qPrintable(r.error().detail));
    }

    void commandsRoundTrip()
    {
        for (Command c : {Command::Pause, Command::Resume, Command::Cancel})
            QCOMPARE(*decodeCommand(encodeCommand(c)), c);
        QCOMPARE(*decodeCommand("  cancel \r\n"), Command::Cancel);
        QVERIFY(!decodeCommand("rm -rf /").ok());
    }

    void splitterReassemblesPieces()
    {
        const QByteArray stream = encode(Event::log(QStringLiteral("a"))) + encode(Event::log(QStringLiteral("b"))) +
                                  "{\"type\":\"log\",\"text\":\"c\"}\r\n";
        // Every way of cutting the stream in two gives the same three lines.
        for (int cut = 0; cut <= stream.size(); ++cut) {
            LineSplitter s;
            std::vector<QByteArray> lines = s.feed(stream.left(cut));
            for (const QByteArray &l : s.feed(stream.mid(cut)))
                lines.push_back(l);
            QCOMPARE(lines.size(), std::size_t(3));
            QCOMPARE(decode(lines[2])->text, QStringLiteral("c"));
        }
        // Byte by byte, too.
        LineSplitter s;
        int n = 0;
        for (char c : stream)
            n += int(s.feed(QByteArray(1, c)).size());
        QCOMPARE(n, 3);
    }

    void overlongLineIsDroppedWhole()
    {
        LineSplitter s;
        QByteArray huge(LineSplitter::maxLine + 10, 'x');
        auto lines = s.feed(huge.left(600000));
        QVERIFY(lines.empty());
        lines = s.feed(huge.mid(600000) + "\n" + encode(Event::log(QStringLiteral("next"))));
        QCOMPARE(lines.size(), std::size_t(1));
        QCOMPARE(decode(lines[0])->text, QStringLiteral("next"));
        QCOMPARE(s.overlongLines(), 1);
    }
};

QTEST_GUILESS_MAIN(TestWorkerProtocol)
#include "tst_workerprotocol.moc"
