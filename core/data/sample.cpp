#include "core/data/sample.h"

namespace fopro::data {

QString splitName(Split split)
{
    switch (split) {
    case Split::Train:
        return QStringLiteral("train");
    case Split::Val:
        return QStringLiteral("val");
    case Split::Test:
        return QStringLiteral("test");
    case Split::None:
        break;
    }
    return QStringLiteral("none");
}

bool parseSplit(const QString &text, Split *split)
{
    const QString t = text.trimmed().toLower();
    if (t == QLatin1String("train") || t == QLatin1String("training"))
        *split = Split::Train;
    else if (t == QLatin1String("val") || t == QLatin1String("valid") || t == QLatin1String("validation"))
        *split = Split::Val;
    else if (t == QLatin1String("test") || t == QLatin1String("testing"))
        *split = Split::Test;
    else if (t.isEmpty() || t == QLatin1String("none"))
        *split = Split::None;
    else
        return false;
    return true;
}

QString sourceKindName(SourceKind kind)
{
    switch (kind) {
    case SourceKind::IdxEntry:
        return QStringLiteral("idx");
    case SourceKind::DicomFrame:
        return QStringLiteral("dicom");
    case SourceKind::File:
        break;
    }
    return QStringLiteral("file");
}

bool parseSourceKind(const QString &text, SourceKind *kind)
{
    if (text == QLatin1String("file") || text.isEmpty())
        *kind = SourceKind::File;
    else if (text == QLatin1String("idx"))
        *kind = SourceKind::IdxEntry;
    else if (text == QLatin1String("dicom"))
        *kind = SourceKind::DicomFrame;
    else
        return false;
    return true;
}

QString Sample::id() const
{
    if (kind == SourceKind::File) return path;
    return path + QLatin1Char('#') + QString::number(entry);
}

} // namespace fopro::data
