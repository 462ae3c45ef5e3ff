// Every importer on fixtures written here (real JPEG/PNG files encoded by OpenCV), and on the real
// files present on the machine: Debian's Fashion-MNIST IDX files and the published ISIC-2019-LT
// split files. Autodetection picks the right importer for each layout.
#include "core/data/idxfile.h"
#include "core/data/importer.h"
#include "tests/support/testsupport.h"

#include <QtTest/QtTest>

#include <zlib.h>

using namespace fopro::data;
using fopro::ErrorCode;
using fopro::test::patternImage;
using fopro::test::writeImage;
using fopro::test::writeText;

namespace {

int countOf(const DatasetIndex &d, const QString &cls, std::optional<Split> split = std::nullopt)
{
    const int c = d.classIndex(cls);
    return c < 0 ? -1 : d.classCounts(split)[std::size_t(c)];
}

bool hasProblem(const ImportResult &r, const QString &fileEnd, const QString &reasonPart)
{
    for (const ImportProblem &p : r.problems)
        if (p.file.endsWith(fileEnd) && p.reason.contains(reasonPart)) return true;
    return false;
}

QByteArray gzip(const QByteArray &raw)
{
    z_stream zs{};
    deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
    QByteArray out(int(deflateBound(&zs, uLong(raw.size()))) + 64, '\0');
    zs.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(raw.constData()));
    zs.avail_in = uInt(raw.size());
    zs.next_out = reinterpret_cast<Bytef *>(out.data());
    zs.avail_out = uInt(out.size());
    deflate(&zs, Z_FINISH);
    out.resize(qsizetype(zs.total_out));
    deflateEnd(&zs);
    return out;
}

QByteArray idx(quint8 ndims, const std::vector<quint32> &dims, const QByteArray &data)
{
    QByteArray b;
    b.append(char(0)).append(char(0)).append(char(8)).append(char(ndims));
    for (quint32 d : dims)
        for (int s = 24; s >= 0; s -= 8)
            b.append(char((d >> s) & 0xff));
    return b + data;
}

} // namespace

