#include "ui/classify/classifypage.h"

#include "core/common/fileio.h"
#include "core/data/imagefiles.h"
#include "core/data/imageloader.h"
#include "core/ml/classify.h"
#include "core/ml/export.h"
#include "core/project/runfolder.h"
#include "ui/classify/classifymodel.h"
#include "ui/results/gradcampanel.h"
#include "ui/shell/projectdocument.h"
#include "ui/training/runcompareview.h"

#include <QtCore/QDir>
#include <QtCore/QFileInfo>
#include <QtCore/QJsonArray>
#include <QtCore/QMimeData>
#include <QtCore/QSortFilterProxyModel>
#include <QtGui/QAction>
#include <QtGui/QDragEnterEvent>
#include <QtGui/QDropEvent>
#include <QtWidgets/QComboBox>
#include <QtWidgets/QFileDialog>
#include <QtWidgets/QHBoxLayout>
#include <QtWidgets/QHeaderView>
#include <QtWidgets/QLabel>
#include <QtWidgets/QMessageBox>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QSpinBox>
#include <QtWidgets/QSplitter>
#include <QtWidgets/QStyle>
#include <QtWidgets/QTableView>
#include <QtWidgets/QToolBar>
#include <QtWidgets/QVBoxLayout>

namespace fopro::ui {

namespace {

enum ModelItem { PlaceholderItem, RunItem, FileItem, BrowseItem };
constexpr int kKindRole = Qt::UserRole + 1;
constexpr int kExportedRole = Qt::UserRole + 2;

/// The page's state kept with the project (<project>/.studio/classify.json): the model and the
/// images last used, restored when the project opens again.
QString stateFile(const ProjectDocument *doc)
{
    if (!doc || !doc->hasFolder()) return {};
    return QDir(doc->project().folder).filePath(QStringLiteral(".studio/classify.json"));
}

} // namespace

ClassifyPage::ClassifyPage(const PageContext &context, QWidget *parent) : Page(context, parent)
{
    setAcceptDrops(true);
    buildActions();

    m_modelPicker = new QComboBox(this);
    m_modelPicker->setAccessibleName(tr("Model"));
    m_modelPicker->setMinimumContentsLength(26);
    m_modelPicker->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    connect(m_modelPicker, &QComboBox::activated, this, [this](int i) {
        const int kind = m_modelPicker->itemData(i, kKindRole).toInt();
        if (kind == BrowseItem) {
            chooseModelFile();
            return;
        }
        const QString path = m_modelPicker->itemData(i).toString();
        if (!path.isEmpty()) setModel(path);
    });
    m_exportRun = new QPushButton(tr("Export this run first"), this);
    m_exportRun->setToolTip(tr("The run has no exported model yet: export its best student (TorchScript + sidecar) "
                               "into its export/ folder, then classify"));
    m_exportRun->setVisible(false);
    connect(m_exportRun, &QPushButton::clicked, this, &ClassifyPage::exportChosenRun);
    m_topK = new QSpinBox(this);
    m_topK->setRange(1, 10);
    m_topK->setValue(3);
    m_topK->setPrefix(tr("top-"));
    m_topK->setToolTip(tr("How many classes the top-k column lists"));

    auto *bar = new QToolBar(this);
    bar->setToolButtonStyle(Qt::ToolButtonTextOnly);
    bar->addWidget(new QLabel(tr("Model "), this));
    bar->addWidget(m_modelPicker);
    bar->addWidget(m_exportRun);
    bar->addSeparator();
    for (QAction *a : m_actions)
        if (!a->iconText().isEmpty() && a->property("onBar").toBool()) bar->addAction(a);
    bar->addWidget(m_topK);

    m_modelInfo = new QLabel(this);
    m_modelInfo->setWordWrap(true);
    m_status = new QLabel(this);
    m_status->setWordWrap(true);
    m_dropHint = new QLabel(tr("Drop images, folders or DICOM files here, or use Add files… / Add folder…. "
                               "Unreadable files are listed with the reason."),
                            this);
    m_dropHint->setAlignment(Qt::AlignCenter);
    m_dropHint->setWordWrap(true);
    m_dropHint->setStyleSheet(QStringLiteral("QLabel { border: 2px dashed palette(mid); border-radius: 6px; "
                                             "padding: 18px; color: palette(text); }"));

    m_table = new ClassifyModel(this);
    connect(m_topK, &QSpinBox::valueChanged, m_table, &ClassifyModel::setTopK);
    m_sort = new QSortFilterProxyModel(this);
    m_sort->setSourceModel(m_table);
    m_sort->setSortRole(ClassifyModel::SortRole);
    m_bars = new ConfidenceBarDelegate(this);
    m_view = new QTableView(this);
    m_view->setAccessibleName(tr("Predictions"));
    m_view->setModel(m_sort);
    m_view->setSortingEnabled(true);
    m_view->sortByColumn(-1, Qt::AscendingOrder);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_view->setItemDelegateForColumn(ClassifyModel::ConfidenceColumn, m_bars);
    m_view->setIconSize(QSize(ClassifyModel::kThumbSide, ClassifyModel::kThumbSide));
    m_view->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_view->verticalHeader()->setDefaultSectionSize(ClassifyModel::kThumbSide + 4);
    m_view->verticalHeader()->hide();
    m_view->setWordWrap(false);
    m_view->setTextElideMode(Qt::ElideRight);
    QHeaderView *h = m_view->horizontalHeader();
    h->resizeSection(ClassifyModel::ImageColumn, ClassifyModel::kThumbSide + 8);
    h->resizeSection(ClassifyModel::FileColumn, 112);
    h->resizeSection(ClassifyModel::TopColumn, 80);
    h->resizeSection(ClassifyModel::ConfidenceColumn, 88);
    h->resizeSection(ClassifyModel::TopKColumn, 240);
    h->setStretchLastSection(true);
    connect(m_view, &QTableView::doubleClicked, this, &ClassifyPage::explainSelection);

    m_gradCam = new GradCamPanel(jobs(), this);
    auto *left = new QWidget(this);
    auto *leftLayout = new QVBoxLayout(left);
    leftLayout->setContentsMargins(0, 0, 0, 0);
    leftLayout->addWidget(m_dropHint);
    leftLayout->addWidget(m_view, 1);
    leftLayout->addWidget(m_status);
    auto *split = new QSplitter(Qt::Horizontal, this);
    split->addWidget(left);
    split->addWidget(m_gradCam);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    split->setSizes({600, 360});
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 4, 6, 4);
    layout->setSpacing(3);
    layout->addWidget(bar);
    layout->addWidget(m_modelInfo);
    layout->addWidget(split, 1);

