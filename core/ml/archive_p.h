#pragma once
// Private to core/ml: writing a LibTorch archive to a file so that a failed write (a full disk) is
// an error value and the previous file stays whole.

#include "core/common/result.h"

#include <torch/torch.h>

#include <QtCore/QString>

namespace fopro::ml::detail {

/// Serialises `archive` into a temporary file beside `path` (QSaveFile) and renames it over
/// `path`. LibTorch's own file writer throws from its destructor when a write fails, which ends the
/// process; here the writer never fails towards LibTorch: the first failed write is remembered,
/// the rest is skipped, and the error is reported after the archive is complete. WriteFailed
/// names `path` and the reason; `path` is untouched then.
Result<void> writeArchive(torch::serialize::OutputArchive &archive, const QString &path);

} // namespace fopro::ml::detail
