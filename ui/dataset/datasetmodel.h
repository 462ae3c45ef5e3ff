#pragma once
// Item models of the dataset grid. DatasetModel exposes one row per sample as a record (never
// pixels: thumbnails come from the ThumbnailProvider on demand); SampleFilterModel filters by class,
// split, mark and text, and sorts.

#include "core/data/datasetindex.h"

#include <QtCore/QAbstractListModel>
#include <QtCore/QSortFilterProxyModel>

#include <QtCore/QSet>

#include <optional>

namespace fopro::ui {

class ThumbnailProvider;

class DatasetModel : public QAbstractListModel {
    Q_OBJECT
public:
    enum Role {
        SampleIndexRole = Qt::UserRole + 1, // int: index into DatasetIndex::samples
        LabelRole,                          // int: class index (-1 unlabelled)
        LabelNameRole,                      // QString
        SplitRole,                          // int: data::Split
        FlagsRole,                          // int: data::SampleFlag bits
        GroupRole,                          // QString
        PathRole,                           // QString: stored path (+ #entry)
        SearchTextRole,                     // QString: file name, group and metadata values, lower case
        ErrorRole,                          // QString: why the thumbnail could not be decoded
    };

    explicit DatasetModel(QObject *parent = nullptr);

    /// The dataset shown (not owned); null shows nothing.
    void setDataset(const data::DatasetIndex *dataset);
    const data::DatasetIndex *dataset() const { return m_dataset; }
    void setThumbnailProvider(ThumbnailProvider *provider);

    /// Tells views that these samples changed (after a curation edit).
    void samplesChanged(const std::vector<int> &samples);
    /// Tells views that class names changed (every label text may change).
    void classesChanged();

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

private:
    const data::DatasetIndex *m_dataset = nullptr;
    ThumbnailProvider *m_thumbnails = nullptr;
};

class SampleFilterModel : public QSortFilterProxyModel {
    Q_OBJECT
public:
    enum class MarkFilter { Any, Active, Excluded, Flagged, Relabelled, SpectralOutlier };
    enum class SortKey { Dataset, Class, Split, Path, SpectralScore };
    /// MarkFilter::SpectralOutlier keeps images scoring at least this (robust standard deviations).
    static constexpr double kOutlierScore = 3.0;

    explicit SampleFilterModel(QObject *parent = nullptr);

    void setClassFilter(std::optional<int> label);
    void setSplitFilter(std::optional<data::Split> split);
    void setMarkFilter(MarkFilter mark);
    void setGroupFilter(const QString &group);
    void setTextFilter(const QString &text);
    void setSortKey(SortKey key);
    /// Only these samples (e.g. a confusion cell or the top spectral outliers); nullopt: all.
    void setSampleFilter(std::optional<QSet<int>> samples);
    bool hasSampleFilter() const { return m_samples.has_value(); }
    /// Spectral outlier scores per sample (NaN or missing: unscored), for SortKey::SpectralScore
    /// (highest first, unscored last) and MarkFilter::SpectralOutlier.
    void setScores(std::vector<double> scores);
    std::optional<int> classFilter() const { return m_class; }

    /// Sample indices of the given proxy rows.
    std::vector<int> samplesOf(const QModelIndexList &proxyRows) const;
    /// Every sample that passes the filters.
    std::vector<int> visibleSamples() const;

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;
    bool lessThan(const QModelIndex &left, const QModelIndex &right) const override;

private:
    std::optional<int> m_class;
    std::optional<data::Split> m_split;
    MarkFilter m_mark = MarkFilter::Any;
    QString m_group;
    QString m_text;
    SortKey m_sort = SortKey::Dataset;
    std::optional<QSet<int>> m_samples;
    std::vector<double> m_scores;

    double scoreOf(int sample) const;
};

} // namespace fopro::ui
