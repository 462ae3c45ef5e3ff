#include "ui/training/configform.h"

#include "core/ml/configfields.h"
#include "core/ml/trainconfig.h"
#include "ui/training/teacherpicker.h"

#include <QtCore/QJsonArray>
#include <QtCore/QRegularExpression>
#include <QtGui/QDoubleValidator>
#include <QtWidgets/QCheckBox>
#include <QtWidgets/QComboBox>
#include <QtWidgets/QDoubleSpinBox>
#include <QtWidgets/QFileDialog>
#include <QtWidgets/QFormLayout>
#include <QtWidgets/QHBoxLayout>
#include <QtWidgets/QLabel>
#include <QtWidgets/QLineEdit>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QScrollArea>
#include <QtWidgets/QSpinBox>
#include <QtWidgets/QToolBox>
#include <QtWidgets/QVBoxLayout>

namespace fopro::ui {
namespace {

using ml::ConfigField;
using ml::FieldKind;

/// Keys the form leaves to its owner (the page sets them from the project).
const QStringList kOwnerKeys{QStringLiteral("dataset"), QStringLiteral("runDir")};
/// Keys the teacher picker edits.
const QStringList kTeacherKeys{QStringLiteral("teacher.kind"), QStringLiteral("teacher.path"),
                               QStringLiteral("teacher.outputLayer")};

QString numberText(double v)
{
    return QString::number(v, 'g', 7);
}

} // namespace

ConfigForm::ConfigForm(QWidget *parent) : QWidget(parent)
{
    build();
    setConfig(ml::TrainConfig().toJson());
}

void ConfigForm::build()
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_groups = new QToolBox(this);
    layout->addWidget(m_groups, 1);
    m_advanced = new QCheckBox(tr("Show e&very setting"), this);
    m_advanced->setToolTip(tr("Also show the rarely changed settings (normalisation, caches, head/tail thresholds)."));
    layout->addWidget(m_advanced);
    connect(m_advanced, &QCheckBox::toggled, this, &ConfigForm::updateVisibility);

    QHash<QString, QFormLayout *> forms;
    for (const QString &group : ml::configGroups()) {
        auto *scroll = new QScrollArea(m_groups);
        scroll->setWidgetResizable(true);
        scroll->setFrameShape(QFrame::NoFrame);
        auto *page = new QWidget(scroll);
        auto *form = new QFormLayout(page);
        form->setRowWrapPolicy(QFormLayout::WrapLongRows);
        form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
        scroll->setWidget(page);
        m_groupIndex.insert(group, m_groups->addItem(scroll, group));
        forms.insert(group, form);
    }
    m_teacher = new TeacherPicker(this);
    forms.value(QStringLiteral("Teacher"))->addRow(m_teacher);
    connect(m_teacher, &TeacherPicker::edited, this, &ConfigForm::onEdited);

    for (const ConfigField &field : ml::configFields()) {
        if (kOwnerKeys.contains(field.key) || kTeacherKeys.contains(field.key)) continue;
        Row row = makeRow(field);
        QFormLayout *form = forms.value(field.group);
        row.label = new QLabel(field.label, this);
        row.label->setToolTip(field.help);
        row.label->setBuddy(row.editor);
        row.message = new QLabel(this);
        row.message->setWordWrap(true);
        row.message->setStyleSheet(QStringLiteral("color: #b00020;"));
        row.message->hide();
        auto *box = new QWidget(this);
        auto *v = new QVBoxLayout(box);
        v->setContentsMargins(0, 0, 0, 0);
        v->setSpacing(1);
        v->addWidget(row.editor);
        v->addWidget(row.message);
        row.container = box;
        row.editor->setToolTip(field.help);
        row.editor->setAccessibleName(field.label);
        row.editor->setAccessibleDescription(field.help);
        row.editor->setObjectName(field.key);
        form->addRow(row.label, box);
        m_order << field.key;
        m_rows.insert(field.key, row);
    }
}

