// The image pipeline: decoding to RGB, resize policies, reduced JPEG decoding, the image cache (memory
// and disk) and the decode pool. Every fixture is generated here with known pixels, so each expected
// value can be checked by hand.

#include "core/data/decodepool.h"
#include "core/data/imagecache.h"
#include "core/data/imageloader.h"
#include "tests/support/testsupport.h"

#include <QtCore/QSemaphore>
#include <QtCore/QTemporaryDir>
#include <QtTest/QtTest>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <map>
#include <mutex>
#include <numeric>
#include <thread>

// Readable QCOMPARE failures for OpenCV values (found by argument-dependent lookup).
namespace cv {
inline char *toString(const Vec3b &v)
{
    return qstrdup(QByteArray("(" + QByteArray::number(v[0]) + "," + QByteArray::number(v[1]) + "," +
                              QByteArray::number(v[2]) + ")")
                       .constData());
}
inline char *toString(const Size &s)
{
    return qstrdup(QByteArray(QByteArray::number(s.width) + "x" + QByteArray::number(s.height)).constData());
}
} // namespace cv

using namespace fopro;
using namespace fopro::data;

Q_DECLARE_METATYPE(fopro::data::ResizePolicy)

namespace {

/// Writes an image exactly as given (OpenCV channel order: BGR/BGRA) to `path` through imencode.
bool writeRaw(const QString &path, const cv::Mat &mat)
{
    std::vector<uchar> buf;
    const std::string ext = (QLatin1Char('.') + QFileInfo(path).suffix()).toStdString();
    if (!cv::imencode(ext, mat, buf)) return false;
    return fopro::test::writeText(path, QByteArray(reinterpret_cast<const char *>(buf.data()), qsizetype(buf.size())));
}

double meanAbsDiff(const cv::Mat &a, const cv::Mat &b)
{
    cv::Mat d;
    cv::absdiff(a, b, d);
    const cv::Scalar m = cv::mean(d);
    return (m[0] + m[1] + m[2]) / 3.0;
}

bool isPipelineImage(const cv::Mat &m)
{
    return !m.empty() && m.type() == CV_8UC3 && m.isContinuous() && m.u != nullptr;
}

DatasetIndex indexAt(const QString &root)
{
    DatasetIndex i;
    i.root = root;
    return i;
}

Sample fileSample(const QString &path, int label = 0)
{
    Sample s;
    s.path = path;
    s.kind = SourceKind::File;
    s.label = label;
    return s;
}

} // namespace

class TestImagePipeline : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();

    // Decoding
    void pngRoundTripIsExactAndRgb();
    void loadImageResolvesRelativePaths();
    void greyPngGivesThreeEqualChannels();
    void sixteenBitPngScaledToEightBit();
    void rgbaPngDropsAlpha();
    void toRgb8HandlesForeignLayouts();
    void nonAsciiFileName();
    void missingFileIsNotFound();
    void garbageJpegIsMalformed_data();
    void garbageJpegIsMalformed();
    void decompressionBombRefused();
    void idxEntryThroughLoadImage();
    void dicomFrameThroughLoadImage();

    // Resizing
    void resizeGivesExactSize_data();
    void resizeGivesExactSize();
    void letterboxPadsWithBlack();
    void cropKeepsTheCentre();
    void interpolationByDirection();

    // Reduced JPEG decoding
    void jpegHeaderSize();
    void reductionFactor_data();
    void reductionFactor();
    void reducedJpegMatchesFullDecode_data();
    void reducedJpegMatchesFullDecode();

    // Cache
    void cacheRespectsByteCapLru();
    void cacheCountsHitsAndMisses();
    void cacheReturnsCopies();
    void diskCacheRoundTrip();
    void corruptedDiskEntryIgnoredAndDeleted_data();
    void corruptedDiskEntryIgnoredAndDeleted();
    void cachedLoadHitsAndSeesEditedFiles();
    void cacheIsThreadSafe();

    // Pool
    void decodeManyPreservesOrderAndReportsErrors();
    void decodeManyUsesCache();
    void decodeManyCancelStopsEarly();
    void requestDeliversAndCancelDropsStale();

private:
    QString path(const QString &name) const { return m_dir.filePath(name); }
    QTemporaryDir m_dir;
};

void TestImagePipeline::initTestCase()
{
    QVERIFY(m_dir.isValid());
}

// --- Decoding ------------------------------------------------------------------------------------

void TestImagePipeline::pngRoundTripIsExactAndRgb()
{
    cv::Mat rgb(3, 4, CV_8UC3);
    cv::randu(rgb, 0, 256);
    rgb.at<cv::Vec3b>(0, 0) = cv::Vec3b(255, 0, 0); // pure red, in RGB order
    rgb.at<cv::Vec3b>(0, 1) = cv::Vec3b(0, 255, 0);
    rgb.at<cv::Vec3b>(0, 2) = cv::Vec3b(0, 0, 255);
    rgb.at<cv::Vec3b>(2, 3) = cv::Vec3b(12, 34, 56);
    const QString file = path(QStringLiteral("known.png"));
    QVERIFY(test::writeImage(file, rgb)); // converts RGB -> BGR for imencode

    const auto r = loadImageFile(file);
    QVERIFY2(r.ok(), qPrintable(r.error().message()));
    QVERIFY(isPipelineImage(*r));
    QCOMPARE(r->cols, 4);
    QCOMPARE(r->rows, 3);
    QCOMPARE(r->at<cv::Vec3b>(0, 0), cv::Vec3b(255, 0, 0));
    QCOMPARE(r->at<cv::Vec3b>(0, 1), cv::Vec3b(0, 255, 0));
    QCOMPARE(r->at<cv::Vec3b>(0, 2), cv::Vec3b(0, 0, 255));
    QCOMPARE(r->at<cv::Vec3b>(2, 3), cv::Vec3b(12, 34, 56));
    QCOMPARE(cv::norm(*r, rgb, cv::NORM_INF), 0.0);
}

void TestImagePipeline::loadImageResolvesRelativePaths()
{
    cv::Mat rgb(5, 7, CV_8UC3, cv::Scalar(1, 2, 3));
    QVERIFY(test::writeImage(path(QStringLiteral("ds/cls/a.png")), rgb));
    const DatasetIndex index = indexAt(path(QStringLiteral("ds")));
    const auto r = loadImage(index, fileSample(QStringLiteral("cls/a.png")));
    QVERIFY2(r.ok(), qPrintable(r.error().message()));
    QCOMPARE(r->at<cv::Vec3b>(4, 6), cv::Vec3b(1, 2, 3));
}

