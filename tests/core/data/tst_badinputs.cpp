// The bad-input catalogue of the dataset core, one case per test: CSV labels that are blank or hold
// control characters, an image listed twice, paths that climb out of the dataset's folder, file
// names that are not valid UTF-8, and a folder with a symbolic-link loop. (Decompression bombs are
// in tst_imagepipeline, empty and mis-named files in tst_importchecks and tst_cli, malformed
// teachers in tst_teacher, malformed parsers' input in tests/fuzz.)
#include "core/data/deidentify.h"
#include "core/data/imagefiles.h"
#include "core/data/importer.h"
#include "tests/support/testsupport.h"

#include <QtCore/QDirIterator>
#include <QtTest/QtTest>

#include <fcntl.h>
#include <unistd.h>

using namespace fopro::data;
using fopro::test::patternImage;
using fopro::test::writeImage;
using fopro::test::writeText;

namespace {

QString problemsText(const ImportResult &r)
{
    QStringList lines;
    for (const ImportProblem &p : r.problems)
        lines << p.file + QStringLiteral(": ") + p.reason;
    return lines.join(QLatin1Char('\n'));
}

QByteArray readBytes(const QString &file)
{
    QFile f(file);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

} // namespace

class TestBadInputs : public QObject {
    Q_OBJECT
    QTemporaryDir m_tmp;

private Q_SLOTS:
    void csvLabelsAndRepeatedRows()
    {
        const QString root = m_tmp.filePath(QStringLiteral("csv"));
        for (int i = 0; i < 6; ++i)
            QVERIFY(writeImage(QStringLiteral("%1/img/%2.png").arg(root).arg(i), patternImage(24, 24, i)));
        QVERIFY(writeImage(m_tmp.filePath(QStringLiteral("elsewhere/far.png")), patternImage(24, 24, 9)));
        const QByteArray csv = "path,label\n"
                               "img/0.png,nevus\n"
                               "img/1.png,\"  nevus  \"\n"  // spaces around: the same class
                               "img/2.png,\"   \"\n"        // only spaces: no label
                               "img/3.png,\"mel\nanoma\"\n" // a line break inside the quoted label
                               "img/4.png,\"mel\tanoma\"\n" // a tab
                               "img/5.png,melanoma\n"
                               "img/0.png,nevus\n"                // listed again, same label
                               "./img/5.png,nevus\n"              // listed again (another spelling), another label
                               "../elsewhere/far.png,melanoma\n"; // outside the CSV's folder
        QVERIFY(writeText(root + QStringLiteral("/labels.csv"), csv));
        ImportOptions o;
        o.format = QStringLiteral("csv");
        auto r = importDataset(root + QStringLiteral("/labels.csv"), o);
        QVERIFY2(r, qPrintable(r.error().message()));
        const QString problems = problemsText(*r);
        QCOMPARE(r->index.classes, (QStringList{QStringLiteral("melanoma"), QStringLiteral("nevus")}));
        QCOMPARE(r->index.classCounts(), (std::vector<int>{2, 2})); // 5 + far; 0 + 1
        QVERIFY2(problems.contains(QLatin1String(":4: empty label for img/2.png")), qPrintable(problems));
        QVERIFY2(problems.contains(QLatin1String("control characters")) &&
                     problems.contains(QLatin1String("\"mel\\nanoma\"")) &&
                     problems.contains(QLatin1String("\"mel\\tanoma\"")),
                 qPrintable(problems));
        QVERIFY2(problems.contains(QLatin1String("img/0.png is listed again (first at line 2); skipped")),
                 qPrintable(problems));
        QVERIFY2(problems.contains(QLatin1String("./img/5.png is listed again with another label, 'nevus' (first at "
                                                 "line 8 as 'melanoma')")),
                 qPrintable(problems));
        QVERIFY2(problems.contains(QLatin1String("1 image path(s) lead outside the CSV's folder (e.g. "
                                                 "../elsewhere/far.png)")),
                 qPrintable(problems));
    }

