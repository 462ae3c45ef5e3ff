#include "ui/spectra/spectrapage.h"

#include "core/data/imageloader.h"
#include "ui/shell/projectdocument.h"
#include "ui/spectra/classspectratab.h"
#include "ui/spectra/probetab.h"
#include "ui/spectra/prompttab.h"
#include "ui/spectra/singleimagetab.h"

#include <QtCore/QMimeData>
#include <QtGui/QAction>
#include <QtGui/QDragEnterEvent>
#include <QtGui/QDropEvent>
#include <QtWidgets/QApplication>
#include <QtWidgets/QFileDialog>
#include <QtWidgets/QMessageBox>
#include <QtWidgets/QStyle>
#include <QtWidgets/QTabWidget>
#include <QtWidgets/QVBoxLayout>

namespace fopro::ui {

namespace {
const QStringList kTabIds = {QStringLiteral("image"), QStringLiteral("classes"), QStringLiteral("outliers"),
                             QStringLiteral("prompt"), QStringLiteral("teacher")};
} // namespace

SpectraPage::SpectraPage(const PageContext &context, QWidget *parent)
    : Page(context, parent), m_tabs(new QTabWidget(this))
{
    setAcceptDrops(true);
    m_single = new SingleImageTab(this, this);
    auto *outliers = new QWidget(this);
    m_classes = new ClassSpectraTab(this, outliers, this);
    m_prompt = new PromptTab(this, this);
    m_probe = new ProbeTab(this, m_prompt, this);
    m_tabs->addTab(m_single, tr("Single &image"));
    m_tabs->addTab(m_classes, tr("Per &class"));
    m_tabs->addTab(outliers, tr("Spectral &outliers"));
    m_tabs->addTab(m_prompt, tr("Learned &prompt"));
    m_tabs->addTab(m_probe, tr("&Teacher preference"));
    m_tabs->setDocumentMode(true);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    layout->addWidget(m_tabs);

    connect(m_classes, &ClassSpectraTab::openSampleRequested, this, [this](int sample) { openSample(sample); });

    auto *compute = new QAction(tr("Compute &per-class spectra"), this);
    compute->setToolTip(tr("Mean spectra of every class and the spectral outlier scores (a background job)"));
    connect(compute, &QAction::triggered, this, [this] {
        m_tabs->setCurrentWidget(m_classes);
        m_classes->compute();
    });
    auto *openImage = new QAction(tr("&Open image for its spectrum…"), this);
    connect(openImage, &QAction::triggered, this, [this] {
        m_tabs->setCurrentWidget(m_single);
        const QString file = QFileDialog::getOpenFileName(
            this, tr("Open image"), QString(),
            tr("Images (*.jpg *.jpeg *.png *.bmp *.tif *.tiff *.webp *.dcm);;All files (*)"));
        if (!file.isEmpty()) m_single->openFile(file);
    });
    auto *probe = new QAction(tr("Run the teacher &probe"), this);
    connect(probe, &QAction::triggered, this, [this] {
        m_tabs->setCurrentWidget(m_probe);
        m_probe->run();
    });
    m_actions = {openImage, compute, probe};

    if (ProjectDocument *doc = document()) {
        connect(doc, &ProjectDocument::datasetReset, this, [this] {
            // Nothing is decoded or loaded for a page nobody looks at: activate() catches up.
            m_stale = true;
            if (isActive()) projectChanged();
        });
        connect(doc, &ProjectDocument::samplesChanged, this, [this] {
            m_stale = true;
            if (isActive()) projectChanged();
        });
        connect(doc, &ProjectDocument::classesChanged, this, [this] {
            m_stale = true;
            if (isActive()) projectChanged();
        });
    }
}

QString SpectraPage::title() const
{
    return tr("Spectra");
}

QIcon SpectraPage::icon() const
{
    return QIcon::fromTheme(QStringLiteral("view-statistics"), style()->standardIcon(QStyle::SP_FileDialogInfoView));
}

bool SpectraPage::showTab(const QString &id)
{
    const int i = int(kTabIds.indexOf(id));
    if (i < 0) return false;
    m_tabs->setCurrentIndex(i);
    return true;
}

void SpectraPage::activate(const QVariantMap &arguments)
{
    Page::activate(arguments);
    if (m_stale) projectChanged();
    if (arguments.contains(QStringLiteral("tab"))) showTab(arguments.value(QStringLiteral("tab")).toString());
    if (arguments.contains(QStringLiteral("sample"))) openSample(arguments.value(QStringLiteral("sample")).toInt());
    if (arguments.contains(QStringLiteral("file"))) {
        m_tabs->setCurrentWidget(m_single);
        m_single->openFile(arguments.value(QStringLiteral("file")).toString());
    }
    if (arguments.contains(QStringLiteral("run"))) {
        m_tabs->setCurrentWidget(m_prompt);
        m_prompt->showRun(arguments.value(QStringLiteral("run")).toString());
    }
}

bool SpectraPage::isSettled() const
{
    return Page::isSettled() && !m_single->isComputing() && !m_classes->isComputing() && !m_prompt->isComputing() &&
           !m_probe->isRunning();
}

void SpectraPage::projectChanged()
{
    m_stale = false;
    m_classes->datasetChanged();
    // Something to look at from the start: the project's first usable image.
    if (!m_single->hasImage() && document())
        for (int i = 0; i < int(document()->dataset().samples.size()); ++i)
            if (data::DatasetIndex::isActive(document()->dataset().samples[std::size_t(i)])) {
                openSample(i, false);
                break;
            }
    m_prompt->refreshRuns();
    m_probe->projectChanged();
}

void SpectraPage::openSample(int sample, bool showTab)
{
    const ProjectDocument *doc = document();
    if (!doc || sample < 0 || sample >= int(doc->dataset().samples.size())) return;
    const data::Sample &s = doc->dataset().samples[std::size_t(sample)];
    const auto image = data::loadImage(doc->dataset(), s);
    if (showTab) m_tabs->setCurrentWidget(m_single);
    if (!image) {
        QMessageBox::warning(this, tr("Cannot open the image"), image.error().message());
        return;
    }
    m_single->setImage(*image,
                       s.id() + QStringLiteral(" (") + doc->dataset().classes.value(s.label) + QLatin1Char(')'));
}

void SpectraPage::dragEnterEvent(QDragEnterEvent *event)
{
    if (event->mimeData()->hasUrls()) event->acceptProposedAction();
}

void SpectraPage::dropEvent(QDropEvent *event)
{
    const QList<QUrl> urls = event->mimeData()->urls();
    if (urls.isEmpty() || !urls.front().isLocalFile()) return;
    m_tabs->setCurrentWidget(m_single);
    m_single->openFile(urls.front().toLocalFile());
    if (urls.size() > 1 && urls[1].isLocalFile()) m_single->openSwapFile(urls[1].toLocalFile());
    event->acceptProposedAction();
}

} // namespace fopro::ui
