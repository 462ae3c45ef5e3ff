#pragma once
// Grad-CAM beside a list of images (the predictions browser, the Classify page): for the chosen
// images, as one JobManager job, the student's heat (a run's best student or an exported model,
// core/ml/gradcam.h) and, when the run's teacher is a CNN, the teacher's heat at its configured
// layer, shown side by side over each image; a slider sets the overlay's opacity (re-blended on
// the GUI thread, nothing recomputed). Loaded networks are kept for the next request.

#include "core/common/result.h"

#include <QtCore/QString>
#include <QtCore/QStringList>
#include <QtWidgets/QWidget>

#include <opencv2/core/mat.hpp>

#include <functional>
#include <memory>
#include <vector>

class QLabel;
class QScrollArea;
class QSlider;
class QVBoxLayout;

namespace fopro {
class JobManager;
}

namespace fopro::ml {
class GradCam;
}

namespace fopro::ui {

class GradCamPanel : public QWidget {
    Q_OBJECT
public:
    /// What a network to explain is.
    struct Source {
        enum Kind { None, Run, ExportedModel, Teacher };
        Kind kind = None;
        QString path;      ///< run folder, model file or teacher file
        QString layer;     ///< teacher: the layer (empty: the last 4-D one)
        int inputSize = 0; ///< teacher: the input side (0: its own)
        QString label;     ///< "student", "teacher · block_10_project_BN"

        QString key() const;
    };
    /// One image to explain: a caption and a loader that is safe to call on a worker thread.
    struct Image {
        QString caption;
        int targetClass = -1; ///< the student's class to explain; -1 = its prediction
        std::function<Result<cv::Mat>()> load;
    };

    explicit GradCamPanel(JobManager *jobs, QWidget *parent = nullptr);
    ~GradCamPanel() override;

    /// The student and (optionally) the teacher to explain; a teacher Source of kind None shows no
    /// teacher column. `teacherNote` says why there is none ("the run uses no teacher").
    void setSources(const Source &student, const Source &teacher, const QString &teacherNote = {});
    Source studentSource() const { return m_student; }
    Source teacherSource() const { return m_teacher; }

    /// Explains these images (at most kMaxImages; the rest are left out with a note) as a job.
    void explain(const std::vector<Image> &images);
    static constexpr int kMaxImages = 12;
    bool isRunning() const { return m_running; }
    void clear();

    double opacity() const;
    void setOpacity(double opacity);

    /// What the last job gave, for tests: per image, the heat maps (empty on error) and the errors.
    struct Entry {
        QString caption;
        cv::Mat image; ///< RGB8
        cv::Mat studentHeat, teacherHeat;
        QString studentError, teacherError;
        QString studentText; ///< "predicted X (0.93), explained X"
        QString teacherText;
    };
    const std::vector<Entry> &entries() const { return m_entries; }

Q_SIGNALS:
    void finished();
    void statusMessage(const QString &text);

private:
    struct JobOutput;
    void present();
    void updateOverlays();

    JobManager *m_jobs;
    Source m_student, m_teacher;
    QString m_teacherNote;
    std::shared_ptr<ml::GradCam> m_studentCam, m_teacherCam;
    QString m_studentKey, m_teacherKey;
    std::vector<Entry> m_entries;
    bool m_running = false;

    QLabel *m_heading;
    QSlider *m_opacity;
    QScrollArea *m_scroll;
    QWidget *m_content;
    QVBoxLayout *m_rows;
    std::vector<std::pair<QLabel *, QLabel *>> m_overlayLabels; ///< student, teacher per entry
};

} // namespace fopro::ui
