#pragma once
// The per-class table of the Results page: class, group, training images, support, precision,
// recall, F1 and ROC-AUC of the main run (from <split>_per_class.json), and for every compared run
// its recall and F1 with the difference to the main run in percentage points (green when better,
// vermillion when worse). Sorting by SortRole (numbers as numbers); csv() writes every column.

#include "ui/results/runresults.h"

#include <QtCore/QAbstractTableModel>

#include <vector>

namespace fopro::ui {

class ClassTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column {
        ClassColumn,
        GroupColumn,
        TrainColumn,
        SupportColumn,
        PrecisionColumn,
        RecallColumn,
        F1Column,
        AucColumn,
        FixedColumnCount
    };
    enum Role { SortRole = Qt::UserRole + 1, ValueRole, ClassIndexRole };

    explicit ClassTableModel(QObject *parent = nullptr);

    /// The main run first, then the compared ones (classes matched by name).
    void setRuns(const std::vector<const RunResults *> &runs);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    /// Every column, one row per class, values at full precision.
    QString csv() const;
    /// The colour of an improvement / a regression (Okabe–Ito bluish green / vermillion).
    static QColor betterColor();
    static QColor worseColor();

private:
    struct Compared {
        QString title;
        std::vector<const ClassResult *> byRow; ///< the compared run's row of each main class (null when absent)
    };
    /// Value of a cell as a number (NaN when none); text columns return NaN.
    double value(int row, int column) const;

    std::vector<ClassResult> m_main;
    std::vector<std::vector<ClassResult>> m_storage;
    std::vector<Compared> m_compared;
};

} // namespace fopro::ui
