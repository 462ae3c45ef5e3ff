#include "ui/spectra/singleimagetab.h"

#include "core/data/dicomreader.h"
#include "core/data/imageloader.h"
#include "ui/common/imageconvert.h"
#include "ui/common/plotcontroller.h"
#include "ui/common/plotpalette.h"
#include "ui/common/qcustomplotinclude.h"
#include "ui/shell/page.h"
#include "ui/spectra/imageview.h"
#include "ui/spectra/spectrummapview.h"

#include <QtCore/QFileInfo>
#include <QtWidgets/QCheckBox>
#include <QtWidgets/QComboBox>
#include <QtWidgets/QDoubleSpinBox>
#include <QtWidgets/QFileDialog>
#include <QtWidgets/QFormLayout>
#include <QtWidgets/QGridLayout>
#include <QtWidgets/QGroupBox>
#include <QtWidgets/QHBoxLayout>
#include <QtWidgets/QLabel>
#include <QtWidgets/QMessageBox>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QSlider>
#include <QtWidgets/QSplitter>
#include <QtWidgets/QVBoxLayout>

#include <opencv2/imgproc.hpp>

namespace fopro::ui {

namespace {

constexpr int kMaxSide = 1024;    // spectra of larger images are computed on a downscaled copy
constexpr int kPreviewSide = 512; // the live filter preview
constexpr int kBands = 32;        // radial profile bands
constexpr int kSliderSteps = 100; // sliders step 0.01 × Nyquist

cv::Mat limitSide(const cv::Mat &rgb, int side)
{
    const int longSide = std::max(rgb.cols, rgb.rows);
    if (longSide <= side) return rgb;
    const double s = double(side) / longSide;
    cv::Mat out;
    cv::resize(rgb, out, cv::Size(std::max(1, int(rgb.cols * s)), std::max(1, int(rgb.rows * s))), 0, 0,
               cv::INTER_AREA);
    return out;
}

Result<cv::Mat> loadAnyImage(const QString &file)
{
    if (data::hasDicomMagic(file)) return data::decodeDicomFrame(file, 0);
    return data::loadImageFile(file);
}

std::vector<double> logAmplitudeProfile(const cv::Mat &rgb)
{
    return spectral::radialProfile(spectral::spectrum(spectral::toPlane(rgb)).logAmplitude, kBands);
}

} // namespace

/// What a job computes for image A: its spectra and profile.
struct SingleImageTab::Analysis {
    cv::Mat rgb, preview;
    cv::Mat logAmplitude, phase;
    std::vector<double> profile;
};

SingleImageTab::SingleImageTab(Page *page, QWidget *parent)
    : QWidget(parent), m_page(page), m_original(new ImageView(tr("Image"), this)),
      m_filteredView(new ImageView(tr("Filtered"), this)),
      m_swapB(new ImageView(tr("Image B (amplitude source)"), this)),
      m_swapResult(new ImageView(tr("A's phase with the mixed amplitude"), this)),
      m_amplitude(new SpectrumMapView(tr("Log-amplitude spectrum"), this)),
      m_phase(new SpectrumMapView(tr("Phase spectrum"), this)), m_profilePlot(new QCustomPlot(this)),
      m_source(new QLabel(this)), m_shape(new QComboBox(this)), m_low(new QSlider(Qt::Horizontal, this)),
      m_high(new QSlider(Qt::Horizontal, this)), m_ratio(new QSlider(Qt::Horizontal, this)),
      m_lowLabel(new QLabel(this)), m_highLabel(new QLabel(this)), m_ratioLabel(new QLabel(this)),
      m_softness(new QDoubleSpinBox(this)), m_smooth(new QCheckBox(tr("Smooth edge"), this))
{
    const QString dropHint = tr("Drop an image here, open a file, or send the current image from the Dataset page");
    m_original->setPlaceholder(dropHint);
    m_filteredView->setPlaceholder(tr("Choose a filter shape to see the filtered image"));
    m_swapB->setPlaceholder(tr("Open a second image to mix its amplitude into the first"));
    m_swapResult->setPlaceholder(tr("Needs image B"));

    // Source row.
    auto *open = new QPushButton(tr("&Open image…"), this);
    open->setToolTip(tr("JPEG, PNG, BMP, TIFF, WebP or DICOM"));
    connect(open, &QPushButton::clicked, this, [this] {
        const QString file = pickImageFile();
        if (!file.isEmpty()) openFile(file);
    });
    m_source->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_source->setText(tr("No image"));
    auto *sourceRow = new QHBoxLayout;
    sourceRow->addWidget(open);
    sourceRow->addWidget(m_source, 1);

    // Filter controls.
    m_shape->addItem(tr("No filter"));
    m_shape->addItem(tr("Low-pass"), int(spectral::FilterShape::LowPass));
    m_shape->addItem(tr("High-pass"), int(spectral::FilterShape::HighPass));
    m_shape->addItem(tr("Band-pass"), int(spectral::FilterShape::BandPass));
    m_shape->addItem(tr("Band-stop"), int(spectral::FilterShape::BandStop));
    m_shape->setToolTip(tr("Which frequencies to keep"));
    for (QSlider *s : {m_low, m_high}) {
        s->setRange(0, kSliderSteps);
        s->setPageStep(5);
    }
    m_low->setValue(10);
    m_high->setValue(40);
    m_low->setAccessibleName(tr("Lower radius"));
    m_high->setAccessibleName(tr("Upper radius"));
    m_softness->setRange(0.01, 0.5);
    m_softness->setSingleStep(0.01);
    m_softness->setValue(0.05);
    m_softness->setSuffix(tr(" × Nyquist"));
    m_softness->setToolTip(tr("Width of the smooth edge (10 % to 90 % of the gain)"));
    auto *filterBox = new QGroupBox(tr("Band filter"), this);
    auto *filterForm = new QFormLayout(filterBox);
    filterForm->addRow(tr("&Shape:"), m_shape);
    auto *lowRow = new QHBoxLayout;
    lowRow->addWidget(m_low, 1);
    lowRow->addWidget(m_lowLabel);
    auto *highRow = new QHBoxLayout;
    highRow->addWidget(m_high, 1);
    highRow->addWidget(m_highLabel);
    filterForm->addRow(tr("Lower radius:"), lowRow);
    filterForm->addRow(tr("Upper radius:"), highRow);
    auto *softRow = new QHBoxLayout;
    softRow->addWidget(m_smooth);
    softRow->addWidget(m_softness, 1);
    filterForm->addRow(softRow);
    connect(m_shape, &QComboBox::currentIndexChanged, this, [this] {
        updateFilterControls();
        scheduleFilter();
    });
    connect(m_low, &QSlider::valueChanged, this, [this](int v) {
        if (m_high->value() < v) m_high->setValue(v);
        updateFilterControls();
        scheduleFilter();
    });
    connect(m_high, &QSlider::valueChanged, this, [this](int v) {
        if (m_low->value() > v) m_low->setValue(v);
        updateFilterControls();
        scheduleFilter();
    });
    connect(m_smooth, &QCheckBox::toggled, this, [this] {
        updateFilterControls();
        scheduleFilter();
    });
    connect(m_softness, &QDoubleSpinBox::valueChanged, this, &SingleImageTab::scheduleFilter);

    // Amplitude swap controls.
    auto *openB = new QPushButton(tr("Open image &B…"), this);
    connect(openB, &QPushButton::clicked, this, [this] {
        const QString file = pickImageFile();
        if (!file.isEmpty()) openSwapFile(file);
    });
    m_ratio->setRange(0, kSliderSteps);
    m_ratio->setValue(kSliderSteps);
    m_ratio->setAccessibleName(tr("Amplitude mix"));
    m_ratio->setToolTip(tr("0: A's own amplitude; 1: B's amplitude with A's phase"));
    connect(m_ratio, &QSlider::valueChanged, this, [this] {
        updateFilterControls();
        scheduleSwap();
    });
    auto *swapBox = new QGroupBox(tr("Amplitude swap"), this);
    auto *swapForm = new QFormLayout(swapBox);
    swapForm->addRow(openB);
    auto *ratioRow = new QHBoxLayout;
    ratioRow->addWidget(m_ratio, 1);
    ratioRow->addWidget(m_ratioLabel);
    swapForm->addRow(tr("B's share:"), ratioRow);

    // Radial profile plot: original and filtered profiles, and the filter's gain on the right axis.
    m_profilePlot->setMinimumSize(200, 150);
    m_profilePlot->xAxis->setLabel(tr("radial frequency (× Nyquist)"));
    m_profilePlot->yAxis->setLabel(tr("mean log(1 + |X|)"));
    m_profilePlot->yAxis2->setLabel(tr("filter gain"));
    m_profilePlot->yAxis2->setVisible(true);
    m_profilePlot->xAxis->ticker()->setTickCount(3);
    m_profilePlot->yAxis2->setRange(0, 1.05);
    m_profilePlot->legend->setVisible(true);
    m_profilePlot->legend->setFont(font());
    m_profilePlot->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);
    m_profileController = new PlotController(m_profilePlot);
    m_profileController->setExportName(QStringLiteral("radial-profile"));
    connect(m_profileController, &PlotController::paletteChanged, this, &SingleImageTab::showProfiles);

