#include "ui/spectra/probetab.h"

#include "core/project/demo.h"
#include "core/spectral/spectrum.h"
#include "ui/common/plotcontroller.h"
#include "ui/common/plotpalette.h"
#include "ui/common/qcustomplotinclude.h"
#include "ui/shell/page.h"
#include "ui/shell/projectdocument.h"
#include "ui/spectra/prompttab.h"

#include <QtCore/QFileInfo>
#include <QtWidgets/QCheckBox>
#include <QtWidgets/QFileDialog>
#include <QtWidgets/QFormLayout>
#include <QtWidgets/QHBoxLayout>
#include <QtWidgets/QLabel>
#include <QtWidgets/QLineEdit>
#include <QtWidgets/QListWidget>
#include <QtWidgets/QProgressBar>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QSpinBox>
#include <QtWidgets/QSplitter>
#include <QtWidgets/QVBoxLayout>

#include <memory>

namespace fopro::ui {

namespace {
constexpr int kPathRole = Qt::UserRole;
constexpr int kLayerRole = Qt::UserRole + 1;
} // namespace

ProbeTab::ProbeTab(Page *page, PromptTab *prompt, QWidget *parent)
    : QWidget(parent), m_page(page), m_prompt(prompt), m_teachers(new QListWidget(this)), m_layer(new QLineEdit(this)),
      m_bands(new QSpinBox(this)), m_images(new QSpinBox(this)), m_size(new QSpinBox(this)),
      m_overlay(new QCheckBox(tr("Show the learned prompt's radial gain"), this)),
      m_run(new QPushButton(tr("&Run probe"), this)), m_progress(new QProgressBar(this)), m_status(new QLabel(this)),
      m_plot(new QCustomPlot(this))
{
    m_teachers->setAccessibleName(tr("Teachers to probe"));
    m_teachers->setToolTip(tr("Checked teachers are probed; each line shows the feature layer"));
    auto *add = new QPushButton(tr("&Add teacher…"), this);
    connect(add, &QPushButton::clicked, this, [this] {
        const QString file = QFileDialog::getOpenFileName(this, tr("Add a teacher"), QString(),
                                                          tr("Teachers (model.json *.pt *.pth *.ts);;All files (*)"));
        if (!file.isEmpty()) addTeacher(file, m_layer->text().trimmed());
    });
    m_layer->setPlaceholderText(tr("feature layer (TF.js; empty = the model's output)"));
    m_bands->setRange(2, 64);
    m_bands->setValue(8);
    m_bands->setSuffix(tr(" bands"));
    m_images->setRange(1, 10000);
    m_images->setValue(64);
    m_images->setSuffix(tr(" images"));
    m_images->setToolTip(tr("Training images, spread evenly over the classes"));
    m_size->setRange(0, 1024);
    m_size->setValue(0);
    m_size->setSpecialValueText(tr("teacher's size"));
    m_size->setSuffix(tr(" px"));
    m_overlay->setChecked(true);
    m_progress->setVisible(false);
    m_status->setWordWrap(true);

    connect(m_run, &QPushButton::clicked, this, [this] { isRunning() ? cancel() : run(); });
    connect(m_overlay, &QCheckBox::toggled, this, &ProbeTab::showCurves);
    connect(m_prompt, &PromptTab::gainChanged, this, &ProbeTab::showCurves);
    // The prompt's profile uses the probe's band edges.
    connect(m_bands, &QSpinBox::valueChanged, m_prompt, &PromptTab::setBands);

    auto *form = new QFormLayout;
    form->addRow(m_teachers);
    auto *teacherRow = new QHBoxLayout;
    teacherRow->addWidget(add);
    teacherRow->addWidget(m_layer, 1);
    form->addRow(teacherRow);
    form->addRow(tr("&Bands:"), m_bands);
    form->addRow(tr("&Images:"), m_images);
    form->addRow(tr("Image &size:"), m_size);
    form->addRow(m_overlay);
    auto *runRow = new QHBoxLayout;
    runRow->addWidget(m_run);
    runRow->addWidget(m_progress, 1);
    form->addRow(runRow);
    form->addRow(m_status);
    auto *left = new QWidget(this);
    left->setLayout(form);
    left->setMaximumWidth(380);

    m_plot->setMinimumSize(260, 180);
    m_plot->xAxis->setLabel(tr("radial frequency band (× Nyquist)"));
    m_plot->yAxis->setLabel(tr("feature cosine similarity to the original"));
    m_plot->yAxis2->setLabel(tr("prompt gain"));
    m_plot->legend->setVisible(true);
    m_plot->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignBottom | Qt::AlignRight);
    m_controller = new PlotController(m_plot);
    m_controller->setExportName(QStringLiteral("teacher-frequency-preference"));
    connect(m_controller, &PlotController::paletteChanged, this, &ProbeTab::showCurves);

