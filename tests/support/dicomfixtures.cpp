#include "tests/support/dicomfixtures.h"

#include <QtCore/QDir>
#include <QtCore/QFile>
#include <QtCore/QFileInfo>

#include "dcmtk/config/osconfig.h"
#include "dcmtk/dcmdata/dcdeftag.h"
#include "dcmtk/dcmdata/dcdict.h"
#include "dcmtk/dcmdata/dcfilefo.h"
#include "dcmtk/dcmdata/dcuid.h"

namespace fopro::test {

bool writeVlPhotographic(const QString &path, const QMap<QString, QString> &attributes, const cv::Mat &rgb)
{
    if (rgb.type() != CV_8UC3) return false;
    QDir().mkpath(QFileInfo(path).absolutePath());
    DcmFileFormat file;
    DcmDataset *ds = file.getDataset();
    auto put = [ds](const DcmTagKey &key, const QString &value) {
        return ds->putAndInsertString(key, value.toLatin1().constData()).good();
    };
    char uid[100];
    bool ok = put(DCM_SOPClassUID, QStringLiteral("1.2.840.10008.5.1.4.1.1.77.1.4"));
    if (!attributes.contains(QStringLiteral("SOPInstanceUID")))
        ok = ok &&
             put(DCM_SOPInstanceUID, QString::fromLatin1(dcmGenerateUniqueIdentifier(uid, SITE_INSTANCE_UID_ROOT)));
    for (auto it = attributes.cbegin(); ok && it != attributes.cend(); ++it) {
        DcmTag found;
        if (DcmTag::findTagFromName(it.key().toLatin1().constData(), found).bad()) return false;
        ok = put(found.getXTag(), it.value());
    }
    ok = ok && ds->putAndInsertUint16(DCM_SamplesPerPixel, 3).good() &&
         put(DCM_PhotometricInterpretation, QStringLiteral("RGB")) &&
         ds->putAndInsertUint16(DCM_PlanarConfiguration, 0).good() &&
         ds->putAndInsertUint16(DCM_Rows, Uint16(rgb.rows)).good() &&
         ds->putAndInsertUint16(DCM_Columns, Uint16(rgb.cols)).good() &&
         ds->putAndInsertUint16(DCM_BitsAllocated, 8).good() && ds->putAndInsertUint16(DCM_BitsStored, 8).good() &&
         ds->putAndInsertUint16(DCM_HighBit, 7).good() && ds->putAndInsertUint16(DCM_PixelRepresentation, 0).good();
    const cv::Mat c = rgb.clone(); // continuous
    ok = ok &&
         ds->putAndInsertUint8Array(DCM_PixelData, c.data, static_cast<unsigned long>(c.total() * c.elemSize())).good();
    const QByteArray name = QFile::encodeName(path);
    return ok && file.saveFile(OFFilename(name.constData()), EXS_LittleEndianExplicit).good();
}

} // namespace fopro::test
