#pragma once
// Image files named by the user for prediction: files and folders (searched recursively) → the
// image files to classify, with a problem per argument that gives none; and decoding one such file
// (DICOM by suffix or magic, else OpenCV).

#include "core/common/result.h"

#include <QtCore/QStringList>

#include <opencv2/core/mat.hpp>

#include <vector>

namespace fopro::data {

/// The suffixes searched for in folders: jpg, jpeg, png, bmp, tif, tiff, webp, dcm, dicom.
const QStringList &imageFileSuffixes();

struct ImageFileList {
    QStringList files;           ///< files as given, then each folder's images sorted by path
    std::vector<Error> problems; ///< NotFound: a missing path; NotFound: a folder without images
};

/// Collects image files from `paths`: a file is taken as it is (its decoding decides), a folder is
/// searched recursively (following symbolic links) for files with an image suffix.
ImageFileList collectImageFiles(const QStringList &paths);

/// Decodes an image file to CV_8UC3 RGB: DICOM (suffix .dcm/.dicom or the DICM magic) through
/// DCMTK (first frame), anything else through OpenCV.
Result<cv::Mat> decodeImageFile(const QString &path);

} // namespace fopro::data
