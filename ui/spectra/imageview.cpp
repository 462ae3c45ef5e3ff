#include "ui/spectra/imageview.h"

#include <QtGui/QPainter>

namespace fopro::ui {

ImageView::ImageView(const QString &caption, QWidget *parent) : QWidget(parent), m_caption(caption)
{
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
}

void ImageView::setImage(const QImage &image)
{
    m_image = image;
    update();
}

void ImageView::setCaption(const QString &caption)
{
    m_caption = caption;
    update();
}

void ImageView::setPlaceholder(const QString &text)
{
    m_placeholder = text;
    update();
}

void ImageView::paintEvent(QPaintEvent *)
{
    QPainter p(this);
    const QFontMetrics fm(font());
    const int captionHeight = fm.height() + 4;
    QFont bold = font();
    bold.setBold(true);
    p.setFont(bold);
    p.setPen(palette().color(QPalette::WindowText));
    p.drawText(QRect(0, 0, width(), captionHeight), Qt::AlignLeft | Qt::AlignVCenter,
               fm.elidedText(m_caption, Qt::ElideRight, width()));
    p.setFont(font());
    const QRect area(0, captionHeight, width(), height() - captionHeight);
    if (m_image.isNull()) {
        p.setPen(palette().color(QPalette::PlaceholderText));
        p.drawRect(area.adjusted(0, 0, -1, -1));
        p.drawText(area.adjusted(8, 8, -8, -8), Qt::AlignCenter | Qt::TextWordWrap, m_placeholder);
        return;
    }
    const QSize scaled = m_image.size().scaled(area.size(), Qt::KeepAspectRatio);
    const QRect target(area.x() + (area.width() - scaled.width()) / 2, area.y() + (area.height() - scaled.height()) / 2,
                       scaled.width(), scaled.height());
    p.setRenderHint(QPainter::SmoothPixmapTransform, scaled.width() < m_image.width());
    p.drawImage(target, m_image);
}

} // namespace fopro::ui
