#include "app/cli/cliargs.h"

#include "app/cli/clioutput.h"

namespace fopro::cli {

int parseArgs(QCommandLineParser &parser, const QStringList &args, const QString &command, int minPositionals,
              int maxPositionals)
{
    parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    const QCommandLineOption help({QStringLiteral("h"), QStringLiteral("help")}, QStringLiteral("Show this help."));
    parser.addOption(help);
    if (!parser.parse(QStringList{QStringLiteral("fopro ") + command} + args))
        return fail(parser.errorText() + QStringLiteral(" (see 'fopro %1 --help')").arg(command), 2);
    if (parser.isSet(help)) {
        // Qt names the executable's path in the usage line; people type "fopro <command>".
        QString text = parser.helpText();
        const int options = int(text.indexOf(QLatin1String(" [options]")));
        if (text.startsWith(QLatin1String("Usage: ")) && options > 0 && options < text.indexOf(QLatin1Char('\n')))
            text.replace(7, options - 7, QStringLiteral("fopro ") + command);
        out() << text;
        return 0;
    }
    const int n = int(parser.positionalArguments().size());
    if (n < minPositionals || (maxPositionals >= 0 && n > maxPositionals)) {
        const QString expected = minPositionals == maxPositionals ? QString::number(minPositionals)
                                 : maxPositionals < 0
                                     ? QStringLiteral("at least %1").arg(minPositionals)
                                     : QStringLiteral("%1 to %2").arg(minPositionals).arg(maxPositionals);
        return fail(
            QStringLiteral("expected %1 argument(s), got %2 (see 'fopro %3 --help')").arg(expected).arg(n).arg(command),
            2);
    }
    return -1;
}

bool readInt(const QCommandLineParser &p, const QString &name, int def, int min, int *value)
{
    if (!p.isSet(name)) {
        *value = def;
        return true;
    }
    bool ok = false;
    *value = p.value(name).toInt(&ok);
    if (!ok || *value < min) {
        fail(QStringLiteral("--%1 expects a whole number >= %2, got '%3'").arg(name).arg(min).arg(p.value(name)), 2);
        return false;
    }
    return true;
}

bool readDouble(const QCommandLineParser &p, const QString &name, double def, double min, double max, double *value)
{
    if (!p.isSet(name)) {
        *value = def;
        return true;
    }
    bool ok = false;
    *value = p.value(name).toDouble(&ok);
    if (!ok || *value < min || *value > max) {
        fail(QStringLiteral("--%1 expects a number from %2 to %3, got '%4'")
                 .arg(name)
                 .arg(min)
                 .arg(max)
                 .arg(p.value(name)),
             2);
        return false;
    }
    return true;
}

bool readChoice(const QCommandLineParser &p, const QString &name, const QStringList &choices, const QString &def,
                QString *value)
{
    if (!p.isSet(name)) {
        *value = def;
        return true;
    }
    *value = p.value(name);
    if (!choices.contains(*value)) {
        fail(QStringLiteral("--%1: unknown value '%2' (expected one of %3)")
                 .arg(name, *value, choices.join(QStringLiteral(", "))),
             2);
        return false;
    }
    return true;
}

} // namespace fopro::cli
