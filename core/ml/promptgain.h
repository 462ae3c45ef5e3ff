#pragma once
// The gain a run's conditional Fourier prompt gives one image. A conditional prompt (docs/method.md,
// FPG) computes its gain map from each image's own amplitude spectrum, so the per-epoch snapshots
// of a run (prompt/gain_epoch_NNN.bin) hold only a batch mean; this reads the generator's weights
// from the run's last checkpoint and applies it to the image the way training did (resized to the
// run's input size by its resize policy, RGB in [0, 1]). Plain C++ header; torch in checkpoint.cpp.

#include "core/common/result.h"
#include "core/spectral/gainmap.h"

#include <QtCore/QString>

#include <opencv2/core/mat.hpp>

namespace fopro::ml {

/// True when the run folder's configuration trains a conditional Fourier prompt.
bool runHasConditionalPrompt(const QString &runDir);

/// The effective gain (M·G + 1 − M) of the run's conditional prompt, as of its last checkpoint, for
/// `rgb8` (8-bit RGB, any size): channels × input size × (input size/2 + 1), the layout of the
/// epoch snapshots. Errors name the file: NotFound (no checkpoint yet), InvalidArgument (the run's
/// prompt is global or it has none: its gain is the same for every image), Malformed (a checkpoint
/// without the prompt's weights).
Result<spectral::GainMap> conditionalPromptGain(const QString &runDir, const cv::Mat &rgb8);

} // namespace fopro::ml
