#include "ui/classify/classifymodel.h"

#include "core/data/dicomreader.h"
#include "ui/dataset/thumbnailprovider.h"
#include "ui/results/classtablemodel.h"

#include <QtCore/QFileInfo>
#include <QtGui/QPainter>
#include <QtGui/QPixmapCache>
#include <QtWidgets/QApplication>

#include <algorithm>

namespace fopro::ui {

namespace {

bool isDicomFile(const QString &file)
{
    const QString suffix = QFileInfo(file).suffix().toLower();
    return suffix == QLatin1String("dcm") || suffix == QLatin1String("dicom") || data::hasDicomMagic(file);
}

} // namespace

ClassifyModel::ClassifyModel(QObject *parent)
    : QAbstractTableModel(parent), m_thumbs(new ThumbnailProvider(this, 2, 48))
{
    connect(m_thumbs, &ThumbnailProvider::thumbnailReady, this, &ClassifyModel::thumbnailReady);
}

ClassifyModel::~ClassifyModel()
{
    m_thumbs->setDataset(nullptr); // no decoder may read the index after it is gone
}

void ClassifyModel::rebuildIndex()
{
    m_thumbs->setDataset(nullptr); // waits for the decoders before the samples change
    m_index = data::DatasetIndex();
    m_index.format = QStringLiteral("classify");
    m_index.classes = m_classNames;
    for (const ml::ClassifiedImage &img : m_images) {
        data::Sample s;
        s.path = QFileInfo(img.file).absoluteFilePath();
        s.entry = img.frame;
        s.kind = isDicomFile(img.file) ? data::SourceKind::DicomFrame : data::SourceKind::File;
        s.label = img.ok() ? img.predictedClass() : -1;
        m_index.samples.push_back(s);
    }
    m_thumbs->setDataset(&m_index);
    QPixmapCache::clear();
}

void ClassifyModel::setResult(const ml::ClassifyResult &result)
{
    beginResetModel();
    m_result = result;
    m_images = result.images;
    // Files that could not be read first: their reasons are what needs attention.
    std::stable_partition(m_images.begin(), m_images.end(), [](const ml::ClassifiedImage &i) { return !i.ok(); });
    m_result.images = m_images;
    m_classNames = result.classNames;
    rebuildIndex();
    endResetModel();
}

void ClassifyModel::append(const ml::ClassifyResult &result)
{
    if (m_images.empty()) {
        setResult(result);
        return;
    }
    std::vector<ml::ClassifiedImage> added;
    for (const ml::ClassifiedImage &img : result.images)
        if (!contains(img.file, img.frame)) added.push_back(img);
    std::stable_partition(added.begin(), added.end(), [](const ml::ClassifiedImage &i) { return !i.ok(); });
    if (added.empty()) return;
    beginInsertRows({}, int(m_images.size()), int(m_images.size() + added.size()) - 1);
    m_images.insert(m_images.end(), added.begin(), added.end());
    m_result.images = m_images;
    rebuildIndex();
    endInsertRows();
}

void ClassifyModel::clear()
{
    beginResetModel();
    m_images.clear();
    m_result = ml::ClassifyResult();
    m_classNames.clear();
    rebuildIndex();
    endResetModel();
}

bool ClassifyModel::contains(const QString &file, int frame) const
{
    const QString abs = QFileInfo(file).absoluteFilePath();
    return std::any_of(m_images.begin(), m_images.end(), [&](const ml::ClassifiedImage &i) {
        return i.frame == frame && QFileInfo(i.file).absoluteFilePath() == abs;
    });
}

int ClassifyModel::failedCount() const
{
    return int(std::count_if(m_images.begin(), m_images.end(), [](const ml::ClassifiedImage &i) { return !i.ok(); }));
}

void ClassifyModel::setTopK(int k)
{
    m_topK = std::max(1, k);
    if (rowCount() > 0) Q_EMIT dataChanged(index(0, TopKColumn), index(rowCount() - 1, TopKColumn));
}

QString ClassifyModel::topKText(int row) const
{
    if (row < 0 || row >= int(m_images.size())) return {};
    const ml::ClassifiedImage &img = m_images[std::size_t(row)];
    if (!img.ok()) return {};
    std::vector<int> order(img.probabilities.size());
    for (std::size_t i = 0; i < order.size(); ++i)
        order[i] = int(i);
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
        return img.probabilities[std::size_t(a)] > img.probabilities[std::size_t(b)];
    });
    QStringList parts;
    for (int i = 0; i < m_topK && i < int(order.size()); ++i)
        parts << QStringLiteral("%1 %2")
                     .arg(m_classNames.value(order[std::size_t(i)]))
                     .arg(img.probabilities[std::size_t(order[std::size_t(i)])], 0, 'f', 2);
    return parts.join(QStringLiteral(" · "));
}

int ClassifyModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_images.size());
}

int ClassifyModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant ClassifyModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= int(m_images.size())) return {};
    const int row = index.row();
    const ml::ClassifiedImage &img = m_images[std::size_t(row)];
    const int column = index.column();
    const QString name =
        QFileInfo(img.file).fileName() + (img.frame > 0 ? QStringLiteral(" #%1").arg(img.frame) : QString());
    switch (role) {
    case OkRole:
        return img.ok();
    case ConfidenceRole:
        return img.ok() ? double(img.confidence()) : -1.0;
    case Qt::DisplayRole:
        switch (column) {
        case FileColumn:
            return name;
        case TopColumn:
            return img.ok() ? m_classNames.value(img.predictedClass()) : tr("not read");
        case ConfidenceColumn:
            return img.ok() ? QString::number(img.confidence(), 'f', 3) : QString();
        case TopKColumn:
            return img.ok() ? topKText(row) : img.error.detail; // the reason, where it is seen
        case StatusColumn:
            return img.ok() ? tr("classified") : img.error.message();
        default:
            return {};
        }
    case SortRole:
        switch (column) {
        case FileColumn:
        case ImageColumn:
            return img.file;
        case TopColumn:
            return img.ok() ? img.predictedClass() : -1;
        case ConfidenceColumn:
            return img.ok() ? double(img.confidence()) : -1.0;
        case StatusColumn:
            return img.ok() ? 0 : 1;
        default:
            return topKText(row);
        }
    case Qt::ForegroundRole:
        if (!img.ok() && (column == StatusColumn || column == TopColumn || column == TopKColumn))
            return ClassTableModel::worseColor();
        return {};
    case Qt::ToolTipRole:
        if (column == FileColumn || column == ImageColumn) return img.file;
        if ((column == StatusColumn || column == TopKColumn || column == TopColumn) && !img.ok())
            return img.error.message();
        return {};
    case Qt::DecorationRole:
        if (column == ImageColumn && img.ok()) {
            const QString key = QStringLiteral("fopro-classify-%1").arg(row);
            QPixmap scaled;
            if (QPixmapCache::find(key, &scaled)) return scaled;
            const QPixmap full = const_cast<ThumbnailProvider *>(m_thumbs)->thumbnail(row);
            if (full.isNull()) return {};
            scaled = full.scaled(kThumbSide, kThumbSide, Qt::KeepAspectRatio, Qt::SmoothTransformation);
            QPixmapCache::insert(key, scaled);
            return scaled;
        }
        return {};
    default:
        return {};
    }
}

QVariant ClassifyModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    switch (section) {
    case ImageColumn:
        return tr("Image");
    case FileColumn:
        return tr("File");
    case TopColumn:
        return tr("Top-1");
    case ConfidenceColumn:
        return tr("Confidence");
    case TopKColumn:
        return tr("Top-%1").arg(m_topK);
    case StatusColumn:
        return tr("Status");
    default:
        return {};
    }
}

int ClassifyModel::pendingThumbnails() const
{
    return m_thumbs->pendingCount();
}

void ClassifyModel::thumbnailReady(int row)
{
    QPixmapCache::remove(QStringLiteral("fopro-classify-%1").arg(row));
    if (row >= 0 && row < rowCount()) Q_EMIT dataChanged(index(row, ImageColumn), index(row, ImageColumn));
}

void ConfidenceBarDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    // Background and selection only (QStyledItemDelegate::paint would draw the text again).
    QStyleOptionViewItem opt = option;
    initStyleOption(&opt, index);
    opt.text.clear();
    const QWidget *widget = option.widget;
    QStyle *style = widget ? widget->style() : QApplication::style();
    style->drawControl(QStyle::CE_ItemViewItem, &opt, painter, widget);
    const double v = index.data(ClassifyModel::ConfidenceRole).toDouble();
    if (v < 0) return;
    const QRect r = option.rect.adjusted(4, option.rect.height() / 2 - 7, -4, -(option.rect.height() / 2 - 7));
    painter->save();
    painter->setPen(QPen(option.palette.color(QPalette::Mid)));
    painter->setBrush(Qt::NoBrush);
    painter->drawRect(r.adjusted(0, 0, -1, -1));
    QColor fill = ClassTableModel::betterColor();
    fill.setAlpha(200);
    painter->setPen(Qt::NoPen);
    painter->setBrush(fill);
    painter->drawRect(QRect(r.topLeft(), QSize(int(std::lround(v * (r.width() - 1))), r.height() - 1)));
    painter->setPen(
        option.palette.color((option.state & QStyle::State_Selected) ? QPalette::HighlightedText : QPalette::Text));
    painter->drawText(r, Qt::AlignCenter, QString::number(v, 'f', 3));
    painter->restore();
}

} // namespace fopro::ui
