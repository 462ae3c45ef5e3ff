#pragma once
// A spectrum-shaped map (amplitude, phase, gain, difference) as a colour map with a colour bar,
// axes in fractions of the Nyquist frequency, the value under the mouse in a tooltip, and the
// shared plot helper's exports (PNG, SVG, and the numbers as CSV: one row per cell).
//
// Maps are fftshifted H × W CV_32F matrices (DC at (H/2, W/2)); rows are drawn top-down like the
// image they come from.

#include <QtWidgets/QWidget>

#include <opencv2/core/mat.hpp>

class QCustomPlot;
class QCPColorMap;
class QCPColorScale;
class QLabel;

namespace fopro::ui {

class PlotController;

class SpectrumMapView : public QWidget {
    Q_OBJECT
public:
    enum class Scale {
        Sequential, ///< viridis from the minimum to the maximum
        Cyclic,     ///< a diverging map over −π..π (phase)
        Diverging,  ///< blue–white–red, symmetric around `centre`
    };

    explicit SpectrumMapView(const QString &title, QWidget *parent = nullptr);
    /// The bold line above the map (e.g. to say why it is empty).
    void setTitle(const QString &title);

    /// Shows `map` (CV_32F). `valueLabel` names the colour bar (e.g. "log(1 + |X|)").
    void setMap(const cv::Mat &map, Scale scale, const QString &valueLabel, double centre = 0.0);
    /// Sequential maps only: a fixed range instead of the map's own (to compare several maps).
    void setFixedRange(double lo, double hi);
    void clear();

    const cv::Mat &map() const { return m_map; }
    QCustomPlot *plot() const { return m_plot; }
    PlotController *controller() const { return m_controller; }
    /// The colour range shown (for tests).
    double rangeLower() const;
    double rangeUpper() const;
    /// The map as CSV: fx, fy (fractions of Nyquist), value.
    QString csv() const;

    /// The frequency (fraction of Nyquist) of a column or row of an H × W shifted map.
    static double frequencyOf(int index, int size) { return 2.0 * double(index - size / 2) / double(size); }

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void recolour();
    /// Square cells: the axis with fewer pixels per unit keeps the map's extent, the other one is
    /// widened to the same scale (run after every layout, so a narrow or tall pane never stretches
    /// the spectrum).
    void keepCellsSquare();

    QLabel *m_title;
    QCustomPlot *m_plot;
    PlotController *m_controller;
    QCPColorMap *m_colorMap;
    QCPColorScale *m_colorScale;
    cv::Mat m_map;
    Scale m_scale = Scale::Sequential;
    double m_centre = 0;
    bool m_fixed = false;
    double m_lo = 0, m_hi = 1;
    double m_xCentre = 0, m_xSize = 2, m_yCentre = 0, m_ySize = 2; ///< the map's extent on each axis
};

} // namespace fopro::ui
