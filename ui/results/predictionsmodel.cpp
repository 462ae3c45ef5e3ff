#include "ui/results/predictionsmodel.h"

#include "ui/dataset/thumbnailprovider.h"
#include "ui/results/classtablemodel.h"
#include "ui/shell/projectdocument.h"

#include <QtCore/QFileInfo>
#include <QtGui/QPainter>
#include <QtGui/QPixmapCache>
#include <QtWidgets/QApplication>

#include <algorithm>
#include <cmath>

namespace fopro::ui {

PredictionsModel::PredictionsModel(ProjectDocument *document, ThumbnailProvider *thumbnails, QObject *parent)
    : QAbstractTableModel(parent), m_doc(document), m_thumbs(thumbnails)
{
    if (m_doc) {
        connect(m_doc, &ProjectDocument::samplesChanged, this, &PredictionsModel::samplesChanged);
        connect(m_doc, &ProjectDocument::classesChanged, this, [this] {
            if (rowCount() > 0) Q_EMIT dataChanged(index(0, StateColumn), index(rowCount() - 1, StateColumn));
        });
    }
    if (m_thumbs) connect(m_thumbs, &ThumbnailProvider::thumbnailReady, this, &PredictionsModel::thumbnailReady);
}

void PredictionsModel::setRuns(std::shared_ptr<const RunResults> main, std::shared_ptr<const RunResults> other)
{
    beginResetModel();
    m_main = std::move(main);
    m_other = std::move(other);
    m_otherRow.clear();
    m_rowsOfSample.clear();
    if (m_main) {
        const PredictionSet &p = m_main->predictions;
        for (int r = 0; r < p.size(); ++r)
            if (p.sampleIndex[std::size_t(r)] >= 0) m_rowsOfSample[p.sampleIndex[std::size_t(r)]].append(r);
        if (m_other) {
            QHash<QString, int> otherById;
            const PredictionSet &o = m_other->predictions;
            otherById.reserve(o.size());
            for (int r = 0; r < o.size(); ++r)
                otherById.insert(o.sampleIds[r], r);
            m_otherRow.assign(std::size_t(p.size()), -1);
            for (int r = 0; r < p.size(); ++r)
                m_otherRow[std::size_t(r)] = otherById.value(p.sampleIds[r], -1);
        }
    }
    endResetModel();
}

int PredictionsModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() || !m_main ? 0 : m_main->predictions.size();
}

int PredictionsModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

int PredictionsModel::otherPrediction(int row) const
{
    if (!m_other || row < 0 || row >= int(m_otherRow.size())) return -1;
    const int o = m_otherRow[std::size_t(row)];
    return o < 0 ? -1 : m_other->predictions.yPred[std::size_t(o)];
}

QString PredictionsModel::stateText(int sample) const
{
    if (!m_doc || sample < 0 || sample >= int(m_doc->dataset().samples.size()))
        return sample < 0 ? tr("not in the project") : QString();
    const data::Sample &s = m_doc->dataset().samples[std::size_t(sample)];
    QStringList parts;
    if (s.has(data::FlagExcluded)) parts << tr("excluded");
    if (s.has(data::FlagFlagged)) parts << tr("flagged");
    if (s.has(data::FlagRelabelled)) parts << tr("relabelled: %1").arg(m_doc->dataset().classes.value(s.label));
    return parts.join(QStringLiteral(", "));
}

