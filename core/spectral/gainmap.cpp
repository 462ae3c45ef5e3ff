#include "core/spectral/gainmap.h"

#include "core/common/fileio.h"
#include "core/spectral/spectrum.h"

#include <QtCore/QDir>
#include <QtCore/QRegularExpression>
#include <QtCore/QtEndian>

#include <cmath>
#include <cstring>
#include <limits>

namespace fopro::spectral {

namespace {
constexpr char kMagic[4] = {'F', 'P', 'G', 'M'};
constexpr quint32 kVersion = 1;
constexpr int kHeaderBytes = 4 + 4 + 3 * 4;
} // namespace

cv::Mat GainMap::fullShifted(int channel) const
{
    if (!isValid()) return {};
    const int hw = halfWidth();
    cv::Mat full(height, width, CV_32F);
    for (int y = 0; y < height; ++y) {
        float *row = full.ptr<float>(y);
        for (int x = 0; x < width; ++x) {
            // Unshifted bin (y, x); columns beyond W/2 mirror (−y mod H, W − x).
            int sy = y, sx = x;
            if (x >= hw) {
                sy = (height - y) % height;
                sx = width - x;
            }
            double v = 0;
            if (channel >= 0) {
                v = at(std::min(channel, channels - 1), sy, sx);
            } else {
                for (int c = 0; c < channels; ++c)
                    v += at(c, sy, sx);
                v /= channels;
            }
            row[x] = float(v);
        }
    }
    fftShift(full);
    return full;
}

std::vector<double> GainMap::radialProfile(int bands) const
{
    bands = std::max(1, bands);
    std::vector<double> sum(static_cast<std::size_t>(bands), 0.0);
    std::vector<long long> count(static_cast<std::size_t>(bands), 0);
    if (!isValid())
        return std::vector<double>(static_cast<std::size_t>(bands), std::numeric_limits<double>::quiet_NaN());
    const int hw = halfWidth();
    // ρ in float arithmetic, as the prompt computes it (fftfreq(H), rfftfreq(W): k · (1/n)), so
    // bins on a band edge fall in the same band.
    const float stepY = 1.0f / float(height), stepX = 1.0f / float(width);
    for (int y = 0; y < height; ++y) {
        const float fy = float(y < (height + 1) / 2 ? y : y - height) * stepY;
        for (int x = 0; x < hw; ++x) {
            const float fx = float(x) * stepX;
            const auto b = std::size_t(bandOf(double(std::sqrt(fy * fy + fx * fx) / 0.5f), bands));
            for (int c = 0; c < channels; ++c)
                sum[b] += at(c, y, x);
            count[b] += channels;
        }
    }
    std::vector<double> out(static_cast<std::size_t>(bands));
    for (std::size_t b = 0; b < out.size(); ++b)
        out[b] = count[b] ? sum[b] / double(count[b]) : std::numeric_limits<double>::quiet_NaN();
    return out;
}

Result<void> saveGainMap(const GainMap &map, const QString &file)
{
    if (!map.isValid())
        return makeError(ErrorCode::InvalidArgument, file, QStringLiteral("the gain map is empty or inconsistent"));
    QByteArray bytes(kHeaderBytes + qsizetype(map.values.size() * sizeof(float)), Qt::Uninitialized);
    char *p = bytes.data();
    std::memcpy(p, kMagic, 4);
    qToLittleEndian<quint32>(kVersion, p + 4);
    qToLittleEndian<qint32>(map.channels, p + 8);
    qToLittleEndian<qint32>(map.height, p + 12);
    qToLittleEndian<qint32>(map.width, p + 16);
    for (std::size_t i = 0; i < map.values.size(); ++i)
        qToLittleEndian<float>(map.values[i], p + kHeaderBytes + i * sizeof(float));
    return fileio::writeAtomically(file, bytes);
}

Result<GainMap> loadGainMap(const QString &file)
{
    auto bytes = fileio::readAll(file);
    if (!bytes) return bytes.error();
    const auto bad = [&file](const QString &why) { return makeError(ErrorCode::Malformed, file, why); };
    if (bytes->size() < kHeaderBytes || std::memcmp(bytes->constData(), kMagic, 4) != 0)
        return bad(QStringLiteral("not a gain map file"));
    const char *p = bytes->constData();
    if (qFromLittleEndian<quint32>(p + 4) != kVersion) return bad(QStringLiteral("gain map of another version"));
    GainMap map;
    map.channels = qFromLittleEndian<qint32>(p + 8);
    map.height = qFromLittleEndian<qint32>(p + 12);
    map.width = qFromLittleEndian<qint32>(p + 16);
    if (map.channels < 1 || map.channels > 64 || map.height < 1 || map.height > 8192 || map.width < 1 ||
        map.width > 8192)
        return bad(
            QStringLiteral("implausible gain map size %1 x %2 x %3").arg(map.channels).arg(map.height).arg(map.width));
    const qsizetype n = qsizetype(map.channels) * map.height * map.halfWidth();
    if (bytes->size() != kHeaderBytes + n * qsizetype(sizeof(float)))
        return bad(QStringLiteral("the file holds %1 bytes, %2 expected")
                       .arg(bytes->size())
                       .arg(kHeaderBytes + n * qsizetype(sizeof(float))));
    map.values.resize(std::size_t(n));
    for (qsizetype i = 0; i < n; ++i)
        map.values[std::size_t(i)] = qFromLittleEndian<float>(p + kHeaderBytes + i * qsizetype(sizeof(float)));
    return map;
}

QString gainSnapshotPath(const QString &runDir, int epoch)
{
    return QDir(runDir).filePath(QStringLiteral("prompt/gain_epoch_%1.bin").arg(epoch, 3, 10, QLatin1Char('0')));
}

std::vector<int> gainSnapshotEpochs(const QString &runDir)
{
    static const QRegularExpression name(QStringLiteral("^gain_epoch_(\\d+)\\.bin$"));
    std::vector<int> epochs;
    const QStringList files = QDir(QDir(runDir).filePath(QStringLiteral("prompt"))).entryList(QDir::Files, QDir::Name);
    for (const QString &f : files) {
        const auto m = name.match(f);
        if (m.hasMatch()) epochs.push_back(m.captured(1).toInt());
    }
    std::sort(epochs.begin(), epochs.end());
    return epochs;
}

} // namespace fopro::spectral
