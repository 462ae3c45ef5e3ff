#include "ui/common/plotcontroller.h"

#include "core/common/fileio.h"
#include "ui/common/qcustomplotinclude.h"

#include <QtCore/QBuffer>
#include <QtCore/QEvent>
#include <QtCore/QTimer>
#include <QtGui/QClipboard>
#include <QtGui/QGuiApplication>
#include <QtSvg/QSvgGenerator>
#include <QtWidgets/QFileDialog>
#include <QtWidgets/QMenu>
#include <QtWidgets/QMessageBox>

namespace fopro::ui {

namespace {

constexpr int kMinReplotIntervalMs = 100; // at most ten replots per second

QString kindOf(const QCPAbstractPlottable *p)
{
    if (qobject_cast<const QCPBars *>(p)) return QStringLiteral("bars");
    if (qobject_cast<const QCPGraph *>(p)) return QStringLiteral("graph");
    if (qobject_cast<const QCPCurve *>(p)) return QStringLiteral("curve");
    return QString::fromLatin1(p->metaObject()->className()).remove(QStringLiteral("QCP")).toLower();
}

QSize outputSize(const QCustomPlot *plot, int width, int height)
{
    return QSize(width > 0 ? width : plot->width(), height > 0 ? height : plot->height()).expandedTo(QSize(1, 1));
}

} // namespace

PlotController::PlotController(QCustomPlot *plot) : QObject(plot), m_plot(plot), m_timer(new QTimer(this))
{
    m_timer->setSingleShot(true);
    connect(m_timer, &QTimer::timeout, this, &PlotController::replotNow);
    m_plot->installEventFilter(this);
    m_plot->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(m_plot, &QWidget::customContextMenuRequested, this, [this](const QPoint &pos) {
        QMenu *menu = createContextMenu(m_plot);
        menu->setAttribute(Qt::WA_DeleteOnClose);
        menu->popup(m_plot->mapToGlobal(pos));
    });
    restyle();
}

void PlotController::requestReplot()
{
    if (m_timer->isActive()) return; // coalesced into the queued one
    const qint64 since = m_sinceReplot.isValid() ? m_sinceReplot.elapsed() : kMinReplotIntervalMs;
    m_timer->start(int(std::max<qint64>(0, kMinReplotIntervalMs - since)));
}

void PlotController::replotNow()
{
    m_timer->stop();
    m_plot->replot(QCustomPlot::rpImmediateRefresh);
    m_sinceReplot.start();
    ++m_replots;
}

bool PlotController::isReplotPending() const
{
    return m_timer->isActive();
}

void PlotController::restyle()
{
    m_palette = PlotPalette::fromPalette(m_plot->palette());
    m_palette.apply(m_plot);
}

bool PlotController::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == m_plot && event->type() == QEvent::PaletteChange) {
        restyle();
        Q_EMIT paletteChanged();
        requestReplot();
    }
    return QObject::eventFilter(watched, event);
}

Result<void> PlotController::savePng(const QString &file, int width, int height) const
{
    const QSize size = outputSize(m_plot, width, height);
    const QPixmap pixmap = m_plot->toPixmap(size.width(), size.height());
    QByteArray bytes;
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::WriteOnly);
    if (pixmap.isNull() || !pixmap.save(&buffer, "PNG"))
        return makeError(ErrorCode::WriteFailed, file, QStringLiteral("the plot could not be rendered as PNG"));
    return fileio::writeAtomically(file, bytes);
}

Result<void> PlotController::saveSvg(const QString &file, int width, int height) const
{
    const QSize size = outputSize(m_plot, width, height);
    QByteArray bytes;
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::WriteOnly);
    QSvgGenerator svg;
    svg.setOutputDevice(&buffer);
    svg.setSize(size);
    svg.setViewBox(QRect(QPoint(0, 0), size));
    svg.setTitle(m_exportName);
    svg.setDescription(QStringLiteral("FoPro-KD Studio"));
    QCPPainter painter;
    if (!painter.begin(&svg))
        return makeError(ErrorCode::WriteFailed, file, QStringLiteral("the plot could not be rendered as SVG"));
    m_plot->toPainter(&painter, size.width(), size.height());
    painter.end();
    buffer.close();
    if (bytes.isEmpty())
        return makeError(ErrorCode::WriteFailed, file, QStringLiteral("the SVG renderer wrote nothing"));
    return fileio::writeAtomically(file, bytes);
}

QString PlotController::csv() const
{
    if (m_csvProvider) return m_csvProvider();
    QString out = fileio::csvRow({QStringLiteral("series"), QStringLiteral("kind"), QStringLiteral("key"),
                                  QStringLiteral("label"), QStringLiteral("value")});
    for (int i = 0; i < m_plot->plottableCount(); ++i) {
        QCPAbstractPlottable *p = m_plot->plottable(i);
        QCPPlottableInterface1D *data = p->interface1D();
        if (!data) continue;
        const QString kind = kindOf(p);
        QCPAxis *keyAxis = p->keyAxis();
        const auto textTicker = keyAxis ? qSharedPointerDynamicCast<QCPAxisTickerText>(keyAxis->ticker())
                                        : QSharedPointer<QCPAxisTickerText>();
        for (int k = 0; k < data->dataCount(); ++k) {
            const double key = data->dataMainKey(k);
            const double value = data->dataMainValue(k);
            const QString label = textTicker ? textTicker->ticks().value(key) : QString();
            out += fileio::csvRow({p->name(), kind, fileio::csvNumber(key), label, fileio::csvNumber(value)});
        }
    }
    return out;
}

Result<void> PlotController::saveCsv(const QString &file) const
{
    return fileio::writeAtomically(file, csv().toUtf8());
}

QMenu *PlotController::createContextMenu(QWidget *parent)
{
    auto *menu = new QMenu(parent);
    menu->addAction(tr("Save image as &PNG…"), this,
                    [this] { exportWithDialog(tr("PNG images (*.png)"), QStringLiteral("png")); });
    menu->addAction(tr("Save image as &SVG…"), this,
                    [this] { exportWithDialog(tr("SVG images (*.svg)"), QStringLiteral("svg")); });
    menu->addAction(tr("Save the plotted &numbers as CSV…"), this,
                    [this] { exportWithDialog(tr("CSV files (*.csv)"), QStringLiteral("csv")); });
    menu->addSeparator();
    menu->addAction(tr("&Copy image"), this, [this] { QGuiApplication::clipboard()->setPixmap(m_plot->toPixmap()); });
    return menu;
}

void PlotController::exportWithDialog(const QString &filter, const QString &suffix)
{
    QString file =
        QFileDialog::getSaveFileName(m_plot, tr("Export plot"), m_exportName + QLatin1Char('.') + suffix, filter);
    if (file.isEmpty()) return;
    if (!file.endsWith(QLatin1Char('.') + suffix, Qt::CaseInsensitive)) file += QLatin1Char('.') + suffix;
    const Result<void> ok = suffix == QLatin1String("png")   ? savePng(file)
                            : suffix == QLatin1String("svg") ? saveSvg(file)
                                                             : saveCsv(file);
    if (!ok)
        QMessageBox::warning(m_plot, tr("Export plot"),
                             tr("The plot could not be exported:\n%1").arg(ok.error().message()));
    Q_EMIT exported(file, ok.ok(), ok.ok() ? QString() : ok.error().message());
}

} // namespace fopro::ui
