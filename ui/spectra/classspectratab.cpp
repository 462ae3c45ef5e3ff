#include "ui/spectra/classspectratab.h"

#include "core/jobs/jobmanager.h"
#include "core/spectral/spectrum.h"
#include "ui/common/plotcontroller.h"
#include "ui/common/plotpalette.h"
#include "ui/common/qcustomplotinclude.h"
#include "ui/shell/page.h"
#include "ui/shell/projectdocument.h"
#include "ui/spectra/colormapimage.h"
#include "ui/spectra/spectrummapview.h"

#include <QtCore/QDir>
#include <QtCore/QFileInfo>
#include <QtWidgets/QComboBox>
#include <QtWidgets/QHBoxLayout>
#include <QtWidgets/QHeaderView>
#include <QtWidgets/QLabel>
#include <QtWidgets/QListWidget>
#include <QtWidgets/QProgressBar>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QSplitter>
#include <QtWidgets/QTableWidget>
#include <QtWidgets/QVBoxLayout>

#include <opencv2/core.hpp>

#include <algorithm>
#include <cmath>

namespace fopro::ui {

namespace {

constexpr int kIconSize = 96;
constexpr int kOutlierRows = 500;

QString groupName(data::TailGroup g)
{
    switch (g) {
    case data::TailGroup::Head:
        return ClassSpectraTab::tr("head");
    case data::TailGroup::Medium:
        return ClassSpectraTab::tr("medium");
    case data::TailGroup::Tail:
        return ClassSpectraTab::tr("tail");
    }
    return {};
}

} // namespace

ClassSpectraTab::ClassSpectraTab(Page *page, QWidget *outliers, QWidget *parent)
    : QWidget(parent), m_page(page), m_size(new QComboBox(this)), m_bands(new QComboBox(this)),
      m_split(new QComboBox(this)), m_compute(new QPushButton(tr("&Compute"), this)),
      m_progress(new QProgressBar(this)), m_status(new QLabel(this)), m_grid(new QListWidget(this)),
      m_gridScale(new QLabel(this)), m_profiles(new QCustomPlot(this)),
      m_difference(new SpectrumMapView(tr("Head − tail mean log-amplitude"), this)),
      m_outliers(new QTableWidget(outliers)),
      m_showOutliers(new QPushButton(tr("Show the top images in the &Dataset page"), outliers))
{
    for (int s : {64, 128, 224})
        m_size->addItem(tr("%1 px").arg(s), s);
    for (int b : {8, 16, 32})
        m_bands->addItem(tr("%1 bands").arg(b), b);
    m_size->setCurrentIndex(0);
    m_bands->setCurrentIndex(1);
    m_size->setToolTip(tr("Images are resized to this size (shorter side, centre crop) first"));
    m_split->addItem(tr("All splits"), -1);
    m_split->addItem(tr("Training split"), int(data::Split::Train));
    m_split->addItem(tr("Validation split"), int(data::Split::Val));
    m_split->addItem(tr("Test split"), int(data::Split::Test));
    m_split->setToolTip(tr("Which images the class means and profiles are taken over"));
    m_progress->setVisible(false);
    m_progress->setMaximumWidth(220);
    m_status->setWordWrap(true);

    connect(m_compute, &QPushButton::clicked, this, [this] { isComputing() ? cancel() : compute(); });
    connect(m_split, &QComboBox::currentIndexChanged, this, &ClassSpectraTab::show);
    const auto optionsChanged = [this] {
        m_spectra.reset();
        datasetChanged();
    };
    connect(m_size, &QComboBox::currentIndexChanged, this, optionsChanged);
    connect(m_bands, &QComboBox::currentIndexChanged, this, optionsChanged);

    auto *controls = new QHBoxLayout;
    controls->addWidget(new QLabel(tr("Size:"), this));
    controls->addWidget(m_size);
    controls->addWidget(m_bands);
    controls->addWidget(m_compute);
    controls->addWidget(m_progress);
    controls->addSpacing(12);
    controls->addWidget(new QLabel(tr("Show:"), this));
    controls->addWidget(m_split);
    controls->addWidget(m_status, 1);

    m_grid->setViewMode(QListView::IconMode);
    m_grid->setIconSize(QSize(kIconSize, kIconSize));
    m_grid->setResizeMode(QListView::Adjust);
    m_grid->setMovement(QListView::Static);
    m_grid->setUniformItemSizes(true);
    m_grid->setGridSize(QSize(kIconSize + 40, kIconSize + 44));
    m_grid->setWordWrap(true);
    m_grid->setSelectionMode(QAbstractItemView::SingleSelection);
    m_grid->setAccessibleName(tr("Mean log-amplitude spectrum of every class"));
    connect(m_grid, &QListWidget::itemActivated, this, [this](QListWidgetItem *item) {
        m_page->context().navigate(QStringLiteral("dataset"),
                                   {{QStringLiteral("class"), item->data(Qt::UserRole).toInt()}});
    });
    m_gridScale->setWordWrap(true);
    auto *gridBox = new QWidget(this);
    auto *gridLayout = new QVBoxLayout(gridBox);
    gridLayout->setContentsMargins(0, 0, 0, 0);
    auto *gridTitle =
        new QLabel(tr("Mean log-amplitude per class (DC in the centre; double-click opens the class)"), gridBox);
    QFont bold = gridTitle->font();
    bold.setBold(true);
    gridTitle->setFont(bold);
    gridTitle->setWordWrap(true);
    gridLayout->addWidget(gridTitle);
    gridLayout->addWidget(m_grid, 1);
    gridLayout->addWidget(m_gridScale);

    m_profiles->setMinimumSize(220, 160);
    m_profiles->xAxis->setLabel(tr("radial frequency (× Nyquist)"));
    m_profiles->yAxis->setLabel(tr("mean log(1 + |X|)"));
    m_profiles->legend->setVisible(true);
    m_profiles->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);
    m_profileController = new PlotController(m_profiles);
    m_profileController->setExportName(QStringLiteral("class-radial-profiles"));
    connect(m_profileController, &PlotController::paletteChanged, this, &ClassSpectraTab::showProfiles);

