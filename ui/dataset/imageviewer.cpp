#include "ui/dataset/imageviewer.h"

#include "core/data/imageloader.h"
#include "ui/common/imageconvert.h"
#include "ui/dataset/inspectorpanel.h"
#include "ui/shell/projectdocument.h"

#include <QtCore/QFileInfo>
#include <QtCore/QTimer>
#include <QtGui/QKeyEvent>
#include <QtWidgets/QDoubleSpinBox>
#include <QtWidgets/QHBoxLayout>
#include <QtWidgets/QLabel>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QSlider>
#include <QtWidgets/QStackedWidget>
#include <QtWidgets/QToolButton>
#include <QtWidgets/QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace fopro::ui {

ImageViewerDialog::ImageViewerDialog(ProjectDocument *document, JobManager *jobs, QWidget *parent)
    : QDialog(parent), m_doc(document), m_jobs(jobs)
{
    setWindowTitle(tr("Image"));
    setObjectName(QStringLiteral("imageViewer"));
    m_title = new QLabel(this);
    m_title->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_title->setWordWrap(true);
    QFont f = m_title->font();
    f.setBold(true);
    m_title->setFont(f);
    m_view = new ZoomableImageView(this);
    m_message = new QLabel(this);
    m_message->setAlignment(Qt::AlignCenter);
    m_message->setWordWrap(true);
    auto *stack = new QStackedWidget(this);
    stack->addWidget(m_view);
    stack->addWidget(m_message);

    auto tool = [this](const QString &text, const QString &tip) {
        auto *b = new QToolButton(this);
        b->setText(text);
        b->setToolTip(tip);
        b->setAutoRaise(true);
        return b;
    };
    QToolButton *previous = tool(QStringLiteral("\u25c0"), tr("Previous image of the grid (Left)"));
    QToolButton *next = tool(QStringLiteral("\u25b6"), tr("Next image of the grid (Right)"));
    QToolButton *zoomOut = tool(QStringLiteral("−"), tr("Zoom out (or scroll the wheel)"));
    QToolButton *zoomIn = tool(QStringLiteral("+"), tr("Zoom in (or scroll the wheel)"));
    QToolButton *fit = tool(tr("Fit"), tr("Fit the image to the window"));
    QToolButton *actual = tool(tr("100%"), tr("One image pixel per screen pixel"));
    m_zoomLabel = new QLabel(this);
    connect(previous, &QToolButton::clicked, this, [this] { Q_EMIT stepRequested(-1); });
    connect(next, &QToolButton::clicked, this, [this] { Q_EMIT stepRequested(1); });
    connect(zoomIn, &QToolButton::clicked, m_view, [this] { m_view->zoomBy(1.25); });
    connect(zoomOut, &QToolButton::clicked, m_view, [this] { m_view->zoomBy(0.8); });
    connect(fit, &QToolButton::clicked, m_view, &ZoomableImageView::fitToWindow);
    connect(actual, &QToolButton::clicked, m_view, [this] { m_view->setZoom(1.0); });
    connect(m_view, &ZoomableImageView::zoomChanged, this,
            [this](double z) { m_zoomLabel->setText(tr("%1 %").arg(qRound(z * 100))); });

    // Window / level (monochrome DICOM only).
    m_windowBox = new QWidget(this);
    m_windowBox->setObjectName(QStringLiteral("windowLevel"));
    m_center = new QDoubleSpinBox(m_windowBox);
    m_width = new QDoubleSpinBox(m_windowBox);
    for (QDoubleSpinBox *s : {m_center, m_width}) {
        s->setDecimals(0);
        s->setKeyboardTracking(false);
    }
    m_center->setToolTip(tr("Window centre (level) on the stored values after rescale, e.g. Hounsfield units"));
    m_width->setToolTip(tr("Window width: the range of values spread from black to white"));
    m_centerSlider = new QSlider(Qt::Horizontal, m_windowBox);
    m_widthSlider = new QSlider(Qt::Horizontal, m_windowBox);
    auto *reset = new QPushButton(tr("File's window"), m_windowBox);
    reset->setToolTip(tr("Back to the window stored in the file"));
    auto *wl = new QHBoxLayout(m_windowBox);
    wl->setContentsMargins(0, 0, 0, 0);
    wl->addWidget(new QLabel(tr("Level"), m_windowBox));
    wl->addWidget(m_center);
    wl->addWidget(m_centerSlider, 1);
    wl->addWidget(new QLabel(tr("Width"), m_windowBox));
    wl->addWidget(m_width);
    wl->addWidget(m_widthSlider, 1);
    wl->addWidget(reset);
    m_windowBox->hide();
    m_windowDelay = new QTimer(this);
    m_windowDelay->setSingleShot(true);
    m_windowDelay->setInterval(60); // dragging a slider re-renders at most ~15 times a second
    connect(m_windowDelay, &QTimer::timeout, this, &ImageViewerDialog::decode);
    const auto edited = [this] { setWindow(m_center->value(), m_width->value()); };
    connect(m_center, &QDoubleSpinBox::valueChanged, this, edited);
    connect(m_width, &QDoubleSpinBox::valueChanged, this, edited);
    connect(m_centerSlider, &QSlider::valueChanged, m_center, [this](int v) { m_center->setValue(v); });
    connect(m_widthSlider, &QSlider::valueChanged, m_width, [this](int v) { m_width->setValue(v); });
    connect(reset, &QPushButton::clicked, this, &ImageViewerDialog::resetWindow);

    auto *bar = new QHBoxLayout;
    for (QWidget *w : std::initializer_list<QWidget *>{previous, next, zoomOut, zoomIn, fit, actual, m_zoomLabel})
        bar->addWidget(w);
    bar->addWidget(m_title, 1);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(bar);
    layout->addWidget(stack, 1);
    layout->addWidget(m_windowBox);

    connect(m_doc, &ProjectDocument::datasetReset, this, &QDialog::close);
    resize(900, 700);
}

