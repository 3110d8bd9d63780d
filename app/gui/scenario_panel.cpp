// SPDX-License-Identifier: MIT
#include "app/gui/scenario_panel.h"

#include "app/gui/scenario_text.h"

#include <QComboBox>
#include <QFile>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QSaveFile>
#include <QScrollArea>
#include <QTabWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <string_view>

namespace moe::gui {
namespace {

/// The values of an option with a fixed set ("position | token | score", "true | false"), or
/// nothing when its accepted text describes a kind of value ("auto | number", "integer >= 1").
QStringList fixedChoices(const std::string& accepted) {
    const QStringList parts = QString::fromStdString(accepted).split(QStringLiteral(" | "));
    if (parts.size() < 2) return {};
    static const QStringList kKinds = {QStringLiteral("number"), QStringLiteral("integer"),
                                       QStringLiteral("text")};
    for (const QString& part : parts) {
        const bool word = !part.isEmpty() && std::all_of(part.begin(), part.end(), [](QChar c) {
            return c.isLower() || c.isDigit() || c == QLatin1Char('_');
        });
        if (!word || kKinds.contains(part)) return {};
    }
    return parts;
}

QString sectionTitle(const std::string& section) {
    return section.empty() ? QStringLiteral("general") : QString::fromStdString(section);
}

}  // namespace

ScenarioPanel::ScenarioPanel(QWidget* parent) : QWidget(parent) {
    buildForm();
    setScenarioText({}, {});
}

void ScenarioPanel::buildForm() {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_tabs = new QTabWidget;
    m_tabs->setUsesScrollButtons(true);
    layout->addWidget(m_tabs, 1);
    m_status = new QPlainTextEdit;
    m_status->setObjectName(QStringLiteral("scenarioStatus"));
    m_status->setReadOnly(true);
    m_status->setMaximumHeight(64);
    m_status->setPlaceholderText(tr("Scenario is valid."));
    layout->addWidget(m_status);

    std::map<std::string, QFormLayout*> forms;
    for (const OptionInfo& info : optionCatalog()) {
        QFormLayout*& form = forms[info.section];
        if (form == nullptr) {
            auto* page = new QWidget;
            form = new QFormLayout(page);
            form->setFieldGrowthPolicy(QFormLayout::ExpandingFieldsGrow);
            auto* scroll = new QScrollArea;
            scroll->setWidget(page);
            scroll->setWidgetResizable(true);
            m_tabs->addTab(scroll, sectionTitle(info.section));
        }
        Field field;
        field.info = info;
        const std::string_view key = std::string_view(info.name).substr(
            info.section.empty() ? 0 : info.section.size() + 1);
        field.label = new QLabel(QString::fromUtf8(key.data(), static_cast<qsizetype>(key.size())));
        const QString tip = QStringLiteral("<b>%1</b><br>%2<br><i>accepted:</i> %3<br>"
                                           "<i>default:</i> %4")
                                .arg(QString::fromStdString(info.name).toHtmlEscaped(),
                                     QString::fromStdString(info.help).toHtmlEscaped(),
                                     QString::fromStdString(info.accepted).toHtmlEscaped(),
                                     info.defaultText.empty()
                                         ? tr("(empty)")
                                         : QString::fromStdString(info.defaultText).toHtmlEscaped());
        field.label->setToolTip(tip);
        field.editor = makeEditor(field);
        field.editor->setToolTip(tip);
        field.editor->setObjectName(QString::fromStdString(info.name));
        field.message = new QLabel;
        field.message->setStyleSheet(QStringLiteral("color: #c0392b;"));
        field.message->setWordWrap(true);
        field.message->hide();
        auto* cell = new QWidget;
        auto* cellLayout = new QVBoxLayout(cell);
        cellLayout->setContentsMargins(0, 0, 0, 0);
        cellLayout->setSpacing(1);
        cellLayout->addWidget(field.editor);
        cellLayout->addWidget(field.message);
        form->addRow(field.label, cell);
        m_index[info.name] = m_fields.size();
        m_fields.push_back(field);
    }
    // The router's options are what people come to change; the root section holds only the seed.
    for (int tab = 0; tab < m_tabs->count(); ++tab)
        if (m_tabs->tabText(tab) == QLatin1String("router")) m_tabs->setCurrentIndex(tab);
}

QWidget* ScenarioPanel::makeEditor(Field& field) {
    const QStringList choices = fixedChoices(field.info.accepted);
    if (!choices.isEmpty()) {
        auto* combo = new QComboBox;
        combo->addItems(choices);
        connect(combo, &QComboBox::currentTextChanged, this, [this] { validate(); });
        return combo;
    }
    auto* edit = new QLineEdit;
    edit->setPlaceholderText(QString::fromStdString(field.info.accepted));
    edit->setClearButtonEnabled(false);
    connect(edit, &QLineEdit::textChanged, this, [this] { validate(); });
    return edit;
}

std::string ScenarioPanel::fieldText(const Field& field) const {
    if (const auto* combo = qobject_cast<const QComboBox*>(field.editor))
        return combo->currentText().toStdString();
    return static_cast<const QLineEdit*>(field.editor)->text().toStdString();
}

void ScenarioPanel::setFieldText(Field& field, const std::string& text) {
    const QString value = QString::fromStdString(text);
    if (auto* combo = qobject_cast<QComboBox*>(field.editor)) {
        // A value outside the set (from a hand-written file) is kept, to be shown as invalid.
        if (combo->findText(value) < 0) combo->addItem(value);
        combo->setCurrentText(value);
    } else {
        static_cast<QLineEdit*>(field.editor)->setText(value);
    }
}

void ScenarioPanel::setScenarioText(const QString& text, const QString& filePath) {
    const std::string ini = text.toStdString();
    std::map<std::string, std::string> entries = scenarioEntries(ini);
    m_loading = true;
    for (Field& field : m_fields) {
        const auto found = entries.find(field.info.name);
        setFieldText(field, found != entries.end() ? found->second : field.info.defaultText);
        if (found != entries.end()) entries.erase(found);
    }
    m_loading = false;
    m_fileNotes.clear();
    // What the form cannot hold (unknown keys, malformed lines) is only in the file's own issues.
    if (!entries.empty() || !text.isEmpty()) {
        const auto parsed = parseScenarioText(ini, filePath.toStdString(), {});
        if (!parsed) {
            for (const Issue& issue : parsed.error())
                if (issue.key.empty() || m_index.count(issue.key) == 0)
                    m_fileNotes << QString::fromStdString(issue.format());
        }
    }
    m_filePath = filePath;
    m_base.clear();
    for (const Field& field : m_fields) m_base[field.info.name] = fieldText(field);
    validate();
}

bool ScenarioPanel::openFile(const QString& path, QString* error) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly | QIODevice::Text)) {
        *error = tr("%1: cannot read: %2").arg(path, file.errorString());
        return false;
    }
    constexpr qint64 kMaxScenarioBytes = 1 << 20;
    if (file.size() > kMaxScenarioBytes) {
        *error = tr("%1: larger than 1 MiB; not a scenario file").arg(path);
        return false;
    }
    setScenarioText(QString::fromUtf8(file.readAll()), path);
    return true;
}

