#include "ui/dataset/inspectorpanel.h"

#include "core/data/dicomreader.h"
#include "core/data/imageloader.h"
#include "ui/common/imageconvert.h"
#include "ui/shell/projectdocument.h"

#include <QtCore/QFileInfo>
#include <QtCore/QRegularExpression>
#include <QtGui/QWheelEvent>
#include <QtWidgets/QGraphicsPixmapItem>
#include <QtWidgets/QGraphicsScene>
#include <QtWidgets/QHBoxLayout>
#include <QtWidgets/QHeaderView>
#include <QtWidgets/QLabel>
#include <QtWidgets/QSplitter>
#include <QtWidgets/QStackedWidget>
#include <QtWidgets/QTableWidget>
#include <QtWidgets/QToolButton>
#include <QtWidgets/QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace fopro::ui {

namespace {

constexpr double kMinZoom = 0.02;
constexpr double kMaxZoom = 32.0;

/// A copy of the index without its samples: enough to resolve a sample's path on a worker.
data::DatasetIndex pathsOnly(const data::DatasetIndex &d)
{
    data::DatasetIndex copy;
    copy.format = d.format;
    copy.root = d.root;
    copy.classes = d.classes;
    return copy;
}

} // namespace

// ---------------------------------------------------------------------------------------------
// ZoomableImageView

ZoomableImageView::ZoomableImageView(QWidget *parent) : QGraphicsView(parent), m_scene(new QGraphicsScene(this))
{
    setScene(m_scene);
    setDragMode(QGraphicsView::ScrollHandDrag);
    setTransformationAnchor(QGraphicsView::AnchorUnderMouse);
    setResizeAnchor(QGraphicsView::AnchorViewCenter);
    setRenderHint(QPainter::SmoothPixmapTransform, true);
    setBackgroundBrush(QColor(0x30, 0x30, 0x30));
    setFrameShape(QFrame::NoFrame);
    setAccessibleName(tr("Image"));
    setToolTip(tr("Scroll the wheel to zoom, drag to pan"));
}

void ZoomableImageView::setImage(const QImage &image)
{
    m_scene->clear();
    m_item = nullptr;
    if (!image.isNull()) {
        m_item = m_scene->addPixmap(QPixmap::fromImage(image)); // QPixmap on the GUI thread only
        m_item->setTransformationMode(Qt::SmoothTransformation);
        m_scene->setSceneRect(m_item->boundingRect());
    } else {
        m_scene->setSceneRect(QRectF());
    }
    m_fit = true;
    applyFit();
}

bool ZoomableImageView::hasImage() const
{
    return m_item != nullptr;
}

void ZoomableImageView::zoomBy(double factor)
{
    setZoom(m_zoom * factor);
}

void ZoomableImageView::setZoom(double zoom)
{
    m_fit = false;
    m_zoom = std::clamp(zoom, kMinZoom, kMaxZoom);
    setTransform(QTransform::fromScale(m_zoom, m_zoom));
    Q_EMIT zoomChanged(m_zoom);
}

void ZoomableImageView::fitToWindow()
{
    m_fit = true;
    applyFit();
}

void ZoomableImageView::applyFit()
{
    if (!m_item) {
        resetTransform();
        m_zoom = 1.0;
        Q_EMIT zoomChanged(m_zoom);
        return;
    }
    const QRectF r = m_item->boundingRect();
    const QSize area = viewport()->size();
    if (r.isEmpty() || area.isEmpty()) return;
    const double z = std::min(area.width() / r.width(), area.height() / r.height());
    m_zoom = std::clamp(z, kMinZoom, kMaxZoom);
    setTransform(QTransform::fromScale(m_zoom, m_zoom));
    centerOn(r.center());
    Q_EMIT zoomChanged(m_zoom);
}

void ZoomableImageView::wheelEvent(QWheelEvent *event)
{
    if (!m_item) return QGraphicsView::wheelEvent(event);
    const double steps = event->angleDelta().y() / 120.0;
    if (steps == 0) return;
    zoomBy(std::pow(1.25, steps)); // anchored under the mouse
    event->accept();
}

void ZoomableImageView::resizeEvent(QResizeEvent *event)
{
    QGraphicsView::resizeEvent(event);
    if (m_fit) applyFit();
}