void TestImagePipeline::greyPngGivesThreeEqualChannels()
{
    cv::Mat grey = (cv::Mat_<uchar>(2, 3) << 0, 1, 77, 128, 200, 255);
    const QString file = path(QStringLiteral("grey.png"));
    QVERIFY(writeRaw(file, grey));
    const auto r = loadImageFile(file);
    QVERIFY2(r.ok(), qPrintable(r.error().message()));
    QVERIFY(isPipelineImage(*r));
    for (int y = 0; y < 2; ++y)
        for (int x = 0; x < 3; ++x) {
            const uchar v = grey.at<uchar>(y, x);
            QCOMPARE(r->at<cv::Vec3b>(y, x), cv::Vec3b(v, v, v));
        }
}

void TestImagePipeline::sixteenBitPngScaledToEightBit()
{
    // Grey: v * 257 is the 16-bit spelling of the 8-bit value v.
    cv::Mat grey16 = (cv::Mat_<ushort>(1, 4) << 0, 100 * 257, 200 * 257, 65535);
    QVERIFY(writeRaw(path(QStringLiteral("grey16.png")), grey16));
    const auto g = loadImageFile(path(QStringLiteral("grey16.png")));
    QVERIFY2(g.ok(), qPrintable(g.error().message()));
    QVERIFY(isPipelineImage(*g));
    QCOMPARE(g->at<cv::Vec3b>(0, 0), cv::Vec3b(0, 0, 0));
    QCOMPARE(g->at<cv::Vec3b>(0, 1), cv::Vec3b(100, 100, 100));
    QCOMPARE(g->at<cv::Vec3b>(0, 2), cv::Vec3b(200, 200, 200));
    QCOMPARE(g->at<cv::Vec3b>(0, 3), cv::Vec3b(255, 255, 255));

    // Colour, written in BGR order: B=0, G=128*257, R=65535 -> RGB (255,128,0).
    cv::Mat bgr16(2, 2, CV_16UC3, cv::Scalar(0, 128 * 257, 65535));
    QVERIFY(writeRaw(path(QStringLiteral("rgb16.png")), bgr16));
    const auto c = loadImageFile(path(QStringLiteral("rgb16.png")));
    QVERIFY2(c.ok(), qPrintable(c.error().message()));
    QVERIFY(isPipelineImage(*c));
    QCOMPARE(c->at<cv::Vec3b>(1, 1), cv::Vec3b(255, 128, 0));
}

void TestImagePipeline::rgbaPngDropsAlpha()
{
    cv::Mat bgra(2, 2, CV_8UC4, cv::Scalar(30, 20, 10, 128)); // B G R A
    bgra.at<cv::Vec4b>(0, 0) = cv::Vec4b(0, 0, 255, 0);       // fully transparent red
    QVERIFY(writeRaw(path(QStringLiteral("rgba.png")), bgra));
    const auto r = loadImageFile(path(QStringLiteral("rgba.png")));
    QVERIFY2(r.ok(), qPrintable(r.error().message()));
    QVERIFY(isPipelineImage(*r));
    QCOMPARE(r->at<cv::Vec3b>(1, 1), cv::Vec3b(10, 20, 30));
    QCOMPARE(r->at<cv::Vec3b>(0, 0), cv::Vec3b(255, 0, 0));
}

void TestImagePipeline::toRgb8HandlesForeignLayouts()
{
    // A non-continuous ROI of an RGB image comes back as an owning continuous copy.
    cv::Mat big(10, 10, CV_8UC3, cv::Scalar(1, 2, 3));
    cv::Mat roi = big(cv::Rect(2, 2, 4, 3));
    cv::Mat out = toRgb8(roi, false);
    QVERIFY(isPipelineImage(out));
    QVERIFY(out.data != big.data);
    QCOMPARE(out.at<cv::Vec3b>(0, 0), cv::Vec3b(1, 2, 3));
    // Memory the Mat does not own is copied.
    uchar raw[3] = {7, 8, 9};
    out = toRgb8(cv::Mat(1, 1, CV_8UC3, raw), false);
    QVERIFY(isPipelineImage(out));
    QVERIFY(out.data != raw);
    // Float in [0,1] is scaled by 255; BGR order is swapped.
    cv::Mat f(1, 1, CV_32FC3, cv::Scalar(0.0, 0.5, 1.0));
    QCOMPARE(toRgb8(f, true).at<cv::Vec3b>(0, 0), cv::Vec3b(255, 128, 0));
}

void TestImagePipeline::nonAsciiFileName()
{
    const cv::Mat rgb = fopro::test::photoLikeImage(96, 64, 3, false);
    const QString file = path(QStringLiteral("Ördner_ü/Läsion_é.jpg"));
    QVERIFY(test::writeImage(file, rgb));
    QVERIFY(QFileInfo::exists(file));

    const auto r = loadImageFile(file);
    QVERIFY2(r.ok(), qPrintable(r.error().message()));
    QCOMPARE(r->size(), cv::Size(96, 64));
    QVERIFY(meanAbsDiff(*r, rgb) < 6.0); // JPEG of a textured image (quality 95), so nearly equal

    const DatasetIndex index = indexAt(path(QStringLiteral("Ördner_ü")));
    const auto s =
        loadResized(index, fileSample(QStringLiteral("Läsion_é.jpg")), ResizeSpec{32, ResizePolicy::ShorterSideCrop});
    QVERIFY2(s.ok(), qPrintable(s.error().message()));
    QCOMPARE(s->size(), cv::Size(32, 32));
}

void TestImagePipeline::missingFileIsNotFound()
{
    const QString file = path(QStringLiteral("nowhere/absent.jpg"));
    const auto r = loadImageFile(file);
    QVERIFY(!r.ok());
    QCOMPARE(r.error().code, ErrorCode::NotFound);
    QCOMPARE(r.error().file, file);
    QVERIFY(r.error().message().contains(QStringLiteral("absent.jpg")));

    const DatasetIndex index = indexAt(path(QStringLiteral("nowhere")));
    const auto s = loadResized(index, fileSample(QStringLiteral("absent.jpg")), ResizeSpec{});
    QVERIFY(!s.ok());
    QCOMPARE(s.error().code, ErrorCode::NotFound);
    QCOMPARE(s.error().file, file);
}

