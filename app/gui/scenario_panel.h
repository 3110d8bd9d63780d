// SPDX-License-Identifier: MIT
#pragma once

#include "app/gui/scenario_config_qt.h"  // first: see there
#include "core/config/options.h"

#include <QString>
#include <QStringList>
#include <QWidget>

#include <map>
#include <optional>
#include <string>
#include <vector>

class QLabel;
class QTabWidget;
class QPlainTextEdit;

namespace moe::gui {

/// The scenario form, built from the option table (optionCatalog()): one tab per section, one
/// field per option with the table's default and help (tooltip), a combo box for options with a
/// fixed set of values and a line edit for the rest. Every edit validates the whole scenario as
/// `moelab run` would (parseScenarioText, which runs validateScenario); each problem is shown
/// under its field and all of them in the status area below the tabs.
class ScenarioPanel : public QWidget {
    Q_OBJECT
public:
    explicit ScenarioPanel(QWidget* parent = nullptr);

    /// Sets every field from scenario INI text (options it does not set get their defaults) and
    /// makes these values the base of commandLine(). `filePath` names the file for the command
    /// line (empty: none). Entries the table does not know are listed in the status area.
    void setScenarioText(const QString& text, const QString& filePath);
    /// Reads a scenario file into the form; false with `error` set if it cannot be read.
    bool openFile(const QString& path, QString* error);
    /// Writes the scenario (renderScenarioIni: every option, defaults included); false with
    /// `error` set if the scenario is invalid or the file cannot be written.
    bool saveFile(const QString& path, QString* error);

    /// The validated scenario, or nullopt while any field is invalid.
    std::optional<ScenarioConfig> config() const;
    /// Every problem of the current values, formatted ("router.k: ..."); empty when valid.
    QStringList issues() const { return m_issues; }
    /// "moelab run FILE --section.key=value ..." for the values that differ from the file (or,
    /// without one, from the defaults).
    QString commandLine() const;
    /// `name = value` lines of the options that differ from their defaults, as a scenario.
    QString changedText() const;
    QString filePath() const { return m_filePath; }

    /// The text of one option's field ("router.k"); empty for an unknown name.
    QString value(const QString& name) const;
    /// Sets one option's field as if typed; false for an unknown name.
    bool setValue(const QString& name, const QString& value);
    /// The problem shown under one option's field; empty if none.
    QString fieldMessage(const QString& name) const;
    QWidget* editor(const QString& name) const;

    /// Disables editing (while a run uses the scenario).
    void setEditable(bool editable);

signals:
    /// After every change of a field, once the scenario has been validated.
    void scenarioChanged(bool valid);

private:
    struct Field {
        OptionInfo info;
        QWidget* editor = nullptr;  ///< QComboBox or QLineEdit
        QLabel* label = nullptr;
        QLabel* message = nullptr;
    };

    void buildForm();
    QWidget* makeEditor(Field& field);
    std::string fieldText(const Field& field) const;
    void setFieldText(Field& field, const std::string& text);
    void validate();

    QTabWidget* m_tabs = nullptr;
    QPlainTextEdit* m_status = nullptr;
    std::vector<Field> m_fields;
    std::map<std::string, size_t> m_index;       ///< option name -> m_fields entry
    std::map<std::string, std::string> m_base;   ///< values commandLine() compares with
    QString m_filePath;
    QStringList m_fileNotes;  ///< problems of the loaded file the form cannot show per field
    QStringList m_issues;
    std::optional<ScenarioConfig> m_config;
    bool m_loading = false;
};

}  // namespace moe::gui