    auto *controls = new QVBoxLayout;
    controls->addWidget(filterBox);
    controls->addWidget(swapBox);
    controls->addStretch(1);
    auto *controlsWidget = new QWidget(this);
    controlsWidget->setLayout(controls);
    controlsWidget->setMaximumWidth(340);

    auto *grid = new QGridLayout;
    grid->addWidget(m_original, 0, 0);
    grid->addWidget(m_amplitude, 0, 1);
    grid->addWidget(m_phase, 0, 2);
    grid->addWidget(m_filteredView, 1, 0);
    grid->addWidget(m_profilePlot, 1, 1);
    auto *swapColumn = new QHBoxLayout;
    swapColumn->addWidget(m_swapB);
    swapColumn->addWidget(m_swapResult);
    grid->addLayout(swapColumn, 1, 2);
    for (int c = 0; c < 3; ++c)
        grid->setColumnStretch(c, 1);

    auto *body = new QHBoxLayout;
    body->addLayout(grid, 1);
    body->addWidget(controlsWidget);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(sourceRow);
    layout->addLayout(body, 1);
    updateFilterControls();
}

QString SingleImageTab::pickImageFile()
{
    return QFileDialog::getOpenFileName(
        this, tr("Open image"), QString(),
        tr("Images (*.jpg *.jpeg *.png *.bmp *.tif *.tiff *.webp *.dcm);;All files (*)"));
}