void TestImagePipeline::garbageJpegIsMalformed_data()
{
    QTest::addColumn<QByteArray>("content");
    QTest::addColumn<int>("code");
    QTest::addColumn<QString>("reason");
    QTest::newRow("text") << QByteArray("this is not an image at all, just some text\n") << int(ErrorCode::Malformed)
                          << QStringLiteral("not a decodable image");
    QTest::newRow("empty") << QByteArray() << int(ErrorCode::Malformed) << QStringLiteral("empty");
    QTest::newRow("jpeg-header-only") << QByteArray(
                                             "\xFF\xD8\xFF\xE0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00", 20)
                                      << int(ErrorCode::Malformed) << QStringLiteral("corrupt or truncated JPEG");
    QTest::newRow("gif") << QByteArray("GIF89a\x01\x00\x01\x00\x00\x00\x00;", 14) << int(ErrorCode::Unsupported)
                         << QStringLiteral("GIF");
}

void TestImagePipeline::garbageJpegIsMalformed()
{
    QFETCH(QByteArray, content);
    QFETCH(int, code);
    QFETCH(QString, reason);
    const QString file = path(QStringLiteral("bad_%1.jpg").arg(QString::fromLatin1(QTest::currentDataTag())));
    QVERIFY(test::writeText(file, content));
    const auto r = loadImageFile(file);
    QVERIFY(!r.ok());
    QCOMPARE(int(r.error().code), code);
    QCOMPARE(r.error().file, file);
    QVERIFY2(r.error().detail.contains(reason), qPrintable(r.error().detail));
    QVERIFY(r.error().message().startsWith(file));
    // The resized path reports the same.
    const auto s = loadResized(indexAt(m_dir.path()), fileSample(QFileInfo(file).fileName()), ResizeSpec{});
    QVERIFY(!s.ok());
    QCOMPARE(int(s.error().code), code);
    QCOMPARE(s.error().file, file);
}

namespace {
quint32 crc32Of(const QByteArray &data)
{
    // The PNG chunk CRC (ISO 3309, reflected polynomial 0xEDB88320), bit by bit.
    quint32 c = 0xFFFFFFFFu;
    for (char ch : data) {
        c ^= quint8(ch);
        for (int k = 0; k < 8; ++k)
            c = (c & 1u) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    }
    return c ^ 0xFFFFFFFFu;
}

QByteArray be32(quint32 v)
{
    QByteArray b(4, '\0');
    for (int i = 0; i < 4; ++i)
        b[i] = char((v >> (24 - 8 * i)) & 0xFF);
    return b;
}

/// A real 1×1 PNG from OpenCV whose IHDR is rewritten to declare `w`×`h` (CRC fixed).
QByteArray pngDeclaring(quint32 w, quint32 h)
{
    std::vector<uchar> buf;
    cv::imencode(".png", cv::Mat(1, 1, CV_8UC3, cv::Scalar(10, 20, 30)), buf);
    QByteArray png(reinterpret_cast<const char *>(buf.data()), qsizetype(buf.size()));
    png.replace(16, 4, be32(w));
    png.replace(20, 4, be32(h));
    png.replace(29, 4, be32(crc32Of(png.mid(12, 17)))); // over "IHDR" and its 13 data bytes
    return png;
}
} // namespace

void TestImagePipeline::decompressionBombRefused()
{
    // A PNG of a few dozen bytes declaring 40,000 × 40,000 pixels (4.8 GB decoded) is refused from
    // its header, before any memory is spent, with an error that says how to raise the limit.
    const QByteArray bomb = pngDeclaring(40000, 40000);
    QVERIFY(bomb.size() < 100);
    QVERIFY(declaredImageSize(bomb) == std::optional<cv::Size>(cv::Size(40000, 40000)));
    QCOMPARE(maxImagePixels(), qint64(1) << 28);
    const QString file = path(QStringLiteral("bomb.png"));
    QVERIFY(test::writeText(file, bomb));
    const auto r = loadImageFile(file);
    QVERIFY(!r);
    QCOMPARE(r.error().code, ErrorCode::Unsupported);
    QCOMPARE(r.error().file, file);
    QVERIFY2(r.error().detail.contains(QStringLiteral("40000 × 40000")) &&
                 r.error().detail.contains(QLatin1String("FOPRO_MAX_IMAGE_PIXELS")),
             qPrintable(r.error().detail));
    const auto s = loadResized(indexAt(m_dir.path()), fileSample(QStringLiteral("bomb.png")), ResizeSpec{});
    QVERIFY(!s);
    QCOMPARE(s.error().code, ErrorCode::Unsupported);

    // Below the limit the header check lets the decoder have it (which then finds the pixel data
    // missing); the limit follows the environment.
    const QString small = path(QStringLiteral("declares_64.png"));
    QVERIFY(test::writeText(small, pngDeclaring(64, 64)));
    const auto d = loadImageFile(small);
    QVERIFY(!d);
    QCOMPARE(d.error().code, ErrorCode::Malformed);
    qputenv("FOPRO_MAX_IMAGE_PIXELS", "1000");
    QCOMPARE(maxImagePixels(), qint64(1000));
    const auto limited = loadImageFile(small);
    QVERIFY(!limited);
    QCOMPARE(limited.error().code, ErrorCode::Unsupported);
    QVERIFY(limited.error().detail.contains(QLatin1String("limit of 1000")));
    qunsetenv("FOPRO_MAX_IMAGE_PIXELS");
    QCOMPARE(maxImagePixels(), qint64(1) << 28);

    // JPEG and BMP headers are read too.
    std::vector<uchar> jpg;
    cv::imencode(".jpg", cv::Mat(24, 40, CV_8UC3, cv::Scalar::all(90)), jpg);
    QVERIFY(declaredImageSize(QByteArray(reinterpret_cast<const char *>(jpg.data()), qsizetype(jpg.size()))) ==
            std::optional<cv::Size>(cv::Size(40, 24)));
    std::vector<uchar> bmp;
    cv::imencode(".bmp", cv::Mat(24, 40, CV_8UC3, cv::Scalar::all(90)), bmp);
    QVERIFY(declaredImageSize(QByteArray(reinterpret_cast<const char *>(bmp.data()), qsizetype(bmp.size()))) ==
            std::optional<cv::Size>(cv::Size(40, 24)));
}

