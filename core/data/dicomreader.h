#pragma once
// DICOM through DCMTK: header metadata and decoding of one frame to 8-bit RGB. The RLE, JPEG and
// JPEG-LS decoders are registered once on first use. JPEG 2000, non-image objects (RT, SR,
// waveforms) and truncated or malformed files give an Error naming the file and the reason.

#include "core/common/result.h"

#include <QtCore/QMap>
#include <QtCore/QString>
#include <QtCore/QStringList>

#include <opencv2/core/mat.hpp>

namespace fopro::data {

/// The DCMTK version in use, e.g. "3.6.7".
QString dicomLibraryVersion();

struct DicomInfo {
    QString sopClassUid;
    QString transferSyntaxUid;
    QString photometric; // e.g. "MONOCHROME2", "RGB", "YBR_FULL_422"
    int rows = 0;
    int columns = 0;
    int frames = 1;
    int bitsAllocated = 0;
    int bitsStored = 0;
    int samplesPerPixel = 0;
    QString patientId;
    QString studyInstanceUid;
    QString seriesInstanceUid;
    QString studyDescription;
    QString seriesDescription;
    /// Attributes kept as sample metadata: Modality, BodyPartExamined, StudyDate, SeriesDate,
    /// Manufacturer, PatientID, Rows, Columns, PhotometricInterpretation, NumberOfFrames, ...
    QMap<QString, QString> meta;
    /// Values of the extra attributes asked for in readDicomInfo(file, extraAttributes), keyed
    /// exactly as asked ("BodyPartExamined", "0018,0015"); only attributes present in the file.
    QMap<QString, QString> requested;
};

/// How to convert a JPEG 2000 DICOM file into one this build decodes (a sentence naming GDCM's
/// command-line tool); part of the JPEG 2000 error.
QString jpeg2000ConversionHint();
/// True when `error` (from readDicomInfo / decodeDicomFrame) says the file is a valid DICOM object
/// that is not an image at all (structured reports, RT plans and structure sets, waveforms such as
/// ECGs), as opposed to an image that cannot be read or decoded.
bool isNotAnImageError(const Error &error);

/// A DICOM tag given by keyword or number.
struct DicomTag {
    quint16 group = 0;
    quint16 element = 0;
    QString keyword; // data dictionary keyword, empty for private or unknown tags

    /// "(gggg,eeee)" in lower-case hex.
    QString text() const;
    /// The keyword when known, else "gggg,eeee".
    QString name() const;
};

/// Parses "BodyPartExamined" (a data dictionary keyword), "0018,0015" or "(0018,0015)".
/// InvalidArgument when it is neither.
Result<DicomTag> parseDicomTag(const QString &keywordOrTag);

/// True when the file has "DICM" at byte offset 128 (the DICOM Part 10 preamble). Reads 132 bytes.
bool hasDicomMagic(const QString &file);

/// Reads the header (pixel data is not decoded) and checks that the file is a decodable image:
/// Unsupported for JPEG 2000 and non-image objects, Malformed for truncated/invalid files.
Result<DicomInfo> readDicomInfo(const QString &file);
/// As above, and also reads `extraAttributes` (keywords or tags, see parseDicomTag) into
/// DicomInfo::requested and, under their keyword (or "gggg,eeee"), into DicomInfo::meta. An
/// unknown keyword gives InvalidArgument; an attribute absent from the file is simply left out.
Result<DicomInfo> readDicomInfo(const QString &file, const QStringList &extraAttributes);

/// Value of an attribute given by keyword ("BodyPartExamined") or tag ("0018,0015"), as text.
Result<QString> readDicomAttribute(const QString &file, const QString &keywordOrTag);

/// Every attribute of the dataset as "(gggg,eeee) Keyword" -> value text (for inspectors). The
/// meta header (group 0002) is included; items of sequences appear as
/// "(gggg,eeee) Sequence[1] > (gggg,eeee) Keyword"; pixel data and long binary values are
/// summarised by their size, never loaded.
Result<QMap<QString, QString>> readAllDicomAttributes(const QString &file);

/// Decodes frame `frame` to an 8-bit, 3-channel RGB image (CV_8UC3, RGB order). Monochrome data
/// uses the first window centre/width when present, else the first VOI LUT, else min-max.
/// MONOCHROME1 is inverted, YBR colour converted, and a lossy JPEG stream labelled "RGB" whose
/// markers clearly say YCbCr (a common writer mistake) is converted as YCbCr. Frames are counted
/// from 0; a frame outside the file's range gives InvalidArgument. Compressed streams are checked
/// before DCMTK sees them (corrupt RLE and JPEG headers crash or hang DCMTK 3.6.7). Safe to call
/// from several threads at once (each call has its own DCMTK objects).
Result<cv::Mat> decodeDicomFrame(const QString &file, int frame = 0);

/// A VOI window on the modality values (after Rescale Slope/Intercept), as in Window Center /
/// Window Width: values below center − width/2 are black, above center + width/2 white.
struct DicomWindow {
    double center = 0;
    double width = 0; ///< <= 0: no window given (the file's default is used)
    bool isValid() const { return width > 0; }
};

/// What a decode learnt about the frame's display: for monochrome frames the window shown by
/// default (the file's first window; a VOI LUT or min-max when none) and the range of its values.
struct DicomWindowInfo {
    bool monochrome = false;
    DicomWindow defaultWindow;
    double minValue = 0;
    double maxValue = 0;
};

/// decodeDicomFrame with window/level: a monochrome frame is shown with `window` (when valid)
/// instead of the file's default, as DCMTK's DicomImage::setWindow does; colour frames ignore it.
/// `shown` (may be null) receives the default window and the value range, e.g. for sliders.
Result<cv::Mat> decodeDicomFrame(const QString &file, int frame, const DicomWindow &window, DicomWindowInfo *shown);

} // namespace fopro::data
