#include "ui/dataset/dicombrowser.h"

#include "ui/common/imageconvert.h"

#include <QtCore/QDate>
#include <QtCore/QDir>
#include <QtCore/QFileInfo>
#include <QtCore/QLocale>
#include <QtCore/QMap>
#include <QtGui/QPainter>
#include <QtGui/QPixmap>
#include <QtGui/QStandardItemModel>
#include <QtWidgets/QDialogButtonBox>
#include <QtWidgets/QFileDialog>
#include <QtWidgets/QHBoxLayout>
#include <QtWidgets/QHeaderView>
#include <QtWidgets/QLabel>
#include <QtWidgets/QLineEdit>
#include <QtWidgets/QProgressBar>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QSplitter>
#include <QtWidgets/QTableWidget>
#include <QtWidgets/QTreeView>
#include <QtWidgets/QTreeWidget>
#include <QtWidgets/QVBoxLayout>

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <map>

namespace fopro::ui {

namespace {

constexpr int kThumbSize = 40;
constexpr int kPreviewSize = 256;
constexpr int kAutoExpandInstances = 400; // expand every series (and load its thumbnails) up to this
constexpr int kThumbBatch = 8;            // thumbnails per job: they stream in batches, two batches at a time

/// Decodes one frame and scales it to fit size×size, as a QImage (worker side).
QImage decodeScaled(const QString &file, int size, bool enlarge, QString *error)
{
    Result<cv::Mat> rgb = data::decodeDicomFrame(file, 0);
    if (!rgb) {
        *error = rgb.error().detail;
        return {};
    }
    const cv::Mat &m = *rgb;
    if (m.empty()) return {};
    double scale = double(size) / std::max(m.cols, m.rows);
    // Small images are enlarged by a whole factor (pixels stay crisp) so the preview is readable.
    if (scale >= 1.0) scale = enlarge ? std::floor(scale) : 1.0;
    cv::Mat scaled;
    if (scale < 1.0)
        cv::resize(m, scaled, cv::Size(std::max(1, int(m.cols * scale + 0.5)), std::max(1, int(m.rows * scale + 0.5))),
                   0, 0, cv::INTER_AREA);
    else if (scale > 1.0)
        cv::resize(m, scaled, cv::Size(int(m.cols * scale), int(m.rows * scale)), 0, 0, cv::INTER_NEAREST);
    else
        scaled = m;
    return toQImage(scaled);
}

QString dicomDate(const QString &value)
{
    const QDate d = QDate::fromString(value.left(8), QStringLiteral("yyyyMMdd"));
    return d.isValid() ? QLocale().toString(d, QLocale::ShortFormat) : value;
}

/// "1 image" / "3 images" without depending on a translation file for plural forms.
QString countText(int n, const QString &one, const QString &many)
{
    return n == 1 ? one : many.arg(n);
}

QString images(int n)
{
    return countText(n, DicomBrowser::tr("1 image"), DicomBrowser::tr("%1 images"));
}
QString studiesText(int n)
{
    return countText(n, DicomBrowser::tr("1 study"), DicomBrowser::tr("%1 studies"));
}
QString seriesText(int n)
{
    return countText(n, DicomBrowser::tr("1 series"), DicomBrowser::tr("%1 series"));
}
QString patientsText(int n)
{
    return countText(n, DicomBrowser::tr("1 patient"), DicomBrowser::tr("%1 patients"));
}
QString filesText(int n)
{
    return countText(n, DicomBrowser::tr("1 file"), DicomBrowser::tr("%1 files"));
}

QStandardItem *makeItem(const QString &text, int level)
{
    auto *item = new QStandardItem(text);
    item->setEditable(false);
    item->setData(level, DicomBrowser::LevelRole);
    return item;
}

QStandardItem *makeInfo(const QString &text)
{
    auto *item = new QStandardItem(text);
    item->setEditable(false);
    return item;
}

} // namespace

DicomBrowser::DicomBrowser(JobManager *jobs, QWidget *parent)
    : QDialog(parent), m_folderEdit(new QLineEdit(this)), m_chooseButton(new QPushButton(tr("&Choose folder…"), this)),
      m_rescanButton(new QPushButton(tr("&Rescan"), this)), m_cancelButton(new QPushButton(tr("Cancel scan"), this)),
      m_importButton(new QPushButton(tr("&Import as dataset…"), this)), m_progress(new QProgressBar(this)),
      m_status(new QLabel(this)), m_model(new QStandardItemModel(this)), m_tree(new QTreeView(this)),
      m_preview(new QLabel(this)), m_previewCaption(new QLabel(this)), m_tags(new QTableWidget(this)),
      m_problemsLabel(new QLabel(this)), m_problems(new QTreeWidget(this)), m_jobs(jobs)
{
    setWindowTitle(tr("Browse DICOM folder"));

    m_folderEdit->setReadOnly(true);
    m_folderEdit->setPlaceholderText(tr("Choose a folder with DICOM files"));
    m_cancelButton->setEnabled(false);
    m_rescanButton->setEnabled(false);
    m_importButton->setEnabled(false);
    m_importButton->setToolTip(tr("Import this folder as a dataset (labels are chosen in the import preview)"));
    m_progress->setTextVisible(true);
    m_progress->setRange(0, 1);
    m_progress->setValue(0);

    m_model->setHorizontalHeaderLabels({tr("Patient / study / series / image"), tr("Contents")});
    m_tree->setModel(m_model);
    m_tree->setUniformRowHeights(false); // instance rows carry thumbnails
    m_tree->setIconSize(QSize(kThumbSize, kThumbSize));
    m_tree->setSelectionMode(QAbstractItemView::SingleSelection);
    m_tree->setAlternatingRowColors(true);
    // Contents as wide as its text, names take the rest of the width.
    m_tree->header()->setStretchLastSection(false);
    m_tree->header()->setSectionResizeMode(0, QHeaderView::Stretch);
    m_tree->header()->setSectionResizeMode(1, QHeaderView::ResizeToContents);

    m_preview->setAlignment(Qt::AlignCenter);
    m_preview->setMinimumSize(kPreviewSize, kPreviewSize / 2);
    m_preview->setText(tr("Select an image to see it and its attributes."));
    m_preview->setWordWrap(true);
    m_previewCaption->setWordWrap(true);
    m_previewCaption->setTextInteractionFlags(Qt::TextSelectableByMouse);

    m_tags->setColumnCount(2);
    m_tags->setHorizontalHeaderLabels({tr("Attribute"), tr("Value")});
    m_tags->horizontalHeader()->setStretchLastSection(true);
    m_tags->horizontalHeader()->setDefaultAlignment(Qt::AlignLeft | Qt::AlignVCenter);
    m_tags->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 6);
    m_tags->setTextElideMode(Qt::ElideMiddle);
    m_tags->verticalHeader()->setVisible(false);
    m_tags->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_tags->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_tags->setAlternatingRowColors(true);
    m_tags->setWordWrap(false);

