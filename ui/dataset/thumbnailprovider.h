#pragma once
// Thumbnails for the dataset grid: decoded and resized on a small pool of their own (so browsing
// never waits for training), converted to QImage on the worker, turned into QPixmap on the GUI
// thread only, kept in a bounded QCache. Only rows that are painted request a thumbnail; when the
// view scrolls, pending requests for rows that went out of sight are dropped.

#include "core/data/datasetindex.h"
#include "core/data/decodepool.h"

#include <QtCore/QCache>
#include <QtCore/QObject>
#include <QtCore/QSet>
#include <QtGui/QPixmap>

#include <algorithm>

namespace fopro::ui {

class ThumbnailProvider : public QObject {
    Q_OBJECT
public:
    explicit ThumbnailProvider(QObject *parent = nullptr, int threads = 2, int cacheMegabytes = 256);
    ~ThumbnailProvider() override;

    /// The dataset whose samples are drawn (not owned). Changing it drops everything cached.
    void setDataset(const data::DatasetIndex *dataset);
    /// The cached thumbnail of sample `index`, or a null pixmap after queueing a request.
    QPixmap thumbnail(int index);
    /// Drops requests that have not started yet (call when the visible rows change a lot).
    void dropPending();
    /// Forgets every thumbnail (cached, pending, failed): the next paints decode afresh. What
    /// setDataset() does for the same dataset; benchmarks use it for a cold cache.
    void clear() { setDataset(m_dataset); }
    /// About how many thumbnails the cache holds (its byte cap over one thumbnail's bytes).
    int cacheCapacity() const
    {
        const int perThumbnailKiB = std::max(1, m_spec.size * m_spec.size * 3 / 1024); // RGB888
        return int(m_cache.maxCost() / perThumbnailKiB);
    }
    /// The decoding error of a sample that could not be decoded, if any.
    QString errorFor(int index) const { return m_errors.value(index); }
    int thumbnailSize() const { return m_spec.size; }
    /// Thumbnails requested and not delivered yet.
    int pendingCount() const { return int(m_pending.size()); }

Q_SIGNALS:
    void thumbnailReady(int index);

private:
    void deliver(int index, quint64 generation, const QImage &image, const QString &error);

    data::DecodePool m_pool;
    const data::DatasetIndex *m_dataset = nullptr;
    data::ResizeSpec m_spec{128, data::ResizePolicy::Letterbox};
    QCache<int, QPixmap> m_cache;
    QSet<int> m_pending;
    QHash<int, QString> m_errors;
    quint64 m_generation = 0;
};

} // namespace fopro::ui
