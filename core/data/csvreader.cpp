#include "core/data/csvreader.h"

#include <QtCore/QFile>

namespace fopro::data {

int CsvTable::column(const QString &name) const
{
    for (int i = 0; i < header.size(); ++i)
        if (header[i].compare(name.trimmed(), Qt::CaseInsensitive) == 0) return i;
    return -1;
}

QString CsvTable::columnList() const
{
    return header.join(QStringLiteral(", "));
}

namespace {
bool parseInto(const QString &text, QChar sep, CsvTable *table)
{
    std::vector<QStringList> records;
    std::vector<int> lines;
    QStringList record;
    QString field;
    bool inQuotes = false, fieldStarted = false, wasQuoted = false;
    int line = 1, recordLine = 1;
    const int n = int(text.size());
    auto endField = [&] {
        record.append(wasQuoted ? field : field.trimmed());
        field.clear();
        fieldStarted = wasQuoted = false;
    };
    auto endRecord = [&] {
        endField();
        // A line with nothing on it is not a record.
        if (!(record.size() == 1 && record.front().isEmpty())) {
            records.push_back(record);
            lines.push_back(recordLine);
        }
        record.clear();
    };
    for (int i = 0; i < n; ++i) {
        const QChar c = text[i];
        if (inQuotes) {
            if (c == QLatin1Char('"')) {
                if (i + 1 < n && text[i + 1] == QLatin1Char('"')) {
                    field += c;
                    ++i;
                } else
                    inQuotes = false;
            } else {
                if (c == QLatin1Char('\n')) ++line;
                if (c != QLatin1Char('\r')) field += c;
            }
            continue;
        }
        if (c == QLatin1Char('"') && field.trimmed().isEmpty()) {
            inQuotes = wasQuoted = true;
            field.clear();
            fieldStarted = true;
        } else if (c == sep) {
            endField();
        } else if (c == QLatin1Char('\r')) {
            // CR of CRLF (or a lone CR) ends the record; a following LF is skipped.
            endRecord();
            if (i + 1 < n && text[i + 1] == QLatin1Char('\n')) ++i;
            recordLine = ++line;
        } else if (c == QLatin1Char('\n')) {
            endRecord();
            recordLine = ++line;
        } else {
            field += c;
            fieldStarted = true;
        }
    }
    if (inQuotes) return false;
    if (fieldStarted || !field.isEmpty() || !record.isEmpty()) endRecord();
    if (records.empty()) return true;
    table->header = records.front();
    for (QString &h : table->header)
        h = h.trimmed();
    for (std::size_t r = 1; r < records.size(); ++r) {
        QStringList row = records[r];
        while (row.size() < table->header.size())
            row.append(QString());
        table->rows.push_back(row);
        table->lines.push_back(lines[r]);
    }
    return true;
}
} // namespace

CsvTable parseCsv(const QByteArray &bytes, QChar separator)
{
    CsvTable t;
    QByteArray b = bytes;
    if (b.startsWith("\xEF\xBB\xBF")) b.remove(0, 3);
    parseInto(QString::fromUtf8(b), separator, &t);
    return t;
}

Result<CsvTable> readCsv(const QString &file, QChar separator)
{
    QFile f(file);
    if (!f.exists()) return makeError(ErrorCode::NotFound, file, QStringLiteral("file does not exist"));
    if (!f.open(QIODevice::ReadOnly)) return makeError(ErrorCode::Unreadable, file, f.errorString());
    QByteArray bytes = f.readAll();
    if (bytes.startsWith("\xEF\xBB\xBF")) bytes.remove(0, 3);
    CsvTable t;
    t.file = file;
    if (!parseInto(QString::fromUtf8(bytes), separator, &t))
        return makeError(ErrorCode::Malformed, file, QStringLiteral("a quoted field is never closed"));
    if (t.header.isEmpty() || (t.header.size() == 1 && t.header.front().isEmpty()))
        return makeError(ErrorCode::Malformed, file, QStringLiteral("the file is empty (no header row)"));
    return t;
}

} // namespace fopro::data
