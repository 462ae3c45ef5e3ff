#include "core/data/dicomreader.h"

#include <QtCore/QFile>
#include <QtCore/QFileInfo>

#include <opencv2/imgproc.hpp>

// DCMTK. The dcmimage registration header plugs colour support into DicomImage (a static
// registration object), so it must stay in this translation unit.
#include "dcmtk/config/osconfig.h"
#include "dcmtk/dcmdata/dccodec.h"
#include "dcmtk/dcmdata/dcdeftag.h"
#include "dcmtk/dcmdata/dcdict.h"
#include "dcmtk/dcmdata/dcfilefo.h"
#include "dcmtk/dcmdata/dcmetinf.h"
#include "dcmtk/dcmdata/dcpixel.h"
#include "dcmtk/dcmdata/dcpixseq.h"
#include "dcmtk/dcmdata/dcpxitem.h"
#include "dcmtk/dcmdata/dcrledrg.h"
#include "dcmtk/dcmdata/dcsequen.h"
#include "dcmtk/dcmdata/dcstack.h"
#include "dcmtk/dcmdata/dcuid.h"
#include "dcmtk/dcmdata/dcvr.h"
#include "dcmtk/dcmdata/dcxfer.h"
#include "dcmtk/dcmimage/diregist.h"
#include "dcmtk/dcmimgle/dcmimage.h"
#include "dcmtk/dcmjpeg/djdecode.h"
#include "dcmtk/dcmjpls/djdecode.h"
#include "dcmtk/oflog/oflog.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <mutex>
#include <new>

