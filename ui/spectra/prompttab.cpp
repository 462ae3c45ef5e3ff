#include "ui/spectra/prompttab.h"

#include "core/data/imageloader.h"
#include "core/project/runfolder.h"
#include "core/spectral/spectrum.h"
#include "ui/common/imageconvert.h"
#include "ui/common/plotcontroller.h"
#include "ui/common/plotpalette.h"
#include "ui/common/qcustomplotinclude.h"
#include "ui/shell/page.h"
#include "ui/shell/projectdocument.h"
#include "ui/spectra/imageview.h"
#include "ui/spectra/spectrummapview.h"

#include <QtCore/QDir>
#include <QtCore/QJsonArray>
#include <QtWidgets/QComboBox>
#include <QtWidgets/QFileDialog>
#include <QtWidgets/QGridLayout>
#include <QtWidgets/QHBoxLayout>
#include <QtWidgets/QLabel>
#include <QtWidgets/QMessageBox>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QSlider>
#include <QtWidgets/QSpinBox>
#include <QtWidgets/QSplitter>
#include <QtWidgets/QVBoxLayout>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <array>

namespace fopro::ui {

namespace {

constexpr int kPairs = 3;

struct Prompted {
    std::vector<cv::Mat> before, after;
    std::vector<QString> names;
};

/// x̃ = σ·irfft(G · rfft((x − μ)/σ)) + μ per channel: the prompt acts on the normalised image, as in
/// training; shown de-normalised. `rgb` is resized (shorter side, centre crop) to the map's size.
cv::Mat applyGain(const cv::Mat &rgb, const spectral::GainMap &map, const std::array<double, 3> &mean)
{
    cv::Mat square = data::resizeImage(rgb, data::ResizeSpec{map.height, data::ResizePolicy::ShorterSideCrop});
    if (map.width != map.height) cv::resize(rgb, square, cv::Size(map.width, map.height), 0, 0, cv::INTER_AREA);
    std::vector<cv::Mat> channels(3), out(3);
    cv::split(square, channels);
    for (int c = 0; c < 3; ++c) {
        cv::Mat gain = map.fullShifted(std::min(c, map.channels - 1));
        spectral::ifftShift(gain);
        cv::Mat gain2;
        cv::merge(std::vector<cv::Mat>{gain, gain}, gain2);
        cv::Mat x;
        channels[std::size_t(c)].convertTo(x, CV_32F, 1.0 / 255.0, -mean[std::size_t(c)]);
        // σ cancels: G acts linearly, so scaling by 1/σ and back by σ changes nothing.
        cv::Mat spec = spectral::dft(x);
        cv::multiply(spec, gain2, spec);
        cv::Mat back;
        cv::dft(spec, back, cv::DFT_INVERSE | cv::DFT_SCALE | cv::DFT_REAL_OUTPUT);
        back.convertTo(out[std::size_t(c)], CV_8U, 255.0, 255.0 * mean[std::size_t(c)]);
    }
    cv::Mat result;
    cv::merge(out, result);
    return result;
}

} // namespace

PromptTab::PromptTab(Page *page, QWidget *parent)
    : QWidget(parent), m_page(page), m_run(new QComboBox(this)), m_channel(new QComboBox(this)),
      m_epoch(new QSlider(Qt::Horizontal, this)), m_epochLabel(new QLabel(this)), m_status(new QLabel(this)),
      m_bands(new QSpinBox(this)), m_mapView(new SpectrumMapView(tr("Learned gain G"), this)),
      m_profile(new QCustomPlot(this))
{
    m_run->setMinimumContentsLength(24);
    m_run->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_run->setToolTip(tr("FoPro-KD runs of this project that kept the prompt of each epoch"));
    auto *openRun = new QPushButton(tr("Open run &folder…"), this);
    connect(openRun, &QPushButton::clicked, this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Open a FoPro-KD run folder"));
        if (!dir.isEmpty() && !showRun(dir))
            QMessageBox::information(
                this, tr("Learned prompt"),
                tr("%1 holds no prompt snapshots (not a FoPro-KD run, or from an older version).").arg(dir));
    });
    m_channel->addItem(tr("Mean of channels"), -1);
    m_channel->addItem(tr("Red"), 0);
    m_channel->addItem(tr("Green"), 1);
    m_channel->addItem(tr("Blue"), 2);
    m_epoch->setEnabled(false);
    m_epoch->setAccessibleName(tr("Epoch"));
    m_bands->setRange(2, 64);
    m_bands->setValue(8);
    m_bands->setSuffix(tr(" bands"));
    m_bands->setToolTip(tr("Radial bands of the gain profile; the teacher probe uses the same band edges"));
    m_status->setWordWrap(true);