ConfigForm::Row ConfigForm::makeRow(const ConfigField &field)
{
    Row row;
    row.field = &field;
    switch (field.kind) {
    case FieldKind::Integer: {
        auto *spin = new QSpinBox(this);
        spin->setRange(int(field.minimum), int(std::min(field.maximum, 2147483647.0)));
        connect(spin, &QSpinBox::valueChanged, this, &ConfigForm::onEdited);
        row.editor = spin;
        row.get = [spin] { return QJsonValue(spin->value()); };
        row.set = [spin](const QJsonValue &v) { spin->setValue(v.toInt()); };
        break;
    }
    case FieldKind::Number:
        if (field.logScale) {
            auto *edit = new QLineEdit(this);
            auto *validator = new QDoubleValidator(field.minimum > 0 ? 0 : field.minimum, field.maximum, 12, edit);
            validator->setNotation(QDoubleValidator::ScientificNotation);
            validator->setLocale(QLocale::c());
            edit->setValidator(validator);
            connect(edit, &QLineEdit::textEdited, this, &ConfigForm::onEdited);
            row.editor = edit;
            row.get = [edit] { return QJsonValue(QLocale::c().toDouble(edit->text())); };
            row.set = [edit](const QJsonValue &v) { edit->setText(numberText(v.toDouble())); };
        } else {
            auto *spin = new QDoubleSpinBox(this);
            spin->setDecimals(field.decimals);
            spin->setRange(field.minimum, field.maximum);
            spin->setSingleStep(field.maximum - field.minimum > 10 ? 0.5 : 0.05);
            connect(spin, &QDoubleSpinBox::valueChanged, this, &ConfigForm::onEdited);
            row.editor = spin;
            row.get = [spin] { return QJsonValue(spin->value()); };
            row.set = [spin](const QJsonValue &v) { spin->setValue(v.toDouble()); };
        }
        break;
    case FieldKind::Boolean: {
        auto *check = new QCheckBox(this);
        connect(check, &QCheckBox::toggled, this, &ConfigForm::onEdited);
        row.editor = check;
        row.get = [check] { return QJsonValue(check->isChecked()); };
        row.set = [check](const QJsonValue &v) { check->setChecked(v.toBool()); };
        break;
    }
    case FieldKind::Choice: {
        auto *combo = new QComboBox(this);
        for (int i = 0; i < field.choices.size(); ++i)
            combo->addItem(field.choiceLabels.value(i, field.choices[i]), field.choices[i]);
        connect(combo, &QComboBox::currentIndexChanged, this, &ConfigForm::onEdited);
        if (field.key == QLatin1String("strategy"))
            connect(combo, &QComboBox::currentIndexChanged, this, &ConfigForm::updateVisibility);
        row.editor = combo;
        row.get = [combo] { return QJsonValue(combo->currentData().toString()); };
        row.set = [combo](const QJsonValue &v) {
            const int i = combo->findData(v.toString());
            combo->setCurrentIndex(i >= 0 ? i : 0);
        };
        break;
    }
    case FieldKind::Text:
    case FieldKind::File:
    case FieldKind::Folder: {
        auto *box = new QWidget(this);
        auto *h = new QHBoxLayout(box);
        h->setContentsMargins(0, 0, 0, 0);
        auto *edit = new QLineEdit(box);
        h->addWidget(edit, 1);
        if (field.kind != FieldKind::Text) {
            auto *browse = new QPushButton(tr("…"), box);
            browse->setToolTip(tr("Browse"));
            browse->setAccessibleName(tr("Browse for %1").arg(field.label));
            const bool folder = field.kind == FieldKind::Folder;
            connect(browse, &QPushButton::clicked, this, [this, edit, folder, label = field.label] {
                const QString chosen = folder ? QFileDialog::getExistingDirectory(this, label, edit->text())
                                              : QFileDialog::getOpenFileName(this, label, edit->text());
                if (chosen.isEmpty()) return;
                edit->setText(chosen);
                onEdited();
            });
            h->addWidget(browse);
        }
        box->setFocusProxy(edit);
        connect(edit, &QLineEdit::textEdited, this, &ConfigForm::onEdited);
        row.editor = box;
        row.get = [edit] { return QJsonValue(edit->text().trimmed()); };
        row.set = [edit](const QJsonValue &v) { edit->setText(v.toString()); };
        break;
    }
    case FieldKind::Blocks:
    case FieldKind::Triple: {
        const bool blocks = field.kind == FieldKind::Blocks;
        auto *box = new QWidget(this);
        auto *h = new QHBoxLayout(box);
        h->setContentsMargins(0, 0, 0, 0);
        QList<QAbstractSpinBox *> spins;
        for (int i = 0; i < (blocks ? 4 : 3); ++i) {
            if (blocks) {
                auto *s = new QSpinBox(box);
                s->setRange(1, 64);
                connect(s, &QSpinBox::valueChanged, this, &ConfigForm::onEdited);
                spins << s;
            } else {
                auto *s = new QDoubleSpinBox(box);
                s->setDecimals(4);
                s->setRange(0, 255);
                s->setSingleStep(0.01);
                connect(s, &QDoubleSpinBox::valueChanged, this, &ConfigForm::onEdited);
                spins << s;
            }
            h->addWidget(spins.back());
        }
        box->setFocusProxy(spins.front());
        row.editor = box;
        row.get = [spins, blocks] {
            QJsonArray a;
            for (QAbstractSpinBox *s : spins)
                a.append(blocks ? QJsonValue(static_cast<QSpinBox *>(s)->value())
                                : QJsonValue(static_cast<QDoubleSpinBox *>(s)->value()));
            return QJsonValue(a);
        };
        row.set = [spins, blocks](const QJsonValue &v) {
            const QJsonArray a = v.toArray();
            for (int i = 0; i < spins.size(); ++i) {
                if (blocks)
                    static_cast<QSpinBox *>(spins[i])->setValue(a.at(i).toInt(1));
                else
                    static_cast<QDoubleSpinBox *>(spins[i])->setValue(a.at(i).toDouble());
            }
        };
        break;
    }
    }
    return row;
}

