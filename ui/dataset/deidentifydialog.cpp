#include "ui/dataset/deidentifydialog.h"

#include "ui/common/settings.h"

#include <QtCore/QCryptographicHash>
#include <QtCore/QDir>
#include <QtCore/QRandomGenerator>
#include <QtWidgets/QCheckBox>
#include <QtWidgets/QComboBox>
#include <QtWidgets/QDialogButtonBox>
#include <QtWidgets/QFileDialog>
#include <QtWidgets/QFormLayout>
#include <QtWidgets/QHBoxLayout>
#include <QtWidgets/QLabel>
#include <QtWidgets/QLineEdit>
#include <QtWidgets/QPlainTextEdit>
#include <QtWidgets/QProgressBar>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QVBoxLayout>

namespace fopro::ui {

namespace {

QString randomKeyHex()
{
    QByteArray key(32, Qt::Uninitialized);
    QRandomGenerator::system()->generate(reinterpret_cast<quint32 *>(key.data()),
                                         reinterpret_cast<quint32 *>(key.data() + key.size()));
    return QString::fromLatin1(key.toHex());
}

/// The name of a project's secret in settings::deidentifySecrets.
QString secretName(const QString &projectFolder)
{
    const QByteArray h = QCryptographicHash::hash(QDir::cleanPath(projectFolder).toUtf8(), QCryptographicHash::Sha256);
    return QString::fromLatin1(h.toHex().left(32));
}

/// "1 image" / "3 images" without depending on a translation file for plural forms.
QString images(int n)
{
    return n == 1 ? DeidentifyDialog::tr("1 image") : DeidentifyDialog::tr("%1 images").arg(n);
}

} // namespace

QString DeidentifyDialog::projectSecret(const QString &projectFolder)
{
    if (projectFolder.isEmpty()) return randomKeyHex();
    const QString name = secretName(projectFolder);
    QString secret = settings::deidentifySecrets.value(name);
    if (secret.toUtf8().size() < 16) {
        secret = randomKeyHex();
        settings::deidentifySecrets.set(name, secret);
    }
    return secret;
}

DeidentifyDialog::DeidentifyDialog(const data::DatasetIndex &dataset, const QString &projectFolder, JobManager *jobs,
                                   QWidget *parent)
    : QDialog(parent), m_dataset(dataset), m_projectFolder(projectFolder), m_output(new QLineEdit(this)),
      m_dateMode(new QComboBox(this)), m_secret(new QLineEdit(this)), m_showSecret(new QCheckBox(tr("Show"), this)),
      m_overwrite(new QCheckBox(tr("Export into a folder that is not empty (a previous export is replaced)"), this)),
      m_progress(new QProgressBar(this)), m_outcome(new QPlainTextEdit(this)),
      m_exportButton(new QPushButton(tr("&Export"), this)), m_cancelButton(new QPushButton(tr("Cancel export"), this)),
      m_summary(new QLabel(this)), m_jobs(jobs)
{
    setWindowTitle(tr("Export de-identified dataset"));
    int active = 0;
    for (const data::Sample &s : m_dataset.samples)
        active += data::DatasetIndex::isActive(s) ? 1 : 0;
    m_summary->setWordWrap(true);
    m_summary->setText(tr("Writes %1 (the active ones) as PNG files plus manifest.csv. Patient and lesion IDs "
                          "become pseudonyms, file names are replaced, and names, IDs, institutions, UIDs, "
                          "descriptions and other identifying attributes (DICOM PS3.15 basic profile) are left "
                          "out. Text burned into the pixels is not removed: check the images before sharing.")
                           .arg(images(active)));

    m_output->setPlaceholderText(tr("An empty folder"));
    auto *browse = new QPushButton(tr("Choose…"), this);
    auto *outRow = new QHBoxLayout;
    outRow->addWidget(m_output, 1);
    outRow->addWidget(browse);

    m_dateMode->addItem(tr("Remove dates"), int(data::DateMode::Remove));
    m_dateMode->addItem(tr("Shift dates per patient (keeps intervals)"), int(data::DateMode::Shift));

    m_secret->setEchoMode(QLineEdit::Password);
    m_secret->setText(projectSecret(projectFolder));
    m_secret->setToolTip(tr("Same key, same pseudonyms. Keep it private: with it, pseudonyms can be linked back "
                            "to patient IDs. It is stored in your settings for this project, never in the export."));
    auto *newKey = new QPushButton(tr("New key"), this);
    auto *keyRow = new QHBoxLayout;
    keyRow->addWidget(m_secret, 1);
    keyRow->addWidget(m_showSecret);
    keyRow->addWidget(newKey);

    auto *form = new QFormLayout;
    form->addRow(tr("Output folder:"), outRow);
    form->addRow(tr("Dates:"), m_dateMode);
    form->addRow(tr("Secret key:"), keyRow);
    form->addRow(QString(), m_overwrite);

    m_progress->setRange(0, 1);
    m_progress->setValue(0);
    m_cancelButton->setEnabled(false);
    m_outcome->setReadOnly(true);
    m_outcome->setPlaceholderText(tr("The outcome of the export appears here."));

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    buttons->addButton(m_exportButton, QDialogButtonBox::ActionRole);
    buttons->addButton(m_cancelButton, QDialogButtonBox::ActionRole);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_summary);
    layout->addLayout(form);
    layout->addWidget(m_progress);
    layout->addWidget(m_outcome, 1);
    layout->addWidget(buttons);
    resize(640, 440);

