#pragma once
// The Fourier prompt's gain map G (docs/method.md, FPG) as plain numbers: C channels over the
// H × (W/2 + 1) half-spectrum of rfft2, the layout the prompt uses. A FoPro-KD run folder keeps one
// snapshot per epoch (prompt/gain_epoch_NNN.bin, written by the trainer through saveGainMap), so
// the Spectra page can show the learned prompt and how it evolved without LibTorch.
//
// File format (little-endian): "FPGM", uint32 version (1), int32 channels, height, width (the full
// image width W), then channels × height × (W/2 + 1) float32 values, channel-major, row-major.

#include "core/common/result.h"

#include <QtCore/QString>
#include <QtCore/QStringList>

#include <opencv2/core/mat.hpp>

#include <vector>

namespace fopro::spectral {

struct GainMap {
    int channels = 0;
    int height = 0;
    int width = 0;             ///< the full image width W; the map holds W/2 + 1 columns
    std::vector<float> values; ///< channels × height × (width/2 + 1)

    int halfWidth() const { return width / 2 + 1; }
    bool isValid() const
    {
        return channels > 0 && height > 0 && width > 0 &&
               values.size() == std::size_t(channels) * std::size_t(height) * std::size_t(halfWidth());
    }
    float at(int c, int y, int x) const
    {
        return values[(std::size_t(c) * std::size_t(height) + std::size_t(y)) * std::size_t(halfWidth()) +
                      std::size_t(x)];
    }

    /// One channel over the full spectrum, fftshifted (DC at (H/2, W/2)), for display: the missing
    /// half mirrors the stored one (a real filter's gain is symmetric: G(−f) = G(f)). `channel` < 0
    /// averages the channels. CV_32F H × W.
    cv::Mat fullShifted(int channel = -1) const;

    /// Radial mean of the gain over channels and half-spectrum bins in `bands` bands of ρ, exactly as
    /// the prompt's own radialGainProfile (ρ from fftfreq(H) and rfftfreq(W), bands as in
    /// spectrum.h). An identity prompt gives all ones; a band without a bin gives NaN.
    std::vector<double> radialProfile(int bands) const;
};

Result<void> saveGainMap(const GainMap &map, const QString &file);
/// Errors: NotFound, Malformed (wrong magic, version, sizes or truncated), naming the file.
Result<GainMap> loadGainMap(const QString &file);

/// The snapshot file of an epoch (1-based) inside a run folder.
QString gainSnapshotPath(const QString &runDir, int epoch);

/// The epochs (1-based, ascending) for which a run folder holds a gain snapshot.
std::vector<int> gainSnapshotEpochs(const QString &runDir);

} // namespace fopro::spectral