void ConfigForm::setConfig(const QJsonObject &config)
{
    m_loading = true;
    // Defaults first, so that a partial configuration shows every field.
    QJsonObject full = ml::TrainConfig().toJson();
    for (const QString &key : ml::configKeys(config))
        ml::setConfigValue(full, key, ml::configValue(config, key));
    for (auto it = m_rows.begin(); it != m_rows.end(); ++it)
        it->set(ml::configValue(full, it.key()));
    m_teacher->setTeacher(ml::configValue(full, QStringLiteral("teacher.kind")).toString(),
                          ml::configValue(full, QStringLiteral("teacher.path")).toString(),
                          ml::configValue(full, QStringLiteral("teacher.outputLayer")).toString());
    m_passThrough = QJsonObject();
    for (const QString &key : kOwnerKeys)
        m_passThrough.insert(key, full.value(key));
    m_loading = false;
    clearMessages();
    updateVisibility();
}

QJsonObject ConfigForm::config() const
{
    QJsonObject o = m_passThrough;
    for (auto it = m_rows.begin(); it != m_rows.end(); ++it)
        ml::setConfigValue(o, it.key(), it->get());
    ml::setConfigValue(o, QStringLiteral("teacher.kind"), m_teacher->kind());
    ml::setConfigValue(o, QStringLiteral("teacher.path"), m_teacher->path());
    ml::setConfigValue(o, QStringLiteral("teacher.outputLayer"), m_teacher->layer());
    return o;
}

QStringList ConfigForm::editedKeys() const
{
    return m_order + kTeacherKeys;
}