    connect(m_run, &QComboBox::currentIndexChanged, this, &PromptTab::runChanged);
    connect(m_epoch, &QSlider::valueChanged, this, &PromptTab::loadEpoch);
    connect(m_channel, &QComboBox::currentIndexChanged, this, &PromptTab::showMap);
    connect(m_bands, &QSpinBox::valueChanged, this, [this] {
        showProfile();
        Q_EMIT gainChanged();
    });

    auto *row = new QHBoxLayout;
    row->addWidget(new QLabel(tr("&Run:"), this));
    qobject_cast<QLabel *>(row->itemAt(0)->widget())->setBuddy(m_run);
    row->addWidget(m_run, 1);
    row->addWidget(openRun);
    row->addWidget(new QLabel(tr("Epoch:"), this));
    row->addWidget(m_epoch, 1);
    row->addWidget(m_epochLabel);
    row->addWidget(m_channel);
    row->addWidget(m_bands);

    m_profile->setMinimumSize(220, 150);
    m_profile->xAxis->setLabel(tr("radial frequency (× Nyquist)"));
    m_profile->yAxis->setLabel(tr("mean gain"));
    m_profile->legend->setVisible(true);
    m_profileController = new PlotController(m_profile);
    m_profileController->setExportName(QStringLiteral("prompt-radial-gain"));
    connect(m_profileController, &PlotController::paletteChanged, this, &PromptTab::showProfile);

    auto *pairs = new QWidget(this);
    auto *pairGrid = new QGridLayout(pairs);
    pairGrid->setContentsMargins(0, 0, 0, 0);
    for (int k = 0; k < kPairs; ++k) {
        auto *before = new ImageView(tr("Image"), pairs);
        auto *after = new ImageView(tr("With the prompt"), pairs);
        before->setPlaceholder(tr("Open a project with images"));
        after->setPlaceholder(tr("Pick a run"));
        pairGrid->addWidget(before, 0, k);
        pairGrid->addWidget(after, 1, k);
        m_before.push_back(before);
        m_after.push_back(after);
    }

    auto *right = new QSplitter(Qt::Vertical, this);
    right->addWidget(m_profile);
    right->addWidget(pairs);
    auto *split = new QSplitter(Qt::Horizontal, this);
    split->addWidget(m_mapView);
    split->addWidget(right);
    split->setStretchFactor(0, 1);
    split->setStretchFactor(1, 1);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(row);
    layout->addWidget(m_status);
    layout->addWidget(split, 1);
    refreshRuns();
}

void PromptTab::runChanged()
{
    m_epochs = spectral::gainSnapshotEpochs(currentRun());
    {
        const QSignalBlocker block(m_epoch);
        m_epoch->setEnabled(m_epochs.size() > 1);
        m_epoch->setRange(0, std::max(0, int(m_epochs.size()) - 1));
        m_epoch->setValue(m_epoch->maximum());
    }
    m_firstMap = {};
    loadEpoch();
}