void TestImagePipeline::idxEntryThroughLoadImage()
{
    // A raw IDX image file: magic 0x00000803, 2 images of 2×3.
    QByteArray idx("\x00\x00\x08\x03\x00\x00\x00\x02\x00\x00\x00\x02\x00\x00\x00\x03", 16);
    for (int i = 0; i < 12; ++i)
        idx.append(char(i * 20));
    const QString file = path(QStringLiteral("images-idx3-ubyte"));
    QVERIFY(test::writeText(file, idx));
    Sample s;
    s.path = QStringLiteral("images-idx3-ubyte");
    s.kind = SourceKind::IdxEntry;
    s.entry = 1;
    const auto r = loadImage(indexAt(m_dir.path()), s);
    QVERIFY2(r.ok(), qPrintable(r.error().message()));
    QVERIFY(isPipelineImage(*r));
    QCOMPARE(r->size(), cv::Size(3, 2));
    QCOMPARE(r->at<cv::Vec3b>(0, 0), cv::Vec3b(120, 120, 120)); // byte 6 of the data
    QCOMPARE(r->at<cv::Vec3b>(1, 2), cv::Vec3b(220, 220, 220)); // byte 11

    s.entry = 5;
    const auto bad = loadImage(indexAt(m_dir.path()), s);
    QVERIFY(!bad.ok());
    QCOMPARE(bad.error().file, file);
}

void TestImagePipeline::dicomFrameThroughLoadImage()
{
    const QString dir = test::pydicomTestFiles();
    if (dir.isEmpty()) QSKIP("pydicom test files not installed");
    Sample s;
    s.path = QStringLiteral("MR_small.dcm");
    s.kind = SourceKind::DicomFrame;
    const auto r = loadResized(indexAt(dir), s, ResizeSpec{32, ResizePolicy::Stretch});
    QVERIFY2(r.ok(), qPrintable(r.error().message()));
    QVERIFY(isPipelineImage(*r));
    QCOMPARE(r->size(), cv::Size(32, 32));

    s.path = QStringLiteral("no_such_file.dcm");
    const auto missing = loadImage(indexAt(dir), s);
    QVERIFY(!missing.ok());
    QVERIFY(missing.error().message().contains(QStringLiteral("no_such_file.dcm")));
}

// --- Resizing ------------------------------------------------------------------------------------

void TestImagePipeline::resizeGivesExactSize_data()
{
    QTest::addColumn<int>("width");
    QTest::addColumn<int>("height");
    QTest::addColumn<ResizePolicy>("policy");
    QTest::addColumn<int>("size");
    const std::pair<int, int> shapes[] = {{200, 100}, {100, 200}, {50, 30}, {300, 300}, {1, 999}, {641, 479}};
    const std::pair<ResizePolicy, const char *> policies[] = {{ResizePolicy::Stretch, "stretch"},
                                                              {ResizePolicy::ShorterSideCrop, "crop"},
                                                              {ResizePolicy::Letterbox, "letterbox"}};
    for (const auto &[w, h] : shapes)
        for (const auto &[p, name] : policies)
            for (int size : {64, 224})
                QTest::addRow("%dx%d-%s-%d", w, h, name, size) << w << h << p << size;
}

void TestImagePipeline::resizeGivesExactSize()
{
    QFETCH(int, width);
    QFETCH(int, height);
    QFETCH(ResizePolicy, policy);
    QFETCH(int, size);
    const cv::Mat src = test::patternImage(width, height, 1);
    const cv::Mat out = resizeImage(src, ResizeSpec{size, policy});
    QVERIFY(isPipelineImage(out));
    QCOMPARE(out.size(), cv::Size(size, size));
}

void TestImagePipeline::letterboxPadsWithBlack()
{
    // 200×100 white -> 100×100: the image is scaled to 100×50 and centred, rows 0..24 and 75..99 black.
    const cv::Mat wide(100, 200, CV_8UC3, cv::Scalar::all(255));
    const cv::Mat out = resizeImage(wide, ResizeSpec{100, ResizePolicy::Letterbox});
    QCOMPARE(out.size(), cv::Size(100, 100));
    QCOMPARE(cv::countNonZero(out.rowRange(0, 25).reshape(1)), 0);
    QCOMPARE(cv::countNonZero(out.rowRange(75, 100).reshape(1)), 0);
    QCOMPARE(cv::norm(out.rowRange(25, 75), cv::Mat(50, 100, CV_8UC3, cv::Scalar::all(255)), cv::NORM_INF), 0.0);

    // 100×200 (tall) pads left and right instead.
    const cv::Mat tall(200, 100, CV_8UC3, cv::Scalar(10, 200, 30));
    const cv::Mat t = resizeImage(tall, ResizeSpec{100, ResizePolicy::Letterbox});
    QCOMPARE(cv::countNonZero(t.colRange(0, 25).clone().reshape(1)), 0);
    QCOMPARE(cv::countNonZero(t.colRange(75, 100).clone().reshape(1)), 0);
    QCOMPARE(t.at<cv::Vec3b>(50, 25), cv::Vec3b(10, 200, 30));
    QCOMPARE(t.at<cv::Vec3b>(50, 74), cv::Vec3b(10, 200, 30));

    // A square image has no padding at all.
    const cv::Mat sq(60, 60, CV_8UC3, cv::Scalar::all(9));
    QCOMPARE(cv::countNonZero(resizeImage(sq, ResizeSpec{30, ResizePolicy::Letterbox}).reshape(1)), 30 * 30 * 3);
}

void TestImagePipeline::cropKeepsTheCentre()
{
    // 200×100: red quarter | green half | blue quarter. The centred square is exactly the green half.
    cv::Mat img(100, 200, CV_8UC3, cv::Scalar(0, 255, 0));
    img.colRange(0, 50).setTo(cv::Scalar(255, 0, 0));
    img.colRange(150, 200).setTo(cv::Scalar(0, 0, 255));
    const cv::Mat crop = resizeImage(img, ResizeSpec{50, ResizePolicy::ShorterSideCrop});
    QCOMPARE(crop.size(), cv::Size(50, 50));
    QCOMPARE(cv::norm(crop, cv::Mat(50, 50, CV_8UC3, cv::Scalar(0, 255, 0)), cv::NORM_INF), 0.0);

    // Stretch keeps everything: red on the left, blue on the right.
    const cv::Mat stretched = resizeImage(img, ResizeSpec{50, ResizePolicy::Stretch});
    QCOMPARE(stretched.at<cv::Vec3b>(25, 0), cv::Vec3b(255, 0, 0));
    QCOMPARE(stretched.at<cv::Vec3b>(25, 49), cv::Vec3b(0, 0, 255));
    QCOMPARE(stretched.at<cv::Vec3b>(25, 25), cv::Vec3b(0, 255, 0));

    // Enlarging a tall image crops the vertical centre.
    cv::Mat tall(40, 20, CV_8UC3, cv::Scalar(0, 0, 0));
    tall.rowRange(10, 30).setTo(cv::Scalar(7, 7, 7));
    const cv::Mat up = resizeImage(tall, ResizeSpec{60, ResizePolicy::ShorterSideCrop});
    QCOMPARE(cv::norm(up, cv::Mat(60, 60, CV_8UC3, cv::Scalar::all(7)), cv::NORM_INF), 0.0);
}