    if (ProjectDocument *doc = document())
        connect(doc, &ProjectDocument::datasetReset, this, [this] {
            if (!isActive()) return;
            refreshModelChoices();
            restoreState();
        });
    refreshModelChoices();
    updateStatus();
}

QString ClassifyPage::title() const
{
    return tr("Classify");
}

QIcon ClassifyPage::icon() const
{
    return QIcon::fromTheme(QStringLiteral("edit-find"), style()->standardIcon(QStyle::SP_FileDialogContentsView));
}

void ClassifyPage::buildActions()
{
    const auto make = [this](const QString &text, const QString &shortcut, const QString &tip, bool onBar, auto slot) {
        auto *a = new QAction(text, this);
        if (!shortcut.isEmpty()) a->setShortcut(QKeySequence(shortcut));
        a->setToolTip(shortcut.isEmpty()
                          ? tip
                          : tip + QStringLiteral(" (") + a->shortcut().toString(QKeySequence::NativeText) + ')');
        a->setStatusTip(tip);
        a->setProperty("onBar", onBar);
        connect(a, &QAction::triggered, this, slot);
        m_actions << a;
        return a;
    };
    make(tr("Add &files…"), tr("Ctrl+Shift+F"), tr("Add image or DICOM files to classify"), true, [this] {
        const QStringList files = QFileDialog::getOpenFileNames(
            this, tr("Images to classify"), QString(),
            tr("Images and DICOM (*.jpg *.jpeg *.png *.bmp *.tif *.tiff *.webp *.dcm *.dicom);;All files (*)"));
        if (!files.isEmpty()) addInputs(files);
    })->setIconText(tr("Add files…"));
    make(tr("Add f&older…"), tr("Ctrl+Shift+D"), tr("Add every image of a folder (searched recursively)"), true,
         [this] {
             const QString dir = QFileDialog::getExistingDirectory(this, tr("Folder of images to classify"));
             if (!dir.isEmpty()) addInputs({dir});
         })
        ->setIconText(tr("Add folder…"));
    make(tr("Choose an exported &model…"), tr("Ctrl+Shift+M"),
         tr("A TorchScript model exported by FoPro-KD (model.pt with its model.json)"), false,
         [this] { chooseModelFile(); });
    make(tr("&Grad-CAM of the selection"), tr("Ctrl+G"), tr("Where the model looked, for the selected images"), true,
         [this] { explainSelection(); })
        ->setIconText(tr("Grad-CAM"));
    make(tr("&Export the predictions as CSV…"), tr("Ctrl+Shift+C"),
         tr("file, predicted class, confidence and every class's probability"), true,
         [this] {
             const QString file = QFileDialog::getSaveFileName(this, tr("Save the predictions"),
                                                               QStringLiteral("predictions.csv"), tr("CSV (*.csv)"));
             if (file.isEmpty()) return;
             if (auto w = exportCsv(file); !w)
                 QMessageBox::warning(this, tr("Cannot save"), w.error().message());
             else
                 Q_EMIT statusMessage(tr("Saved %1").arg(file));
         })
        ->setIconText(tr("Export CSV…"));
    make(tr("Classify &again"), tr("F5"), tr("Classify every image again with the chosen model"), false,
         [this] { classifyAll(); });
    make(tr("C&lear"), QString(), tr("Remove every image from the list"), true, [this] {
        clear();
    })->setIconText(tr("Clear"));
    addActions(m_actions);
}

