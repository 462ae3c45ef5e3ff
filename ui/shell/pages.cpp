#include "ui/shell/pages.h"

#include "ui/classify/classifypage.h"
#include "ui/dataset/datasetpage.h"
#include "ui/results/resultspage.h"
#include "ui/shell/page.h"
#include "ui/spectra/spectrapage.h"
#include "ui/training/trainingpage.h"

namespace fopro::ui {

namespace {

template <typename P> Page *create(const PageContext &context, QWidget *parent)
{
    return new P(context, parent);
}

} // namespace

const std::vector<PageFactory> &registeredPages()
{
    static const std::vector<PageFactory> pages = {
        &create<DatasetPage>,  // ui/dataset: the dataset grid, curation, inspector, long-tail plot
        &create<TrainingPage>, // ui/training: configure, run in a worker process, watch, run history
        &create<SpectraPage>,  // ui/spectra: image and class spectra, outliers, learned prompt, teacher probe
        &create<ResultsPage>,  // ui/results: metrics, confusion, curves, calibration, predictions, reports
        &create<ClassifyPage>, // ui/classify: new images through an exported model, Grad-CAM, CSV
    };
    return pages;
}

} // namespace fopro::ui
