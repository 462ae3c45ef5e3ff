#pragma once
// File input and output every module shares: atomic writes (write to a temporary file beside the
// target, then rename, so a crash never leaves a half-written file the user cares about), CSV
// quoting, and JSON reading whose errors name the file and the reason.

#include "core/common/result.h"

#include <QtCore/QByteArray>
#include <QtCore/QJsonArray>
#include <QtCore/QJsonObject>
#include <QtCore/QString>
#include <QtCore/QStringList>

namespace fopro::fileio {

/// Writes `bytes` to `path` atomically (QSaveFile); creates missing parent folders.
Result<void> writeAtomically(const QString &path, const QByteArray &bytes);

/// Writes a JSON object (indented) atomically.
Result<void> writeJson(const QString &path, const QJsonObject &object);

/// Reads a file completely; errors: NotFound, Unreadable.
Result<QByteArray> readAll(const QString &path);

/// Reads a file holding one JSON object; errors name the file and the reason (missing, unreadable,
/// parse error with its byte offset, not an object).
Result<QJsonObject> readJsonObject(const QString &path);

/// Parses bytes as one JSON object; `file` names the source in the error.
Result<QJsonObject> parseJsonObject(const QByteArray &bytes, const QString &file);

/// One CSV field (RFC 4180): quoted when it holds a comma, a quote, CR or LF or leading/trailing
/// spaces; quotes doubled.
QString csvField(const QString &text);

/// A CSV line of fields, each quoted as needed, ending in "\n".
QString csvRow(const QStringList &fields);

/// A number for CSV and text files: shortest round-tripping form for finite values, "nan",
/// "inf" or "-inf" otherwise.
QString csvNumber(double value, int precision = -128 /* QLocale::FloatingPointShortest */);

} // namespace fopro::fileio