    auto *explain = new QLabel(tr("Solid: low-pass up to the band; dashed: high-pass from the band; dotted: the band "
                                  "removed. Where removing a band lowers the similarity most, the teacher relies on "
                                  "that band."),
                               this);
    explain->setWordWrap(true);
    auto *right = new QWidget(this);
    auto *rightLayout = new QVBoxLayout(right);
    rightLayout->setContentsMargins(0, 0, 0, 0);
    rightLayout->addWidget(m_plot, 1);
    rightLayout->addWidget(explain);

    auto *layout = new QHBoxLayout(this);
    layout->addWidget(left);
    layout->addWidget(right, 1);

    const QString demo = project::demoTeacherPath();
    if (!demo.isEmpty()) addTeacher(demo, project::demoTeacherLayer());
    m_layer->setText(project::demoTeacherLayer());
    if (m_page->jobs())
        connect(m_page->jobs(), &JobManager::progressChanged, this, [this](JobManager::JobId id, const Progress &p) {
            if (id != m_job || p.total <= 0) return;
            m_progress->setRange(0, int(p.total));
            m_progress->setValue(int(p.done));
        });
    projectChanged();
}

void ProbeTab::addTeacher(const QString &path, const QString &layer)
{
    const QString name = QFileInfo(path).fileName() == QLatin1String("model.json") ? QFileInfo(path).dir().dirName()
                                                                                   : QFileInfo(path).fileName();
    auto *item = new QListWidgetItem(layer.isEmpty() ? name : tr("%1 — %2").arg(name, layer), m_teachers);
    item->setData(kPathRole, path);
    item->setData(kLayerRole, layer);
    item->setToolTip(path);
    item->setFlags(item->flags() | Qt::ItemIsUserCheckable);
    item->setCheckState(Qt::Checked);
}

int ProbeTab::bands() const
{
    return m_bands->value();
}
void ProbeTab::setBands(int bands)
{
    m_bands->setValue(bands);
}
void ProbeTab::setImages(int images)
{
    m_images->setValue(images);
}

void ProbeTab::projectChanged()
{
    const ProjectDocument *doc = m_page->document();
    const bool ready = doc && !doc->dataset().samples.empty();
    m_run->setEnabled(ready || isRunning());
    if (m_teachers->count() == 0)
        m_status->setText(
            tr("No teacher yet: the demo teacher is not installed (packaging/install-deps.sh installs it). "
               "Add a TF.js model.json or a TorchScript file."));
    else if (!ready)
        m_status->setText(tr("Open a project: the probe uses its training images."));
    else
        m_status->clear();
}

void ProbeTab::run()
{
    if (isRunning()) return;
    m_queue.clear();
    for (int i = 0; i < m_teachers->count(); ++i) {
        const QListWidgetItem *item = m_teachers->item(i);
        if (item->checkState() == Qt::Checked)
            m_queue.emplace_back(item->data(kPathRole).toString(), item->data(kLayerRole).toString());
    }
    if (m_queue.empty()) {
        m_status->setText(tr("Check at least one teacher."));
        return;
    }
    m_curves.clear();
    m_run->setText(tr("&Cancel"));
    m_progress->setVisible(true);
    m_progress->setRange(0, 0);
    Q_EMIT runningChanged(true);
    runNext();
}

void ProbeTab::cancel()
{
    m_queue.clear();
    if (m_job) m_page->jobs()->cancel(m_job);
}