    m_problems->setColumnCount(2);
    m_problems->setHeaderLabels({tr("File"), tr("Reason")});
    m_problems->setRootIsDecorated(false);
    m_problems->setMaximumHeight(110);
    m_problemsLabel->setText(tr("Unreadable files: none"));

    auto *top = new QHBoxLayout;
    top->addWidget(new QLabel(tr("Folder:"), this));
    top->addWidget(m_folderEdit, 1);
    top->addWidget(m_chooseButton);
    top->addWidget(m_rescanButton);

    auto *progressRow = new QHBoxLayout;
    progressRow->addWidget(m_progress, 1);
    progressRow->addWidget(m_cancelButton);

    auto *previewBox = new QWidget(this);
    auto *previewLayout = new QVBoxLayout(previewBox);
    previewLayout->setContentsMargins(0, 0, 0, 0);
    previewLayout->addWidget(m_preview, 1);
    previewLayout->addWidget(m_previewCaption);

    auto *right = new QSplitter(Qt::Vertical, this);
    right->addWidget(previewBox);
    right->addWidget(m_tags);
    right->setStretchFactor(0, 0);
    right->setStretchFactor(1, 1);
    right->setSizes({kPreviewSize + 30, 300});

    auto *split = new QSplitter(Qt::Horizontal, this);
    split->addWidget(m_tree);
    split->addWidget(right);
    split->setStretchFactor(0, 1);
    split->setStretchFactor(1, 1);
    split->setSizes({520, 460});

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    buttons->addButton(m_importButton, QDialogButtonBox::ActionRole);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addLayout(progressRow);
    layout->addWidget(m_status);
    layout->addWidget(split, 1);
    layout->addWidget(m_problemsLabel);
    layout->addWidget(m_problems);
    layout->addWidget(buttons);
    resize(980, 680);