    auto *right = new QSplitter(Qt::Vertical, this);
    right->addWidget(m_profiles);
    right->addWidget(m_difference);
    auto *split = new QSplitter(Qt::Horizontal, this);
    split->addWidget(gridBox);
    split->addWidget(right);
    split->setStretchFactor(0, 1);
    split->setStretchFactor(1, 1);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(controls);
    layout->addWidget(split, 1);

    // The outlier tab's content.
    m_outliers->setColumnCount(4);
    m_outliers->setHorizontalHeaderLabels({tr("Score"), tr("Class"), tr("Split"), tr("Image")});
    m_outliers->horizontalHeader()->setStretchLastSection(true);
    m_outliers->verticalHeader()->setVisible(false);
    m_outliers->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_outliers->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_outliers->setSortingEnabled(true);
    m_outliers->setAccessibleName(tr("Spectral outliers"));
    connect(m_outliers, &QTableWidget::cellActivated, this, [this](int row, int) {
        if (QTableWidgetItem *item = m_outliers->item(row, 3))
            Q_EMIT openSampleRequested(item->data(Qt::UserRole).toInt());
    });
    connect(m_showOutliers, &QPushButton::clicked, this, [this] {
        if (!m_spectra) return;
        QVariantList samples;
        for (int r = 0; r < m_outliers->rowCount() && samples.size() < 100; ++r)
            samples << m_outliers->item(r, 3)->data(Qt::UserRole);
        m_page->context().navigate(QStringLiteral("dataset"), {{QStringLiteral("samples"), samples},
                                                               {QStringLiteral("title"), tr("spectral outliers")}});
    });
    auto *explain = new QLabel(tr("Score: how far an image's radial log-amplitude profile lies from its class's median "
                                  "profile, in robust standard deviations. Blurred, over-compressed, upscaled or "
                                  "other-device images score high. Double-click an image to see its spectrum."),
                               outliers);
    explain->setWordWrap(true);
    auto *outlierLayout = new QVBoxLayout(outliers);
    outlierLayout->addWidget(explain);
    outlierLayout->addWidget(m_outliers, 1);
    outlierLayout->addWidget(m_showOutliers, 0, Qt::AlignLeft);
    m_showOutliers->setEnabled(false);

