// validateStudentConfig (declared in models.h): torch-free, so that the training-configuration
// check can be built without LibTorch (the fuzz target of TrainConfig compiles this file).
#include "core/ml/models.h"

#include <algorithm>
#include <cmath>

namespace fopro::ml {

Result<void> validateStudentConfig(const StudentConfig &c)
{
    const auto bad = [](const char *detail) {
        return makeError(ErrorCode::InvalidArgument, {}, QString::fromUtf8(detail));
    };
    if (c.architecture != "resnet18" && c.architecture != "cifar_resnet")
        return bad("architecture must be \"resnet18\" or \"cifar_resnet\"");
    if (!(c.widthMultiplier > 0.0) || !std::isfinite(c.widthMultiplier) || c.widthMultiplier > 64.0)
        return bad("widthMultiplier must be in (0, 64]");
    if (c.numClasses < 1) return bad("numClasses must be at least 1");
    if (c.inputChannels < 1) return bad("inputChannels must be at least 1");
    if (c.cosineClassifier && (!(c.cosineScale > 0.0) || !std::isfinite(c.cosineScale)))
        return bad("cosineScale must be positive");
    if (c.architecture == "cifar_resnet" && *std::min_element(c.cifarBlocks.begin(), c.cifarBlocks.end()) < 1)
        return bad("cifarBlocks must be at least 1 per stage");
    return {};
}

} // namespace fopro::ml