    connect(m_chooseButton, &QPushButton::clicked, this, &DicomBrowser::chooseFolder);
    connect(m_rescanButton, &QPushButton::clicked, this, [this] { setFolder(m_folder); });
    connect(m_cancelButton, &QPushButton::clicked, this, &DicomBrowser::cancelScan);
    connect(m_importButton, &QPushButton::clicked, this, [this] {
        if (m_folder.isEmpty()) return;
        Q_EMIT importRequested(m_folder);
        accept();
    });
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_jobs, &JobManager::progressChanged, this, [this](JobManager::JobId id, const Progress &p) {
        if (id != m_scanJob || p.total <= 0) return;
        m_progress->setRange(0, int(p.total));
        m_progress->setValue(int(p.done));
        m_status->setText(tr("Reading headers: %1 of %2 files…").arg(p.done).arg(p.total));
    });
    connect(m_tree->selectionModel(), &QItemSelectionModel::currentChanged, this,
            [this](const QModelIndex &current) { onCurrentChanged(current); });
    connect(m_tree, &QTreeView::expanded, this, [this](const QModelIndex &index) { requestThumbnails(index); });
}

DicomBrowser::~DicomBrowser()
{
    cancelScan();
    cancelImages();
}

void DicomBrowser::chooseFolder()
{
    const QString dir = QFileDialog::getExistingDirectory(this, tr("Choose a folder with DICOM files"), m_folder);
    if (!dir.isEmpty()) setFolder(dir);
}

bool DicomBrowser::isScanning() const
{
    return m_scanJob != 0;
}

int DicomBrowser::problemCount() const
{
    return m_problems->topLevelItemCount();
}

QStandardItem *DicomBrowser::instanceItem(const QString &file) const
{
    const auto it = m_instances.constFind(file);
    if (it == m_instances.constEnd() || !it->isValid()) return nullptr;
    return m_model->itemFromIndex(*it);
}

void DicomBrowser::setFolder(const QString &folder)
{
    cancelScan();
    cancelImages();
    const quint64 generation = ++m_generation;
    m_folder = QDir::cleanPath(QFileInfo(folder).absoluteFilePath());
    m_folderEdit->setText(QDir::toNativeSeparators(m_folder));
    m_model->removeRows(0, m_model->rowCount());
    m_instances.clear();
    m_thumbRequested.clear();
    m_problems->clear();
    m_notImages = 0;
    m_tags->setRowCount(0);
    m_shownFile.clear();
    m_preview->setPixmap(QPixmap());
    m_preview->setText(tr("Select an image to see it and its attributes."));
    m_previewCaption->clear();
    m_problemsLabel->setText(tr("Unreadable files: none"));
    m_importButton->setEnabled(false);
    m_rescanButton->setEnabled(false);
    m_cancelButton->setEnabled(true);
    m_progress->setRange(0, 0); // busy until the file count is known
    m_status->setText(tr("Listing files…"));
    const QString scanned = m_folder;
    m_scanJob = m_jobs->submit<data::DicomScan>(
        JobManager::Kind::Io, tr("Scanning DICOM folder"),
        [scanned](JobControl &control, const ProgressSink &progress) {
            return data::scanDicom(scanned, {}, &control, progress);
        },
        [this, generation](const Result<data::DicomScan> &r) { onScanFinished(generation, r); }, this);
}

void DicomBrowser::cancelScan()
{
    m_jobs->cancel(m_scanJob);
}

void DicomBrowser::cancelImages()
{
    for (JobManager::JobId id : std::as_const(m_thumbJobs))
        m_jobs->cancel(id);
    m_thumbJobs.clear();
    m_jobs->cancel(m_previewJob);
    m_jobs->cancel(m_tagsJob);
    m_previewJob = m_tagsJob = 0;
}