    void climbingPathsAreNeverWritten()
    {
        // A manifest whose sample climbs out of the dataset root: read from there, and a
        // de-identified export writes only inside its own folder; the outside file is untouched.
        const QString outside = m_tmp.filePath(QStringLiteral("outside/patient_Doe.png"));
        QVERIFY(writeImage(outside, patternImage(20, 20, 3)));
        const QByteArray before = readBytes(outside);
        DatasetIndex d;
        d.root = m_tmp.filePath(QStringLiteral("deep/dataset/root"));
        QVERIFY(QDir().mkpath(d.root));
        d.classes = {QStringLiteral("../../../outside")};
        Sample s;
        s.path = QStringLiteral("../../../outside/patient_Doe.png");
        s.label = 0;
        d.samples.push_back(s);
        const QString manifest = d.root + QStringLiteral("/manifest.json");
        QVERIFY(d.save(manifest));
        auto loaded = DatasetIndex::load(manifest);
        QVERIFY2(loaded, qPrintable(loaded.error().message()));
        QCOMPARE(QFileInfo(loaded->absolutePath(loaded->samples.front())).canonicalFilePath(),
                 QFileInfo(outside).canonicalFilePath());
        ExportOptions o;
        o.outputDir = m_tmp.filePath(QStringLiteral("export"));
        o.secret = QByteArrayLiteral("a-project-secret-of-enough-bytes");
        auto r = exportDataset(*loaded, o);
        QVERIFY2(r, qPrintable(r.error().message()));
        QCOMPARE(r->exported, 1);
        QCOMPARE(readBytes(outside), before);
        QCOMPARE(QDir(m_tmp.filePath(QStringLiteral("outside"))).entryList(QDir::Files | QDir::Hidden),
                 QStringList{QStringLiteral("patient_Doe.png")});
        for (QDirIterator it(o.outputDir, QDir::Files | QDir::Hidden, QDirIterator::Subdirectories); it.hasNext();) {
            const QString f = QFileInfo(it.next()).canonicalFilePath();
            QVERIFY2(f.startsWith(QFileInfo(o.outputDir).canonicalFilePath() + QLatin1Char('/')), qPrintable(f));
        }
    }

    void fileNamesThatAreNotUtf8()
    {
        const QString root = m_tmp.filePath(QStringLiteral("latin1"));
        QVERIFY(writeImage(root + QStringLiteral("/nevus/good.png"), patternImage(24, 24, 1)));
        QVERIFY(writeImage(root + QStringLiteral("/nevus/also_good.png"), patternImage(24, 24, 2)));
        // "café.png" written by a Latin-1 system: the byte 0xE9 alone is not UTF-8.
        const QByteArray good = readBytes(root + QStringLiteral("/nevus/good.png"));
        const QByteArray name = QFile::encodeName(root + QStringLiteral("/nevus/")) + QByteArray("caf\xe9.png");
        const int fd = ::open(name.constData(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        QVERIFY(fd >= 0);
        QCOMPARE(::write(fd, good.constData(), size_t(good.size())), ssize_t(good.size()));
        ::close(fd);
        auto r = importDataset(root);
        QVERIFY2(r, qPrintable(r.error().message()));
        QCOMPARE(int(r->index.samples.size()), 2);
        const QString problems = problemsText(*r);
        ::unlink(name.constData()); // QTemporaryDir cannot remove it by a QString name
        QVERIFY2(problems.contains(QLatin1String("not valid UTF-8")), qPrintable(problems));
        QCOMPARE(r->index.classCounts(), std::vector<int>{2});
    }

    void symbolicLinkLoop()
    {
        // nevus/loop points back at the dataset's root: importing and listing both end, and each
        // image counts once.
        const QString root = m_tmp.filePath(QStringLiteral("loop"));
        QVERIFY(writeImage(root + QStringLiteral("/nevus/a.png"), patternImage(24, 24, 4)));
        QVERIFY(writeImage(root + QStringLiteral("/melanoma/b.png"), patternImage(24, 24, 5)));
        QVERIFY(QFile::link(root, root + QStringLiteral("/nevus/loop")));
        QVERIFY(QFile::link(root + QStringLiteral("/melanoma"), root + QStringLiteral("/melanoma/self")));
        auto r = importDataset(root);
        QVERIFY2(r, qPrintable(r.error().message()));
        QCOMPARE(int(r->index.samples.size()), 2);
        QCOMPARE(r->index.classCounts(), (std::vector<int>{1, 1}));
        const ImageFileList listed = collectImageFiles({root});
        QCOMPARE(listed.files.size(), 2);
        QVERIFY(listed.problems.empty());
    }
};

QTEST_GUILESS_MAIN(TestBadInputs)
#include "tst_badinputs.moc"