    if (m_page->jobs())
        connect(m_page->jobs(), &JobManager::progressChanged, this, [this](JobManager::JobId id, const Progress &p) {
            if (id != m_job || p.total <= 0) return;
            m_progress->setRange(0, int(p.total));
            m_progress->setValue(int(p.done));
            m_progress->setFormat(p.etaSeconds >= 0 ? tr("%v / %m — %1 s left").arg(int(p.etaSeconds)) : tr("%v / %m"));
        });
    datasetChanged();
}

spectral::ClassSpectraOptions ClassSpectraTab::options() const
{
    spectral::ClassSpectraOptions o;
    o.size = m_size->currentData().toInt();
    o.bands = m_bands->currentData().toInt();
    o.thresholds = m_page->document() ? m_page->document()->thresholds() : data::TailThresholds::defaults();
    return o;
}

QString ClassSpectraTab::cacheFile() const
{
    const ProjectDocument *doc = m_page->document();
    if (!doc || !doc->hasFolder()) return {};
    const auto o = options();
    return QDir(doc->project().folder).filePath(QStringLiteral("cache/spectra-%1-%2.bin").arg(o.size).arg(o.bands));
}

void ClassSpectraTab::datasetChanged()
{
    if (isComputing()) cancel();
    const ProjectDocument *doc = m_page->document();
    if (!doc || doc->dataset().samples.empty()) {
        m_spectra.reset();
        setStatus(tr("Open a project to see its spectra."));
        show();
        return;
    }
    const QByteArray fingerprint = spectral::datasetFingerprint(doc->dataset());
    if (m_spectra && m_spectra->fingerprint == fingerprint) return;
    const QString file = cacheFile();
    if (!file.isEmpty() && QFileInfo::exists(file)) {
        auto cached = spectral::loadClassSpectra(file);
        if (cached && cached->fingerprint == fingerprint) {
            m_spectra = std::move(*cached);
            setStatus(tr("Loaded from the project's cache."));
            show();
            return;
        }
    }
    if (m_spectra) {
        setStatus(tr("Out of date: the dataset changed since these figures were computed. Compute again."));
    } else {
        setStatus(tr("Not computed yet for this dataset: press Compute (about %1 images).")
                      .arg(std::count_if(doc->dataset().samples.begin(), doc->dataset().samples.end(),
                                         data::DatasetIndex::isActive)));
        show();
    }
}

void ClassSpectraTab::compute()
{
    const ProjectDocument *doc = m_page->document();
    if (!doc || isComputing()) return;
    const data::DatasetIndex index = doc->dataset(); // a copy: curation may go on meanwhile
    const spectral::ClassSpectraOptions o = options();
    const QString cache = cacheFile();
    m_compute->setText(tr("&Cancel"));
    m_progress->setRange(0, 0);
    m_progress->setVisible(true);
    setStatus(tr("Computing…"));
    Q_EMIT computingChanged(true);
    m_job = m_page->jobs()->submit<spectral::ClassSpectra>(
        JobManager::Kind::Io, tr("Per-class spectra"),
        [index, o, cache](JobControl &control, const ProgressSink &progress) -> Result<spectral::ClassSpectra> {
            auto r = spectral::computeClassSpectra(index, o, &control, progress);
            if (r && !cache.isEmpty())
                spectral::saveClassSpectra(*r, cache); // a cache: failing to write costs only time
            return r;
        },
        [this](const Result<spectral::ClassSpectra> &r) {
            m_job = 0;
            m_compute->setText(tr("&Compute"));
            m_progress->setVisible(false);
            if (r.ok()) {
                m_spectra = *r;
                setStatus(r->problems.empty() ? tr("Computed over %1 images.").arg(r->scores.size())
                                              : tr("Computed over %1 images; %2 could not be read (first: %3).")
                                                    .arg(r->scores.size())
                                                    .arg(r->problems.size())
                                                    .arg(r->problems.front().second));
                show();
            } else if (r.error().code == ErrorCode::Cancelled) {
                setStatus(tr("Cancelled."));
            } else {
                setStatus(tr("Failed: %1").arg(r.error().message()));
            }
            Q_EMIT computingChanged(false);
        },
        this);
}

