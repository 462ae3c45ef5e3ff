// The dataset core behind issue 12 of the Dataset page:
// - importers skip files that cannot be used (empty, not an image whatever the name says, truncated
//   JPEG/PNG) with the reason, so they are neither imported nor counted (CSV and folder layouts);
// - DICOM: objects that are not images (SR, RT, ECG) are told apart from broken files, the JPEG 2000
//   error says how to convert, the plain-image error no longer reads as if DICOM JPEG 2000 worked,
//   and a monochrome frame decodes with a given window / level;
// - splits: a protected test (validation) set keeps its images, and duplicate clusters stay in one
//   split.
#include "core/data/dicomreader.h"
#include "core/data/dicomscan.h"
#include "core/data/imageloader.h"
#include "core/data/importer.h"
#include "core/data/splits.h"
#include "tests/support/testsupport.h"

#include <QtTest/QtTest>

#include <opencv2/imgcodecs.hpp>

using namespace fopro;
using fopro::test::patternImage;
using fopro::test::writeImage;
using fopro::test::writeText;

namespace {

bool hasProblem(const data::ImportResult &r, const QString &file, const QString &reason)
{
    for (const data::ImportProblem &p : r.problems)
        if (p.file.endsWith(file) && p.reason.contains(reason)) return true;
    return false;
}

QString problemText(const data::ImportResult &r)
{
    QStringList lines;
    for (const data::ImportProblem &p : r.problems)
        lines << p.file + QStringLiteral(": ") + p.reason;
    return lines.join(QLatin1Char('\n'));
}

/// A JPEG cut in half: the decoder would show a streaked image without a word.
QByteArray truncatedJpeg(int seed)
{
    std::vector<uchar> buf;
    cv::imencode(".jpg", patternImage(64, 64, seed), buf);
    return QByteArray(reinterpret_cast<const char *>(buf.data()), qsizetype(buf.size() / 2));
}

QString dicomFile(const QString &name)
{
    const QString dir = test::pydicomTestFiles();
    return dir.isEmpty() ? QString() : QDir(dir).filePath(name);
}

/// 30 groups of 2 images each, 3 classes; split 60/20/20.
data::DatasetIndex splitDataset()
{
    data::DatasetIndex d;
    d.classes = {QStringLiteral("a"), QStringLiteral("b"), QStringLiteral("c")};
    for (int i = 0; i < 60; ++i) {
        data::Sample s;
        s.path = QStringLiteral("img%1.png").arg(i);
        s.label = s.originalLabel = i % 3;
        s.group = QStringLiteral("P%1").arg(i / 2);
        d.samples.push_back(s);
    }
    if (!data::assignSplits(d, {0.6, 0.2, 0.2}, 1)) qFatal("assignSplits failed");
    return d;
}

} // namespace

