#include "ui/results/gradcampanel.h"

#include "core/jobs/jobmanager.h"
#include "core/ml/gradcam.h"
#include "ui/common/imageconvert.h"

#include <QtWidgets/QGridLayout>
#include <QtWidgets/QHBoxLayout>
#include <QtWidgets/QLabel>
#include <QtWidgets/QScrollArea>
#include <QtWidgets/QSlider>
#include <QtWidgets/QVBoxLayout>

#include <opencv2/imgproc.hpp>

namespace fopro::ui {

namespace {

constexpr int kTileSide = 150;

Result<ml::GradCam> openCam(const GradCamPanel::Source &s)
{
    switch (s.kind) {
    case GradCamPanel::Source::Run:
        return ml::GradCam::forRun(s.path);
    case GradCamPanel::Source::ExportedModel:
        return ml::GradCam::forExportedModel(s.path);
    case GradCamPanel::Source::Teacher:
        return ml::GradCam::forTeacher(s.path, s.layer, s.inputSize);
    case GradCamPanel::Source::None:
        break;
    }
    return makeError(ErrorCode::InvalidArgument, {}, QStringLiteral("nothing to explain"));
}

/// The image shrunk to fit a tile (keeps the aspect ratio), so that blending stays cheap.
cv::Mat fitTile(const cv::Mat &rgb)
{
    if (rgb.empty()) return rgb;
    const double scale = std::min(1.0, double(2 * kTileSide) / std::max(rgb.cols, rgb.rows));
    if (scale >= 1.0) return rgb.clone();
    cv::Mat out;
    cv::resize(rgb, out, cv::Size(), scale, scale, cv::INTER_AREA);
    return out;
}

QPixmap tilePixmap(const cv::Mat &rgb)
{
    if (rgb.empty()) return {};
    return QPixmap::fromImage(toQImage(rgb))
        .scaled(kTileSide, kTileSide, Qt::KeepAspectRatio, Qt::SmoothTransformation);
}

} // namespace

QString GradCamPanel::Source::key() const
{
    return QStringLiteral("%1|%2|%3|%4").arg(int(kind)).arg(path, layer).arg(inputSize);
}

struct GradCamPanel::JobOutput {
    std::shared_ptr<ml::GradCam> studentCam, teacherCam;
    QString studentOpenError, teacherOpenError;
    std::vector<Entry> entries;
    QStringList classNames;
};

GradCamPanel::GradCamPanel(JobManager *jobs, QWidget *parent) : QWidget(parent), m_jobs(jobs)
{
    m_heading = new QLabel(tr("Grad-CAM: choose images and press Grad-CAM (Ctrl+G)."), this);
    m_heading->setWordWrap(true);
    m_opacity = new QSlider(Qt::Horizontal, this);
    m_opacity->setRange(0, 100);
    m_opacity->setValue(45);
    m_opacity->setAccessibleName(tr("Heat map opacity"));
    m_opacity->setToolTip(tr("Opacity of the heat map over the image"));
    connect(m_opacity, &QSlider::valueChanged, this, [this] { updateOverlays(); });
    m_content = new QWidget;
    m_rows = new QVBoxLayout(m_content);
    m_rows->setContentsMargins(0, 0, 0, 0);
    m_rows->addStretch(1);
    m_scroll = new QScrollArea(this);
    m_scroll->setWidgetResizable(true);
    m_scroll->setWidget(m_content);
    m_scroll->setFrameShape(QFrame::NoFrame);
    auto *opacityRow = new QHBoxLayout;
    opacityRow->addWidget(new QLabel(tr("Opacity"), this));
    opacityRow->addWidget(m_opacity, 1);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 0, 0, 0);
    layout->addWidget(m_heading);
    layout->addLayout(opacityRow);
    layout->addWidget(m_scroll, 1);
}

GradCamPanel::~GradCamPanel() = default;

void GradCamPanel::setSources(const Source &student, const Source &teacher, const QString &teacherNote)
{
    m_student = student;
    m_teacher = teacher;
    m_teacherNote = teacherNote;
    if (student.key() != m_studentKey) m_studentCam.reset();
    if (teacher.key() != m_teacherKey) m_teacherCam.reset();
}

double GradCamPanel::opacity() const
{
    return m_opacity->value() / 100.0;
}