void DicomBrowser::onScanFinished(quint64 generation, const Result<data::DicomScan> &r)
{
    if (generation != m_generation) return; // a scan replaced by a newer one
    m_scanJob = 0;
    m_cancelButton->setEnabled(false);
    m_rescanButton->setEnabled(!m_folder.isEmpty());
    if (!r) {
        m_progress->setRange(0, 1);
        m_progress->setValue(0);
        m_status->setText(r.error().code == ErrorCode::Cancelled
                              ? tr("Scan cancelled. Press Rescan to read the folder again.")
                              : tr("The folder could not be read: %1").arg(r.error().message()));
        Q_EMIT scanFinished();
        return;
    }
    m_progress->setRange(0, std::max(1, int(r->entries.size())));
    m_progress->setValue(std::max(1, int(r->entries.size())));
    buildTree(*r);
    Q_EMIT scanFinished();
}

void DicomBrowser::buildTree(const data::DicomScan &result)
{
    using data::DicomScanEntry;
    // patient → study → series → entries, in a stable order.
    std::map<QString, std::map<QString, std::map<QString, std::vector<const DicomScanEntry *>>>> tree;
    int readable = 0;
    m_notImages = 0;
    // Broken files first; then valid DICOM objects that are simply not images (structured reports,
    // RT plans and structure sets, ECG waveforms), which are not "unreadable".
    for (bool notImage : {false, true}) {
        for (const DicomScanEntry &e : result.entries) {
            if (e.ok || e.notAnImage != notImage) continue;
            auto *item = new QTreeWidgetItem(m_problems);
            item->setText(0, QDir(m_folder).relativeFilePath(e.file));
            item->setText(1, notImage ? tr("not an image: %1").arg(e.reason) : e.reason);
            item->setToolTip(0, QDir::toNativeSeparators(e.file));
            item->setToolTip(1, e.reason);
            if (notImage) {
                ++m_notImages;
                item->setForeground(1, palette().color(QPalette::Disabled, QPalette::Text));
            }
        }
    }
    for (const DicomScanEntry &e : result.entries) {
        if (!e.ok) continue;
        ++readable;
        tree[e.info.patientId][e.info.studyInstanceUid][e.info.seriesInstanceUid].push_back(&e);
    }
    m_problems->resizeColumnToContents(0);
    m_problems->setColumnWidth(0, std::min(m_problems->columnWidth(0), 320));
    const int unreadable = m_problems->topLevelItemCount() - m_notImages;
    QStringList notUsed;
    if (unreadable > 0) notUsed << tr("unreadable or undecodable: %1").arg(unreadable);
    if (m_notImages > 0) notUsed << tr("not images (reports, RT objects, waveforms): %1").arg(m_notImages);
    m_problemsLabel->setText(notUsed.isEmpty()
                                 ? tr("Unreadable files: none")
                                 : tr("Files not shown in the tree — %1 (hover a row for the full reason)")
                                       .arg(notUsed.join(QStringLiteral("; "))));

    int studies = 0, seriesCount = 0;
    for (const auto &[patientId, patientStudies] : tree) {
        int patientImages = 0;
        const DicomScanEntry *first = patientStudies.begin()->second.begin()->second.front();
        const QString name = first->info.meta.value(QStringLiteral("PatientName"));
        QString patientText = patientId.isEmpty() ? tr("(no patient ID)") : patientId;
        if (!name.isEmpty())
            patientText += QStringLiteral(" — ") + QString(name).replace(QLatin1Char('^'), QLatin1Char(' '));
        QStandardItem *patient = makeItem(patientText, PatientLevel);
        QStandardItem *patientInfo = makeInfo(QString());
        for (const auto &[studyUid, studySeries] : patientStudies) {
            ++studies;
            int studyImages = 0;
            const DicomScanEntry *s0 = studySeries.begin()->second.front();
            QString studyText = s0->info.studyDescription.isEmpty() ? tr("Study") : s0->info.studyDescription;
            const QString date = s0->info.meta.value(QStringLiteral("StudyDate"));
            if (!date.isEmpty()) studyText += QStringLiteral(" — ") + dicomDate(date);
            QStandardItem *study = makeItem(studyText, StudyLevel);
            study->setToolTip(tr("Study instance UID: %1").arg(studyUid.isEmpty() ? tr("(none)") : studyUid));
            QStandardItem *studyInfo = makeInfo(QString());
            for (const auto &[seriesUid, instances] : studySeries) {
                ++seriesCount;
                const DicomScanEntry *r0 = instances.front();
                const QString modality = r0->info.meta.value(QStringLiteral("Modality"));
                QString seriesText = r0->info.seriesDescription.isEmpty() ? tr("Series") : r0->info.seriesDescription;
                if (!modality.isEmpty()) seriesText += QStringLiteral(" [") + modality + QLatin1Char(']');
                QStandardItem *series = makeItem(seriesText, SeriesLevel);
                series->setToolTip(tr("Series instance UID: %1").arg(seriesUid.isEmpty() ? tr("(none)") : seriesUid));
                for (const DicomScanEntry *e : instances) {
                    QStandardItem *inst = makeItem(QFileInfo(e->file).fileName(), InstanceLevel);
                    inst->setData(e->file, FileRole);
                    inst->setToolTip(QDir::toNativeSeparators(e->file));
                    QString details = tr("%1 × %2, %3").arg(e->info.columns).arg(e->info.rows).arg(e->info.photometric);
                    if (e->info.frames > 1) details += tr(", %1 frames").arg(e->info.frames);
                    QStandardItem *instInfo = makeInfo(details);
                    instInfo->setData(e->file, FileRole);
                    series->appendRow({inst, instInfo});
                }
                studyImages += int(instances.size());
                study->appendRow({series, makeInfo(images(int(instances.size())))});
            }
            studyInfo->setText(seriesText(int(studySeries.size())) + QStringLiteral(", ") + images(studyImages));
            patientImages += studyImages;
            patient->appendRow({study, studyInfo});
        }
        patientInfo->setText(studiesText(int(patientStudies.size())) + QStringLiteral(", ") + images(patientImages));
        m_model->appendRow({patient, patientInfo});
    }
    // Index instances by file for thumbnails.
    for (int p = 0; p < m_model->rowCount(); ++p) {
        QStandardItem *patient = m_model->item(p);
        for (int s = 0; s < patient->rowCount(); ++s)
            for (int r = 0; r < patient->child(s)->rowCount(); ++r) {
                QStandardItem *series = patient->child(s)->child(r);
                for (int i = 0; i < series->rowCount(); ++i)
                    m_instances.insert(series->child(i)->data(FileRole).toString(),
                                       QPersistentModelIndex(series->child(i)->index()));
            }
    }

    QStringList parts{patientsText(m_model->rowCount()), studiesText(studies), seriesText(seriesCount),
                      images(readable)};
    QString status = parts.join(QStringLiteral(", "));
    const int broken = int(result.entries.size()) - readable - m_notImages;
    if (broken > 0) status += tr("; unreadable: %1").arg(filesText(broken));
    if (m_notImages > 0) status += tr("; not images: %1").arg(filesText(m_notImages));
    if (result.otherFiles > 0) status += tr("; other files ignored: %1").arg(result.otherFiles);
    m_status->setText(status);
    m_importButton->setEnabled(readable > 0);
    if (readable <= kAutoExpandInstances)
        m_tree->expandAll(); // expanding a series requests its thumbnails
    else
        m_tree->expandToDepth(1);
    if (readable == 0 && result.entries.empty()) m_status->setText(tr("No DICOM files in this folder."));
}