class TestImportChecks : public QObject {
    Q_OBJECT
    QTemporaryDir m_tmp;

private Q_SLOTS:
    void unusableFilesAreSkippedAndNotCounted()
    {
        // A messy CSV: three good images, an empty file, a text file named .jpg, a truncated JPEG,
        // a truncated PNG and a missing file.
        const QString root = m_tmp.filePath(QStringLiteral("messy"));
        for (int i = 0; i < 3; ++i)
            QVERIFY(writeImage(QStringLiteral("%1/good%2.jpg").arg(root).arg(i), patternImage(64, 64, i)));
        QVERIFY(writeText(root + QStringLiteral("/empty.jpg"), QByteArray()));
        QVERIFY(writeText(root + QStringLiteral("/notes.jpg"), "these are notes, not an image\n"));
        QVERIFY(writeText(root + QStringLiteral("/cut.jpg"), truncatedJpeg(7)));
        std::vector<uchar> png;
        cv::imencode(".png", patternImage(64, 64, 9), png);
        QVERIFY(writeText(root + QStringLiteral("/cut.png"),
                          QByteArray(reinterpret_cast<const char *>(png.data()), qsizetype(png.size() - 20))));
        QVERIFY(writeText(root + QStringLiteral("/labels.csv"),
                          "path,label\ngood0.jpg,a\ngood1.jpg,a\ngood2.jpg,b\nempty.jpg,a\nnotes.jpg,b\n"
                          "cut.jpg,b\ncut.png,a\nmissing.jpg,a\n"));
        auto r = data::importDataset(root + QStringLiteral("/labels.csv"));
        QVERIFY2(r.ok(), qPrintable(r.error().message()));
        QCOMPARE(int(r->index.samples.size()), 3); // only the good ones are imported and counted
        QVERIFY2(hasProblem(*r, QStringLiteral("empty.jpg"), QStringLiteral("empty file")),
                 qPrintable(problemText(*r)));
        QVERIFY2(hasProblem(*r, QStringLiteral("notes.jpg"), QStringLiteral("not an image file")),
                 qPrintable(problemText(*r)));
        QVERIFY(hasProblem(*r, QStringLiteral("notes.jpg"), QStringLiteral("text"))); // Qt's MIME database names it
        QVERIFY(hasProblem(*r, QStringLiteral("cut.jpg"), QStringLiteral("truncated JPEG")));
        QVERIFY(hasProblem(*r, QStringLiteral("cut.png"), QStringLiteral("truncated PNG")));
        QVERIFY(hasProblem(*r, QStringLiteral("missing.jpg"), QStringLiteral("missing")));
        for (const data::ImportProblem &p : r->problems)
            QVERIFY2(p.reason.endsWith(QLatin1String("skipped")), qPrintable(p.reason));

        // The same rule for a folder per class.
        const QString folder = m_tmp.filePath(QStringLiteral("folders"));
        QVERIFY(writeImage(folder + QStringLiteral("/a/ok.png"), patternImage(32, 32, 1)));
        QVERIFY(writeText(folder + QStringLiteral("/a/readme.png"), "text"));
        QVERIFY(writeText(folder + QStringLiteral("/b/cut.jpg"), truncatedJpeg(3)));
        QVERIFY(writeImage(folder + QStringLiteral("/b/ok.jpg"), patternImage(32, 32, 2)));
        auto f = data::importDataset(folder);
        QVERIFY2(f.ok(), qPrintable(f.error().message()));
        QCOMPARE(int(f->index.samples.size()), 2);
        QVERIFY(hasProblem(*f, QStringLiteral("readme.png"), QStringLiteral("not an image file")));
        QVERIFY(hasProblem(*f, QStringLiteral("cut.jpg"), QStringLiteral("truncated JPEG")));

        // checkFiles = false keeps the old behaviour (no file is opened).
        data::ImportOptions o;
        o.checkFiles = false;
        auto unchecked = data::importDataset(root + QStringLiteral("/labels.csv"), o);
        QVERIFY(unchecked.ok());
        QCOMPARE(int(unchecked->index.samples.size()), 8);

        // The cheap check itself.
        QCOMPARE(data::unusableImageFileReason(root + QStringLiteral("/good0.jpg")), QString());
        QCOMPARE(data::sniffImageFormat(QByteArray("\x89PNG\r\n\x1a\n")), QStringLiteral("PNG"));
    }

    void plainImageErrorDoesNotPromiseDicomJpeg2000()
    {
        auto r = data::decodeImageBytes(QByteArray("definitely not an image"), QStringLiteral("x.bin"));
        QVERIFY(!r.ok());
        QVERIFY2(r.error().detail.contains(QStringLiteral("JPEG 2000 inside DICOM is not supported")),
                 qPrintable(r.error().detail));
    }