void ProbeTab::runNext()
{
    const ProjectDocument *doc = m_page->document();
    if (m_queue.empty() || !doc) {
        m_run->setText(tr("&Run probe"));
        m_progress->setVisible(false);
        Q_EMIT runningChanged(false);
        return;
    }
    const auto [path, layer] = m_queue.front();
    m_queue.erase(m_queue.begin());
    ml::ProbeRequest request;
    request.teacher = path;
    request.outputLayer = layer;
    request.index = std::make_shared<const data::DatasetIndex>(doc->dataset());
    request.images = m_images->value();
    request.options.bands = m_bands->value();
    request.options.imageSize = m_size->value();
    QString label = QFileInfo(path).fileName() == QLatin1String("model.json") ? QFileInfo(path).dir().dirName()
                                                                              : QFileInfo(path).fileName();
    if (!layer.isEmpty()) label += QStringLiteral(" / ") + layer;
    m_status->setText(tr("Probing %1…").arg(label));
    m_job = m_page->jobs()->submit<ml::ProbeReport>(
        JobManager::Kind::Io, tr("Teacher probe: %1").arg(label), ml::probeJob(request),
        [this, label](const Result<ml::ProbeReport> &r) {
            m_job = 0;
            if (r.ok()) {
                m_curves.push_back(Curve{label, *r});
                QString text = tr("%1: %2 images at %3 px.").arg(label).arg(r->result.imageCount).arg(r->imageSide);
                if (!r->skipped.empty())
                    text += tr(" %1 could not be read (first: %2).")
                                .arg(r->skipped.size())
                                .arg(r->skipped.front().message());
                m_status->setText(text);
                showCurves();
            } else if (r.error().code == ErrorCode::Cancelled) {
                m_status->setText(tr("Cancelled."));
            } else {
                m_status->setText(tr("%1 failed: %2").arg(label, r.error().message()));
            }
            runNext();
        },
        this);
}

void ProbeTab::showCurves()
{
    m_plot->clearGraphs();
    const PlotPalette &pal = m_controller->palette();
    const Qt::PenStyle styles[3] = {Qt::SolidLine, Qt::DashLine, Qt::DotLine};
    for (std::size_t t = 0; t < m_curves.size(); ++t) {
        const QColor colour = PlotPalette::categorical(int(t));
        const auto &bands = m_curves[t].report.result.bands;
        QVector<double> x, low, high, stop;
        for (const ml::ProbeBand &b : bands) {
            x << 0.5 * (b.lowerRho + b.upperRho);
            low << b.lowPass;
            high << b.highPass;
            stop << b.bandStop;
        }
        const QVector<double> *series[3] = {&low, &high, &stop};
        const QString names[3] = {tr("low-pass"), tr("high-pass"), tr("band removed")};
        for (int k = 0; k < 3; ++k) {
            QCPGraph *g = m_plot->addGraph();
            g->setName(QStringLiteral("%1: %2").arg(m_curves[t].teacher, names[k]));
            g->setPen(QPen(colour, k == 2 ? 2.4 : 1.8, styles[k]));
            g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, k == 2 ? 5 : 3));
            g->setData(x, *series[k]);
        }
    }
    const std::vector<double> gain = m_overlay->isChecked() ? m_prompt->radialGain() : std::vector<double>{};
    m_plot->yAxis2->setVisible(!gain.empty());
    if (!gain.empty()) {
        const std::vector<double> centres = spectral::bandCentres(int(gain.size()));
        QCPGraph *g = m_plot->addGraph(m_plot->xAxis, m_plot->yAxis2);
        g->setName(tr("prompt gain (%1, epoch %2)")
                       .arg(QFileInfo(m_prompt->currentRun()).fileName())
                       .arg(m_prompt->currentEpoch()));
        g->setPen(QPen(pal.foreground, 2.0, Qt::DashDotLine));
        g->setData(QVector<double>(centres.begin(), centres.end()), QVector<double>(gain.begin(), gain.end()));
        m_plot->yAxis2->rescale();
        const QCPRange r = m_plot->yAxis2->range();
        m_plot->yAxis2->setRange(std::min(r.lower, 0.9), std::max(r.upper, 1.1));
    }
    m_plot->xAxis->setRange(0, 1);
    m_plot->yAxis->rescale();
    const QCPRange r = m_plot->yAxis->range();
    m_plot->yAxis->setRange(std::min(r.lower, 0.0), std::max(1.02, r.upper));
    m_controller->requestReplot();
}

} // namespace fopro::ui