void SingleImageTab::openFile(const QString &file)
{
    const auto image = loadAnyImage(file);
    if (!image) {
        QMessageBox::warning(this, tr("Cannot open the image"), image.error().message());
        return;
    }
    setImage(*image, QFileInfo(file).fileName());
}

void SingleImageTab::openSwapFile(const QString &file)
{
    const auto image = loadAnyImage(file);
    if (!image) {
        QMessageBox::warning(this, tr("Cannot open the image"), image.error().message());
        return;
    }
    setSwapImage(*image, QFileInfo(file).fileName());
}

void SingleImageTab::setImage(const cv::Mat &rgb, const QString &name)
{
    if (rgb.empty()) return;
    m_name = name;
    analyse(rgb, name);
}

void SingleImageTab::setSwapImage(const cv::Mat &rgb, const QString &name)
{
    if (rgb.empty()) return;
    m_b = limitSide(rgb, kMaxSide).clone();
    m_swapB->setCaption(tr("Image B: %1").arg(name));
    m_swapB->setImage(toQImage(m_b));
    scheduleSwap();
}

void SingleImageTab::analyse(const cv::Mat &rgb, const QString &name)
{
    const int generation = ++m_generation;
    const cv::Mat input = rgb.clone();
    m_source->setText(tr("%1 — %2 × %3 px").arg(name).arg(rgb.cols).arg(rgb.rows) +
                      (std::max(rgb.cols, rgb.rows) > kMaxSide
                           ? tr(" (spectra computed at %1 px on the long side)").arg(kMaxSide)
                           : QString()));
    m_busy = true;
    Q_EMIT computingChanged(true);
    m_page->jobs()->submit<Analysis>(
        JobManager::Kind::Io, tr("Spectrum of %1").arg(name),
        [input](JobControl &, const ProgressSink &) -> Result<Analysis> {
            Analysis a;
            a.rgb = limitSide(input, kMaxSide);
            a.preview = limitSide(a.rgb, kPreviewSide);
            const spectral::Spectrum s = spectral::spectrum(spectral::toPlane(a.rgb));
            a.logAmplitude = s.logAmplitude;
            a.phase = s.phase;
            a.profile = spectral::radialProfile(s.logAmplitude, kBands);
            return a;
        },
        [this, generation](const Result<Analysis> &r) {
            m_busy = false;
            if (generation == m_generation && r.ok()) {
                m_rgb = r->rgb;
                m_preview = r->preview;
                m_profile = r->profile;
                m_original->setCaption(tr("Image: %1").arg(m_name));
                m_original->setImage(toQImage(m_rgb));
                m_amplitude->setMap(r->logAmplitude, SpectrumMapView::Scale::Sequential, tr("log(1 + |X|)"));
                m_phase->setMap(r->phase, SpectrumMapView::Scale::Cyclic, tr("phase (rad)"));
                m_filteredProfile.clear();
                showProfiles();
                m_pendingFilter = m_pendingSwap = true;
            } else if (!r.ok() && r.error().code != ErrorCode::Cancelled) {
                QMessageBox::warning(this, tr("Spectrum"), r.error().message());
            }
            runNext();
        },
        this);
}