void ClassSpectraTab::cancel()
{
    if (m_job) m_page->jobs()->cancel(m_job);
}

void ClassSpectraTab::setStatus(const QString &text)
{
    m_status->setText(text);
}

const spectral::SpectrumStats &ClassSpectraTab::statsOf(int cls) const
{
    const auto &c = m_spectra->classes[std::size_t(cls)];
    const int split = m_split->currentData().toInt();
    return split < 0 ? c.all : c.bySplit[std::size_t(split)];
}

void ClassSpectraTab::publishScores()
{
    ProjectDocument *doc = m_page->document();
    if (!doc) return;
    std::vector<double> scores;
    if (m_spectra && m_spectra->fingerprint == spectral::datasetFingerprint(doc->dataset())) {
        scores.assign(doc->dataset().samples.size(), std::numeric_limits<double>::quiet_NaN());
        for (const spectral::SpectralScore &s : m_spectra->scores)
            if (s.sample >= 0 && s.sample < int(scores.size())) scores[std::size_t(s.sample)] = s.score;
    }
    doc->setSpectralScores(std::move(scores));
}

void ClassSpectraTab::show()
{
    publishScores();
    showGrid();
    showProfiles();
    m_difference->setTitle(tr("Head − tail mean log-amplitude"));
    if (m_spectra && !m_spectra->headMinusTail.empty()) {
        m_difference->setMap(m_spectra->headMinusTail, SpectrumMapView::Scale::Diverging, tr("head − tail"), 0.0);
    } else {
        m_difference->clear();
        if (m_spectra) {
            // Say why the map is empty: a group has no class under the project's thresholds.
            const data::TailThresholds t =
                m_page->document() ? m_page->document()->thresholds() : data::TailThresholds::defaults();
            const bool anyHead =
                std::count(m_spectra->groups.begin(), m_spectra->groups.end(), data::TailGroup::Head) > 0;
            m_difference->setTitle(anyHead ? tr("Head − tail: no tail class (fewer than %1 training images); change "
                                                "the thresholds on the Dataset page to compare")
                                                 .arg(t.few)
                                           : tr("Head − tail: no head class (more than %1 training images); change "
                                                "the thresholds on the Dataset page to compare")
                                                 .arg(t.many));
        }
    }
    showOutliers();
}

void ClassSpectraTab::showGrid()
{
    m_grid->clear();
    if (!m_spectra) {
        m_gridScale->clear();
        return;
    }
    double lo = std::numeric_limits<double>::infinity(), hi = -lo;
    for (int c = 0; c < int(m_spectra->classes.size()); ++c) {
        const auto &s = statsOf(c);
        if (s.count == 0) continue;
        double a = 0, b = 0;
        cv::minMaxLoc(s.mean, &a, &b);
        lo = std::min(lo, a);
        hi = std::max(hi, b);
    }
    for (int c = 0; c < int(m_spectra->classes.size()); ++c) {
        const auto &s = statsOf(c);
        const data::TailGroup g = m_spectra->groups[std::size_t(c)];
        auto *item = new QListWidgetItem(
            QStringLiteral("%1\n%2 · n = %3").arg(m_spectra->classNames.value(c), groupName(g)).arg(s.count));
        item->setData(Qt::UserRole, c);
        item->setToolTip(
            tr("%1: %2 images, %3 class").arg(m_spectra->classNames.value(c)).arg(s.count).arg(groupName(g)));
        if (s.count > 0) {
            const QImage img = colorMapImage(s.mean, lo, hi)
                                   .scaled(kIconSize, kIconSize, Qt::KeepAspectRatio, Qt::SmoothTransformation);
            item->setIcon(QIcon(QPixmap::fromImage(img)));
        }
        m_grid->addItem(item);
    }
    m_gridScale->setText(std::isfinite(lo)
                             ? tr("One colour scale for every class (viridis): %1 (dark) to %2 (bright) log(1 + |X|).")
                                   .arg(lo, 0, 'f', 2)
                                   .arg(hi, 0, 'f', 2)
                             : QString());
}

