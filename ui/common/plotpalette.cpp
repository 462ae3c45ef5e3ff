#include "ui/common/plotpalette.h"

#include "ui/common/qcustomplotinclude.h"

#include <algorithm>
#include <array>
#include <cmath>

namespace fopro::ui {

namespace {

// Okabe, M. & Ito, K. (2008) Color Universal Design; black replaced by a mid grey.
constexpr std::array<QRgb, 8> kOkabeIto = {0x0072B2, 0xE69F00, 0x009E73, 0xD55E00,
                                           0xCC79A7, 0x56B4E9, 0xF0E442, 0x7F7F7F};
// Matplotlib's viridis and cividis sampled at 9 and 6 evenly spaced points.
constexpr std::array<QRgb, 9> kViridis = {0x440154, 0x472C7A, 0x3B518B, 0x2C718E, 0x21908D,
                                          0x27AD81, 0x5CC863, 0xAADC32, 0xFDE725};
constexpr std::array<QRgb, 6> kCividis = {0x00204D, 0x31446B, 0x666970, 0x958F78, 0xCBBA69, 0xFFEA46};
// ColorBrewer RdBu, reversed (blue for negative).
constexpr std::array<QRgb, 5> kDiverging = {0x2166AC, 0x67A9CF, 0xF7F7F7, 0xEF8A62, 0xB2182B};

template <std::size_t N> QColor interpolate(const std::array<QRgb, N> &stops, double t)
{
    t = std::clamp(std::isfinite(t) ? t : 0.0, 0.0, 1.0);
    const double pos = t * double(N - 1);
    const std::size_t i = std::min(std::size_t(pos), N - 2);
    const double f = pos - double(i);
    const QColor a(stops[i]), b(stops[i + 1]);
    return QColor::fromRgbF(float(a.redF() + (b.redF() - a.redF()) * f),
                            float(a.greenF() + (b.greenF() - a.greenF()) * f),
                            float(a.blueF() + (b.blueF() - a.blueF()) * f));
}

template <std::size_t N> void fill(QCPColorGradient &gradient, const std::array<QRgb, N> &stops)
{
    QMap<double, QColor> map;
    for (std::size_t i = 0; i < N; ++i)
        map.insert(double(i) / double(N - 1), QColor(stops[i]));
    gradient.setColorStops(map);
    gradient.setColorInterpolation(QCPColorGradient::ciRGB);
}

} // namespace

PlotPalette PlotPalette::fromPalette(const QPalette &palette)
{
    PlotPalette p;
    p.background = palette.color(QPalette::Base);
    p.foreground = palette.color(QPalette::WindowText);
    p.dark = p.background.lightness() < 128;
    p.grid = p.foreground;
    p.grid.setAlpha(40);
    p.muted = p.foreground;
    p.muted.setAlpha(170);
    return p;
}

QColor PlotPalette::categorical(int index)
{
    const int n = int(kOkabeIto.size());
    return QColor(kOkabeIto[std::size_t(((index % n) + n) % n)]);
}

QColor PlotPalette::sequential(double t, ColorMap map)
{
    return map == ColorMap::Cividis ? interpolate(kCividis, t) : interpolate(kViridis, t);
}

QColor PlotPalette::diverging(double t)
{
    return interpolate(kDiverging, (std::clamp(std::isfinite(t) ? t : 0.0, -1.0, 1.0) + 1.0) / 2.0);
}

QColor PlotPalette::tailGroupColor(int group)
{
    switch (group) {
    case 0:
        return categorical(4); // head: reddish purple
    case 1:
        return categorical(6); // medium: yellow
    default:
        return categorical(5); // tail: sky blue
    }
}

void PlotPalette::fillGradient(QCPColorGradient &gradient, ColorMap map)
{
    if (map == ColorMap::Cividis)
        fill(gradient, kCividis);
    else
        fill(gradient, kViridis);
}

void PlotPalette::fillDivergingGradient(QCPColorGradient &gradient)
{
    fill(gradient, kDiverging);
}

void PlotPalette::apply(QCustomPlot *plot) const
{
    plot->setBackground(background);
    for (QCPAxisRect *rect : plot->axisRects()) {
        rect->setBackground(background);
        for (QCPAxis *axis : rect->axes()) {
            axis->setBasePen(QPen(foreground, 1));
            axis->setTickPen(QPen(foreground, 1));
            axis->setSubTickPen(QPen(foreground, 1));
            axis->setTickLabelColor(foreground);
            axis->setLabelColor(foreground);
            axis->grid()->setPen(QPen(grid, 1, Qt::SolidLine));
            axis->grid()->setSubGridPen(QPen(grid, 1, Qt::DotLine));
            axis->grid()->setZeroLinePen(Qt::NoPen);
        }
    }
    plot->legend->setTextColor(foreground);
}

} // namespace fopro::ui
