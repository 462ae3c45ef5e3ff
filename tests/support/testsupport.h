#pragma once
// Helpers shared by the tests: where real assets live, and fixture writers. Fixtures are generated
// by code at test time; nothing binary is committed.

#include <QtCore/QString>
#include <QtCore/QStringList>

#include <opencv2/core/mat.hpp>

namespace fopro::test {

/// Folder of data-only assets extracted by packaging/install-deps.sh (env FOPRO_ASSETS overrides).
QString assetsDir();
/// pydicom's test_files folder inside the assets, or empty when absent.
QString pydicomTestFiles();
/// scikit-image's data folder inside the assets, or empty when absent.
QString skimageData();
/// The shared ISIC-2019-LT split files (../shared/data/isic2019-lt beside the project; env
/// FOPRO_SHARED_DATA overrides), or empty when absent.
QString isicLtSplitsDir();
/// Debian's Fashion-MNIST folder (/usr/share/datasets/fashion-mnist), or empty when absent.
QString fashionMnistDir();

/// A synthetic RGB image with a pattern that depends on `seed` (distinct seeds give distinct
/// perceptual hashes), CV_8UC3 in RGB order.
cv::Mat patternImage(int width, int height, int seed);
/// Photo-like content (smooth shading, multi-scale texture, soft blobs, sensor grain), CV_8UC3 RGB,
/// so that JPEG coding, decoding and downscaling cost what they cost on real photographs.
/// `grain` = false leaves out the sensor grain (for tests that compare lossy round trips closely).
cv::Mat photoLikeImage(int width, int height, int seed, bool grain = true);
/// Writes `rgb` (RGB order) as JPEG/PNG chosen by the suffix, creating folders. Fails the test
/// (QVERIFY-style) by returning false.
bool writeImage(const QString &path, const cv::Mat &rgb);
/// Writes a text file (UTF-8), creating folders.
bool writeText(const QString &path, const QByteArray &content);

} // namespace fopro::test