void ClassifyPage::activate(const QVariantMap &arguments)
{
    Page::activate(arguments);
    refreshModelChoices();
    if (arguments.isEmpty()) restoreState();
    const QString model = arguments.value(QStringLiteral("model")).toString();
    if (!model.isEmpty()) setModel(model);
    const QStringList files = arguments.value(QStringLiteral("files")).toStringList();
    if (!files.isEmpty()) addInputs(files);
}

void ClassifyPage::restoreState()
{
    // The model and the images used last time with this project, when nothing is shown yet.
    if (!m_inputs.isEmpty() || !m_model.isEmpty()) return;
    auto state = fileio::readJsonObject(stateFile(document()));
    if (!state) return;
    const QString model = state->value(QStringLiteral("model")).toString();
    QStringList files;
    for (const QJsonValue &v : state->value(QStringLiteral("inputs")).toArray())
        if (QFileInfo::exists(v.toString())) files << v.toString();
    if (!model.isEmpty() && QFileInfo::exists(model)) setModel(model);
    if (!files.isEmpty()) addInputs(files);
}

bool ClassifyPage::isBusy() const
{
    return m_running || m_exporting || m_gradCam->isRunning();
}

bool ClassifyPage::isSettled() const
{
    return !isBusy() && m_table->pendingThumbnails() == 0;
}

void ClassifyPage::refreshModelChoices()
{
    const QSignalBlocker block(m_modelPicker);
    m_modelPicker->clear();
    m_modelPicker->addItem(tr("Choose a model…"), QString());
    m_modelPicker->setItemData(0, PlaceholderItem, kKindRole);
    const ProjectDocument *doc = document();
    if (doc && doc->hasFolder()) {
        const QString runs = QDir(doc->project().folder).filePath(QStringLiteral("runs"));
        for (const project::RunSummary &r : project::RunFolder::list(runs)) {
            const project::RunFolder run(r.dir);
            if (!QFileInfo::exists(run.bestCheckpoint())) continue;
            const bool exported = QFileInfo::exists(run.path(QStringLiteral("export/model.pt")));
            m_modelPicker->addItem(
                tr("Run %1 · %2%3")
                    .arg(r.name, strategyDisplayName(r.strategy), exported ? QString() : tr(" (not exported yet)")),
                r.dir);
            m_modelPicker->setItemData(m_modelPicker->count() - 1, RunItem, kKindRole);
            m_modelPicker->setItemData(m_modelPicker->count() - 1, exported, kExportedRole);
        }
    }
    if (!m_model.isEmpty() && m_modelPicker->findData(m_model) < 0) {
        const QFileInfo fi(m_model);
        m_modelPicker->addItem(project::RunFolder::isRun(m_model) ? tr("Run %1").arg(fi.fileName())
                               : fi.fileName() == QLatin1String("model.pt")
                                   ? fi.dir().dirName() + QStringLiteral("/model.pt")
                                   : fi.fileName(),
                               m_model);
        m_modelPicker->setItemData(m_modelPicker->count() - 1, FileItem, kKindRole);
        m_modelPicker->setItemData(m_modelPicker->count() - 1, m_model, Qt::ToolTipRole);
    }
    m_modelPicker->addItem(tr("Other exported model…"), QString());
    m_modelPicker->setItemData(m_modelPicker->count() - 1, BrowseItem, kKindRole);
    const int pos = m_model.isEmpty() ? 0 : m_modelPicker->findData(m_model);
    m_modelPicker->setCurrentIndex(pos < 0 ? 0 : pos);
    const bool needsExport = pos > 0 && m_modelPicker->itemData(pos, kKindRole).toInt() == RunItem &&
                             !m_modelPicker->itemData(pos, kExportedRole).toBool();
    m_exportRun->setVisible(needsExport);
}

