#include "ui/training/teacherpicker.h"

#include "core/jobs/workerrun.h"
#include "core/project/demo.h"

#include <QtCore/QDir>
#include <QtCore/QFileInfo>
#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QProcess>
#include <QtWidgets/QComboBox>
#include <QtWidgets/QFileDialog>
#include <QtWidgets/QFormLayout>
#include <QtWidgets/QHBoxLayout>
#include <QtWidgets/QLabel>
#include <QtWidgets/QLineEdit>
#include <QtWidgets/QPushButton>

namespace fopro::ui {

TeacherInspection TeacherInspection::fromJson(const QJsonObject &o)
{
    TeacherInspection t;
    t.inputSize = o.value(QStringLiteral("inputSize")).toInt();
    t.featureDim = o.value(QStringLiteral("featureDim")).toInt();
    t.msPerImage = o.contains(QStringLiteral("msPerImage"))
                       ? o.value(QStringLiteral("msPerImage")).toDouble()
                       : 1000.0 * o.value(QStringLiteral("secondsPerImage")).toDouble();
    for (const QJsonValue &v : o.value(QStringLiteral("layers")).toArray()) {
        const QJsonObject layer = v.toObject();
        t.layers << layer.value(QStringLiteral("name")).toString();
        QStringList shape;
        for (const QJsonValue &d : layer.value(QStringLiteral("outputShape")).toArray())
            shape << (d.isNull() ? QStringLiteral("?") : QString::number(d.toInt()));
        t.layerDetails << QStringLiteral("%1, %2").arg(layer.value(QStringLiteral("className")).toString(),
                                                       shape.isEmpty() ? QStringLiteral("?")
                                                                       : shape.join(QStringLiteral("×")));
    }
    t.suggestedLayer = o.value(QStringLiteral("suggestedLayer")).toString();
    t.description = o.value(QStringLiteral("description")).toString();
    return t;
}

TeacherPicker::TeacherPicker(QWidget *parent) : QWidget(parent)
{
    m_source = new QComboBox(this);
    m_source->addItem(tr("Built-in demo teacher (MobileNetV2, ImageNet)"), int(Source::Demo));
    m_source->addItem(tr("TF.js layers model (model.json folder)"), int(Source::Tfjs));
    m_source->addItem(tr("TorchScript file"), int(Source::TorchScript));
    m_source->setAccessibleName(tr("Teacher source"));
    m_path = new QLineEdit(this);
    m_path->setPlaceholderText(tr("model.json, its folder, or a .pt file"));
    m_path->setAccessibleName(tr("Teacher model path"));
    m_browse = new QPushButton(tr("Browse…"), this);
    m_layer = new QComboBox(this);
    m_layer->setEditable(true);
    m_layer->setInsertPolicy(QComboBox::NoInsert);
    m_layer->setAccessibleName(tr("Feature layer"));
    m_layer->setToolTip(tr("The layer whose pooled output is the teacher's feature (empty = the model's output)."));
    m_layer->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_layer->setMinimumContentsLength(12);
    m_inspect = new QPushButton(tr("&Inspect teacher"), this);
    m_inspect->setToolTip(tr("Load the teacher in a separate process: input size, layers, feature size, speed."));
    m_info = new QLabel(this);
    m_info->setWordWrap(true);
    m_info->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto *pathRow = new QHBoxLayout;
    pathRow->setContentsMargins(0, 0, 0, 0);
    pathRow->addWidget(m_path, 1);
    pathRow->addWidget(m_browse);
    auto *form = new QFormLayout(this);
    form->setContentsMargins(0, 0, 0, 0);
    form->setRowWrapPolicy(QFormLayout::WrapLongRows);
    form->addRow(tr("Teacher"), m_source);
    form->addRow(tr("Model"), pathRow);
    form->addRow(tr("Feature layer"), m_layer);
    form->addRow(m_inspect);
    form->addRow(m_info);

    connect(m_source, &QComboBox::currentIndexChanged, this, &TeacherPicker::sourceChanged);
    connect(m_browse, &QPushButton::clicked, this, &TeacherPicker::browse);
    connect(m_inspect, &QPushButton::clicked, this, &TeacherPicker::inspect);
    connect(m_path, &QLineEdit::textEdited, this, [this] {
        m_inspection = {};
        showInfo({});
        Q_EMIT edited();
    });
    connect(m_layer, &QComboBox::currentTextChanged, this, [this] {
        if (!m_loading) Q_EMIT edited();
    });
    sourceChanged();
}

TeacherPicker::~TeacherPicker()
{
    if (m_process) {
        m_process->disconnect(this);
        m_process->kill();
        m_process->waitForFinished(2000);
    }
}

void TeacherPicker::setTeacher(const QString &kind, const QString &path, const QString &layer)
{
    m_loading = true;
    const QString demo = project::demoTeacherPath();
    const bool isDemo = !path.isEmpty() && !demo.isEmpty() &&
                        QFileInfo(path).canonicalFilePath() == QFileInfo(demo).canonicalFilePath();
    const Source s = isDemo ? Source::Demo : kind == QLatin1String("torchscript") ? Source::TorchScript : Source::Tfjs;
    m_source->setCurrentIndex(m_source->findData(int(s)));
    m_path->setText(path);
    if (m_layer->findText(layer) < 0 && !layer.isEmpty()) m_layer->addItem(layer);
    m_layer->setCurrentText(layer);
    sourceChanged(); // enables the editors; no edited() while loading
    m_loading = false;
}

TeacherPicker::Source TeacherPicker::source() const
{
    return Source(m_source->currentData().toInt());
}

QString TeacherPicker::kind() const
{
    return source() == Source::TorchScript ? QStringLiteral("torchscript") : QStringLiteral("tfjs");
}

QString TeacherPicker::path() const
{
    return m_path->text().trimmed();
}

QString TeacherPicker::layer() const
{
    return source() == Source::TorchScript ? QString() : m_layer->currentText().trimmed();
}

bool TeacherPicker::useDemoTeacher()
{
    const QString demo = project::demoTeacherPath();
    if (demo.isEmpty()) return false;
    setTeacher(QStringLiteral("tfjs"), demo, project::demoTeacherLayer());
    return true;
}

void TeacherPicker::sourceChanged()
{
    const Source s = source();
    const bool demo = s == Source::Demo;
    m_path->setReadOnly(demo);
    m_browse->setEnabled(!demo);
    m_layer->setEnabled(s != Source::TorchScript);
    if (m_loading) return; // the caller sets the path and the layer
    if (demo) {
        const QString path = project::demoTeacherPath();
        if (path.isEmpty()) {
            showInfo(tr("The demo teacher is not installed: run packaging/install-deps.sh (it converts MobileNetV2 "
                        "from Debian's packages), or choose a TF.js or TorchScript teacher."),
                     true);
        } else {
            m_loading = true;
            m_path->setText(path);
            if (m_layer->findText(project::demoTeacherLayer()) < 0) m_layer->addItem(project::demoTeacherLayer());
            m_layer->setCurrentText(project::demoTeacherLayer());
            m_loading = false;
        }
    }
    Q_EMIT edited();
}

void TeacherPicker::browse()
{
    QString chosen;
    if (source() == Source::TorchScript)
        chosen = QFileDialog::getOpenFileName(this, tr("Choose a TorchScript teacher"), path(),
                                              tr("TorchScript (*.pt *.pth *.ts);;All files (*)"));
    else
        chosen = QFileDialog::getExistingDirectory(this, tr("Choose a TF.js layers model folder"), path());
    if (chosen.isEmpty()) return;
    m_path->setText(QDir::toNativeSeparators(chosen));
    m_inspection = {};
    Q_EMIT edited();
    inspect();
}

bool TeacherPicker::isInspecting() const
{
    return m_process != nullptr;
}

void TeacherPicker::inspect()
{
    if (path().isEmpty() || m_process) return;
    m_process = new QProcess(this);
    QStringList args{QStringLiteral("teacher"), QStringLiteral("inspect"), path(), QStringLiteral("--json")};
    if (!layer().isEmpty()) args << QStringLiteral("--layer") << layer();
    connect(m_process, &QProcess::finished, this, &TeacherPicker::finishInspection);
    connect(m_process, &QProcess::errorOccurred, this, [this](QProcess::ProcessError e) {
        if (e == QProcess::FailedToStart) finishInspection();
    });
    m_inspect->setEnabled(false);
    showInfo(tr("Loading the teacher…"));
    m_process->start(worker::workerProgram(), args);
}

void TeacherPicker::finishInspection()
{
    QProcess *p = m_process;
    if (!p) return;
    m_process = nullptr;
    p->deleteLater();
    m_inspect->setEnabled(true);
    const QByteArray out = p->readAllStandardOutput();
    const QString err = QString::fromUtf8(p->readAllStandardError()).trimmed();
    const QJsonObject o = QJsonDocument::fromJson(out).object();
    if (p->exitStatus() != QProcess::NormalExit || p->exitCode() != 0 || o.isEmpty()) {
        showInfo(err.isEmpty() ? tr("The teacher could not be loaded (%1).").arg(p->errorString()) : err, true);
        Q_EMIT inspected(false);
        return;
    }
    m_inspection = TeacherInspection::fromJson(o);
    m_loading = true;
    const QString keep = m_layer->currentText();
    m_layer->clear();
    for (int i = 0; i < m_inspection.layers.size(); ++i) {
        m_layer->addItem(m_inspection.layers[i]);
        m_layer->setItemData(i, m_inspection.layerDetails.value(i), Qt::ToolTipRole);
    }
    const QString chosen = !keep.isEmpty() ? keep : m_inspection.suggestedLayer;
    if (!chosen.isEmpty() && m_layer->findText(chosen) < 0) m_layer->addItem(chosen);
    m_layer->setCurrentText(chosen);
    m_loading = false;
    showInfo(tr("Input %1 px · feature size %2 · %3 ms per image · %4 layers")
                 .arg(m_inspection.inputSize > 0 ? QString::number(m_inspection.inputSize) : tr("any"))
                 .arg(m_inspection.featureDim)
                 .arg(m_inspection.msPerImage, 0, 'f', 1)
                 .arg(m_inspection.layers.size()));
    Q_EMIT edited();
    Q_EMIT inspected(true);
}

void TeacherPicker::showInfo(const QString &text, bool error)
{
    m_info->setText(text);
    m_info->setForegroundRole(error ? QPalette::BrightText : QPalette::WindowText);
    m_info->setStyleSheet(error ? QStringLiteral("color: #b00020;") : QString());
}

} // namespace fopro::ui