spectral::BandFilter SingleImageTab::filter() const
{
    spectral::BandFilter f;
    f.shape = spectral::FilterShape(m_shape->currentData().isValid() ? m_shape->currentData().toInt() : 0);
    f.low = m_low->value() / double(kSliderSteps);
    f.high = m_high->value() / double(kSliderSteps);
    f.softness = m_smooth->isChecked() ? m_softness->value() : 0.0;
    return f;
}

bool SingleImageTab::filterEnabled() const
{
    return m_shape->currentIndex() > 0;
}

void SingleImageTab::setFilter(const spectral::BandFilter &f, bool enabled)
{
    const QSignalBlocker b1(m_shape), b2(m_low), b3(m_high), b4(m_smooth), b5(m_softness);
    m_shape->setCurrentIndex(enabled ? m_shape->findData(int(f.shape)) : 0);
    m_low->setValue(int(std::lround(f.low * kSliderSteps)));
    m_high->setValue(int(std::lround(f.high * kSliderSteps)));
    m_smooth->setChecked(f.softness > 0);
    if (f.softness > 0) m_softness->setValue(f.softness);
    updateFilterControls();
    scheduleFilter();
}

void SingleImageTab::setSwapRatio(double ratio)
{
    m_ratio->setValue(int(std::lround(ratio * kSliderSteps)));
}

void SingleImageTab::updateFilterControls()
{
    const bool on = filterEnabled();
    const auto shape = filter().shape;
    m_low->setEnabled(on && shape != spectral::FilterShape::LowPass);
    m_high->setEnabled(on && shape != spectral::FilterShape::HighPass);
    m_smooth->setEnabled(on);
    m_softness->setEnabled(on && m_smooth->isChecked());
    m_lowLabel->setText(QStringLiteral("%1").arg(m_low->value() / double(kSliderSteps), 0, 'f', 2));
    m_highLabel->setText(QStringLiteral("%1").arg(m_high->value() / double(kSliderSteps), 0, 'f', 2));
    m_ratioLabel->setText(QStringLiteral("%1").arg(m_ratio->value() / double(kSliderSteps), 0, 'f', 2));
}

void SingleImageTab::scheduleFilter()
{
    m_pendingFilter = true;
    runNext();
}

void SingleImageTab::scheduleSwap()
{
    m_pendingSwap = true;
    runNext();
}