bool ScenarioPanel::saveFile(const QString& path, QString* error) {
    if (!m_config) {
        *error = tr("The scenario is not valid:\n%1").arg(m_issues.join(QLatin1Char('\n')));
        return false;
    }
    QSaveFile file(path);
    const QByteArray text = QByteArray::fromStdString(renderScenarioIni(*m_config));
    if (!file.open(QIODevice::WriteOnly) || file.write(text) != text.size() || !file.commit()) {
        *error = tr("%1: cannot write: %2").arg(path, file.errorString());
        return false;
    }
    m_filePath = path;
    for (const Field& field : m_fields) m_base[field.info.name] = fieldText(field);
    return true;
}

std::optional<ScenarioConfig> ScenarioPanel::config() const {
    return m_config;
}

QString ScenarioPanel::commandLine() const {
    std::vector<std::pair<std::string, std::string>> changed;
    for (const Field& field : m_fields) {
        const std::string text = fieldText(field);
        if (text != m_base.at(field.info.name)) changed.emplace_back(field.info.name, text);
    }
    return QString::fromStdString(runCommandLine(m_filePath.toStdString(), changed));
}

QString ScenarioPanel::changedText() const {
    QString text;
    std::string section;
    for (const Field& field : m_fields) {
        const std::string value = fieldText(field);
        if (value == field.info.defaultText) continue;
        if (field.info.section != section) {
            section = field.info.section;
            text += QStringLiteral("[%1]\n").arg(QString::fromStdString(section));
        }
        const std::string key = field.info.name.substr(section.empty() ? 0 : section.size() + 1);
        text += QStringLiteral("%1 = %2\n").arg(QString::fromStdString(key),
                                                QString::fromStdString(value));
    }
    return text;
}