void TestImagePipeline::interpolationByDirection()
{
    // Shrinking by 2 uses INTER_AREA: each output pixel is the exact mean of a 2×2 block.
    cv::Mat src = (cv::Mat_<cv::Vec3b>(2, 2) << cv::Vec3b(0, 0, 0), cv::Vec3b(100, 100, 100), cv::Vec3b(200, 200, 200),
                   cv::Vec3b(100, 100, 100));
    const cv::Mat down = resizeImage(src, ResizeSpec{1, ResizePolicy::Stretch});
    QCOMPARE(down.at<cv::Vec3b>(0, 0), cv::Vec3b(100, 100, 100));
    // Enlarging uses INTER_LINEAR: same result as cv::resize with it.
    const cv::Mat pattern = test::patternImage(16, 16, 4);
    cv::Mat expected;
    cv::resize(pattern, expected, cv::Size(40, 40), 0, 0, cv::INTER_LINEAR);
    QCOMPARE(cv::norm(resizeImage(pattern, ResizeSpec{40, ResizePolicy::Stretch}), expected, cv::NORM_INF), 0.0);
}

// --- Reduced JPEG decoding -------------------------------------------------------------------------

void TestImagePipeline::jpegHeaderSize()
{
    std::vector<uchar> buf;
    QVERIFY(cv::imencode(".jpg", test::patternImage(777, 501, 2), buf));
    const QByteArray jpeg(reinterpret_cast<const char *>(buf.data()), qsizetype(buf.size()));
    QCOMPARE(jpegImageSize(jpeg), std::optional<cv::Size>(cv::Size(777, 501)));
    // Progressive JPEG: SOF2.
    QVERIFY(cv::imencode(".jpg", test::patternImage(300, 200, 2), buf, {cv::IMWRITE_JPEG_PROGRESSIVE, 1}));
    QCOMPARE(jpegImageSize(QByteArray(reinterpret_cast<const char *>(buf.data()), qsizetype(buf.size()))),
             std::optional<cv::Size>(cv::Size(300, 200)));
    // Not a JPEG, or cut before the frame header.
    QVERIFY(cv::imencode(".png", test::patternImage(10, 10, 2), buf));
    QVERIFY(!jpegImageSize(QByteArray(reinterpret_cast<const char *>(buf.data()), qsizetype(buf.size()))));
    QVERIFY(!jpegImageSize(jpeg.left(20)));
    QVERIFY(!jpegImageSize(QByteArray()));
}

void TestImagePipeline::reductionFactor_data()
{
    QTest::addColumn<int>("width");
    QTest::addColumn<int>("height");
    QTest::addColumn<ResizePolicy>("policy");
    QTest::addColumn<int>("size");
    QTest::addColumn<int>("factor");
    QTest::newRow("512 crop 224") << 512 << 512 << ResizePolicy::ShorterSideCrop << 224 << 2;
    QTest::newRow("447 crop 224") << 447 << 447 << ResizePolicy::ShorterSideCrop << 224 << 1;
    QTest::newRow("448 crop 224") << 448 << 448 << ResizePolicy::ShorterSideCrop << 224 << 2;
    QTest::newRow("224 crop 224") << 224 << 224 << ResizePolicy::ShorterSideCrop << 224 << 1;
    QTest::newRow("100 crop 224") << 100 << 100 << ResizePolicy::ShorterSideCrop << 224 << 1;
    QTest::newRow("2000x1000 crop") << 2000 << 1000 << ResizePolicy::ShorterSideCrop << 224 << 4;
    QTest::newRow("1000x2000 crop") << 1000 << 2000 << ResizePolicy::ShorterSideCrop << 224 << 4;
    QTest::newRow("2000x1000 stretch") << 2000 << 1000 << ResizePolicy::Stretch << 224 << 4;
    QTest::newRow("2000x1000 letterbox") << 2000 << 1000 << ResizePolicy::Letterbox << 224 << 8;
    QTest::newRow("1024x768 letterbox") << 1024 << 768 << ResizePolicy::Letterbox << 224 << 4;
    QTest::newRow("6000x4000 crop") << 6000 << 4000 << ResizePolicy::ShorterSideCrop << 224 << 8;
    QTest::newRow("1792 crop") << 1792 << 1792 << ResizePolicy::ShorterSideCrop << 224 << 8;
    QTest::newRow("1791 crop") << 1791 << 1791 << ResizePolicy::ShorterSideCrop << 224 << 4;
}

void TestImagePipeline::reductionFactor()
{
    QFETCH(int, width);
    QFETCH(int, height);
    QFETCH(ResizePolicy, policy);
    QFETCH(int, size);
    QFETCH(int, factor);
    QCOMPARE(jpegReductionFactor(cv::Size(width, height), ResizeSpec{size, policy}), factor);
}

void TestImagePipeline::reducedJpegMatchesFullDecode_data()
{
    QTest::addColumn<int>("width");
    QTest::addColumn<int>("height");
    QTest::addColumn<ResizePolicy>("policy");
    QTest::newRow("512 crop (x2)") << 512 << 512 << ResizePolicy::ShorterSideCrop;
    QTest::newRow("1024x768 crop (x2)") << 1024 << 768 << ResizePolicy::ShorterSideCrop;
    QTest::newRow("1024x768 letterbox (x4)") << 1024 << 768 << ResizePolicy::Letterbox;
    QTest::newRow("1900x950 stretch (x4)") << 1900 << 950 << ResizePolicy::Stretch;
    QTest::newRow("2000x1000 letterbox (x8)") << 2000 << 1000 << ResizePolicy::Letterbox;
    QTest::newRow("300 crop (none)") << 300 << 300 << ResizePolicy::ShorterSideCrop;
}

