#include "core/data/deidentify.h"

#include "core/common/fileio.h"
#include "core/data/imageloader.h"

#include <QtCore/QDate>
#include <QtCore/QDir>
#include <QtCore/QFileInfo>
#include <QtCore/QHash>
#include <QtCore/QMessageAuthenticationCode>
#include <QtCore/QRegularExpression>

#include <QtCore/QSet>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <map>

namespace fopro::data {

namespace {

// Attribute keywords of the DICOM PS3.15 Basic Application Level Confidentiality Profile, from
// PS3.15 Annex E, Table E.1-1 "Application Level Confidentiality Profile Attributes" (every row
// whose basic-profile action is X, Z, D, U or a combination). Dates listed here (StudyDate, ...)
// are exported shifted under DateMode::Shift ("Retain Longitudinal Temporal Information with
// Modified Dates" option), never as they are.
const char *const kProfileKeywords[] = {
    "AccessionNumber",
    "AcquisitionComments",
    "AcquisitionContextSequence",
    "AcquisitionDate",
    "AcquisitionDateTime",
    "AcquisitionDeviceProcessingDescription",
    "AcquisitionProtocolDescription",
    "AcquisitionTime",
    "ActualHumanPerformersSequence",
    "AdditionalPatientHistory",
    "AdmissionID",
    "AdmittingDate",
    "AdmittingDiagnosesCodeSequence",
    "AdmittingDiagnosesDescription",
    "AdmittingTime",
    "AffectedSOPInstanceUID",
    "Allergies",
    "Arbitrary",
    "AuthorObserverSequence",
    "BranchOfService",
    "CassetteID",
    "CommentsOnThePerformedProcedureStep",
    "ConcatenationUID",
    "ConfidentialityConstraintOnPatientDataDescription",
    "ContentCreatorName",
    "ContentCreatorIdentificationCodeSequence",
    "ContentDate",
    "ContentSequence",
    "ContentTime",
    "ContributionDescription",
    "CountryOfResidence",
    "CurrentPatientLocation",
    "CurveDate",
    "CurveTime",
    "CustodialOrganizationSequence",
    "DataSetTrailingPadding",
    "DerivationDescription",
    "DetectorID",
    "DeviceSerialNumber",
    "DeviceUID",
    "DigitalSignatureUID",
    "DimensionOrganizationUID",
    "DischargeDiagnosisDescription",
    "DistributionAddress",
    "DistributionName",
    "DoseReferenceUID",
    "EthnicGroup",
    "FailedSOPInstanceUIDList",
    "FiducialUID",
    "FillerOrderNumberImagingServiceRequest",
    "FrameComments",
    "FrameOfReferenceUID",
    "GantryID",
    "GeneratorID",
    "GraphicAnnotationSequence",
    "HumanPerformerName",
    "HumanPerformerOrganization",
    "IconImageSequence",
    "IdentifyingComments",
    "ImageComments",
    "ImagePresentationComments",
    "ImagingServiceRequestComments",
    "Impressions",
    "InstanceCreationDate",
    "InstanceCreationTime",
    "InstanceCreatorUID",
    "InstitutionAddress",
    "InstitutionCodeSequence",
    "InstitutionName",
    "InstitutionalDepartmentName",
    "InsurancePlanIdentification",
    "IntendedRecipientsOfResultsIdentificationSequence",
    "InterpretationApproverSequence",
    "InterpretationAuthor",
    "InterpretationDiagnosisDescription",
    "InterpretationIDIssuer",
    "InterpretationRecorder",
    "InterpretationText",
    "InterpretationTranscriber",
    "IrradiationEventUID",
    "IssuerOfAdmissionID",
    "IssuerOfPatientID",
    "IssuerOfServiceEpisodeID",
    "LargePaletteColorLookupTableUID",
    "MAC",
    "MediaStorageSOPInstanceUID",
    "MedicalAlerts",
    "MedicalRecordLocator",
    "MilitaryRank",
    "ModifiedAttributesSequence",
    "ModifiedImageDescription",
    "ModifyingDeviceID",
    "NameOfPhysiciansReadingStudy",
    "NamesOfIntendedRecipientsOfResults",
    "Occupation",
    "OperatorIdentificationSequence",
    "OperatorsName",
    "OrderCallbackPhoneNumber",
    "OrderEnteredBy",
    "OrderEntererLocation",
    "OriginalAttributesSequence",
    "OtherPatientIDs",
    "OtherPatientIDsSequence",
    "OtherPatientNames",
    "OverlayComments",
    "OverlayDate",
    "OverlayTime",
    "PatientAddress",
    "PatientAge",
    "PatientBirthDate",
    "PatientBirthName",
    "PatientBirthTime",
    "PatientComments",
    "PatientID",
    "PatientInsurancePlanCodeSequence",
    "PatientMotherBirthName",
    "PatientName",
    "PatientPrimaryLanguageCodeSequence",
    "PatientReligiousPreference",
    "PatientSex",
    "PatientSexNeutered",
    "PatientSize",
    "PatientState",
    "PatientTelephoneNumbers",
    "PatientTransportArrangements",
    "PatientWeight",
    "PerformedLocation",
    "PerformedProcedureStepDescription",
    "PerformedProcedureStepEndDate",
    "PerformedProcedureStepEndTime",
    "PerformedProcedureStepID",
    "PerformedProcedureStepStartDate",
    "PerformedProcedureStepStartTime",
    "PerformedStationAETitle",
    "PerformedStationGeographicLocationCodeSequence",
    "PerformedStationName",
    "PerformingPhysicianIdentificationSequence",
    "PerformingPhysicianName",
    "PersonAddress",
    "PersonIdentificationCodeSequence",
    "PersonName",
    "PersonTelephoneNumbers",
    "PhysicianApprovingInterpretation",
    "PhysiciansOfRecord",
    "PhysiciansOfRecordIdentificationSequence",
    "PhysiciansReadingStudyIdentificationSequence",
    "PlacerOrderNumberImagingServiceRequest",
    "PlateID",
    "PreMedication",
    "PregnancyStatus",
    "ProtocolName",
    "ReasonForImagingServiceRequest",
    "ReasonForStudy",
    "ReferencedDigitalSignatureSequence",
    "ReferencedFrameOfReferenceUID",
    "ReferencedImageSequence",
    "ReferencedPatientAliasSequence",
    "ReferencedPatientSequence",
    "ReferencedPerformedProcedureStepSequence",
    "ReferencedSOPInstanceMACSequence",
    "ReferencedSOPInstanceUID",
    "ReferencedStudySequence",
    "ReferringPhysicianAddress",
    "ReferringPhysicianIdentificationSequence",
    "ReferringPhysicianName",
    "ReferringPhysicianTelephoneNumbers",
    "RegionOfResidence",
    "RelatedFrameOfReferenceUID",
    "RequestAttributesSequence",
    "RequestedContrastAgent",
    "RequestedProcedureComments",
    "RequestedProcedureDescription",
    "RequestedProcedureID",
    "RequestedProcedureLocation",
    "RequestedSOPInstanceUID",
    "RequestingPhysician",
    "RequestingService",
    "ResponsibleOrganization",
    "ResponsiblePerson",
    "ResultsComments",
    "ResultsDistributionListSequence",
    "ResultsIDIssuer",
    "ReviewerName",
    "ScheduledHumanPerformersSequence",
    "ScheduledPatientInstitutionResidence",
    "ScheduledPerformingPhysicianIdentificationSequence",
    "ScheduledPerformingPhysicianName",
    "ScheduledProcedureStepDescription",
    "ScheduledProcedureStepEndDate",
    "ScheduledProcedureStepEndTime",
    "ScheduledProcedureStepLocation",
    "ScheduledProcedureStepStartDate",
    "ScheduledProcedureStepStartTime",
    "ScheduledStationAETitle",
    "ScheduledStationGeographicLocationCodeSequence",
    "ScheduledStationName",
    "ScheduledStationNameCodeSequence",
    "ScheduledStudyLocation",
    "ScheduledStudyLocationAETitle",
    "SeriesDate",
    "SeriesDescription",
    "SeriesInstanceUID",
    "SeriesTime",
    "ServiceEpisodeDescription",
    "ServiceEpisodeID",
    "SmokingStatus",
    "SOPInstanceUID",
    "SourceImageSequence",
    "SpecialNeeds",
    "StationName",
    "StorageMediaFileSetUID",
    "StudyComments",
    "StudyDate",
    "StudyDescription",
    "StudyID",
    "StudyIDIssuer",
    "StudyInstanceUID",
    "StudyTime",
    "SynchronizationFrameOfReferenceUID",
    "TemplateExtensionCreatorUID",
    "TemplateExtensionOrganizationUID",
    "TextComments",
    "TextString",
    "TimezoneOffsetFromUTC",
    "TopicAuthor",
    "TopicKeywords",
    "TopicSubject",
    "TopicTitle",
    "TransactionUID",
    "UID",
    "VerifyingObserverIdentificationCodeSequence",
    "VerifyingObserverName",
    "VerifyingObserverSequence",
    "VerifyingOrganization",
    "VisitComments",
};

// Names that CSV metadata commonly uses for the same facts (compared normalised, see normalised()).
const char *const kAliases[] = {
    "age",         "ageapprox", "sex",         "gender",    "dob",       "birthdate",
    "dateofbirth", "birthday",  "name",        "firstname", "lastname",  "surname",
    "givenname",   "fullname",  "patient",     "patientid", "mrn",       "medicalrecordnumber",
    "ssn",         "address",   "phone",       "telephone", "email",     "zip",
    "zipcode",     "postcode",  "institution", "hospital",  "physician", "doctor",
    "operator",    "accession", "lesionid",    "subjectid", "caseid",    "comment",
    "comments",    "notes",     "description",
};

/// Lower case, letters and digits only: "Patient_Name" and "PatientName" compare equal.
QString normalised(const QString &key)
{
    QString out;
    out.reserve(key.size());
    for (const QChar c : key)
        if (c.isLetterOrNumber()) out.append(c.toLower());
    return out;
}

const QSet<QString> &identifyingNames()
{
    static const QSet<QString> names = [] {
        QSet<QString> s;
        for (const char *k : kProfileKeywords)
            s.insert(normalised(QString::fromLatin1(k)));
        for (const char *k : kAliases)
            s.insert(QString::fromLatin1(k));
        return s;
    }();
    return names;
}

QByteArray hmac(const QByteArray &secret, const QString &message)
{
    return QMessageAuthenticationCode::hash(message.toUtf8(), secret, QCryptographicHash::Sha256);
}

bool isBirthKey(const QString &norm)
{
    return norm.contains(QLatin1String("birth")) || norm == QLatin1String("dob");
}

/// A date value: DICOM DA ("20240115"), DT ("20240115103000.000+0100", date part used) or ISO
/// ("2024-01-15", "2024-01-15T10:30"). Invalid QDate when it is none of these.
QDate parseDate(const QString &value)
{
    const QString v = value.trimmed();
    static const QRegularExpression dicom(QStringLiteral("^(\\d{4})(\\d{2})(\\d{2})"));
    static const QRegularExpression iso(QStringLiteral("^(\\d{4})-(\\d{2})-(\\d{2})"));
    QRegularExpressionMatch m = iso.match(v);
    if (!m.hasMatch()) m = dicom.match(v);
    if (!m.hasMatch()) return {};
    return QDate(m.captured(1).toInt(), m.captured(2).toInt(), m.captured(3).toInt());
}

/// The shifted date written in the value's own style (DICOM "YYYYMMDD" or ISO "YYYY-MM-DD"); any
/// time part is dropped.
QString shiftedDate(const QString &value, int days)
{
    const QDate d = parseDate(value);
    if (!d.isValid()) return {};
    const bool iso = value.trimmed().size() > 4 && value.trimmed().at(4) == QLatin1Char('-');
    return d.addDays(days).toString(iso ? QStringLiteral("yyyy-MM-dd") : QStringLiteral("yyyyMMdd"));
}

bool isTimeKey(const QString &norm)
{
    return norm.endsWith(QLatin1String("time")) && !norm.endsWith(QLatin1String("datetime"));
}

/// A folder name from a class name: no separators, no "." or "..", no control characters.
QString safeFolderName(const QString &name, int classIndex)
{
    QString out;
    for (const QChar c : name) {
        if (c.isLetterOrNumber() || c == QLatin1Char('-') || c == QLatin1Char('_') || c == QLatin1Char(' ') ||
            c == QLatin1Char('.') || c == QLatin1Char('+') || c == QLatin1Char('(') || c == QLatin1Char(')'))
            out.append(c);
        else
            out.append(QLatin1Char('_'));
    }
    out = out.trimmed();
    while (out.startsWith(QLatin1Char('.')))
        out.remove(0, 1);
    if (out.isEmpty()) out = QStringLiteral("class_%1").arg(classIndex);
    return out;
}

bool isInside(const QString &path, const QString &folder)
{
    const QString p = QDir::cleanPath(path);
    const QString f = QDir::cleanPath(folder);
    return p.startsWith(f + QLatin1Char('/'));
}

} // namespace

QString pseudonym(const QString &id, const QByteArray &secret)
{
    return QStringLiteral("P-") + QString::fromLatin1(hmac(secret, id).toHex().left(12));
}

int dateShiftDays(const QString &groupId, const QByteArray &secret)
{
    const QByteArray h = hmac(secret, groupId);
    const quint32 v = (quint32(quint8(h[16])) << 24) | (quint32(quint8(h[17])) << 16) | (quint32(quint8(h[18])) << 8) |
                      quint32(quint8(h[19]));
    return int(v % 731u) - 365;
}

bool isIdentifyingKey(const QString &key)
{
    const QString norm = normalised(key);
    if (norm.isEmpty()) return false;
    // Class and syntax UIDs name kinds of object, not people or studies.
    if (norm == QLatin1String("sopclassuid") || norm == QLatin1String("transfersyntaxuid") ||
        norm == QLatin1String("mediastoragesopclassuid"))
        return false;
    if (identifyingNames().contains(norm)) return true;
    // Any "...Name" of a person and any patient attribute not in the list is treated as identifying.
    if (norm.startsWith(QLatin1String("patient")) || norm.endsWith(QLatin1String("uid"))) return true;
    if (isBirthKey(norm)) return true;
    return false;
}

bool isDateKey(const QString &key)
{
    const QString norm = normalised(key);
    if (isBirthKey(norm)) return false;
    return norm.endsWith(QLatin1String("date")) || norm.endsWith(QLatin1String("datetime"));
}

QStringList confidentialityProfileKeywords()
{
    QStringList out;
    for (const char *k : kProfileKeywords)
        out << QString::fromLatin1(k);
    return out;
}

Result<ExportReport> exportDataset(const DatasetIndex &index, const ExportOptions &options, JobControl *cancel,
                                   const ProgressSink &progress)
{
    if (options.outputDir.trimmed().isEmpty())
        return makeError(ErrorCode::InvalidArgument, QString(), QStringLiteral("no output folder given"));
    if (options.secret.size() < 16)
        return makeError(
            ErrorCode::InvalidArgument, QString(),
            QStringLiteral("the secret key must be at least 16 bytes long (got %1)").arg(options.secret.size()));

    ExportReport report;
    const QString out = QDir::cleanPath(QFileInfo(options.outputDir).absoluteFilePath());
    report.outputDir = out;
    report.manifestFile = out + QStringLiteral("/manifest.csv");
    if (!index.root.isEmpty() && QDir::cleanPath(QFileInfo(index.root).absoluteFilePath()) == out)
        return makeError(ErrorCode::InvalidArgument, out,
                         QStringLiteral("the output folder is the dataset's own folder"));

    const QFileInfo outInfo(out);
    if (outInfo.exists() && !outInfo.isDir())
        return makeError(ErrorCode::InvalidArgument, out, QStringLiteral("exists and is not a folder"));
    QDir outDir(out);
    if (outInfo.exists() && !outDir.isEmpty(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden | QDir::System)) {
        if (!options.overwrite)
            return makeError(ErrorCode::InvalidArgument, out,
                             QStringLiteral("the output folder is not empty (allow overwriting to export into it)"));
        // Only a previous export (its manifest.csv and images/) is replaced; anything else the user
        // keeps there stays. An images/ folder that no manifest explains is not ours to replace.
        if (QFileInfo::exists(out + QStringLiteral("/images")) && !QFileInfo::exists(report.manifestFile))
            return makeError(ErrorCode::InvalidArgument, out + QStringLiteral("/images"),
                             QStringLiteral("the output folder holds an images folder that is not from an export "
                                            "(no manifest.csv beside it); choose another folder"));
    }
    // Everything is written into a hidden staging folder first and moved into place only when
    // complete: a failed, cancelled or killed export (a full disk, a crash) leaves the previous
    // export as it was, and a folder without manifest.csv is never a finished export.
    const QString work = out + QStringLiteral("/.partial-export");
    QDir(work).removeRecursively(); // left by an export that was killed
    struct RemoveStaging {
        QString dir;
        ~RemoveStaging() { QDir(dir).removeRecursively(); }
    } removeStaging{work};
    if (!QDir().mkpath(work + QStringLiteral("/images")))
        return makeError(ErrorCode::WriteFailed, work + QStringLiteral("/images"),
                         QStringLiteral("cannot create the folder"));

    // Class folders, made unique after sanitising.
    QStringList classFolders;
    {
        QSet<QString> used;
        for (int c = 0; c < index.classCount(); ++c) {
            QString name = safeFolderName(index.classes.at(c), c);
            QString unique = name;
            for (int n = 2; used.contains(unique.toLower()); ++n)
                unique = name + QStringLiteral("_%1").arg(n);
            used.insert(unique.toLower());
            classFolders << unique;
        }
    }

    std::vector<int> active;
    for (std::size_t i = 0; i < index.samples.size(); ++i) {
        if (DatasetIndex::isActive(index.samples[i]) && index.samples[i].label < index.classCount())
            active.push_back(int(i));
        else
            ++report.inactive;
    }
    const int total = int(active.size());

    struct Row {
        QString file, cls, split, group;
        QMap<QString, QString> meta;
    };
    std::vector<Row> rows;
    rows.reserve(active.size());
    QSet<QString> removed;
    QSet<QString> metaKeys;
    QSet<QString> groups;
    QSet<QString> usedNames;
    QSet<QString> createdFolders;

    int done = 0;
    const auto tell = [&](int doneCount) {
        Progress p;
        p.phase = QStringLiteral("Exporting");
        p.done = doneCount;
        p.total = total;
        fopro::report(progress, p);
    };
    tell(0);
    for (const int i : active) {
        if (isCancelled(cancel)) return makeError(ErrorCode::Cancelled, QString(), QStringLiteral("export cancelled"));
        const Sample &s = index.samples[std::size_t(i)];
        const auto finishOne = [&] {
            ++done;
            tell(done);
        };

        Result<cv::Mat> img = loadImage(index, s);
        if (!img) {
            report.problems.push_back({s.path, img.error().detail});
            ++report.skipped;
            finishOne();
            continue;
        }
        cv::Mat bgr;
        std::vector<uchar> png;
        try {
            cv::cvtColor(*img, bgr, cv::COLOR_RGB2BGR);
            if (!cv::imencode(".png", bgr, png)) throw cv::Exception(0, "PNG encoding failed", "", "", 0);
        } catch (const cv::Exception &e) {
            report.problems.push_back(
                {s.path, QStringLiteral("cannot encode as PNG: ") + QString::fromStdString(e.what())});
            ++report.skipped;
            finishOne();
            continue;
        }

        const QString folder = classFolders.at(s.label);
        const QString folderPath = work + QStringLiteral("/images/") + folder;
        if (!createdFolders.contains(folder)) {
            if (!isInside(folderPath, work) || !QDir().mkpath(folderPath))
                return makeError(ErrorCode::WriteFailed, folderPath, QStringLiteral("cannot create the folder"));
            createdFolders.insert(folder);
        }
        const QByteArray h = hmac(options.secret, QStringLiteral("sample:") + s.id()).toHex();
        QString name = QStringLiteral("img-") + QString::fromLatin1(h.left(16));
        for (int n = 2; usedNames.contains(folder + QLatin1Char('/') + name); ++n)
            name = QStringLiteral("img-") + QString::fromLatin1(h.left(16)) + QStringLiteral("-%1").arg(n);
        usedNames.insert(folder + QLatin1Char('/') + name);
        const QString relative = QStringLiteral("images/") + folder + QLatin1Char('/') + name + QStringLiteral(".png");
        const QString target = work + QLatin1Char('/') + relative;
        if (!isInside(target, work))
            return makeError(ErrorCode::WriteFailed, target,
                             QStringLiteral("would be written outside the output folder"));
        Result<void> written = fileio::writeAtomically(
            target, QByteArray(reinterpret_cast<const char *>(png.data()), qsizetype(png.size())));
        if (!written) return written.error();

        Row row;
        row.file = relative;
        row.cls = index.classes.at(s.label);
        row.split = splitName(s.split);
        // The patient/lesion key: the group, or DICOM's PatientID when the group is empty.
        QString rawGroup = s.group;
        if (rawGroup.isEmpty()) rawGroup = s.meta.value(QStringLiteral("PatientID"));
        if (!rawGroup.isEmpty()) {
            row.group = pseudonym(rawGroup, options.secret);
            groups.insert(row.group);
        }
        const QString rawPatientId = s.meta.value(QStringLiteral("PatientID"));
        const QFileInfo original(s.path);
        const QString originalName = original.fileName();
        const QString originalBase = original.completeBaseName();
        const int shift = dateShiftDays(rawGroup.isEmpty() ? s.id() : rawGroup, options.secret);
        for (auto it = s.meta.constBegin(); it != s.meta.constEnd(); ++it) {
            const QString &key = it.key();
            const QString value = it.value();
            if (isDateKey(key)) {
                const QString shifted = options.dateMode == DateMode::Shift ? shiftedDate(value, shift) : QString();
                if (shifted.isEmpty()) {
                    removed.insert(key);
                } else {
                    row.meta.insert(key, shifted);
                    metaKeys.insert(key);
                }
                continue;
            }
            const bool identifying = isIdentifyingKey(key) || isTimeKey(normalised(key)) ||
                                     (!rawGroup.isEmpty() && value.trimmed() == rawGroup) ||
                                     (rawPatientId.size() >= 4 && value.contains(rawPatientId)) ||
                                     // A column repeating the original file name would undo the
                                     // pseudonymous file names (HAM10000's image_id, ISIC's image).
                                     value.trimmed() == originalName || value.trimmed() == originalBase;
            if (identifying) {
                removed.insert(key);
                continue;
            }
            row.meta.insert(key, value);
            metaKeys.insert(key);
        }
        rows.push_back(std::move(row));
        ++report.exported;
        finishOne();
    }

    // Manifest: fixed columns, then the safe metadata keys sorted.
    QStringList keys(metaKeys.begin(), metaKeys.end());
    keys.sort(Qt::CaseInsensitive);
    report.columns =
        QStringList{QStringLiteral("file"), QStringLiteral("class"), QStringLiteral("split"), QStringLiteral("group")} +
        keys;
    QString csv;
    QStringList header;
    for (const QString &c : report.columns)
        header << fileio::csvField(c);
    csv += header.join(QLatin1Char(',')) + QLatin1Char('\n');
    std::sort(rows.begin(), rows.end(), [](const Row &a, const Row &b) { return a.file < b.file; });
    for (const Row &r : rows) {
        QStringList fields{fileio::csvField(r.file), fileio::csvField(r.cls), fileio::csvField(r.split),
                           fileio::csvField(r.group)};
        for (const QString &k : keys)
            fields << fileio::csvField(r.meta.value(k));
        csv += fields.join(QLatin1Char(',')) + QLatin1Char('\n');
    }
    if (isCancelled(cancel)) return makeError(ErrorCode::Cancelled, QString(), QStringLiteral("export cancelled"));
    Result<void> written = fileio::writeAtomically(work + QStringLiteral("/manifest.csv"), csv.toUtf8());
    if (!written) return written.error();

    // Into place: the old manifest goes first (from then on the folder is visibly unfinished), then
    // the old images; the new images, and last the new manifest.
    const QString images = out + QStringLiteral("/images");
    if (QFileInfo::exists(report.manifestFile) && !QFile::remove(report.manifestFile))
        return makeError(ErrorCode::WriteFailed, report.manifestFile,
                         QStringLiteral("cannot replace the previous export's manifest"));
    if (QFileInfo::exists(images) && !QDir(images).removeRecursively())
        return makeError(ErrorCode::WriteFailed, images, QStringLiteral("cannot remove the previous export's images"));
    if (!QDir().rename(work + QStringLiteral("/images"), images))
        return makeError(ErrorCode::WriteFailed, images, QStringLiteral("cannot move the exported images into place"));
    if (!QFile::rename(work + QStringLiteral("/manifest.csv"), report.manifestFile))
        return makeError(ErrorCode::WriteFailed, report.manifestFile,
                         QStringLiteral("cannot move the manifest into place"));

    report.patients = int(groups.size());
    report.removedKeys = QStringList(removed.begin(), removed.end());
    report.removedKeys.sort();
    return report;
}

} // namespace fopro::data