    void dicomNotImagesAreNotUnreadable()
    {
        if (test::pydicomTestFiles().isEmpty()) QSKIP("pydicom's test files are not installed");
        for (const char *name : {"test-SR.dcm", "rtplan.dcm", "rtstruct.dcm", "waveform_ecg.dcm"}) {
            auto info = data::readDicomInfo(dicomFile(QString::fromLatin1(name)));
            QVERIFY(!info.ok());
            QVERIFY2(data::isNotAnImageError(info.error()), name);
        }
        for (const char *name : {"MR_truncated.dcm", "JPEG2000.dcm"}) {
            auto info = data::readDicomInfo(dicomFile(QString::fromLatin1(name)));
            QVERIFY(!info.ok());
            QVERIFY2(!data::isNotAnImageError(info.error()), name);
        }
        // JPEG 2000: the message says how to convert.
        auto j2k = data::readDicomInfo(dicomFile(QStringLiteral("JPEG2000.dcm")));
        QVERIFY(j2k.error().detail.contains(QStringLiteral("JPEG 2000")));
        QVERIFY2(j2k.error().detail.contains(QStringLiteral("gdcmconv --raw")), qPrintable(j2k.error().detail));

        // The scan and the importer carry the distinction.
        const QString folder = m_tmp.filePath(QStringLiteral("dicom"));
        QVERIFY(QDir().mkpath(folder));
        for (const char *name : {"CT_small.dcm", "MR_small.dcm", "test-SR.dcm", "rtplan.dcm", "MR_truncated.dcm"})
            QVERIFY(QFile::copy(dicomFile(QString::fromLatin1(name)), folder + QLatin1Char('/') + QLatin1String(name)));
        auto scan = data::scanDicom(folder);
        QVERIFY(scan.ok());
        QCOMPARE(scan->readableCount(), 2);
        QCOMPARE(scan->notImageCount(), 2);
        data::ImportOptions o;
        o.dicomLabelAttribute = QStringLiteral("Modality");
        auto r = data::importDataset(folder, o);
        QVERIFY2(r.ok(), qPrintable(r.error().message()));
        int notImages = 0, broken = 0;
        for (const data::ImportProblem &p : r->problems) {
            notImages += p.notAnImage;
            broken += !p.notAnImage;
        }
        QCOMPARE(notImages, 2);
        QCOMPARE(broken, 1); // MR_truncated.dcm
    }

    void dicomWindowLevel()
    {
        if (test::pydicomTestFiles().isEmpty()) QSKIP("pydicom's test files are not installed");
        const QString file = dicomFile(QStringLiteral("CT_small.dcm"));
        data::DicomWindowInfo info;
        auto plain = data::decodeDicomFrame(file, 0, {}, &info);
        QVERIFY2(plain.ok(), qPrintable(plain.error().message()));
        QVERIFY(info.monochrome);
        QVERIFY(info.defaultWindow.isValid());
        QVERIFY(info.maxValue > info.minValue);
        // The default decode is what decodeDicomFrame always gave.
        auto same = data::decodeDicomFrame(file, 0);
        QVERIFY(same.ok());
        QCOMPARE(cv::norm(*plain, *same, cv::NORM_L1), 0.0);
        // A narrow window around the lowest values: mostly white; around the highest: mostly black.
        auto low = data::decodeDicomFrame(file, 0, {info.minValue, 2.0}, nullptr);
        auto high = data::decodeDicomFrame(file, 0, {info.maxValue, 2.0}, nullptr);
        QVERIFY(low.ok() && high.ok());
        QVERIFY2(cv::mean(*low)[0] > 200, qPrintable(QString::number(cv::mean(*low)[0])));
        QVERIFY2(cv::mean(*high)[0] < 55, qPrintable(QString::number(cv::mean(*high)[0])));
        // Colour images ignore the window and report it.
        data::DicomWindowInfo colour;
        auto rgb = data::decodeDicomFrame(dicomFile(QStringLiteral("SC_rgb_rle.dcm")), 0, {100, 50}, &colour);
        QVERIFY(rgb.ok());
        QVERIFY(!colour.monochrome);
    }

