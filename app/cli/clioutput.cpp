#include "app/cli/clioutput.h"
#include "core/common/librarymessages.h"

#include <QtCore/QCoreApplication>

#include <algorithm>
#include <cstdio>

namespace fopro::cli {

QTextStream &out()
{
    static QTextStream s(stdout);
    return s;
}

QTextStream &err()
{
    static QTextStream s(fopro::userErrorStream());
    return s;
}

namespace {

std::function<void(const Error &)> &failureHook()
{
    static std::function<void(const Error &)> hook;
    return hook;
}

int report(const QString &message, const Error &error, int code)
{
    out().flush();
    QString oneLine = message;
    oneLine.replace(QLatin1Char('\n'), QLatin1Char(' '));
    err() << "fopro: error: " << oneLine << Qt::endl;
    if (failureHook()) failureHook()(error);
    return code;
}

} // namespace

int fail(const QString &message, int code)
{
    return report(message,
                  makeError(code == 2 ? ErrorCode::InvalidArgument : ErrorCode::Internal, {}, message.simplified()),
                  code);
}

int fail(const Error &error, int code)
{
    return report(error.message(), error, code);
}

void setFailureHook(std::function<void(const Error &)> hook)
{
    failureHook() = std::move(hook);
}

QString TextTable::render(const QString &indent) const
{
    std::vector<int> width(std::size_t(m_header.size()), 0);
    auto measure = [&](const QStringList &row) {
        for (int c = 0; c < row.size() && c < int(width.size()); ++c)
            width[std::size_t(c)] = std::max(width[std::size_t(c)], int(row[c].size()));
    };
    measure(m_header);
    for (const QStringList &r : m_rows)
        measure(r);
    auto line = [&](const QStringList &row) {
        QString s = indent;
        for (int c = 0; c < int(width.size()); ++c) {
            const QString cell = c < row.size() ? row[c] : QString();
            const bool right = std::find(m_right.begin(), m_right.end(), c) != m_right.end();
            s += right ? cell.rightJustified(width[std::size_t(c)]) : cell.leftJustified(width[std::size_t(c)]);
            if (c + 1 < int(width.size())) s += QStringLiteral("  ");
        }
        while (s.endsWith(QLatin1Char(' ')))
            s.chop(1);
        return s + QLatin1Char('\n');
    };
    QString text = line(m_header);
    QStringList rule;
    for (int w : width)
        rule << QString(w, QLatin1Char('-'));
    text += line(rule);
    for (const QStringList &r : m_rows)
        text += line(r);
    return text;
}

QString percent(double fraction)
{
    return QString::number(100.0 * fraction, 'f', 1) + QLatin1Char('%');
}

} // namespace fopro::cli