void DicomBrowser::onCurrentChanged(const QModelIndex &current)
{
    const QString file = current.siblingAtColumn(0).data(FileRole).toString();
    if (file.isEmpty()) return;
    showInstance(file);
}

void DicomBrowser::showInstance(const QString &file)
{
    m_shownFile = file;
    m_tags->setRowCount(0);
    m_previewCaption->setText(QDir::toNativeSeparators(QDir(m_folder).relativeFilePath(file)));
    m_preview->setPixmap(QPixmap());
    m_preview->setText(tr("Decoding…"));
    // The attributes and the preview are read as jobs; a newer selection cancels both.
    const quint64 generation = m_generation;
    m_jobs->cancel(m_tagsJob);
    m_tagsJob = m_jobs->submit<QMap<QString, QString>>(
        JobManager::Kind::Io, tr("Reading DICOM attributes"),
        [file](JobControl &, const ProgressSink &) { return data::readAllDicomAttributes(file); },
        [this, file, generation](const Result<QMap<QString, QString>> &attrs) {
            if (generation != m_generation || file != m_shownFile) return; // another selection or scan
            m_tagsJob = 0;
            showAttributes(attrs);
        },
        this);
    m_jobs->cancel(m_previewJob);
    m_previewJob = requestImages({file}, kPreviewSize, true);
}

