#pragma once
// Paints one sample as a tile: thumbnail (or a placeholder while it loads), class name, split
// chip and curation marks (excluded dimmed and crossed, flagged dot, relabelled "R").

#include <QtWidgets/QStyledItemDelegate>

namespace fopro::ui {

class TileDelegate : public QStyledItemDelegate {
    Q_OBJECT
public:
    explicit TileDelegate(QObject *parent = nullptr);
    void setTileSize(int pixels) { m_tile = pixels; }
    int tileSize() const { return m_tile; }
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;
    void paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const override;

private:
    int m_tile = 112;
};

} // namespace fopro::ui