// ---------------------------------------------------------------------------------------------
// InspectorPanel

InspectorPanel::InspectorPanel(ProjectDocument *document, JobManager *jobs, QWidget *parent)
    : QWidget(parent), m_doc(document), m_jobs(jobs)
{
    m_title = new QLabel(this);
    m_title->setWordWrap(true);
    m_title->setTextInteractionFlags(Qt::TextSelectableByMouse);
    QFont f = m_title->font();
    f.setBold(true);
    m_title->setFont(f);

    m_view = new ZoomableImageView(this);
    m_message = new QLabel(this);
    m_message->setWordWrap(true);
    m_message->setAlignment(Qt::AlignCenter);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_message->setMargin(12);
    m_stack = new QStackedWidget(this);
    m_stack->addWidget(m_view);
    m_stack->addWidget(m_message);

    auto tool = [this](const QString &text, const QString &tip) {
        auto *b = new QToolButton(this);
        b->setText(text);
        b->setToolTip(tip);
        b->setAutoRaise(true);
        return b;
    };
    m_zoomOut = tool(QStringLiteral("−"), tr("Zoom out (or scroll the wheel)"));
    m_zoomIn = tool(QStringLiteral("+"), tr("Zoom in (or scroll the wheel)"));
    m_fit = tool(tr("Fit"), tr("Fit the image to the panel"));
    m_actual = tool(tr("100%"), tr("Show the image at its real size, one image pixel per screen pixel"));
    m_zoomLabel = new QLabel(this);
    m_zoomLabel->setMinimumWidth(QFontMetrics(m_zoomLabel->font()).horizontalAdvance(QStringLiteral("0000 %")));
    m_previous = tool(QStringLiteral("\u25c0"), tr("Previous image of the grid (Alt+Left)"));
    m_next = tool(QStringLiteral("\u25b6"), tr("Next image of the grid (Alt+Right)"));
    m_previous->setAccessibleName(tr("Previous image"));
    m_next->setAccessibleName(tr("Next image"));
    connect(m_previous, &QToolButton::clicked, this, [this] { Q_EMIT stepRequested(-1); });
    connect(m_next, &QToolButton::clicked, this, [this] { Q_EMIT stepRequested(1); });
    auto *zoomBar = new QHBoxLayout;
    zoomBar->setContentsMargins(0, 0, 0, 0);
    zoomBar->addWidget(m_previous);
    zoomBar->addWidget(m_next);
    zoomBar->addWidget(m_zoomOut);
    zoomBar->addWidget(m_zoomIn);
    zoomBar->addWidget(m_fit);
    zoomBar->addWidget(m_actual);
    zoomBar->addWidget(m_zoomLabel, 1);
    // The buttons keep their size on a narrow panel; the zoom figure gives way first.
    for (QToolButton *b : {m_previous, m_next, m_zoomOut, m_zoomIn, m_fit, m_actual})
        b->setSizePolicy(QSizePolicy::Fixed, QSizePolicy::Fixed);
    m_zoomLabel->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    m_zoomLabel->setMinimumWidth(0);
    m_zoomLabel->installEventFilter(this);

    m_labels = new QLabel(this);
    m_labels->setWordWrap(true);
    m_labels->setTextFormat(Qt::RichText);

    m_table = new QTableWidget(0, 2, this);
    m_table->setHorizontalHeaderLabels({tr("Field"), tr("Value")});
    m_table->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Interactive);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->verticalHeader()->hide();
    m_table->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 6);
    m_table->setTextElideMode(Qt::ElideRight);
    m_table->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setWordWrap(false);
    m_table->setAlternatingRowColors(true);
    m_table->setAccessibleName(tr("Metadata"));
    m_table->viewport()->installEventFilter(this);

    auto *imageBox = new QWidget(this);
    auto *imageLayout = new QVBoxLayout(imageBox);
    imageLayout->setContentsMargins(0, 0, 0, 0);
    imageLayout->addLayout(zoomBar);
    imageLayout->addWidget(m_stack, 1);
    auto *infoBox = new QWidget(this);
    auto *infoLayout = new QVBoxLayout(infoBox);
    infoLayout->setContentsMargins(0, 0, 0, 0);
    infoLayout->addWidget(m_labels);
    infoLayout->addWidget(m_table, 1);

    auto *split = new QSplitter(Qt::Vertical, this);
    split->addWidget(imageBox);
    split->addWidget(infoBox);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    split->setChildrenCollapsible(false);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(m_title);
    layout->addWidget(split, 1);

    connect(m_zoomIn, &QToolButton::clicked, m_view, [this] { m_view->zoomBy(1.25); });
    connect(m_zoomOut, &QToolButton::clicked, m_view, [this] { m_view->zoomBy(0.8); });
    connect(m_fit, &QToolButton::clicked, m_view, &ZoomableImageView::fitToWindow);
    connect(m_actual, &QToolButton::clicked, m_view, [this] { m_view->setZoom(1.0); });
    connect(m_view, &ZoomableImageView::zoomChanged, this, &InspectorPanel::updateZoomLabel);

    // Curation changes the label, split and flags shown; a new dataset invalidates the sample.
    connect(m_doc, &ProjectDocument::datasetReset, this, [this] { showSample(-1); });
    connect(m_doc, &ProjectDocument::samplesChanged, this, [this](const std::vector<int> &samples) {
        if (m_sample >= 0 && std::find(samples.begin(), samples.end(), m_sample) != samples.end()) rebuildTable();
    });
    connect(m_doc, &ProjectDocument::classesChanged, this, &InspectorPanel::rebuildTable);

    showSample(-1);
}