    connect(browse, &QPushButton::clicked, this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Export into folder"), m_output->text());
        if (!dir.isEmpty()) m_output->setText(QDir::toNativeSeparators(dir));
    });
    connect(m_showSecret, &QCheckBox::toggled, this,
            [this](bool on) { m_secret->setEchoMode(on ? QLineEdit::Normal : QLineEdit::Password); });
    connect(newKey, &QPushButton::clicked, this, [this] { m_secret->setText(randomKeyHex()); });
    connect(m_exportButton, &QPushButton::clicked, this, &DeidentifyDialog::startExport);
    connect(m_cancelButton, &QPushButton::clicked, this, [this] { m_jobs->cancel(m_job); });
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_jobs, &JobManager::progressChanged, this, [this](JobManager::JobId id, const Progress &p) {
        if (id != m_job || p.total <= 0) return;
        m_progress->setRange(0, int(p.total));
        m_progress->setValue(int(p.done));
    });
}

DeidentifyDialog::~DeidentifyDialog()
{
    m_jobs->cancel(m_job);
}

void DeidentifyDialog::setOutputFolder(const QString &folder)
{
    m_output->setText(QDir::toNativeSeparators(folder));
}

void DeidentifyDialog::setDateMode(data::DateMode mode)
{
    m_dateMode->setCurrentIndex(m_dateMode->findData(int(mode)));
}

void DeidentifyDialog::setOverwrite(bool overwrite)
{
    m_overwrite->setChecked(overwrite);
}

bool DeidentifyDialog::isRunning() const
{
    return m_job != 0;
}

QString DeidentifyDialog::outcomeText() const
{
    return m_outcome->toPlainText();
}

bool DeidentifyDialog::startExport()
{
    if (isRunning()) return false;
    data::ExportOptions options;
    options.outputDir = QDir::fromNativeSeparators(m_output->text().trimmed());
    options.secret = m_secret->text().toUtf8();
    options.dateMode = data::DateMode(m_dateMode->currentData().toInt());
    options.overwrite = m_overwrite->isChecked();
    if (options.outputDir.isEmpty()) {
        m_outcome->setPlainText(tr("Choose an output folder first."));
        return false;
    }
    if (options.secret.size() < 16) {
        m_outcome->setPlainText(tr("The secret key must be at least 16 characters long."));
        return false;
    }
    // Remember the key the user chose for this project, so later exports match.
    if (!m_projectFolder.isEmpty()) settings::deidentifySecrets.set(secretName(m_projectFolder), m_secret->text());

    m_outcome->setPlainText(tr("Exporting…"));
    m_exportButton->setEnabled(false);
    m_cancelButton->setEnabled(true);
    m_progress->setRange(0, 0);
    const data::DatasetIndex dataset = m_dataset; // the job owns its copy
    m_job = m_jobs->submit<data::ExportReport>(
        JobManager::Kind::Io, tr("Exporting a de-identified copy"),
        [dataset, options](JobControl &control, const ProgressSink &progress) {
            return data::exportDataset(dataset, options, &control, progress);
        },
        [this](const Result<data::ExportReport> &r) { onFinished(r); }, this);
    return true;
}

void DeidentifyDialog::onFinished(const Result<data::ExportReport> &r)
{
    m_job = 0;
    m_exportButton->setEnabled(true);
    m_cancelButton->setEnabled(false);
    if (!r) {
        m_progress->setRange(0, 1);
        m_progress->setValue(0);
        const QString text = r.error().code == ErrorCode::Cancelled
                                 ? tr("Export cancelled. Images already written stay in the folder; no manifest "
                                      "was written.")
                                 : tr("Export failed: %1").arg(r.error().message());
        m_outcome->setPlainText(text);
        Q_EMIT exportFinished(false);
        return;
    }
    QStringList lines;
    lines << tr("Exported %1 to %2").arg(images(r->exported), QDir::toNativeSeparators(r->outputDir));
    lines << tr("Pseudonymous patients or groups: %1").arg(r->patients);
    lines << tr("Manifest: %1").arg(QDir::toNativeSeparators(r->manifestFile));
    if (r->inactive > 0) lines << tr("Left out (excluded, missing or unlabelled): %1").arg(images(r->inactive));
    if (!r->removedKeys.isEmpty())
        lines << tr("Metadata removed or replaced: %1").arg(r->removedKeys.join(QStringLiteral(", ")));
    if (r->skipped > 0) {
        lines << tr("Could not be read and skipped: %1").arg(images(r->skipped));
        for (const data::ExportProblem &p : r->problems)
            lines << QStringLiteral("  ") + p.file + QStringLiteral(": ") + p.reason;
    }
    lines << tr("Text burned into the pixels is not removed: check the images before sharing.");
    m_outcome->setPlainText(lines.join(QLatin1Char('\n')));
    Q_EMIT exportFinished(true);
}

} // namespace fopro::ui
