#pragma once
// The image side of training, in plain OpenCV (no torch): the augmentations of docs/method.md's
// trainers and the conversion of an RGB image to the float layout the networks take. Each function
// draws its random numbers from the generator it is given, so a sample's augmentation depends only
// on that generator's seed (the trainer seeds one per sample and epoch).

#include "core/ml/trainconfig.h"

#include <opencv2/core/mat.hpp>

#include <random>

namespace fopro::ml {

/// Random resized crop (area fraction uniform in [cropScaleMin, 1], aspect ratio log-uniform in
/// [3/4, 4/3], up to 10 tries, else the whole image) back to size×size with bilinear
/// interpolation, then horizontal / vertical flips with probability 1/2 each when enabled.
/// `rgb` is CV_8UC3; the result is a new CV_8UC3 image of size×size.
cv::Mat augmentImage(const cv::Mat &rgb, const AugmentSettings &a, std::mt19937_64 &rng, int size);

/// Writes the CV_8UC3 RGB image as planar float values in [0, 1] (3 × H × W, channel-major) to
/// `dst`. With `jitter`, colour jitter is applied first, in this order: brightness (multiply by
/// b ∈ [1 − β, 1 + β]), contrast (blend with the image's mean grey level, c ∈ [1 − γ, 1 + γ]),
/// saturation (blend with each pixel's grey level, s ∈ [1 − σ, 1 + σ]), each clamped to [0, 1].
/// Grey level: 0.299 R + 0.587 G + 0.114 B.
void toChw01(const cv::Mat &rgb, float *dst, const AugmentSettings *jitter, std::mt19937_64 &rng);

} // namespace fopro::ml