void ClassifyPage::chooseModelFile()
{
    const QString file = QFileDialog::getOpenFileName(this, tr("Exported model"), QString(),
                                                      tr("TorchScript model (*.pt);;All files (*)"));
    if (!file.isEmpty())
        setModel(file);
    else
        refreshModelChoices();
}

void ClassifyPage::setModel(const QString &path)
{
    m_model = QDir::cleanPath(QFileInfo(path).absoluteFilePath());
    m_modelFile.clear();
    refreshModelChoices();
    if (m_exportRun->isVisible()) {
        m_modelInfo->setText(tr("This run has no exported model yet: press “Export this run first”."));
        return;
    }
    auto resolved = ml::resolveExportedModel(m_model);
    if (!resolved) {
        m_modelInfo->setText(tr("No usable model: %1").arg(resolved.error().message()));
        return;
    }
    m_modelFile = *resolved;
    GradCamPanel::Source student;
    student.kind = GradCamPanel::Source::ExportedModel;
    student.path = m_modelFile;
    student.label = tr("model");
    m_gradCam->setSources(student, {}, tr("An exported model carries no teacher."));
    auto sidecar = fileio::readJsonObject(ml::exportSidecarPath(m_modelFile));
    if (sidecar) {
        QStringList classes;
        for (const QJsonValue &v : sidecar->value(QStringLiteral("classNames")).toArray())
            classes << v.toString();
        m_modelInfo->setText(tr("%1 · %2 px · %n class(es): %3", nullptr, int(classes.size()))
                                 .arg(QDir::toNativeSeparators(m_modelFile))
                                 .arg(sidecar->value(QStringLiteral("inputSize")).toInt())
                                 .arg(classes.join(QStringLiteral(", "))));
    } else {
        m_modelInfo->setText(QDir::toNativeSeparators(m_modelFile));
    }
    classifyAll();
}

void ClassifyPage::exportChosenRun()
{
    if (m_exporting || m_model.isEmpty()) return;
    const QString run = m_model;
    m_exporting = true;
    m_exportRun->setEnabled(false);
    m_modelInfo->setText(tr("Exporting the run's best student…"));
    jobs()->submit<QString>(
        JobManager::Kind::Io, tr("Export %1").arg(QFileInfo(run).fileName()),
        [run](JobControl &, const ProgressSink &) -> Result<QString> { return ml::exportRun(run); },
        [this, run](const Result<QString> &r) {
            m_exporting = false;
            m_exportRun->setEnabled(true);
            if (!r) {
                m_modelInfo->setText(tr("The export failed: %1").arg(r.error().message()));
                return;
            }
            Q_EMIT statusMessage(tr("Exported %1").arg(*r));
            setModel(run);
        },
        this);
}

void ClassifyPage::addInputs(const QStringList &paths)
{
    QStringList added;
    for (const QString &p : paths) {
        const QString abs = QDir::cleanPath(QFileInfo(p).absoluteFilePath());
        if (!m_inputs.contains(abs)) {
            m_inputs << abs;
            added << abs;
        }
    }
    if (added.isEmpty()) return;
    if (m_modelFile.isEmpty() || m_running) {
        m_pending << added;
        updateStatus();
        return;
    }
    classify(added, false);
}

void ClassifyPage::classifyAll()
{
    if (m_modelFile.isEmpty() || m_inputs.isEmpty()) {
        updateStatus();
        return;
    }
    if (m_running) {
        m_pending = m_inputs;
        return;
    }
    m_pending.clear();
    classify(m_inputs, true);
}

void ClassifyPage::clear()
{
    m_inputs.clear();
    m_pending.clear();
    m_table->clear();
    m_gradCam->clear();
    updateStatus();
}