    void protectedTestAndValidationSets()
    {
        const data::DatasetIndex d = splitDataset();
        data::SplitRequest req;
        req.method = data::SplitMethod::Fractions;
        req.fractions = {0.5, 0.25, 0.25};
        req.seed = 7;
        req.keepTest = true;
        auto p = data::proposeSplit(d, req, QStringLiteral("re-split"));
        QVERIFY2(p.ok(), qPrintable(p.error().message()));
        int val = 0;
        for (std::size_t i = 0; i < d.samples.size(); ++i) {
            const data::Sample &before = d.samples[i], &after = p->after.samples[i];
            QCOMPARE(after.group, before.group);
            if (before.split == data::Split::Test) QCOMPARE(after.split, data::Split::Test);
            if (before.split != data::Split::Test) QVERIFY(after.split != data::Split::Test); // no new test image
            val += after.split == data::Split::Val;
        }
        QVERIFY(val > 0);
        QVERIFY(data::findGroupLeaks(p->after).empty());

        // Both kept: every other image trains.
        req.keepVal = true;
        p = data::proposeSplit(d, req, QStringLiteral("re-split"));
        QVERIFY(p.ok());
        for (std::size_t i = 0; i < d.samples.size(); ++i) {
            const data::Sample &before = d.samples[i], &after = p->after.samples[i];
            if (before.split == data::Split::Test || before.split == data::Split::Val)
                QCOMPARE(after.split, before.split);
            else
                QCOMPARE(after.split, data::Split::Train);
        }

        // k-fold with the test set kept: the chosen fold validates, the test set stays.
        req.method = data::SplitMethod::KFold;
        req.k = 3;
        req.keepVal = false;
        p = data::proposeSplit(d, req, QStringLiteral("folds"));
        QVERIFY2(p.ok(), qPrintable(p.error().message()));
        int newVal = 0;
        for (std::size_t i = 0; i < d.samples.size(); ++i) {
            const data::Sample &before = d.samples[i], &after = p->after.samples[i];
            if (before.split == data::Split::Test)
                QCOMPARE(after.split, data::Split::Test);
            else
                QVERIFY(after.split == data::Split::Train || after.split == data::Split::Val);
            newVal += after.split == data::Split::Val;
        }
        QVERIFY(newVal > 0);
        req.keepVal = true;
        QVERIFY(!data::proposeSplit(d, req, QStringLiteral("folds")).ok()); // nothing left to rotate
    }

    void duplicateClustersStayTogether()
    {
        // 40 single-image groups; four clusters of two images each that the plain split separates.
        data::DatasetIndex d;
        d.classes = {QStringLiteral("a"), QStringLiteral("b")};
        for (int i = 0; i < 40; ++i) {
            data::Sample s;
            s.path = QStringLiteral("i%1.png").arg(i);
            s.label = s.originalLabel = i % 2;
            d.samples.push_back(s);
        }
        data::SplitRequest req;
        req.fractions = {0.5, 0.25, 0.25};
        std::vector<std::vector<int>> clusters;
        // Pick pairs the plain split puts apart.
        auto plain = data::proposeSplit(d, req, QStringLiteral("plain"));
        QVERIFY(plain.ok());
        for (int i = 0; i < 40 && clusters.size() < 4; ++i)
            for (int j = i + 2; j < 40; j += 2) // same class
                if (plain->after.samples[std::size_t(i)].split != plain->after.samples[std::size_t(j)].split) {
                    bool used = false;
                    for (const auto &c : clusters)
                        used = used || c[0] == i || c[1] == i || c[0] == j || c[1] == j;
                    if (!used) {
                        clusters.push_back({i, j});
                        break;
                    }
                }
        QCOMPARE(int(clusters.size()), 4);
        req.keepTogether = clusters;
        auto together = data::proposeSplit(d, req, QStringLiteral("together"));
        QVERIFY(together.ok());
        for (const auto &c : clusters)
            QCOMPARE(together->after.samples[std::size_t(c[0])].split,
                     together->after.samples[std::size_t(c[1])].split);
        // Groups are the user's again afterwards.
        for (std::size_t i = 0; i < d.samples.size(); ++i)
            QCOMPARE(together->after.samples[i].group, d.samples[i].group);
    }
};

QTEST_MAIN(TestImportChecks)
#include "tst_importchecks.moc"
