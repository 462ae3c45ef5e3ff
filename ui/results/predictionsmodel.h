#pragma once
// The predictions browser's models: every prediction of a split (a row per image) with its
// thumbnail, true and predicted label, confidence, p(true), loss (−log p(true)), the full
// probability vector (drawn as a bar per class by ProbabilityBarDelegate), the compared run's
// prediction, and the image's state in the project now (relabelled, excluded, flagged). Records
// only; thumbnails come from the Dataset page's ThumbnailProvider.
// PredictionsFilter: wrong only, a class (true or predicted), a confidence range, rows where the
// two runs disagree; sorting by SortRole (the loss sorts numerically).

#include "ui/results/runresults.h"

#include <QtCore/QAbstractTableModel>
#include <QtCore/QSortFilterProxyModel>
#include <QtWidgets/QStyledItemDelegate>

#include <memory>
#include <optional>

namespace fopro::ui {

class ProjectDocument;
class ThumbnailProvider;

class PredictionsModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column {
        ImageColumn,
        TrueColumn,
        PredictedColumn,
        ConfidenceColumn,
        TrueProbabilityColumn,
        LossColumn,
        ProbabilitiesColumn,
        OtherColumn, ///< the compared run's prediction (empty without one)
        StateColumn, ///< the image in the project now
        ColumnCount
    };
    enum Role {
        SortRole = Qt::UserRole + 1,
        RowRole,            ///< the row in the predictions
        SampleRole,         ///< the dataset sample (-1 when not in the project)
        TrueRole,           ///< true class
        PredictedRole,      ///< predicted class
        OtherPredictedRole, ///< the compared run's predicted class (-1 without)
        ProbabilitiesRole,  ///< QVariantList of doubles (the delegate draws them)
    };

    PredictionsModel(ProjectDocument *document, ThumbnailProvider *thumbnails, QObject *parent = nullptr);

    /// The main run's predictions, and optionally a compared run's (matched by sample id).
    void setRuns(std::shared_ptr<const RunResults> main, std::shared_ptr<const RunResults> other);
    const RunResults *results() const { return m_main.get(); }
    const RunResults *otherResults() const { return m_other.get(); }
    /// Thumbnail side in the table.
    static constexpr int kThumbSide = 44;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    int otherPrediction(int row) const;
    /// Current-state text of a dataset sample ("relabelled: X", "excluded", "flagged").
    QString stateText(int sample) const;

private:
    void samplesChanged(const std::vector<int> &samples);
    void thumbnailReady(int sample);

    ProjectDocument *m_doc;
    ThumbnailProvider *m_thumbs;
    std::shared_ptr<const RunResults> m_main, m_other;
    std::vector<int> m_otherRow; ///< per row: the compared run's row, -1 when absent
    QHash<int, QList<int>> m_rowsOfSample;
};

class PredictionsFilter : public QSortFilterProxyModel {
    Q_OBJECT
public:
    enum class ClassMode { True, Predicted, Either };
    explicit PredictionsFilter(QObject *parent = nullptr);

    void setWrongOnly(bool on);
    void setClass(int k, ClassMode mode = ClassMode::Either); ///< -1: any class
    void setConfidenceRange(double lo, double hi);
    void setDisagreeOnly(bool on);
    /// Shows only these rows (a confusion cell); std::nullopt: every row.
    void setRows(std::optional<QSet<int>> rows);
    bool wrongOnly() const { return m_wrongOnly; }
    bool disagreeOnly() const { return m_disagree; }

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    bool m_wrongOnly = false;
    bool m_disagree = false;
    int m_class = -1;
    ClassMode m_mode = ClassMode::Either;
    double m_lo = 0, m_hi = 1;
    std::optional<QSet<int>> m_rows;
};

/// Draws ProbabilitiesRole as one small column per class: the true class in bluish green, a wrong
/// prediction in vermillion, the others grey; the tool tip lists the top classes.
class ProbabilityBarDelegate : public QStyledItemDelegate {
    Q_OBJECT
public:
    using QStyledItemDelegate::QStyledItemDelegate;
    void paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const override;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;
};

} // namespace fopro::ui
