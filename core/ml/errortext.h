#pragma once
// Small text helpers shared by the torch translation units of core/ml (no torch here).

#include <QtCore/QString>

#include <exception>
#include <string>

namespace fopro::ml::detail {

inline QString qs(const std::string &s)
{
    return QString::fromStdString(s);
}

/// The first non-empty line of an exception's message (TorchScript's start with a line break).
inline std::string firstLine(const std::exception &e)
{
    const std::string what = e.what();
    const auto begin = what.find_first_not_of(" \t\r\n");
    if (begin == std::string::npos) return {};
    return what.substr(begin, what.find('\n', begin) - begin);
}

} // namespace fopro::ml::detail