QWidget *ConfigForm::editor(const QString &key) const
{
    if (kTeacherKeys.contains(key)) return m_teacher;
    const auto it = m_rows.find(key);
    return it == m_rows.end() ? nullptr : it->editor;
}

QString ConfigForm::strategy() const
{
    return m_rows.value(QStringLiteral("strategy")).get().toString();
}

void ConfigForm::setShowAdvanced(bool show)
{
    m_advanced->setChecked(show);
}

bool ConfigForm::showsAdvanced() const
{
    return m_advanced->isChecked();
}

void ConfigForm::updateVisibility()
{
    const QString s = strategy();
    const bool all = m_advanced->isChecked();
    for (auto it = m_rows.begin(); it != m_rows.end(); ++it) {
        const bool visible =
            ml::fieldAppliesTo(*it->field, s) && (all || !it->field->advanced || !it->message->text().isEmpty());
        it->label->setVisible(visible);
        it->container->setVisible(visible);
    }
    const ml::StrategyInfo *info = ml::findStrategy(s);
    const bool teacher = info && info->needsTeacher;
    const bool prompt = info && info->usesPrompt;
    m_groups->setItemEnabled(m_groupIndex.value(QStringLiteral("Teacher")), teacher);
    m_groups->setItemEnabled(m_groupIndex.value(QStringLiteral("Fourier prompt")), prompt);
    m_groups->setItemToolTip(m_groupIndex.value(QStringLiteral("Teacher")),
                             teacher ? QString() : tr("%1 does not use a teacher.").arg(info ? info->displayName : s));
    m_groups->setItemToolTip(m_groupIndex.value(QStringLiteral("Fourier prompt")),
                             prompt ? QString() : tr("Only FoPro-KD uses the Fourier prompt."));
}

void ConfigForm::clearMessages()
{
    for (Row &row : m_rows) {
        row.message->clear();
        row.message->hide();
    }
}

QString ConfigForm::validate()
{
    clearMessages();
    QJsonObject json = config();
    // The owner's keys are not the form's business: check the rest with a placeholder dataset.
    if (json.value(QStringLiteral("dataset")).toString().isEmpty())
        json.insert(QStringLiteral("dataset"), QStringLiteral("dataset.json"));
    const auto parsed = ml::TrainConfig::fromJson(json);
    if (parsed) {
        updateVisibility();
        return {};
    }
    const QString message = parsed.error().detail;
    // The message names the field: its full key ("prompt.alpha ...") or, inside a nested object's
    // message ("student: widthMultiplier ..."), its last part; the first key mentioned wins.
    QString best;
    qsizetype bestAt = message.size();
    bool teacher = false; // a problem with what the teacher picker edits
    for (const QString &key : kTeacherKeys)
        teacher = teacher || message.contains(key);
    for (const QString &key : m_order) {
        for (const QString &name : {key, key.section(QLatin1Char('.'), -1)}) {
            const QRegularExpression word(
                QStringLiteral("(^|[^A-Za-z.])%1($|[^A-Za-z])").arg(QRegularExpression::escape(name)));
            const auto m = word.match(message);
            if (m.hasMatch() && m.capturedStart() < bestAt) {
                best = key;
                bestAt = m.capturedStart();
            }
        }
    }
    if (teacher) best.clear();
    if (!best.isEmpty()) {
        Row &row = m_rows[best];
        row.message->setText(message);
        row.message->show();
        m_groups->setCurrentIndex(m_groupIndex.value(row.field->group));
    } else if (teacher) {
        m_groups->setCurrentIndex(m_groupIndex.value(QStringLiteral("Teacher")));
        m_teacher->showProblem(message);
    }
    updateVisibility();
    return message;
}

void ConfigForm::onEdited()
{
    if (m_loading) return;
    Q_EMIT edited();
}

} // namespace fopro::ui
