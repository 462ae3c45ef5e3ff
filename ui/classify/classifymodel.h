#pragma once
// The Classify page's table: one row per classified (or unreadable) image, in the order the job
// returned them: thumbnail, file, top-1 class, confidence (drawn as a bar by ConfidenceBarDelegate),
// the top-k classes, and the reason when the file could not be read. Records only; thumbnails come
// from a ThumbnailProvider over a private DatasetIndex of the files (DICOM through core/data's
// decoder, with the DICOM browser's windowing).

#include "core/data/datasetindex.h"
#include "core/ml/classify.h"

#include <QtCore/QAbstractTableModel>
#include <QtWidgets/QStyledItemDelegate>

namespace fopro::ui {

class ThumbnailProvider;

class ClassifyModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { ImageColumn, FileColumn, TopColumn, ConfidenceColumn, TopKColumn, StatusColumn, ColumnCount };
    enum Role { SortRole = Qt::UserRole + 1, ConfidenceRole, OkRole };

    explicit ClassifyModel(QObject *parent = nullptr);
    ~ClassifyModel() override;

    /// Replaces everything with a job's result.
    void setResult(const ml::ClassifyResult &result);
    /// Appends a further result of the same model.
    void append(const ml::ClassifyResult &result);
    void clear();

    const std::vector<ml::ClassifiedImage> &images() const { return m_images; }
    QStringList classNames() const { return m_classNames; }
    const ml::ClassifyResult &result() const { return m_result; }
    /// The files already listed (to skip them when added again).
    bool contains(const QString &file, int frame) const;
    int failedCount() const;
    /// How many classes the top-k column lists.
    void setTopK(int k);
    int topK() const { return m_topK; }
    /// The top-k text of a row ("Bag 0.81 · Coat 0.10 · Shirt 0.05").
    QString topKText(int row) const;

    /// The file list as a dataset (one sample per row) for the thumbnails and Grad-CAM.
    const data::DatasetIndex &files() const { return m_index; }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    static constexpr int kThumbSide = 48;
    /// Thumbnails requested and not delivered yet.
    int pendingThumbnails() const;

private:
    void rebuildIndex();
    void thumbnailReady(int row);

    ml::ClassifyResult m_result; ///< model facts and every entry so far
    std::vector<ml::ClassifiedImage> m_images;
    QStringList m_classNames;
    int m_topK = 3;
    data::DatasetIndex m_index;
    ThumbnailProvider *m_thumbs;
};

/// Draws ConfidenceRole as a horizontal bar with the value.
class ConfidenceBarDelegate : public QStyledItemDelegate {
    Q_OBJECT
public:
    using QStyledItemDelegate::QStyledItemDelegate;
    void paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const override;
};

} // namespace fopro::ui