void TestImagePipeline::reducedJpegMatchesFullDecode()
{
    QFETCH(int, width);
    QFETCH(int, height);
    QFETCH(ResizePolicy, policy);
    const QString name = QStringLiteral("photo_%1x%2.jpg").arg(width).arg(height);
    if (!QFileInfo::exists(path(name)))
        QVERIFY(test::writeImage(path(name), fopro::test::photoLikeImage(width, height, width + height, false)));
    const DatasetIndex index = indexAt(m_dir.path());
    const ResizeSpec spec{224, policy};
    const auto reduced = loadResized(index, fileSample(name), spec, LoadOptions{true});
    const auto full = loadResized(index, fileSample(name), spec, LoadOptions{false});
    QVERIFY2(reduced.ok(), qPrintable(reduced.error().message()));
    QVERIFY2(full.ok(), qPrintable(full.error().message()));
    QVERIFY(isPipelineImage(*reduced));
    QCOMPARE(reduced->size(), cv::Size(224, 224));
    QCOMPARE(full->size(), cv::Size(224, 224));
    const double diff = meanAbsDiff(*reduced, *full);
    qInfo("mean |reduced - full| = %.3f (factor %d)", diff, jpegReductionFactor(cv::Size(width, height), spec));
    QVERIFY2(diff < 3.0, qPrintable(QString::number(diff)));
    // And the plain three-argument overload takes the reduced path.
    QCOMPARE(cv::norm(*loadResized(index, fileSample(name), spec), *reduced, cv::NORM_INF), 0.0);
}

// --- Cache ---------------------------------------------------------------------------------------

namespace {
ImageCache::Key key(const char *id, int size = 10)
{
    return ImageCache::Key{QString::fromLatin1(id), ResizeSpec{size, ResizePolicy::ShorterSideCrop}};
}
cv::Mat tile(int v)
{
    return cv::Mat(10, 10, CV_8UC3, cv::Scalar::all(v));
} // 300 bytes
} // namespace

void TestImagePipeline::cacheRespectsByteCapLru()
{
    ImageCache cache(900); // room for three 10×10 RGB tiles
    cache.put(key("a"), tile(1));
    cache.put(key("b"), tile(2));
    cache.put(key("c"), tile(3));
    QCOMPARE(cache.bytesUsed(), qint64(900));
    QCOMPARE(cache.count(), 3);
    QVERIFY(cache.get(key("a"))); // a becomes the most recently used; b is now the oldest
    cache.put(key("d"), tile(4));
    QCOMPARE(cache.bytesUsed(), qint64(900));
    QVERIFY(!cache.contains(key("b")));
    QVERIFY(cache.contains(key("a")));
    QVERIFY(cache.contains(key("c")));
    QVERIFY(cache.contains(key("d")));

    // Replacing an entry does not count it twice.
    cache.put(key("d"), tile(5));
    QCOMPARE(cache.bytesUsed(), qint64(900));
    QCOMPARE(cache.get(key("d"))->at<cv::Vec3b>(0, 0), cv::Vec3b(5, 5, 5));

    // An image larger than the whole cap is not kept (and evicts nothing).
    cache.put(key("huge"), cv::Mat(20, 20, CV_8UC3, cv::Scalar::all(1)));
    QVERIFY(!cache.contains(key("huge")));
    QCOMPARE(cache.count(), 3);

    // Same id, other spec: another entry.
    QVERIFY(!cache.contains(key("a", 11)));

    // Shrinking the cap evicts at once, oldest first (c is older than a and d).
    cache.setCapacity(600);
    QCOMPARE(cache.bytesUsed(), qint64(600));
    QVERIFY(!cache.contains(key("c")));
    cache.clear();
    QCOMPARE(cache.bytesUsed(), qint64(0));
    QCOMPARE(cache.count(), 0);
}

void TestImagePipeline::cacheCountsHitsAndMisses()
{
    ImageCache cache(10000);
    QVERIFY(!cache.get(key("x")));
    cache.put(key("x"), tile(9));
    QVERIFY(cache.get(key("x")));
    QVERIFY(cache.get(key("x")));
    QVERIFY(!cache.get(key("y")));
    QVERIFY(cache.contains(key("x"))); // contains() counts nothing
    QCOMPARE(cache.hits(), qint64(2));
    QCOMPARE(cache.misses(), qint64(2));
    QCOMPARE(cache.diskHits(), qint64(0));
    cache.resetCounters();
    QCOMPARE(cache.hits(), qint64(0));
}

void TestImagePipeline::cacheReturnsCopies()
{
    ImageCache cache(10000);
    cv::Mat original = tile(7);
    cache.put(key("k"), original);
    original.setTo(cv::Scalar::all(0)); // the caller's later edits do not reach the cache
    cv::Mat got = *cache.get(key("k"));
    QCOMPARE(got.at<cv::Vec3b>(0, 0), cv::Vec3b(7, 7, 7));
    got.setTo(cv::Scalar::all(1)); // nor do edits of what it returned
    QCOMPARE(cache.get(key("k"))->at<cv::Vec3b>(0, 0), cv::Vec3b(7, 7, 7));
}

void TestImagePipeline::diskCacheRoundTrip()
{
    const QString folder = path(QStringLiteral("diskcache-roundtrip"));
    const cv::Mat image = test::patternImage(24, 16, 5);
    const ImageCache::Key k{QStringLiteral("/data/Läsion_é.jpg|123|456"), ResizeSpec{24, ResizePolicy::Letterbox}};
    {
        ImageCache first(1 << 20, folder);
        first.put(k, image);
        QVERIFY(QFileInfo::exists(first.diskFileFor(k)));
    }
    ImageCache second(1 << 20, folder);
    QVERIFY(second.contains(k));
    const auto got = second.get(k);
    QVERIFY(got);
    QVERIFY(isPipelineImage(*got));
    QCOMPARE(cv::norm(*got, image, cv::NORM_INF), 0.0);
    QCOMPARE(second.hits(), qint64(1));
    QCOMPARE(second.diskHits(), qint64(1));
    // Now in memory too: the next hit does not touch the disk.
    QVERIFY(second.get(k));
    QCOMPARE(second.diskHits(), qint64(1));
    QCOMPARE(second.count(), 1);
    // A different spec of the same id is a different file.
    QVERIFY(!second.get(ImageCache::Key{k.id, ResizeSpec{24, ResizePolicy::Stretch}}));
    // No temporary files are left behind.
    QCOMPARE(QDir(folder).entryList(QDir::Files).size(), 1);
    second.clearDisk();
    QCOMPARE(QDir(folder).entryList(QDir::Files).size(), 0);
}

void TestImagePipeline::corruptedDiskEntryIgnoredAndDeleted_data()
{
    QTest::addColumn<QString>("damage");
    QTest::newRow("flipped pixel") << QStringLiteral("flip");
    QTest::newRow("truncated") << QStringLiteral("truncate");
    QTest::newRow("garbage") << QStringLiteral("garbage");
    QTest::newRow("empty") << QStringLiteral("empty");
}

