#include "core/data/importhelpers.h"

#include "core/data/imageloader.h"

#include <QtCore/QDir>
#include <QtCore/QDirIterator>
#include <QtCore/QFile>
#include <QtCore/QFileInfo>

#include <algorithm>

#include <ftw.h>
#include <sys/stat.h>

namespace fopro::data::detail {

void ImageDirectory::addFolder(const QString &folder)
{
    const QString abs = QFileInfo(folder).absoluteFilePath();
    if (m_folders.contains(abs)) return;
    m_folders << abs;
    QDirIterator it(abs, QDir::Files | QDir::NoDotAndDotDot);
    while (it.hasNext()) {
        it.next();
        const QString name = it.fileName();
        if (!isImageFileName(name)) continue;
        const QString full = it.filePath();
        if (!m_byName.contains(name)) m_byName.insert(name, full);
        const QString stem = name.left(name.lastIndexOf(QLatin1Char('.')));
        if (!m_byName.contains(stem)) m_byName.insert(stem, full);
    }
}

QString ImageDirectory::find(const QString &nameOrStem) const
{
    return m_byName.value(nameOrStem);
}

QString firstExistingFolder(const QString &base, const QStringList &candidates)
{
    for (const QString &c : candidates) {
        const QString p = QDir::cleanPath(QDir(base).filePath(c));
        if (QFileInfo(p).isDir()) return p;
    }
    return {};
}

QString fileBesideOrInside(const QString &path, const QString &fileName)
{
    const QFileInfo fi(path);
    const QDir dir = fi.isDir() ? QDir(fi.absoluteFilePath()) : fi.absoluteDir();
    const QString p = dir.filePath(fileName);
    return QFileInfo(p).isFile() ? p : QString();
}

bool skipUnusableImage(const QString &absolutePath, const QString &where, const ImportOptions &options,
                       std::vector<ImportProblem> *problems)
{
    if (!options.checkFiles) return false;
    const QString reason = unusableImageFileReason(absolutePath);
    if (reason.isEmpty()) return false;
    problems->push_back({absolutePath, where.isEmpty()
                                           ? reason + QStringLiteral("; skipped")
                                           : QStringLiteral("%1 (listed at %2); skipped").arg(reason, where)});
    return true;
}

void sortClassesNaturally(DatasetIndex &index)
{
    QStringList order = index.classes;
    bool allInts = !order.isEmpty();
    for (const QString &c : order) {
        bool ok = false;
        c.toLongLong(&ok);
        allInts = allInts && ok;
    }
    if (allInts)
        std::sort(order.begin(), order.end(),
                  [](const QString &a, const QString &b) { return a.toLongLong() < b.toLongLong(); });
    else
        std::sort(order.begin(), order.end(), [](const QString &a, const QString &b) {
            const int ci = a.compare(b, Qt::CaseInsensitive);
            return ci != 0 ? ci < 0 : a < b;
        });
    index.reorderClasses(order);
}

namespace {
struct UndecodableScan {
    int rootLength = 0;
    int limit = 0;
    QStringList found;
};
thread_local UndecodableScan *t_scan = nullptr;

int visitEntry(const char *path, const struct stat *, int, struct FTW *ftw)
{
    const char *name = path + ftw->base;
    const QByteArray bytes(name);
    if (QString::fromUtf8(bytes).toUtf8() != bytes) {
        t_scan->found << QString::fromUtf8(path + t_scan->rootLength);
        if (t_scan->found.size() >= t_scan->limit) return 1; // stop the walk
    }
    return 0;
}
} // namespace

QStringList undecodableNames(const QString &root, int limit)
{
    QByteArray native = QFile::encodeName(QDir::cleanPath(root));
    UndecodableScan scan;
    scan.rootLength = int(native.size()) + 1;
    scan.limit = std::max(1, limit);
    t_scan = &scan;
    ::nftw(native.constData(), visitEntry, 32, FTW_PHYS);
    t_scan = nullptr;
    return scan.found;
}

bool hasControlCharacters(const QString &text)
{
    return std::any_of(text.cbegin(), text.cend(), [](QChar c) { return c.category() == QChar::Other_Control; });
}

QString printable(const QString &text)
{
    QString out;
    for (QChar c : text) {
        if (c == QLatin1Char('\n'))
            out += QStringLiteral("\\n");
        else if (c == QLatin1Char('\t'))
            out += QStringLiteral("\\t");
        else if (c == QLatin1Char('\r'))
            out += QStringLiteral("\\r");
        else if (c.category() == QChar::Other_Control)
            out += QStringLiteral("\\x%1").arg(uint(c.unicode()), 2, 16, QLatin1Char('0'));
        else
            out += c;
    }
    return out;
}

} // namespace fopro::data::detail
