#pragma once
// Spectra page, "Learned prompt": the Fourier prompt a FoPro-KD run learned. The gain map per
// channel (diverging colours centred on 1: red amplifies, blue attenuates; colour bar; value on
// hover), the radial gain against frequency (bands chosen to line up with the teacher probe), an
// epoch slider over the snapshots the run kept, and a few of the project's images before and after
// the prompt (what the teacher was shown, at the run's image size).

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

    Page *m_page;
    QComboBox *m_run, *m_channel;
    QSlider *m_epoch;
    QLabel *m_epochLabel, *m_status;
    QSpinBox *m_bands;
    SpectrumMapView *m_mapView;
    QCustomPlot *m_profile;
    PlotController *m_profileController;
    std::vector<ImageView *> m_before, m_after;
    std::vector<int> m_epochs;
    spectral::GainMap m_map, m_firstMap;
    bool m_busy = false;
    int m_generation = 0;
};

} // namespace fopro::ui
