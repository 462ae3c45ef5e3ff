#pragma once
// Private to core/ml: writing a LibTorch archive to a file so that a failed write (a full disk) is
// an error value and the previous file stays whole.

#include "core/common/result.h"

#include <QtCore/QString>

namespace torch::serialize {
class OutputArchive;
}

namespace fopro::ml::detail {

/// Serialises `archive` into a temporary file beside `path` (QSaveFile) and renames it over
/// `path`. LibTorch's own file writer throws from its destructor when a write fails, which ends the
/// process; here the writer never fails towards LibTorch: the first failed write is remembered,
/// the rest is skipped, and the error is reported after the archive is complete. WriteFailed
/// names `path` and the reason; `path` is untouched then.
///
/// With `recordChecksum`, the SHA-256 of the bytes goes to `<path>.sha256` (written atomically just
/// before the archive is renamed into place, together with the previous archive's checksum, so the
/// pair on disk agrees whenever the process is killed); verifyArchiveChecksum() checks it on load.
Result<void> writeArchive(torch::serialize::OutputArchive &archive, const QString &path, bool recordChecksum = false);

/// Checks `path` against the checksums recorded in `<path>.sha256` by writeArchive: Malformed naming
/// the file when it matches neither (bytes changed on disk since it was written: LibTorch's reader
/// does not check the zip's CRCs, so a damaged tensor would otherwise load unnoticed). Nothing to
/// check (no `.sha256`, as in runs written before it existed) is a success.
Result<void> verifyArchiveChecksum(const QString &path);

} // namespace fopro::ml::detail
