#pragma once
// Colours for every plot, readable with colour-blind vision and following the theme: a light or
// dark palette taken from the widget's QPalette; categorical colours from Okabe & Ito (2008);
// sequential maps viridis and cividis; a blue–white–red diverging map. apply() styles a
// QCustomPlot's background, axes, grids and legend.

#include <QtGui/QColor>
#include <QtGui/QPalette>

class QCustomPlot;
class QCPColorGradient;

namespace fopro::ui {

struct PlotPalette {
    enum class ColorMap { Viridis, Cividis };

    bool dark = false;
    QColor background; ///< the plot's background (QPalette::Base)
    QColor foreground; ///< text, axes, tick labels (QPalette::WindowText)
    QColor grid;       ///< grid lines: the foreground, faint
    QColor muted;      ///< secondary text and guide lines: the foreground, half-transparent

    /// The palette of a widget's colours (dark when its Base colour is dark).
    static PlotPalette fromPalette(const QPalette &palette);

    /// Okabe–Ito categorical colour `index` (cycles after 8): blue, orange, bluish green,
    /// vermillion, reddish purple, sky blue, yellow, then grey (black in the original, which
    /// would vanish on a dark background).
    static QColor categorical(int index);
    static int categoricalCount() { return 8; }
    /// The colour of a head / medium / tail group (0, 1, 2: data::TailGroup), the same on every
    /// plot: reddish purple, yellow, sky blue.
    static QColor tailGroupColor(int group);
    /// A neutral grey for "no category" (e.g. unassigned), readable on both backgrounds.
    static QColor neutral() { return QColor(0x99, 0x99, 0x99); }

    /// Sequential colour at t in [0, 1] (clamped).
    static QColor sequential(double t, ColorMap map = ColorMap::Viridis);
    /// Diverging blue–white–red at t in [-1, 1] (clamped); 0 is near-white.
    static QColor diverging(double t);
    /// Fills a QCustomPlot colour gradient (for colour maps) with a sequential map.
    static void fillGradient(QCPColorGradient &gradient, ColorMap map = ColorMap::Viridis);
    /// Fills a QCustomPlot colour gradient with the diverging map (range -1..1 maps end to end).
    static void fillDivergingGradient(QCPColorGradient &gradient);

    /// Background, axes (every axis rect), grids and legend of `plot` in this palette.
    void apply(QCustomPlot *plot) const;
};

} // namespace fopro::ui
