#pragma once
// Messages the libraries print on their own (libpng's "iCCP: known incorrect sRGB profile",
// libjpeg's "Corrupt JPEG data: ...", LibTorch's and OpenCV's warnings, Qt's qWarning) are not the
// tool's output: printed straight onto the standard error stream they land between a command's own
// lines. routeLibraryMessages() moves them aside: file descriptor 2, where the libraries write
// (through the C `stderr` stream, std::cerr or write(2)), is redirected into a pipe whose lines a
// background thread appends to a log file (and, when `echo` is set, copies to the terminal prefixed
// "fopro: library: "), while the tool writes its own messages to userErrorStream(), a stream on the
// original standard error. Unix with glibc only (elsewhere it does nothing).
//
// Hand-written because no library offers it: libpng and libjpeg print through their default
// handlers, which OpenCV installs for every decoder and does not expose.

#include <QtCore/QString>

#include <cstdio>

namespace fopro {

/// The log file the library messages go to: $FOPRO_LOG when set, else
/// $XDG_STATE_HOME/fopro/fopro.log (~/.local/state/fopro/fopro.log).
QString libraryLogFile();

/// Call once, early in main(), before any thread starts. `program` prefixes each log line. Returns
/// false (and changes nothing) when the pipe or the thread cannot be set up. At exit the pending
/// lines are written out; a crash may lose the last ones, so fatal messages of the C++ runtime
/// (an exception that escapes) are written to the original standard error directly.
bool routeLibraryMessages(const QString &program, bool echo);

/// The original standard error's file descriptor (2 unless the messages are routed): for code that
/// must write to the user with write(2), e.g. in a signal handler.
int userErrorFd();

/// The stream for the tool's own messages to the user (errors, progress): the original standard
/// error once the messages are routed, else `stderr`. Unbuffered, like `stderr`.
FILE *userErrorStream();

} // namespace fopro
