#pragma once
// Fourier views of images for display and statistics (OpenCV's DFT; no torch): amplitude and
// phase, radial profiles, band filters and amplitude swap.
//
// Conventions (the same as the Fourier prompt and the frequency preference probe, docs/method.md):
// - A "plane" is one CV_32F channel with values in [0, 1]. Colour images are viewed through their
//   luminance (Rec. 601) unless a channel is asked for.
// - Spectra are full H × W, fftshifted: DC sits at (row H/2, column W/2) (integer division).
// - ρ, the radial frequency of a bin, is sqrt(fy² + fx²) / 0.5 with fy, fx in cycles per pixel
//   (numpy's fftfreq), i.e. a fraction of the Nyquist frequency of either axis: 0 at DC, 1 at the
//   Nyquist frequency of an axis, up to √2 in the corners.
// - K radial bands partition the spectrum: bin → band min(K − 1, ⌊min(ρ, 1)·K⌋), so band b covers
//   [b/K, (b+1)/K) and the last band also holds the corners (ρ > 1).

#include "core/common/result.h"

#include <opencv2/core/mat.hpp>

#include <vector>

namespace fopro::spectral {

/// One float plane in [0, 1] from any image (8/16-bit or float; 1, 3 or 4 channels in RGB(A)
/// order): `channel` < 0 gives the luminance 0.299 R + 0.587 G + 0.114 B, else that channel.
cv::Mat toPlane(const cv::Mat &image, int channel = -1);

/// The complex DFT of a plane (CV_32FC2, not shifted).
cv::Mat dft(const cv::Mat &plane);

/// Moves DC to the centre (H/2, W/2) in place; ifftShift undoes it (they differ for odd sizes).
void fftShift(cv::Mat &m);
void ifftShift(cv::Mat &m);

struct Spectrum {
    cv::Mat amplitude;    ///< |X|, CV_32F, fftshifted
    cv::Mat logAmplitude; ///< log(1 + |X|), CV_32F, fftshifted
    cv::Mat phase;        ///< arg X in (−π, π], CV_32F, fftshifted
};

/// Amplitude, log-amplitude and phase of a plane (see toPlane).
Spectrum spectrum(const cv::Mat &plane);

/// ρ of every bin of a fftshifted H × W spectrum (CV_32F).
cv::Mat radialFrequency(int height, int width);

/// The band of a bin with radial frequency `rho` among `bands` bands.
int bandOf(double rho, int bands);

/// The band of every bin of a fftshifted H × W spectrum (CV_32S; shared, do not modify).
cv::Mat bandIndex(int height, int width, int bands);

/// Mean of `values` (a fftshifted CV_32F H × W map) over each radial band; NaN for a band that
/// holds no bin (tiny images with many bands).
std::vector<double> radialProfile(const cv::Mat &values, int bands);

/// The centre of each band in ρ, (b + 0.5) / K: the x axis of radial profiles.
std::vector<double> bandCentres(int bands);

enum class FilterShape { LowPass, HighPass, BandPass, BandStop };

struct BandFilter {
    FilterShape shape = FilterShape::LowPass;
    double low = 0.0;  ///< lower edge in ρ (band-pass/stop, high-pass)
    double high = 0.5; ///< upper edge in ρ (band-pass/stop, low-pass)
    /// 0: hard edges; > 0: smooth edges, a logistic ramp whose width (10 % to 90 %) is about
    /// `softness` in ρ.
    double softness = 0.0;
};

/// The filter's gain (0..1) at radial frequency `rho`.
double filterGain(double rho, const BandFilter &filter);

/// The filter's gain (0..1) on every bin of a fftshifted H × W spectrum (CV_32F).
cv::Mat filterMask(int height, int width, const BandFilter &filter);

/// Filters every channel of an image (any depth, 1/3/4 channels) in the Fourier domain and
/// returns the result with the input's size, channel count and depth (8-bit results saturate).
cv::Mat applyFilter(const cv::Mat &image, const BandFilter &filter);

/// Amplitude swap: the result has A's phase and the amplitude (1 − ratio)·|A| + ratio·|B| per
/// channel (B is resized to A's size first; channel counts must match or B is grey). ratio 0 gives
/// A back, ratio 1 gives A's phase with B's amplitude. Same size, channels and depth as A.
Result<cv::Mat> amplitudeSwap(const cv::Mat &a, const cv::Mat &b, double ratio);

} // namespace fopro::spectral
