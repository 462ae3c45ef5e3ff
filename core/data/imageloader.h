#pragma once
// Decoding of any sample to 8-bit RGB (OpenCV for files, DCMTK for DICOM, memory for IDX), the
// resize/crop policy, a byte-capped cache of decoded-and-resized images shared by training and
// thumbnails (optionally backed by a disk folder), and parallel decoding on a bounded pool.
//
// Every image returned here is a deep copy that owns its memory: continuous, CV_8UC3, RGB order.
// Callers may modify it freely. Nothing here throws: OpenCV exceptions become Errors that name the
// file and the reason. The cache is in imagecache.h, the pool in decodepool.h.

#include "core/common/result.h"
#include "core/data/datasetindex.h"
#include "core/jobs/jobcontrol.h"

#include <QtCore/QByteArray>

#include <opencv2/core/mat.hpp>

#include <functional>
#include <memory>
#include <optional>

namespace fopro::data {

/// Decodes the sample at full resolution to CV_8UC3 in RGB order.
Result<cv::Mat> loadImage(const DatasetIndex &index, const Sample &sample);
/// Same for a plain image file path. Read with QFile (any path encoding) and decoded from memory;
/// EXIF orientation is applied; grey, 16-bit and alpha images come out as 8-bit RGB (16-bit values
/// keep their high byte, alpha is dropped). Errors: NotFound (no such file), Unreadable (cannot be
/// opened/read), Malformed (empty, corrupt or not an image), Unsupported (a known format OpenCV
/// cannot decode here: GIF, HEIC, DICOM given as a plain file).
Result<cv::Mat> loadImageFile(const QString &path);
/// Decodes an encoded image held in memory; `fileForErrors` names it in errors.
Result<cv::Mat> decodeImageBytes(const QByteArray &bytes, const QString &fileForErrors);

/// The image format the first bytes of a file announce ("JPEG", "PNG", "BMP", "TIFF", "WebP",
/// "JPEG 2000", "PNM"), empty when none. OpenCV decides for itself what it decodes; this words
/// errors and lets importers reject files cheaply.
QString sniffImageFormat(const QByteArray &head);
/// Why the image file `path` cannot be used, found without decoding it (what importers check for
/// every file): missing, a folder, empty, not an image whatever its name (the content named by
/// Qt's MIME database, e.g. "plain text document"), a format this build cannot decode (GIF, HEIC,
/// DICOM), or cut short (a JPEG without its end-of-image marker, a PNG without IEND — decoders
/// would show a streaked image or fail later). Empty when the file looks usable. Reads at most
/// 256 bytes at the start and 4 KiB at the end.
QString unusableImageFileReason(const QString &path);

enum class ResizePolicy {
    Stretch,         // resize to size×size ignoring the aspect ratio
    ShorterSideCrop, // scale the shorter side to `size`, then centre-crop size×size
    Letterbox,       // scale the longer side to `size`, pad with black to size×size
};

struct ResizeSpec {
    int size = 224;
    ResizePolicy policy = ResizePolicy::ShorterSideCrop;
    bool operator==(const ResizeSpec &o) const { return size == o.size && policy == o.policy; }
    bool operator!=(const ResizeSpec &o) const { return !(*this == o); }
};

/// "stretch", "crop", "letterbox".
QString resizePolicyName(ResizePolicy policy);
/// The policy named by resizePolicyName, or nullopt for any other text.
std::optional<ResizePolicy> resizePolicyFromName(const QString &name);

/// Resizes to exactly size×size by the policy: INTER_AREA when shrinking, INTER_LINEAR when
/// enlarging. ShorterSideCrop crops the centred square of the source first, then scales it (same
/// result as scale-then-crop, less work). Letterbox centres the scaled image on black; the odd pixel
/// of padding goes to the bottom/right. Returns an owning, continuous copy; an empty Mat for an empty
/// input or a size ≤ 0.
cv::Mat resizeImage(const cv::Mat &rgb, const ResizeSpec &spec);

/// Converts any decoded OpenCV image (1/2/3/4 channels, 8/16-bit or float) to owning, continuous
/// CV_8UC3 RGB. `bgrOrder` says whether 3/4-channel input is BGR(A) (OpenCV's decoders) or RGB(A).
cv::Mat toRgb8(const cv::Mat &image, bool bgrOrder);

struct LoadOptions {
    /// Lets the JPEG decoder downscale by 2/4/8 while decoding when the result stays ≥ the target.
    bool reducedJpegDecoding = true;
};

/// Decode and resize in one step; for JPEG files large enough it lets the decoder downscale by
/// 2/4/8 while decoding (never below the target size), which is much faster than full decoding.
Result<cv::Mat> loadResized(const DatasetIndex &index, const Sample &sample, const ResizeSpec &spec);
Result<cv::Mat> loadResized(const DatasetIndex &index, const Sample &sample, const ResizeSpec &spec,
                            const LoadOptions &options);

/// The largest image, in pixels, that is decoded: larger ones (a "decompression bomb", a small
/// PNG declaring 40,000 × 40,000 pixels, would need gigabytes) are refused with an error before
/// any memory is spent. 2^28 (268 megapixels, e.g. 16,384 × 16,384) unless the environment
/// variable FOPRO_MAX_IMAGE_PIXELS sets another limit (read at each call).
qint64 maxImagePixels();
/// Width and height an encoded image declares in its header (PNG's IHDR, JPEG's SOF, BMP's info
/// header), without decoding; nullopt for other formats or a header cut short.
std::optional<cv::Size> declaredImageSize(const QByteArray &bytes);

/// Width and height read from the SOF marker of JPEG data (no decoding), before EXIF rotation.
/// nullopt when the data is not a JPEG or the header is truncated.
std::optional<cv::Size> jpegImageSize(const QByteArray &bytes);
/// The largest JPEG decode reduction (1, 2, 4 or 8) whose output still covers the target: the
/// shorter side (ShorterSideCrop), the longer side (Letterbox) or both sides (Stretch) stay ≥
/// spec.size. Rotation-invariant, so EXIF orientation does not matter.
int jpegReductionFactor(cv::Size imageSize, const ResizeSpec &spec);

} // namespace fopro::data
