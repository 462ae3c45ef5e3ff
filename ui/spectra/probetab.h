#pragma once
// Spectra page, "Teacher preference": the frequency preference probe (docs/method.md) as a job, for
// one or more teachers and layers: for each radial band, how similar the teacher's features stay
// when the image is low-passed, high-passed or has that band removed. All teachers' curves share one
// plot, with the learned prompt's radial gain (from the "Learned prompt" tab) on the same frequency
// axis and the same band edges.

#include "core/ml/probe.h"

#include <QtWidgets/QWidget>

#include <vector>

class QCheckBox;
class QComboBox;
class QCustomPlot;
class QLabel;
class QLineEdit;
class QListWidget;
class QProgressBar;
class QPushButton;
class QSpinBox;

namespace fopro::ui {

class Page;
class PlotController;
class PromptTab;

class ProbeTab : public QWidget {
    Q_OBJECT
public:
    ProbeTab(Page *page, PromptTab *prompt, QWidget *parent = nullptr);

    /// Adds a teacher (TF.js model.json or folder, or TorchScript file) with its feature layer.
    void addTeacher(const QString &path, const QString &layer);
    /// Probes every checked teacher, one job after another.
    void run();
    void cancel();
    void projectChanged();

    bool isRunning() const { return m_job != 0 || !m_queue.empty(); }
    int bands() const;
    void setBands(int bands);
    void setImages(int images);
    /// Finished probes, in the order they ran.
    struct Curve {
        QString teacher;
        ml::ProbeReport report;
    };
    const std::vector<Curve> &curves() const { return m_curves; }
    QCustomPlot *plot() const { return m_plot; }

Q_SIGNALS:
    void runningChanged(bool running);

private:
    void runNext();
    void showCurves();

    Page *m_page;
    PromptTab *m_prompt;
    QListWidget *m_teachers;
    QLineEdit *m_layer;
    QSpinBox *m_bands, *m_images, *m_size;
    QCheckBox *m_overlay;
    QPushButton *m_run;
    QProgressBar *m_progress;
    QLabel *m_status;
    QCustomPlot *m_plot;
    PlotController *m_controller;
    std::vector<std::pair<QString, QString>> m_queue; ///< (teacher path, layer) still to probe
    std::vector<Curve> m_curves;
    quint64 m_job = 0;
};

} // namespace fopro::ui
