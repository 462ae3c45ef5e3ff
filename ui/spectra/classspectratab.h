#pragma once
// Spectra page, "Per class" and "Spectral outliers": the mean log-amplitude spectrum of every class
// (one colour scale for all, so classes compare), every class's radial profile on one plot coloured
// by head / medium / tail as on the long-tail plot, the head-minus-tail difference map, and the
// images whose radial profile lies furthest from their class's (blurred, over-compressed,
// upscaled or other-device images). The statistics run as a job with progress and are cached in
// the project folder (cache/spectra-<size>-<bands>.bin); the cache is used only while the dataset
// is unchanged (its fingerprint matches), and the page says when the figures are out of date.

#include "core/spectral/classspectra.h"

#include <QtWidgets/QWidget>

#include <optional>

class QComboBox;
class QCustomPlot;
class QLabel;
class QListWidget;
class QProgressBar;
class QPushButton;
class QTableWidget;
class QTabWidget;

namespace fopro::ui {

class Page;
class PlotController;
class SpectrumMapView;

class ClassSpectraTab : public QWidget {
    Q_OBJECT
public:
    /// `outliers` is filled by this tab (it lives in another tab of the page).
    ClassSpectraTab(Page *page, QWidget *outliers, QWidget *parent = nullptr);

    /// Computes (or loads from the cache) the statistics for the current dataset.
    void compute();
    void cancel();
    /// Called when the project or its dataset changed: marks the figures out of date, or loads the
    /// cache that matches.
    void datasetChanged();

    bool isComputing() const { return m_job != 0; }
    const std::optional<spectral::ClassSpectra> &spectra() const { return m_spectra; }
    QString cacheFile() const;

    // For tests and screenshots.
    QListWidget *classGrid() const { return m_grid; }
    QCustomPlot *profilePlot() const { return m_profiles; }
    SpectrumMapView *differenceView() const { return m_difference; }
    QTableWidget *outlierTable() const { return m_outliers; }

Q_SIGNALS:
    void computingChanged(bool computing);
    /// The user asked to look at one image in the single-image view.
    void openSampleRequested(int sample);

private:
    void show();
    /// Hands the outlier scores to the project document (the Dataset page sorts and filters by
    /// them) while they belong to the current dataset.
    void publishScores();
    void showGrid();
    void showProfiles();
    void showOutliers();
    void setStatus(const QString &text);
    spectral::ClassSpectraOptions options() const;
    const spectral::SpectrumStats &statsOf(int cls) const;

    Page *m_page;
    QComboBox *m_size, *m_bands, *m_split;
    QPushButton *m_compute;
    QProgressBar *m_progress;
    QLabel *m_status;
    QListWidget *m_grid;
    QLabel *m_gridScale;
    QCustomPlot *m_profiles;
    PlotController *m_profileController;
    SpectrumMapView *m_difference;
    QTableWidget *m_outliers;
    QPushButton *m_showOutliers;
    std::optional<spectral::ClassSpectra> m_spectra;
    quint64 m_job = 0;
};

} // namespace fopro::ui
