#pragma once
// Fourier Prompt Generator (FPG) of FoPro-KD (docs/method.md, "FPG: Fourier Prompt Generator").
//
// Per image and channel: X = rfft2(x), A = |X|, Φ = arg X. A gain map over the H × (W/2+1)
// half-spectrum, G = 1 + α·tanh(P), re-weights the amplitude inside an optional band mask M:
//   A' = A·(M·G + (1 − M)),   x̃ = irfft2(A'·e^{iΦ}, s = (H, W)).
// Because the effective gain is real and non-negative, A'·e^{iΦ} = X·(M·G + 1 − M): the code
// multiplies the complex spectrum by the real gain, which is the same value, never changes the phase,
// and stays differentiable where |X| = 0 (the gradient of |X| and arg X is undefined there).
//
// Plain C++ header (PIMPL): torch types are forward-declared only; the module itself
// (FourierPromptImpl + TORCH_MODULE) lives in fourierprompt.cpp.

#include <memory>
#include <vector>

namespace at {
class Tensor;
}

namespace fopro::ml {

/// How the prompt P is produced.
enum class FourierPromptMode {
    Global,      ///< one learnable map per channel, C × H × (W/2+1), initialised to 0 (identity)
    Conditional, ///< P = h(log(1 + A)) from a small conv generator: the prompt depends on the image
};

/// Configuration of a Fourier prompt (every field is a run-configuration knob).
struct FourierPromptConfig {
    FourierPromptMode mode = FourierPromptMode::Global;
    double alpha = 0.5;      ///< gain range: G = 1 + α·tanh(P) ∈ (1 − α, 1 + α)
    double bandRadius = 0.0; ///< mask radius as a fraction of Nyquist; ≤ 0 = no mask (whole spectrum)
    int imageSize = 224;     ///< image height H (and width, unless imageWidth > 0)
    int imageWidth = 0;      ///< image width W; ≤ 0 = imageSize (square images)
    int channels = 3;        ///< image channels C
    int generatorWidth = 16; ///< conditional mode: channels of the generator's hidden conv layers
    int generatorGrid = 32;  ///< conditional mode: the log-amplitude is pooled to at most this size
};

/// Radial frequency of every half-spectrum bin as a fraction of Nyquist: a float H × (W/2+1) tensor
/// ρ = sqrt(fy² + fx²)/0.5 with fy = fftfreq(H) and fx = rfftfreq(W) (cycles per pixel). ρ = 1 on
/// the Nyquist frequency of either axis, up to √2 in the corners.
at::Tensor radialFrequency(int height, int width);

/// Band mask M: 1 where ρ ≤ radius, else 0 (float H × (W/2+1)).
at::Tensor fourierBandMask(int height, int width, double radius);

/// Applies a real, non-negative gain map to the amplitude spectrum of x (B × C × H × W, float):
/// irfft2(rfft2(x)·gain, s = (H, W)). `gain` broadcasts against B × C × H × (W/2+1) (e.g. H × (W/2+1),
/// C × H × (W/2+1) or B × C × H × (W/2+1)). Differentiable in x and in gain. A gain that is not
/// symmetric in fy on the columns irfft2 treats as Hermitian (0 and, for even W, W/2) is projected
/// onto the nearest real image by irfft2.
at::Tensor applySpectralGain(const at::Tensor &x, const at::Tensor &gain);

/// The learnable Fourier prompt (facade over the torch module; movable, not copyable).
class FourierPrompt {
public:
    explicit FourierPrompt(const FourierPromptConfig &config = {});
    ~FourierPrompt();
    FourierPrompt(FourierPrompt &&) noexcept;
    FourierPrompt &operator=(FourierPrompt &&) noexcept;
    FourierPrompt(const FourierPrompt &) = delete;
    FourierPrompt &operator=(const FourierPrompt &) = delete;

    const FourierPromptConfig &config() const;

    /// x̃ = FPG(x) for a batch x of B × C × H × W (H, W, C as configured). Differentiable in the prompt
    /// parameters (and in x).
    at::Tensor apply(const at::Tensor &x);

    /// mean((G − 1)²) over the whole gain map (before masking). Global mode: of the current P.
    /// Conditional mode: of the gain computed by the last apply() (differentiable through that
    /// call; 0 before the first call).
    at::Tensor regulariser();

    /// The learnable parameters (global: the single P tensor; conditional: the generator's weights).
    std::vector<at::Tensor> parameters();

    /// The effective gain M·G + (1 − M) for display, detached: C × H × (W/2+1) (conditional mode: the
    /// batch mean of the last apply(), all ones before the first call).
    at::Tensor gainMap();

    /// Radial mean of gainMap() (averaged over channels too) in `bands` equal-width bands of ρ over
    /// [0, 1] (fraction of Nyquist; corner bins with ρ > 1 count in the last band). Plain numbers for
    /// the GUI: gain vs frequency. An identity prompt gives all ones. A band that holds no bin (tiny
    /// images, many bands) is NaN.
    std::vector<double> radialGainProfile(int bands);

    /// Training / evaluation mode of the underlying module (no dropout or batch norm inside today;
    /// kept so trainers can treat the prompt like any module).
    void setTraining(bool on);

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

} // namespace fopro::ml
