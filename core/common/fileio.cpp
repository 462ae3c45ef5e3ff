#include "core/common/fileio.h"

#include <QtCore/QDir>
#include <QtCore/QFile>
#include <QtCore/QFileInfo>
#include <QtCore/QJsonDocument>
#include <QtCore/QSaveFile>

#include <cmath>

namespace fopro::fileio {

Result<void> writeAtomically(const QString &path, const QByteArray &bytes)
{
    const QFileInfo info(path);
    if (!QDir().mkpath(info.absolutePath()))
        return makeError(ErrorCode::WriteFailed, path,
                         QStringLiteral("cannot create the folder %1").arg(info.absolutePath()));
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly))
        return makeError(ErrorCode::WriteFailed, path,
                         QStringLiteral("cannot open for writing: %1").arg(f.errorString()));
    // flush() before commit(): Qt 6.4's commit() closes the file without reporting a failed flush
    // of its write buffer, so a full disk would leave a truncated file behind a "success".
    if (f.write(bytes) != bytes.size() || !f.flush()) {
        const QString reason = f.errorString();
        f.cancelWriting();
        return makeError(ErrorCode::WriteFailed, path, QStringLiteral("write failed: %1").arg(reason));
    }
    if (!f.commit())
        return makeError(ErrorCode::WriteFailed, path,
                         QStringLiteral("cannot finish writing: %1").arg(f.errorString()));
    return {};
}

Result<void> writeJson(const QString &path, const QJsonObject &object)
{
    return writeAtomically(path, QJsonDocument(object).toJson(QJsonDocument::Indented));
}

Result<QByteArray> readAll(const QString &path)
{
    QFile f(path);
    if (!f.exists()) return makeError(ErrorCode::NotFound, path, QStringLiteral("file not found"));
    if (!f.open(QIODevice::ReadOnly))
        return makeError(ErrorCode::Unreadable, path, QStringLiteral("cannot open: %1").arg(f.errorString()));
    return f.readAll();
}

Result<QJsonObject> parseJsonObject(const QByteArray &bytes, const QString &file)
{
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(bytes, &pe);
    if (pe.error != QJsonParseError::NoError)
        return makeError(ErrorCode::Malformed, file,
                         QStringLiteral("not valid JSON (%1 at byte %2)").arg(pe.errorString()).arg(pe.offset));
    if (!doc.isObject()) return makeError(ErrorCode::Malformed, file, QStringLiteral("the JSON is not an object"));
    return doc.object();
}

Result<QJsonObject> readJsonObject(const QString &path)
{
    auto bytes = readAll(path);
    if (!bytes) return bytes.error();
    return parseJsonObject(*bytes, path);
}

QString csvField(const QString &text)
{
    const bool quote = text.contains(QLatin1Char(',')) || text.contains(QLatin1Char('"')) ||
                       text.contains(QLatin1Char('\n')) || text.contains(QLatin1Char('\r')) ||
                       (!text.isEmpty() && (text.front().isSpace() || text.back().isSpace()));
    if (!quote) return text;
    QString out = text;
    out.replace(QLatin1Char('"'), QStringLiteral("\"\""));
    return QLatin1Char('"') + out + QLatin1Char('"');
}

QString csvRow(const QStringList &fields)
{
    QString line;
    for (int i = 0; i < fields.size(); ++i) {
        if (i) line += QLatin1Char(',');
        line += csvField(fields[i]);
    }
    return line + QLatin1Char('\n');
}

QString csvNumber(double value, int precision)
{
    if (std::isnan(value)) return QStringLiteral("nan");
    if (std::isinf(value)) return value > 0 ? QStringLiteral("inf") : QStringLiteral("-inf");
    return QString::number(value, 'g', precision);
}

} // namespace fopro::fileio
