// What trainconfig.cpp needs from the torch side of core/ml, for fuzz_trainconfig (which must not
// link torch): the strategy registry's ids and flags (core/ml/strategies.cpp, whose table also
// holds the loss functions). It mirrors the real one without the losses (the configuration never
// calls them); keep the ids and the teacher flags in step with strategies.cpp. The student check
// is the real one (core/ml/studentconfig.cpp, torch-free).

#include "core/ml/strategies.h"

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

} // namespace fopro::ml