void ClassifyPage::classify(const QStringList &inputs, bool replace)
{
    ml::ClassifyRequest request;
    request.model = m_modelFile;
    request.inputs = inputs;
    request.batchSize = 16;
    request.threads = 0;
    m_running = true;
    m_lastError.clear();
    updateStatus();
    const QString model = m_modelFile;
    jobs()->submit<ml::ClassifyResult>(
        JobManager::Kind::Io, tr("Classify %n input(s)", nullptr, int(inputs.size())), ml::classifyJob(request),
        [this, replace, model](const Result<ml::ClassifyResult> &r) {
            m_running = false;
            if (!r) {
                m_lastError = r.error().message();
                if (r.error().code != ErrorCode::Cancelled)
                    Q_EMIT statusMessage(tr("Classification failed: %1").arg(m_lastError));
            } else if (model == m_modelFile) {
                if (replace || m_table->result().modelFile != r->modelFile)
                    m_table->setResult(*r);
                else
                    m_table->append(*r);
            }
            // Inputs added meanwhile (or a model chosen meanwhile).
            if (!m_pending.isEmpty() && !m_modelFile.isEmpty()) {
                const QStringList next = m_pending;
                m_pending.clear();
                classify(next, model != m_modelFile);
            }
            updateStatus();
            if (!stateFile(document()).isEmpty()) {
                QJsonObject state{{"model", m_model}, {"inputs", QJsonArray::fromStringList(m_inputs)}};
                QDir().mkpath(QFileInfo(stateFile(document())).path());
                (void)fileio::writeJson(stateFile(document()), state); // best effort
            }
        },
        this);
}

void ClassifyPage::updateStatus()
{
    const int rows = m_table->rowCount();
    m_dropHint->setVisible(rows == 0 && !m_running);
    QStringList parts;
    if (m_running) parts << tr("Classifying…");
    if (rows > 0) {
        const int failed = m_table->failedCount();
        parts << tr("%n image(s) classified", nullptr, rows - failed);
        if (failed > 0) parts << tr("%n file(s) could not be read (reasons in the Status column)", nullptr, failed);
    }
    if (!m_pending.isEmpty() && m_modelFile.isEmpty())
        parts << tr("%n input(s) wait for a model", nullptr, int(m_pending.size()));
    if (!m_lastError.isEmpty()) parts << tr("Last error: %1").arg(m_lastError);
    m_status->setText(parts.join(QStringLiteral(" · ")));
}

Result<void> ClassifyPage::exportCsv(const QString &file) const
{
    bool frames = false;
    for (const ml::ClassifiedImage &i : m_table->images())
        frames = frames || i.frame > 0;
    return fileio::writeAtomically(file, ml::classifyResultToCsv(m_table->result(), frames).toUtf8());
}

void ClassifyPage::explainSelection()
{
    std::vector<GradCamPanel::Image> images;
    for (const QModelIndex &i : m_view->selectionModel()->selectedRows()) {
        const int row = m_sort->mapToSource(i).row();
        const ml::ClassifiedImage &img = m_table->images()[std::size_t(row)];
        if (!img.ok()) continue;
        const data::Sample sample = m_table->files().samples[std::size_t(row)];
        const data::DatasetIndex one = [&] {
            data::DatasetIndex d;
            d.format = m_table->files().format;
            return d;
        }();
        GradCamPanel::Image g;
        g.caption = tr("%1 · %2 (%3)")
                        .arg(QFileInfo(img.file).fileName(), m_table->classNames().value(img.predictedClass()))
                        .arg(img.confidence(), 0, 'f', 2);
        g.load = [one, sample]() { return data::loadImage(one, sample); };
        images.push_back(std::move(g));
    }
    if (images.empty()) {
        Q_EMIT statusMessage(tr("Select classified images for Grad-CAM."));
        return;
    }
    m_gradCam->explain(images);
}

void ClassifyPage::dragEnterEvent(QDragEnterEvent *event)
{
    if (event->mimeData()->hasUrls()) event->acceptProposedAction();
}

void ClassifyPage::dropEvent(QDropEvent *event)
{
    QStringList paths;
    for (const QUrl &url : event->mimeData()->urls())
        if (url.isLocalFile()) paths << url.toLocalFile();
    if (paths.isEmpty()) return;
    // A dropped model file (.pt) is the model; everything else is an image to classify.
    QStringList images;
    for (const QString &p : paths)
        if (QFileInfo(p).suffix().compare(QLatin1String("pt"), Qt::CaseInsensitive) == 0)
            setModel(p);
        else
            images << p;
    if (!images.isEmpty()) addInputs(images);
    event->acceptProposedAction();
}

} // namespace fopro::ui
