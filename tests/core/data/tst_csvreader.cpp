// The CSV reader on the awkward cases real files have: BOM, CRLF, quoted commas and quotes,
// line breaks inside quotes, non-ASCII text, short rows, blank lines, unclosed quotes.
#include "core/data/csvreader.h"
#include "tests/support/testsupport.h"

#include <QtTest/QtTest>

using namespace fopro::data;

class TestCsvReader : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void plain()
    {
        const CsvTable t = parseCsv("a,b,c\n1,2,3\n4,5,6\n");
        QCOMPARE(t.header, (QStringList{"a", "b", "c"}));
        QCOMPARE(int(t.rows.size()), 2);
        QCOMPARE(t.rows[1], (QStringList{"4", "5", "6"}));
        QCOMPARE(t.lines[0], 2);
        QCOMPARE(t.lines[1], 3);
    }
    void bomCrlfAndNoFinalNewline()
    {
        const CsvTable t = parseCsv("\xEF\xBB\xBFpath,label\r\nx.jpg,nv\r\ny.jpg,mel");
        QCOMPARE(t.header.front(), QStringLiteral("path")); // BOM removed
        QCOMPARE(int(t.rows.size()), 2);
        QCOMPARE(t.rows[0][1], QStringLiteral("nv")); // no stray \r
        QCOMPARE(t.rows[1][1], QStringLiteral("mel"));
    }
    void quotedFields()
    {
        const CsvTable t = parseCsv("path,label,note\n\"a, b.jpg\",\"x\"\"y\",\"two\nlines\"\nc.jpg,z,\n");
        QCOMPARE(int(t.rows.size()), 2);
        QCOMPARE(t.rows[0][0], QStringLiteral("a, b.jpg"));
        QCOMPARE(t.rows[0][1], QStringLiteral("x\"y"));
        QCOMPARE(t.rows[0][2], QStringLiteral("two\nlines"));
        QCOMPARE(t.lines[1], 4); // header 1, record 2-3 (quoted line break), record 4
        QCOMPARE(t.rows[1][2], QString());
    }
    void nonAsciiAndPadding()
    {
        const CsvTable t = parseCsv(QStringLiteral("Datei,Befund\nLäsion_é.jpg,naevus\nnur\n\n").toUtf8());
        QCOMPARE(t.rows[0][0], QStringLiteral("Läsion_é.jpg"));
        QCOMPARE(int(t.rows.size()), 2);               // the blank line is no record
        QCOMPARE(t.rows[1], (QStringList{"nur", ""})); // short row padded
        QCOMPARE(t.column(QStringLiteral(" befund ")), 1);
        QCOMPARE(t.column(QStringLiteral("missing")), -1);
    }
    void fileErrors()
    {
        QTemporaryDir dir;
        const QString missing = dir.filePath(QStringLiteral("none.csv"));
        auto r = readCsv(missing);
        QVERIFY(!r);
        QCOMPARE(r.error().code, fopro::ErrorCode::NotFound);
        QCOMPARE(r.error().file, missing);

        const QString unclosed = dir.filePath(QStringLiteral("bad.csv"));
        QVERIFY(fopro::test::writeText(unclosed, "a,b\n\"open,2\n"));
        r = readCsv(unclosed);
        QVERIFY(!r);
        QCOMPARE(r.error().code, fopro::ErrorCode::Malformed);
        QVERIFY(r.error().message().contains(QLatin1String("never closed")));

        const QString empty = dir.filePath(QStringLiteral("empty.csv"));
        QVERIFY(fopro::test::writeText(empty, ""));
        r = readCsv(empty);
        QVERIFY(!r);
        QVERIFY(r.error().detail.contains(QLatin1String("empty")));
    }

    void streamedAcrossReadPieces()
    {
        // The file is read 1 MiB at a time: a doubled quote, a CRLF, a quoted line break and a
        // two-byte UTF-8 character placed at every offset around the first piece's end must parse
        // as when the whole text is parsed at once.
        QTemporaryDir dir;
        const QByteArray tail = "\"say \"\"hi\"\"\",\"two\r\nlines\",caf\xC3\xA9\r\nlast,row,\xC3\xBC\n";
        for (int shift = 0; shift <= tail.size(); ++shift) {
            // The tail starts exactly `shift` bytes before the first piece ends.
            const qsizetype start = (1 << 20) - shift;
            QByteArray text = "a,b,c\r\n";
            int i = 0;
            while (text.size() < start - 40)
                text += QByteArray::number(i++) + ",x,y\r\n";
            text += "z,x," + QByteArray(start - text.size() - 7, ' ') + "y\r\n";
            QCOMPARE(text.size(), start);
            text += tail;
            const QString file = dir.filePath(QStringLiteral("big%1.csv").arg(shift));
            QVERIFY(fopro::test::writeText(file, text));
            const auto streamed = readCsv(file);
            QVERIFY2(streamed, qPrintable(streamed ? QString() : streamed.error().message()));
            const CsvTable whole = parseCsv(text);
            QCOMPARE(streamed->header, whole.header);
            QCOMPARE(streamed->rows.size(), whole.rows.size());
            QCOMPARE(streamed->rows, whole.rows);
            QCOMPARE(streamed->lines, whole.lines);
            const QStringList quoted = streamed->rows[streamed->rows.size() - 2];
            QCOMPARE(quoted, (QStringList{QStringLiteral("say \"hi\""), QStringLiteral("two\nlines"),
                                          QString::fromUtf8("caf\xC3\xA9")}));
            QCOMPARE(streamed->rows.back().back(), QString::fromUtf8("\xC3\xBC"));
        }
        // Stopping early from a row callback is a success that reads no further.
        int rows = 0;
        const auto stopped = readCsvRows(
            dir.filePath(QStringLiteral("big0.csv")), [](const QStringList &) { return true; },
            [&rows](QStringList &, int) { return ++rows < 10; });
        QVERIFY(stopped);
        QCOMPARE(rows, 10);
    }
};

QTEST_GUILESS_MAIN(TestCsvReader)
#include "tst_csvreader.moc"