void TestImagePipeline::corruptedDiskEntryIgnoredAndDeleted()
{
    QFETCH(QString, damage);
    const QString folder = path(QStringLiteral("diskcache-") + damage);
    const ImageCache::Key k{QStringLiteral("sample-") + damage, ResizeSpec{16, ResizePolicy::Stretch}};
    QString file;
    {
        ImageCache writer(1 << 20, folder);
        writer.put(k, test::patternImage(16, 16, 6));
        file = writer.diskFileFor(k);
    }
    QFile f(file);
    QVERIFY(f.open(QIODevice::ReadWrite));
    QByteArray bytes = f.readAll();
    if (damage == QLatin1String("flip"))
        bytes[bytes.size() - 10] = char(bytes[bytes.size() - 10] ^ 0x40);
    else if (damage == QLatin1String("truncate"))
        bytes.chop(100);
    else if (damage == QLatin1String("garbage"))
        bytes = QByteArray(bytes.size(), 'x');
    else
        bytes.clear();
    f.resize(0);
    f.seek(0);
    f.write(bytes);
    f.close();

    ImageCache reader(1 << 20, folder);
    QVERIFY(!reader.get(k));
    QCOMPARE(reader.misses(), qint64(1));
    QCOMPARE(reader.hits(), qint64(0));
    QVERIFY(!QFileInfo::exists(file)); // deleted, so the next put writes a good one
    reader.put(k, test::patternImage(16, 16, 6));
    QVERIFY(QFileInfo::exists(file));
}

void TestImagePipeline::cachedLoadHitsAndSeesEditedFiles()
{
    const QString file = path(QStringLiteral("cached/edit.png"));
    QVERIFY(test::writeImage(file, cv::Mat(8, 8, CV_8UC3, cv::Scalar(10, 20, 30))));
    const DatasetIndex index = indexAt(path(QStringLiteral("cached")));
    const Sample s = fileSample(QStringLiteral("edit.png"));
    const ResizeSpec spec{4, ResizePolicy::Stretch};
    ImageCache cache(1 << 20);

    const auto first = cachedLoad(cache, index, s, spec);
    QVERIFY2(first.ok(), qPrintable(first.error().message()));
    QCOMPARE(cache.misses(), qint64(1));
    const auto second = cachedLoad(cache, index, s, spec);
    QVERIFY(second.ok());
    QCOMPARE(cache.hits(), qint64(1));
    QCOMPARE(cv::norm(*first, *second, cv::NORM_INF), 0.0);
    QCOMPARE(second->at<cv::Vec3b>(0, 0), cv::Vec3b(10, 20, 30));

    // The file changes (other size on disk): the old entry is not served.
    QVERIFY(test::writeImage(file, test::patternImage(64, 64, 8)));
    const auto third = cachedLoad(cache, index, s, spec);
    QVERIFY(third.ok());
    QCOMPARE(cache.misses(), qint64(2));
    QVERIFY(cv::norm(*third, *first, cv::NORM_INF) > 0.0);

    // Errors are returned, not cached.
    const auto missing = cachedLoad(cache, index, fileSample(QStringLiteral("gone.png")), spec);
    QVERIFY(!missing.ok());
    QCOMPARE(missing.error().code, ErrorCode::NotFound);
    QCOMPARE(cache.count(), 2);
}

void TestImagePipeline::cacheIsThreadSafe()
{
    // Four threads hammer a cache that holds ten tiles; afterwards the books must balance.
    ImageCache cache(3000, path(QStringLiteral("diskcache-threads")));
    std::vector<std::thread> threads;
    std::atomic<int> wrongPixels{0};
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&, t] {
            cv::RNG rng(std::uint64_t(t) + 1);
            for (int i = 0; i < 400; ++i) {
                const int k = rng.uniform(0, 30);
                const ImageCache::Key key{QStringLiteral("k%1").arg(k), ResizeSpec{10, ResizePolicy::Stretch}};
                if (auto got = cache.get(key)) {
                    if (got->at<cv::Vec3b>(9, 9) != cv::Vec3b(uchar(k), uchar(k), uchar(k))) ++wrongPixels;
                } else {
                    cache.put(key, tile(k));
                }
            }
        });
    for (auto &th : threads)
        th.join();
    QCOMPARE(wrongPixels.load(), 0);
    QVERIFY(cache.bytesUsed() <= 3000);
    QCOMPARE(cache.bytesUsed(), qint64(cache.count()) * 300);
    QCOMPARE(cache.hits() + cache.misses(), qint64(4 * 400));
}

// --- Pool ----------------------------------------------------------------------------------------

namespace {

/// A dataset of `n` uniform PNGs whose colour encodes their position, with sample `missingAt`
/// pointing to no file and `garbageAt` to a file that is not an image.
DatasetIndex colourDataset(const QString &root, int n, int missingAt, int garbageAt)
{
    DatasetIndex index = indexAt(root);
    for (int i = 0; i < n; ++i) {
        const QString name = QStringLiteral("img_%1.png").arg(i, 3, 10, QLatin1Char('0'));
        if (i == garbageAt)
            fopro::test::writeText(root + QLatin1Char('/') + name, "garbage");
        else if (i != missingAt)
            fopro::test::writeImage(root + QLatin1Char('/') + name,
                                    cv::Mat(12, 20, CV_8UC3, cv::Scalar(i, 255 - i, 7)));
        index.samples.push_back(fileSample(name, i % 3));
    }
    return index;
}

} // namespace

void TestImagePipeline::decodeManyPreservesOrderAndReportsErrors()
{
    const DatasetIndex index = colourDataset(path(QStringLiteral("pool-order")), 40, 3, 7);
    std::vector<int> order;
    for (int i = 39; i >= 0; --i)
        order.push_back(i); // reversed, to see that results follow it
    order.push_back(1000);  // out of range
    order.push_back(5);     // duplicates are fine

    DecodePool pool(2);
    QCOMPARE(pool.threadCount(), 2);
    const auto results = pool.decodeMany(index, order, ResizeSpec{6, ResizePolicy::Stretch});
    QCOMPARE(results.size(), order.size());
    for (std::size_t k = 0; k < order.size(); ++k) {
        const int i = order[k];
        const auto &r = results[k];
        if (i == 3) {
            QVERIFY(!r.ok());
            QCOMPARE(r.error().code, ErrorCode::NotFound);
            QVERIFY(r.error().file.endsWith(QStringLiteral("img_003.png")));
        } else if (i == 7) {
            QVERIFY(!r.ok());
            QCOMPARE(r.error().code, ErrorCode::Malformed);
            QVERIFY(r.error().file.endsWith(QStringLiteral("img_007.png")));
        } else if (i == 1000) {
            QVERIFY(!r.ok());
            QCOMPARE(r.error().code, ErrorCode::InvalidArgument);
        } else {
            QVERIFY2(r.ok(), qPrintable(r.error().message()));
            QVERIFY(isPipelineImage(*r));
            QCOMPARE(r->size(), cv::Size(6, 6));
            QCOMPARE(r->at<cv::Vec3b>(2, 2), cv::Vec3b(uchar(i), uchar(255 - i), 7));
        }
    }
    QVERIFY(pool.decodeMany(index, {}, ResizeSpec{}).empty());
}