void ClassSpectraTab::showProfiles()
{
    m_profiles->clearGraphs();
    if (!m_spectra) {
        m_profileController->requestReplot();
        return;
    }
    const std::vector<double> x = spectral::bandCentres(m_spectra->bands);
    bool named[3] = {false, false, false};
    int groupCount[3] = {0, 0, 0};
    for (data::TailGroup g : m_spectra->groups)
        ++groupCount[int(g)];
    for (int c = 0; c < int(m_spectra->classes.size()); ++c) {
        const auto &s = statsOf(c);
        if (s.count == 0) continue;
        const int g = int(m_spectra->groups[std::size_t(c)]);
        QCPGraph *graph = m_profiles->addGraph();
        graph->setName(m_spectra->classNames.value(c));
        QColor colour = PlotPalette::tailGroupColor(g);
        graph->setPen(QPen(colour, 1.6));
        graph->setData(QVector<double>(x.begin(), x.end()), QVector<double>(s.radialMean.begin(), s.radialMean.end()));
        // One legend entry per group, not per class.
        if (named[g]) {
            graph->removeFromLegend();
        } else {
            named[g] = true;
            if (QCPPlottableLegendItem *item = m_profiles->legend->itemWithPlottable(graph))
                item->setTextColor(m_profileController->palette().foreground);
            graph->setName(tr("%1 (%2 classes)").arg(groupName(data::TailGroup(g))).arg(groupCount[g]));
        }
    }
    m_profiles->xAxis->setRange(0, 1);
    m_profiles->yAxis->rescale();
    m_profileController->requestReplot();
}

void ClassSpectraTab::showOutliers()
{
    m_outliers->setSortingEnabled(false);
    m_outliers->setRowCount(0);
    m_showOutliers->setEnabled(false);
    const ProjectDocument *doc = m_page->document();
    if (!m_spectra || !doc) return;
    std::vector<spectral::SpectralScore> ranked = m_spectra->scores;
    std::sort(ranked.begin(), ranked.end(), [](const auto &a, const auto &b) { return a.score > b.score; });
    if (int(ranked.size()) > kOutlierRows) ranked.resize(kOutlierRows);
    const data::DatasetIndex &index = doc->dataset();
    m_outliers->setRowCount(int(ranked.size()));
    for (int r = 0; r < int(ranked.size()); ++r) {
        const auto &sc = ranked[std::size_t(r)];
        if (sc.sample < 0 || sc.sample >= int(index.samples.size())) continue;
        const data::Sample &s = index.samples[std::size_t(sc.sample)];
        auto *score = new QTableWidgetItem;
        score->setData(Qt::DisplayRole, std::round(sc.score * 100) / 100);
        m_outliers->setItem(r, 0, score);
        m_outliers->setItem(r, 1, new QTableWidgetItem(m_spectra->classNames.value(sc.label)));
        m_outliers->setItem(r, 2, new QTableWidgetItem(data::splitName(s.split)));
        auto *file = new QTableWidgetItem(s.id());
        file->setData(Qt::UserRole, sc.sample);
        file->setToolTip(index.absolutePath(s));
        m_outliers->setItem(r, 3, file);
    }
    m_outliers->setSortingEnabled(true);
    m_outliers->sortByColumn(0, Qt::DescendingOrder);
    m_outliers->resizeColumnsToContents();
    m_showOutliers->setEnabled(!ranked.empty());
}

} // namespace fopro::ui