QVariant PredictionsModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || !m_main) return {};
    const PredictionSet &p = m_main->predictions;
    const int row = index.row();
    if (row < 0 || row >= p.size()) return {};
    const int t = p.yTrue[std::size_t(row)];
    const int pred = p.yPred[std::size_t(row)];
    const int sample = p.sampleIndex[std::size_t(row)];
    const QStringList &names = m_main->classNames;
    switch (role) {
    case RowRole:
        return row;
    case SampleRole:
        return sample;
    case TrueRole:
        return t;
    case PredictedRole:
        return pred;
    case OtherPredictedRole:
        return otherPrediction(row);
    case ProbabilitiesRole: {
        QVariantList v;
        v.reserve(p.numClasses);
        for (int k = 0; k < p.numClasses; ++k)
            v << p.probability(row, k);
        return v;
    }
    default:
        break;
    }
    const int column = index.column();
    switch (role) {
    case Qt::DisplayRole:
        switch (column) {
        case ImageColumn:
            return p.sampleIds[row];
        case TrueColumn:
            return names.value(t);
        case PredictedColumn:
            return names.value(pred);
        case ConfidenceColumn:
            return QString::number(p.confidence(row), 'f', 3);
        case TrueProbabilityColumn:
            return QString::number(p.probability(row, t), 'f', 3);
        case LossColumn:
            return QString::number(p.loss(row), 'f', 3);
        case OtherColumn: {
            const int o = otherPrediction(row);
            return o < 0 ? QString() : names.value(o);
        }
        case StateColumn:
            return stateText(sample);
        default:
            return {};
        }
    case SortRole:
        switch (column) {
        case ImageColumn:
            return p.sampleIds[row];
        case TrueColumn:
            return t;
        case PredictedColumn:
            return pred;
        case ConfidenceColumn:
            return p.confidence(row);
        case TrueProbabilityColumn:
            return p.probability(row, t);
        case LossColumn:
        case ProbabilitiesColumn:
            return p.loss(row);
        case OtherColumn:
            return otherPrediction(row);
        case StateColumn:
            return stateText(sample);
        default:
            return {};
        }
    case Qt::DecorationRole:
        if (column == ImageColumn && m_thumbs && sample >= 0) {
            const QString key = QStringLiteral("fopro-pred-%1").arg(sample);
            QPixmap scaled;
            if (QPixmapCache::find(key, &scaled)) return scaled;
            const QPixmap full = m_thumbs->thumbnail(sample);
            if (full.isNull()) return {};
            scaled = full.scaled(kThumbSide, kThumbSide, Qt::KeepAspectRatio, Qt::SmoothTransformation);
            QPixmapCache::insert(key, scaled);
            return scaled;
        }
        return {};
    case Qt::ForegroundRole:
        if (column == PredictedColumn && pred != t) return ClassTableModel::worseColor();
        if (column == OtherColumn) {
            const int o = otherPrediction(row);
            if (o >= 0 && o != pred) return o == t ? ClassTableModel::betterColor() : ClassTableModel::worseColor();
        }
        return {};
    case Qt::ToolTipRole:
        if (column == ImageColumn) {
            QString tip = p.sampleIds[row];
            if (sample >= 0 && m_thumbs) {
                const QString error = m_thumbs->errorFor(sample);
                if (!error.isEmpty()) tip += QStringLiteral("\n") + error;
            }
            return tip;
        }
        if (column == LossColumn) return tr("−log p(true class): high for confident mistakes");
        if (column == ProbabilitiesColumn) {
            std::vector<int> order(std::size_t(p.numClasses));
            for (int k = 0; k < p.numClasses; ++k)
                order[std::size_t(k)] = k;
            std::stable_sort(order.begin(), order.end(),
                             [&](int a, int b) { return p.probability(row, a) > p.probability(row, b); });
            QStringList lines;
            for (std::size_t i = 0; i < order.size() && i < 3; ++i)
                lines
                    << QStringLiteral("%1: %2").arg(names.value(order[i])).arg(p.probability(row, order[i]), 0, 'f', 3);
            return lines.join(QLatin1Char('\n'));
        }
        return {};
    case Qt::TextAlignmentRole:
        if (column == ConfidenceColumn || column == TrueProbabilityColumn || column == LossColumn)
            return QVariant(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    default:
        return {};
    }
}

QVariant PredictionsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal) return {};
    if (role == Qt::DisplayRole) {
        switch (section) {
        case ImageColumn:
            return tr("Image");
        case TrueColumn:
            return tr("True");
        case PredictedColumn:
            return tr("Predicted");
        case ConfidenceColumn:
            return tr("Conf.");
        case TrueProbabilityColumn:
            return tr("p(true)");
        case LossColumn:
            return tr("Loss");
        case ProbabilitiesColumn:
            return tr("Probabilities");
        case OtherColumn:
            return m_other ? tr("Other run") : QString();
        case StateColumn:
            return tr("In the project now");
        default:
            return {};
        }
    }
    if (role == Qt::ToolTipRole) {
        switch (section) {
        case ConfidenceColumn:
            return tr("The probability of the predicted class");
        case LossColumn:
            return tr("−log p(true class): sort by it to see the confident mistakes first");
        case ProbabilitiesColumn:
            return tr("One bar per class: the true class in green, a wrong prediction in orange");
        case OtherColumn:
            return m_other ? tr("What %1 predicted").arg(m_other->title) : QString();
        default:
            return {};
        }
    }
    return {};
}

void PredictionsModel::samplesChanged(const std::vector<int> &samples)
{
    if (!m_main) return;
    for (int s : samples)
        for (int row : m_rowsOfSample.value(s))
            Q_EMIT dataChanged(index(row, StateColumn), index(row, StateColumn));
}

