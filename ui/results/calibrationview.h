#pragma once
// Calibration of a run on the shown split: the reliability diagram (accuracy per confidence bin
// against the diagonal) with its ECE, and temperature scaling (Guo et al. 2017) fitted on the
// validation predictions and applied to the shown split: the diagram after scaling beside the
// one before, with the temperature and the ECE and negative log-likelihood before and after.

#include "ui/results/runresults.h"

#include <QtWidgets/QWidget>

class QCustomPlot;
class QLabel;
class QPushButton;

namespace fopro::ui {

class PlotController;

class CalibrationView : public QWidget {
    Q_OBJECT
public:
    explicit CalibrationView(QWidget *parent = nullptr);

    /// `calibration`: the metrics file's bins and ECE; `temperature`: the fit and its effect.
    void setResults(const metrics::CalibrationResult &calibration, const TemperatureResult &temperature,
                    const QString &split);
    void clear();

    /// The numbers as shown ("T = 1.52", ECE and NLL before / after), for tests and the report.
    QLabel *summary() const { return m_summary; }
    QString temperatureText() const;
    QString eceBeforeText() const;
    QString eceAfterText() const;
    QString nllBeforeText() const;
    QString nllAfterText() const;
    QCustomPlot *plot() const { return m_plot; }
    /// Shown when the run has no validation predictions: evaluates it on the validation split.
    QPushButton *evaluateButton() const { return m_evaluate; }

Q_SIGNALS:
    void evaluateValidationRequested();

private:
    void rebuild();

    metrics::CalibrationResult m_calibration;
    TemperatureResult m_temperature;
    QString m_split;
    QCustomPlot *m_plot;
    PlotController *m_controller;
    QLabel *m_summary;
    QPushButton *m_evaluate;
};

} // namespace fopro::ui
