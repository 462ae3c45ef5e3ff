#include "ui/dataset/sidebyside.h"

#include "core/data/imageloader.h"
#include "ui/common/imageconvert.h"

#include <QtCore/QFileInfo>
#include <QtGui/QPixmap>
#include <QtWidgets/QHBoxLayout>
#include <QtWidgets/QLabel>
#include <QtWidgets/QScrollArea>
#include <QtWidgets/QVBoxLayout>

namespace fopro::ui {

SideBySideDialog::SideBySideDialog(const data::DatasetIndex &dataset, const std::vector<int> &samples, JobManager *jobs,
                                   QWidget *parent)
    : QDialog(parent), m_dataset(dataset), m_jobs(jobs)
{
    setObjectName(QStringLiteral("sideBySide"));
    setWindowTitle(tr("Duplicate cluster"));
    auto *row = new QWidget(this);
    auto *rowLayout = new QHBoxLayout(row);
    data::DatasetIndex paths; // enough to resolve a sample's file on a worker
    paths.format = m_dataset.format;
    paths.root = m_dataset.root;
    int shown = 0;
    for (int index : samples) {
        if (index < 0 || index >= int(m_dataset.samples.size()) || shown >= kMaxImages) continue;
        ++shown;
        const data::Sample sample = m_dataset.samples[std::size_t(index)];
        auto *panel = new QWidget(row);
        auto *pl = new QVBoxLayout(panel);
        pl->setContentsMargins(0, 0, 0, 0);
        auto *image = new QLabel(tr("Loading…"), panel);
        image->setFixedSize(kSize, kSize);
        image->setAlignment(Qt::AlignCenter);
        image->setStyleSheet(QStringLiteral("QLabel { background: #303030; color: #d0d0d0; }"));
        const QString label = sample.label >= 0 && sample.label < m_dataset.classCount()
                                  ? m_dataset.classes[sample.label]
                                  : tr("unlabelled");
        auto *caption = new QLabel(panel);
        caption->setWordWrap(true);
        caption->setMaximumWidth(kSize);
        caption->setTextInteractionFlags(Qt::TextSelectableByMouse);
        caption->setText(tr("%1\n%2 · %3%4")
                             .arg(QFileInfo(sample.id()).fileName(), label,
                                  sample.split == data::Split::None ? tr("unassigned") : data::splitName(sample.split),
                                  sample.has(data::FlagExcluded) ? tr(" · excluded") : QString()));
        caption->setToolTip(m_dataset.absolutePath(sample));
        pl->addWidget(image);
        pl->addWidget(caption);
        pl->addStretch(1);
        rowLayout->addWidget(panel);
        m_images.push_back(image);

        const int slot = int(m_images.size()) - 1;
        m_jobIds.push_back(m_jobs->submit<QImage>(
            JobManager::Kind::Io, tr("Decoding %1").arg(QFileInfo(sample.path).fileName()),
            [paths, sample](JobControl &, const ProgressSink &) -> Result<QImage> {
                auto mat = data::loadImage(paths, sample);
                if (!mat) return mat.error();
                QImage full = toQImage(*mat);
                if (full.isNull())
                    return makeError(ErrorCode::Unsupported, sample.path, QStringLiteral("unsupported pixel format"));
                // Scaled on the worker; small images are enlarged by whole factors so pixels stay crisp.
                const int longer = std::max(full.width(), full.height());
                if (longer >= kSize) return full.scaled(kSize, kSize, Qt::KeepAspectRatio, Qt::SmoothTransformation);
                const int factor = std::max(1, kSize / std::max(1, longer));
                return full.scaled(full.size() * factor, Qt::KeepAspectRatio, Qt::FastTransformation);
            },
            [this, slot, image](const Result<QImage> &r) {
                if (r) {
                    image->setPixmap(QPixmap::fromImage(*r)); // the pixmap is made on the GUI thread
                    image->setToolTip(tr("%1 × %2 shown").arg(r->width()).arg(r->height()));
                } else {
                    image->setWordWrap(true);
                    image->setText(tr("Cannot be shown:\n%1").arg(r.error().detail));
                }
                Q_UNUSED(slot);
                if (++m_finished == int(m_images.size())) Q_EMIT allLoaded();
            },
            this));
    }
    auto *scroll = new QScrollArea(this);
    scroll->setWidget(row);
    scroll->setWidgetResizable(true);
    auto *layout = new QVBoxLayout(this);
    auto *note = new QLabel(
        tr("%n image(s) of this cluster, as the proposal would split them.", nullptr, int(samples.size())), this);
    layout->addWidget(note);
    layout->addWidget(scroll, 1);
    resize(std::min(1200, shown * (kSize + 16) + 40), kSize + 160);
}

SideBySideDialog::~SideBySideDialog()
{
    for (JobManager::JobId id : m_jobIds)
        m_jobs->cancel(id);
}

} // namespace fopro::ui