InspectorPanel::~InspectorPanel()
{
    // A queued decode is dropped; a running one finishes on the JobManager (which waits for it on
    // shutdown) and delivers nothing: its callback is tied to this panel.
    m_jobs->cancel(m_imageJob);
    m_jobs->cancel(m_attrJob);
}

bool InspectorPanel::isLoading() const
{
    return m_imagePending || m_dicomPending; // until the result is delivered, not just computed
}

void InspectorPanel::showSample(int index)
{
    const data::DatasetIndex &d = m_doc->dataset();
    if (index < 0 || index >= int(d.samples.size())) index = -1;
    ++m_generation;
    m_sample = index;
    m_image = QImage();
    m_error.clear();
    m_dicom.clear();
    m_dicomError.clear();
    m_dicomPending = false;
    m_imagePending = false;
    m_view->setImage(QImage());
    // Jobs for an earlier sample: not started → never run; running → their result is dropped.
    m_jobs->cancel(m_imageJob);
    m_jobs->cancel(m_attrJob);
    m_imageJob = m_attrJob = 0;

    if (index < 0) {
        m_title->setText(tr("No image selected"));
        m_message->setText(tr("Click an image in the grid to inspect it here."));
        m_stack->setCurrentWidget(m_message);
        rebuildTable();
        return;
    }

    const data::Sample sample = d.samples[std::size_t(index)];
    const data::DatasetIndex paths = pathsOnly(d);
    const QString file = d.absolutePath(sample);
    m_title->setText(QFileInfo(file).fileName() +
                     (sample.kind == data::SourceKind::DicomFrame ? tr(" (frame %1)").arg(sample.entry)
                      : sample.kind == data::SourceKind::IdxEntry ? tr(" (image %1)").arg(sample.entry)
                                                                  : QString()));
    m_title->setToolTip(file);
    m_message->setText(tr("Loading %1…").arg(QFileInfo(file).fileName()));
    m_stack->setCurrentWidget(m_message);

    const quint64 generation = m_generation;
    m_imagePending = true;
    m_imageJob = m_jobs->submit<QImage>(
        JobManager::Kind::Io, tr("Decoding %1").arg(QFileInfo(file).fileName()),
        [paths, sample](JobControl &, const ProgressSink &) -> Result<QImage> {
            auto mat = data::loadImage(paths, sample);
            if (!mat) return mat.error();
            QImage image = toQImage(*mat); // a copy that owns its pixels; QPixmap comes later, on the GUI thread
            if (image.isNull())
                return makeError(ErrorCode::Unsupported, paths.absolutePath(sample),
                                 QStringLiteral("unsupported pixel format"));
            return image;
        },
        [this, generation](const Result<QImage> &r) { onImageFinished(generation, r); }, this);

    if (sample.kind == data::SourceKind::DicomFrame) {
        m_dicomPending = true;
        m_attrJob = m_jobs->submit<QMap<QString, QString>>(
            JobManager::Kind::Io, tr("Reading DICOM attributes"),
            [file](JobControl &, const ProgressSink &) { return data::readAllDicomAttributes(file); },
            [this, generation](const Result<QMap<QString, QString>> &r) { onAttributesFinished(generation, r); }, this);
    }
    rebuildTable();
}