void PredictionsModel::thumbnailReady(int sample)
{
    QPixmapCache::remove(QStringLiteral("fopro-pred-%1").arg(sample));
    for (int row : m_rowsOfSample.value(sample))
        Q_EMIT dataChanged(index(row, ImageColumn), index(row, ImageColumn), {Qt::DecorationRole});
}

// ---- PredictionsFilter -------------------------------------------------------------------------

PredictionsFilter::PredictionsFilter(QObject *parent) : QSortFilterProxyModel(parent)
{
    setSortRole(PredictionsModel::SortRole);
}

void PredictionsFilter::setWrongOnly(bool on)
{
    m_wrongOnly = on;
    invalidateFilter();
}

void PredictionsFilter::setClass(int k, ClassMode mode)
{
    m_class = k;
    m_mode = mode;
    invalidateFilter();
}

void PredictionsFilter::setConfidenceRange(double lo, double hi)
{
    m_lo = lo;
    m_hi = hi;
    invalidateFilter();
}

void PredictionsFilter::setDisagreeOnly(bool on)
{
    m_disagree = on;
    invalidateFilter();
}

void PredictionsFilter::setRows(std::optional<QSet<int>> rows)
{
    m_rows = std::move(rows);
    invalidateFilter();
}

bool PredictionsFilter::filterAcceptsRow(int sourceRow, const QModelIndex &) const
{
    const auto *m = qobject_cast<const PredictionsModel *>(sourceModel());
    if (!m || !m->results()) return true;
    const PredictionSet &p = m->results()->predictions;
    if (m_rows && !m_rows->contains(sourceRow)) return false;
    const int t = p.yTrue[std::size_t(sourceRow)], pred = p.yPred[std::size_t(sourceRow)];
    if (m_wrongOnly && t == pred) return false;
    if (m_class >= 0) {
        const bool match = m_mode == ClassMode::True        ? t == m_class
                           : m_mode == ClassMode::Predicted ? pred == m_class
                                                            : (t == m_class || pred == m_class);
        if (!match) return false;
    }
    const double conf = p.confidence(sourceRow);
    if (conf < m_lo - 1e-12 || conf > m_hi + 1e-12) return false;
    if (m_disagree) {
        const int o = m->otherPrediction(sourceRow);
        if (o < 0 || o == pred) return false;
    }
    return true;
}

// ---- ProbabilityBarDelegate ----------------------------------------------------------------------

void ProbabilityBarDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option,
                                   const QModelIndex &index) const
{
    QStyleOptionViewItem opt = option;
    initStyleOption(&opt, index);
    opt.text.clear();
    const QWidget *widget = option.widget;
    QStyle *style = widget ? widget->style() : QApplication::style();
    style->drawControl(QStyle::CE_ItemViewItem, &opt, painter, widget); // background and selection
    const QVariantList probs = index.data(PredictionsModel::ProbabilitiesRole).toList();
    const int c = int(probs.size());
    if (c == 0) return;
    const int t = index.data(PredictionsModel::TrueRole).toInt();
    const int pred = index.data(PredictionsModel::PredictedRole).toInt();
    const QRect r = option.rect.adjusted(3, 4, -3, -4);
    const double w = double(r.width()) / c;
    painter->save();
    painter->setRenderHint(QPainter::Antialiasing, false);
    const QColor grid = option.palette.color(QPalette::Mid);
    painter->setPen(QPen(grid, 1));
    painter->drawLine(r.bottomLeft(), r.bottomRight());
    painter->setPen(Qt::NoPen);
    for (int k = 0; k < c; ++k) {
        const double v = std::clamp(probs[k].toDouble(), 0.0, 1.0);
        const int h = std::max(v > 0.005 ? 1 : 0, int(std::lround(v * r.height())));
        QColor color = option.palette.color(QPalette::Mid);
        if (k == t)
            color = ClassTableModel::betterColor();
        else if (k == pred)
            color = ClassTableModel::worseColor();
        painter->setBrush(color);
        const int x0 = r.left() + int(std::lround(k * w));
        const int x1 = r.left() + int(std::lround((k + 1) * w)) - (w >= 4 ? 1 : 0);
        painter->drawRect(QRect(QPoint(x0, r.bottom() - h + 1), QPoint(std::max(x0, x1 - 1), r.bottom())));
    }
    painter->restore();
}

QSize ProbabilityBarDelegate::sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    const int c = int(index.data(PredictionsModel::ProbabilitiesRole).toList().size());
    return QSize(std::max(60, std::min(160, c * 9)), QStyledItemDelegate::sizeHint(option, index).height());
}

} // namespace fopro::ui
