// File I/O shared by every module: CSV quoting (checked against RFC 4180 by hand and read back with
// the project's own CSV reader), atomic writes that keep the old file when writing fails, and JSON
// reading whose errors name the file and the reason.
#include "core/common/fileio.h"
#include "core/data/csvreader.h"

#include <QtCore/QTemporaryDir>
#include <QtTest/QtTest>

#include <cmath>
#include <csignal>
#include <limits>
#include <sys/resource.h>

using namespace fopro;

class TestFileIo : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void csvFieldQuotesOnlyWhatNeedsIt()
    {
        QCOMPARE(fileio::csvField(QStringLiteral("plain")), QStringLiteral("plain"));
        QCOMPARE(fileio::csvField(QStringLiteral("a,b")), QStringLiteral("\"a,b\""));
        QCOMPARE(fileio::csvField(QStringLiteral("say \"hi\"")), QStringLiteral("\"say \"\"hi\"\"\""));
        QCOMPARE(fileio::csvField(QStringLiteral("two\nlines")), QStringLiteral("\"two\nlines\""));
        QCOMPARE(fileio::csvField(QStringLiteral("cr\rhere")), QStringLiteral("\"cr\rhere\""));
        QCOMPARE(fileio::csvField(QStringLiteral(" padded ")), QStringLiteral("\" padded \""));
        QCOMPARE(fileio::csvField(QString()), QString());
        QCOMPARE(fileio::csvRow({QStringLiteral("x"), QStringLiteral("y,z")}), QStringLiteral("x,\"y,z\"\n"));
    }

    void csvRowsReadBackExactly()
    {
        QTemporaryDir dir;
        const QStringList tricky{QStringLiteral("Mélanome, malin"), QStringLiteral("line\nbreak"),
                                 QStringLiteral("\"quoted\""), QStringLiteral(" lead"), QStringLiteral("plain")};
        QString text = fileio::csvRow(
            {QStringLiteral("a"), QStringLiteral("b"), QStringLiteral("c"), QStringLiteral("d"), QStringLiteral("e")});
        text += fileio::csvRow(tricky);
        const QString file = dir.filePath(QStringLiteral("t.csv"));
        QVERIFY(fileio::writeAtomically(file, text.toUtf8()).ok());
        const auto table = data::readCsv(file);
        QVERIFY2(table.ok(), qPrintable(table.error().message()));
        QCOMPARE(table->rows.size(), std::size_t(1));
        for (int i = 0; i < tricky.size(); ++i)
            QCOMPARE(table->rows[0][i], tricky[i]);
    }

    void csvNumbers()
    {
        QCOMPARE(fileio::csvNumber(0.1), QStringLiteral("0.1"));
        QCOMPARE(fileio::csvNumber(1.0 / 3.0), QStringLiteral("0.3333333333333333"));
        QCOMPARE(fileio::csvNumber(std::nan("")), QStringLiteral("nan"));
        QCOMPARE(fileio::csvNumber(-std::numeric_limits<double>::infinity()), QStringLiteral("-inf"));
        QCOMPARE(fileio::csvNumber(0.123456789, 3), QStringLiteral("0.123"));
    }

    void atomicWriteKeepsOldFileOnFailure()
    {
        QTemporaryDir dir;
        const QString file = dir.filePath(QStringLiteral("sub/deeper/out.json"));
        QVERIFY(fileio::writeJson(file, QJsonObject{{QStringLiteral("v"), 1}}).ok()); // creates folders
        QCOMPARE(fileio::readJsonObject(file)->value(QStringLiteral("v")).toInt(), 1);
        // A full disk, simulated with a file-size limit: the new write fails with the file named,
        // and the old content stays.
        struct rlimit old {};
        QVERIFY(getrlimit(RLIMIT_FSIZE, &old) == 0);
        std::signal(SIGXFSZ, SIG_IGN);
        struct rlimit small = old;
        small.rlim_cur = 1024;
        QVERIFY(setrlimit(RLIMIT_FSIZE, &small) == 0);
        const auto failed = fileio::writeAtomically(file, QByteArray(64 * 1024, 'x'));
        QVERIFY(setrlimit(RLIMIT_FSIZE, &old) == 0);
        QVERIFY(!failed.ok());
        QCOMPARE(failed.error().code, ErrorCode::WriteFailed);
        QCOMPARE(failed.error().file, file);
        QCOMPARE(fileio::readJsonObject(file)->value(QStringLiteral("v")).toInt(), 1);
        QCOMPARE(QDir(QFileInfo(file).absolutePath()).entryList(QDir::Files).size(), 1); // no temporary left
    }

    void jsonErrorsNameFileAndReason()
    {
        QTemporaryDir dir;
        const QString missing = dir.filePath(QStringLiteral("none.json"));
        auto r = fileio::readJsonObject(missing);
        QCOMPARE(r.error().code, ErrorCode::NotFound);
        QCOMPARE(r.error().file, missing);

        const QString broken = dir.filePath(QStringLiteral("broken.json"));
        QVERIFY(fileio::writeAtomically(broken, "{\"a\": 1,,}").ok());
        r = fileio::readJsonObject(broken);
        QCOMPARE(r.error().code, ErrorCode::Malformed);
        QCOMPARE(r.error().file, broken);
        QVERIFY2(r.error().detail.contains(QStringLiteral("at byte ")), qPrintable(r.error().detail));

        const QString array = dir.filePath(QStringLiteral("array.json"));
        QVERIFY(fileio::writeAtomically(array, "[1, 2]").ok());
        r = fileio::readJsonObject(array);
        QCOMPARE(r.error().code, ErrorCode::Malformed);
        QVERIFY(r.error().message().startsWith(array + QStringLiteral(": ")));
    }
};

QTEST_GUILESS_MAIN(TestFileIo)
#include "tst_fileio.moc"
