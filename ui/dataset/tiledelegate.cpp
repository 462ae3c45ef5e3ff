#include "ui/dataset/tiledelegate.h"

#include "core/data/sample.h"
#include "ui/dataset/datasetmodel.h"

#include <QtGui/QPainter>
#include <QtGui/QPainterPath>
#include <QtGui/QPixmapCache>
#include <QtWidgets/QApplication>

namespace fopro::ui {

namespace {
QColor splitColour(data::Split s)
{
    switch (s) {
    case data::Split::Train:
        return QColor(0x00, 0x72, 0xb2); // colour-blind-safe (Okabe–Ito)
    case data::Split::Val:
        return QColor(0xe6, 0x9f, 0x00);
    case data::Split::Test:
        return QColor(0x00, 0x9e, 0x73);
    case data::Split::None:
        break;
    }
    return QColor(0x99, 0x99, 0x99);
}
} // namespace

TileDelegate::TileDelegate(QObject *parent) : QStyledItemDelegate(parent)
{
    // Scaled tiles live in the pixmap cache: room for a few screens of 256-px tiles.
    QPixmapCache::setCacheLimit(qMax(QPixmapCache::cacheLimit(), 64 * 1024));
}

QSize TileDelegate::sizeHint(const QStyleOptionViewItem &option, const QModelIndex &) const
{
    const int text = option.fontMetrics.height();
    return QSize(m_tile + 8, m_tile + text + 10);
}

void TileDelegate::paint(QPainter *p, const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    p->save();
    const QRect r = option.rect.adjusted(2, 2, -2, -2);
    const QPalette &pal = option.palette;
    const bool selected = option.state & QStyle::State_Selected;
    p->setRenderHint(QPainter::Antialiasing);
    p->setPen(Qt::NoPen);
    p->setBrush(selected ? pal.highlight() : pal.alternateBase());
    p->drawRoundedRect(r, 4, 4);

    const int flags = index.data(DatasetModel::FlagsRole).toInt();
    const bool excluded = flags & data::FlagExcluded;
    const QRect imageRect(r.left() + 2, r.top() + 2, r.width() - 4, m_tile);
    const QPixmap pix = index.data(Qt::DecorationRole).value<QPixmap>();
    if (!pix.isNull()) {
        // Smooth scaling costs ~0.3 ms a tile: do it once per thumbnail and tile size, not per paint.
        const QString key =
            QStringLiteral("fopro-tile:%1:%2x%3").arg(pix.cacheKey()).arg(imageRect.width()).arg(imageRect.height());
        QPixmap scaled;
        if (!QPixmapCache::find(key, &scaled)) {
            scaled = pix.scaled(imageRect.size(), Qt::KeepAspectRatio, Qt::SmoothTransformation);
            QPixmapCache::insert(key, scaled);
        }
        if (excluded) p->setOpacity(0.35);
        p->drawPixmap(imageRect.center() - QPoint(scaled.width() / 2, scaled.height() / 2), scaled);
        p->setOpacity(1.0);
    } else {
        const bool failed = !index.data(DatasetModel::ErrorRole).toString().isEmpty();
        p->setBrush(pal.base());
        p->drawRect(imageRect.adjusted(6, 6, -6, -6));
        p->setPen(failed ? QColor(0xc0, 0x39, 0x2b) : pal.color(QPalette::PlaceholderText));
        p->drawText(imageRect, Qt::AlignCenter,
                    failed ? QApplication::translate("TileDelegate", "cannot decode")
                           : QApplication::translate("TileDelegate", "loading…"));
    }
    if (excluded) {
        p->setPen(QPen(QColor(0xc0, 0x39, 0x2b), 3));
        p->drawLine(imageRect.topLeft() + QPoint(8, 8), imageRect.bottomRight() - QPoint(8, 8));
        p->drawLine(imageRect.topRight() + QPoint(-8, 8), imageRect.bottomLeft() + QPoint(8, -8));
    }
    // Split chip (top left) and marks (top right).
    const auto split = data::Split(index.data(DatasetModel::SplitRole).toInt());
    if (split != data::Split::None) {
        QFont f = option.font;
        f.setPointSizeF(f.pointSizeF() * 0.8);
        f.setBold(true);
        p->setFont(f);
        const QString t = data::splitName(split);
        const QRect chip(imageRect.left() + 3, imageRect.top() + 3, QFontMetrics(f).horizontalAdvance(t) + 8,
                         QFontMetrics(f).height() + 2);
        p->setPen(Qt::NoPen);
        p->setBrush(splitColour(split));
        p->drawRoundedRect(chip, 3, 3);
        p->setPen(Qt::white);
        p->drawText(chip, Qt::AlignCenter, t);
    }
    int x = imageRect.right() - 4;
    if (flags & data::FlagFlagged) {
        p->setPen(Qt::NoPen);
        p->setBrush(QColor(0xd5, 0x5e, 0x00));
        p->drawEllipse(QPoint(x - 6, imageRect.top() + 9), 6, 6);
        x -= 16;
    }
    if (flags & data::FlagRelabelled) {
        QFont f = option.font;
        f.setBold(true);
        p->setFont(f);
        p->setPen(QColor(0xcc, 0x79, 0xa7));
        p->drawText(QRect(x - 14, imageRect.top() + 1, 14, 16), Qt::AlignCenter, QStringLiteral("R"));
    }
    // Class name under the image.
    p->setFont(option.font);
    p->setPen(selected ? pal.color(QPalette::HighlightedText) : pal.color(QPalette::Text));
    const QRect textRect(r.left() + 3, imageRect.bottom() + 3, r.width() - 6, option.fontMetrics.height());
    p->drawText(
        textRect, Qt::AlignHCenter | Qt::AlignVCenter,
        option.fontMetrics.elidedText(index.data(Qt::DisplayRole).toString(), Qt::ElideRight, textRect.width()));
    p->restore();
}

} // namespace fopro::ui
