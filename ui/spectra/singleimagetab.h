#pragma once
// Spectra page, "Single image": the image, its log-amplitude and phase spectra and radial profile;
// an interactive band filter (shape, radii, hard or smooth edge) whose filtered image follows the
// sliders; and amplitude swap with a second image (A's phase with a mix of A's and B's amplitude).
// Images come from the Dataset page (its current image), a file (JPEG, PNG, TIFF, DICOM, ...) or
// drag and drop. Every computation runs as a job; while one runs, newer slider positions wait and
// only the latest is computed.

#include "core/spectral/spectrum.h"

#include <QtCore/QString>
#include <QtWidgets/QWidget>

#include <opencv2/core/mat.hpp>

#include <optional>
#include <vector>

class QCheckBox;
class QComboBox;
class QCustomPlot;
class QDoubleSpinBox;
class QLabel;
class QPushButton;
class QSlider;

namespace fopro::ui {

class ImageView;
class Page;
class PlotController;
class SpectrumMapView;

class SingleImageTab : public QWidget {
    Q_OBJECT
public:
    explicit SingleImageTab(Page *page, QWidget *parent = nullptr);

    /// Loads an image file (any format the dataset core decodes, DICOM included) as image A.
    void openFile(const QString &file);
    /// Uses a decoded RGB image (CV_8UC3) as image A, named `name`.
    void setImage(const cv::Mat &rgb, const QString &name);
    /// Loads image B for the amplitude swap.
    void openSwapFile(const QString &file);
    void setSwapImage(const cv::Mat &rgb, const QString &name);

    void setFilter(const spectral::BandFilter &filter, bool enabled);
    spectral::BandFilter filter() const;
    bool filterEnabled() const;
    void setSwapRatio(double ratio);

    /// True while a computation is running or waiting.
    bool isComputing() const { return m_busy || m_pendingFilter || m_pendingSwap; }
    bool hasImage() const { return !m_rgb.empty(); }
    /// The displayed results (for tests).
    const cv::Mat &filteredImage() const { return m_filtered; }
    const cv::Mat &swappedImage() const { return m_swapped; }
    const std::vector<double> &profile() const { return m_profile; }
    SpectrumMapView *amplitudeView() const { return m_amplitude; }

Q_SIGNALS:
    void computingChanged(bool computing);

private:
    struct Analysis;
    void analyse(const cv::Mat &rgb, const QString &name);
    void scheduleFilter();
    void scheduleSwap();
    void runNext();
    void updateFilterControls();
    void showProfiles();
    QString pickImageFile();

    Page *m_page;
    ImageView *m_original, *m_filteredView, *m_swapB, *m_swapResult;
    SpectrumMapView *m_amplitude, *m_phase;
    QCustomPlot *m_profilePlot;
    PlotController *m_profileController;
    QLabel *m_source;
    QComboBox *m_shape;
    QSlider *m_low, *m_high, *m_ratio;
    QLabel *m_lowLabel, *m_highLabel, *m_ratioLabel;
    QDoubleSpinBox *m_softness;
    QCheckBox *m_smooth;

    cv::Mat m_rgb;     ///< image A as analysed (at most kMaxSide on its long side)
    cv::Mat m_preview; ///< image A at most kPreviewSide: what the live filter runs on
    cv::Mat m_b;       ///< image B
    cv::Mat m_filtered, m_swapped;
    std::vector<double> m_profile, m_filteredProfile;
    QString m_name;
    bool m_busy = false;
    bool m_pendingFilter = false, m_pendingSwap = false;
    int m_generation = 0;
};

} // namespace fopro::ui
