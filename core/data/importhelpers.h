#pragma once
// Internal helpers shared by the CSV-driven importers (ISIC 2019, ISIC-2019-LT, HAM10000, generic).

#include "core/data/importer.h"

#include <QtCore/QHash>

namespace fopro::data::detail {

/// Lists the image files directly inside each folder once (no per-file stat later) and maps both
/// "name.ext" and "name" (without extension) to the absolute path. The first folder wins.
class ImageDirectory {
public:
    void addFolder(const QString &folder);
    bool isEmpty() const { return m_byName.isEmpty(); }
    QStringList folders() const { return m_folders; }
    /// Absolute path for a file name with or without extension, or empty.
    QString find(const QString &nameOrStem) const;

private:
    QStringList m_folders;
    QHash<QString, QString> m_byName;
};

/// The first of `candidates` (paths relative to `base`) that is an existing folder, or empty.
QString firstExistingFolder(const QString &base, const QStringList &candidates);

/// A file next to `path` (or inside it when `path` is a folder) named `fileName`, or empty.
QString fileBesideOrInside(const QString &path, const QString &fileName);

/// When options.checkFiles is on and the image file `absolutePath` cannot be used
/// (unusableImageFileReason: missing, empty, not an image, truncated...), records a problem naming
/// it with the reason ("; skipped", plus " (listed at WHERE)" when `where` is given) and returns
/// true: the caller skips the file, so it is neither imported nor counted.
bool skipUnusableImage(const QString &absolutePath, const QString &where, const ImportOptions &options,
                       std::vector<ImportProblem> *problems);

/// Classes sorted alphabetically (numerically when all names are integers).
void sortClassesNaturally(DatasetIndex &index);

/// Entries under `root` (files and folders, at any depth, symbolic links not followed) whose
/// names are not valid UTF-8, as paths relative to `root` with the bad bytes shown as U+FFFD. Qt
/// cannot name such files and its directory listings leave them out silently; an importer reports
/// them so they are not lost without a word. Capped at `limit` entries.
QStringList undecodableNames(const QString &root, int limit = 1000);

/// True when `text` holds control characters (line breaks, tabs, NUL...), which no class name or
/// label may hold: they break tables, CSV files and file names.
bool hasControlCharacters(const QString &text);
/// `text` with control characters shown as escapes ("\n", "\t", "\x01"), for error messages.
QString printable(const QString &text);

} // namespace fopro::data::detail
