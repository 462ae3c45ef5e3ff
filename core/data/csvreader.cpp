#include "core/data/csvreader.h"

#include <QtCore/QFile>
#include <QtCore/QStringDecoder>

#include <functional>

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

/// The RFC 4180 state machine, fed text in pieces of any size (a quote or a CR at the end of one
/// piece is settled by the first character of the next), handing out each record as it ends.
class CsvParser {
public:
    using Sink = std::function<bool(QStringList &&record, int line)>;
    CsvParser(QChar separator, Sink sink) : m_sep(separator), m_sink(std::move(sink)) {}

    /// False when the sink asked to stop.
    bool feed(QStringView text)
    {
        for (const QChar c : text)
            if (!step(c)) return false;
        return true;
    }

    /// Ends the input; false when a quoted field is never closed or the sink asked to stop.
    bool finish(bool *unclosedQuote)
    {
        if (m_quotePending) {
            m_quotePending = false;
            m_inQuotes = false;
        }
        *unclosedQuote = m_inQuotes;
        if (m_inQuotes) return false;
        if (m_fieldStarted || !m_field.isEmpty() || !m_record.isEmpty()) return endRecord();
        return true;
    }

private:
    bool step(QChar c)
    {
        if (m_crPending) { // CR of CRLF: the LF is part of the same line end
            m_crPending = false;
            if (c == QLatin1Char('\n')) return true;
        }
        if (m_quotePending) { // a quote inside quotes: doubled ("") or the closing one
            m_quotePending = false;
            if (c == QLatin1Char('"')) {
                m_field += c;
                return true;
            }
            m_inQuotes = false; // c is read outside the quotes below
        }
        if (m_inQuotes) {
            if (c == QLatin1Char('"')) {
                m_quotePending = true;
            } else {
                if (c == QLatin1Char('\n')) ++m_line;
                if (c != QLatin1Char('\r')) m_field += c;
            }
            return true;
        }
        if (c == QLatin1Char('"') && m_field.trimmed().isEmpty()) {
            m_inQuotes = m_wasQuoted = true;
            m_field.clear();
            m_fieldStarted = true;
        } else if (c == m_sep) {
            endField();
        } else if (c == QLatin1Char('\r') || c == QLatin1Char('\n')) {
            // CR, LF or CRLF ends the record.
            const bool go = endRecord();
            m_crPending = c == QLatin1Char('\r');
            m_recordLine = ++m_line;
            return go;
        } else {
            m_field += c;
            m_fieldStarted = true;
        }
        return true;
    }

    void endField()
    {
        m_record.append(m_wasQuoted ? m_field : m_field.trimmed());
        m_field.clear();
        m_fieldStarted = m_wasQuoted = false;
    }

    bool endRecord()
    {
        endField();
        QStringList record;
        record.swap(m_record);
        // A line with nothing on it is not a record.
        if (record.size() == 1 && record.front().isEmpty()) return true;
        return m_sink(std::move(record), m_recordLine);
    }

    QChar m_sep;
    Sink m_sink;
    QStringList m_record;
    QString m_field;
    bool m_inQuotes = false, m_fieldStarted = false, m_wasQuoted = false;
    bool m_quotePending = false, m_crPending = false;
    int m_line = 1, m_recordLine = 1;
};

/// Header first (trimmed), then each data row padded to the header's width.
CsvParser::Sink tableSink(CsvTable *table)
{
    return [table](QStringList &&record, int line) {
        if (table->header.isEmpty()) {
            table->header = std::move(record);
            for (QString &h : table->header)
                h = h.trimmed();
            return true;
        }
        while (record.size() < table->header.size())
            record.append(QString());
        table->rows.push_back(std::move(record));
        table->lines.push_back(line);
        return true;
    };
}

} // namespace

CsvTable parseCsv(const QByteArray &bytes, QChar separator)
{
    CsvTable t;
    QByteArray b = bytes;
    if (b.startsWith("\xEF\xBB\xBF")) b.remove(0, 3);
    CsvParser parser(separator, tableSink(&t));
    bool unclosed = false;
    parser.feed(QString::fromUtf8(b));
    parser.finish(&unclosed);
    return t;
}

Result<void> readCsvRows(const QString &file, const std::function<bool(const QStringList &header)> &onHeader,
                         const std::function<bool(QStringList &row, int line)> &onRow, QChar separator)
{
    QFile f(file);
    if (!f.exists()) return makeError(ErrorCode::NotFound, file, QStringLiteral("file does not exist"));
    if (!f.open(QIODevice::ReadOnly)) return makeError(ErrorCode::Unreadable, file, f.errorString());
    QStringList header;
    CsvParser parser(separator, [&](QStringList &&record, int line) {
        if (header.isEmpty()) {
            header = std::move(record);
            for (QString &h : header)
                h = h.trimmed();
            if (header.size() == 1 && header.front().isEmpty()) header.clear();
            if (header.isEmpty()) return true;
            return onHeader(header);
        }
        while (record.size() < header.size())
            record.append(QString());
        return onRow(record, line);
    });
    // 1 MiB at a time, decoded incrementally (a UTF-8 sequence may straddle two pieces).
    QStringDecoder decode(QStringDecoder::Utf8);
    bool first = true;
    while (!f.atEnd()) {
        QByteArray piece = f.read(1 << 20);
        if (piece.isEmpty() && f.error() != QFileDevice::NoError)
            return makeError(ErrorCode::Unreadable, file, f.errorString());
        if (first && piece.startsWith("\xEF\xBB\xBF")) piece.remove(0, 3);
        first = false;
        const QString text = decode(piece);
        if (!parser.feed(text)) return {};
    }
    if (!parser.feed(QString(decode(QByteArray())))) return {};
    bool unclosed = false;
    if (!parser.finish(&unclosed)) {
        if (unclosed) return makeError(ErrorCode::Malformed, file, QStringLiteral("a quoted field is never closed"));
        return {};
    }
    if (header.isEmpty())
        return makeError(ErrorCode::Malformed, file, QStringLiteral("the file is empty (no header row)"));
    return {};
}

Result<CsvTable> readCsv(const QString &file, QChar separator)
{
    CsvTable t;
    t.file = file;
    auto r = readCsvRows(
        file,
        [&t](const QStringList &header) {
            t.header = header;
            return true;
        },
        [&t](QStringList &row, int line) {
            t.rows.push_back(std::move(row));
            t.lines.push_back(line);
            return true;
        },
        separator);
    if (!r) return r.error();
    return t;
}

} // namespace fopro::data
