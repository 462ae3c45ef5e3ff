#pragma once
// Expected failures travel as values: Result<T> holds either a T or an Error naming the file and the
// reason. Core code never words messages for people beyond a plain English detail; the UI and CLI
// decide how to present them.

#include <QtCore/QString>

#include <optional>
#include <utility>

namespace fopro {

enum class ErrorCode {
    None,
    NotFound,        // a file or folder that should exist does not
    Unreadable,      // exists but cannot be opened or read
    Malformed,       // content does not follow its format (bad CSV, truncated IDX/DICOM, ...)
    Unsupported,     // valid, but a variant this product cannot handle (JPEG 2000, RT objects, ...)
    Ambiguous,       // more than one interpretation (e.g. two candidate label columns)
    InvalidArgument, // a caller's option is out of range
    WriteFailed,     // could not write an output file
    Cancelled,       // the user stopped the work
    Internal,        // an unexpected failure inside the work (an exception caught by the job layer)
};

struct Error {
    ErrorCode code = ErrorCode::None;
    QString file;   // the file the error is about, empty when none
    QString detail; // the reason, in plain English

    /// "file: detail", or just the detail when no file is involved.
    QString message() const { return file.isEmpty() ? detail : file + QStringLiteral(": ") + detail; }
};

inline Error makeError(ErrorCode code, const QString &file, const QString &detail)
{
    return Error{code, file, detail};
}

template <typename T> class Result {
public:
    Result(T value) : m_value(std::move(value)) {}
    Result(Error error) : m_error(std::move(error)) {}

    bool ok() const { return m_value.has_value(); }
    explicit operator bool() const { return ok(); }
    const Error &error() const { return m_error; }

    T &value() & { return *m_value; }
    const T &value() const & { return *m_value; }
    T &&value() && { return std::move(*m_value); }
    T *operator->() { return &*m_value; }
    const T *operator->() const { return &*m_value; }
    T &operator*() { return *m_value; }
    const T &operator*() const { return *m_value; }

private:
    std::optional<T> m_value;
    Error m_error;
};

template <> class Result<void> {
public:
    Result() = default;
    Result(Error error) : m_error(std::move(error)), m_ok(false) {}
    bool ok() const { return m_ok; }
    explicit operator bool() const { return m_ok; }
    const Error &error() const { return m_error; }

private:
    Error m_error;
    bool m_ok = true;
};

} // namespace fopro
