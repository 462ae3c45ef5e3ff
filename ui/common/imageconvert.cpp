#include "ui/common/imageconvert.h"

namespace fopro::ui {

QImage toQImage(const cv::Mat &mat)
{
    if (mat.empty() || mat.depth() != CV_8U) return {};
    QImage::Format format;
    switch (mat.channels()) {
    case 1:
        format = QImage::Format_Grayscale8;
        break;
    case 3:
        format = QImage::Format_RGB888;
        break;
    case 4:
        format = QImage::Format_RGBA8888;
        break;
    default:
        return {};
    }
    // Wrap with the Mat's own stride, then deep-copy so the QImage outlives the Mat.
    const QImage view(mat.data, mat.cols, mat.rows, qsizetype(mat.step[0]), format);
    return view.copy();
}

cv::Mat toMat(const QImage &image)
{
    if (image.isNull()) return {};
    const QImage rgb = image.format() == QImage::Format_RGB888 ? image : image.convertToFormat(QImage::Format_RGB888);
    const cv::Mat view(rgb.height(), rgb.width(), CV_8UC3, const_cast<uchar *>(rgb.constBits()),
                       std::size_t(rgb.bytesPerLine()));
    return view.clone();
}

} // namespace fopro::ui
