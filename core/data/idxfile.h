#pragma once
// IDX files (MNIST, Fashion-MNIST), gzip-compressed or raw. Images are kept in memory once loaded
// and served from there; a process-wide store shares them between the importer, the pipeline and
// the thumbnails.

#include "core/common/result.h"

#include <QtCore/QByteArray>
#include <QtCore/QString>

#include <opencv2/core/mat.hpp>

#include <map>
#include <memory>
#include <mutex>
#include <vector>

namespace fopro::data {

struct IdxArray {
    std::vector<int> dims; // e.g. {60000, 28, 28} for images, {60000} for labels
    QByteArray data;       // unsigned bytes, row-major
    int count() const { return dims.empty() ? 0 : dims.front(); }
    int itemBytes() const; ///< bytes of one item; readIdxFile refuses items of 2^31 bytes or more
};

/// Reads an IDX file of unsigned bytes (magic 0x00000801 labels or 0x00000803 images), gzip or raw.
Result<IdxArray> readIdxFile(const QString &file);

/// Process-wide cache of loaded IDX image files; thread-safe.
class IdxStore {
public:
    static IdxStore &instance();
    Result<std::shared_ptr<const IdxArray>> images(const QString &file);
    /// Entry `entry` of an IDX image file as an 8-bit RGB image (grey replicated), CV_8UC3.
    Result<cv::Mat> image(const QString &file, int entry);
    void clear();

private:
    IdxStore() = default;
    std::mutex m_mutex;
    std::map<QString, std::shared_ptr<const IdxArray>> m_files;
};

} // namespace fopro::data
