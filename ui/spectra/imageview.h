#pragma once
// An image with a caption, scaled to fit (aspect kept), for the Spectra page's image panels.

#include <QtGui/QImage>
#include <QtWidgets/QWidget>

namespace fopro::ui {

class ImageView : public QWidget {
    Q_OBJECT
public:
    explicit ImageView(const QString &caption, QWidget *parent = nullptr);

    void setImage(const QImage &image);
    void setCaption(const QString &caption);
    /// Text shown when there is no image (what to do to get one).
    void setPlaceholder(const QString &text);
    const QImage &image() const { return m_image; }
    QString caption() const { return m_caption; }

    QSize sizeHint() const override { return {220, 200}; }
    QSize minimumSizeHint() const override { return {120, 110}; }

protected:
    void paintEvent(QPaintEvent *event) override;

private:
    QImage m_image;
    QString m_caption;
    QString m_placeholder;
};

} // namespace fopro::ui
