// What trainconfig.cpp needs from the torch side of core/ml, for fuzz_trainconfig (which must not
// link torch): the strategy registry's ids and flags (core/ml/strategies.cpp, whose table also
// holds the loss functions) and the student configuration check (core/ml/models.cpp). Both mirror
// the real ones; the losses are left out (the configuration never calls them). Keep the ids and
// the teacher flags in step with strategies.cpp, and the checks with validateStudentConfig.

#include "core/ml/models.h"
#include "core/ml/strategies.h"

#include <algorithm>
#include <cmath>

namespace fopro::ml {

const std::vector<StrategyInfo> &strategies()
{
    static const std::vector<StrategyInfo> registry = [] {
        std::vector<StrategyInfo> r;
        const auto add = [&r](const char *id, bool teacher, bool features, bool prompt, bool cosine) {
            StrategyInfo s;
            s.id = QString::fromLatin1(id);
            s.displayName = s.id;
            s.needsTeacher = teacher;
            s.featureDistillation = features;
            s.usesPrompt = prompt;
            s.cosineClassifier = cosine;
            s.teacherGivesLogits = teacher && !features;
            r.push_back(s);
        };
        add("ce", false, false, false, false);
        add("focal", false, false, false, false);
        add("cb", false, false, false, false);
        add("ldam_drw", false, false, false, true);
        add("bsm", false, false, false, false);
        add("la", false, false, false, false);
        add("kd", true, false, false, false);
        add("ekd", true, true, false, false);
        add("fopro_kd", true, true, true, false);
        return r;
    }();
    return registry;
}

const StrategyInfo *findStrategy(const QString &id)
{
    for (const StrategyInfo &s : strategies())
        if (s.id == id) return &s;
    return nullptr;
}

QStringList strategyIds()
{
    QStringList ids;
    for (const StrategyInfo &s : strategies())
        ids << s.id;
    return ids;
}

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