void SingleImageTab::runNext()
{
    if (m_busy) return; // the one in flight calls back here when it ends
    if (m_rgb.empty()) {
        m_pendingFilter = m_pendingSwap = false;
        Q_EMIT computingChanged(false);
        return;
    }
    if (m_pendingFilter) {
        m_pendingFilter = false;
        if (!filterEnabled()) {
            m_filtered.release();
            m_filteredProfile.clear();
            m_filteredView->setImage({});
            m_filteredView->setCaption(tr("Filtered"));
            showProfiles();
            runNext();
            return;
        }
        m_busy = true;
        const cv::Mat preview = m_preview;
        const spectral::BandFilter f = filter();
        m_page->jobs()->submit<std::pair<cv::Mat, std::vector<double>>>(
            JobManager::Kind::Io, tr("Band filter"),
            [preview, f](JobControl &, const ProgressSink &) -> Result<std::pair<cv::Mat, std::vector<double>>> {
                const cv::Mat out = spectral::applyFilter(preview, f);
                return std::make_pair(out, logAmplitudeProfile(out));
            },
            [this](const Result<std::pair<cv::Mat, std::vector<double>>> &r) {
                m_busy = false;
                if (r.ok()) {
                    m_filtered = r->first;
                    m_filteredProfile = r->second;
                    m_filteredView->setCaption(
                        tr("Filtered (%1 px preview)").arg(std::max(m_filtered.cols, m_filtered.rows)));
                    m_filteredView->setImage(toQImage(m_filtered));
                    showProfiles();
                }
                runNext();
            },
            this);
        return;
    }
    if (m_pendingSwap) {
        m_pendingSwap = false;
        if (m_b.empty()) {
            runNext();
            return;
        }
        m_busy = true;
        const cv::Mat a = m_rgb, b = m_b;
        const double ratio = m_ratio->value() / double(kSliderSteps);
        m_page->jobs()->submit<cv::Mat>(
            JobManager::Kind::Io, tr("Amplitude swap"),
            [a, b, ratio](JobControl &, const ProgressSink &) { return spectral::amplitudeSwap(a, b, ratio); },
            [this, ratio](const Result<cv::Mat> &r) {
                m_busy = false;
                if (r.ok()) {
                    m_swapped = *r;
                    m_swapResult->setCaption(
                        tr("A's phase, amplitude %1 A + %2 B").arg(1 - ratio, 0, 'f', 2).arg(ratio, 0, 'f', 2));
                    m_swapResult->setImage(toQImage(m_swapped));
                } else {
                    m_swapResult->setCaption(r.error().message());
                }
                runNext();
            },
            this);
        return;
    }
    Q_EMIT computingChanged(false);
}

void SingleImageTab::showProfiles()
{
    m_profilePlot->clearGraphs();
    const PlotPalette &pal = m_profileController->palette();
    const std::vector<double> x = spectral::bandCentres(kBands);
    const auto addCurve = [&](const std::vector<double> &y, const QString &name, const QColor &colour,
                              QCPAxis *valueAxis) {
        if (y.empty()) return;
        QCPGraph *g = m_profilePlot->addGraph(m_profilePlot->xAxis, valueAxis);
        g->setName(name);
        g->setPen(QPen(colour, 2));
        g->setData(QVector<double>(x.begin(), x.end()), QVector<double>(y.begin(), y.end()));
    };
    addCurve(m_profile, tr("image"), PlotPalette::categorical(0), m_profilePlot->yAxis);
    addCurve(m_filteredProfile, tr("filtered"), PlotPalette::categorical(1), m_profilePlot->yAxis);
    if (filterEnabled()) {
        // The filter's gain along ρ, sampled finely.
        const spectral::BandFilter f = filter();
        std::vector<double> gain(kBands);
        for (int b = 0; b < kBands; ++b)
            gain[std::size_t(b)] = spectral::filterGain(x[std::size_t(b)], f);
        addCurve(gain, tr("filter gain"), pal.muted, m_profilePlot->yAxis2);
    }
    m_profilePlot->xAxis->setRange(0, 1);
    if (m_profilePlot->graphCount() > 0) m_profilePlot->yAxis->rescale();
    m_profilePlot->legend->setVisible(m_profilePlot->graphCount() > 0);
    m_profileController->requestReplot();
}

} // namespace fopro::ui