void PromptTab::refreshRuns()
{
    const QString keep = currentRun();
    {
        const QSignalBlocker block(m_run);
        m_run->clear();
        const ProjectDocument *doc = m_page->document();
        if (doc && doc->hasFolder()) {
            for (const project::RunSummary &r :
                 project::RunFolder::list(QDir(doc->project().folder).filePath(QStringLiteral("runs")))) {
                if (spectral::gainSnapshotEpochs(r.dir).empty()) continue;
                m_run->addItem(
                    tr("%1 (%2, %3/%4 epochs)").arg(r.name, r.strategy).arg(r.status.epochsDone).arg(r.status.epochs),
                    r.dir);
            }
        }
        const int i = m_run->findData(keep);
        m_run->setCurrentIndex(i >= 0 ? i : 0);
    }
    m_status->setText(m_run->count() ? QString()
                                     : tr("No FoPro-KD run with prompt snapshots in this project yet. Train one on the "
                                          "Training page, or open a run folder."));
    runChanged();
}

bool PromptTab::showRun(const QString &dir)
{
    if (spectral::gainSnapshotEpochs(dir).empty()) return false;
    int i = m_run->findData(QDir(dir).absolutePath());
    if (i < 0) {
        m_run->addItem(QDir(dir).dirName(), QDir(dir).absolutePath());
        i = m_run->count() - 1;
    }
    m_run->setCurrentIndex(i);
    m_status->clear();
    return true;
}

QString PromptTab::currentRun() const
{
    return m_run->currentData().toString();
}

int PromptTab::currentEpoch() const
{
    const int i = m_epoch->value();
    return i >= 0 && i < int(m_epochs.size()) ? m_epochs[std::size_t(i)] : 0;
}

void PromptTab::setEpoch(int epoch)
{
    const auto it = std::find(m_epochs.begin(), m_epochs.end(), epoch);
    if (it != m_epochs.end()) m_epoch->setValue(int(it - m_epochs.begin()));
}

int PromptTab::bands() const
{
    return m_bands->value();
}
void PromptTab::setBands(int bands)
{
    m_bands->setValue(bands);
}

std::vector<double> PromptTab::radialGain() const
{
    return m_map.isValid() ? m_map.radialProfile(bands()) : std::vector<double>{};
}

void PromptTab::loadEpoch()
{
    const int epoch = currentEpoch();
    m_epochLabel->setText(epoch > 0 ? tr("%1 of %2").arg(epoch).arg(m_epochs.empty() ? 0 : m_epochs.back())
                                    : QString());
    if (epoch <= 0) {
        m_map = {};
        showMap();
        showProfile();
        showPairs();
        Q_EMIT gainChanged();
        return;
    }
    auto map = spectral::loadGainMap(spectral::gainSnapshotPath(currentRun(), epoch));
    if (!map) {
        m_status->setText(map.error().message());
        m_map = {};
    } else {
        m_map = std::move(*map);
        if (!m_firstMap.isValid() && !m_epochs.empty()) {
            auto first = spectral::loadGainMap(spectral::gainSnapshotPath(currentRun(), m_epochs.front()));
            if (first) m_firstMap = std::move(*first);
        }
        m_status->setText(
            tr("Gain over the %1 × %2 spectrum of the teacher's input; 1 leaves a frequency as it is, above "
               "1 amplifies it, below 1 attenuates it.")
                .arg(m_map.width)
                .arg(m_map.height));
    }
    showMap();
    showProfile();
    showPairs();
    Q_EMIT gainChanged();
}

void PromptTab::showMap()
{
    if (!m_map.isValid()) {
        m_mapView->clear();
        return;
    }
    m_mapView->setMap(m_map.fullShifted(m_channel->currentData().toInt()), SpectrumMapView::Scale::Diverging,
                      tr("gain"), 1.0);
}

