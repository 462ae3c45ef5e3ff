#include "core/data/idxfile.h"

#include <QtCore/QFile>
#include <QtCore/QFileInfo>

#include <opencv2/imgproc.hpp>

#include <zlib.h>

#include <algorithm>
#include <limits>

namespace fopro::data {

int IdxArray::itemBytes() const
{
    // readIdxFile keeps the whole product in int range, but with a 0 among the dimensions a partial
    // product need not be: 0 first when there is one.
    if (dims.size() > 1 && std::find(dims.begin() + 1, dims.end(), 0) != dims.end()) return 0;
    int n = 1;
    for (std::size_t i = 1; i < dims.size(); ++i)
        n *= dims[i];
    return n;
}

namespace {

// Whole file, inflated when it starts with the gzip magic (1f 8b); raw bytes otherwise.
Result<QByteArray> readMaybeGzip(const QString &file)
{
    QFile f(file);
    if (!f.exists()) return makeError(ErrorCode::NotFound, file, QStringLiteral("file does not exist"));
    if (!f.open(QIODevice::ReadOnly)) return makeError(ErrorCode::Unreadable, file, f.errorString());
    const QByteArray raw = f.readAll();
    if (raw.size() < 2 || uchar(raw[0]) != 0x1f || uchar(raw[1]) != 0x8b) return raw;

    z_stream zs{};
    if (inflateInit2(&zs, 15 + 32) != Z_OK)
        return makeError(ErrorCode::Unreadable, file, QStringLiteral("zlib could not be initialised"));
    zs.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(raw.constData()));
    zs.avail_in = uInt(raw.size());
    QByteArray out;
    out.resize(qsizetype(raw.size()) * 4 + 1024);
    int rc = Z_OK;
    while (rc != Z_STREAM_END) {
        if (zs.total_out >= uLong(out.size())) out.resize(out.size() * 2);
        zs.next_out = reinterpret_cast<Bytef *>(out.data()) + zs.total_out;
        zs.avail_out = uInt(out.size() - qsizetype(zs.total_out));
        rc = inflate(&zs, Z_NO_FLUSH);
        if (rc == Z_BUF_ERROR && zs.avail_in == 0) break; // input ended before the stream did
        if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) break;
    }
    const qsizetype total = qsizetype(zs.total_out);
    inflateEnd(&zs);
    if (rc != Z_STREAM_END)
        return makeError(ErrorCode::Malformed, file, QStringLiteral("the gzip stream is truncated or corrupt"));
    out.resize(total);
    return out;
}

quint32 bigEndian32(const uchar *p)
{
    return (quint32(p[0]) << 24) | (quint32(p[1]) << 16) | (quint32(p[2]) << 8) | p[3];
}

} // namespace

Result<IdxArray> readIdxFile(const QString &file)
{
    auto bytes = readMaybeGzip(file);
    if (!bytes) return bytes.error();
    const QByteArray &b = *bytes;
    if (b.size() < 4) return makeError(ErrorCode::Malformed, file, QStringLiteral("too short to be an IDX file"));
    const auto *p = reinterpret_cast<const uchar *>(b.constData());
    if (p[0] != 0 || p[1] != 0)
        return makeError(ErrorCode::Malformed, file, QStringLiteral("not an IDX file (bad magic number)"));
    if (p[2] != 0x08)
        return makeError(
            ErrorCode::Unsupported, file,
            QStringLiteral("IDX element type 0x%1 is not unsigned bytes").arg(p[2], 2, 16, QLatin1Char('0')));
    const int ndims = p[3];
    if (ndims < 1 || ndims > 4)
        return makeError(ErrorCode::Malformed, file, QStringLiteral("IDX file with %1 dimensions").arg(ndims));
    const qsizetype headerBytes = 4 + 4 * qsizetype(ndims);
    if (b.size() < headerBytes) return makeError(ErrorCode::Malformed, file, QStringLiteral("truncated IDX header"));
    IdxArray a;
    const qint64 available = b.size() - headerBytes;
    // The data size, capped just above what the file holds: the product of up to four dimensions of
    // up to 10^8 each does not fit in 64 bits. `expected` is for the message only.
    qint64 total = 1;
    double expected = 1, item = 1;
    for (int i = 0; i < ndims; ++i) {
        const quint32 d = bigEndian32(p + 4 + 4 * i);
        if (d > 100000000u)
            return makeError(ErrorCode::Malformed, file, QStringLiteral("implausible IDX dimension %1").arg(d));
        a.dims.push_back(int(d));
        total = std::min(total * qint64(d), available + 1);
        expected *= double(d);
        if (i > 0) item *= double(d);
    }
    // One item (an image, a label) in int range, whatever the count (even 0): itemBytes() and the
    // image store's cv::Mat rely on it.
    if (item > double(std::numeric_limits<int>::max()))
        return makeError(ErrorCode::Malformed, file,
                         QStringLiteral("implausible IDX item size (%1 bytes)").arg(item, 0, 'g', 15));
    if (available < total)
        return makeError(ErrorCode::Malformed, file,
                         QStringLiteral("truncated: %1 bytes of data expected, %2 present")
                             .arg(expected, 0, 'g', 15)
                             .arg(available));
    a.data = b.mid(headerBytes, qsizetype(total));
    return a;
}

IdxStore &IdxStore::instance()
{
    static IdxStore store;
    return store;
}

Result<std::shared_ptr<const IdxArray>> IdxStore::images(const QString &file)
{
    const QString key = QFileInfo(file).absoluteFilePath();
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        auto it = m_files.find(key);
        if (it != m_files.end()) return it->second;
    }
    auto arr = readIdxFile(file); // outside the lock: several files may load in parallel
    if (!arr) return arr.error();
    if (arr->dims.size() != 3)
        return makeError(
            ErrorCode::Malformed, file,
            QStringLiteral("not an IDX image file (expected 3 dimensions, found %1)").arg(arr->dims.size()));
    if (arr->dims[1] == 0 || arr->dims[2] == 0)
        return makeError(ErrorCode::Malformed, file,
                         QStringLiteral("an IDX image file of empty %1×%2 images").arg(arr->dims[1]).arg(arr->dims[2]));
    auto shared = std::make_shared<const IdxArray>(std::move(arr).value());
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_files.emplace(key, shared).first->second;
}

Result<cv::Mat> IdxStore::image(const QString &file, int entry)
{
    auto arr = images(file);
    if (!arr) return arr.error();
    const IdxArray &a = **arr;
    if (entry < 0 || entry >= a.count())
        return makeError(
            ErrorCode::InvalidArgument, file,
            QStringLiteral("entry %1 is out of range (the file holds %2 images)").arg(entry).arg(a.count()));
    const int rows = a.dims[1], cols = a.dims[2];
    cv::Mat grey(rows, cols, CV_8UC1, const_cast<char *>(a.data.constData()) + qsizetype(entry) * rows * cols);
    cv::Mat rgb;
    cv::cvtColor(grey, rgb, cv::COLOR_GRAY2RGB); // allocates: the result owns its pixels
    return rgb;
}

void IdxStore::clear()
{
    std::lock_guard<std::mutex> lock(m_mutex);
    m_files.clear();
}

} // namespace fopro::data