namespace fopro::data {

QString dicomLibraryVersion()
{
    return QStringLiteral(OFFIS_DCMTK_VERSION_STRING);
}

namespace {

// Elements longer than this stay on disk while parsing (pixel data, big private blobs); DCMTK reads
// them on first access.
constexpr Uint32 kMaxReadLength = 4096;
// Binary values up to this many bytes are shown as hex, longer ones as a size.
constexpr Uint32 kMaxBinaryShown = 64;
// Text values longer than this are shown as a size (inspectors do not need megabytes of text).
constexpr Uint32 kMaxTextShown = 64 * 1024;
// readAllDicomAttributes stops after this many entries, so a pathological file cannot flood a view.
constexpr int kMaxAttributes = 20000;
constexpr int kMaxDepth = 16;
// A frame larger than this (uncompressed) is refused rather than risking the memory of the machine;
// 1 GiB is a 16k x 16k RGB frame, far beyond any training image.
constexpr double kMaxFrameBytes = 1024.0 * 1024.0 * 1024.0;

/// Process-wide DCMTK set-up, done once from whichever thread comes first: quiet logging, UN
/// elements of known tags read with their dictionary VR, and the RLE, JPEG and JPEG-LS decoders.
void initDcmtk()
{
    static std::once_flag once;
    std::call_once(once, [] {
        OFLog::configure(OFLogger::FATAL_LOG_LEVEL);
        dcmEnableUnknownVRConversion.set(OFTrue);
        DcmRLEDecoderRegistration::registerCodecs();
        DJDecoderRegistration::registerCodecs();
        DJLSDecoderRegistration::registerCodecs();
    });
}

/// DICOM text is 7-bit ASCII, UTF-8 (after convertToUTF8) or, when conversion failed, usually
/// Latin-1: decode as UTF-8 and fall back to Latin-1 when that produced invalid sequences.
QString toQString(const OFString &s)
{
    const QByteArray bytes(s.c_str(), qsizetype(s.length()));
    QString text = QString::fromUtf8(bytes);
    if (text.contains(QChar::ReplacementCharacter)) text = QString::fromLatin1(bytes);
    return text;
}

QString toQString(const char *s)
{
    return s ? QString::fromUtf8(s) : QString();
}

QString tagText(quint16 group, quint16 element)
{
    return QStringLiteral("(%1,%2)").arg(group, 4, 16, QLatin1Char('0')).arg(element, 4, 16, QLatin1Char('0'));
}

/// "RTPlanStorage" -> "RT Plan Storage": DCMTK's UID names are keywords; people read words.
QString spacedName(const QString &keyword)
{
    QString out;
    for (int i = 0; i < keyword.size(); ++i) {
        const QChar c = keyword.at(i);
        if (i > 0 && c.isUpper()) {
            const QChar prev = keyword.at(i - 1);
            const bool nextLower = i + 1 < keyword.size() && keyword.at(i + 1).isLower();
            if (prev.isLower() || prev.isDigit() || (prev.isUpper() && nextLower)) out += QLatin1Char(' ');
        }
        out += c;
    }
    return out;
}

QString sopClassName(const QString &uid)
{
    if (uid.isEmpty()) return QStringLiteral("no SOP Class UID");
    const QByteArray latin = uid.toLatin1();
    const char *name = dcmFindNameOfUID(latin.constData(), nullptr);
    return name ? spacedName(QString::fromLatin1(name)) : QStringLiteral("SOP class %1").arg(uid);
}

bool isJpeg2000(const QString &uid)
{
    static const QStringList j2k = {
        QStringLiteral("1.2.840.10008.1.2.4.90"),  QStringLiteral("1.2.840.10008.1.2.4.91"),
        QStringLiteral("1.2.840.10008.1.2.4.92"),  QStringLiteral("1.2.840.10008.1.2.4.93"),
        QStringLiteral("1.2.840.10008.1.2.4.201"), QStringLiteral("1.2.840.10008.1.2.4.202"),
        QStringLiteral("1.2.840.10008.1.2.4.203")};
    return j2k.contains(uid);
}

QString jpeg2000Name(const QString &uid)
{
    if (uid.endsWith(QLatin1String(".90"))) return QStringLiteral("JPEG 2000 lossless");
    if (uid.endsWith(QLatin1String(".91"))) return QStringLiteral("JPEG 2000");
    if (uid.endsWith(QLatin1String(".92"))) return QStringLiteral("JPEG 2000 Part 2 multi-component lossless");
    if (uid.endsWith(QLatin1String(".93"))) return QStringLiteral("JPEG 2000 Part 2 multi-component");
    if (uid.endsWith(QLatin1String(".201"))) return QStringLiteral("High-Throughput JPEG 2000 lossless");
    if (uid.endsWith(QLatin1String(".202"))) return QStringLiteral("High-Throughput JPEG 2000 RPCL lossless");
    return QStringLiteral("High-Throughput JPEG 2000");
}

const QString kNotAnImage = QStringLiteral("not an image object");

Error jpeg2000Error(const QString &file, const QString &uid)
{
    return makeError(ErrorCode::Unsupported, file,
                     QStringLiteral("unsupported transfer syntax %1 (%2): this build has no JPEG 2000 decoder "
                                    "(DCMTK's free toolkit has none). %3")
                         .arg(jpeg2000Name(uid), uid, jpeg2000ConversionHint()));
}

bool isBinaryVr(DcmEVR vr)
{
    switch (vr) {
    case EVR_OB:
    case EVR_OW:
    case EVR_OF:
    case EVR_OD:
    case EVR_OL:
    case EVR_OV:
    case EVR_UN:
    case EVR_ox:
    case EVR_px:
    case EVR_lt:
    case EVR_pixelSQ:
    case EVR_pixelItem:
    case EVR_UNKNOWN:
    case EVR_UNKNOWN2B:
        return true;
    default:
        return false;
    }
}

/// Text of one element for people: values joined by '\', sequences and large binary values
/// summarised (and never loaded from disk).
QString elementText(DcmElement *element)
{
    if (!element) return QString();
    const DcmEVR vr = element->ident();
    const Uint32 length = element->getLength();
    if (vr == EVR_SQ) {
        const unsigned long items = static_cast<DcmSequenceOfItems *>(element)->card();
        return QStringLiteral("(sequence, %1 item%2)").arg(items).arg(QLatin1String(items == 1 ? "" : "s"));
    }
    if (element->getTag() == DCM_PixelData || vr == EVR_pixelSQ) {
        if (length == DCM_UndefinedLength) return QStringLiteral("(encapsulated pixel data)");
        return QStringLiteral("(pixel data, %1 bytes)").arg(length);
    }
    if (isBinaryVr(vr) && (length > kMaxBinaryShown || length == DCM_UndefinedLength))
        return QStringLiteral("(%1 bytes)").arg(length == DCM_UndefinedLength ? 0u : length);
    if (length > kMaxTextShown && length != DCM_UndefinedLength)
        return QStringLiteral("(%1 bytes of text)").arg(length);
    OFString value;
    if (element->getOFStringArray(value, OFTrue).bad()) return QString();
    return toQString(value).trimmed();
}

/// A loaded DICOM file. Elements longer than kMaxReadLength stay on disk until used.
struct LoadedFile {
    std::unique_ptr<DcmFileFormat> fileFormat;
    DcmDataset *dataset() const { return fileFormat->getDataset(); }
    DcmMetaInfo *metaInfo() const { return fileFormat->getMetaInfo(); }
};

QString metaString(DcmMetaInfo *meta, const DcmTagKey &key)
{
    OFString value;
    if (meta && meta->findAndGetOFString(key, value).good()) return toQString(value).trimmed();
    return QString();
}

/// Loads the file; NotFound, Unreadable or Malformed (with DCMTK's condition text) on failure, and
/// Unsupported when the meta header names a transfer syntax DCMTK cannot even parse.
Result<LoadedFile> loadDicom(const QString &file)
{
    initDcmtk();
    const QFileInfo fi(file);
    if (!fi.exists()) return makeError(ErrorCode::NotFound, file, QStringLiteral("no such file"));
    if (fi.isDir()) return makeError(ErrorCode::Unreadable, file, QStringLiteral("is a folder, not a DICOM file"));
    {
        QFile f(file);
        if (!f.open(QIODevice::ReadOnly))
            return makeError(ErrorCode::Unreadable, file, QStringLiteral("cannot open: %1").arg(f.errorString()));
        if (f.size() == 0) return makeError(ErrorCode::Malformed, file, QStringLiteral("empty file"));
    }

    LoadedFile loaded;
    loaded.fileFormat = std::make_unique<DcmFileFormat>();
    const QByteArray encoded = QFile::encodeName(file);
    const OFCondition cond = loaded.fileFormat->loadFile(OFFilename(encoded.constData()), EXS_Unknown, EGL_noChange,
                                                         kMaxReadLength, ERM_autoDetect);
    // Values longer than kMaxReadLength stay on disk until used, and DCMTK then allocates the length
    // an element declares: a 16 KB file declaring a 3.5 GB value would ask for 3.5 GB. No value can
    // be longer than the file holding it (a deflated data set at most ~1,000 times: zlib's limit).
    {
        DcmStack stack;
        const bool deflated =
            loaded.dataset() && loaded.dataset()->getOriginalXfer() == EXS_DeflatedLittleEndianExplicit;
        const double bound = double(fi.size()) * (deflated ? 1100.0 : 1.0);
        while (loaded.fileFormat->nextObject(stack, OFTrue).good()) {
            DcmObject *object = stack.top();
            // Leaves only, and their length field as read: getLength() computes an encoding's
            // length, which for an item reads (and allocates) its elements' values.
            if (!object->isLeaf()) continue;
            const Uint32 length = object->getLengthField();
            if (length != DCM_UndefinedLength && double(length) > bound)
                return makeError(ErrorCode::Malformed, file,
                                 QStringLiteral("element %1 declares a value of %2 bytes in a file of %3 bytes "
                                                "(truncated or malformed)")
                                     .arg(toQString(object->getTag().toString()))
                                     .arg(length)
                                     .arg(fi.size()));
        }
    }
    const QString metaTs = metaString(loaded.metaInfo(), DCM_TransferSyntaxUID);
    if (cond.bad()) {
        if (isJpeg2000(metaTs)) return jpeg2000Error(file, metaTs);
        return makeError(
            ErrorCode::Malformed, file,
            QStringLiteral("cannot parse DICOM data (truncated or malformed): %1").arg(toQString(cond.text())));
    }
    if (!metaTs.isEmpty() && DcmXfer(metaTs.toLatin1().constData()).getXfer() == EXS_Unknown) {
        if (isJpeg2000(metaTs)) return jpeg2000Error(file, metaTs);
        return makeError(ErrorCode::Unsupported, file, QStringLiteral("unsupported transfer syntax %1").arg(metaTs));
    }
    DcmDataset *ds = loaded.dataset();
    if (!ds || ds->card() == 0)
        return makeError(ErrorCode::Malformed, file, QStringLiteral("not a DICOM file: no data elements found"));

    // Values in another character set are converted to UTF-8 (DCMTK uses iconv); failure is not fatal,
    // toQString falls back to Latin-1.
    OFString charset;
    if (ds->findAndGetOFStringArray(DCM_SpecificCharacterSet, charset).good()) {
        const QString cs = toQString(charset).trimmed();
        if (!cs.isEmpty() && cs != QLatin1String("ISO_IR 192") && cs != QLatin1String("ISO_IR 6"))
            (void)ds->convertToUTF8();
    }
    return loaded;
}

QString datasetString(DcmDataset *ds, const DcmTagKey &key)
{
    OFString value;
    if (ds->findAndGetOFStringArray(key, value).good()) return toQString(value).trimmed();
    return QString();
}

bool datasetUint(DcmDataset *ds, const DcmTagKey &key, long *out)
{
    Uint16 u = 0;
    if (ds->findAndGetUint16(key, u).good()) {
        *out = u;
        return true;
    }
    // Some writers use other VRs (IS, UL); take the text.
    bool ok = false;
    const long v = datasetString(ds, key).toLong(&ok);
    if (ok) *out = v;
    return ok;
}

/// Header facts plus the checks that make a file a decodable image.
Result<DicomInfo> inspect(const LoadedFile &loaded, const QString &file)
{
    DcmDataset *ds = loaded.dataset();
    DcmMetaInfo *meta = loaded.metaInfo();
    DicomInfo info;

    const E_TransferSyntax xfer = ds->getOriginalXfer();
    info.transferSyntaxUid = metaString(meta, DCM_TransferSyntaxUID);
    if (info.transferSyntaxUid.isEmpty() && xfer != EXS_Unknown)
        info.transferSyntaxUid = toQString(DcmXfer(xfer).getXferID());
    info.sopClassUid = datasetString(ds, DCM_SOPClassUID);
    if (info.sopClassUid.isEmpty()) info.sopClassUid = metaString(meta, DCM_MediaStorageSOPClassUID);
    info.photometric = datasetString(ds, DCM_PhotometricInterpretation);
    info.patientId = datasetString(ds, DCM_PatientID);
    info.studyInstanceUid = datasetString(ds, DCM_StudyInstanceUID);
    info.seriesInstanceUid = datasetString(ds, DCM_SeriesInstanceUID);
    info.studyDescription = datasetString(ds, DCM_StudyDescription);
    info.seriesDescription = datasetString(ds, DCM_SeriesDescription);

    struct Kept {
        const char *keyword;
        DcmTagKey key;
    };
    static const Kept kept[] = {
        {"Modality", DCM_Modality},
        {"BodyPartExamined", DCM_BodyPartExamined},
        {"StudyDate", DCM_StudyDate},
        {"SeriesDate", DCM_SeriesDate},
        {"AcquisitionDate", DCM_AcquisitionDate},
        {"Manufacturer", DCM_Manufacturer},
        {"ManufacturerModelName", DCM_ManufacturerModelName},
        {"PatientID", DCM_PatientID},
        {"PatientName", DCM_PatientName},
        {"StudyInstanceUID", DCM_StudyInstanceUID},
        {"SeriesInstanceUID", DCM_SeriesInstanceUID},
        {"SOPClassUID", DCM_SOPClassUID},
        {"PhotometricInterpretation", DCM_PhotometricInterpretation},
        {"Rows", DCM_Rows},
        {"Columns", DCM_Columns},
        {"NumberOfFrames", DCM_NumberOfFrames},
        {"BitsAllocated", DCM_BitsAllocated},
        {"BitsStored", DCM_BitsStored},
        {"StudyDescription", DCM_StudyDescription},
        {"SeriesDescription", DCM_SeriesDescription},
    };
    for (const Kept &k : kept) {
        const QString v = datasetString(ds, k.key);
        if (!v.isEmpty()) info.meta.insert(QString::fromLatin1(k.keyword), v);
    }
    if (!info.sopClassUid.isEmpty()) info.meta.insert(QStringLiteral("SOPClassUID"), info.sopClassUid);
    if (!info.transferSyntaxUid.isEmpty())
        info.meta.insert(QStringLiteral("TransferSyntaxUID"), info.transferSyntaxUid);

    // Is it an image at all?
    if (ds->tagExists(DCM_FloatPixelData) || ds->tagExists(DCM_DoubleFloatPixelData))
        return makeError(
            ErrorCode::Unsupported, file,
            QStringLiteral("floating-point pixel data is not supported (%1)").arg(sopClassName(info.sopClassUid)));
    if (!ds->tagExists(DCM_PixelData)) {
        // An image SOP class without pixels is broken; anything else (RT Plan, SR, waveforms, an RT
        // Dose holding only dose-volume histograms) is simply not an image.
        const QByteArray uid = info.sopClassUid.toLatin1();
        if (!uid.isEmpty() && dcmIsImageStorageSOPClassUID(uid.constData()) &&
            info.sopClassUid != QLatin1String(UID_RTDoseStorage))
            return makeError(
                ErrorCode::Malformed, file,
                QStringLiteral("image object without pixel data (%1)").arg(sopClassName(info.sopClassUid)));
        return makeError(ErrorCode::Unsupported, file,
                         kNotAnImage + QStringLiteral(" (%1)").arg(sopClassName(info.sopClassUid)));
    }

    // Can its pixel data be decoded here?
    if (isJpeg2000(info.transferSyntaxUid)) return jpeg2000Error(file, info.transferSyntaxUid);
    const DcmXfer xferInfo(xfer);
    if (xfer == EXS_Unknown)
        return makeError(ErrorCode::Unsupported, file,
                         QStringLiteral("unknown transfer syntax %1").arg(info.transferSyntaxUid));
    if (xferInfo.isEncapsulated() && !DcmCodecList::canChangeCoding(xfer, EXS_LittleEndianExplicit))
        return makeError(ErrorCode::Unsupported, file,
                         QStringLiteral("unsupported transfer syntax %1 (%2)")
                             .arg(toQString(xferInfo.getXferName()), toQString(xferInfo.getXferID())));

    long rows = 0, columns = 0, bitsAllocated = 0, bitsStored = 0, samples = 1;
    if (!datasetUint(ds, DCM_Rows, &rows) || !datasetUint(ds, DCM_Columns, &columns) || rows <= 0 || columns <= 0)
        return makeError(ErrorCode::Malformed, file, QStringLiteral("image without valid Rows and Columns"));
    if (!datasetUint(ds, DCM_BitsAllocated, &bitsAllocated) || bitsAllocated < 1 || bitsAllocated > 32)
        return makeError(ErrorCode::Malformed, file, QStringLiteral("image without valid Bits Allocated"));
    if (!datasetUint(ds, DCM_BitsStored, &bitsStored)) bitsStored = bitsAllocated;
    if (!datasetUint(ds, DCM_SamplesPerPixel, &samples)) samples = 1;
    if (samples < 1 || samples > 4)
        return makeError(ErrorCode::Malformed, file, QStringLiteral("invalid Samples per Pixel value %1").arg(samples));
    const double frameBytes = double(rows) * double(columns) * double(samples) * std::ceil(double(bitsAllocated) / 8.0);
    if (frameBytes > kMaxFrameBytes)
        return makeError(ErrorCode::Unsupported, file,
                         QStringLiteral("image too large to decode (%1 x %2, %3 MB per frame)")
                             .arg(columns)
                             .arg(rows)
                             .arg(qint64(frameBytes / (1024.0 * 1024.0))));
    info.rows = int(rows);
    info.columns = int(columns);
    info.bitsAllocated = int(bitsAllocated);
    info.bitsStored = int(bitsStored);
    info.samplesPerPixel = int(samples);

    info.frames = 1;
    const QString framesText = datasetString(ds, DCM_NumberOfFrames);
    if (!framesText.isEmpty()) {
        bool ok = false;
        const long frames = framesText.toLong(&ok);
        // Beyond int the count wrapped to a negative one, which passed the pixel data size check.
        if (!ok || frames < 0 || frames > std::numeric_limits<int>::max())
            return makeError(ErrorCode::Malformed, file,
                             QStringLiteral("invalid Number of Frames value '%1'").arg(framesText));
        info.frames = frames > 0 ? int(frames) : 1;
    }

    // Native pixel data must hold every frame; DCMTK would silently pad a short one with zeros.
    if (xferInfo.isNotEncapsulated()) {
        DcmElement *pixel = nullptr;
        if (ds->findAndGetElement(DCM_PixelData, pixel).good() && pixel) {
            const Uint32 length = pixel->getLength();
            // Native 4:2:2 data stores two samples per pixel (Y Y Cb Cr for each pair), 4:2:0 one and a half.
            double samplesStored = double(samples);
            if (samples == 3 && info.photometric.endsWith(QLatin1String("_422")))
                samplesStored = 2.0;
            else if (samples == 3 && info.photometric.endsWith(QLatin1String("_420")))
                samplesStored = 1.5;
            const double bits =
                double(rows) * double(columns) * samplesStored * double(bitsAllocated) * double(info.frames);
            const double needed = std::ceil(bits / 8.0);
            if (length == DCM_UndefinedLength || double(length) < needed)
                return makeError(
                    ErrorCode::Malformed, file,
                    QStringLiteral("pixel data is shorter than the image attributes require (%1 of %2 bytes)")
                        .arg(length == DCM_UndefinedLength ? 0u : length)
                        .arg(qint64(needed)));
        }
    }
    return info;
}

/// The element of `tag`: top level first, then the meta header, then anywhere in sequences.
DcmElement *findElement(const LoadedFile &loaded, const DicomTag &tag)
{
    const DcmTagKey key(tag.group, tag.element);
    DcmElement *element = nullptr;
    if (loaded.dataset()->findAndGetElement(key, element, OFFalse).good() && element) return element;
    if (tag.group == 0x0002 && loaded.metaInfo() && loaded.metaInfo()->findAndGetElement(key, element).good() &&
        element)
        return element;
    if (loaded.dataset()->findAndGetElement(key, element, OFTrue).good() && element) return element;
    return nullptr;
}

QString attributeKey(DcmElement *element)
{
    DcmTag tag = element->getTag();
    QString name = toQString(tag.getTagName());
    if (name.isEmpty() || name == QLatin1String(DcmTag_ERROR_TagName)) name = QStringLiteral("Unknown");
    return tagText(tag.getGTag(), tag.getETag()) + QLatin1Char(' ') + name;
}

void collectAttributes(DcmItem *item, const QString &prefix, int depth, QMap<QString, QString> *out)
{
    if (!item) return;
    const unsigned long count = item->card();
    for (unsigned long i = 0; i < count && out->size() < kMaxAttributes; ++i) {
        DcmElement *element = item->getElement(i);
        if (!element) continue;
        const QString key = prefix + attributeKey(element);
        out->insert(key, elementText(element));
        if (element->ident() == EVR_SQ && depth < kMaxDepth) {
            auto *sequence = static_cast<DcmSequenceOfItems *>(element);
            for (unsigned long j = 0; j < sequence->card() && out->size() < kMaxAttributes; ++j)
                collectAttributes(sequence->getItem(j), key + QStringLiteral("[%1] > ").arg(j + 1), depth + 1, out);
        }
    }
}

/// The fragments of the encapsulated pixel data (offset table excluded), or empty.
std::vector<DcmPixelItem *> pixelFragments(DcmDataset *ds)
{
    std::vector<DcmPixelItem *> fragments;
    DcmElement *element = nullptr;
    if (ds->findAndGetElement(DCM_PixelData, element).bad() || !element) return fragments;
    auto *pixel = dynamic_cast<DcmPixelData *>(element);
    DcmPixelSequence *sequence = nullptr;
    if (!pixel || pixel->getEncapsulatedRepresentation(ds->getOriginalXfer(), nullptr, sequence).bad() || !sequence)
        return fragments;
    for (unsigned long i = 1; i < sequence->card(); ++i) {
        DcmPixelItem *item = nullptr;
        if (sequence->getItem(item, i).good() && item) fragments.push_back(item);
    }
    return fragments;
}

/// DCMTK 3.6.7's RLE decoder trusts the segment offsets in a frame's RLE header and reads out of
/// bounds (and crashes) on corrupt ones, so the header of the frame to decode is checked first (PS3.5 annex G: one
/// fragment per frame, a 64-byte header with the segment count and increasing offsets inside it).
Result<void> checkRleHeader(DcmDataset *ds, const DicomInfo &info, int frame, const QString &file)
{
    const std::vector<DcmPixelItem *> fragments = pixelFragments(ds);
    if (fragments.empty())
        return makeError(ErrorCode::Malformed, file, QStringLiteral("RLE pixel data without fragments"));
    const Uint32 expectedSegments = Uint32(info.samplesPerPixel) * Uint32((info.bitsAllocated + 7) / 8);
    // Frames spanning several fragments break the standard; then only the first header can be located.
    const std::size_t f = fragments.size() == std::size_t(info.frames) ? std::size_t(frame) : 0;
    {
        Uint8 *data = nullptr;
        const Uint32 length = fragments[f]->getLength();
        if (length < 64 || fragments[f]->getUint8Array(data).bad() || !data)
            return makeError(ErrorCode::Malformed, file,
                             QStringLiteral("RLE fragment of frame %1 is too short for its header").arg(f));
        auto le32 = [data](int i) {
            const Uint8 *p = data + 4 * i;
            return Uint32(p[0]) | (Uint32(p[1]) << 8) | (Uint32(p[2]) << 16) | (Uint32(p[3]) << 24);
        };
        const Uint32 segments = le32(0);
        if (segments != expectedSegments)
            return makeError(
                ErrorCode::Malformed, file,
                QStringLiteral("RLE frame %1 has %2 segments, %3 expected").arg(f).arg(segments).arg(expectedSegments));
        Uint32 previous = 63;
        for (Uint32 i = 0; i < segments; ++i) {
            const Uint32 offset = le32(int(i) + 1);
            if (offset <= previous || offset >= length)
                return makeError(ErrorCode::Malformed, file,
                                 QStringLiteral("RLE frame %1 has an invalid segment offset").arg(f));
            previous = offset;
        }
    }
    return {};
}

/// The marker segments of a JPEG (or JPEG-LS) stream up to its first scan.
struct JpegHeader {
    bool valid = false;      // SOI, well-formed segments, a frame header, then a start of scan
    bool jfif = false;       // JFIF APP0 segment (implies YCbCr)
    int adobeTransform = -1; // Adobe APP14 colour transform flag, -1 when absent
    int components = 0;
    Uint8 ids[4] = {0, 0, 0, 0};
    Uint8 sampling[4] = {0, 0, 0, 0}; // H << 4 | V per component
};

JpegHeader parseJpegHeader(const Uint8 *data, Uint32 length)
{
    JpegHeader h;
    if (!data || length < 4 || data[0] != 0xFF || data[1] != 0xD8) return h;
    bool sawFrame = false;
    std::size_t pos = 2;
    while (pos + 1 < length) {
        if (data[pos] != 0xFF) return h;
        const Uint8 marker = data[pos + 1];
        if (marker == 0xFF) {
            ++pos;
            continue;
        } // fill byte
        if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {
            pos += 2;
            continue;
        } // no length
        if (marker == 0xD8 || marker == 0xD9 || pos + 4 > length) return h;
        const std::size_t segment = (std::size_t(data[pos + 2]) << 8) | data[pos + 3];
        if (segment < 2 || pos + 2 + segment > length) return h;
        const Uint8 *body = data + pos + 4;
        const std::size_t bodyLength = segment - 2;
        if (marker == 0xDA) {
            h.valid = sawFrame;
            return h;
        }
        const bool frameHeader =
            (marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC) ||
            marker == 0xF7; // SOF0..15, and SOF55 of JPEG-LS
        if (frameHeader) {
            if (sawFrame || bodyLength < 6) return h;
            const int n = body[5];
            if (n < 1 || bodyLength < std::size_t(6 + 3 * n)) return h;
            sawFrame = true;
            h.components = n;
            for (int c = 0; c < n && c < 4; ++c) {
                h.ids[c] = body[6 + 3 * c];
                h.sampling[c] = body[7 + 3 * c];
            }
        } else if (marker == 0xE0 && bodyLength >= 5 && std::memcmp(body, "JFIF\0", 5) == 0) {
            h.jfif = true;
        } else if (marker == 0xEE && bodyLength >= 12 && std::memcmp(body, "Adobe", 5) == 0) {
            h.adobeTransform = body[11];
        }
        pos += 2 + segment;
    }
    return h;
}

bool isJpegFamily(E_TransferSyntax xfer)
{
    const QString uid = toQString(DcmXfer(xfer).getXferID());
    return uid.startsWith(QLatin1String("1.2.840.10008.1.2.4.")) && !isJpeg2000(uid) &&
           uid.section(QLatin1Char('.'), -1).toInt() < 90; // 50..57, 70 (JPEG), 80, 81 (JPEG-LS)
}

/// DCMTK 3.6.7 walks the marker segments of a frame's JPEG stream itself before decoding (to find
/// the bit depth) and loops forever on a zero segment length, so the stream of the frame to decode
/// is checked first: SOI, well-formed segments, a frame header and a scan.
Result<void> checkJpegHeaders(DcmDataset *ds, const DicomInfo &info, int frame, const QString &file)
{
    const std::vector<DcmPixelItem *> fragments = pixelFragments(ds);
    if (fragments.empty())
        return makeError(ErrorCode::Malformed, file, QStringLiteral("JPEG pixel data without fragments"));
    // One fragment per frame is the common layout; otherwise every fragment that starts a JPEG
    // stream is checked (DCMTK may scan any of them).
    const bool onePerFrame = fragments.size() == std::size_t(info.frames);
    for (std::size_t i = 0; i < fragments.size(); ++i) {
        if (onePerFrame && i != std::size_t(frame)) continue;
        Uint8 *data = nullptr;
        const Uint32 length = fragments[i]->getLength();
        if (fragments[i]->getUint8Array(data).bad() || (!data && length > 0))
            return makeError(ErrorCode::Malformed, file, QStringLiteral("cannot read JPEG fragment %1").arg(i + 1));
        const bool startsStream = data && length >= 2 && data[0] == 0xFF && data[1] == 0xD8;
        if (!startsStream && !(onePerFrame || i == 0)) continue; // a continuation fragment
        if (!parseJpegHeader(data, length).valid)
            return makeError(ErrorCode::Malformed, file,
                             QStringLiteral("the JPEG data of frame %1 is corrupt (bad marker segments)")
                                 .arg(onePerFrame ? frame : 0));
    }
    return {};
}

/// Some writers label YCbCr JPEG data "RGB", and DCMTK then leaves the colours unconverted (purple
/// skin, green sky). When the first fragment of a lossy JPEG file clearly holds YCbCr, the
/// in-memory Photometric Interpretation is corrected so the decoder converts it. The stream
/// decides by its Adobe APP14 segment; else component ids 'R','G','B' mean RGB; else a JFIF APP0
/// segment or chroma subsampling mean YCbCr; otherwise the header is trusted.
void correctJpegPhotometric(DcmDataset *ds, const DicomInfo &info)
{
    const E_TransferSyntax xfer = ds->getOriginalXfer();
    if ((xfer != EXS_JPEGProcess1 && xfer != EXS_JPEGProcess2_4) || info.samplesPerPixel != 3 ||
        info.photometric != QLatin1String("RGB"))
        return;
    const std::vector<DcmPixelItem *> fragments = pixelFragments(ds);
    Uint8 *data = nullptr;
    if (fragments.empty() || fragments.front()->getUint8Array(data).bad() || !data) return;
    const JpegHeader h = parseJpegHeader(data, fragments.front()->getLength());
    if (!h.valid || h.components != 3) return;
    bool ycc = false;
    if (h.adobeTransform >= 0)
        ycc = h.adobeTransform != 0;
    else if (h.ids[0] == 'R' && h.ids[1] == 'G' && h.ids[2] == 'B')
        ycc = false;
    else
        ycc = h.jfif || h.sampling[0] != h.sampling[1] || h.sampling[0] != h.sampling[2];
    if (ycc) ds->putAndInsertString(DCM_PhotometricInterpretation, "YBR_FULL");
}

Error decodeError(const QString &file, EI_Status status)
{
    const QString reason = toQString(DicomImage::getString(status));
    switch (status) {
    case EIS_NotSupportedValue:
        return makeError(ErrorCode::Unsupported, file,
                         QStringLiteral("DCMTK cannot decode this image: %1").arg(reason));
    case EIS_MemoryFailure:
        return makeError(ErrorCode::Unreadable, file, QStringLiteral("out of memory while decoding the image"));
    default:
        return makeError(ErrorCode::Malformed, file, QStringLiteral("DCMTK cannot decode this image: %1").arg(reason));
    }
}

/// Renders the (only or given) frame of a DicomImage to CV_8UC3 RGB; monochrome frames with
/// `window` when it is valid, and `shown` (when given) learns the default window and value range.
Result<cv::Mat> render(DicomImage &image, unsigned long relativeFrame, const QString &file,
                       const DicomWindow &window = {}, DicomWindowInfo *shown = nullptr)
{
    const int width = int(image.getWidth());
    const int height = int(image.getHeight());
    if (width <= 0 || height <= 0) return makeError(ErrorCode::Malformed, file, QStringLiteral("image has no pixels"));
    if (shown) *shown = DicomWindowInfo{};
    if (image.isMonochrome()) {
        image.hideAllOverlays();
        // First window, else first VOI LUT, else the full range of the pixel values.
        const bool windowed =
            (image.getWindowCount() > 0 && image.setWindow(0)) || (image.getVoiLutCount() > 0 && image.setVoiLut(0));
        if (!windowed) image.setMinMaxWindow(0);
        if (shown) {
            shown->monochrome = true;
            double lo = 0, hi = 0;
            if (image.getMinMaxValues(lo, hi, 0)) { // the modality values of the frame (after rescale)
                shown->minValue = lo;
                shown->maxValue = hi;
            }
            double c = 0, w = 0;
            if (image.getWindow(c, w) && w > 0) { // a VOI LUT has no centre/width: the value range stands in
                shown->defaultWindow = {c, w};
            } else {
                shown->defaultWindow = {(lo + hi) / 2.0, std::max(1.0, hi - lo)};
            }
        }
        if (window.isValid()) image.setWindow(window.center, window.width);
        cv::Mat gray(height, width, CV_8UC1);
        if (!image.getOutputData(gray.data, static_cast<unsigned long>(gray.total()), 8, relativeFrame, 0))
            return decodeError(file, image.getStatus() == EIS_Normal ? EIS_InvalidImage : image.getStatus());
        cv::Mat rgb;
        cv::cvtColor(gray, rgb, cv::COLOR_GRAY2RGB);
        return rgb;
    }
    cv::Mat rgb(height, width, CV_8UC3);
    if (!image.getOutputData(rgb.data, static_cast<unsigned long>(rgb.total() * 3), 8, relativeFrame, 0))
        return decodeError(file, image.getStatus() == EIS_Normal ? EIS_InvalidImage : image.getStatus());
    return rgb;
}

} // namespace

// --- DicomTag ------------------------------------------------------------------------------------

QString DicomTag::text() const
{
    return tagText(group, element);
}

QString DicomTag::name() const
{
    if (!keyword.isEmpty()) return keyword;
    return QStringLiteral("%1,%2").arg(group, 4, 16, QLatin1Char('0')).arg(element, 4, 16, QLatin1Char('0'));
}

Result<DicomTag> parseDicomTag(const QString &keywordOrTag)
{
    initDcmtk();
    QString text = keywordOrTag.trimmed();
    if (text.startsWith(QLatin1Char('(')) && text.endsWith(QLatin1Char(')')))
        text = text.mid(1, text.size() - 2).trimmed();
    DicomTag tag;
    // "gggg,eeee": four hex digits, a comma (spaces allowed around it), four hex digits.
    const int comma = int(text.indexOf(QLatin1Char(',')));
    if (comma >= 0) {
        const QString g = text.left(comma).trimmed();
        const QString e = text.mid(comma + 1).trimmed();
        bool okGroup = false, okElement = false;
        const uint group = g.toUInt(&okGroup, 16);
        const uint element = e.toUInt(&okElement, 16);
        auto isHex = [](const QString &t) {
            return std::all_of(t.cbegin(), t.cend(),
                               [](QChar c) { return c.unicode() < 128 && std::isxdigit(c.unicode()); });
        };
        if (g.size() == 4 && e.size() == 4 && isHex(g) && isHex(e) && okGroup && okElement) {
            tag.group = quint16(group);
            tag.element = quint16(element);
            DcmTag dcmTag(tag.group, tag.element);
            const QString name = toQString(dcmTag.getTagName());
            if (!name.isEmpty() && name != QLatin1String(DcmTag_ERROR_TagName)) tag.keyword = name;
            return tag;
        }
    } else if (!text.isEmpty() && text.at(0).isLetter() && std::all_of(text.cbegin(), text.cend(), [](QChar c) {
                   return c.unicode() < 128 && (c.isLetterOrNumber() || c == QLatin1Char('_'));
               })) {
        DcmTag dcmTag;
        const QByteArray latin = text.toLatin1();
        if (DcmTag::findTagFromName(latin.constData(), dcmTag).good()) {
            tag.group = dcmTag.getGTag();
            tag.element = dcmTag.getETag();
            tag.keyword = toQString(dcmTag.getTagName());
            return tag;
        }
    }
    return makeError(ErrorCode::InvalidArgument, QString(),
                     QStringLiteral("'%1' is neither a DICOM keyword nor a tag like 0018,0015").arg(keywordOrTag));
}

bool hasDicomMagic(const QString &file)
{
    QFile f(file);
    if (!f.open(QIODevice::ReadOnly)) return false;
    const QByteArray head = f.read(132);
    return head.size() == 132 && head.mid(128, 4) == QByteArrayLiteral("DICM");
}

// --- Reading -------------------------------------------------------------------------------------

Result<DicomInfo> readDicomInfo(const QString &file)
{
    return readDicomInfo(file, QStringList());
}

Result<DicomInfo> readDicomInfo(const QString &file, const QStringList &extraAttributes)
{
    std::vector<DicomTag> tags;
    for (const QString &name : extraAttributes) {
        Result<DicomTag> tag = parseDicomTag(name);
        if (!tag) return makeError(ErrorCode::InvalidArgument, file, tag.error().detail);
        tags.push_back(*tag);
    }
    try {
        Result<LoadedFile> loaded = loadDicom(file);
        if (!loaded) return loaded.error();
        Result<DicomInfo> info = inspect(*loaded, file);
        if (!info) return info;
        for (std::size_t i = 0; i < tags.size(); ++i) {
            DcmElement *element = findElement(*loaded, tags[i]);
            if (!element) continue;
            const QString value = elementText(element);
            info->requested.insert(extraAttributes[int(i)], value);
            if (!value.isEmpty()) info->meta.insert(tags[i].name(), value);
        }
        return info;
    } catch (const std::bad_alloc &) {
        return makeError(ErrorCode::Unreadable, file, QStringLiteral("out of memory while reading the DICOM header"));
    } catch (const std::exception &e) {
        return makeError(ErrorCode::Malformed, file,
                         QStringLiteral("cannot read the DICOM header: %1").arg(QString::fromLocal8Bit(e.what())));
    } catch (...) {
        return makeError(ErrorCode::Malformed, file, QStringLiteral("cannot read the DICOM header"));
    }
}

Result<QString> readDicomAttribute(const QString &file, const QString &keywordOrTag)
{
    Result<DicomTag> tag = parseDicomTag(keywordOrTag);
    if (!tag) return makeError(ErrorCode::InvalidArgument, file, tag.error().detail);
    try {
        Result<LoadedFile> loaded = loadDicom(file);
        if (!loaded) return loaded.error();
        DcmElement *element = findElement(*loaded, *tag);
        if (!element)
            return makeError(
                ErrorCode::NotFound, file,
                QStringLiteral("attribute %1 not present")
                    .arg(tag->keyword.isEmpty() ? tag->text() : tag->text() + QLatin1Char(' ') + tag->keyword));
        return elementText(element);
    } catch (const std::bad_alloc &) {
        return makeError(ErrorCode::Unreadable, file, QStringLiteral("out of memory while reading the DICOM header"));
    } catch (...) {
        return makeError(ErrorCode::Malformed, file, QStringLiteral("cannot read the DICOM header"));
    }
}

Result<QMap<QString, QString>> readAllDicomAttributes(const QString &file)
{
    try {
        Result<LoadedFile> loaded = loadDicom(file);
        if (!loaded) return loaded.error();
        QMap<QString, QString> out;
        collectAttributes(loaded->metaInfo(), QString(), 0, &out);
        collectAttributes(loaded->dataset(), QString(), 0, &out);
        return out;
    } catch (const std::bad_alloc &) {
        return makeError(ErrorCode::Unreadable, file, QStringLiteral("out of memory while reading the DICOM header"));
    } catch (...) {
        return makeError(ErrorCode::Malformed, file, QStringLiteral("cannot read the DICOM header"));
    }
}

// --- Decoding ------------------------------------------------------------------------------------

Result<cv::Mat> decodeDicomFrame(const QString &file, int frame)
{
    return decodeDicomFrame(file, frame, DicomWindow{}, nullptr);
}

Result<cv::Mat> decodeDicomFrame(const QString &file, int frame, const DicomWindow &window, DicomWindowInfo *shown)
{
    try {
        Result<LoadedFile> loaded = loadDicom(file);
        if (!loaded) return loaded.error();
        Result<DicomInfo> info = inspect(*loaded, file);
        if (!info) return info.error();
        if (frame < 0 || frame >= info->frames)
            return makeError(ErrorCode::InvalidArgument, file,
                             QStringLiteral("frame %1 out of range (the file has %2 frame%3)")
                                 .arg(frame)
                                 .arg(info->frames)
                                 .arg(QLatin1String(info->frames == 1 ? "" : "s")));

        if (loaded->dataset()->getOriginalXfer() == EXS_RLELossless) {
            Result<void> rle = checkRleHeader(loaded->dataset(), *info, frame, file);
            if (!rle) return rle.error();
        }
        if (isJpegFamily(loaded->dataset()->getOriginalXfer())) {
            Result<void> jpeg = checkJpegHeaders(loaded->dataset(), *info, frame, file);
            if (!jpeg) return jpeg.error();
            correctJpegPhotometric(loaded->dataset(), *info);
        }
        const E_TransferSyntax xfer = loaded->dataset()->getOriginalXfer();
        // Partial access reads (and decompresses) only the requested frame. Should that fail (odd
        // fragment layouts), the whole pixel data is decoded instead.
        {
            DicomImage image(loaded->fileFormat.get(), xfer,
                             CIF_UsePartialAccessToPixelData | CIF_NeverAccessEmbeddedOverlays,
                             static_cast<unsigned long>(frame), 1);
            if (image.getStatus() == EIS_Normal && image.getFrameCount() >= 1) {
                Result<cv::Mat> rgb = render(image, 0, file, window, shown);
                if (rgb) return rgb;
            }
        }
        // The full decode touches every frame, so every frame's compressed stream is checked first.
        for (int other = 0; other < info->frames; ++other) {
            if (other == frame) continue;
            if (xfer == EXS_RLELossless) {
                Result<void> rle = checkRleHeader(loaded->dataset(), *info, other, file);
                if (!rle) return rle.error();
            } else if (isJpegFamily(xfer)) {
                Result<void> jpeg = checkJpegHeaders(loaded->dataset(), *info, other, file);
                if (!jpeg) return jpeg.error();
            } else {
                break;
            }
        }
        DicomImage image(loaded->fileFormat.get(), xfer, CIF_NeverAccessEmbeddedOverlays);
        if (image.getStatus() != EIS_Normal) return decodeError(file, image.getStatus());
        if (static_cast<unsigned long>(frame) >= image.getFrameCount())
            return makeError(ErrorCode::Malformed, file,
                             QStringLiteral("frame %1 could not be decoded (only %2 present)")
                                 .arg(frame)
                                 .arg(image.getFrameCount()));
        return render(image, static_cast<unsigned long>(frame), file, window, shown);
    } catch (const std::bad_alloc &) {
        return makeError(ErrorCode::Unreadable, file, QStringLiteral("out of memory while decoding the image"));
    } catch (const cv::Exception &e) {
        return makeError(ErrorCode::Malformed, file,
                         QStringLiteral("cannot convert the image: %1").arg(QString::fromStdString(e.msg)));
    } catch (const std::exception &e) {
        return makeError(ErrorCode::Malformed, file,
                         QStringLiteral("cannot decode the image: %1").arg(QString::fromLocal8Bit(e.what())));
    } catch (...) {
        return makeError(ErrorCode::Malformed, file, QStringLiteral("cannot decode the image"));
    }
}

QString jpeg2000ConversionHint()
{
    return QStringLiteral("Convert it to an uncompressed transfer syntax first, for example with GDCM's command-line "
                          "tool: gdcmconv --raw IN.dcm OUT.dcm (Debian package libgdcm-tools), then import OUT.dcm.");
}

bool isNotAnImageError(const Error &error)
{
    return error.code == ErrorCode::Unsupported && error.detail.startsWith(kNotAnImage);
}

} // namespace fopro::data
