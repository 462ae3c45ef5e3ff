#pragma once
// The Inspector of the Dataset page: the current sample at full resolution (decoded off the GUI
// thread as a job of the window's JobManager; the job of a sample that is no longer current is
// cancelled and its result dropped),
// with zoom (wheel, +/−, fit, 100 %) and pan (drag); a metadata table (file, class, imported class,
// split, group, flags, every Sample::meta entry and, for DICOM frames, every DICOM attribute, read
// off the GUI thread too); and the sample's label state. The project's history is a list of global
// descriptions, not per-image records, so the panel shows what is stored per sample: the imported
// label, the current label and whether it was relabelled.

#include "core/jobs/jobmanager.h"

#include <QtCore/QMap>
#include <QtGui/QImage>
#include <QtWidgets/QGraphicsView>
#include <QtWidgets/QWidget>

class QGraphicsPixmapItem;
class QGraphicsScene;
class QLabel;
class QStackedWidget;
class QTableWidget;
class QToolButton;

namespace fopro::ui {

class ProjectDocument;

/// A QGraphicsView with wheel zoom around the cursor and drag to pan.
class ZoomableImageView : public QGraphicsView {
    Q_OBJECT
public:
    explicit ZoomableImageView(QWidget *parent = nullptr);

    void setImage(const QImage &image); // a null image clears the view
    bool hasImage() const;
    double zoom() const { return m_zoom; }
    bool fitsWindow() const { return m_fit; }
    void zoomBy(double factor);
    void setZoom(double zoom);
    void fitToWindow();

Q_SIGNALS:
    void zoomChanged(double zoom);

protected:
    void wheelEvent(QWheelEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;

private:
    void applyFit();

    QGraphicsScene *m_scene;
    QGraphicsPixmapItem *m_item = nullptr;
    double m_zoom = 1.0;
    bool m_fit = true;
};

class InspectorPanel : public QWidget {
    Q_OBJECT
public:
    InspectorPanel(ProjectDocument *document, JobManager *jobs, QWidget *parent = nullptr);
    ~InspectorPanel() override;

    /// Shows sample `index` of the document's dataset (-1: nothing). Starts the decode.
    void showSample(int index);
    int currentSample() const { return m_sample; }

    /// True while the image (or the DICOM attributes) of the current sample are being read.
    bool isLoading() const;
    /// The decoding error of the current sample ("file: reason"), empty when none.
    QString errorText() const { return m_error; }
    /// The decoded image of the current sample (null while loading or after an error).
    QImage image() const { return m_image; }
    ZoomableImageView *imageView() const { return m_view; }
    QTableWidget *metadataTable() const { return m_table; }
    /// The value shown in the metadata table for `field` (first match), empty when absent.
    QString metadataValue(const QString &field) const;
    /// Number of DICOM attributes listed for the current sample.
    int dicomAttributeCount() const { return int(m_dicom.size()); }

Q_SIGNALS:
    /// The image of `sample` has been decoded (ok) or could not be (error in errorText()).
    void imageLoaded(int sample, bool ok);
    /// The DICOM attributes of `sample` have been read (ok) or could not be.
    void attributesLoaded(int sample, bool ok);
    /// The user asked for the next (+1) or previous (−1) image of the grid (the ◀ ▶ buttons).
    void stepRequested(int delta);

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void onImageFinished(quint64 generation, const Result<QImage> &r);
    void onAttributesFinished(quint64 generation, const Result<QMap<QString, QString>> &r);
    void rebuildTable();
    void fitFieldColumn();
    void updateZoomLabel();

    ProjectDocument *m_doc;
    JobManager *m_jobs;
    JobManager::JobId m_imageJob = 0;
    JobManager::JobId m_attrJob = 0;
    quint64 m_generation = 0;
    int m_sample = -1;
    QImage m_image;
    QString m_error;
    QMap<QString, QString> m_dicom;
    QString m_dicomError;
    bool m_dicomPending = false;
    bool m_imagePending = false;

    QLabel *m_title;
    QStackedWidget *m_stack;
    ZoomableImageView *m_view;
    QLabel *m_message;
    QLabel *m_zoomLabel;
    QToolButton *m_zoomIn;
    QToolButton *m_zoomOut;
    QToolButton *m_fit;
    QToolButton *m_actual;
    QToolButton *m_previous;
    QToolButton *m_next;
    QLabel *m_labels;
    QTableWidget *m_table = nullptr;
};

} // namespace fopro::ui
