#include "core/project/epochmetrics.h"

namespace fopro::project {

std::vector<std::pair<QString, double>> epochMetrics(const EpochRecord &r)
{
    std::vector<std::pair<QString, double>> m{{QStringLiteral("lr"), r.lr}};
    for (const auto &loss : r.losses) // "loss" first, then the strategy's terms
        m.emplace_back(loss.first, loss.second);
    m.insert(m.end(), {{QStringLiteral("val_accuracy"), r.valAccuracy},
                       {QStringLiteral("val_balanced_accuracy"), r.valBalancedAccuracy},
                       {QStringLiteral("val_macro_f1"), r.valMacroF1},
                       {QStringLiteral("val_head_recall"), r.valHeadRecall},
                       {QStringLiteral("val_medium_recall"), r.valMediumRecall},
                       {QStringLiteral("val_tail_recall"), r.valTailRecall},
                       {QStringLiteral("seconds"), r.seconds},
                       {QStringLiteral("images_per_second"), r.imagesPerSecond},
                       {QStringLiteral("best"), r.best ? 1.0 : 0.0}});
    return m;
}

} // namespace fopro::project
