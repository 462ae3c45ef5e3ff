#pragma once
// A byte-capped, thread-safe LRU cache of decoded-and-resized images, shared by training and
// thumbnails, optionally backed by a folder on disk that survives the process.
//
// Memory: the cost of an entry is its pixel bytes (rows × cols × channels); inserting beyond the cap
// evicts the least recently used entries. Images are copied in and out, so callers own what they
// get and may modify it freely (a 224×224 copy costs microseconds, a decode milliseconds).
//
// Disk (optional): one file per entry, named by the SHA-1 of the key salted with a pipeline version,
// holding a small header (magic, version, size, type, the key itself, a CRC-32 of the pixels) and
// the raw RGB pixels. Raw rather than PNG because reading 150 KB is far cheaper than PNG decoding,
// which is the point of the cache. Files are written atomically (temporary file + rename); a file
// that fails any check (truncated, wrong magic, key mismatch, bad checksum) is ignored and deleted.
// The folder is not size-capped; clearDisk() empties it.

#include "core/common/result.h"
#include "core/data/imageloader.h"

#include <QtCore/QHash>
#include <QtCore/QString>

#include <opencv2/core/mat.hpp>

#include <atomic>
#include <list>
#include <mutex>
#include <optional>

namespace fopro::data {

class ImageCache {
public:
    struct Key {
        QString id; // a stable sample id (see cacheKey(): absolute source, entry, file stamp)
        ResizeSpec spec;
        bool operator==(const Key &o) const { return id == o.id && spec == o.spec; }
        /// The canonical text of the key (what is hashed for disk file names).
        QString text() const;
    };

    static constexpr qint64 defaultCapacity = 512ll * 1024 * 1024;

    explicit ImageCache(qint64 capacityBytes = defaultCapacity, const QString &diskFolder = QString());
    ImageCache(const ImageCache &) = delete;
    ImageCache &operator=(const ImageCache &) = delete;

    /// The process-wide instance (512 MiB, no disk folder until setDiskFolder() is called).
    static ImageCache &shared();

    /// A copy of the cached image (memory first, then disk), counting a hit; nullopt counts a miss.
    std::optional<cv::Mat> get(const Key &key);
    /// Stores a copy (replacing any entry with the same key) and writes it to the disk folder when
    /// one is set and the file is not there yet. Images larger than the whole cap skip memory.
    void put(const Key &key, const cv::Mat &image);
    /// True when the key is in memory or has a disk file (not validated). Counts nothing, does not
    /// change the LRU order.
    bool contains(const Key &key) const;
    /// Drops every entry from memory (the disk folder is left alone) and resets the counters.
    void clear();
    /// Deletes every cache file in the disk folder.
    void clearDisk();

    qint64 capacity() const;
    /// Changes the cap, evicting at once when the new cap is smaller.
    void setCapacity(qint64 bytes);
    qint64 bytesUsed() const;
    int count() const;

    QString diskFolder() const;
    /// Sets (creating it) or, with an empty string, removes the disk folder. False when it cannot be
    /// created; the cache then stays memory-only.
    bool setDiskFolder(const QString &folder);
    /// The file that holds (or would hold) the key on disk; empty without a disk folder.
    QString diskFileFor(const Key &key) const;

    qint64 hits() const { return m_hits.load(); }         // memory and disk hits
    qint64 diskHits() const { return m_diskHits.load(); } // the part of hits() served from disk
    qint64 misses() const { return m_misses.load(); }
    void resetCounters();

private:
    struct Node {
        QString key;
        cv::Mat image;
        qint64 cost = 0;
    };

    void insertLocked(const QString &key, const cv::Mat &owned);
    void evictLocked();
    std::optional<cv::Mat> readDisk(const QString &file, const QString &keyText) const;
    void writeDisk(const QString &file, const QString &keyText, const cv::Mat &image) const;

    mutable std::mutex m_mutex;
    std::list<Node> m_lru; // front = most recently used
    QHash<QString, std::list<Node>::iterator> m_map;
    qint64 m_capacity = defaultCapacity;
    qint64 m_bytes = 0;
    QString m_diskFolder;
    std::atomic<qint64> m_hits{0};
    std::atomic<qint64> m_diskHits{0};
    std::atomic<qint64> m_misses{0};
};

/// The cache key of a sample: its absolute source path, "#entry" for IDX entries and DICOM frames,
/// and the source file's size and modification time (so an edited file is never served stale, in
/// memory or on disk), plus the resize spec. Costs one stat().
ImageCache::Key cacheKey(const DatasetIndex &index, const Sample &sample, const ResizeSpec &spec);

/// loadResized() through the cache: a hit returns the cached copy, a miss decodes and stores.
/// Errors are not cached.
Result<cv::Mat> cachedLoad(ImageCache &cache, const DatasetIndex &index, const Sample &sample, const ResizeSpec &spec);
Result<cv::Mat> cachedLoad(ImageCache &cache, const DatasetIndex &index, const Sample &sample, const ResizeSpec &spec,
                           const LoadOptions &options);

} // namespace fopro::data
