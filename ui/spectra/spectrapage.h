#pragma once
// The Spectra page: how images and models differ across frequencies. Tabs: a single image (spectra,
// band filter, amplitude swap), per-class spectra, spectral outliers, the learned Fourier prompt of
// a FoPro-KD run, and the teachers' frequency preferences (the probe).
//
// Arguments (navigate("spectra", ...)): "sample" (int) opens that dataset image in the single-image
// view; "file" (string) opens an image file there; "run" (string) shows that run's learned prompt;
// "tab" (string: image, classes, outliers, prompt, teacher) selects a tab.

#include "ui/shell/page.h"

class QTabWidget;

namespace fopro::ui {

class ClassSpectraTab;
class ProbeTab;
class PromptTab;
class SingleImageTab;

class SpectraPage : public Page {
    Q_OBJECT
public:
    explicit SpectraPage(const PageContext &context, QWidget *parent = nullptr);

    QString pageId() const override { return QStringLiteral("spectra"); }
    QString title() const override;
    QIcon icon() const override;
    QList<QAction *> pageActions() const override { return m_actions; }
    void activate(const QVariantMap &arguments) override;
    bool isSettled() const override;

    QTabWidget *tabs() const { return m_tabs; }
    SingleImageTab *singleImage() const { return m_single; }
    ClassSpectraTab *classSpectra() const { return m_classes; }
    PromptTab *prompt() const { return m_prompt; }
    ProbeTab *probe() const { return m_probe; }
    /// Selects a tab by its id (image, classes, outliers, prompt, teacher); false when unknown.
    bool showTab(const QString &id);

protected:
    void dragEnterEvent(QDragEnterEvent *event) override;
    void dropEvent(QDropEvent *event) override;

private:
    void openSample(int sample, bool showTab = true);
    void projectChanged();

    QTabWidget *m_tabs;
    SingleImageTab *m_single;
    ClassSpectraTab *m_classes;
    PromptTab *m_prompt;
    ProbeTab *m_probe;
    QList<QAction *> m_actions;
    bool m_stale = true;
};

} // namespace fopro::ui
