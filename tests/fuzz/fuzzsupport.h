#pragma once
// Shared by the fuzz targets (tests/fuzz/fuzz_*.cpp): a scratch folder made once per process for
// the parsers that read files, writing the input into it, and silence for Qt's warnings (a fuzz
// run would print millions of them).

#include <QtCore/QByteArray>
#include <QtCore/QDir>
#include <QtCore/QFile>
#include <QtCore/QString>
#include <QtCore/QTemporaryDir>
#include <QtCore/QtGlobal>

#include <cstddef>
#include <cstdint>
#include <cstdlib>

namespace fopro::fuzz {

inline QByteArray bytesOf(const uint8_t *data, size_t size)
{
    return QByteArray(reinterpret_cast<const char *>(data), qsizetype(size));
}

/// Mutes Qt's messages; FOPRO_FUZZ_VERBOSE=1 keeps them (useful when reproducing a crash).
inline void quietQt()
{
    if (!qEnvironmentVariableIsSet("FOPRO_FUZZ_VERBOSE"))
        qInstallMessageHandler([](QtMsgType, const QMessageLogContext &, const QString &) {});
}

/// A folder of this process under the temporary directory, removed at exit.
inline QDir scratch()
{
    static QTemporaryDir dir(QDir::tempPath() + QStringLiteral("/fopro-fuzz-XXXXXX"));
    if (!dir.isValid()) std::abort();
    return QDir(dir.path());
}

/// <scratch>/<sub>, created on first use.
inline QDir scratchFolder(const QString &sub)
{
    QDir d = scratch();
    if (!d.exists(sub) && !d.mkpath(sub)) std::abort();
    return QDir(d.filePath(sub));
}

/// Replaces `path` with `bytes`.
inline void writeFile(const QString &path, const QByteArray &bytes)
{
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate)) std::abort();
    if (f.write(bytes) != bytes.size()) std::abort();
}

} // namespace fopro::fuzz