class TestImporters : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void hyperKvasirTree()
    {
        QTemporaryDir tmp;
        const QString root = tmp.filePath(QStringLiteral("hyper-kvasir"));
        const QString li = root + QStringLiteral("/labeled-images");
        struct C {
            QString dir;
            int n;
        };
        const std::vector<C> classes = {{QStringLiteral("lower-gi-tract/pathological-findings/polyps"), 4},
                                        {QStringLiteral("lower-gi-tract/anatomical-landmarks/cecum"), 3},
                                        {QStringLiteral("upper-gi-tract/anatomical-landmarks/z-line"), 2}};
        QByteArray csv = "Video file,Organ,Finding,Classification\n";
        int seed = 0;
        for (const C &c : classes)
            for (int i = 0; i < c.n; ++i) {
                const QString stem = QStringLiteral("%1-%2").arg(QFileInfo(c.dir).fileName()).arg(i);
                QVERIFY(writeImage(li + QLatin1Char('/') + c.dir + QLatin1Char('/') + stem + QStringLiteral(".jpg"),
                                   patternImage(40, 30, seed++)));
                csv += stem.toUtf8() + (c.dir.startsWith(QLatin1String("lower")) ? ",Lower GI," : ",Upper GI,") +
                       QFileInfo(c.dir).fileName().toUtf8() + "," + c.dir.section(QLatin1Char('/'), 1, 1).toUtf8() +
                       "\n";
            }
        csv += "ghost-image,Lower GI,polyps,pathological-findings\n";
        QVERIFY(writeText(li + QStringLiteral("/image-labels.csv"), csv));
        QVERIFY(writeImage(li + QStringLiteral("/stray.png"), patternImage(10, 10, 99))); // not in a class folder
        QVERIFY(writeText(li + QStringLiteral("/upper-gi-tract/anatomical-landmarks/z-line/empty.jpg"), QByteArray()));

        for (const QString &path : {root, li}) {
            const Importer *imp = detectImporter(path);
            QVERIFY(imp);
            QCOMPARE(imp->id(), QStringLiteral("folder"));
            auto r = importDataset(path);
            QVERIFY2(r.ok(), qPrintable(r.error().message()));
            const DatasetIndex &d = r->index;
            QCOMPARE(d.classes,
                     (QStringList{QStringLiteral("cecum"), QStringLiteral("polyps"), QStringLiteral("z-line")}));
            QCOMPARE(countOf(d, QStringLiteral("polyps")), 4);
            QCOMPARE(countOf(d, QStringLiteral("cecum")), 3);
            QCOMPARE(countOf(d, QStringLiteral("z-line")), 2);
            QCOMPARE(int(d.samples.size()), 9);
            // Metadata from image-labels.csv.
            const Sample &s = d.samples.front();
            QVERIFY(QFileInfo::exists(d.absolutePath(s)));
            QVERIFY(!s.meta.value(QStringLiteral("Organ")).isEmpty());
            QVERIFY(hasProblem(*r, QStringLiteral("stray.png"), QStringLiteral("class folder")));
            QVERIFY(hasProblem(*r, QStringLiteral("empty.jpg"), QStringLiteral("empty file")));
            QVERIFY(hasProblem(*r, QStringLiteral("image-labels.csv"), QStringLiteral("ghost-image")));
        }
    }

    void csvLabelOverridesFolderWithAProblem()
    {
        QTemporaryDir tmp;
        QVERIFY(writeImage(tmp.filePath(QStringLiteral("a/x1.jpg")), patternImage(8, 8, 1)));
        QVERIFY(writeImage(tmp.filePath(QStringLiteral("b/x2.jpg")), patternImage(8, 8, 2)));
        QVERIFY(writeText(tmp.filePath(QStringLiteral("image-labels.csv")), "Video file,Finding\nx1,a\nx2,a\n"));
        auto r = importDataset(tmp.path());
        QVERIFY(r.ok());
        QCOMPARE(countOf(r->index, QStringLiteral("a")), 2);
        QVERIFY(hasProblem(*r, QStringLiteral("b/x2.jpg"), QStringLiteral("CSV label is used")));
    }

    void isic2019()
    {
        QTemporaryDir tmp;
        const QString root = tmp.path();
        QByteArray gt = "image,MEL,NV,BCC,AK,BKL,DF,VASC,SCC,UNK\n";
        QByteArray meta = "image,age_approx,anatom_site_general,lesion_id,sex\n";
        // 6 images: labels MEL, NV, NV, BCC, SCC, DF; two of them share lesion L1.
        const std::vector<std::pair<QString, int>> rows = {{"ISIC_0000000", 0},
                                                           {"ISIC_0000001", 1},
                                                           {"ISIC_0000002", 1},
                                                           {"ISIC_0000003", 2},
                                                           {"ISIC_0000004_downsampled", 7},
                                                           {"ISIC_0000005", 5}};
        int k = 0;
        for (const auto &[name, label] : rows) {
            QByteArray line = name.toUtf8();
            for (int c = 0; c < 9; ++c)
                line += c == label ? ",1.0" : ",0.0";
            gt += line + "\n";
            meta += name.toUtf8() + ",55,anterior torso," + (k < 2 ? "L1" : "L" + QByteArray::number(k)) + ",female\n";
            QVERIFY(writeImage(root + QStringLiteral("/ISIC_2019_Training_Input/") + name + QStringLiteral(".jpg"),
                               patternImage(20, 20, k)));
            ++k;
        }
        gt += "ISIC_0000099,0.0,1.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0\n"; // image file absent
        gt += "ISIC_0000100,1.0,1.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0\n"; // two classes
        QVERIFY(writeText(root + QStringLiteral("/ISIC_2019_Training_GroundTruth.csv"), gt));
        QVERIFY(writeText(root + QStringLiteral("/ISIC_2019_Training_Metadata.csv"), meta));

        QCOMPARE(detectImporter(root)->id(), QStringLiteral("isic2019"));
        QCOMPARE(detectImporter(root + QStringLiteral("/ISIC_2019_Training_GroundTruth.csv"))->id(),
                 QStringLiteral("isic2019"));
        auto r = importDataset(root);
        QVERIFY2(r.ok(), qPrintable(r.error().message()));
        const DatasetIndex &d = r->index;
        // UNK is never set, so it is dropped; the CSV's column order is kept.
        QCOMPARE(d.classes, (QStringList{"MEL", "NV", "BCC", "AK", "BKL", "DF", "VASC", "SCC"}));
        QCOMPARE(int(d.samples.size()), 6);
        QCOMPARE(countOf(d, QStringLiteral("NV")), 2);
        QCOMPARE(countOf(d, QStringLiteral("SCC")), 1);
        QCOMPARE(d.samples[0].group, QStringLiteral("L1"));
        QCOMPARE(d.samples[1].group, QStringLiteral("L1"));
        QCOMPARE(d.samples[0].meta.value(QStringLiteral("sex")), QStringLiteral("female"));
        QVERIFY(d.samples[4].path.endsWith(QLatin1String("ISIC_0000004_downsampled.jpg")));
        QVERIFY(hasProblem(*r, QStringLiteral("ISIC_0000099.jpg"), QStringLiteral("missing")));
        QVERIFY(hasProblem(*r, QStringLiteral(":9"), QStringLiteral("several classes")));

        // When UNK is used it stays a class.
        gt += "ISIC_0000005,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,1.0\n";
        QVERIFY(writeText(root + QStringLiteral("/ISIC_2019_Training_GroundTruth.csv"), gt));
        r = importDataset(root);
        QVERIFY(r.ok());
        QCOMPARE(r->index.classes.last(), QStringLiteral("UNK"));
    }

    void isicLtSplitFilesWithImages()
    {
        QTemporaryDir tmp;
        const QString root = tmp.path();
        QVERIFY(writeText(root + QStringLiteral("/splits/train_skin2_0.005.csv"),
                          "image,finding_name,finding\nISIC_1,1,0\nISIC_2,0,1\nISIC_3,5,7\n"));
        QVERIFY(writeText(root + QStringLiteral("/splits/val_skin2_0.005.csv"),
                          "image,finding_name,finding\nISIC_4,1,0\n"));
        QVERIFY(writeText(root + QStringLiteral("/splits/test_skin2_0.005.csv"),
                          "image,finding_name,finding\nISIC_5,2,2\nISIC_6,3,3\nISIC_1,1,0\n"));
        for (int i = 1; i <= 6; ++i)
            QVERIFY(writeImage(root + QStringLiteral("/ISIC_2019_Training_Input/ISIC_%1.jpg").arg(i),
                               patternImage(8, 8, i)));
        const QString file = root + QStringLiteral("/splits/val_skin2_0.005.csv");
        QCOMPARE(detectImporter(file)->id(), QStringLiteral("isic2019lt"));
        auto r = importDataset(file);
        QVERIFY2(r.ok(), qPrintable(r.error().message()));
        const DatasetIndex &d = r->index;
        QCOMPARE(d.classes, (QStringList{"NV", "MEL", "BCC", "BKL", "AK", "SCC", "VASC", "DF"}));
        QCOMPARE(int(d.samples.size()), 6);
        QCOMPARE(countOf(d, QStringLiteral("DF"), Split::Train), 1);
        QCOMPARE(countOf(d, QStringLiteral("NV"), Split::Val), 1);
        QVERIFY(QFileInfo::exists(d.absolutePath(d.samples.front())));
        QVERIFY(hasProblem(*r, QStringLiteral("test_skin2_0.005.csv:4"), QStringLiteral("already in the train split")));
        QVERIFY(
            hasProblem(*r, QStringLiteral("test_skin2_0.005.csv:3"), QStringLiteral("disagrees with finding_name")));
        QCOMPARE(d.info.value(QStringLiteral("fold")).toInt(), 2);
    }

    void isicLtPublishedSplits_data()
    {
        QTest::addColumn<QString>("factor");
        QTest::addColumn<QList<int>>("train");
        // ../shared/data/isic2019-lt/README.md, identical for all five folds.
        QTest::newRow("0.01") << "0.01" << QList<int>{12725, 4372, 3173, 1788, 717, 478, 103, 89};
        QTest::newRow("0.005") << "0.005" << QList<int>{12725, 4372, 2833, 1329, 623, 292, 103, 64};
        QTest::newRow("0.002") << "0.002" << QList<int>{12725, 4372, 2180, 897, 369, 152, 62, 25};
    }
    void isicLtPublishedSplits()
    {
        const QString dir = fopro::test::isicLtSplitsDir();
        if (dir.isEmpty()) QSKIP("the ISIC-2019-LT split files (../shared/data/isic2019-lt) are not present");
        QFETCH(QString, factor);
        QFETCH(QList<int>, train);
        for (int fold = 1; fold <= 5; ++fold) {
            auto r = importDataset(dir + QStringLiteral("/train_skin%1_%2.csv").arg(fold).arg(factor));
            QVERIFY2(r.ok(), qPrintable(r.error().message()));
            const DatasetIndex &d = r->index;
            const auto tr = d.classCounts(Split::Train), va = d.classCounts(Split::Val),
                       te = d.classCounts(Split::Test);
            for (int c = 0; c < 8; ++c) {
                QCOMPARE(tr[std::size_t(c)], train[c]);
                QCOMPARE(va[std::size_t(c)], 50);
                QCOMPARE(te[std::size_t(c)], 100);
            }
            // No images here: one problem says so, the rows are indexed, finding_name always agrees.
            QCOMPARE(int(r->problems.size()), 1);
            QVERIFY(r->problems.front().reason.contains(QLatin1String("image folder not found")));
        }
    }

    void ham10000()
    {
        QTemporaryDir tmp;
        const QString root = tmp.path();
        QByteArray meta = "lesion_id,image_id,dx,dx_type,age,sex,localization\n";
        const std::vector<std::tuple<QString, QString, QString>> rows = {
            {"HAM_0000118", "ISIC_0027419", "bkl"}, {"HAM_0000118", "ISIC_0025030", "bkl"},
            {"HAM_0002730", "ISIC_0026769", "mel"}, {"HAM_0001466", "ISIC_0031633", "nv"},
            {"HAM_0001466", "ISIC_0027850", "nv"},  {"HAM_0002761", "ISIC_0029176", "df"}};
        int k = 0;
        for (const auto &[lesion, image, dx] : rows) {
            meta +=
                (lesion + QLatin1Char(',') + image + QLatin1Char(',') + dx + QStringLiteral(",histo,80.0,male,scalp\n"))
                    .toUtf8();
            const QString part =
                k % 2 ? QStringLiteral("HAM10000_images_part_2") : QStringLiteral("HAM10000_images_part_1");
            QVERIFY(writeImage(root + QLatin1Char('/') + part + QLatin1Char('/') + image + QStringLiteral(".jpg"),
                               patternImage(12, 9, k)));
            ++k;
        }
        meta += "HAM_9999999,ISIC_9999999,vasc,histo,50.0,female,back\n";
        QVERIFY(writeText(root + QStringLiteral("/HAM10000_metadata.csv"), meta));
        QCOMPARE(detectImporter(root)->id(), QStringLiteral("ham10000"));
        auto r = importDataset(root + QStringLiteral("/HAM10000_metadata.csv"));
        QVERIFY2(r.ok(), qPrintable(r.error().message()));
        const DatasetIndex &d = r->index;
        QCOMPARE(d.classes, (QStringList{"bkl", "df", "mel", "nv"}));
        QCOMPARE(int(d.samples.size()), 6);
        QCOMPARE(countOf(d, QStringLiteral("bkl")), 2);
        QCOMPARE(d.samples[0].group, QStringLiteral("HAM_0000118"));
        QCOMPARE(d.samples[1].group, QStringLiteral("HAM_0000118"));
        QCOMPARE(d.samples[3].meta.value(QStringLiteral("localization")), QStringLiteral("scalp"));
        QVERIFY(d.samples[1].path.startsWith(QLatin1String("HAM10000_images_part_2/")));
        QVERIFY(hasProblem(*r, QStringLiteral("ISIC_9999999.jpg"), QStringLiteral("missing")));
    }

    void genericCsv()
    {
        QTemporaryDir tmp;
        const QString root = tmp.path();
        QVERIFY(writeImage(root + QStringLiteral("/img/Läsion é.jpg"), patternImage(10, 10, 1)));
        QVERIFY(writeImage(root + QStringLiteral("/img/a, b.png"), patternImage(10, 10, 2)));
        QVERIFY(writeImage(root + QStringLiteral("/img/c.jpg"), patternImage(10, 10, 3)));
        const QString abs = root + QStringLiteral("/elsewhere/d.jpg");
        QVERIFY(writeImage(abs, patternImage(10, 10, 4)));
        QByteArray csv = "\xEF\xBB\xBF"
                         "Image_Path,Diagnosis,Patient_ID,Split,age\r\n";
        csv += QStringLiteral("img/Läsion é.jpg,melanoma,P1,train,40\r\n").toUtf8();
        csv += "\"img/a, b.png\",nevus,P1,train,41\r\n";
        csv += "img/c.jpg,nevus,P2,test,\r\n";
        csv += abs.toUtf8() + ",nevus,P3,validation,50\r\n";
        csv += "img/gone.jpg,nevus,P4,train,1\r\n";
        csv += "img/c.jpg,,P2,train,1\r\n";
        const QString file = root + QStringLiteral("/labels.csv");
        QVERIFY(writeText(file, csv));
        QCOMPARE(detectImporter(file)->id(), QStringLiteral("csv"));
        auto r = importDataset(file);
        QVERIFY2(r.ok(), qPrintable(r.error().message()));
        const DatasetIndex &d = r->index;
        QCOMPARE(d.classes, (QStringList{"melanoma", "nevus"}));
        QCOMPARE(int(d.samples.size()), 4);
        QCOMPARE(d.samples[0].path, QStringLiteral("img/Läsion é.jpg"));
        QCOMPARE(d.samples[1].path, QStringLiteral("img/a, b.png"));
        QCOMPARE(d.samples[1].group, QStringLiteral("P1"));
        QCOMPARE(d.samples[2].split, Split::Test);
        QCOMPARE(d.samples[3].split, Split::Val);
        QCOMPARE(d.samples[0].meta.value(QStringLiteral("age")), QStringLiteral("40"));
        QCOMPARE(d.absolutePath(d.samples[3]), abs);
        QVERIFY(hasProblem(*r, QStringLiteral("gone.jpg"), QStringLiteral("missing")));
        QVERIFY(hasProblem(*r, QStringLiteral("labels.csv:7"), QStringLiteral("empty label")));
    }

    void genericCsvColumnErrors()
    {
        QTemporaryDir tmp;
        const QString file = tmp.filePath(QStringLiteral("x.csv"));
        // Two candidate path columns: ambiguous, and the error lists the columns found.
        QVERIFY(writeText(file, "path,file,label\na.jpg,a.jpg,x\n"));
        auto r = importDataset(file);
        QVERIFY(!r);
        QCOMPARE(r.error().code, ErrorCode::Ambiguous);
        QCOMPARE(r.error().file, file);
        QVERIFY2(r.error().detail.contains(QLatin1String("path, file, label")), qPrintable(r.error().detail));
        // Choosing the column resolves it.
        ImportOptions o;
        o.pathColumn = QStringLiteral("file");
        o.checkFiles = false;
        r = importDataset(file, o);
        QVERIFY2(r.ok(), qPrintable(r.error().message()));
        // No label column at all.
        QVERIFY(writeText(file, "path,size\na.jpg,3\n"));
        r = importDataset(file);
        QVERIFY(!r);
        QVERIFY(r.error().detail.contains(QLatin1String("no label column")));
        QVERIFY(r.error().detail.contains(QLatin1String("path, size")));
        // A named column that does not exist.
        o = ImportOptions{};
        o.labelColumn = QStringLiteral("diagnosis");
        r = importDataset(file, o);
        QVERIFY(!r);
        QVERIFY(r.error().detail.contains(QLatin1String("'diagnosis'")));
    }

    void idxGenerated()
    {
        QTemporaryDir tmp;
        // 3 images of 2×2, labels 2, 0, 2; gzip-compressed images and raw labels.
        const QByteArray pixels("\x00\x10\x20\x30"
                                "\x40\x50\x60\x70"
                                "\x80\x90\xa0\xb0",
                                12);
        QVERIFY(writeText(tmp.filePath(QStringLiteral("train-images-idx3-ubyte.gz")), gzip(idx(3, {3, 2, 2}, pixels))));
        QVERIFY(writeText(tmp.filePath(QStringLiteral("train-labels-idx1-ubyte")),
                          idx(1, {3}, QByteArray("\x02\x00\x02", 3))));
        QCOMPARE(detectImporter(tmp.path())->id(), QStringLiteral("idx"));
        auto r = importDataset(tmp.path());
        QVERIFY2(r.ok(), qPrintable(r.error().message()));
        const DatasetIndex &d = r->index;
        QCOMPARE(d.classes, (QStringList{"0", "1", "2"}));
        QCOMPARE(int(d.samples.size()), 3);
        QCOMPARE(d.samples[2].kind, SourceKind::IdxEntry);
        QCOMPARE(d.samples[2].entry, 2);
        QCOMPARE(d.samples[2].split, Split::Train);
        QCOMPARE(d.classCounts(), (std::vector<int>{1, 0, 2}));
        auto img = IdxStore::instance().image(d.absolutePath(d.samples[1]), 1);
        QVERIFY(img.ok());
        QCOMPARE(img->type(), CV_8UC3);
        QCOMPARE(img->at<cv::Vec3b>(1, 1), cv::Vec3b(0x70, 0x70, 0x70));

        // Truncated data and mismatched label counts fail with the file named.
        QVERIFY(writeText(tmp.filePath(QStringLiteral("bad-images-idx3-ubyte")), idx(3, {5, 2, 2}, pixels)));
        auto bad = readIdxFile(tmp.filePath(QStringLiteral("bad-images-idx3-ubyte")));
        QVERIFY(!bad);
        QVERIFY(bad.error().detail.contains(QLatin1String("truncated")));
        QTemporaryDir tmp2;
        QVERIFY(writeText(tmp2.filePath(QStringLiteral("t10k-images-idx3-ubyte")), idx(3, {3, 2, 2}, pixels)));
        QVERIFY(
            writeText(tmp2.filePath(QStringLiteral("t10k-labels-idx1-ubyte")), idx(1, {2}, QByteArray("\x01\x01", 2))));
        r = importDataset(tmp2.path());
        QVERIFY(!r);
        QVERIFY(r.error().file.endsWith(QLatin1String("t10k-labels-idx1-ubyte")));
        // A corrupt gzip stream.
        QByteArray gz = gzip(idx(3, {3, 2, 2}, pixels));
        gz.truncate(gz.size() / 2);
        QVERIFY(writeText(tmp2.filePath(QStringLiteral("cut-images-idx3-ubyte.gz")), gz));
        QVERIFY(!readIdxFile(tmp2.filePath(QStringLiteral("cut-images-idx3-ubyte.gz"))));
    }

    /// Found by fuzz_idx: dimensions whose product overflows 64 bits (undefined behaviour before
    /// the truncation check), an item size that overflowed itemBytes(), and an image file of 0-pixel
    /// images, on which IdxStore::image threw cv::Exception from cvtColor instead of returning an
    /// error.
    void idxExtremeDimensions()
    {
        QTemporaryDir tmp;
        const QString huge = tmp.filePath(QStringLiteral("huge-images-idx3-ubyte"));
        QVERIFY(writeText(huge, idx(4, {100000000, 100000000, 100000000, 100000000}, QByteArray(8, '\x01'))));
        auto r = readIdxFile(huge);
        QVERIFY(!r);
        QVERIFY2(r.error().detail.contains(QLatin1String("implausible IDX item size (1e+24 bytes)")),
                 qPrintable(r.error().detail));
        QVERIFY(writeText(huge, idx(3, {100000000, 1000, 1000}, QByteArray(8, '\x01'))));
        r = readIdxFile(huge);
        QVERIFY(!r);
        QVERIFY2(r.error().detail.contains(QLatin1String("truncated: 100000000000000 bytes")),
                 qPrintable(r.error().detail));

        // No items, but each would be 10^24 bytes: refused (itemBytes() overflowed).
        const QString none = tmp.filePath(QStringLiteral("none-images-idx3-ubyte"));
        QVERIFY(writeText(none, idx(4, {0, 100000000, 100000000, 100000000}, {})));
        r = readIdxFile(none);
        QVERIFY(!r);
        QVERIFY2(r.error().detail.contains(QLatin1String("implausible IDX item size (1e+24 bytes)")),
                 qPrintable(r.error().detail));
        // An item just below 2^31 bytes still reads (no items, so no data).
        QVERIFY(writeText(none, idx(3, {0, 46340, 46340}, {})));
        r = readIdxFile(none);
        QVERIFY2(r.ok(), qPrintable(r.error().message()));
        QCOMPARE(r->count(), 0);
        QCOMPARE(r->itemBytes(), 46340 * 46340);
        // Items of 0 bytes, but two of their dimensions multiply beyond int (itemBytes() overflowed).
        QVERIFY(writeText(none, idx(4, {0, 16908288, 65536, 0}, {})));
        r = readIdxFile(none);
        QVERIFY2(r.ok(), qPrintable(r.error().message()));
        QCOMPARE(r->itemBytes(), 0);

        const QString empty = tmp.filePath(QStringLiteral("empty-images-idx3-ubyte"));
        QVERIFY(writeText(empty, idx(3, {2, 2, 0}, QByteArray("\x07\x0a\x00\x1e", 4))));
        QVERIFY(readIdxFile(empty).ok());
        auto img = IdxStore::instance().image(empty, 0);
        QVERIFY(!img);
        QCOMPARE(img.error().code, ErrorCode::Malformed);
        QVERIFY2(img.error().detail.contains(QLatin1String("empty")), qPrintable(img.error().detail));
    }

    void fashionMnistReal()
    {
        const QString dir = fopro::test::fashionMnistDir();
        if (dir.isEmpty()) QSKIP("Debian's dataset-fashion-mnist is not installed");
        auto r = importDataset(dir);
        QVERIFY2(r.ok(), qPrintable(r.error().message()));
        const DatasetIndex &d = r->index;
        QCOMPARE(d.classes.size(), 10);
        QCOMPARE(d.classes.front(), QStringLiteral("T-shirt/top"));
        QCOMPARE(d.classes.back(), QStringLiteral("Ankle boot"));
        QCOMPARE(int(d.samples.size()), 70000);
        for (int c = 0; c < 10; ++c) {
            QCOMPARE(d.classCounts(Split::Train)[std::size_t(c)], 6000);
            QCOMPARE(d.classCounts(Split::Test)[std::size_t(c)], 1000);
        }
        QVERIFY(r->problems.empty());
        auto img = IdxStore::instance().image(d.absolutePath(d.samples.back()), d.samples.back().entry);
        QVERIFY(img.ok());
        QCOMPARE(img->size(), cv::Size(28, 28));
    }

    void manifestOpensLikeADataset()
    {
        QTemporaryDir tmp;
        QVERIFY(writeImage(tmp.filePath(QStringLiteral("data/a/1.jpg")), patternImage(8, 8, 1)));
        auto r = importDataset(tmp.filePath(QStringLiteral("data")));
        QVERIFY(r.ok());
        const QString manifest = tmp.filePath(QStringLiteral("m.json"));
        QVERIFY(r->index.save(manifest).ok());
        QCOMPARE(detectImporter(manifest)->id(), QStringLiteral("manifest"));
        auto back = importDataset(manifest);
        QVERIFY(back.ok());
        QCOMPARE(back->index.format, QStringLiteral("folder"));
        QVERIFY(QFileInfo::exists(back->index.absolutePath(back->index.samples.front())));
    }

    void unknownLayoutsFailClearly()
    {
        QTemporaryDir tmp;
        QVERIFY(writeText(tmp.filePath(QStringLiteral("notes.txt")), "hello"));
        auto r = importDataset(tmp.path());
        QVERIFY(!r);
        QCOMPARE(r.error().code, ErrorCode::Unsupported);
        QCOMPARE(r.error().file, tmp.path());
        r = importDataset(tmp.filePath(QStringLiteral("nope")));
        QVERIFY(!r);
        QCOMPARE(r.error().code, ErrorCode::NotFound);
        ImportOptions o;
        o.format = QStringLiteral("bogus");
        r = importDataset(tmp.path(), o);
        QVERIFY(!r);
        QVERIFY(r.error().detail.contains(QLatin1String("known:")));
    }
};

QTEST_GUILESS_MAIN(TestImporters)
#include "tst_importers.moc"
