#include "tests/support/testsupport.h"

#include <QtCore/QDir>
#include <QtCore/QFile>
#include <QtCore/QFileInfo>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <string>

namespace fopro::test {

QString assetsDir()
{
    const QString env = qEnvironmentVariable("FOPRO_ASSETS");
    if (!env.isEmpty()) return env;
    return QStringLiteral(FOPRO_SOURCE_DIR "/.cache/assets");
}

static QString existing(const QString &p)
{
    return QFileInfo::exists(p) ? p : QString();
}

QString pydicomTestFiles()
{
    return existing(assetsDir() +
                    QStringLiteral("/python3-pydicom/usr/lib/python3/dist-packages/pydicom/data/test_files"));
}

QString skimageData()
{
    return existing(assetsDir() + QStringLiteral("/python3-skimage/usr/lib/python3/dist-packages/skimage/data"));
}

QString isicLtSplitsDir()
{
    const QString env = qEnvironmentVariable("FOPRO_SHARED_DATA");
    if (!env.isEmpty()) return existing(env + QStringLiteral("/isic2019-lt"));
    return existing(QDir::cleanPath(QStringLiteral(FOPRO_SOURCE_DIR "/../shared/data/isic2019-lt")));
}

QString fashionMnistDir()
{
    return existing(QStringLiteral("/usr/share/datasets/fashion-mnist"));
}

cv::Mat patternImage(int width, int height, int seed)
{
    cv::Mat img(height, width, CV_8UC3);
    cv::RNG rng(std::uint64_t(seed) * 7919u + 17u);
    // Coarse random blocks give a structure that perceptual hashes tell apart.
    const int blocks = 8;
    cv::Mat small(blocks, blocks, CV_8UC3);
    rng.fill(small, cv::RNG::UNIFORM, 0, 256);
    cv::resize(small, img, img.size(), 0, 0, cv::INTER_NEAREST);
    return img;
}

cv::Mat photoLikeImage(int width, int height, int seed, bool grain)
{
    cv::RNG rng(std::uint64_t(seed) * 104729u + 7u);
    cv::Size size(4, std::max(1, 4 * height / width));
    cv::Mat acc(size, CV_32FC3);
    rng.fill(acc, cv::RNG::UNIFORM, 40.0, 215.0);
    float amplitude = 30.f;
    while (size.width < width || size.height < height) {
        size = cv::Size(std::min(width, size.width * 2), std::min(height, size.height * 2));
        cv::resize(acc, acc, size, 0, 0, cv::INTER_CUBIC);
        cv::Mat noise(size, CV_32FC3);
        rng.fill(noise, cv::RNG::UNIFORM, -amplitude, amplitude);
        acc += noise;
        amplitude *= 0.7f;
    }
    const cv::Size lowSize(std::max(1, width / 8), std::max(1, height / 8));
    cv::Mat blobs(lowSize, CV_32FC3, cv::Scalar::all(0));
    for (int i = 0; i < 4; ++i) {
        const cv::Point centre(rng.uniform(0, lowSize.width), rng.uniform(0, lowSize.height));
        cv::circle(blobs, centre, std::max(1, rng.uniform(lowSize.width / 16, lowSize.width / 5 + 1)),
                   cv::Scalar(rng.uniform(-80.f, 80.f), rng.uniform(-80.f, 80.f), rng.uniform(-80.f, 80.f)),
                   cv::FILLED);
    }
    cv::GaussianBlur(blobs, blobs, cv::Size(0, 0), std::max(1.0, lowSize.width / 40.0));
    cv::Mat blobsUp;
    cv::resize(blobs, blobsUp, acc.size(), 0, 0, cv::INTER_LINEAR);
    acc += blobsUp;
    if (grain) {
        cv::Mat noise(acc.size(), CV_32FC3);
        rng.fill(noise, cv::RNG::NORMAL, 0.0, 3.0);
        acc += noise;
    }
    cv::Mat out;
    acc.convertTo(out, CV_8UC3);
    return out;
}

bool writeImage(const QString &path, const cv::Mat &rgb)
{
    QDir().mkpath(QFileInfo(path).absolutePath());
    cv::Mat bgr;
    if (rgb.channels() == 3)
        cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
    else
        bgr = rgb;
    std::vector<uchar> buf;
    const QString suffix = QLatin1Char('.') + QFileInfo(path).suffix().toLower();
    if (!cv::imencode(suffix.toStdString(), bgr, buf)) return false;
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly)) return false;
    return f.write(reinterpret_cast<const char *>(buf.data()), qint64(buf.size())) == qint64(buf.size());
}

bool writeText(const QString &path, const QByteArray &content)
{
    QDir().mkpath(QFileInfo(path).absolutePath());
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly)) return false;
    return f.write(content) == content.size();
}

} // namespace fopro::test
