#pragma once
// The large viewer of the Dataset page (Space or double-click on a tile): one image at full size
// with zoom and pan (ZoomableImageView), the previous / next image of the grid (◀ ▶, or the Left
// and Right keys), and for monochrome DICOM frames window / level: centre and width of the VOI
// window on the modality values, as spin boxes and sliders, starting at the file's own window.
// Decoding runs as a job of the window's JobManager (DCMTK applies the window,
// data::decodeDicomFrame); the job of an image or window that is no longer wanted is cancelled and
// its result dropped. Workers make QImage; the QPixmap is made on the GUI thread.

#include "core/data/dicomreader.h"
#include "core/jobs/jobmanager.h"

#include <QtGui/QImage>
#include <QtWidgets/QDialog>

class QDoubleSpinBox;
class QLabel;
class QSlider;
class QTimer;
class QToolButton;
class QWidget;

namespace fopro::ui {

class ProjectDocument;
class ZoomableImageView;

class ImageViewerDialog : public QDialog {
    Q_OBJECT
public:
    ImageViewerDialog(ProjectDocument *document, JobManager *jobs, QWidget *parent = nullptr);
    ~ImageViewerDialog() override;

    /// Shows sample `index` of the document's dataset (its file's default window for DICOM).
    void showSample(int index);
    int currentSample() const { return m_sample; }
    bool isLoading() const { return m_job != 0; }
    /// The image shown (null while loading or after an error).
    QImage image() const { return m_image; }
    QString errorText() const { return m_error; }
    ZoomableImageView *imageView() const { return m_view; }

    /// True when the current image is a monochrome DICOM frame: the window / level controls show.
    bool hasWindowLevel() const { return m_info.monochrome; }
    /// The window the image is shown with, and what the decoder reported (default window, range).
    data::DicomWindow window() const { return m_window; }
    data::DicomWindowInfo windowInfo() const { return m_info; }
    /// Shows the current DICOM frame with this window (re-decoded off the GUI thread).
    void setWindow(double center, double width);
    /// Back to the file's own window.
    void resetWindow();

Q_SIGNALS:
    /// Next (+1) or previous (−1) image of the grid.
    void stepRequested(int delta);
    /// The image of `sample` has been decoded (ok) or could not be.
    void imageLoaded(int sample, bool ok);

protected:
    void keyPressEvent(QKeyEvent *event) override;

private:
    struct Decoded {
        QImage image;
        data::DicomWindowInfo info;
    };
    void decode();
    void onDecoded(quint64 generation, const Result<Decoded> &r);
    void updateWindowControls();

    ProjectDocument *m_doc;
    JobManager *m_jobs;
    JobManager::JobId m_job = 0;
    quint64 m_generation = 0;
    int m_sample = -1;
    QImage m_image;
    QString m_error;
    data::DicomWindow m_window;   // requested; invalid = the file's default
    data::DicomWindowInfo m_info; // from the last decode of this sample
    bool m_haveInfo = false;

    QLabel *m_title;
    QLabel *m_message;
    ZoomableImageView *m_view;
    QLabel *m_zoomLabel;
    QWidget *m_windowBox;
    QDoubleSpinBox *m_center;
    QDoubleSpinBox *m_width;
    QSlider *m_centerSlider;
    QSlider *m_widthSlider;
    QTimer *m_windowDelay;
};

} // namespace fopro::ui
