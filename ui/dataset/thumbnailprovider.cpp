#include "ui/dataset/thumbnailprovider.h"

#include "ui/common/imageconvert.h"

#include <QtCore/QMetaObject>
#include <QtCore/QPointer>

namespace fopro::ui {

ThumbnailProvider::ThumbnailProvider(QObject *parent, int threads, int cacheMegabytes)
    : QObject(parent), m_pool(threads)
{
    m_cache.setMaxCost(qMax(1, cacheMegabytes) * 1024); // cost in KiB
}

ThumbnailProvider::~ThumbnailProvider()
{
    m_pool.cancelPending();
    m_pool.waitForDone();
}

void ThumbnailProvider::setDataset(const data::DatasetIndex *dataset)
{
    m_pool.cancelPending();
    m_pool.waitForDone(); // no worker may still read the old dataset
    ++m_generation;
    m_dataset = dataset;
    m_cache.clear();
    m_pending.clear();
    m_errors.clear();
}

QPixmap ThumbnailProvider::thumbnail(int index)
{
    if (QPixmap *p = m_cache.object(index)) return *p;
    if (!m_dataset || index < 0 || index >= int(m_dataset->samples.size()) || m_pending.contains(index) ||
        m_errors.contains(index))
        return {};
    m_pending.insert(index);
    const quint64 generation = m_generation;
    QPointer<ThumbnailProvider> self(this);
    m_pool.request(m_dataset, index, m_spec, [self, generation](int i, Result<cv::Mat> image) {
        // Worker thread: QImage is fine here, QPixmap is not.
        QImage img;
        QString error;
        if (image.ok())
            img = toQImage(*image);
        else
            error = image.error().message();
        if (!self) return;
        QMetaObject::invokeMethod(
            self.data(),
            [self, i, generation, img, error] {
                if (self) self->deliver(i, generation, img, error);
            },
            Qt::QueuedConnection);
    });
    return {};
}

void ThumbnailProvider::dropPending()
{
    m_pool.cancelPending();
    m_pending.clear();
}

void ThumbnailProvider::deliver(int index, quint64 generation, const QImage &image, const QString &error)
{
    if (generation != m_generation) return; // the dataset changed meanwhile
    m_pending.remove(index);
    if (!error.isEmpty()) {
        m_errors.insert(index, error);
    } else {
        auto *pixmap = new QPixmap(QPixmap::fromImage(image));
        m_cache.insert(index, pixmap, qMax<qsizetype>(1, qsizetype(image.sizeInBytes() / 1024)));
    }
    Q_EMIT thumbnailReady(index);
}

} // namespace fopro::ui
