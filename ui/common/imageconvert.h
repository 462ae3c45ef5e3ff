#pragma once
// The one place where cv::Mat and QImage meet. Conversions always copy (the result owns its pixels)
// and always honour cv::Mat::step as bytes per line, so non-contiguous ROIs convert correctly.

#include <QtGui/QImage>

#include <opencv2/core/mat.hpp>

namespace fopro::ui {

/// CV_8UC3 in RGB order → QImage::Format_RGB888; CV_8UC1 → Format_Grayscale8; CV_8UC4 (RGBA) →
/// Format_RGBA8888. Other types return a null QImage.
QImage toQImage(const cv::Mat &mat);

/// Any QImage → CV_8UC3 in RGB order (alpha dropped).
cv::Mat toMat(const QImage &image);

} // namespace fopro::ui
