#include "ui/results/classtablemodel.h"

#include "core/common/fileio.h"
#include "ui/training/runcompareview.h"

#include <QtGui/QColor>

#include <cmath>

namespace fopro::ui {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr int kComparedColumns = 4; // recall, Δ recall, F1, Δ F1

QString countText(int n)
{
    return n >= 0 ? QString::number(n) : missingText();
}

} // namespace

ClassTableModel::ClassTableModel(QObject *parent) : QAbstractTableModel(parent) {}

QColor ClassTableModel::betterColor()
{
    return QColor(0x00, 0x9E, 0x73);
}

QColor ClassTableModel::worseColor()
{
    return QColor(0xD5, 0x5E, 0x00);
}

void ClassTableModel::setRuns(const std::vector<const RunResults *> &runs)
{
    beginResetModel();
    m_main.clear();
    m_storage.clear();
    m_compared.clear();
    if (!runs.empty() && runs.front()) {
        m_main = runs.front()->classes;
        m_storage.reserve(runs.size());
        for (std::size_t r = 1; r < runs.size(); ++r) {
            if (!runs[r]) continue;
            m_storage.push_back(runs[r]->classes);
            Compared c;
            c.title = runs[r]->title;
            for (const ClassResult &mine : m_main) {
                const ClassResult *match = nullptr;
                for (const ClassResult &other : m_storage.back())
                    if (other.name == mine.name) match = &other;
                c.byRow.push_back(match);
            }
            m_compared.push_back(std::move(c));
        }
    }
    endResetModel();
}

int ClassTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_main.size());
}

int ClassTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : FixedColumnCount + kComparedColumns * int(m_compared.size());
}

double ClassTableModel::value(int row, int column) const
{
    const ClassResult &c = m_main[std::size_t(row)];
    switch (column) {
    case TrainColumn:
        return c.trainCount >= 0 ? c.trainCount : kNaN;
    case SupportColumn:
        return c.support;
    case PrecisionColumn:
        return c.precision;
    case RecallColumn:
        return c.recall;
    case F1Column:
        return c.f1;
    case AucColumn:
        return c.rocAuc;
    default:
        break;
    }
    if (column < FixedColumnCount) return kNaN;
    const int run = (column - FixedColumnCount) / kComparedColumns;
    const int part = (column - FixedColumnCount) % kComparedColumns;
    const ClassResult *other = m_compared[std::size_t(run)].byRow[std::size_t(row)];
    if (!other) return kNaN;
    switch (part) {
    case 0:
        return other->recall;
    case 1:
        return other->recall - c.recall;
    case 2:
        return other->f1;
    default:
        return other->f1 - c.f1;
    }
}

QVariant ClassTableModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= int(m_main.size())) return {};
    const ClassResult &c = m_main[std::size_t(index.row())];
    const int column = index.column();
    const bool delta = column >= FixedColumnCount && (column - FixedColumnCount) % kComparedColumns % 2 == 1;
    switch (role) {
    case Qt::DisplayRole: {
        if (column == ClassColumn) return c.name;
        if (column == GroupColumn) return c.group.isEmpty() ? missingText() : c.group;
        if (column == TrainColumn) return countText(c.trainCount);
        if (column == SupportColumn) return QString::number(c.support);
        const double v = value(index.row(), column);
        if (delta) {
            if (!std::isfinite(v)) return missingText();
            const double pp = std::round(v * 1000.0) / 10.0;
            return (pp < 0 ? QStringLiteral("−") : QStringLiteral("+")) + QString::number(std::abs(pp), 'f', 1) +
                   QStringLiteral(" pp");
        }
        return metricText(v);
    }
    case SortRole:
        if (column == ClassColumn) return c.index;
        if (column == GroupColumn)
            return c.group == QLatin1String("head") ? 0 : c.group == QLatin1String("medium") ? 1 : 2;
        {
            const double v = value(index.row(), column);
            return std::isfinite(v) ? v : -1e300;
        }
    case ValueRole:
        if (column == ClassColumn) return c.name;
        if (column == GroupColumn) return c.group;
        return value(index.row(), column);
    case ClassIndexRole:
        return c.index;
    case Qt::TextAlignmentRole:
        return column <= GroupColumn ? QVariant(Qt::AlignLeft | Qt::AlignVCenter)
                                     : QVariant(Qt::AlignRight | Qt::AlignVCenter);
    case Qt::ForegroundRole:
        if (delta) {
            const double v = value(index.row(), column);
            const double pp = std::round(v * 1000.0) / 10.0;
            if (std::isfinite(v) && pp != 0) return pp > 0 ? betterColor() : worseColor();
        }
        return {};
    case Qt::ToolTipRole:
        if (column == ClassColumn)
            return tr("%1: %2 training images, %3 images in this split, predicted %4 times")
                .arg(c.name, countText(c.trainCount))
                .arg(c.support)
                .arg(c.predicted);
        return {};
    default:
        return {};
    }
}

