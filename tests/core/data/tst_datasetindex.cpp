// Dataset index: manifest round trip (every field), atomic save, relative roots, clear errors, and
// 100,000 samples.
#include "core/data/datasetindex.h"
#include "tests/support/testsupport.h"

#include <QtTest/QtTest>

using namespace fopro::data;

class TestDatasetIndex : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void roundTripKeepsEverything()
    {
        QTemporaryDir dir;
        DatasetIndex d;
        d.format = QStringLiteral("folder");
        d.root = dir.filePath(QStringLiteral("images"));
        d.classes = {QStringLiteral("nevus"), QStringLiteral("melanoma"), QStringLiteral("ödem")};
        Sample a;
        a.path = QStringLiteral("nevus/a.jpg");
        a.label = 0;
        a.originalLabel = 0;
        a.split = Split::Train;
        a.group = QStringLiteral("lesion-1");
        a.meta.insert(QStringLiteral("age"), QStringLiteral("45"));
        Sample b;
        b.path = QStringLiteral("/abs/elsewhere/file.dcm");
        b.kind = SourceKind::DicomFrame;
        b.entry = 3;
        b.label = 2;
        b.originalLabel = 1;
        b.split = Split::Test;
        b.flags = FlagRelabelled | FlagFlagged;
        d.samples = {a, b};
        d.info.insert(QStringLiteral("csv"), QStringLiteral("x.csv"));
        const QString file = dir.filePath(QStringLiteral("project/manifest.json"));
        QDir().mkpath(dir.filePath(QStringLiteral("project")));
        QVERIFY(d.save(file).ok());

        auto back = DatasetIndex::load(file);
        QVERIFY2(back.ok(), qPrintable(back.error().message()));
        QCOMPARE(back->format, d.format);
        QCOMPARE(back->root, QDir::cleanPath(d.root));
        QCOMPARE(back->classes, d.classes);
        QCOMPARE(int(back->samples.size()), 2);
        const Sample &a2 = back->samples[0], &b2 = back->samples[1];
        QCOMPARE(a2.path, a.path);
        QCOMPARE(a2.split, Split::Train);
        QCOMPARE(a2.group, a.group);
        QCOMPARE(a2.meta.value(QStringLiteral("age")), QStringLiteral("45"));
        QCOMPARE(b2.kind, SourceKind::DicomFrame);
        QCOMPARE(b2.entry, 3);
        QCOMPARE(b2.label, 2);
        QCOMPARE(b2.originalLabel, 1);
        QCOMPARE(int(b2.flags), int(FlagRelabelled | FlagFlagged));
        QCOMPARE(back->info.value(QStringLiteral("csv")).toString(), QStringLiteral("x.csv"));
        QCOMPARE(back->absolutePath(a2), QDir(d.root).filePath(QStringLiteral("nevus/a.jpg")));
        QCOMPARE(back->absolutePath(b2), QStringLiteral("/abs/elsewhere/file.dcm"));
        // The root is stored relative to the manifest, so the project folder can move.
        QFile f(file);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QVERIFY(f.readAll().contains("\"root\": \"../images\""));
    }

    void countsIgnoreExcludedAndMissing()
    {
        DatasetIndex d;
        d.classes = {QStringLiteral("a"), QStringLiteral("b")};
        for (int i = 0; i < 5; ++i) {
            Sample s;
            s.path = QString::number(i);
            s.label = i < 3 ? 0 : 1;
            s.split = i % 2 ? Split::Test : Split::Train;
            d.samples.push_back(s);
        }
        d.samples[0].set(FlagExcluded, true);
        d.samples[4].set(FlagMissing, true);
        QCOMPARE(d.classCounts(), (std::vector<int>{2, 1}));
        QCOMPARE(d.classCounts(Split::Train), (std::vector<int>{1, 0}));
        d.reorderClasses({QStringLiteral("b"), QStringLiteral("a")});
        QCOMPARE(d.classCounts(), (std::vector<int>{1, 2}));
        QCOMPARE(d.samples[3].label, 0);
    }

    void errorsNameTheFile()
    {
        QTemporaryDir dir;
        const QString missing = dir.filePath(QStringLiteral("no.json"));
        auto r = DatasetIndex::load(missing);
        QVERIFY(!r);
        QCOMPARE(r.error().file, missing);
        const QString bad = dir.filePath(QStringLiteral("bad.json"));
        QVERIFY(fopro::test::writeText(bad, "{\"kind\": \"fopro-dataset\", \"version\": 1, \"classes\": [\"a\"], "
                                            "\"samples\": [{\"path\": \"x\", \"label\": 7}]}"));
        r = DatasetIndex::load(bad);
        QVERIFY(!r);
        QVERIFY(r.error().detail.contains(QLatin1String("label 7")));
        QVERIFY(fopro::test::writeText(bad, "{ not json"));
        r = DatasetIndex::load(bad);
        QVERIFY(!r);
        QCOMPARE(r.error().code, fopro::ErrorCode::Malformed);
    }

    void failedSaveKeepsTheOldFile()
    {
        QTemporaryDir dir;
        const QString file = dir.filePath(QStringLiteral("m.json"));
        DatasetIndex d;
        d.classes = {QStringLiteral("a")};
        QVERIFY(d.save(file).ok());
        const QByteArray before = [&] {
            QFile f(file);
            f.open(QIODevice::ReadOnly);
            return f.readAll();
        }();
        // Saving into a read-only folder fails with an error naming the file, and the old file stays.
        QFile::setPermissions(dir.path(), QFileDevice::ReadOwner | QFileDevice::ExeOwner);
        d.classes << QStringLiteral("b");
        auto r = d.save(file);
        QFile::setPermissions(dir.path(), QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
        if (!r.ok()) { // as root a read-only folder is still writable; the case below covers root too
            QCOMPARE(r.error().file, file);
            QFile f(file);
            QVERIFY(f.open(QIODevice::ReadOnly));
            QCOMPARE(f.readAll(), before);
        }
        // A manifest path below a regular file cannot be written by anyone: a clear error, no crash.
        const QString impossible = file + QStringLiteral("/sub.json");
        r = d.save(impossible);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().file, impossible);
        QCOMPARE(r.error().code, fopro::ErrorCode::WriteFailed);
        QFile f(file);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QVERIFY(f.readAll().contains("\"a\""));
    }

    void hundredThousandSamples()
    {
        QTemporaryDir dir;
        DatasetIndex d;
        d.root = dir.path();
        for (int c = 0; c < 23; ++c)
            d.classes << QStringLiteral("class-%1").arg(c);
        d.samples.reserve(100000);
        for (int i = 0; i < 100000; ++i) {
            Sample s;
            s.path = QStringLiteral("class-%1/img_%2.jpg").arg(i % 23).arg(i, 6, 10, QLatin1Char('0'));
            s.label = s.originalLabel = i % 23;
            s.split = Split(1 + i % 3);
            d.samples.push_back(std::move(s));
        }
        const QString file = dir.filePath(QStringLiteral("big.json"));
        QElapsedTimer t;
        t.start();
        QVERIFY(d.save(file).ok());
        auto back = DatasetIndex::load(file);
        QVERIFY(back.ok());
        QCOMPARE(int(back->samples.size()), 100000);
        QCOMPARE(back->samples[99999].path, d.samples[99999].path);
        QCOMPARE(back->classCounts(), d.classCounts());
        qInfo("save + load of 100,000 samples: %lld ms", t.elapsed());
    }
};

QTEST_GUILESS_MAIN(TestDatasetIndex)
#include "tst_datasetindex.moc"
