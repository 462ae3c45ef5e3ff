#pragma once
// Spectra of a whole dataset: the mean and standard deviation of the log-amplitude spectrum per
// class and split, the radial profile of every class, the head-minus-tail difference map, and a
// spectral outlier score for every image (how far its radial log-amplitude profile lies from its
// class's median profile, in robust standard deviations: blurred, over-compressed, upscaled or
// other-device images stand out). A class's spread is shrunk towards the spread pooled over all
// classes, weighted as 10 images, so that classes of a few images do not flood the top. Images are decoded and resized
// to one square size first (shorter side scaled, centre crop). Runs as a job with progress; the result is a value that
// can be cached in the project and is invalidated when the dataset changes (datasetFingerprint).

#include "core/common/result.h"
#include "core/data/datasetindex.h"
#include "core/data/longtail.h"
#include "core/jobs/jobcontrol.h"
#include "core/jobs/progress.h"

#include <QtCore/QByteArray>

#include <opencv2/core/mat.hpp>

#include <array>
#include <functional>
#include <vector>

namespace fopro::spectral {

struct ClassSpectraOptions {
    int size = 64;                   ///< images are resized to size × size (8..1024)
    int bands = 16;                  ///< radial bands of the profiles (1..256)
    int maxPerClass = 0;             ///< 0: every active image; else at most this many per class, spread evenly
    data::TailThresholds thresholds; ///< head / tail groups (on training counts)
    int threads = 0;                 ///< decoding threads; 0 = every core
};

/// Mean and standard deviation (population) of the log-amplitude over a set of images.
struct SpectrumStats {
    int count = 0;
    cv::Mat mean;                   ///< CV_32F size × size, fftshifted; empty when count == 0
    cv::Mat stddev;                 ///< CV_32F size × size
    std::vector<double> radialMean; ///< mean over images of each image's radial profile
    std::vector<double> radialStd;  ///< standard deviation of the same (per band)
};

/// Slots of ClassStats::bySplit: index = int(data::Split) (none, train, val, test).
struct ClassStats {
    SpectrumStats all;
    std::array<SpectrumStats, 4> bySplit;
};

struct SpectralScore {
    int sample = -1; ///< index into DatasetIndex::samples
    int label = -1;
    double score = 0; ///< root-mean-square robust z-score of the radial profile against its class (≥ 0)
};

struct ClassSpectra {
    int size = 0;
    int bands = 0;
    QStringList classNames;
    QByteArray fingerprint;              ///< datasetFingerprint of the dataset it was made from
    std::vector<ClassStats> classes;     ///< indexed like classNames
    std::vector<data::TailGroup> groups; ///< head / medium / tail by training count
    data::TailThresholds thresholds;
    cv::Mat headMinusTail; ///< mean log-amplitude of head images − tail images; empty when a group is empty
    std::vector<SpectralScore> scores;             ///< every image used, in sample order
    std::vector<std::pair<int, QString>> problems; ///< (sample, reason) of images that could not be read

    /// The score of a sample, or NaN when it was not scored.
    double scoreOf(int sample) const;
};

/// A hash of what the statistics depend on (class names, and each sample's source, label, split
/// and flags); any curation that changes the result changes it.
QByteArray datasetFingerprint(const data::DatasetIndex &index);

/// Computes the statistics. Polls `control` per image; reports progress per image. Errors:
/// InvalidArgument (size or bands out of range, no active labelled image), Cancelled.
/// Unreadable images are listed in `problems` and left out.
Result<ClassSpectra> computeClassSpectra(const data::DatasetIndex &index, const ClassSpectraOptions &options,
                                         JobControl *control = nullptr, const ProgressSink &progress = {});

/// The robust centre and spread of a set of radial profiles, per band: the median and 1.4826 × the
/// median absolute deviation (equal to the standard deviation for normally distributed values,
/// but not widened by the outliers themselves). Bands without a finite value get NaN / 0.
void robustReference(const std::vector<std::vector<double>> &profiles, int bands, std::vector<double> *median,
                     std::vector<double> *scale);

/// The outlier score of one radial profile against a class's reference (robustReference):
/// sqrt(mean_b ((p_b − median_b) / max(scale_b, 1e-6))²), over bands where both are finite.
double outlierScore(const std::vector<double> &profile, const std::vector<double> &mean,
                    const std::vector<double> &stddev);

/// Cache file round trip (binary, versioned, written atomically). load() fails with Malformed for a
/// file of another version or a damaged one, naming the file.
Result<void> saveClassSpectra(const ClassSpectra &spectra, const QString &file);
Result<ClassSpectra> loadClassSpectra(const QString &file);

} // namespace fopro::spectral