void TestImagePipeline::decodeManyUsesCache()
{
    const DatasetIndex index = colourDataset(path(QStringLiteral("pool-cache")), 10, -1, -1);
    std::vector<int> all(10);
    std::iota(all.begin(), all.end(), 0);
    ImageCache cache(1 << 20);
    DecodePool pool(2);
    const ResizeSpec spec{5, ResizePolicy::ShorterSideCrop};
    const auto first = pool.decodeMany(index, all, spec, &cache);
    QCOMPARE(cache.misses(), qint64(10));
    QCOMPARE(cache.count(), 10);
    const auto second = pool.decodeMany(index, all, spec, &cache);
    QCOMPARE(cache.hits(), qint64(10));
    for (int i = 0; i < 10; ++i)
        QCOMPARE(cv::norm(*first[std::size_t(i)], *second[std::size_t(i)], cv::NORM_INF), 0.0);
}

void TestImagePipeline::decodeManyCancelStopsEarly()
{
    const DatasetIndex index = colourDataset(path(QStringLiteral("pool-cancel")), 40, -1, -1);
    std::vector<int> all(40);
    std::iota(all.begin(), all.end(), 0);
    const ResizeSpec spec{4, ResizePolicy::Stretch};

    for (int threads : {1, 2}) {
        DecodePool pool(threads);
        JobControl token;
        std::atomic<int> seen{0};
        const auto results = pool.decodeMany(index, all, spec, nullptr, &token, [&](int, const Result<cv::Mat> &) {
            if (++seen == 5) token.cancel();
        });
        int decoded = 0, cancelled = 0;
        for (const auto &r : results) {
            if (r.ok())
                ++decoded;
            else if (r.error().code == ErrorCode::Cancelled) {
                ++cancelled;
                QVERIFY(r.error().file.contains(QStringLiteral("img_"))); // names the file not decoded
            }
        }
        // One thread stops right after the 5th item; with two, the other may finish the one it holds.
        QVERIFY2(decoded >= 5 && decoded <= 5 + (threads - 1), qPrintable(QString::number(decoded)));
        QCOMPARE(decoded + cancelled, 40);
        // The finished ones are the first positions: items start in order.
        for (int k = 0; k < 5; ++k)
            QVERIFY(results[std::size_t(k)].ok());
    }

    // Cancelled before the start: nothing is decoded.
    DecodePool pool(2);
    JobControl token;
    token.cancel();
    ImageCache cache(1 << 20);
    const auto none = pool.decodeMany(index, all, spec, &cache, &token);
    QCOMPARE(none.size(), std::size_t(40));
    for (const auto &r : none)
        QCOMPARE(r.error().code, ErrorCode::Cancelled);
    QCOMPARE(cache.misses() + cache.hits(), qint64(0));
}

void TestImagePipeline::requestDeliversAndCancelDropsStale()
{
    const DatasetIndex index = colourDataset(path(QStringLiteral("pool-async")), 12, -1, 11);
    const ResizeSpec spec{4, ResizePolicy::Letterbox};

    // Every request delivers once, with its own index and pixels (or its error).
    {
        DecodePool pool(2);
        std::mutex mutex;
        std::map<int, Result<cv::Mat>> got;
        for (int i = 0; i < 12; ++i)
            pool.request(&index, i, spec, [&](int sampleIndex, Result<cv::Mat> r) {
                std::lock_guard<std::mutex> lock(mutex);
                got.emplace(sampleIndex, std::move(r));
            });
        pool.waitForDone();
        QCOMPARE(pool.pendingCount(), 0);
        QCOMPARE(int(got.size()), 12);
        for (int i = 0; i < 11; ++i) {
            QVERIFY(got.at(i).ok());
            QCOMPARE(got.at(i)->at<cv::Vec3b>(2, 2), cv::Vec3b(uchar(i), uchar(255 - i), 7));
        }
        QCOMPARE(got.at(11).error().code, ErrorCode::Malformed);
    }

    // One thread, blocked inside the first callback; two more requests queue behind it, then
    // cancelPending() makes them stale: they never call back.
    {
        ImageCache cache(1 << 20);
        DecodePool pool(1);
        pool.setCache(&cache);
        QSemaphore started, release;
        std::atomic<int> calls{0};
        pool.request(&index, 0, spec, [&](int, Result<cv::Mat>) {
            ++calls;
            started.release();
            release.acquire();
        });
        QVERIFY(started.tryAcquire(1, 10000));
        for (int i = 1; i <= 2; ++i)
            pool.request(&index, i, spec, [&](int, Result<cv::Mat>) { ++calls; });
        QCOMPARE(pool.pendingCount(), 3);
        pool.cancelPending();
        release.release();
        pool.waitForDone();
        QCOMPARE(calls.load(), 1);
        QCOMPARE(pool.pendingCount(), 0);
        QCOMPARE(cache.misses(), qint64(1)); // the stale ones were not even decoded

        // Requests made after the cancel are served again.
        pool.request(&index, 4, spec, [&](int i, Result<cv::Mat> r) {
            if (i == 4 && r.ok()) ++calls;
        });
        pool.waitForDone();
        QCOMPARE(calls.load(), 2);
    }

    // The destructor drops what is queued and waits for what runs.
    {
        std::atomic<int> calls{0};
        {
            DecodePool pool(1);
            for (int i = 0; i < 11; ++i)
                pool.request(&index, i, spec, [&](int, Result<cv::Mat>) { ++calls; });
        }
        QVERIFY(calls.load() <= 11);
    }
}

QTEST_GUILESS_MAIN(TestImagePipeline)
#include "tst_imagepipeline.moc"
