#pragma once
// Terminal output helpers of the command-line tool: aligned tables, one-line errors.

#include "core/common/result.h"

#include <QtCore/QString>
#include <QtCore/QStringList>
#include <QtCore/QTextStream>

#include <functional>
#include <vector>

namespace fopro::cli {

QTextStream &out();
QTextStream &err();

/// Prints "fopro: error: <message>" on one line to stderr and returns `code` (for `return fail(...)`).
int fail(const QString &message, int code = 1);
/// fail(error.message(), code), keeping the error's code and file for the failure hook.
int fail(const Error &error, int code = 1);
/// Called with every failure reported through fail() while set (worker mode turns each into an
/// `error` event; a message without an Error becomes invalid-argument for code 2, else internal).
void setFailureHook(std::function<void(const Error &)> hook);

/// A plain text table: columns sized to their widest cell, numbers right-aligned.
class TextTable {
public:
    explicit TextTable(QStringList header) : m_header(std::move(header)) {}
    void addRow(QStringList cells) { m_rows.push_back(std::move(cells)); }
    void setRightAligned(int column) { m_right.push_back(column); }
    QString render(const QString &indent = QStringLiteral("  ")) const;

private:
    QStringList m_header;
    std::vector<QStringList> m_rows;
    std::vector<int> m_right;
};

QString percent(double fraction);

} // namespace fopro::cli
