#pragma once
// Recall against training frequency: one point per class at (training images, recall) on a log x
// axis, coloured by head / medium / tail (PlotPalette::tailGroupColor), the group thresholds as
// dashed lines, the class name on hover. With compared runs, each further run's points are drawn
// with another marker shape (the legend names the runs).

#include <QtCore/QString>
#include <QtCore/QStringList>
#include <QtWidgets/QWidget>

#include <vector>

class QCustomPlot;

namespace fopro::ui {

class PlotController;

class RecallPlot : public QWidget {
    Q_OBJECT
public:
    struct Point {
        QString name;
        int trainCount = 0;
        double recall = 0;
        int group = 2; ///< 0 head, 1 medium, 2 tail
    };
    struct Series {
        QString run; ///< the legend's name of the run
        std::vector<Point> points;
    };

    explicit RecallPlot(QWidget *parent = nullptr);

    /// The first series is the main run; `many` / `few` are the thresholds (-1: none drawn).
    void setSeries(const std::vector<Series> &series, int many, int few);
    /// The class name of the point nearest to a plot position (within 10 px), empty when none.
    QString pointAt(const QPoint &plotPosition) const;

    QCustomPlot *plot() const { return m_plot; }
    PlotController *controller() const { return m_controller; }

private:
    void rebuild();

    std::vector<Series> m_series;
    int m_many = -1, m_few = -1;
    QCustomPlot *m_plot;
    PlotController *m_controller;
};

} // namespace fopro::ui
