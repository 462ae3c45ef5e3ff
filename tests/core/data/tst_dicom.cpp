// DICOM reading, decoding and import. Fixtures are written by DCMTK in the test (a VL Photographic
// RGB image, 16-bit CT/MR with and without a VOI window, MONOCHROME1, a two-frame file, junk and a
// truncated copy) and checked against hand-computed pixel values. pydicom's test files, when
// extracted into the assets folder, are swept for crashes and checked for known facts.
#include "core/data/dicomreader.h"
#include "core/data/dicomscan.h"
#include "core/data/importer.h"
#include "core/data/importers.h"
#include "tests/support/testsupport.h"

#include <QtConcurrent/QtConcurrent>
#include <QtCore/QDirIterator>
#include <QtTest/QtTest>

#include <opencv2/core.hpp>

#include "dcmtk/config/osconfig.h"
#include "dcmtk/dcmdata/dcdeftag.h"
#include "dcmtk/dcmdata/dcfilefo.h"
#include "dcmtk/dcmdata/dcuid.h"

#include <cstdint>
#include <vector>

using namespace fopro::data;
using fopro::ErrorCode;

namespace {

const char *const kVlPhotographic = "1.2.840.10008.5.1.4.1.1.77.1.4";
const char *const kCtImage = "1.2.840.10008.5.1.4.1.1.2";
const char *const kMrImage = "1.2.840.10008.5.1.4.1.1.4";
const char *const kMultiFrameTrueColorSc = "1.2.840.10008.5.1.4.1.1.7.4";

/// What a fixture file holds. Pixel data is either 8-bit bytes or 16-bit words.
struct Fixture {
    const char *sopClass = kVlPhotographic;
    QString patientId;
    QString bodyPart;
    QString modality = QStringLiteral("XC");
    int rows = 0;
    int columns = 0;
    int frames = 1; // NumberOfFrames is written when > 1
    int samples = 3;
    QString photometric = QStringLiteral("RGB");
    int bitsStored = 8;
    std::vector<std::uint8_t> bytes;
    std::vector<std::uint16_t> words;
    QString windowCenter;
    QString windowWidth;
};

bool writeDicom(const QString &path, const Fixture &f)
{
    QDir().mkpath(QFileInfo(path).absolutePath());
    DcmFileFormat file;
    DcmDataset *ds = file.getDataset();
    char uid[100];
    auto put = [ds](const DcmTagKey &key, const QString &value) {
        return ds->putAndInsertString(key, value.toLatin1().constData()).good();
    };
    bool ok = ds->putAndInsertString(DCM_SOPClassUID, f.sopClass).good();
    ok = ok &&
         ds->putAndInsertString(DCM_SOPInstanceUID, dcmGenerateUniqueIdentifier(uid, SITE_INSTANCE_UID_ROOT)).good();
    ok = ok &&
         ds->putAndInsertString(DCM_StudyInstanceUID, dcmGenerateUniqueIdentifier(uid, SITE_STUDY_UID_ROOT)).good();
    ok = ok &&
         ds->putAndInsertString(DCM_SeriesInstanceUID, dcmGenerateUniqueIdentifier(uid, SITE_SERIES_UID_ROOT)).good();
    ok = ok && put(DCM_Modality, f.modality) && put(DCM_StudyDate, QStringLiteral("20240131"));
    if (!f.patientId.isEmpty())
        ok = ok && put(DCM_PatientID, f.patientId) && put(DCM_PatientName, QStringLiteral("Test^") + f.patientId);
    if (!f.bodyPart.isEmpty()) ok = ok && put(DCM_BodyPartExamined, f.bodyPart);
    ok = ok && ds->putAndInsertUint16(DCM_SamplesPerPixel, Uint16(f.samples)).good();
    ok = ok && put(DCM_PhotometricInterpretation, f.photometric);
    if (f.samples > 1) ok = ok && ds->putAndInsertUint16(DCM_PlanarConfiguration, 0).good();
    ok = ok && ds->putAndInsertUint16(DCM_Rows, Uint16(f.rows)).good();
    ok = ok && ds->putAndInsertUint16(DCM_Columns, Uint16(f.columns)).good();
    if (f.frames > 1) ok = ok && put(DCM_NumberOfFrames, QString::number(f.frames));
    const int bitsAllocated = f.words.empty() ? 8 : 16;
    ok = ok && ds->putAndInsertUint16(DCM_BitsAllocated, Uint16(bitsAllocated)).good();
    ok = ok && ds->putAndInsertUint16(DCM_BitsStored, Uint16(f.bitsStored)).good();
    ok = ok && ds->putAndInsertUint16(DCM_HighBit, Uint16(f.bitsStored - 1)).good();
    ok = ok && ds->putAndInsertUint16(DCM_PixelRepresentation, 0).good();
    if (!f.windowCenter.isEmpty())
        ok = ok && put(DCM_WindowCenter, f.windowCenter) && put(DCM_WindowWidth, f.windowWidth);
    if (f.words.empty())
        ok = ok && ds->putAndInsertUint8Array(DCM_PixelData, f.bytes.data(), static_cast<unsigned long>(f.bytes.size()))
                       .good();
    else
        ok =
            ok && ds->putAndInsertUint16Array(DCM_PixelData, f.words.data(), static_cast<unsigned long>(f.words.size()))
                      .good();
    const QByteArray name = QFile::encodeName(path);
    return ok && file.saveFile(OFFilename(name.constData()), EXS_LittleEndianExplicit).good();
}

/// 64x48 RGB: a distinct colour per quadrant and a marker pixel at (0,0) that catches flips and
/// swapped channels.
cv::Mat quadrantImage()
{
    cv::Mat img(48, 64, CV_8UC3);
    img(cv::Rect(0, 0, 32, 24)).setTo(cv::Scalar(200, 30, 40));
    img(cv::Rect(32, 0, 32, 24)).setTo(cv::Scalar(20, 180, 60));
    img(cv::Rect(0, 24, 32, 24)).setTo(cv::Scalar(10, 40, 220));
    img(cv::Rect(32, 24, 32, 24)).setTo(cv::Scalar(250, 250, 5));
    img.at<cv::Vec3b>(0, 0) = cv::Vec3b(1, 2, 3);
    return img;
}

std::vector<std::uint8_t> bytesOf(const cv::Mat &rgb)
{
    const cv::Mat c = rgb.isContinuous() ? rgb : rgb.clone();
    return std::vector<std::uint8_t>(c.data, c.data + c.total() * c.elemSize());
}

Fixture rgbFixture(const QString &patient, const QString &bodyPart)
{
    Fixture f;
    f.patientId = patient;
    f.bodyPart = bodyPart;
    const cv::Mat img = quadrantImage();
    f.rows = img.rows;
    f.columns = img.cols;
    f.bytes = bytesOf(img);
    return f;
}

// Windowed CT (C = 1000.5, W = 511): c - 0.5 = 1000 and w - 1 = 510, so by the DICOM linear
// formula y = ((x - 1000) / 510 + 0.5) * 255 = (x - 1000) / 2 + 127.5 for 745 < x <= 1255, 0 at or
// below 745 and 255 above 1255. Odd x give whole numbers, so no rounding question arises.
const std::vector<std::pair<int, int>> kWindowCases = {{500, 0},    {745, 0},    {747, 1},    {1001, 128},
                                                       {1101, 178}, {1253, 254}, {1256, 255}, {4000, 255}};

Fixture windowedCtFixture(const QString &patient, const QString &bodyPart)
{
    Fixture f;
    f.sopClass = kCtImage;
    f.modality = QStringLiteral("CT");
    f.patientId = patient;
    f.bodyPart = bodyPart;
    f.rows = 48;
    f.columns = 64;
    f.samples = 1;
    f.photometric = QStringLiteral("MONOCHROME2");
    f.bitsStored = 12;
    f.words.assign(std::size_t(f.rows * f.columns), 1001); // 1001 -> 128
    for (std::size_t i = 0; i < kWindowCases.size(); ++i)
        f.words[i] = std::uint16_t(kWindowCases[i].first);
    f.windowCenter = QStringLiteral("1000.5");
    f.windowWidth = QStringLiteral("511");
    return f;
}

// No window: min-max. DCMTK's min-max window is centre (min + max + 1) / 2, width max - min + 1,
// so min -> 0 and max -> 255; with min 100 and max 610, y = (x - 100) / 2 for the values between.
const std::vector<std::pair<int, int>> kMinMaxCases = {{100, 0}, {102, 1}, {356, 128}, {608, 254}, {610, 255}};

Fixture minMaxMrFixture(const QString &patient, const QString &photometric = QStringLiteral("MONOCHROME2"))
{
    Fixture f;
    f.sopClass = kMrImage;
    f.modality = QStringLiteral("MR");
    f.patientId = patient;
    f.rows = 48;
    f.columns = 64;
    f.samples = 1;
    f.photometric = photometric;
    f.bitsStored = 16;
    f.words.assign(std::size_t(f.rows * f.columns), 356);
    for (std::size_t i = 0; i < kMinMaxCases.size(); ++i)
        f.words[i] = std::uint16_t(kMinMaxCases[i].first);
    return f;
}

Fixture twoFrameFixture(const QString &patient, const QString &bodyPart)
{
    Fixture f;
    f.sopClass = kMultiFrameTrueColorSc;
    f.modality = QStringLiteral("OT");
    f.patientId = patient;
    f.bodyPart = bodyPart;
    f.rows = 24;
    f.columns = 32;
    f.frames = 2;
    const std::vector<std::uint8_t> a = bytesOf(fopro::test::patternImage(32, 24, 1));
    const std::vector<std::uint8_t> b = bytesOf(fopro::test::patternImage(32, 24, 2));
    f.bytes = a;
    f.bytes.insert(f.bytes.end(), b.begin(), b.end());
    return f;
}

double meanAbsDiff(const cv::Mat &a, const cv::Mat &b)
{
    if (a.size() != b.size() || a.type() != b.type()) return 1e9;
    cv::Mat d;
    cv::absdiff(a, b, d);
    const cv::Scalar m = cv::mean(d);
    return (m[0] + m[1] + m[2]) / 3.0;
}

bool sameImage(const cv::Mat &a, const cv::Mat &b)
{
    return a.size() == b.size() && a.type() == b.type() && cv::norm(a, b, cv::NORM_INF) == 0;
}

bool isDicomCandidate(const QFileInfo &fi)
{
    return fi.suffix().compare(QLatin1String("dcm"), Qt::CaseInsensitive) == 0 || hasDicomMagic(fi.absoluteFilePath());
}

} // namespace