void DicomBrowser::showAttributes(const Result<QMap<QString, QString>> &attrs)
{
    if (!attrs) {
        if (attrs.error().code != ErrorCode::Cancelled) m_previewCaption->setText(attrs.error().detail);
        return;
    }
    m_tags->setRowCount(int(attrs->size()));
    int row = 0;
    for (auto it = attrs->constBegin(); it != attrs->constEnd(); ++it, ++row) {
        auto *key = new QTableWidgetItem(it.key());
        auto *value = new QTableWidgetItem(it.value());
        value->setToolTip(it.value().left(2000));
        m_tags->setItem(row, 0, key);
        m_tags->setItem(row, 1, value);
    }
    m_tags->resizeColumnToContents(0);
    m_tags->setColumnWidth(0, std::min(m_tags->columnWidth(0), 300)); // long sequence paths elide
}

void DicomBrowser::requestThumbnails(const QModelIndex &parent)
{
    if (parent.data(LevelRole).toInt() != SeriesLevel) return;
    const int rows = m_model->rowCount(parent);
    QStringList batch;
    for (int i = 0; i < rows; ++i) {
        const QString file = m_model->index(i, 0, parent).data(FileRole).toString();
        if (file.isEmpty() || m_thumbRequested.contains(file)) continue;
        m_thumbRequested.insert(file, true);
        batch << file;
        if (batch.size() == kThumbBatch) {
            m_thumbJobs.insert(requestImages(batch, kThumbSize, false));
            batch.clear();
        }
    }
    if (!batch.isEmpty()) m_thumbJobs.insert(requestImages(batch, kThumbSize, false));
}

JobManager::JobId DicomBrowser::requestImages(const QStringList &files, int size, bool preview)
{
    const quint64 generation = m_generation;
    // Each file is decoded and scaled on the job's worker; results come back as values.
    JobFunction<std::vector<Decoded>> job = [files, size, preview](JobControl &control, const ProgressSink &) {
        std::vector<Decoded> out;
        for (const QString &file : files) {
            if (control.isCancelled()) break;
            Decoded d;
            d.file = file;
            d.image = decodeScaled(file, size, preview, &d.error);
            out.push_back(std::move(d));
        }
        return Result<std::vector<Decoded>>(std::move(out));
    };
    auto id = std::make_shared<JobManager::JobId>(0);
    *id = m_jobs->submit<std::vector<Decoded>>(
        JobManager::Kind::Io, preview ? tr("Decoding DICOM preview") : tr("Decoding DICOM thumbnails"), std::move(job),
        [this, generation, preview, id](const Result<std::vector<Decoded>> &r) {
            m_thumbJobs.remove(*id);
            if (preview && m_previewJob == *id) m_previewJob = 0;
            if (!r) return; // cancelled (a newer scan or selection)
            for (const Decoded &d : *r)
                onImage(generation, preview, d);
        },
        this);
    return *id;
}

void DicomBrowser::onImage(quint64 generation, bool preview, const Decoded &decoded)
{
    if (generation != m_generation) return; // from an earlier scan
    const QString &file = decoded.file;
    const QImage &image = decoded.image;
    const QString &error = decoded.error;
    if (preview) {
        if (file != m_shownFile) return;
        if (image.isNull()) {
            m_preview->setPixmap(QPixmap());
            m_preview->setText(tr("Cannot show this image: %1").arg(error));
        } else {
            m_preview->setPixmap(QPixmap::fromImage(image));
        }
        return;
    }
    QStandardItem *item = instanceItem(file);
    if (!item) return;
    if (image.isNull()) {
        item->setToolTip(QDir::toNativeSeparators(file) + QLatin1Char('\n') + tr("No thumbnail: %1").arg(error));
        return;
    }
    // Centre on a square so rows line up.
    QImage square(kThumbSize, kThumbSize, QImage::Format_RGB888);
    square.fill(Qt::black);
    {
        QPainter p(&square);
        p.drawImage((kThumbSize - image.width()) / 2, (kThumbSize - image.height()) / 2, image);
    }
    item->setData(QPixmap::fromImage(square), Qt::DecorationRole);
}

} // namespace fopro::ui
