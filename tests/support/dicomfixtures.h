#pragma once
// DICOM fixtures written with DCMTK for the tests that need them (shared by the de-identification
// and DICOM browser tests).

#include <QtCore/QMap>
#include <QtCore/QString>

#include <opencv2/core/mat.hpp>

namespace fopro::test {

/// Writes a VL Photographic Image Storage file (8-bit RGB, explicit little endian) holding `rgb`
/// (CV_8UC3, RGB order) and the given attributes, by DICOM keyword ("PatientID" → "12345"). The
/// SOP class is set; SOPInstanceUID is generated unless given. Creates folders. False on failure.
bool writeVlPhotographic(const QString &path, const QMap<QString, QString> &attributes, const cv::Mat &rgb);

} // namespace fopro::test