void InspectorPanel::onImageFinished(quint64 generation, const Result<QImage> &r)
{
    if (generation != m_generation || m_sample < 0) return; // a previous sample: dropped
    m_imagePending = false;
    m_imageJob = 0;
    m_image = r ? *r : QImage();
    m_error = r ? QString() : r.error().message();
    if (m_error.isEmpty()) {
        m_view->setImage(m_image);
        m_stack->setCurrentWidget(m_view);
    } else {
        m_message->setText(tr("<b>This image cannot be shown.</b><br>%1").arg(m_error.toHtmlEscaped()));
        m_stack->setCurrentWidget(m_message);
    }
    rebuildTable();
    Q_EMIT imageLoaded(m_sample, m_error.isEmpty());
}

void InspectorPanel::onAttributesFinished(quint64 generation, const Result<QMap<QString, QString>> &r)
{
    if (generation != m_generation || m_sample < 0) return;
    m_dicomPending = false;
    m_attrJob = 0;
    m_dicom = r ? *r : QMap<QString, QString>();
    m_dicomError = r ? QString() : r.error().message();
    rebuildTable();
    Q_EMIT attributesLoaded(m_sample, m_dicomError.isEmpty());
}

void InspectorPanel::updateZoomLabel()
{
    // On a narrow panel the figure is left out rather than cut (the tooltip keeps it).
    const QString text = m_view->hasImage() ? tr("%1 %").arg(qRound(m_view->zoom() * 100)) : QString();
    m_zoomLabel->setToolTip(text.isEmpty() ? QString() : tr("Zoom: %1").arg(text));
    m_zoomLabel->setText(m_zoomLabel->fontMetrics().horizontalAdvance(text) <= m_zoomLabel->width() ? text : QString());
    const bool on = m_view->hasImage();
    for (QToolButton *b : {m_zoomIn, m_zoomOut, m_fit, m_actual})
        b->setEnabled(on);
}

QString InspectorPanel::metadataValue(const QString &field) const
{
    for (int r = 0; r < m_table->rowCount(); ++r) {
        const QTableWidgetItem *k = m_table->item(r, 0);
        const QTableWidgetItem *v = m_table->item(r, 1);
        if (k && v && k->text() == field) return v->text();
    }
    return QString();
}