void GradCamPanel::setOpacity(double opacity)
{
    m_opacity->setValue(int(std::lround(std::clamp(opacity, 0.0, 1.0) * 100)));
}

void GradCamPanel::clear()
{
    m_entries.clear();
    present();
}

void GradCamPanel::explain(const std::vector<Image> &imagesIn)
{
    if (m_running || imagesIn.empty()) return;
    if (m_student.kind == Source::None) {
        m_heading->setText(tr("Grad-CAM needs a model: pick a run or an exported model first."));
        return;
    }
    std::vector<Image> images(imagesIn.begin(),
                              imagesIn.begin() + std::min<std::ptrdiff_t>(kMaxImages, std::ptrdiff_t(imagesIn.size())));
    const int leftOut = int(imagesIn.size()) - int(images.size());
    m_running = true;
    m_heading->setText(tr("Computing Grad-CAM for %n image(s)…", nullptr, int(images.size())));
    const Source student = m_student, teacher = m_teacher;
    auto studentCam = student.key() == m_studentKey ? m_studentCam : nullptr;
    auto teacherCam = teacher.key() == m_teacherKey ? m_teacherCam : nullptr;
    auto job = [student, teacher, studentCam, teacherCam, images](JobControl &control,
                                                                  const ProgressSink &progress) -> Result<JobOutput> {
        JobOutput out;
        out.studentCam = studentCam;
        out.teacherCam = teacherCam;
        if (!out.studentCam) {
            auto cam = openCam(student);
            if (cam)
                out.studentCam = std::make_shared<ml::GradCam>(std::move(cam).value());
            else
                out.studentOpenError = cam.error().message();
        }
        if (!out.teacherCam && teacher.kind != Source::None) {
            auto cam = openCam(teacher);
            if (cam)
                out.teacherCam = std::make_shared<ml::GradCam>(std::move(cam).value());
            else
                out.teacherOpenError = cam.error().message();
        }
        if (out.studentCam) out.classNames = out.studentCam->classNames();
        Progress p;
        p.phase = QStringLiteral("Grad-CAM");
        p.total = qint64(images.size());
        for (const Image &img : images) {
            if (control.isCancelled()) return makeError(ErrorCode::Cancelled, {}, QStringLiteral("cancelled"));
            Entry e;
            e.caption = img.caption;
            auto rgb =
                img.load ? img.load() : Result<cv::Mat>(makeError(ErrorCode::NotFound, {}, QStringLiteral("no image")));
            if (!rgb) {
                e.studentError = e.teacherError = rgb.error().message();
                out.entries.push_back(std::move(e));
                continue;
            }
            e.image = fitTile(*rgb);
            if (out.studentCam) {
                auto r = out.studentCam->explain(*rgb, img.targetClass);
                if (r) {
                    cv::resize(r->heat, e.studentHeat, e.image.size(), 0, 0, cv::INTER_LINEAR);
                    const QString predicted = out.classNames.value(r->predictedClass);
                    const double conf = r->predictedClass >= 0 && r->predictedClass < int(r->probabilities.size())
                                            ? r->probabilities[std::size_t(r->predictedClass)]
                                            : 0.0;
                    e.studentText = QObject::tr("student: predicted %1 (%2), explained %3 · %4")
                                        .arg(predicted)
                                        .arg(conf, 0, 'f', 2)
                                        .arg(out.classNames.value(r->explainedClass), r->layer);
                } else {
                    e.studentError = r.error().message();
                }
            } else {
                e.studentError = out.studentOpenError;
            }
            if (out.teacherCam) {
                auto r = out.teacherCam->explain(*rgb, -1);
                if (r) {
                    cv::resize(r->heat, e.teacherHeat, e.image.size(), 0, 0, cv::INTER_LINEAR);
                    e.teacherText = QObject::tr("teacher · %1").arg(r->layer);
                } else {
                    e.teacherError = r.error().message();
                }
            } else if (teacher.kind != Source::None) {
                e.teacherError = out.teacherOpenError;
            }
            out.entries.push_back(std::move(e));
            ++p.done;
            report(progress, p);
        }
        return out;
    };
    m_jobs->submit<JobOutput>(
        JobManager::Kind::Io, tr("Grad-CAM"), std::move(job),
        [this, leftOut, studentKey = student.key(), teacherKey = teacher.key()](const Result<JobOutput> &r) {
            m_running = false;
            if (!r) {
                m_heading->setText(r.error().code == ErrorCode::Cancelled
                                       ? tr("Grad-CAM cancelled.")
                                       : tr("Grad-CAM failed: %1").arg(r.error().message()));
                Q_EMIT finished();
                return;
            }
            m_studentCam = r->studentCam;
            m_studentKey = studentKey;
            m_teacherCam = r->teacherCam;
            m_teacherKey = teacherKey;
            m_entries = r->entries;
            present();
            QString heading =
                tr("Grad-CAM of %n image(s): warm colours mark what raised the score.", nullptr, int(m_entries.size()));
            if (leftOut > 0) heading += tr(" %n more selected image(s) left out.", nullptr, leftOut);
            if (!r->studentOpenError.isEmpty()) heading += tr(" Student: %1").arg(r->studentOpenError);
            m_heading->setText(heading);
            Q_EMIT finished();
        },
        this);
}

