#pragma once
// Argument parsing shared by the commands: QCommandLineParser with --help on every command, and
// number options checked with a one-line usage error (exit code 2) that names the option.

#include <QtCore/QCommandLineParser>
#include <QtCore/QStringList>

namespace fopro::cli {

/// Adds -h/--help, parses `args` and checks the number of positional arguments (from
/// `minPositionals` to `maxPositionals`; < 0 = no upper limit). Returns -1 to go on, or the exit
/// code: 0 when the help was printed, 2 for a usage error (already reported).
int parseArgs(QCommandLineParser &parser, const QStringList &args, const QString &command, int minPositionals,
              int maxPositionals);
inline int parseArgs(QCommandLineParser &parser, const QStringList &args, const QString &command, int positionals)
{
    return parseArgs(parser, args, command, positionals, positionals);
}

/// The value of --name as a whole number >= min (`def` when the option is absent). false after
/// reporting a usage error.
bool readInt(const QCommandLineParser &p, const QString &name, int def, int min, int *value);
/// The value of --name as a number in [min, max] (`def` when absent). false after reporting.
bool readDouble(const QCommandLineParser &p, const QString &name, double def, double min, double max, double *value);
/// The value of --name, which must be one of `choices` (`def` when absent). false after reporting.
bool readChoice(const QCommandLineParser &p, const QString &name, const QStringList &choices, const QString &def,
                QString *value);

} // namespace fopro::cli
