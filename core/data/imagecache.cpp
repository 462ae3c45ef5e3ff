#include "core/data/imagecache.h"

#include <QtCore/QCryptographicHash>
#include <QtCore/QDateTime>
#include <QtCore/QDir>
#include <QtCore/QFile>
#include <QtCore/QFileInfo>
#include <QtCore/QSaveFile>
#include <QtCore/QtEndian>

#include <zlib.h>

#include <cstring>

namespace fopro::data {

namespace {

constexpr char diskMagic[4] = {'F', 'P', 'I', 'C'};
constexpr quint32 diskVersion = 1;
constexpr int diskHeaderBytes = 40;
const QString diskSuffix = QStringLiteral(".fpic");

/// File name of a key in the disk folder. The salt names the pipeline version: change it when
/// decoding or resizing changes so that old disk entries are no longer found.
QString diskName(const QString &keyText)
{
    static const QByteArray salt = QByteArrayLiteral("fopro-imagecache-pipeline-1\n");
    return QString::fromLatin1(QCryptographicHash::hash(salt + keyText.toUtf8(), QCryptographicHash::Sha1).toHex()) +
           diskSuffix;
}

qint64 costOf(const cv::Mat &m)
{
    return qint64(m.total()) * qint64(m.elemSize());
}

quint32 crcOf(const uchar *data, qint64 bytes)
{
    uLong crc = crc32(0L, Z_NULL, 0);
    while (bytes > 0) { // zlib takes uInt lengths
        const uInt chunk = uInt(std::min<qint64>(bytes, 1 << 30));
        crc = crc32(crc, data, chunk);
        data += chunk;
        bytes -= chunk;
    }
    return quint32(crc);
}

} // namespace

QString ImageCache::Key::text() const
{
    return id + QLatin1Char('\n') + QString::number(spec.size) + QLatin1Char(':') + resizePolicyName(spec.policy);
}

ImageCache::ImageCache(qint64 capacityBytes, const QString &diskFolder) : m_capacity(std::max<qint64>(0, capacityBytes))
{
    if (!diskFolder.isEmpty()) setDiskFolder(diskFolder);
}

ImageCache &ImageCache::shared()
{
    static ImageCache instance; // thread-safe initialisation (C++11 magic statics)
    return instance;
}

std::optional<cv::Mat> ImageCache::get(const Key &key)
{
    const QString text = key.text();
    QString file;
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        const auto it = m_map.constFind(text);
        if (it != m_map.constEnd()) {
            m_lru.splice(m_lru.begin(), m_lru, it.value());
            ++m_hits;
            return it.value()->image.clone();
        }
        if (!m_diskFolder.isEmpty()) file = m_diskFolder + QLatin1Char('/') + diskName(text);
    }
    if (!file.isEmpty()) {
        // Disk I/O happens outside the lock so that other threads keep hitting memory meanwhile.
        if (auto image = readDisk(file, text)) {
            {
                std::lock_guard<std::mutex> lock(m_mutex);
                insertLocked(text, *image);
            }
            ++m_hits;
            ++m_diskHits;
            return image->clone();
        }
    }
    ++m_misses;
    return std::nullopt;
}

void ImageCache::put(const Key &key, const cv::Mat &image)
{
    if (image.empty()) return;
    const QString text = key.text();
    const cv::Mat owned = image.clone(); // continuous, ours alone
    QString file;
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        insertLocked(text, owned);
        if (!m_diskFolder.isEmpty()) file = m_diskFolder;
    }
    if (!file.isEmpty()) {
        file += QLatin1Char('/') + diskName(text);
        if (!QFileInfo::exists(file)) writeDisk(file, text, owned);
    }
}

bool ImageCache::contains(const Key &key) const
{
    if (std::lock_guard<std::mutex> lock(m_mutex); m_map.contains(key.text())) return true;
    const QString file = diskFileFor(key);
    return !file.isEmpty() && QFileInfo::exists(file);
}

void ImageCache::clear()
{
    std::lock_guard<std::mutex> lock(m_mutex);
    m_map.clear();
    m_lru.clear();
    m_bytes = 0;
    resetCounters();
}

void ImageCache::clearDisk()
{
    const QString folder = diskFolder();
    if (folder.isEmpty()) return;
    QDir dir(folder);
    const QStringList files = dir.entryList({QLatin1Char('*') + diskSuffix, QStringLiteral("*.fpic.*")}, QDir::Files);
    for (const QString &f : files)
        dir.remove(f);
}

qint64 ImageCache::capacity() const
{
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_capacity;
}

void ImageCache::setCapacity(qint64 bytes)
{
    std::lock_guard<std::mutex> lock(m_mutex);
    m_capacity = std::max<qint64>(0, bytes);
    evictLocked();
}

qint64 ImageCache::bytesUsed() const
{
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_bytes;
}

int ImageCache::count() const
{
    std::lock_guard<std::mutex> lock(m_mutex);
    return int(m_map.size());
}

QString ImageCache::diskFolder() const
{
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_diskFolder;
}

bool ImageCache::setDiskFolder(const QString &folder)
{
    QString absolute;
    bool ok = true;
    if (!folder.isEmpty()) {
        absolute = QDir(folder).absolutePath();
        ok = QDir().mkpath(absolute);
        if (!ok) absolute.clear();
    }
    std::lock_guard<std::mutex> lock(m_mutex);
    m_diskFolder = absolute;
    return ok;
}

QString ImageCache::diskFileFor(const Key &key) const
{
    const QString folder = diskFolder();
    if (folder.isEmpty()) return {};
    return folder + QLatin1Char('/') + diskName(key.text());
}

void ImageCache::resetCounters()
{
    m_hits = 0;
    m_diskHits = 0;
    m_misses = 0;
}