void GradCamPanel::present()
{
    // Remove the previous rows (everything but the final stretch).
    while (m_rows->count() > 1) {
        QLayoutItem *item = m_rows->takeAt(0);
        if (QWidget *w = item->widget()) w->deleteLater();
        delete item;
    }
    m_overlayLabels.clear();
    const bool teacherColumn = m_teacher.kind != Source::None;
    for (const Entry &e : m_entries) {
        auto *row = new QWidget(m_content);
        auto *grid = new QGridLayout(row);
        grid->setContentsMargins(0, 2, 0, 6);
        grid->setHorizontalSpacing(4);
        grid->setVerticalSpacing(1);
        auto *caption = new QLabel(e.caption, row);
        caption->setWordWrap(true);
        QFont bold = caption->font();
        bold.setBold(true);
        caption->setFont(bold);
        grid->addWidget(caption, 0, 0, 1, 3);
        const auto tile = [row](const QString &tip) {
            auto *l = new QLabel(row);
            l->setFixedSize(kTileSide, kTileSide);
            l->setAlignment(Qt::AlignCenter);
            l->setFrameShape(QFrame::StyledPanel);
            l->setToolTip(tip);
            l->setWordWrap(true);
            return l;
        };
        auto *original = tile(tr("the image"));
        original->setPixmap(tilePixmap(e.image));
        auto *student = tile(e.studentText.isEmpty() ? e.studentError : e.studentText);
        auto *teacher = teacherColumn ? tile(e.teacherText.isEmpty() ? e.teacherError : e.teacherText) : nullptr;
        if (e.studentHeat.empty()) student->setText(tr("student: %1").arg(e.studentError));
        if (teacher && e.teacherHeat.empty()) teacher->setText(tr("teacher: %1").arg(e.teacherError));
        grid->addWidget(original, 1, 0);
        grid->addWidget(student, 1, 1);
        if (teacher) grid->addWidget(teacher, 1, 2);
        auto *under = new QLabel(row);
        under->setWordWrap(true);
        QFont small = under->font();
        small.setPointSizeF(std::max(7.0, small.pointSizeF() - 1));
        under->setFont(small);
        QStringList notes;
        if (!e.studentText.isEmpty()) notes << e.studentText;
        if (!e.teacherText.isEmpty()) notes << e.teacherText;
        if (!teacherColumn && !m_teacherNote.isEmpty()) notes << m_teacherNote;
        under->setText(notes.join(QStringLiteral("\n")));
        grid->addWidget(under, 2, 0, 1, 3);
        grid->setColumnStretch(3, 1);
        m_rows->insertWidget(m_rows->count() - 1, row);
        m_overlayLabels.emplace_back(student, teacher);
    }
    updateOverlays();
}

void GradCamPanel::updateOverlays()
{
    const double a = opacity();
    for (std::size_t i = 0; i < m_entries.size() && i < m_overlayLabels.size(); ++i) {
        const Entry &e = m_entries[i];
        if (!e.studentHeat.empty() && m_overlayLabels[i].first)
            m_overlayLabels[i].first->setPixmap(tilePixmap(ml::overlayHeat(e.image, e.studentHeat, a)));
        if (!e.teacherHeat.empty() && m_overlayLabels[i].second)
            m_overlayLabels[i].second->setPixmap(tilePixmap(ml::overlayHeat(e.image, e.teacherHeat, a)));
    }
}

} // namespace fopro::ui
