#pragma once
// A small RFC 4180 CSV reader: UTF-8 with or without BOM, LF or CRLF line ends, quoted fields with
// commas, doubled quotes and line breaks inside. Written by hand because neither Qt nor OpenCV
// ships one; it is a few dozen lines and fully tested.

#include "core/common/result.h"

#include <QtCore/QStringList>

#include <functional>
#include <vector>

namespace fopro::data {

struct CsvTable {
    QString file;
    QStringList header;            // first row, trimmed
    std::vector<QStringList> rows; // data rows (short rows padded with empty fields)
    std::vector<int> lines;        // 1-based line number where each row starts

    /// Index of the column named `name` (case-insensitive, surrounding spaces ignored), or -1.
    int column(const QString &name) const;
    /// The header joined for error messages: "a, b, c".
    QString columnList() const;
};

/// Parses CSV text (already decoded or raw UTF-8 bytes).
CsvTable parseCsv(const QByteArray &bytes, QChar separator = QLatin1Char(','));
/// Reads and parses a file; fails on missing/unreadable/empty files, or inconsistent quoting.
Result<CsvTable> readCsv(const QString &file, QChar separator = QLatin1Char(','));
/// Streams a file: reads 1 MiB at a time and hands out the header (trimmed) and then each data row
/// (padded to the header's width, with the line it starts on) as it is parsed, so that memory does
/// not grow with the file. A callback returning false stops the reading (a success). Errors as
/// readCsv's; an unclosed quote is found only at the end, after the rows before it were handed out.
Result<void> readCsvRows(const QString &file, const std::function<bool(const QStringList &header)> &onHeader,
                         const std::function<bool(QStringList &row, int line)> &onRow,
                         QChar separator = QLatin1Char(','));

} // namespace fopro::data
