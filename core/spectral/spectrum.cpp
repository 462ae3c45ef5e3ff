#include "core/spectral/spectrum.h"

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <mutex>

namespace fopro::spectral {

namespace {

double scaleOf(int depth)
{
    switch (depth) {
    case CV_8U:
        return 1.0 / 255.0;
    case CV_16U:
        return 1.0 / 65535.0;
    default:
        return 1.0;
    }
}

/// Cyclic shift by (dy, dx): the element at (r, c) moves to ((r + dy) mod h, (c + dx) mod w).
/// Four block copies into a new buffer (std::rotate in place measured 30 times slower).
void cyclicShift(cv::Mat &m, int dy, int dx)
{
    const int h = m.rows, w = m.cols;
    dy = ((dy % h) + h) % h;
    dx = ((dx % w) + w) % w;
    if (dy == 0 && dx == 0) return;
    cv::Mat out(m.size(), m.type());
    const auto copyBlock = [&](int sy, int sx, int hh, int ww, int ty, int tx) {
        if (hh > 0 && ww > 0) m(cv::Rect(sx, sy, ww, hh)).copyTo(out(cv::Rect(tx, ty, ww, hh)));
    };
    copyBlock(0, 0, h - dy, w - dx, dy, dx);
    copyBlock(h - dy, 0, dy, w - dx, 0, dx);
    copyBlock(0, w - dx, h - dy, dx, dy, 0);
    copyBlock(h - dy, w - dx, dy, dx, 0, 0);
    m = out;
}

cv::Mat planeOfChannel(const cv::Mat &image, int c)
{
    cv::Mat ch;
    cv::extractChannel(image, ch, c);
    cv::Mat f;
    ch.convertTo(f, CV_32F, scaleOf(image.depth()));
    return f;
}

double logistic(double x)
{
    return 1.0 / (1.0 + std::exp(-x));
}

} // namespace

cv::Mat toPlane(const cv::Mat &image, int channel)
{
    if (image.empty()) return {};
    if (image.channels() == 1) return planeOfChannel(image, 0);
    if (channel >= 0) return planeOfChannel(image, std::min(channel, image.channels() - 1));
    // OpenCV's RGB → grey uses the Rec. 601 weights 0.299, 0.587, 0.114 (vectorised). For 8-bit
    // input it rounds to 8 bits first, so it runs on float data to keep the exact weighted sum.
    cv::Mat f;
    image.convertTo(f, CV_MAKETYPE(CV_32F, image.channels()), scaleOf(image.depth()));
    cv::Mat grey;
    cv::cvtColor(f, grey, image.channels() == 4 ? cv::COLOR_RGBA2GRAY : cv::COLOR_RGB2GRAY);
    return grey;
}

cv::Mat dft(const cv::Mat &plane)
{
    cv::Mat f = plane;
    if (plane.type() != CV_32F) plane.convertTo(f, CV_32F);
    cv::Mat out;
    cv::dft(f, out, cv::DFT_COMPLEX_OUTPUT);
    return out;
}

void fftShift(cv::Mat &m)
{
    cyclicShift(m, m.rows / 2, m.cols / 2);
}
void ifftShift(cv::Mat &m)
{
    cyclicShift(m, -(m.rows / 2), -(m.cols / 2));
}

Spectrum spectrum(const cv::Mat &plane)
{
    Spectrum s;
    if (plane.empty()) return s;
    cv::Mat complex = dft(plane);
    fftShift(complex); // once, before the complex spectrum is split into its views
    cv::Mat parts[2];
    cv::split(complex, parts);
    cv::magnitude(parts[0], parts[1], s.amplitude);
    // OpenCV's vectorised atan2 (absolute error below 1e-4 rad here, far below what a colour map
    // shows); std::atan2 per element costs more than the DFT itself.
    cv::phase(parts[0], parts[1], s.phase);
    s.phase.forEach<float>([](float &v, const int *) {
        if (v > float(CV_PI)) v -= float(2 * CV_PI); // [0, 2π) → (−π, π]
    });
    cv::add(s.amplitude, 1.0, s.logAmplitude);
    cv::log(s.logAmplitude, s.logAmplitude);
    return s;
}

cv::Mat radialFrequency(int height, int width)
{
    cv::Mat rho(height, width, CV_32F);
    // After fftshift, row y holds frequency (y − H/2)/H cycles per pixel; same for columns.
    for (int y = 0; y < height; ++y) {
        const double fy = double(y - height / 2) / double(height);
        float *row = rho.ptr<float>(y);
        for (int x = 0; x < width; ++x) {
            const double fx = double(x - width / 2) / double(width);
            row[x] = float(std::sqrt(fy * fy + fx * fx) / 0.5);
        }
    }
    return rho;
}

int bandOf(double rho, int bands)
{
    if (bands <= 1) return 0;
    return std::min(bands - 1, int(std::floor(std::min(rho, 1.0) * bands)));
}

cv::Mat bandIndex(int height, int width, int bands)
{
    // Many images of one size are profiled in a row (datasets, sliders): keep the last few maps.
    struct Entry {
        int h, w, k;
        cv::Mat map;
    };
    static std::mutex mutex;
    static std::vector<Entry> cache;
    {
        std::lock_guard<std::mutex> lock(mutex);
        for (const Entry &e : cache)
            if (e.h == height && e.w == width && e.k == bands) return e.map;
    }
    const cv::Mat rho = radialFrequency(height, width);
    cv::Mat map(height, width, CV_32S);
    for (int y = 0; y < height; ++y) {
        const float *r = rho.ptr<float>(y);
        int *m = map.ptr<int>(y);
        for (int x = 0; x < width; ++x)
            m[x] = bandOf(r[x], bands);
    }
    std::lock_guard<std::mutex> lock(mutex);
    if (cache.size() >= 8) cache.erase(cache.begin());
    cache.push_back(Entry{height, width, bands, map});
    return map;
}

std::vector<double> radialProfile(const cv::Mat &values, int bands)
{
    bands = std::max(1, bands);
    std::vector<double> sum(std::size_t(bands), 0.0);
    std::vector<int> count(std::size_t(bands), 0);
    const cv::Mat index = bandIndex(values.rows, values.cols, bands);
    cv::Mat v;
    values.convertTo(v, CV_32F);
    for (int y = 0; y < v.rows; ++y) {
        const int *bi = index.ptr<int>(y);
        const float *p = v.ptr<float>(y);
        for (int x = 0; x < v.cols; ++x) {
            sum[std::size_t(bi[x])] += p[x];
            ++count[std::size_t(bi[x])];
        }
    }
    std::vector<double> out(static_cast<std::size_t>(bands));
    for (std::size_t b = 0; b < out.size(); ++b)
        out[b] = count[b] ? sum[b] / count[b] : std::numeric_limits<double>::quiet_NaN();
    return out;
}

std::vector<double> bandCentres(int bands)
{
    std::vector<double> c(std::size_t(std::max(1, bands)));
    for (std::size_t b = 0; b < c.size(); ++b)
        c[b] = (double(b) + 0.5) / double(c.size());
    return c;
}

double filterGain(double rho, const BandFilter &filter)
{
    // Logistic edge: 10 % → 90 % over `softness` means a slope of 2·ln 9 / softness.
    const double k = filter.softness > 0 ? 2.0 * std::log(9.0) / filter.softness : 0.0;
    const auto below = [&](double edge) { // 1 when rho < edge
        if (k == 0.0) return rho < edge ? 1.0 : 0.0;
        return logistic(k * (edge - rho));
    };
    switch (filter.shape) {
    case FilterShape::LowPass:
        return below(filter.high);
    case FilterShape::HighPass:
        return 1.0 - below(filter.low);
    case FilterShape::BandPass:
        return below(filter.high) * (1.0 - below(filter.low));
    case FilterShape::BandStop:
        return 1.0 - below(filter.high) * (1.0 - below(filter.low));
    }
    return 1.0;
}

cv::Mat filterMask(int height, int width, const BandFilter &filter)
{
    const cv::Mat rho = radialFrequency(height, width);
    cv::Mat mask(height, width, CV_32F);
    for (int y = 0; y < height; ++y) {
        const float *r = rho.ptr<float>(y);
        float *m = mask.ptr<float>(y);
        for (int x = 0; x < width; ++x)
            m[x] = float(filterGain(r[x], filter));
    }
    return mask;
}

cv::Mat applyFilter(const cv::Mat &image, const BandFilter &filter)
{
    if (image.empty()) return {};
    cv::Mat mask = filterMask(image.rows, image.cols, filter);
    ifftShift(mask); // to the unshifted layout of cv::dft
    cv::Mat mask2;
    cv::merge(std::vector<cv::Mat>{mask, mask}, mask2);
    std::vector<cv::Mat> channels(std::size_t(image.channels()));
    for (int c = 0; c < image.channels(); ++c) {
        cv::Mat plane;
        cv::extractChannel(image, plane, c);
        plane.convertTo(plane, CV_32F);
        cv::Mat spec = dft(plane);
        cv::multiply(spec, mask2, spec);
        cv::Mat back;
        cv::dft(spec, back, cv::DFT_INVERSE | cv::DFT_SCALE | cv::DFT_REAL_OUTPUT);
        back.convertTo(channels[std::size_t(c)], image.depth());
    }
    cv::Mat out;
    cv::merge(channels, out);
    return out;
}

Result<cv::Mat> amplitudeSwap(const cv::Mat &a, const cv::Mat &b, double ratio)
{
    if (a.empty() || b.empty()) return makeError(ErrorCode::InvalidArgument, {}, QStringLiteral("an image is empty"));
    if (b.channels() != a.channels() && b.channels() != 1)
        return makeError(ErrorCode::InvalidArgument, {},
                         QStringLiteral("the images have %1 and %2 channels").arg(a.channels()).arg(b.channels()));
    cv::Mat bb;
    if (b.size() != a.size())
        cv::resize(b, bb, a.size(), 0, 0, cv::INTER_AREA);
    else
        bb = b;
    const double scaleB = scaleOf(bb.depth()) / scaleOf(a.depth()); // bring B to A's value range
    std::vector<cv::Mat> channels(std::size_t(a.channels()));
    for (int c = 0; c < a.channels(); ++c) {
        cv::Mat pa, pb;
        cv::extractChannel(a, pa, c);
        cv::extractChannel(bb, pb, bb.channels() == 1 ? 0 : c);
        pa.convertTo(pa, CV_32F);
        pb.convertTo(pb, CV_32F, scaleB);
        cv::Mat sa = dft(pa), sb = dft(pb);
        cv::Mat ra[2], rb[2];
        cv::split(sa, ra);
        cv::split(sb, rb);
        cv::Mat magA, magB;
        cv::magnitude(ra[0], ra[1], magA);
        cv::magnitude(rb[0], rb[1], magB);
        const cv::Mat mag = (1.0 - ratio) * magA + ratio * magB;
        // New spectrum: mag · e^{iφ_A} = mag · X_A / |X_A| (φ = 0 where |X_A| = 0).
        cv::Mat re(a.size(), CV_32F), im(a.size(), CV_32F);
        for (int y = 0; y < a.rows; ++y) {
            const float *ar = ra[0].ptr<float>(y), *ai = ra[1].ptr<float>(y), *ma = magA.ptr<float>(y);
            const float *m = mag.ptr<float>(y);
            float *r = re.ptr<float>(y), *i = im.ptr<float>(y);
            for (int x = 0; x < a.cols; ++x) {
                if (ma[x] > 0) {
                    r[x] = m[x] * ar[x] / ma[x];
                    i[x] = m[x] * ai[x] / ma[x];
                } else {
                    r[x] = m[x];
                    i[x] = 0;
                }
            }
        }
        cv::Mat spec, back;
        cv::merge(std::vector<cv::Mat>{re, im}, spec);
        cv::dft(spec, back, cv::DFT_INVERSE | cv::DFT_SCALE | cv::DFT_REAL_OUTPUT);
        back.convertTo(channels[std::size_t(c)], a.depth());
    }
    cv::Mat out;
    cv::merge(channels, out);
    return out;
}

} // namespace fopro::spectral