QVariant ClassTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal) return {};
    if (role == Qt::DisplayRole) {
        switch (section) {
        case ClassColumn:
            return tr("Class");
        case GroupColumn:
            return tr("Group");
        case TrainColumn:
            return tr("Train");
        case SupportColumn:
            return tr("Support");
        case PrecisionColumn:
            return tr("Precision");
        case RecallColumn:
            return tr("Recall");
        case F1Column:
            return tr("F1");
        case AucColumn:
            return tr("AUC");
        default:
            break;
        }
        const int run = (section - FixedColumnCount) / kComparedColumns;
        const int part = (section - FixedColumnCount) % kComparedColumns;
        if (run >= int(m_compared.size())) return {};
        const QString title = m_compared[std::size_t(run)].title;
        const QString shortTitle = title.size() > 14 ? title.left(13) + QChar(0x2026) : title;
        switch (part) {
        case 0:
            return tr("Recall\n%1").arg(shortTitle);
        case 1:
            return tr("Δ recall\n%1").arg(shortTitle);
        case 2:
            return tr("F1\n%1").arg(shortTitle);
        default:
            return tr("Δ F1\n%1").arg(shortTitle);
        }
    }
    if (role == Qt::ToolTipRole) {
        switch (section) {
        case TrainColumn:
            return tr("Training images of the class (what head / medium / tail is decided on)");
        case SupportColumn:
            return tr("Images of the class in this split");
        case AucColumn:
            return tr("ROC-AUC of the class against the rest");
        default:
            break;
        }
        if (section >= FixedColumnCount) {
            const int run = (section - FixedColumnCount) / kComparedColumns;
            if (run < int(m_compared.size()))
                return tr("%1, compared with the main run (Δ in percentage points)")
                    .arg(m_compared[std::size_t(run)].title);
        }
    }
    return {};
}

QString ClassTableModel::csv() const
{
    QStringList header{QStringLiteral("class"),   QStringLiteral("group"),     QStringLiteral("train_count"),
                       QStringLiteral("support"), QStringLiteral("precision"), QStringLiteral("recall"),
                       QStringLiteral("f1"),      QStringLiteral("roc_auc")};
    for (const Compared &c : m_compared)
        header << QStringLiteral("recall[%1]").arg(c.title) << QStringLiteral("delta_recall[%1]").arg(c.title)
               << QStringLiteral("f1[%1]").arg(c.title) << QStringLiteral("delta_f1[%1]").arg(c.title);
    QString out = fileio::csvRow(header);
    for (int r = 0; r < rowCount(); ++r) {
        const ClassResult &c = m_main[std::size_t(r)];
        QStringList row{c.name, c.group, c.trainCount >= 0 ? QString::number(c.trainCount) : QString(),
                        QString::number(c.support)};
        for (int col = PrecisionColumn; col < columnCount(); ++col) {
            const double v = value(r, col);
            row << (std::isfinite(v) ? fileio::csvNumber(v) : QString());
        }
        out += fileio::csvRow(row);
    }
    return out;
}

} // namespace fopro::ui
