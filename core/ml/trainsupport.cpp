#include "core/ml/trainsupport.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

namespace fopro::ml {

namespace {
double uniform(std::mt19937_64 &rng, double lo, double hi)
{
    return std::uniform_real_distribution<double>(lo, hi)(rng);
}
} // namespace

cv::Mat augmentImage(const cv::Mat &rgb, const AugmentSettings &a, std::mt19937_64 &rng, int size)
{
    cv::Rect roi(0, 0, rgb.cols, rgb.rows);
    if (a.cropScaleMin < 1.0) {
        const double area = double(rgb.cols) * rgb.rows;
        for (int attempt = 0; attempt < 10; ++attempt) {
            const double target = area * uniform(rng, a.cropScaleMin, 1.0);
            const double ratio = std::exp(uniform(rng, std::log(3.0 / 4.0), std::log(4.0 / 3.0)));
            const int w = int(std::lround(std::sqrt(target * ratio)));
            const int h = int(std::lround(std::sqrt(target / ratio)));
            if (w < 1 || h < 1 || w > rgb.cols || h > rgb.rows) continue;
            const int x = int(rng() % std::uint64_t(rgb.cols - w + 1));
            const int y = int(rng() % std::uint64_t(rgb.rows - h + 1));
            roi = cv::Rect(x, y, w, h);
            break;
        }
    }
    cv::Mat out;
    if (roi.width == size && roi.height == size)
        out = rgb(roi).clone();
    else // area averaging when the crop is scaled down (the usual case: see trainingSourceSide)
        cv::resize(rgb(roi), out, cv::Size(size, size), 0, 0,
                   roi.width >= size && roi.height >= size ? cv::INTER_AREA : cv::INTER_LINEAR);
    if (a.horizontalFlip && (rng() & 1u)) cv::flip(out, out, 1);
    if (a.verticalFlip && (rng() & 1u)) cv::flip(out, out, 0);
    return out;
}

void toChw01(const cv::Mat &rgb, float *dst, const AugmentSettings *jitter, std::mt19937_64 &rng)
{
    const int h = rgb.rows, w = rgb.cols;
    const std::size_t plane = std::size_t(h) * std::size_t(w);
    for (int y = 0; y < h; ++y) {
        const auto *row = rgb.ptr<cv::Vec3b>(y);
        for (int x = 0; x < w; ++x)
            for (int c = 0; c < 3; ++c)
                dst[std::size_t(c) * plane + std::size_t(y) * std::size_t(w) + std::size_t(x)] = row[x][c] / 255.0f;
    }
    if (!jitter) return;
    const double b = jitter->brightness > 0 ? uniform(rng, 1 - jitter->brightness, 1 + jitter->brightness) : 1.0;
    const double ct = jitter->contrast > 0 ? uniform(rng, 1 - jitter->contrast, 1 + jitter->contrast) : 1.0;
    const double s = jitter->saturation > 0 ? uniform(rng, 1 - jitter->saturation, 1 + jitter->saturation) : 1.0;
    float *r = dst, *g = dst + plane, *bl = dst + 2 * plane;
    const auto clamp01 = [](double v) { return float(std::clamp(v, 0.0, 1.0)); };
    if (b != 1.0)
        for (std::size_t i = 0; i < 3 * plane; ++i)
            dst[i] = clamp01(dst[i] * b);
    if (ct != 1.0) {
        double mean = 0;
        for (std::size_t i = 0; i < plane; ++i)
            mean += 0.299 * r[i] + 0.587 * g[i] + 0.114 * bl[i];
        mean /= double(plane);
        for (std::size_t i = 0; i < 3 * plane; ++i)
            dst[i] = clamp01(mean + (dst[i] - mean) * ct);
    }
    if (s != 1.0)
        for (std::size_t i = 0; i < plane; ++i) {
            const double grey = 0.299 * r[i] + 0.587 * g[i] + 0.114 * bl[i];
            r[i] = clamp01(grey + (r[i] - grey) * s);
            g[i] = clamp01(grey + (g[i] - grey) * s);
            bl[i] = clamp01(grey + (bl[i] - grey) * s);
        }
}

} // namespace fopro::ml
