#include "ui/spectra/prompttab.h"

#include "core/data/imageloader.h"
#include "core/ml/promptgain.h"
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

namespace fopro::ui {

namespace {

constexpr int kPairs = 3;

struct Prompted {
    std::vector<cv::Mat> before, after;
    std::vector<QString> names;
    std::vector<spectral::GainMap> gains; ///< conditional runs: each image's own gain
    QString problem;                      ///< the first image whose own gain could not be computed
};

/// x̃ = irfft2(G · rfft2(x)) per channel, on x in [0, 1] as training applies the prompt (to the
/// images before the teacher's own normalisation). `rgb` is resized (shorter side, centre crop) to
/// the map's size.
cv::Mat applyGain(const cv::Mat &rgb, const spectral::GainMap &map)
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
        channels[std::size_t(c)].convertTo(x, CV_32F, 1.0 / 255.0);
        cv::Mat spec = spectral::dft(x);
        cv::multiply(spec, gain2, spec);
        cv::Mat back;
        cv::dft(spec, back, cv::DFT_INVERSE | cv::DFT_SCALE | cv::DFT_REAL_OUTPUT);
        back.convertTo(out[std::size_t(c)], CV_8U, 255.0); // saturates outside [0, 1], as a display does
    }
    cv::Mat result;
    cv::merge(out, result);
    return result;
}

} // namespace

PromptTab::PromptTab(Page *page, QWidget *parent)
    : QWidget(parent), m_page(page), m_run(new QComboBox(this)), m_channel(new QComboBox(this)),
      m_gainOf(new QComboBox(this)), m_epoch(new QSlider(Qt::Horizontal, this)), m_epochLabel(new QLabel(this)),
      m_status(new QLabel(this)), m_bands(new QSpinBox(this)),
      m_mapView(new SpectrumMapView(tr("Learned gain G"), this)), m_profile(new QCustomPlot(this))
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
    m_gainOf->setToolTip(tr("A conditional prompt computes its gain from each image: show the training batches' mean "
                            "of the chosen epoch, or one image's own gain (the run's last checkpoint)"));
    m_gainOf->setAccessibleName(tr("Gain of"));
    m_gainOf->addItem(tr("Gain: batch mean of the epoch"), -1);
    m_gainOf->setVisible(false);
    connect(m_gainOf, &QComboBox::currentIndexChanged, this, [this] {
        showMap();
        showProfile();
    });
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
    row->addWidget(m_gainOf);
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
    split->setStretchFactor(0, 2);
    split->setStretchFactor(1, 3);
    split->setSizes({400, 600}); // the map gets room enough to read (its cells stay square)

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(row);
    layout->addWidget(m_status);
    layout->addWidget(split, 1);
    refreshRuns();
}

void PromptTab::runChanged()
{
    m_conditional = ml::runHasConditionalPrompt(currentRun());
    m_imageGains.clear();
    {
        const QSignalBlocker block(m_gainOf);
        while (m_gainOf->count() > 1)
            m_gainOf->removeItem(m_gainOf->count() - 1);
        m_gainOf->setCurrentIndex(0);
    }
    m_gainOf->setVisible(m_conditional);
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
                .arg(m_map.height) +
            (m_conditional ? tr(" A conditional prompt: each image gets its own gain (the images below use theirs, "
                                "from the run's last checkpoint).")
                           : QString()));
    }
    showMap();
    showProfile();
    showPairs();
    Q_EMIT gainChanged();
}

const spectral::GainMap &PromptTab::shownMap() const
{
    const int k = m_gainOf->currentData().toInt();
    if (k >= 0 && k < int(m_imageGains.size()) && m_imageGains[std::size_t(k)].isValid())
        return m_imageGains[std::size_t(k)];
    return m_map;
}

void PromptTab::showGainOf(int image)
{
    const int i = m_gainOf->findData(image);
    if (i >= 0) m_gainOf->setCurrentIndex(i);
}

void PromptTab::showMap()
{
    const spectral::GainMap &map = shownMap();
    if (!map.isValid()) {
        m_mapView->clear();
        return;
    }
    m_mapView->setMap(map.fullShifted(m_channel->currentData().toInt()), SpectrumMapView::Scale::Diverging, tr("gain"),
                      1.0);
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
        const int image = m_gainOf->currentData().toInt();
        const bool ownGain = &shownMap() != &m_map;
        const auto now = shownMap().radialProfile(k);
        QCPGraph *g = m_profile->addGraph();
        g->setName(ownGain         ? tr("%1 (its own gain)").arg(m_gainOf->itemText(m_gainOf->findData(image)))
                   : m_conditional ? tr("epoch %1 (batch mean)").arg(currentEpoch())
                                   : tr("epoch %1").arg(currentEpoch()));
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
    const spectral::GainMap map = m_map;
    const QString run = m_conditional ? currentRun() : QString();
    const int generation = ++m_generation;
    m_busy = true;
    Q_EMIT computingChanged(true);
    m_page->jobs()->submit<Prompted>(
        JobManager::Kind::Io, tr("Prompted images"),
        [index, picks, map, run](JobControl &control, const ProgressSink &) -> Result<Prompted> {
            Prompted p;
            for (int i : picks) {
                if (control.isCancelled()) break;
                auto img = data::loadImage(index, index.samples[std::size_t(i)]);
                if (!img) continue;
                p.before.push_back(
                    data::resizeImage(*img, data::ResizeSpec{map.height, data::ResizePolicy::ShorterSideCrop}));
                spectral::GainMap own;
                if (!run.isEmpty()) {
                    // A conditional prompt: the image's own gain, as the teacher saw it.
                    auto gain = ml::conditionalPromptGain(run, *img);
                    if (gain)
                        own = std::move(*gain);
                    else if (p.problem.isEmpty())
                        p.problem = gain.error().message();
                }
                p.after.push_back(applyGain(*img, own.isValid() ? own : map));
                p.gains.push_back(std::move(own));
                p.names.push_back(index.classes.value(index.samples[std::size_t(i)].label));
            }
            return p;
        },
        [this, generation](const Result<Prompted> &r) {
            m_busy = false;
            Q_EMIT computingChanged(false);
            if (generation != m_generation || !r.ok()) return;
            for (std::size_t k = 0; k < r->before.size() && k < m_before.size(); ++k) {
                const bool own = k < r->gains.size() && r->gains[k].isValid();
                m_before[k]->setCaption(tr("%1 · %2 px").arg(r->names[k]).arg(r->before[k].cols));
                m_before[k]->setImage(toQImage(r->before[k]));
                m_after[k]->setCaption(own ? tr("with its own prompt")
                                           : tr("with the prompt of epoch %1").arg(currentEpoch()));
                m_after[k]->setImage(toQImage(r->after[k]));
            }
            if (m_conditional) {
                const int keep = m_gainOf->currentData().toInt();
                m_imageGains = r->gains;
                {
                    const QSignalBlocker block(m_gainOf);
                    while (m_gainOf->count() > 1)
                        m_gainOf->removeItem(m_gainOf->count() - 1);
                    for (std::size_t k = 0; k < m_imageGains.size(); ++k)
                        if (m_imageGains[k].isValid())
                            m_gainOf->addItem(tr("Gain of image %1: %2").arg(k + 1).arg(r->names[k]), int(k));
                    const int i = m_gainOf->findData(keep);
                    m_gainOf->setCurrentIndex(i >= 0 ? i : 0);
                }
                if (!r->problem.isEmpty()) m_status->setText(r->problem);
                showMap();
                showProfile();
            }
        },
        this);
}

} // namespace fopro::ui
