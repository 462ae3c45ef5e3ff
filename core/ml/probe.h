#pragma once
// Frequency preference probe (docs/method.md, "Frequency preference probe"): which spatial
// frequencies a frozen teacher relies on. For K radial bands of the spectrum and every image x,
// the image is low-pass / high-pass / band-stop filtered in the Fourier domain and the teacher's
// features of the filtered image are compared with those of the original:
//   cos(f_t(x_filtered), f_t(x)) = ⟨a, b⟩ / max(‖a‖·‖b‖, 1e-12)  (0 when either feature is zero),
// averaged over the images (computed in double).
//
// Bands (the same convention as FourierPrompt::radialGainProfile, so the two curves line up):
// ρ is radialFrequency(H, W), the radial frequency of each half-spectrum bin as a fraction of
// Nyquist (0 = DC, 1 = Nyquist of either axis, up to √2 in the corners). Band b of K covers
//   [b/K, (b+1)/K)  for b < K−1,   and   [(K−1)/K, ∞)  for the last band,
// i.e. bin → band min(K−1, ⌊min(ρ, 1)·K⌋): the bands partition the spectrum, DC (ρ = 0) is in
// band 0 and the corner bins with ρ > 1 belong to the last band. A bin exactly on an edge b/K
// belongs to band b (the upper one). For band b the three filters are 0/1 masks on the
// half-spectrum applied with applySpectralGain (fourierprompt.h), i.e. irfft2(rfft2(x)·mask):
//   low-pass  keeps the bins of bands 0..b   (ρ < upper edge of b; the last band keeps everything),
//   high-pass keeps the bins of bands b..K−1 (ρ ≥ lower edge of b; band 0 keeps everything),
//   band-stop keeps every bin except those of band b.
// The masks depend on |fy| and fx only, so they are symmetric and the filtered image is real.
// Filtered images are not clamped to [0, 1] (clamping would add frequencies back).
//
// Plain C++ header: torch types are forward-declared only. Errors travel as fopro::Result.

#include "core/common/result.h"
#include "core/data/datasetindex.h"
#include "core/data/imageloader.h"
#include "core/jobs/jobcontrol.h"
#include "core/jobs/jobmanager.h"
#include "core/jobs/progress.h"

#include <QtCore/QString>

#include <opencv2/core/mat.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <vector>

namespace at {
class Tensor;
}

namespace fopro::ml {

class Teacher;

struct ProbeOptions {
    int bands = 8;      ///< K (≥ 1); a band that holds no bin at this image size gives NaN
    int batchSize = 16; ///< images per teacher call
    /// cv::Mat input only: images are resized to imageSize × imageSize with resizePolicy
    /// (core/data/imageloader.h resizeImage). ≤ 0: the teacher's inputSize(), or 224 when the
    /// teacher takes any size.
    int imageSize = 0;
    data::ResizePolicy resizePolicy = data::ResizePolicy::ShorterSideCrop;
};

/// One band: its edges in ρ (fraction of Nyquist; the last band's upperRho is 1 although it also
/// holds the corner bins above 1) and the mean cosine similarities of the three filters.
struct ProbeBand {
    int band = 0;
    double lowerRho = 0.0;
    double upperRho = 0.0;
    double lowPass = 0.0;
    double highPass = 0.0;
    double bandStop = 0.0;
};

struct ProbeResult {
    std::vector<ProbeBand> bands; ///< K rows, band 0 first
    int imageCount = 0;           ///< images averaged over
    int imageHeight = 0;          ///< H, W of the filtered images (before the teacher's own resize)
    int imageWidth = 0;
};

/// Runs the probe on images given as an N×3×H×W float tensor of RGB in [0, 1] (any H, W ≥ 1; the
/// teacher resizes to its own input size itself). Errors: InvalidArgument (no images, wrong shape,
/// bands < 1, batch size < 1, the teacher failing on the input), Cancelled (the token was set; it is
/// polled before every teacher call). Progress: phase "probing", done/total in teacher calls (each
/// batch costs 3·K + 1 calls: the original and the three filters of every band), reported on the
/// calling thread after each call.
Result<ProbeResult> runFrequencyProbe(const Teacher &teacher, const at::Tensor &images01,
                                      const ProbeOptions &options = {}, JobControl *cancel = nullptr,
                                      const ProgressSink &progress = {});

/// Same for CV_8UC3 RGB images of any size, resized as ProbeOptions says and scaled to [0, 1].
/// InvalidArgument for an empty image or one of another type (naming its index).
Result<ProbeResult> runFrequencyProbe(const Teacher &teacher, const std::vector<cv::Mat> &rgb8Images,
                                      const ProbeOptions &options = {}, JobControl *cancel = nullptr,
                                      const ProgressSink &progress = {});

/// CSV with the header band,rho_low,rho_high,low_pass,high_pass,band_stop and one line per band
/// ('\n' line ends, numbers with up to 10 significant digits, NaN as "nan").
QString probeToCsv(const ProbeResult &result);

/// Up to `count` active samples of `split` (every split when empty), evenly across classes: each
/// class in a shuffled order (generator seeded by `seed`), then one per class in turn until enough
/// are taken. Indices into index.samples.
std::vector<int> pickProbeSamples(const data::DatasetIndex &index, const std::optional<data::Split> &split, int count,
                                  quint64 seed);

/// Everything `fopro probe` (and the GUI's probe) asks for.
struct ProbeRequest {
    QString teacher; ///< TF.js model.json (or its folder) or TorchScript file (resolveTeacher)
    QString outputLayer;
    QString dataset; ///< a project folder, a manifest or any dataset the importers read
    /// The dataset itself (the desktop application's open project, saved or not); when set,
    /// `dataset` only names it in messages.
    std::shared_ptr<const data::DatasetIndex> index;
    std::optional<data::Split> split = data::Split::Train; ///< empty: every split
    int images = 64;                                       ///< at most this many, evenly across classes
    quint64 seed = 0;
    ProbeOptions options; ///< imageSize 0: the teacher's input size, else 224
};

struct ProbeReport {
    ProbeResult result;
    QString teacherDescription;
    int imageSide = 0;          ///< the side the images were resized to
    int classesUsed = 0;        ///< classes among the decoded images
    std::vector<Error> skipped; ///< chosen images that could not be decoded (the rest were probed)
};

/// Loads the teacher and the dataset, picks and decodes the images, runs the probe. Errors: the
/// teacher's or the dataset's, InvalidArgument when no image is left, Cancelled. Progress: phase
/// "loading" while preparing, then the probe's.
Result<ProbeReport> runProbe(const ProbeRequest &request, JobControl *control = nullptr,
                             const ProgressSink &progress = {});
/// runProbe as a job.
JobFunction<ProbeReport> probeJob(ProbeRequest request);

} // namespace fopro::ml