void InspectorPanel::rebuildTable()
{
    m_table->setRowCount(0);
    const data::DatasetIndex &d = m_doc->dataset();
    if (m_sample < 0 || m_sample >= int(d.samples.size())) {
        m_labels->clear();
        m_labels->hide();
        return;
    }
    const data::Sample &s = d.samples[std::size_t(m_sample)];
    auto className = [&](int label) {
        return label >= 0 && label < d.classCount() ? d.classes[label] : tr("(unlabelled)");
    };

    auto addSection = [this](const QString &title) {
        const int r = m_table->rowCount();
        m_table->insertRow(r);
        auto *item = new QTableWidgetItem(title);
        QFont f = item->font();
        f.setBold(true);
        item->setFont(f);
        m_table->setItem(r, 0, item);
        m_table->setSpan(r, 0, 1, 2);
    };
    auto addRow = [this](const QString &key, const QString &value) {
        const int r = m_table->rowCount();
        m_table->insertRow(r);
        auto *k = new QTableWidgetItem(key);
        k->setToolTip(key);
        m_table->setItem(r, 0, k);
        auto *v = new QTableWidgetItem(value);
        v->setToolTip(value);
        m_table->setItem(r, 1, v);
    };

    const QString file = d.absolutePath(s);
    addSection(tr("Sample"));
    addRow(tr("File"), QFileInfo(file).fileName());
    addRow(tr("Path"), file);
    if (s.kind != data::SourceKind::File)
        addRow(s.kind == data::SourceKind::DicomFrame ? tr("Frame") : tr("Entry"), QString::number(s.entry));
    addRow(tr("Source"), data::sourceKindName(s.kind));
    addRow(tr("Class"), className(s.label));
    addRow(tr("Imported class"), className(s.originalLabel));
    addRow(tr("Split"), s.split == data::Split::None ? tr("unassigned") : data::splitName(s.split));
    addRow(tr("Group"), s.group.isEmpty() ? tr("(none: the image is its own group)") : s.group);
    QStringList flags;
    if (s.has(data::FlagExcluded)) flags << tr("excluded");
    if (s.has(data::FlagRelabelled)) flags << tr("relabelled");
    if (s.has(data::FlagFlagged)) flags << tr("flagged for review");
    if (s.has(data::FlagMissing)) flags << tr("file missing");
    addRow(tr("Flags"), flags.isEmpty() ? tr("none") : flags.join(QStringLiteral(", ")));
    if (!m_image.isNull()) addRow(tr("Image size"), tr("%1 × %2 pixels").arg(m_image.width()).arg(m_image.height()));
    if (!m_error.isEmpty()) addRow(tr("Decoding error"), m_error);

    if (!s.meta.isEmpty()) {
        addSection(tr("Metadata (%1)").arg(s.meta.size()));
        for (auto it = s.meta.cbegin(); it != s.meta.cend(); ++it)
            addRow(it.key(), it.value());
    }
    if (s.kind == data::SourceKind::DicomFrame) {
        if (m_dicomPending) {
            addSection(tr("DICOM attributes: reading…"));
        } else if (!m_dicomError.isEmpty()) {
            addSection(tr("DICOM attributes"));
            addRow(tr("Error"), m_dicomError);
        } else {
            addSection(tr("DICOM attributes (%1)").arg(m_dicom.size()));
            // "(gggg,eeee) Keyword" is shown keyword first so it survives eliding; the full key
            // (with the tag) is in the tooltip. Sequence items keep their full path.
            static const QRegularExpression simple(
                QStringLiteral("^(\\([0-9a-fA-F]{4},[0-9a-fA-F]{4}\\)) ([A-Za-z0-9]+)$"));
            for (auto it = m_dicom.cbegin(); it != m_dicom.cend(); ++it) {
                addRow(it.key(), it.value());
                const QRegularExpressionMatch m = simple.match(it.key());
                if (m.hasMatch())
                    m_table->item(m_table->rowCount() - 1, 0)
                        ->setText(m.captured(2) + QLatin1Char(' ') + m.captured(1));
            }
        }
    }

    // Label state: what is stored per image. The project history holds global descriptions only.
    const bool relabelled = s.has(data::FlagRelabelled) || (s.originalLabel >= 0 && s.label != s.originalLabel);
    QString text = relabelled
                       ? tr("<b>Relabelled:</b> imported as <b>%1</b>, now <b>%2</b>.")
                             .arg(className(s.originalLabel).toHtmlEscaped(), className(s.label).toHtmlEscaped())
                       : tr("<b>Label as imported:</b> %1 (not relabelled).").arg(className(s.label).toHtmlEscaped());
    text +=
        QStringLiteral("<br><span style=\"color:#666666\">%1</span>")
            .arg(
                tr("The project history records curation steps for the whole dataset, not per image.").toHtmlEscaped());
    m_labels->setText(text);
    m_labels->show();

    fitFieldColumn();
}

void InspectorPanel::fitFieldColumn()
{
    // The field column fits its contents but never takes more than 40 % of the width, so values
    // stay readable next to long DICOM attribute names (full names are in the tooltips).
    m_table->resizeColumnToContents(0);
    const int floor =
        m_table->fontMetrics().horizontalAdvance(tr("Imported class")) + 16; // the built-in fields stay whole
    const int cap = std::max(floor, int(m_table->viewport()->width() * 0.4));
    if (m_table->columnWidth(0) > cap) m_table->setColumnWidth(0, cap);
}

bool InspectorPanel::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == m_zoomLabel && event->type() == QEvent::Resize) updateZoomLabel();
    if (m_table && watched == m_table->viewport() && event->type() == QEvent::Resize) fitFieldColumn();
    return QWidget::eventFilter(watched, event);
}

} // namespace fopro::ui
