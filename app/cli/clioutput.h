#pragma once
// Terminal output helpers of the command-line tool: aligned tables, one-line errors.

#include <QtCore/QString>
#include <QtCore/QStringList>
#include <QtCore/QTextStream>

#include <vector>

namespace fopro::cli {

QTextStream &out();
QTextStream &err();

/// Prints "fopro: error: <message>" on one line to stderr and returns `code` (for `return fail(...)`).
int fail(const QString &message, int code = 1);

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