class TestDicom : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_tmp;
    QString m_root; // the fixture dataset folder

    QString fixture(const QString &rel) const { return QDir(m_root).filePath(rel); }

    static QString real(const QString &name) { return QDir(fopro::test::pydicomTestFiles()).filePath(name); }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_tmp.isValid());
        m_root = m_tmp.filePath(QStringLiteral("dataset"));
        QVERIFY(writeDicom(fixture(QStringLiteral("patientA/photo1.dcm")),
                           rgbFixture(QStringLiteral("PA"), QStringLiteral("SKIN"))));
        QVERIFY(writeDicom(fixture(QStringLiteral("patientA/photo2.dcm")),
                           rgbFixture(QStringLiteral("PA"), QStringLiteral("SKIN"))));
        QVERIFY(writeDicom(fixture(QStringLiteral("patientB/ct.dcm")),
                           windowedCtFixture(QStringLiteral("PB"), QStringLiteral("CHEST"))));
        QVERIFY(writeDicom(fixture(QStringLiteral("patientB/mr_minmax.dcm")), minMaxMrFixture(QStringLiteral("PB"))));
        QVERIFY(writeDicom(fixture(QStringLiteral("multi.dcm")),
                           twoFrameFixture(QStringLiteral("PC"), QStringLiteral("ABDOMEN"))));

        // Junk with a DICOM preamble, and a truncated copy of a good file.
        QByteArray junk(128, '\0');
        junk += "DICM";
        cv::Mat noise(1, 600, CV_8UC1);
        cv::RNG(42).fill(noise, cv::RNG::UNIFORM, 0, 256);
        junk += QByteArray(reinterpret_cast<const char *>(noise.data), int(noise.total()));
        QVERIFY(fopro::test::writeText(fixture(QStringLiteral("broken.dcm")), junk));
        QFile ct(fixture(QStringLiteral("patientB/ct.dcm")));
        QVERIFY(ct.open(QIODevice::ReadOnly));
        const QByteArray ctBytes = ct.readAll();
        QVERIFY(fopro::test::writeText(fixture(QStringLiteral("patientB/truncated.dcm")),
                                       ctBytes.left(ctBytes.size() * 2 / 3)));

        // Things an import must pass over: notes, and a DICOMDIR (a directory record, no image).
        QVERIFY(fopro::test::writeText(fixture(QStringLiteral("notes.txt")), "scanned 2024\n"));
        QVERIFY(fopro::test::writeText(fixture(QStringLiteral("DICOMDIR")), QByteArray(128, '\0') + "DICM"));

        // Outside the dataset: a MONOCHROME1 file and the sidecar label table.
        QVERIFY(writeDicom(m_tmp.filePath(QStringLiteral("mono1.dcm")),
                           minMaxMrFixture(QStringLiteral("PD"), QStringLiteral("MONOCHROME1"))));
        QVERIFY(fopro::test::writeText(m_tmp.filePath(QStringLiteral("labels.csv")),
                                       "file,label\n"
                                       "patientA/photo1.dcm,nevus\n"
                                       "photo2.dcm,melanoma\n" // by file name
                                       "patientB/ct.dcm,chest\n"
                                       "multi.dcm,abdomen\n"
                                       "broken.dcm,junk\n"
                                       "gone.dcm,nevus\n")); // no such file
    }

    // --- Reading and decoding the fixtures -------------------------------------------------------

    void rgbRoundTripsExactly()
    {
        const QString file = fixture(QStringLiteral("patientA/photo1.dcm"));
        auto info = readDicomInfo(file);
        QVERIFY2(info.ok(), qPrintable(info.error().message()));
        QCOMPARE(info->sopClassUid, QString::fromLatin1(kVlPhotographic));
        QCOMPARE(info->transferSyntaxUid, QStringLiteral("1.2.840.10008.1.2.1"));
        QCOMPARE(info->photometric, QStringLiteral("RGB"));
        QCOMPARE(info->rows, 48);
        QCOMPARE(info->columns, 64);
        QCOMPARE(info->frames, 1);
        QCOMPARE(info->samplesPerPixel, 3);
        QCOMPARE(info->bitsAllocated, 8);
        QCOMPARE(info->patientId, QStringLiteral("PA"));

        auto img = decodeDicomFrame(file);
        QVERIFY2(img.ok(), qPrintable(img.error().message()));
        QCOMPARE(img->type(), CV_8UC3);
        QCOMPARE(img->rows, 48);
        QCOMPARE(img->cols, 64);
        QVERIFY(img->isContinuous());
        QVERIFY(img->u != nullptr); // owns its data (allocated by OpenCV, not borrowed from DCMTK)
        QCOMPARE(img->at<cv::Vec3b>(0, 0), cv::Vec3b(1, 2, 3));
        QCOMPARE(img->at<cv::Vec3b>(5, 40), cv::Vec3b(20, 180, 60));
        QCOMPARE(img->at<cv::Vec3b>(30, 5), cv::Vec3b(10, 40, 220));
        QVERIFY(sameImage(*img, quadrantImage()));
    }

    void windowedSixteenBit()
    {
        const QString file = fixture(QStringLiteral("patientB/ct.dcm"));
        auto info = readDicomInfo(file);
        QVERIFY2(info.ok(), qPrintable(info.error().message()));
        QCOMPARE(info->bitsAllocated, 16);
        QCOMPARE(info->bitsStored, 12);
        QCOMPARE(info->photometric, QStringLiteral("MONOCHROME2"));
        auto img = decodeDicomFrame(file);
        QVERIFY2(img.ok(), qPrintable(img.error().message()));
        QCOMPARE(img->type(), CV_8UC3);
        for (std::size_t i = 0; i < kWindowCases.size(); ++i) {
            const cv::Vec3b px = img->at<cv::Vec3b>(0, int(i));
            const uchar expected = uchar(kWindowCases[i].second);
            QVERIFY2(px == cv::Vec3b(expected, expected, expected),
                     qPrintable(QStringLiteral("value %1: got %2, expected %3")
                                    .arg(kWindowCases[i].first)
                                    .arg(px[0])
                                    .arg(expected)));
        }
        QCOMPARE(img->at<cv::Vec3b>(47, 63), cv::Vec3b(128, 128, 128)); // the fill value 1001
    }

    void minMaxWithoutWindow()
    {
        auto img = decodeDicomFrame(fixture(QStringLiteral("patientB/mr_minmax.dcm")));
        QVERIFY2(img.ok(), qPrintable(img.error().message()));
        for (std::size_t i = 0; i < kMinMaxCases.size(); ++i) {
            const uchar expected = uchar(kMinMaxCases[i].second);
            const cv::Vec3b px = img->at<cv::Vec3b>(0, int(i));
            QVERIFY2(px == cv::Vec3b(expected, expected, expected),
                     qPrintable(QStringLiteral("value %1: got %2, expected %3")
                                    .arg(kMinMaxCases[i].first)
                                    .arg(px[0])
                                    .arg(expected)));
        }
    }

    void monochrome1IsInverted()
    {
        auto img = decodeDicomFrame(m_tmp.filePath(QStringLiteral("mono1.dcm")));
        QVERIFY2(img.ok(), qPrintable(img.error().message()));
        for (std::size_t i = 0; i < kMinMaxCases.size(); ++i) {
            const uchar expected = uchar(255 - kMinMaxCases[i].second); // low values are bright
            QCOMPARE(img->at<cv::Vec3b>(0, int(i)), cv::Vec3b(expected, expected, expected));
        }
    }

    void multiFrame()
    {
        const QString file = fixture(QStringLiteral("multi.dcm"));
        auto info = readDicomInfo(file);
        QVERIFY2(info.ok(), qPrintable(info.error().message()));
        QCOMPARE(info->frames, 2);
        QCOMPARE(info->meta.value(QStringLiteral("NumberOfFrames")), QStringLiteral("2"));
        auto f0 = decodeDicomFrame(file, 0);
        auto f1 = decodeDicomFrame(file, 1);
        QVERIFY2(f0.ok(), qPrintable(f0.error().message()));
        QVERIFY2(f1.ok(), qPrintable(f1.error().message()));
        QVERIFY(sameImage(*f0, fopro::test::patternImage(32, 24, 1)));
        QVERIFY(sameImage(*f1, fopro::test::patternImage(32, 24, 2)));
        for (int bad : {2, -1}) {
            auto out = decodeDicomFrame(file, bad);
            QVERIFY(!out.ok());
            QCOMPARE(out.error().code, ErrorCode::InvalidArgument);
            QCOMPARE(out.error().file, file);
            QVERIFY(out.error().detail.contains(QStringLiteral("out of range")));
        }
    }

    void headerMetadata()
    {
        auto info = readDicomInfo(fixture(QStringLiteral("patientB/ct.dcm")));
        QVERIFY(info.ok());
        const QMap<QString, QString> &m = info->meta;
        QCOMPARE(m.value(QStringLiteral("Modality")), QStringLiteral("CT"));
        QCOMPARE(m.value(QStringLiteral("BodyPartExamined")), QStringLiteral("CHEST"));
        QCOMPARE(m.value(QStringLiteral("PatientID")), QStringLiteral("PB"));
        QCOMPARE(m.value(QStringLiteral("PatientName")), QStringLiteral("Test^PB"));
        QCOMPARE(m.value(QStringLiteral("StudyDate")), QStringLiteral("20240131"));
        QCOMPARE(m.value(QStringLiteral("Rows")), QStringLiteral("48"));
        QCOMPARE(m.value(QStringLiteral("Columns")), QStringLiteral("64"));
        QCOMPARE(m.value(QStringLiteral("BitsAllocated")), QStringLiteral("16"));
        QCOMPARE(m.value(QStringLiteral("BitsStored")), QStringLiteral("12"));
        QCOMPARE(m.value(QStringLiteral("PhotometricInterpretation")), QStringLiteral("MONOCHROME2"));
        QCOMPARE(m.value(QStringLiteral("SOPClassUID")), QString::fromLatin1(kCtImage));
        QCOMPARE(m.value(QStringLiteral("TransferSyntaxUID")), QStringLiteral("1.2.840.10008.1.2.1"));
        QVERIFY(!m.value(QStringLiteral("StudyInstanceUID")).isEmpty());
        QVERIFY(!m.value(QStringLiteral("SeriesInstanceUID")).isEmpty());
        QVERIFY(!m.contains(QStringLiteral("NumberOfFrames"))); // only attributes present in the file
        QVERIFY(!m.contains(QStringLiteral("Manufacturer")));
        QCOMPARE(info->studyInstanceUid, m.value(QStringLiteral("StudyInstanceUID")));
    }

    void latin1Text()
    {
        // ISO_IR 100 (Latin-1) names come back as proper Unicode.
        Fixture f = rgbFixture(QStringLiteral("PL"), QString());
        const QString file = m_tmp.filePath(QStringLiteral("latin1.dcm"));
        QVERIFY(writeDicom(file, f));
        DcmFileFormat ff;
        const QByteArray name = QFile::encodeName(file);
        QVERIFY(ff.loadFile(OFFilename(name.constData())).good());
        QVERIFY(ff.loadAllDataIntoMemory().good()); // it is saved over its own file
        QVERIFY(ff.getDataset()->putAndInsertString(DCM_SpecificCharacterSet, "ISO_IR 100").good());
        QVERIFY(ff.getDataset()
                    ->putAndInsertString(DCM_PatientName, QStringLiteral("Müller^Jörg").toLatin1().constData())
                    .good());
        QVERIFY(ff.saveFile(OFFilename(name.constData()), EXS_LittleEndianExplicit).good());
        auto info = readDicomInfo(file);
        QVERIFY2(info.ok(), qPrintable(info.error().message()));
        QCOMPARE(info->meta.value(QStringLiteral("PatientName")), QStringLiteral("Müller^Jörg"));
        QCOMPARE(*readDicomAttribute(file, QStringLiteral("PatientName")), QStringLiteral("Müller^Jörg"));
    }

    void attributes()
    {
        const QString file = fixture(QStringLiteral("patientA/photo1.dcm"));
        for (const QString &name : {QStringLiteral("PatientID"), QStringLiteral("0010,0020"),
                                    QStringLiteral("(0010,0020)"), QStringLiteral(" (0010,0020) ")}) {
            auto v = readDicomAttribute(file, name);
            QVERIFY2(v.ok(), qPrintable(name + QStringLiteral(": ") + v.error().message()));
            QCOMPARE(*v, QStringLiteral("PA"));
        }
        QCOMPARE(*readDicomAttribute(file, QStringLiteral("Rows")), QStringLiteral("48"));
        QCOMPARE(*readDicomAttribute(file, QStringLiteral("TransferSyntaxUID")), QStringLiteral("1.2.840.10008.1.2.1"));

        auto unknown = readDicomAttribute(file, QStringLiteral("NoSuchKeyword"));
        QVERIFY(!unknown.ok());
        QCOMPARE(unknown.error().code, ErrorCode::InvalidArgument);
        auto absent = readDicomAttribute(file, QStringLiteral("ManufacturerModelName"));
        QVERIFY(!absent.ok());
        QCOMPARE(absent.error().code, ErrorCode::NotFound);
        QVERIFY(absent.error().detail.contains(QStringLiteral("(0008,1090)")));

        auto tag = parseDicomTag(QStringLiteral("0018,0015"));
        QVERIFY(tag.ok());
        QCOMPARE(tag->keyword, QStringLiteral("BodyPartExamined"));
        QCOMPARE(tag->text(), QStringLiteral("(0018,0015)"));
        QCOMPARE(parseDicomTag(QStringLiteral("0009,10ff"))->name(), QStringLiteral("0009,10ff"));
        QVERIFY(!parseDicomTag(QStringLiteral("12,34")).ok());

        auto all = readAllDicomAttributes(file);
        QVERIFY2(all.ok(), qPrintable(all.error().message()));
        QCOMPARE(all->value(QStringLiteral("(0010,0020) PatientID")), QStringLiteral("PA"));
        QCOMPARE(all->value(QStringLiteral("(0002,0010) TransferSyntaxUID")), QStringLiteral("1.2.840.10008.1.2.1"));
        QVERIFY(all->value(QStringLiteral("(7fe0,0010) PixelData")).contains(QStringLiteral("9216 bytes")));
    }

    void errors()
    {
        const QString missing = m_tmp.filePath(QStringLiteral("nope.dcm"));
        auto a = readDicomInfo(missing);
        QVERIFY(!a.ok());
        QCOMPARE(a.error().code, ErrorCode::NotFound);
        QCOMPARE(a.error().file, missing);
        auto b = decodeDicomFrame(missing);
        QCOMPARE(b.error().code, ErrorCode::NotFound);
        QVERIFY(!readAllDicomAttributes(missing).ok());

        const QString truncated = fixture(QStringLiteral("patientB/truncated.dcm"));
        auto t = decodeDicomFrame(truncated);
        QVERIFY(!t.ok());
        QCOMPARE(t.error().code, ErrorCode::Malformed);
        QCOMPARE(t.error().file, truncated);
        QVERIFY(!t.error().detail.isEmpty());
        QCOMPARE(readDicomInfo(truncated).error().code, ErrorCode::Malformed);

        const QString junk = fixture(QStringLiteral("broken.dcm"));
        auto j = decodeDicomFrame(junk);
        QVERIFY(!j.ok());
        QVERIFY(j.error().code == ErrorCode::Malformed || j.error().code == ErrorCode::Unsupported);
        QVERIFY(!j.error().detail.isEmpty());

        const QString text = fixture(QStringLiteral("notes.txt"));
        auto n = decodeDicomFrame(text);
        QVERIFY(!n.ok());
        QVERIFY(!n.error().detail.isEmpty());

        auto dir = readDicomInfo(m_root);
        QVERIFY(!dir.ok());
        QCOMPARE(dir.error().code, ErrorCode::Unreadable);
    }

    /// A Number of Frames beyond int (found reviewing what fuzz_dicom feeds the reader) wrapped to a
    /// negative frame count, which passed the pixel data size check; it is refused as malformed.

    void elementLongerThanTheFile()
    {
        // Found by fuzz_dicom: 333 bytes whose meta header declares a 3.5 GB value. DCMTK allocates
        // a declared length when the value is read; the reader refuses any element longer than the
        // file before reading values.
        const QByteArray bytes = QByteArray::fromHex(
            "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
            "000000000000000000000000000000000000000000000000008000000000000000000000000000000000000000000000"
            "00000000000000000000000000000000000000000000000000000000000000004449434d02000000554c0400c0000000"
            "020001324f4200000200000000010200020055491a00312e322e3834302e31303030382e352e312e342e312e312e3700"
            "0200030055492e00312e332e362e312e342e312e353936322e312e312e382e312e332e32303034303832363138353035"
            "392e353435370200100055411600cfd1cdd1c7cbcfcb31303030382e312e322e342e39310200120055491200312e332e"
            "41450800434c554e494531200800081ac0026800e10094ab0354d9d3c6a8395f808080ffd9feffdde003005549");
        QCOMPARE(bytes.size(), qsizetype(333));
        QTemporaryDir dir;
        const QString file = dir.filePath(QStringLiteral("declares_3_5_GB.dcm"));
        QVERIFY(fopro::test::writeText(file, bytes));
        const auto info = readDicomInfo(file);
        QVERIFY(!info);
        QCOMPARE(info.error().code, fopro::ErrorCode::Malformed);
        QCOMPARE(info.error().file, file);
        QVERIFY2(info.error().detail.contains(QLatin1String("declares a value of")), qPrintable(info.error().detail));
        QVERIFY(!readAllDicomAttributes(file));

        // Also found by fuzz_dicom: 27 bytes, a data set without meta header whose string element
        // declares 4 GB; asking DCMTK an item's length would read (and allocate) it.
        const QString tiny = dir.filePath(QStringLiteral("declares_4_GB.dcm"));
        QVERIFY(fopro::test::writeText(tiny,
                                       QByteArray::fromHex("00000300426f64795061264600000100fcff000000e0bc00ff0000")));
        QVERIFY(!readDicomInfo(tiny));
        QVERIFY(!readAllDicomAttributes(tiny));
        QVERIFY(!decodeDicomFrame(tiny));
    }
    void numberOfFramesBeyondInt()
    {
        const QString path = m_tmp.filePath(QStringLiteral("frames/huge-count.dcm"));
        Fixture f;
        f.rows = 2;
        f.columns = 2;
        f.bytes.assign(2 * 2 * 3, 7);
        QVERIFY(writeDicom(path, f));
        DcmFileFormat file;
        const QByteArray name = QFile::encodeName(path);
        QVERIFY(file.loadFile(OFFilename(name.constData())).good());
        QVERIFY(file.getDataset()->putAndInsertString(DCM_NumberOfFrames, "2147483648").good());
        QVERIFY(file.saveFile(OFFilename(name.constData()), EXS_LittleEndianExplicit).good());
        const auto info = readDicomInfo(path);
        QVERIFY(!info.ok());
        QCOMPARE(info.error().code, ErrorCode::Malformed);
        QVERIFY2(info.error().detail.contains(QLatin1String("Number of Frames")), qPrintable(info.error().detail));
        QVERIFY(!decodeDicomFrame(path, 0).ok());
    }

    // --- Import ----------------------------------------------------------------------------------

    void probe()
    {
        const auto importer = makeDicomImporter();
        QCOMPARE(importer->id(), QStringLiteral("dicom"));
        QCOMPARE(importer->displayName(), QStringLiteral("DICOM files"));
        QCOMPARE(importer->probe(m_root), 70);
        QCOMPARE(importer->probe(fixture(QStringLiteral("multi.dcm"))), 80);
        QCOMPARE(importer->probe(fixture(QStringLiteral("notes.txt"))), 0);
        QCOMPARE(importer->probe(m_tmp.filePath(QStringLiteral("nothing-here"))), 0);

        // A file with the DICOM preamble but another name is still DICOM.
        const QString renamed = m_tmp.filePath(QStringLiteral("probe/IM0001"));
        QVERIFY(QDir().mkpath(QFileInfo(renamed).absolutePath()));
        QVERIFY(QFile::copy(fixture(QStringLiteral("multi.dcm")), renamed));
        QCOMPARE(importer->probe(renamed), 80);
        QCOMPARE(importer->probe(QFileInfo(renamed).absolutePath()), 70);

        // Ordinary images in the folder: not a DICOM dataset.
        const QString mixed = m_tmp.filePath(QStringLiteral("mixed"));
        QVERIFY(writeDicom(QDir(mixed).filePath(QStringLiteral("a.dcm")), rgbFixture(QStringLiteral("P"), QString())));
        QVERIFY(fopro::test::writeImage(QDir(mixed).filePath(QStringLiteral("b/photo.png")), quadrantImage()));
        QCOMPARE(importer->probe(mixed), 0);

        const Importer *detected = detectImporter(m_root);
        QVERIFY(detected);
        QCOMPARE(detected->id(), QStringLiteral("dicom"));
    }

    void importWithSidecar()
    {
        ImportOptions options;
        options.format = QStringLiteral("dicom");
        options.sidecarCsv = m_tmp.filePath(QStringLiteral("labels.csv"));
        auto r = importDataset(m_root, options);
        QVERIFY2(r.ok(), qPrintable(r.error().message()));
        const DatasetIndex &d = r->index;
        QCOMPARE(d.format, QStringLiteral("dicom"));
        QCOMPARE(QDir(d.root).canonicalPath(), QDir(m_root).canonicalPath());
        QCOMPARE(d.classes, (QStringList{"abdomen", "chest", "melanoma", "nevus"}));

        // ct, mr_minmax, multi, photo1, photo2; broken and truncated are problems; DICOMDIR and
        // notes.txt are passed over.
        QCOMPARE(int(d.samples.size()), 5);
        QHash<QString, const Sample *> byPath;
        for (const Sample &s : d.samples) {
            QCOMPARE(s.kind, SourceKind::DicomFrame);
            QCOMPARE(s.entry, 0);
            QCOMPARE(s.originalLabel, s.label);
            QVERIFY(!QDir::isAbsolutePath(s.path));
            byPath.insert(s.path, &s);
        }
        auto labelOf = [&](const QString &path) {
            const Sample *s = byPath.value(path);
            return s && s->label >= 0 ? d.classes[s->label] : QString();
        };
        QCOMPARE(labelOf(QStringLiteral("patientA/photo1.dcm")), QStringLiteral("nevus"));
        QCOMPARE(labelOf(QStringLiteral("patientA/photo2.dcm")), QStringLiteral("melanoma"));
        QCOMPARE(labelOf(QStringLiteral("patientB/ct.dcm")), QStringLiteral("chest"));
        QCOMPARE(labelOf(QStringLiteral("multi.dcm")), QStringLiteral("abdomen"));
        QVERIFY(byPath.contains(QStringLiteral("patientB/mr_minmax.dcm")));
        QCOMPARE(byPath.value(QStringLiteral("patientB/mr_minmax.dcm"))->label, -1); // not in the CSV

        // Groups are patients; meta is the header.
        QCOMPARE(byPath.value(QStringLiteral("patientA/photo1.dcm"))->group, QStringLiteral("PA"));
        QCOMPARE(byPath.value(QStringLiteral("patientB/ct.dcm"))->group, QStringLiteral("PB"));
        QCOMPARE(byPath.value(QStringLiteral("multi.dcm"))->group, QStringLiteral("PC"));
        QCOMPARE(byPath.value(QStringLiteral("patientB/ct.dcm"))->meta.value(QStringLiteral("Modality")),
                 QStringLiteral("CT"));
        QCOMPARE(byPath.value(QStringLiteral("multi.dcm"))->meta.value(QStringLiteral("NumberOfFrames")),
                 QStringLiteral("2"));

        // Problems: one per bad file, the unlisted file, the CSV row without a file.
        auto problemFor = [&](const QString &needle) {
            for (const ImportProblem &p : r->problems)
                if (p.file.contains(needle)) return p.reason;
            return QString();
        };
        QVERIFY(!problemFor(QStringLiteral("broken.dcm")).isEmpty());
        QVERIFY(problemFor(QStringLiteral("truncated.dcm")).contains(QStringLiteral("truncated or malformed")));
        QVERIFY(problemFor(QStringLiteral("mr_minmax.dcm")).contains(QStringLiteral("not listed")));
        QVERIFY(problemFor(QStringLiteral("labels.csv:7")).contains(QStringLiteral("no such DICOM file")));
        QVERIFY(problemFor(QStringLiteral("DICOMDIR")).isEmpty());
        QVERIFY(problemFor(QStringLiteral("notes.txt")).isEmpty());
        QCOMPARE(int(r->problems.size()), 4);

        // The samples decode through their stored paths.
        for (const Sample &s : d.samples) {
            auto img = decodeDicomFrame(d.absolutePath(s), s.entry);
            QVERIFY2(img.ok(), qPrintable(img.error().message()));
        }
    }

    void importWithLabelAttribute()
    {
        for (const QString &attribute : {QStringLiteral("BodyPartExamined"), QStringLiteral("0018,0015")}) {
            ImportOptions options;
            options.format = QStringLiteral("dicom");
            options.dicomLabelAttribute = attribute;
            auto r = importDataset(m_root, options);
            QVERIFY2(r.ok(), qPrintable(r.error().message()));
            const DatasetIndex &d = r->index;
            QCOMPARE(d.classes, (QStringList{"ABDOMEN", "CHEST", "SKIN"}));
            QCOMPARE(int(d.samples.size()), 5);
            std::vector<int> counts = d.classCounts();
            QCOMPARE(counts, (std::vector<int>{1, 1, 2}));
            bool sawUnlabelled = false;
            for (const Sample &s : d.samples)
                if (s.path == QLatin1String("patientB/mr_minmax.dcm")) {
                    QCOMPARE(s.label, -1);
                    sawUnlabelled = true;
                }
            QVERIFY(sawUnlabelled);
            bool reported = false;
            for (const ImportProblem &p : r->problems)
                if (p.file == QLatin1String("patientB/mr_minmax.dcm"))
                    reported = p.reason.contains(QStringLiteral("not present"));
            QVERIFY(reported);
        }

        ImportOptions bad;
        bad.format = QStringLiteral("dicom");
        bad.dicomLabelAttribute = QStringLiteral("BodyPartExamind"); // typo
        auto r = importDataset(m_root, bad);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, ErrorCode::InvalidArgument);
    }

    void importAllFramesAndSingleFile()
    {
        ImportOptions options;
        options.format = QStringLiteral("dicom");
        options.dicomAllFrames = true;
        auto r = importDataset(m_root, options);
        QVERIFY(r.ok());
        QCOMPARE(int(r->index.samples.size()), 6); // multi.dcm gives two samples
        QStringList multi;
        for (const Sample &s : r->index.samples) {
            QCOMPARE(s.label, -1); // no label source: unlabelled
            if (s.path == QLatin1String("multi.dcm")) multi << s.id();
        }
        QCOMPARE(multi.size(), 2);
        QVERIFY(multi[0] != multi[1]);

        auto one = importDataset(fixture(QStringLiteral("multi.dcm")), options);
        QVERIFY2(one.ok(), qPrintable(one.error().message()));
        QCOMPARE(QDir(one->index.root).canonicalPath(), QDir(m_root).canonicalPath());
        QCOMPARE(int(one->index.samples.size()), 2);
        QCOMPARE(one->index.samples[0].path, QStringLiteral("multi.dcm"));
        QCOMPARE(one->index.samples[1].entry, 1);
        options.dicomAllFrames = false;
        one = importDataset(fixture(QStringLiteral("multi.dcm")), options);
        QCOMPARE(int(one->index.samples.size()), 1);

        fopro::JobControl cancel;
        cancel.cancel();
        auto cancelled = makeDicomImporter()->run(m_root, options, &cancel);
        QVERIFY(!cancelled.ok());
        QCOMPARE(cancelled.error().code, ErrorCode::Cancelled);

        auto empty = makeDicomImporter()->run(m_tmp.filePath(QStringLiteral("mixed/b")), options);
        QVERIFY(!empty.ok());
    }

    // --- pydicom's real files --------------------------------------------------------------------

    void realFilesNeverCrash()
    {
        const QString dir = fopro::test::pydicomTestFiles();
        if (dir.isEmpty()) QSKIP("pydicom test files not extracted (run packaging/install-deps.sh)");
        QDirIterator it(dir, QDir::Files, QDirIterator::Subdirectories);
        int files = 0, decoded = 0;
        while (it.hasNext()) {
            it.next();
            const QFileInfo fi = it.fileInfo();
            if (!isDicomCandidate(fi)) continue;
            ++files;
            const QString file = fi.absoluteFilePath();
            const QString name = QDir(dir).relativeFilePath(file);
            (void)readAllDicomAttributes(file);
            (void)readDicomAttribute(file, QStringLiteral("PatientID"));
            auto info = readDicomInfo(file);
            if (!info) {
                QVERIFY2(!info.error().detail.isEmpty(), qPrintable(name));
                QCOMPARE(info.error().file, file);
                auto img = decodeDicomFrame(file);
                QVERIFY2(!img.ok(), qPrintable(name));
                QVERIFY2(!img.error().detail.isEmpty(), qPrintable(name));
                continue;
            }
            // A file the header check accepts must decode, every frame asked for at its size.
            for (int frame : {0, info->frames - 1}) {
                auto img = decodeDicomFrame(file, frame);
                QVERIFY2(img.ok(), qPrintable(name + QStringLiteral(": ") + img.error().message()));
                QCOMPARE(img->type(), CV_8UC3);
                QCOMPARE(img->rows, info->rows);
                QCOMPARE(img->cols, info->columns);
            }
            ++decoded;
        }
        QVERIFY(files >= 60);
        QVERIFY(decoded >= 30);
        qInfo("%d DICOM files, %d decodable", files, decoded);
    }

    void realFiles_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<int>("code");       // ErrorCode; None = must decode
        QTest::addColumn<QString>("reason"); // part of the error detail
        QTest::addColumn<int>("columns");
        QTest::addColumn<int>("rows");
        QTest::addColumn<QString>("photometric");
        QTest::addColumn<int>("frames");

        const int ok = int(ErrorCode::None);
        const int unsupported = int(ErrorCode::Unsupported);
        const int malformed = int(ErrorCode::Malformed);
        auto good = [&](const char *file, int columns, int rows, const char *photometric, int frames) {
            QTest::newRow(file) << QString::fromLatin1(file) << ok << QString() << columns << rows
                                << QString::fromLatin1(photometric) << frames;
        };
        auto bad = [&](const char *file, int code, const char *reason) {
            QTest::newRow(file) << QString::fromLatin1(file) << code << QString::fromLatin1(reason) << 0 << 0
                                << QString() << 0;
        };
        bad("JPEG2000.dcm", unsupported, "JPEG 2000");
        bad("MR_small_jp2klossless.dcm", unsupported, "JPEG 2000");
        bad("SC_rgb_gdcm_KY.dcm", unsupported, "1.2.840.10008.1.2.4.91");
        bad("rtplan.dcm", unsupported, "not an image object (RT Plan Storage)");
        bad("rtstruct.dcm", unsupported, "not an image object (RT Structure Set Storage)");
        bad("test-SR.dcm", unsupported, "not an image object (Comprehensive SR Storage)");
        bad("waveform_ecg.dcm", unsupported, "not an image object (Twelve Lead ECG Waveform Storage)");
        bad("MR_truncated.dcm", malformed, "premature end of stream");
        bad("rtplan_truncated.dcm", malformed, "truncated or malformed");
        bad("badVR.dcm", malformed, "Number of Frames");
        bad("no_meta.dcm", malformed, "truncated or malformed");
        good("CT_small.dcm", 128, 128, "MONOCHROME2", 1);
        good("MR_small.dcm", 64, 64, "MONOCHROME2", 1);
        good("MR_small_bigendian.dcm", 64, 64, "MONOCHROME2", 1);
        good("MR_small_RLE.dcm", 64, 64, "MONOCHROME2", 1);
        good("MR_small_jpeg_ls_lossless.dcm", 64, 64, "MONOCHROME2", 1);
        good("JPGExtended.dcm", 256, 1024, "MONOCHROME2", 1);
        good("image_dfl.dcm", 512, 512, "MONOCHROME2", 1);    // deflated transfer syntax
        good("liver_1frame.dcm", 512, 512, "MONOCHROME2", 1); // 1 bit allocated
        good("ExplVR_BigEnd.dcm", 80, 60, "RGB", 1);
        good("SC_rgb_rle.dcm", 100, 100, "RGB", 1);
        good("SC_rgb_rle_16bit.dcm", 100, 100, "RGB", 1);
        good("SC_rgb_jpeg_gdcm.dcm", 100, 100, "RGB", 1);       // JPEG lossless
        good("SC_rgb_jpeg_dcmtk.dcm", 100, 100, "YBR_FULL", 1); // JPEG baseline
        good("SC_rgb_dcmtk_+eb+cy+np.dcm", 100, 100, "YBR_FULL_422", 1);
        good("SC_ybr_full_422_uncompressed.dcm", 100, 100, "YBR_FULL_422", 1);
        good("SC_jpeg_no_color_transform.dcm", 256, 256, "RGB", 1);
        good("SC_rgb_small_odd.dcm", 3, 3, "RGB", 1);
        good("SC_rgb_rle_2frame.dcm", 100, 100, "RGB", 2);
        good("rtdose.dcm", 10, 10, "MONOCHROME2", 15);
    }

    void realFiles()
    {
        if (fopro::test::pydicomTestFiles().isEmpty())
            QSKIP("pydicom test files not extracted (run packaging/install-deps.sh)");
        QFETCH(QString, file);
        QFETCH(int, code);
        QFETCH(QString, reason);
        QFETCH(int, columns);
        QFETCH(int, rows);
        QFETCH(QString, photometric);
        QFETCH(int, frames);
        const QString path = real(file);
        QVERIFY2(QFileInfo::exists(path), qPrintable(path));
        auto info = readDicomInfo(path);
        auto img = decodeDicomFrame(path);
        if (code != int(ErrorCode::None)) {
            QVERIFY(!info.ok());
            QVERIFY(!img.ok());
            QCOMPARE(int(img.error().code), code);
            QCOMPARE(int(info.error().code), code);
            QCOMPARE(img.error().file, path);
            QVERIFY2(img.error().detail.contains(reason), qPrintable(img.error().detail));
            return;
        }
        QVERIFY2(info.ok(), qPrintable(info.error().message()));
        QCOMPARE(info->columns, columns);
        QCOMPARE(info->rows, rows);
        QCOMPARE(info->photometric, photometric);
        QCOMPARE(info->frames, frames);
        QVERIFY2(img.ok(), qPrintable(img.error().message()));
        QCOMPARE(img->type(), CV_8UC3);
        QCOMPARE(img->cols, columns);
        QCOMPARE(img->rows, rows);
        cv::Mat channels[3];
        cv::split(*img, channels);
        double lo = 0, hi = 0;
        cv::minMaxLoc(channels[0], &lo, &hi);
        QVERIFY2(hi > lo, "a flat image"); // the window or min-max spread the values
        if (photometric.startsWith(QLatin1String("MONOCHROME"))) {
            QVERIFY(sameImage(channels[0], channels[1]));
            QVERIFY(sameImage(channels[0], channels[2]));
        }
    }

    void realFamiliesAgree()
    {
        if (fopro::test::pydicomTestFiles().isEmpty())
            QSKIP("pydicom test files not extracted (run packaging/install-deps.sh)");
        auto load = [](const QString &name) {
            auto r = decodeDicomFrame(real(name));
            return r.ok() ? *r : cv::Mat();
        };
        // The same MR slice in every lossless encoding decodes to the same pixels.
        const cv::Mat mr = load(QStringLiteral("MR_small.dcm"));
        QVERIFY(!mr.empty());
        for (const char *name : {"MR_small_RLE.dcm", "MR_small_bigendian.dcm", "MR_small_expb.dcm",
                                 "MR_small_implicit.dcm", "MR_small_jpeg_ls_lossless.dcm", "MR_small_padded.dcm"})
            QVERIFY2(sameImage(load(QString::fromLatin1(name)), mr), name);

        // The colour bars: exact for lossless encodings, close for lossy JPEG and 4:2:2.
        const cv::Mat rgb = load(QStringLiteral("SC_rgb_rle.dcm"));
        QVERIFY(!rgb.empty());
        for (const char *name : {"SC_rgb_rle_16bit.dcm", "SC_rgb_rle_32bit.dcm", "SC_rgb_jpeg_gdcm.dcm"})
            QVERIFY2(sameImage(load(QString::fromLatin1(name)), rgb), name);
        for (const char *name :
             {"SC_rgb_jpeg_dcmtk.dcm", "SC_rgb_jpeg_lossy_gdcm.dcm", "SC_rgb_dcmtk_+eb+cr.dcm",
              "SC_rgb_dcmtk_+eb+cy+n1.dcm", "SC_rgb_dcmtk_+eb+cy+n2.dcm", "SC_rgb_dcmtk_+eb+cy+np.dcm",
              "SC_rgb_dcmtk_+eb+cy+s2.dcm", "SC_rgb_dcmtk_+eb+cy+s4.dcm", "SC_ybr_full_422_uncompressed.dcm"}) {
            const double diff = meanAbsDiff(load(QString::fromLatin1(name)), rgb);
            QVERIFY2(diff < 4.0, qPrintable(QStringLiteral("%1: mean abs diff %2").arg(QLatin1String(name)).arg(diff)));
        }
        // SC_rgb_jpeg_lossy_gdcm.dcm says RGB but holds YCbCr JPEG (chroma subsampled): the decoder
        // must still convert it. The reverse trap: RGB JPEG without colour transform (Adobe APP14
        // transform 0, or component ids 0,1,2 and no marker at all) must not be converted.
        const cv::Mat tile = load(QStringLiteral("SC_rgb_jpeg_dcmd.dcm")); // uncompressed reference
        QVERIFY(!tile.empty());
        for (const char *name :
             {"SC_jpeg_no_color_transform.dcm", "SC_jpeg_no_color_transform_2.dcm", "SC_rgb_jpeg_app14_dcmd.dcm"}) {
            const double diff = meanAbsDiff(load(QString::fromLatin1(name)), tile);
            QVERIFY2(diff < 4.0, qPrintable(QStringLiteral("%1: mean abs diff %2").arg(QLatin1String(name)).arg(diff)));
        }

        // Two-frame files: frame 0 is the single-frame image, frame 1 another one.
        for (const char *name :
             {"SC_rgb_rle_2frame.dcm", "SC_rgb_rle_16bit_2frame.dcm", "SC_rgb_rle_32bit_2frame.dcm"}) {
            auto f0 = decodeDicomFrame(real(QString::fromLatin1(name)), 0);
            auto f1 = decodeDicomFrame(real(QString::fromLatin1(name)), 1);
            QVERIFY2(f0.ok() && f1.ok(), name);
            QVERIFY2(sameImage(*f0, rgb), name);
            QVERIFY2(!sameImage(*f1, rgb), name);
        }
    }

    void realFilesDecodeInParallel()
    {
        const QString dir = fopro::test::pydicomTestFiles();
        if (dir.isEmpty()) QSKIP("pydicom test files not extracted (run packaging/install-deps.sh)");
        QStringList files;
        for (const QString &name : QDir(dir).entryList({QStringLiteral("*.dcm")}, QDir::Files, QDir::Name))
            files << QDir(dir).filePath(name);
        auto digest = [](const QString &file) {
            auto r = decodeDicomFrame(file);
            if (!r) return QStringLiteral("error %1").arg(int(r.error().code));
            const cv::Scalar s = cv::sum(*r);
            return QStringLiteral("%1x%2 %3 %4 %5").arg(r->cols).arg(r->rows).arg(s[0]).arg(s[1]).arg(s[2]);
        };
        QStringList serial;
        for (const QString &f : files)
            serial << digest(f);
        QThreadPool pool;
        pool.setMaxThreadCount(4);
        for (int round = 0; round < 2; ++round) {
            const QStringList parallel = QtConcurrent::blockingMapped<QStringList>(&pool, files, digest);
            QCOMPARE(parallel, serial);
        }
    }

    void corruptedRealFilesFailCleanly()
    {
        const QString dir = fopro::test::pydicomTestFiles();
        if (dir.isEmpty()) QSKIP("pydicom test files not extracted (run packaging/install-deps.sh)");
        auto corrupted = [&](const QString &name, qint64 offset, const QString &out) {
            QFile in(real(name));
            if (!in.open(QIODevice::ReadOnly)) return false;
            QByteArray bytes = in.readAll();
            if (offset + 4 > bytes.size()) return false;
            for (int i = 0; i < 4; ++i)
                bytes[int(offset) + i] = char(0xFF);
            return fopro::test::writeText(out, bytes);
        };
        // Two inputs that crashed or hung DCMTK 3.6.7 before the checks in dicomreader.cpp: an RLE
        // segment offset of 0xFFFFFFFF (out-of-bounds read in DcmRLEDecoder), and a run of 0xFF in
        // a JPEG header (endless loop in DJCodecDecoder::scanJpegDataForBitDepth).
        const QString rle = m_tmp.filePath(QStringLiteral("corrupt/rle_offset.dcm"));
        QVERIFY(corrupted(QStringLiteral("SC_rgb_rle_2frame.dcm"), 1364, rle));
        auto r = decodeDicomFrame(rle, 0);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, ErrorCode::Malformed);
        QVERIFY2(r.error().detail.contains(QStringLiteral("RLE")), qPrintable(r.error().detail));
        QVERIFY(decodeDicomFrame(rle, 1).ok()); // the other frame is intact
        const QString jpeg = m_tmp.filePath(QStringLiteral("corrupt/jpeg_markers.dcm"));
        QVERIFY(corrupted(QStringLiteral("SC_rgb_jpeg_lossy_gdcm.dcm"), 1792, jpeg));
        auto j = decodeDicomFrame(jpeg, 0);
        QVERIFY(!j.ok());
        QCOMPARE(j.error().code, ErrorCode::Malformed);

        // Seeded random damage (flipped bytes, truncation) of differently encoded files: every
        // call returns, with an image or an error.
        cv::RNG rng(20240131);
        const QString out = m_tmp.filePath(QStringLiteral("corrupt/mutant.dcm"));
        for (const char *name :
             {"CT_small.dcm", "MR_small_RLE.dcm", "MR_small_jpeg_ls_lossless.dcm", "SC_rgb_dcmtk_+eb+cy+np.dcm",
              "SC_rgb_jpeg_gdcm.dcm", "SC_rgb_rle_16bit_2frame.dcm", "JPGExtended.dcm", "image_dfl.dcm"}) {
            QFile in(real(QString::fromLatin1(name)));
            QVERIFY(in.open(QIODevice::ReadOnly));
            const QByteArray original = in.readAll();
            for (int i = 0; i < 40; ++i) {
                QByteArray bytes = original;
                if (i % 4 == 3) {
                    bytes.truncate(rng.uniform(0, int(bytes.size())));
                } else {
                    for (int k = rng.uniform(1, 9); k > 0; --k)
                        bytes[rng.uniform(132, int(bytes.size()))] = char(rng.uniform(0, 256));
                }
                QVERIFY(fopro::test::writeText(out, bytes));
                auto info = readDicomInfo(out);
                (void)readAllDicomAttributes(out);
                auto img = decodeDicomFrame(out, 0);
                if (!img.ok())
                    QVERIFY2(!img.error().detail.isEmpty(), name);
                else
                    QCOMPARE(img->type(), CV_8UC3);
                if (info.ok() && info->frames > 1) (void)decodeDicomFrame(out, info->frames - 1);
            }
        }
    }

    void realFolderImport()
    {
        const QString dir = fopro::test::pydicomTestFiles();
        if (dir.isEmpty()) QSKIP("pydicom test files not extracted (run packaging/install-deps.sh)");
        ImportOptions options;
        options.format = QStringLiteral("dicom");
        options.dicomLabelAttribute = QStringLiteral("Modality");
        auto r = importDataset(dir, options);
        QVERIFY2(r.ok(), qPrintable(r.error().message()));
        QVERIFY(r->index.samples.size() >= 30);
        QVERIFY(r->index.classes.contains(QStringLiteral("MR")));
        QVERIFY(r->index.classes.contains(QStringLiteral("CT")));
        bool j2k = false;
        for (const ImportProblem &p : r->problems)
            if (p.file == QLatin1String("JPEG2000.dcm")) j2k = p.reason.contains(QStringLiteral("JPEG 2000"));
        QVERIFY(j2k);
        for (const Sample &s : r->index.samples) {
            QVERIFY(QFileInfo(s.path).fileName() != QLatin1String("DICOMDIR"));
            QVERIFY(QFileInfo::exists(r->index.absolutePath(s)));
        }
    }

    void scanFolder()
    {
        // The one walk of the importer and the browser: candidates sorted, DICOMDIR passed over,
        // other files counted, every header read, unusable files with their reason.
        std::vector<fopro::Progress> reports;
        fopro::Result<DicomScan> scan =
            scanDicom(m_root, {}, nullptr, [&reports](const fopro::Progress &p) { reports.push_back(p); });
        QVERIFY2(scan.ok(), qPrintable(scan.error().message()));
        QCOMPARE(scan->root, QDir::cleanPath(m_root));
        QVERIFY(!scan->singleFile);
        QStringList files;
        for (const DicomScanEntry &e : scan->entries)
            files << QDir(m_root).relativeFilePath(e.file);
        QCOMPARE(files, (QStringList{QStringLiteral("broken.dcm"), QStringLiteral("multi.dcm"),
                                     QStringLiteral("patientA/photo1.dcm"), QStringLiteral("patientA/photo2.dcm"),
                                     QStringLiteral("patientB/ct.dcm"), QStringLiteral("patientB/mr_minmax.dcm"),
                                     QStringLiteral("patientB/truncated.dcm")}));
        QCOMPARE(scan->otherFiles, 1); // notes.txt; DICOMDIR is neither an image nor "other"
        QCOMPARE(scan->readableCount(), 5);
        for (const DicomScanEntry &e : scan->entries) {
            const bool bad =
                e.file.endsWith(QLatin1String("broken.dcm")) || e.file.endsWith(QLatin1String("truncated.dcm"));
            QCOMPARE(e.ok, !bad);
            QCOMPARE(e.reason.isEmpty(), !bad);
            if (e.ok) QVERIFY(e.info.rows > 0 && e.info.columns > 0);
        }
        QCOMPARE(scan->entries[2].info.patientId, QStringLiteral("PA"));
        // Progress: listing, then one report per header with the total known.
        QVERIFY(reports.size() >= 2 + scan->entries.size());
        QCOMPARE(reports.back().done, qint64(scan->entries.size()));
        QCOMPARE(reports.back().total, qint64(scan->entries.size()));

        // Extra attributes are read per file; a single file is scanned as itself.
        scan = scanDicom(fixture(QStringLiteral("patientB/ct.dcm")), {QStringLiteral("BodyPartExamined")});
        QVERIFY(scan.ok());
        QVERIFY(scan->singleFile);
        QCOMPARE(int(scan->entries.size()), 1);
        QCOMPARE(scan->entries[0].info.requested.value(QStringLiteral("BodyPartExamined")), QStringLiteral("CHEST"));

        // Missing path, cancellation.
        QCOMPARE(scanDicom(m_tmp.filePath(QStringLiteral("nothing-here"))).error().code, ErrorCode::NotFound);
        fopro::JobControl control;
        control.cancel();
        QCOMPARE(scanDicom(m_root, {}, &control).error().code, ErrorCode::Cancelled);
    }
};

QTEST_GUILESS_MAIN(TestDicom)
#include "tst_dicom.moc"