ImageViewerDialog::~ImageViewerDialog()
{
    m_jobs->cancel(m_job);
}

void ImageViewerDialog::showSample(int index)
{
    const data::DatasetIndex &d = m_doc->dataset();
    if (index < 0 || index >= int(d.samples.size())) return;
    m_sample = index;
    m_window = {};
    m_haveInfo = false;
    m_info = {};
    const data::Sample &s = d.samples[std::size_t(index)];
    const QString file = d.absolutePath(s);
    const QString label = s.label >= 0 && s.label < d.classCount() ? d.classes[s.label] : tr("unlabelled");
    m_title->setText(tr("%1 — %2, %3")
                         .arg(QFileInfo(file).fileName() +
                                  (s.kind == data::SourceKind::File ? QString() : tr(" (frame %1)").arg(s.entry)),
                              label, s.split == data::Split::None ? tr("unassigned") : data::splitName(s.split)));
    m_title->setToolTip(file);
    setWindowTitle(QFileInfo(file).fileName());
    decode();
}

void ImageViewerDialog::setWindow(double center, double width)
{
    if (width <= 0) return;
    if (m_window.isValid() && m_window.center == center && m_window.width == width) return;
    m_window = {center, width};
    m_windowDelay->start();
}

void ImageViewerDialog::resetWindow()
{
    if (!m_haveInfo) return;
    m_window = {};
    decode();
}

void ImageViewerDialog::decode()
{
    m_windowDelay->stop();
    if (m_sample < 0) return;
    m_jobs->cancel(m_job); // an earlier image or window: its result is dropped
    const data::DatasetIndex &d = m_doc->dataset();
    data::DatasetIndex paths;
    paths.format = d.format;
    paths.root = d.root;
    const data::Sample sample = d.samples[std::size_t(m_sample)];
    const data::DicomWindow window = m_window;
    const quint64 generation = ++m_generation;
    m_job = m_jobs->submit<Decoded>(
        JobManager::Kind::Io, tr("Decoding %1").arg(QFileInfo(sample.path).fileName()),
        [paths, sample, window](JobControl &, const ProgressSink &) -> Result<Decoded> {
            Decoded out;
            Result<cv::Mat> mat =
                sample.kind == data::SourceKind::DicomFrame
                    ? data::decodeDicomFrame(paths.absolutePath(sample), sample.entry, window, &out.info)
                    : data::loadImage(paths, sample);
            if (!mat) return mat.error();
            out.image = toQImage(*mat); // owns its pixels; the QPixmap is made on the GUI thread
            if (out.image.isNull())
                return makeError(ErrorCode::Unsupported, paths.absolutePath(sample),
                                 QStringLiteral("unsupported pixel format"));
            return out;
        },
        [this, generation](const Result<Decoded> &r) { onDecoded(generation, r); }, this);
}

void ImageViewerDialog::onDecoded(quint64 generation, const Result<Decoded> &r)
{
    if (generation != m_generation) return;
    m_job = 0;
    auto *stack = qobject_cast<QStackedWidget *>(m_view->parentWidget());
    if (!r) {
        m_image = QImage();
        m_error = r.error().message();
        m_message->setText(tr("This image cannot be shown:\n%1").arg(m_error));
        if (stack) stack->setCurrentWidget(m_message);
        m_windowBox->hide();
        Q_EMIT imageLoaded(m_sample, false);
        return;
    }
    m_error.clear();
    const bool keepView = !m_image.isNull() && m_image.size() == r->image.size() && m_haveInfo;
    const double zoom = m_view->zoom();
    const bool fit = m_view->fitsWindow();
    m_image = r->image;
    m_view->setImage(m_image);
    if (keepView && !fit) m_view->setZoom(zoom); // a new window keeps the zoom
    if (stack) stack->setCurrentWidget(m_view);
    if (!m_haveInfo) {
        m_info = r->info;
        m_haveInfo = true;
    }
    if (!m_window.isValid()) m_window = m_info.defaultWindow;
    updateWindowControls();
    Q_EMIT imageLoaded(m_sample, true);
}

void ImageViewerDialog::updateWindowControls()
{
    m_windowBox->setVisible(m_info.monochrome);
    if (!m_info.monochrome) return;
    const QSignalBlocker a(m_center), b(m_width), c(m_centerSlider), d(m_widthSlider);
    const double lo = std::floor(std::min(m_info.minValue, m_window.center));
    const double hi = std::ceil(std::max(m_info.maxValue, m_window.center));
    const double maxWidth = std::max({1.0, 2.0 * (hi - lo), m_window.width});
    m_center->setRange(lo, hi);
    m_width->setRange(1, maxWidth);
    m_centerSlider->setRange(int(lo), int(hi));
    m_widthSlider->setRange(1, int(std::ceil(maxWidth)));
    m_center->setValue(m_window.center);
    m_width->setValue(m_window.width);
    m_centerSlider->setValue(int(std::lround(m_window.center)));
    m_widthSlider->setValue(int(std::lround(m_window.width)));
}

void ImageViewerDialog::keyPressEvent(QKeyEvent *event)
{
    switch (event->key()) {
    case Qt::Key_Left:
        Q_EMIT stepRequested(-1);
        return;
    case Qt::Key_Right:
        Q_EMIT stepRequested(1);
        return;
    case Qt::Key_Space:
        close();
        return;
    default:
        QDialog::keyPressEvent(event);
    }
}

} // namespace fopro::ui
