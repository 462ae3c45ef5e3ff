#pragma once
// A float matrix rendered as an image through one of the plot palette's colour maps (for the
// per-class grid of the Spectra page, where a full plot per class would not fit).

#include "ui/common/plotpalette.h"

#include <QtGui/QImage>

#include <opencv2/core/mat.hpp>

namespace fopro::ui {

/// Sequential map over [lo, hi] (values outside are clamped; NaN is transparent).
QImage colorMapImage(const cv::Mat &values, double lo, double hi,
                     PlotPalette::ColorMap map = PlotPalette::ColorMap::Viridis);

} // namespace fopro::ui
