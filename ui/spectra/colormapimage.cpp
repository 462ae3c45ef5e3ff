#include "ui/spectra/colormapimage.h"

#include <cmath>
#include <vector>

namespace fopro::ui {

QImage colorMapImage(const cv::Mat &values, double lo, double hi, PlotPalette::ColorMap map)
{
    cv::Mat v;
    values.convertTo(v, CV_32F);
    QImage out(v.cols, v.rows, QImage::Format_ARGB32);
    // 256-entry lookup table: one QColor conversion per level, not per pixel.
    std::vector<QRgb> lut(256);
    for (int i = 0; i < 256; ++i)
        lut[std::size_t(i)] = PlotPalette::sequential(i / 255.0, map).rgb();
    const double span = hi > lo ? hi - lo : 1.0;
    for (int y = 0; y < v.rows; ++y) {
        const float *src = v.ptr<float>(y);
        auto *dst = reinterpret_cast<QRgb *>(out.scanLine(y));
        for (int x = 0; x < v.cols; ++x) {
            if (!std::isfinite(src[x])) {
                dst[x] = qRgba(0, 0, 0, 0);
                continue;
            }
            const int level = int(std::lround(std::clamp((src[x] - lo) / span, 0.0, 1.0) * 255.0));
            dst[x] = lut[std::size_t(level)];
        }
    }
    return out;
}

} // namespace fopro::ui
