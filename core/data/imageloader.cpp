#include "core/data/imageloader.h"

#include "core/data/dicomreader.h"
#include "core/data/idxfile.h"

#include <QtCore/QFile>
#include <QtCore/QFileInfo>
#include <QtCore/QMimeDatabase>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <new>
#include <vector>

namespace fopro::data {

namespace {

constexpr qint64 kSniffBytes = 256; // enough for every signature below, and for Qt's MIME magic
constexpr qint64 kTailBytes = 4096; // the end-of-image marker may be followed by padding

bool startsWith(const QByteArray &bytes, const char *magic, int length, int offset = 0)
{
    return bytes.size() >= offset + length && std::memcmp(bytes.constData() + offset, magic, std::size_t(length)) == 0;
}

bool isJpeg(const QByteArray &b)
{
    return startsWith(b, "\xFF\xD8\xFF", 3);
}

} // namespace

QString sniffImageFormat(const QByteArray &b)
{
    if (isJpeg(b)) return QStringLiteral("JPEG");
    if (startsWith(b, "\x89PNG\r\n\x1A\n", 8)) return QStringLiteral("PNG");
    if (startsWith(b, "BM", 2)) return QStringLiteral("BMP");
    if (startsWith(b, "II*\0", 4) || startsWith(b, "MM\0*", 4)) return QStringLiteral("TIFF");
    if (startsWith(b, "RIFF", 4) && startsWith(b, "WEBP", 4, 8)) return QStringLiteral("WebP");
    if (startsWith(b, "\0\0\0\x0CjP  ", 8) || startsWith(b, "\xFF\x4F\xFF\x51", 4)) return QStringLiteral("JPEG 2000");
    if (b.size() >= 2 && b[0] == 'P' && b[1] >= '1' && b[1] <= '7') return QStringLiteral("PNM");
    return {};
}

namespace {

/// Formats recognised by their signature that this build cannot decode at all.
QString unsupportedFormat(const QByteArray &b)
{
    if (startsWith(b, "GIF8", 4)) return QStringLiteral("GIF images are not supported; convert them to PNG");
    if (startsWith(b, "DICM", 4, 128)) return QStringLiteral("this is a DICOM file; import it with the DICOM importer");
    if (startsWith(b, "ftyp", 4, 4) && (startsWith(b, "heic", 4, 8) || startsWith(b, "heix", 4, 8) ||
                                        startsWith(b, "mif1", 4, 8) || startsWith(b, "avif", 4, 8)))
        return QStringLiteral("HEIC/AVIF images are not supported; convert them to JPEG or PNG");
    return {};
}

/// Decodes with explicit imdecode flags to whatever OpenCV returns (BGR order, 8-bit for
/// IMREAD_COLOR), or an Error naming the file and the reason.
Result<cv::Mat> decodeRaw(const QByteArray &bytes, const QString &file, int flags)
{
    if (bytes.isEmpty()) return makeError(ErrorCode::Malformed, file, QStringLiteral("the file is empty"));
    const QString unsupported = unsupportedFormat(bytes);
    if (!unsupported.isEmpty()) return makeError(ErrorCode::Unsupported, file, unsupported);

    if (const auto size = declaredImageSize(bytes)) {
        const qint64 pixels = qint64(size->width) * qint64(size->height), limit = maxImagePixels();
        if (pixels > limit)
            return makeError(ErrorCode::Unsupported, file,
                             QStringLiteral("the image declares %1 × %2 pixels, more than the limit of %3 "
                                            "(a damaged or hostile file? raise the limit with the environment "
                                            "variable FOPRO_MAX_IMAGE_PIXELS)")
                                 .arg(size->width)
                                 .arg(size->height)
                                 .arg(limit));
    }
    cv::Mat decoded;
    QString reason;
    try {
        // The Mat header wraps the QByteArray without copying; imdecode only reads it.
        const cv::Mat buffer(1, int(bytes.size()), CV_8UC1, const_cast<char *>(bytes.constData()));
        decoded = cv::imdecode(buffer, flags);
    } catch (const cv::Exception &e) {
        reason = QString::fromStdString(e.err);
    } catch (const std::bad_alloc &) {
        reason = QStringLiteral("not enough memory to decode the image");
    } catch (const std::exception &e) {
        reason = QString::fromLocal8Bit(e.what());
    }
    if (decoded.empty()) {
        const QString format = sniffImageFormat(bytes);
        QString detail =
            format.isEmpty()
                ? QStringLiteral("not a decodable image file (image files: JPEG, PNG, BMP, TIFF, WebP, PNM, "
                                 "JPEG 2000; DICOM files go through the DICOM importer, and JPEG 2000 "
                                 "inside DICOM is not supported)")
                : QStringLiteral("corrupt or truncated %1 image").arg(format);
        if (!reason.isEmpty()) detail += QStringLiteral(" (%1)").arg(reason);
        return makeError(ErrorCode::Malformed, file, detail);
    }
    return decoded;
}

/// toRgb8() with OpenCV's exceptions turned into an Error.
Result<cv::Mat> toRgb8Checked(const cv::Mat &image, bool bgrOrder, const QString &file)
{
    try {
        return toRgb8(image, bgrOrder);
    } catch (const std::exception &e) {
        return makeError(
            ErrorCode::Malformed, file,
            QStringLiteral("cannot convert the image to 8-bit RGB (%1)").arg(QString::fromLocal8Bit(e.what())));
    }
}

/// Decodes with explicit imdecode flags; always returns owning CV_8UC3 RGB or an Error.
Result<cv::Mat> decodeWithFlags(const QByteArray &bytes, const QString &file, int flags)
{
    auto raw = decodeRaw(bytes, file, flags);
    if (!raw) return raw;
    return toRgb8Checked(*raw, true, file);
}

Result<QByteArray> readFileBytes(const QString &path)
{
    QFile file(path);
    if (!file.exists()) return makeError(ErrorCode::NotFound, path, QStringLiteral("file does not exist"));
    if (QFileInfo(path).isDir())
        return makeError(ErrorCode::Unreadable, path, QStringLiteral("is a folder, not an image file"));
    if (!file.open(QIODevice::ReadOnly))
        return makeError(ErrorCode::Unreadable, path,
                         QStringLiteral("cannot open the file (%1)").arg(file.errorString()));
    QByteArray bytes = file.readAll();
    if (file.error() != QFileDevice::NoError)
        return makeError(ErrorCode::Unreadable, path,
                         QStringLiteral("cannot read the file (%1)").arg(file.errorString()));
    return bytes;
}

/// Non-file sources promise CV_8UC3 RGB; this makes sure of it (and of owning, continuous memory).
Result<cv::Mat> normaliseForeign(Result<cv::Mat> r, const QString &file)
{
    if (!r) return r;
    if (r->empty()) return makeError(ErrorCode::Malformed, file, QStringLiteral("the decoder returned an empty image"));
    return toRgb8Checked(*r, false, file);
}

int reducedFlag(int factor)
{
    switch (factor) {
    case 2:
        return cv::IMREAD_REDUCED_COLOR_2;
    case 4:
        return cv::IMREAD_REDUCED_COLOR_4;
    case 8:
        return cv::IMREAD_REDUCED_COLOR_8;
    default:
        return cv::IMREAD_COLOR;
    }
}

} // namespace

cv::Mat toRgb8(const cv::Mat &image, bool bgrOrder)
{
    if (image.empty()) return {};
    cv::Mat img8;
    switch (image.depth()) {
    case CV_8U:
        img8 = image;
        break;
    case CV_8S:
        image.convertTo(img8, CV_8U, 1.0, 128.0);
        break;
    case CV_16U:
        image.convertTo(img8, CV_8U, 1.0 / 257.0);
        break;
    default: {
        // Float or signed data: values in [0,1] are taken as normalised, anything else is min-max
        // scaled over all channels.
        double lo = 0, hi = 0;
        cv::minMaxLoc(image.reshape(1), &lo, &hi);
        if (image.depth() >= CV_32F && lo >= 0.0 && hi <= 1.0) {
            image.convertTo(img8, CV_8U, 255.0);
        } else {
            const double range = hi > lo ? hi - lo : 1.0;
            image.convertTo(img8, CV_8U, 255.0 / range, -lo * 255.0 / range);
        }
        break;
    }
    }

    cv::Mat rgb;
    switch (img8.channels()) {
    case 1:
        cv::cvtColor(img8, rgb, cv::COLOR_GRAY2RGB);
        break;
    case 2: { // grey + alpha: keep the grey
        cv::Mat grey;
        cv::extractChannel(img8, grey, 0);
        cv::cvtColor(grey, rgb, cv::COLOR_GRAY2RGB);
        break;
    }
    case 3:
        if (bgrOrder)
            cv::cvtColor(img8, rgb, cv::COLOR_BGR2RGB);
        else
            rgb = img8;
        break;
    case 4:
        cv::cvtColor(img8, rgb, bgrOrder ? cv::COLOR_BGRA2RGB : cv::COLOR_RGBA2RGB);
        break;
    default: { // more channels than colour: take the first three as they come
        std::vector<cv::Mat> planes;
        cv::split(img8, planes);
        planes.resize(3);
        cv::merge(planes, rgb);
        break;
    }
    }
    // Own the pixels: a result that still shares the caller's buffer (or wraps foreign memory, or is
    // a non-continuous ROI) is copied.
    if (rgb.data == image.data || !rgb.isContinuous() || rgb.u == nullptr) rgb = rgb.clone();
    return rgb;
}

Result<cv::Mat> decodeImageBytes(const QByteArray &bytes, const QString &fileForErrors)
{
    return decodeWithFlags(bytes, fileForErrors, cv::IMREAD_COLOR);
}

Result<cv::Mat> loadImageFile(const QString &path)
{
    auto bytes = readFileBytes(path);
    if (!bytes) return bytes.error();
    return decodeWithFlags(*bytes, path, cv::IMREAD_COLOR);
}

Result<cv::Mat> loadImage(const DatasetIndex &index, const Sample &sample)
{
    const QString file = index.absolutePath(sample);
    switch (sample.kind) {
    case SourceKind::File:
        return loadImageFile(file);
    case SourceKind::IdxEntry:
        return normaliseForeign(IdxStore::instance().image(file, sample.entry), file);
    case SourceKind::DicomFrame: {
        Result<cv::Mat> r = makeError(ErrorCode::Malformed, file, QString());
        try {
            r = decodeDicomFrame(file, sample.entry);
        } catch (const std::exception &e) { // DCMTK/OpenCV must not throw past here
            return makeError(ErrorCode::Malformed, file,
                             QStringLiteral("cannot decode DICOM frame %1 (%2)")
                                 .arg(sample.entry)
                                 .arg(QString::fromLocal8Bit(e.what())));
        }
        return normaliseForeign(std::move(r), file);
    }
    }
    return makeError(ErrorCode::Unsupported, file, QStringLiteral("unknown source kind"));
}

QString resizePolicyName(ResizePolicy policy)
{
    switch (policy) {
    case ResizePolicy::Stretch:
        return QStringLiteral("stretch");
    case ResizePolicy::Letterbox:
        return QStringLiteral("letterbox");
    case ResizePolicy::ShorterSideCrop:
        break;
    }
    return QStringLiteral("crop");
}

std::optional<ResizePolicy> resizePolicyFromName(const QString &name)
{
    for (const ResizePolicy policy : {ResizePolicy::Stretch, ResizePolicy::ShorterSideCrop, ResizePolicy::Letterbox})
        if (resizePolicyName(policy) == name) return policy;
    return std::nullopt;
}

namespace {

/// Resizes `src` to `to`, choosing the interpolation by direction; `to` equal to the source size
/// gives a copy.
cv::Mat scaleTo(const cv::Mat &src, cv::Size to)
{
    cv::Mat out;
    if (src.size() == to) {
        out = src.clone();
    } else {
        const bool shrinking = to.width < src.cols || to.height < src.rows;
        cv::resize(src, out, to, 0, 0, shrinking ? cv::INTER_AREA : cv::INTER_LINEAR);
    }
    return out;
}

} // namespace

cv::Mat resizeImage(const cv::Mat &rgb, const ResizeSpec &spec)
{
    if (rgb.empty() || spec.size <= 0) return {};
    const int s = spec.size;
    const int w = rgb.cols, h = rgb.rows;
    cv::Mat out;
    switch (spec.policy) {
    case ResizePolicy::Stretch:
        out = scaleTo(rgb, cv::Size(s, s));
        break;
    case ResizePolicy::ShorterSideCrop: {
        const int side = std::min(w, h);
        const cv::Rect square((w - side) / 2, (h - side) / 2, side, side);
        out = scaleTo(rgb(square), cv::Size(s, s));
        break;
    }
    case ResizePolicy::Letterbox: {
        const double scale = double(s) / double(std::max(w, h));
        const int nw = std::clamp(int(std::lround(w * scale)), 1, s);
        const int nh = std::clamp(int(std::lround(h * scale)), 1, s);
        out = cv::Mat::zeros(s, s, rgb.type());
        const cv::Mat scaled = scaleTo(rgb, cv::Size(nw, nh));
        scaled.copyTo(out(cv::Rect((s - nw) / 2, (s - nh) / 2, nw, nh)));
        break;
    }
    }
    if (!out.isContinuous()) out = out.clone();
    return out;
}

std::optional<cv::Size> jpegImageSize(const QByteArray &bytes)
{
    const auto *b = reinterpret_cast<const unsigned char *>(bytes.constData());
    const qsizetype n = bytes.size();
    if (n < 4 || b[0] != 0xFF || b[1] != 0xD8) return std::nullopt;
    qsizetype pos = 2;
    while (pos + 1 < n) {
        if (b[pos] != 0xFF) { // tolerate stray bytes between segments, as libjpeg does
            ++pos;
            continue;
        }
        const unsigned char marker = b[pos + 1];
        pos += 2;
        if (marker == 0xFF) { // fill byte
            --pos;
            continue;
        }
        if (marker == 0x00 || marker == 0x01 || marker == 0xD8 || (marker >= 0xD0 && marker <= 0xD7))
            continue;                                              // markers without a length
        if (marker == 0xD9 || marker == 0xDA) return std::nullopt; // EOI/SOS before any SOF
        if (pos + 2 > n) return std::nullopt;
        const int length = (b[pos] << 8) | b[pos + 1];
        if (length < 2) return std::nullopt;
        const bool sof = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
        if (sof) {
            if (pos + 7 > n || length < 7) return std::nullopt;
            const int height = (b[pos + 3] << 8) | b[pos + 4];
            const int width = (b[pos + 5] << 8) | b[pos + 6];
            if (width <= 0 || height <= 0) return std::nullopt; // height defined later by DNL: rare
            return cv::Size(width, height);
        }
        pos += length;
    }
    return std::nullopt;
}

qint64 maxImagePixels()
{
    bool ok = false;
    const qint64 set = qEnvironmentVariable("FOPRO_MAX_IMAGE_PIXELS").toLongLong(&ok);
    return ok && set > 0 ? set : qint64(1) << 28;
}

std::optional<cv::Size> declaredImageSize(const QByteArray &bytes)
{
    const auto *b = reinterpret_cast<const unsigned char *>(bytes.constData());
    const auto be32 = [b](int at) {
        return (quint32(b[at]) << 24) | (quint32(b[at + 1]) << 16) | (quint32(b[at + 2]) << 8) | b[at + 3];
    };
    const auto le32 = [b](int at) {
        return qint32(quint32(b[at]) | (quint32(b[at + 1]) << 8) | (quint32(b[at + 2]) << 16) |
                      (quint32(b[at + 3]) << 24));
    };
    if (isJpeg(bytes)) return jpegImageSize(bytes);
    // PNG: the signature, then the IHDR chunk (length, "IHDR", width, height; big-endian).
    if (startsWith(bytes, "\x89PNG\r\n\x1A\n", 8) && startsWith(bytes, "IHDR", 4, 12) && bytes.size() >= 24) {
        const quint32 w = be32(16), h = be32(20);
        if (w > 0x7FFFFFFFu || h > 0x7FFFFFFFu) return cv::Size(INT_MAX, INT_MAX);
        return cv::Size(int(w), int(h));
    }
    // BMP: the info header's width and height (signed; negative height means top-down rows).
    if (startsWith(bytes, "BM", 2) && bytes.size() >= 26) {
        const qint64 w = std::abs(qint64(le32(18))), h = std::abs(qint64(le32(22)));
        return cv::Size(int(std::min<qint64>(w, INT_MAX)), int(std::min<qint64>(h, INT_MAX)));
    }
    return std::nullopt;
}

int jpegReductionFactor(cv::Size imageSize, const ResizeSpec &spec)
{
    if (spec.size <= 0 || imageSize.width <= 0 || imageSize.height <= 0) return 1;
    const int shorter = std::min(imageSize.width, imageSize.height);
    const int longer = std::max(imageSize.width, imageSize.height);
    const int side = spec.policy == ResizePolicy::Letterbox ? longer : shorter; // Stretch: both ≥ ⇔ shorter ≥
    // libjpeg rounds scaled sizes up; floor division here keeps a margin whatever the decoder does.
    for (int factor : {8, 4, 2})
        if (side / factor >= spec.size) return factor;
    return 1;
}

Result<cv::Mat> loadResized(const DatasetIndex &index, const Sample &sample, const ResizeSpec &spec)
{
    return loadResized(index, sample, spec, LoadOptions{});
}

Result<cv::Mat> loadResized(const DatasetIndex &index, const Sample &sample, const ResizeSpec &spec,
                            const LoadOptions &options)
{
    const QString file = index.absolutePath(sample);
    if (spec.size <= 0)
        return makeError(ErrorCode::InvalidArgument, file,
                         QStringLiteral("resize target %1 is not positive").arg(spec.size));

    try {
        if (sample.kind == SourceKind::File) {
            auto bytes = readFileBytes(file);
            if (!bytes) return bytes.error();
            int flags = cv::IMREAD_COLOR;
            if (options.reducedJpegDecoding && isJpeg(*bytes)) {
                if (const auto size = jpegImageSize(*bytes)) flags = reducedFlag(jpegReductionFactor(*size, spec));
            }
            auto raw = decodeRaw(*bytes, file, flags);
            if (!raw) return raw;
            if (raw->type() == CV_8UC3) {
                // Resize first, then swap BGR to RGB on the (usually much) smaller image.
                const cv::Mat small = resizeImage(*raw, spec);
                if (small.empty())
                    return makeError(ErrorCode::Malformed, file, QStringLiteral("the image could not be resized"));
                return toRgb8Checked(small, true, file);
            }
            auto rgb = toRgb8Checked(*raw, true, file);
            if (!rgb) return rgb;
            return resizeImage(*rgb, spec);
        }
        auto full = loadImage(index, sample);
        if (!full) return full;
        return resizeImage(*full, spec);
    } catch (const std::exception &e) { // cv::resize and friends: nothing escapes as an exception
        return makeError(ErrorCode::Malformed, file,
                         QStringLiteral("cannot resize the image (%1)").arg(QString::fromLocal8Bit(e.what())));
    }
}

QString unusableImageFileReason(const QString &path)
{
    // Cheap checks only (no decoding): what the size, the first bytes and the last bytes tell.
    const QFileInfo info(path);
    if (!info.exists()) return QStringLiteral("image file missing");
    if (info.isDir()) return QStringLiteral("is a folder, not an image file");
    if (info.size() == 0) return QStringLiteral("empty file (0 bytes)");
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) return QStringLiteral("cannot open the file (%1)").arg(file.errorString());
    const QByteArray head = file.read(kSniffBytes);
    const QString unsupported = unsupportedFormat(head);
    if (!unsupported.isEmpty()) return unsupported;
    const QString format = sniffImageFormat(head);
    if (format.isEmpty()) {
        // Word what it is instead: Qt's MIME database knows text, archives, documents...
        const QMimeType mime = QMimeDatabase().mimeTypeForData(head);
        const QString what = mime.isDefault() ? QStringLiteral("unknown binary data") : mime.comment();
        return QStringLiteral("not an image file (its content is %1, whatever its name says)").arg(what);
    }
    // A file cut short: the decoders would show a streaked image (JPEG) or fail later (PNG).
    const qint64 tailBytes = std::min<qint64>(info.size(), kTailBytes);
    if (!file.seek(info.size() - tailBytes)) return QStringLiteral("cannot read the file (%1)").arg(file.errorString());
    const QByteArray tail = file.read(tailBytes);
    if (format == QLatin1String("JPEG") && !tail.contains("\xFF\xD9"))
        return QStringLiteral("truncated JPEG: the file ends before its end-of-image marker");
    if (format == QLatin1String("PNG") && !tail.contains("IEND"))
        return QStringLiteral("truncated PNG: the file ends before its IEND chunk");
    return {};
}

} // namespace fopro::data