void ImageCache::insertLocked(const QString &key, const cv::Mat &owned)
{
    const qint64 cost = costOf(owned);
    if (const auto it = m_map.constFind(key); it != m_map.constEnd()) {
        m_bytes -= it.value()->cost;
        m_lru.erase(it.value());
        m_map.remove(key);
    }
    if (cost > m_capacity) return; // would evict everything and still not fit
    m_lru.push_front(Node{key, owned, cost});
    m_map.insert(key, m_lru.begin());
    m_bytes += cost;
    evictLocked();
}

void ImageCache::evictLocked()
{
    while (m_bytes > m_capacity && !m_lru.empty()) {
        const Node &victim = m_lru.back();
        m_bytes -= victim.cost;
        m_map.remove(victim.key);
        m_lru.pop_back();
    }
}

std::optional<cv::Mat> ImageCache::readDisk(const QString &file, const QString &keyText) const
{
    QFile in(file);
    if (!in.exists()) return std::nullopt;
    const auto reject = [&in]() -> std::optional<cv::Mat> {
        in.close();
        in.remove(); // corrupted or foreign: never trusted again
        return std::nullopt;
    };
    if (!in.open(QIODevice::ReadOnly)) return std::nullopt; // e.g. being replaced right now
    const QByteArray bytes = in.readAll();
    if (bytes.size() < diskHeaderBytes || std::memcmp(bytes.constData(), diskMagic, 4) != 0) return reject();
    const auto *h = reinterpret_cast<const uchar *>(bytes.constData());
    const quint32 version = qFromLittleEndian<quint32>(h + 4);
    const quint32 rows = qFromLittleEndian<quint32>(h + 8);
    const quint32 cols = qFromLittleEndian<quint32>(h + 12);
    const quint32 type = qFromLittleEndian<quint32>(h + 16);
    const quint32 keyBytes = qFromLittleEndian<quint32>(h + 20);
    const quint64 payload = qFromLittleEndian<quint64>(h + 24);
    const quint32 crc = qFromLittleEndian<quint32>(h + 32);
    if (version != diskVersion || type != quint32(CV_8UC3) || rows == 0 || cols == 0 || rows > 65535 || cols > 65535)
        return reject();
    if (payload != quint64(rows) * cols * 3 || quint64(bytes.size()) != diskHeaderBytes + quint64(keyBytes) + payload)
        return reject();
    if (QString::fromUtf8(bytes.constData() + diskHeaderBytes, qsizetype(keyBytes)) != keyText) return reject();
    const uchar *pixels = h + diskHeaderBytes + keyBytes;
    if (crcOf(pixels, qint64(payload)) != crc) return reject();
    cv::Mat image(int(rows), int(cols), CV_8UC3);
    std::memcpy(image.data, pixels, std::size_t(payload));
    return image;
}

void ImageCache::writeDisk(const QString &file, const QString &keyText, const cv::Mat &image) const
{
    if (image.type() != CV_8UC3 || !image.isContinuous()) return; // the pipeline only caches RGB
    const QByteArray key = keyText.toUtf8();
    const qint64 payload = costOf(image);
    uchar header[diskHeaderBytes] = {};
    std::memcpy(header, diskMagic, 4);
    qToLittleEndian<quint32>(diskVersion, header + 4);
    qToLittleEndian<quint32>(quint32(image.rows), header + 8);
    qToLittleEndian<quint32>(quint32(image.cols), header + 12);
    qToLittleEndian<quint32>(quint32(image.type()), header + 16);
    qToLittleEndian<quint32>(quint32(key.size()), header + 20);
    qToLittleEndian<quint64>(quint64(payload), header + 24);
    qToLittleEndian<quint32>(crcOf(image.data, payload), header + 32);
    // QSaveFile writes to a unique temporary file beside the target and renames it on commit, so a
    // reader never sees a half-written entry and concurrent writers of one key do not clash.
    QSaveFile out(file);
    if (!out.open(QIODevice::WriteOnly)) return; // a cache: failing to write only costs speed
    const bool written = out.write(reinterpret_cast<const char *>(header), diskHeaderBytes) == diskHeaderBytes &&
                         out.write(key) == key.size() &&
                         out.write(reinterpret_cast<const char *>(image.data), payload) == qint64(payload) &&
                         out.flush(); // commit() alone would not report a failed flush (full disk)
    if (written)
        out.commit();
    else
        out.cancelWriting();
}

ImageCache::Key cacheKey(const DatasetIndex &index, const Sample &sample, const ResizeSpec &spec)
{
    const QString file = QDir::cleanPath(index.absolutePath(sample));
    QString id = file;
    if (sample.kind != SourceKind::File) id += QLatin1Char('#') + QString::number(sample.entry);
    const QFileInfo info(file);
    if (info.exists())
        id += QLatin1Char('|') + QString::number(info.size()) + QLatin1Char('|') +
              QString::number(info.lastModified().toMSecsSinceEpoch());
    return ImageCache::Key{id, spec};
}

Result<cv::Mat> cachedLoad(ImageCache &cache, const DatasetIndex &index, const Sample &sample, const ResizeSpec &spec)
{
    return cachedLoad(cache, index, sample, spec, LoadOptions{});
}

Result<cv::Mat> cachedLoad(ImageCache &cache, const DatasetIndex &index, const Sample &sample, const ResizeSpec &spec,
                           const LoadOptions &options)
{
    const ImageCache::Key key = cacheKey(index, sample, spec);
    if (auto hit = cache.get(key)) return std::move(*hit);
    Result<cv::Mat> r = loadResized(index, sample, spec, options);
    if (r) cache.put(key, *r);
    return r;
}

} // namespace fopro::data
