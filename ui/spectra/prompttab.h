#pragma once
// Spectra page, "Learned prompt": the Fourier prompt a FoPro-KD run learned. The gain map per
// channel (diverging colours centred on 1: red amplifies, blue attenuates; colour bar; value on
// hover), the radial gain against frequency (bands chosen to line up with the teacher probe), an
// epoch slider over the snapshots the run kept, and a few of the project's images before and after
// the prompt (what the teacher was shown, at the run's image size). A conditional prompt computes
// its gain from each image: its snapshots hold a batch mean, so the pairs are shown with each image's
// own gain (the run's last checkpoint, ml::conditionalPromptGain) and "Gain of" shows one image's
// map and profile.

#include "core/spectral/gainmap.h"

#include <QtWidgets/QWidget>

#include <vector>

class QComboBox;
class QCustomPlot;
class QLabel;
class QSlider;
class QSpinBox;

namespace fopro::ui {

class ImageView;
class Page;
class PlotController;
class SpectrumMapView;

class PromptTab : public QWidget {
    Q_OBJECT
public:
    explicit PromptTab(Page *page, QWidget *parent = nullptr);

    /// Lists the runs of the project (its runs/ folder) that kept prompt snapshots.
    void refreshRuns();
    /// Shows the run in `dir` (adds it to the list when it is not a project run).
    bool showRun(const QString &dir);
    void setEpoch(int epoch);
    int bands() const;
    void setBands(int bands);

    QString currentRun() const;
    int currentEpoch() const;
    const spectral::GainMap &gainMap() const { return m_map; }
    /// The radial gain profile shown (for the probe tab's overlay and tests).
    std::vector<double> radialGain() const;
    SpectrumMapView *mapView() const { return m_mapView; }
    bool isComputing() const { return m_busy; }
    /// Conditional runs: the per-image gains of the shown pairs (empty otherwise) and the choice of
    /// the map shown (-1: the epoch's snapshot, k: the k-th image's own gain).
    const std::vector<spectral::GainMap> &imageGains() const { return m_imageGains; }
    void showGainOf(int image);

Q_SIGNALS:
    /// The shown gain changed (run, epoch or bands).
    void gainChanged();
    void computingChanged(bool computing);

private:
    void runChanged();
    void loadEpoch();
    void showMap();
    void showProfile();
    void showPairs();
    /// The map on screen: the epoch's snapshot, or the chosen image's own gain.
    const spectral::GainMap &shownMap() const;

    Page *m_page;
    QComboBox *m_run, *m_channel, *m_gainOf;
    QSlider *m_epoch;
    QLabel *m_epochLabel, *m_status;
    QSpinBox *m_bands;
    SpectrumMapView *m_mapView;
    QCustomPlot *m_profile;
    PlotController *m_profileController;
    std::vector<ImageView *> m_before, m_after;
    std::vector<int> m_epochs;
    spectral::GainMap m_map, m_firstMap;
    std::vector<spectral::GainMap> m_imageGains;
    bool m_conditional = false;
    bool m_busy = false;
    int m_generation = 0;
};

} // namespace fopro::ui