QString ScenarioPanel::value(const QString& name) const {
    const auto found = m_index.find(name.toStdString());
    return found == m_index.end() ? QString()
                                  : QString::fromStdString(fieldText(m_fields[found->second]));
}

bool ScenarioPanel::setValue(const QString& name, const QString& value) {
    const auto found = m_index.find(name.toStdString());
    if (found == m_index.end()) return false;
    setFieldText(m_fields[found->second], value.toStdString());
    return true;
}

QString ScenarioPanel::fieldMessage(const QString& name) const {
    const auto found = m_index.find(name.toStdString());
    return found == m_index.end() ? QString() : m_fields[found->second].message->text();
}

QWidget* ScenarioPanel::editor(const QString& name) const {
    const auto found = m_index.find(name.toStdString());
    return found == m_index.end() ? nullptr : m_fields[found->second].editor;
}

void ScenarioPanel::setEditable(bool editable) {
    for (Field& field : m_fields) field.editor->setEnabled(editable);
}

void ScenarioPanel::validate() {
    if (m_loading) return;
    std::vector<std::string> overrides;
    overrides.reserve(m_fields.size());
    for (const Field& field : m_fields) overrides.push_back(field.info.name + "=" + fieldText(field));
    std::map<std::string, QStringList> byKey;
    m_issues = m_fileNotes;
    m_config.reset();
    const auto parsed = parseScenarioText({}, m_filePath.toStdString(), overrides);
    if (parsed) {
        m_config = *parsed;
    } else {
        for (const Issue& issue : parsed.error()) {
            const QString message = QString::fromStdString(issue.message);
            byKey[issue.key] << message;
            m_issues << (issue.key.empty() ? message
                                           : QString::fromStdString(issue.key) + QStringLiteral(": ") +
                                                 message);
        }
    }
    for (Field& field : m_fields) {
        const auto found = byKey.find(field.info.name);
        const bool bad = found != byKey.end();
        field.message->setText(bad ? found->second.join(QLatin1Char('\n')) : QString());
        field.message->setVisible(bad);
        QFont font = field.label->font();
        font.setBold(fieldText(field) != field.info.defaultText);
        field.label->setFont(font);
        field.editor->setStyleSheet(bad ? QStringLiteral("background: #fde2e1;") : QString());
    }
    for (int tab = 0; tab < m_tabs->count(); ++tab) {
        const QString title = m_tabs->tabText(tab).remove(QStringLiteral(" \u26a0"));
        bool bad = false;
        for (const Field& field : m_fields)
            if (sectionTitle(field.info.section) == title && byKey.count(field.info.name)) bad = true;
        m_tabs->setTabText(tab, bad ? title + QStringLiteral(" \u26a0") : title);
    }
    m_status->setPlainText(m_issues.join(QLatin1Char('\n')));
    emit scenarioChanged(m_config.has_value());
}

}  // namespace moe::gui
