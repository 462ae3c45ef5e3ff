#include "ui/dataset/datasetmodel.h"

#include "ui/dataset/thumbnailprovider.h"

#include <QtCore/QFileInfo>

#include <cmath>

#include <limits>

namespace fopro::ui {

using data::Sample;

DatasetModel::DatasetModel(QObject *parent) : QAbstractListModel(parent) {}

void DatasetModel::setDataset(const data::DatasetIndex *dataset)
{
    beginResetModel();
    m_dataset = dataset;
    if (m_thumbnails) m_thumbnails->setDataset(dataset);
    endResetModel();
}

void DatasetModel::setThumbnailProvider(ThumbnailProvider *provider)
{
    m_thumbnails = provider;
    if (!provider) return;
    provider->setDataset(m_dataset);
    connect(provider, &ThumbnailProvider::thumbnailReady, this, [this](int sample) {
        if (!m_dataset || sample < 0 || sample >= rowCount()) return;
        const QModelIndex i = index(sample);
        Q_EMIT dataChanged(i, i, {Qt::DecorationRole, ErrorRole});
    });
}

void DatasetModel::samplesChanged(const std::vector<int> &samples)
{
    if (!m_dataset || samples.empty()) return;
    // One signal per contiguous run keeps large edits cheap for the views and proxies.
    std::vector<int> s = samples;
    std::sort(s.begin(), s.end());
    std::size_t start = 0;
    for (std::size_t k = 1; k <= s.size(); ++k) {
        if (k < s.size() && s[k] == s[k - 1] + 1) continue;
        Q_EMIT dataChanged(index(s[start]), index(s[k - 1]));
        start = k;
    }
}

void DatasetModel::classesChanged()
{
    if (rowCount() > 0)
        Q_EMIT dataChanged(index(0), index(rowCount() - 1),
                           {Qt::DisplayRole, LabelNameRole, LabelRole, SearchTextRole});
}

int DatasetModel::rowCount(const QModelIndex &parent) const
{
    if (parent.isValid() || !m_dataset) return 0;
    return int(m_dataset->samples.size());
}

QVariant DatasetModel::data(const QModelIndex &index, int role) const
{
    if (!m_dataset || !index.isValid() || index.row() >= rowCount()) return {};
    const Sample &s = m_dataset->samples[std::size_t(index.row())];
    const QString labelName =
        s.label >= 0 && s.label < m_dataset->classCount() ? m_dataset->classes[s.label] : tr("unlabelled");
    switch (role) {
    case Qt::DisplayRole:
    case LabelNameRole:
        return labelName;
    case Qt::ToolTipRole: {
        QString tip =
            QStringLiteral("<b>%1</b><br>%2<br>%3: %4")
                .arg(s.id().toHtmlEscaped(), labelName.toHtmlEscaped(), tr("split"), data::splitName(s.split));
        if (!s.group.isEmpty()) tip += QStringLiteral("<br>%1: %2").arg(tr("group"), s.group.toHtmlEscaped());
        if (s.has(data::FlagRelabelled) && s.originalLabel >= 0 && s.originalLabel < m_dataset->classCount())
            tip += QStringLiteral("<br>%1: %2")
                       .arg(tr("imported as"), m_dataset->classes[s.originalLabel].toHtmlEscaped());
        if (m_thumbnails && !m_thumbnails->errorFor(index.row()).isEmpty())
            tip += QStringLiteral("<br><span style='color:#c0392b'>%1</span>")
                       .arg(m_thumbnails->errorFor(index.row()).toHtmlEscaped());
        return tip;
    }
    case Qt::DecorationRole:
        if (m_thumbnails) return const_cast<ThumbnailProvider *>(m_thumbnails)->thumbnail(index.row());
        return {};
    case SampleIndexRole:
        return index.row();
    case LabelRole:
        return s.label;
    case SplitRole:
        return int(s.split);
    case FlagsRole:
        return int(s.flags);
    case GroupRole:
        return s.group;
    case PathRole:
        return s.id();
    case SearchTextRole: {
        QString text = QFileInfo(s.path).fileName() + QLatin1Char(' ') + s.group;
        for (auto it = s.meta.cbegin(); it != s.meta.cend(); ++it)
            text += QLatin1Char(' ') + it.value();
        return text.toLower();
    }
    case ErrorRole:
        return m_thumbnails ? m_thumbnails->errorFor(index.row()) : QString();
    default:
        return {};
    }
}

QHash<int, QByteArray> DatasetModel::roleNames() const
{
    auto names = QAbstractListModel::roleNames();
    names.insert(SampleIndexRole, "sampleIndex");
    names.insert(LabelRole, "label");
    names.insert(LabelNameRole, "labelName");
    names.insert(SplitRole, "split");
    names.insert(FlagsRole, "flags");
    names.insert(GroupRole, "group");
    names.insert(PathRole, "path");
    return names;
}

// ---- SampleFilterModel -------------------------------------------------------------------------

SampleFilterModel::SampleFilterModel(QObject *parent) : QSortFilterProxyModel(parent)
{
    setDynamicSortFilter(true);
}

void SampleFilterModel::setClassFilter(std::optional<int> label)
{
    m_class = label;
    invalidateFilter();
}

void SampleFilterModel::setSplitFilter(std::optional<data::Split> split)
{
    m_split = split;
    invalidateFilter();
}

void SampleFilterModel::setMarkFilter(MarkFilter mark)
{
    m_mark = mark;
    invalidateFilter();
}

void SampleFilterModel::setGroupFilter(const QString &group)
{
    m_group = group;
    invalidateFilter();
}

void SampleFilterModel::setTextFilter(const QString &text)
{
    m_text = text.trimmed().toLower();
    invalidateFilter();
}

void SampleFilterModel::setSortKey(SortKey key)
{
    m_sort = key;
    invalidate();
    sort(0);
}

void SampleFilterModel::setSampleFilter(std::optional<QSet<int>> samples)
{
    m_samples = std::move(samples);
    invalidateFilter();
}

void SampleFilterModel::setScores(std::vector<double> scores)
{
    m_scores = std::move(scores);
    invalidate();
    if (m_sort == SortKey::SpectralScore) sort(0);
}

double SampleFilterModel::scoreOf(int sample) const
{
    return sample >= 0 && sample < int(m_scores.size()) ? m_scores[std::size_t(sample)]
                                                        : std::numeric_limits<double>::quiet_NaN();
}

std::vector<int> SampleFilterModel::samplesOf(const QModelIndexList &proxyRows) const
{
    std::vector<int> out;
    out.reserve(std::size_t(proxyRows.size()));
    for (const QModelIndex &i : proxyRows)
        out.push_back(mapToSource(i).row());
    std::sort(out.begin(), out.end());
    return out;
}

std::vector<int> SampleFilterModel::visibleSamples() const
{
    std::vector<int> out;
    out.reserve(std::size_t(rowCount()));
    for (int r = 0; r < rowCount(); ++r)
        out.push_back(mapToSource(index(r, 0)).row());
    std::sort(out.begin(), out.end());
    return out;
}

bool SampleFilterModel::filterAcceptsRow(int sourceRow, const QModelIndex &) const
{
    const auto *m = qobject_cast<const DatasetModel *>(sourceModel());
    if (!m || !m->dataset()) return false;
    const Sample &s = m->dataset()->samples[std::size_t(sourceRow)];
    if (m_samples && !m_samples->contains(sourceRow)) return false;
    if (m_class && s.label != *m_class) return false;
    if (m_split && s.split != *m_split) return false;
    switch (m_mark) {
    case MarkFilter::Any:
        break;
    case MarkFilter::Active:
        if (!data::DatasetIndex::isActive(s)) return false;
        break;
    case MarkFilter::Excluded:
        if (!s.has(data::FlagExcluded)) return false;
        break;
    case MarkFilter::Flagged:
        if (!s.has(data::FlagFlagged)) return false;
        break;
    case MarkFilter::Relabelled:
        if (!s.has(data::FlagRelabelled)) return false;
        break;
    case MarkFilter::SpectralOutlier:
        if (!(scoreOf(sourceRow) >= kOutlierScore)) return false;
        break;
    }
    if (!m_group.isEmpty() && s.group != m_group) return false;
    if (!m_text.isEmpty()) {
        if (s.path.contains(m_text, Qt::CaseInsensitive) || s.group.contains(m_text, Qt::CaseInsensitive)) return true;
        for (auto it = s.meta.cbegin(); it != s.meta.cend(); ++it)
            if (it.value().contains(m_text, Qt::CaseInsensitive)) return true;
        return false;
    }
    return true;
}

bool SampleFilterModel::lessThan(const QModelIndex &left, const QModelIndex &right) const
{
    const auto *m = qobject_cast<const DatasetModel *>(sourceModel());
    const Sample &a = m->dataset()->samples[std::size_t(left.row())];
    const Sample &b = m->dataset()->samples[std::size_t(right.row())];
    switch (m_sort) {
    case SortKey::Class:
        if (a.label != b.label) return a.label < b.label;
        break;
    case SortKey::Split:
        if (a.split != b.split) return a.split < b.split;
        break;
    case SortKey::Path: {
        const int c = QString::compare(a.path, b.path, Qt::CaseInsensitive);
        if (c != 0) return c < 0;
        if (a.entry != b.entry) return a.entry < b.entry;
        break;
    }
    case SortKey::SpectralScore: {
        const double sa = scoreOf(left.row()), sb = scoreOf(right.row());
        if (std::isnan(sa) != std::isnan(sb)) return std::isnan(sb); // unscored last
        if (!std::isnan(sa) && sa != sb) return sa > sb;             // highest first
        break;
    }
    case SortKey::Dataset:
        break;
    }
    return left.row() < right.row();
}

} // namespace fopro::ui