void PromptTab::showProfile()
{
    m_profile->clearGraphs();
    const int k = bands();
    const std::vector<double> x = spectral::bandCentres(k);
    const QVector<double> keys(x.begin(), x.end());
    const PlotPalette &pal = m_profileController->palette();
    if (m_map.isValid()) {
        QCPGraph *identity = m_profile->addGraph();
        identity->setName(tr("no change (1)"));
        identity->setPen(QPen(pal.muted, 1, Qt::DashLine));
        identity->setData({0.0, 1.0}, {1.0, 1.0});
        if (m_firstMap.isValid() && currentEpoch() != m_epochs.front()) {
            const auto first = m_firstMap.radialProfile(k);
            QCPGraph *g = m_profile->addGraph();
            g->setName(tr("epoch %1").arg(m_epochs.front()));
            g->setPen(QPen(PlotPalette::categorical(5), 1.5));
            g->setData(keys, QVector<double>(first.begin(), first.end()));
        }
        const auto now = m_map.radialProfile(k);
        QCPGraph *g = m_profile->addGraph();
        g->setName(tr("epoch %1").arg(currentEpoch()));
        g->setPen(QPen(PlotPalette::categorical(1), 2.2));
        g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, 5));
        g->setData(keys, QVector<double>(now.begin(), now.end()));
    }
    m_profile->xAxis->setRange(0, 1);
    m_profile->yAxis->rescale();
    const QCPRange r = m_profile->yAxis->range();
    m_profile->yAxis->setRange(std::min(r.lower, 0.95), std::max(r.upper, 1.05));
    m_profileController->requestReplot();
}

void PromptTab::showPairs()
{
    const ProjectDocument *doc = m_page->document();
    for (int k = 0; k < kPairs; ++k)
        m_after[std::size_t(k)]->setImage({});
    if (!doc || !m_map.isValid() || m_map.channels < 1) return;
    // One image of each of a few classes, spread over the class list (head to tail).
    const data::DatasetIndex index = doc->dataset();
    std::vector<int> picks;
    const int classes = index.classCount();
    for (int k = 0; k < kPairs && classes > 0; ++k) {
        const int cls = classes == 1 ? 0 : k * (classes - 1) / std::max(1, kPairs - 1);
        for (int i = 0; i < int(index.samples.size()); ++i)
            if (index.samples[std::size_t(i)].label == cls &&
                data::DatasetIndex::isActive(index.samples[std::size_t(i)]) &&
                std::find(picks.begin(), picks.end(), i) == picks.end()) {
                picks.push_back(i);
                break;
            }
    }
    std::array<double, 3> mean{0.485, 0.456, 0.406};
    if (auto config = project::RunFolder(currentRun()).readConfig(); config.ok()) {
        const QJsonArray m = config->value(QStringLiteral("mean")).toArray();
        if (m.size() == 3)
            for (int c = 0; c < 3; ++c)
                mean[std::size_t(c)] = m[c].toDouble();
    }
    const spectral::GainMap map = m_map;
    const int generation = ++m_generation;
    m_busy = true;
    Q_EMIT computingChanged(true);
    m_page->jobs()->submit<Prompted>(
        JobManager::Kind::Io, tr("Prompted images"),
        [index, picks, map, mean](JobControl &control, const ProgressSink &) -> Result<Prompted> {
            Prompted p;
            for (int i : picks) {
                if (control.isCancelled()) break;
                auto img = data::loadImage(index, index.samples[std::size_t(i)]);
                if (!img) continue;
                p.before.push_back(
                    data::resizeImage(*img, data::ResizeSpec{map.height, data::ResizePolicy::ShorterSideCrop}));
                p.after.push_back(applyGain(*img, map, mean));
                p.names.push_back(index.classes.value(index.samples[std::size_t(i)].label));
            }
            return p;
        },
        [this, generation](const Result<Prompted> &r) {
            m_busy = false;
            Q_EMIT computingChanged(false);
            if (generation != m_generation || !r.ok()) return;
            for (std::size_t k = 0; k < r->before.size() && k < m_before.size(); ++k) {
                m_before[k]->setCaption(
                    tr("%1 (as the teacher's input, %2 px)").arg(r->names[k]).arg(r->before[k].cols));
                m_before[k]->setImage(toQImage(r->before[k]));
                m_after[k]->setCaption(tr("with the prompt of epoch %1").arg(currentEpoch()));
                m_after[k]->setImage(toQImage(r->after[k]));
            }
        },
        this);
}

} // namespace fopro::ui
