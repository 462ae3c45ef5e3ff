#include "ui/shell/startup.h"
#include "core/common/librarymessages.h"

#include "core/project/project.h"
#include "ui/common/settings.h"
#include "ui/shell/mainwindow.h"
#include "ui/shell/page.h"

#include <QtCore/QCommandLineParser>
#include <QtCore/QCoreApplication>
#include <QtCore/QElapsedTimer>
#include <QtCore/QRegularExpression>
#include <QtCore/QTimer>
#include <QtGui/QGuiApplication>
#include <QtGui/QScreen>

#include <cstdio>
#include <memory>

namespace fopro::ui {

namespace {

constexpr int kPollMs = 100;
constexpr int kQuietPolls = 5; // settled for half a second in a row

/// Waits until the window has settled, saves it, reports. Deletes itself.
class ScreenshotTaker : public QObject {
public:
    ScreenshotTaker(MainWindow &window, QString file, int timeoutMs, std::function<void(int)> finished)
        : QObject(&window), m_window(window), m_file(std::move(file)), m_timeoutMs(timeoutMs),
          m_finished(std::move(finished))
    {
        m_clock.start();
        m_timer.setInterval(kPollMs);
        connect(&m_timer, &QTimer::timeout, this, &ScreenshotTaker::poll);
        m_timer.start();
    }

private:
    void poll()
    {
        m_quiet = m_window.isSettled() ? m_quiet + 1 : 0;
        const bool timedOut = m_clock.elapsed() > m_timeoutMs;
        if (m_quiet < kQuietPolls && !timedOut) return;
        m_timer.stop();
        const bool saved = m_window.grab().save(m_file);
        if (!saved)
            std::fprintf(fopro::userErrorStream(), "fopro-studio: cannot write the screenshot %s\n",
                         qPrintable(m_file));
        if (timedOut)
            std::fprintf(fopro::userErrorStream(),
                         "fopro-studio: the window did not settle within %d s; saved it as it was\n",
                         m_timeoutMs / 1000);
        const int code = saved && !timedOut ? 0 : 1;
        const auto finished = m_finished;
        deleteLater();
        if (finished)
            finished(code);
        else
            QCoreApplication::exit(code);
    }

    MainWindow &m_window;
    QString m_file;
    int m_timeoutMs;
    std::function<void(int)> m_finished;
    QTimer m_timer;
    QElapsedTimer m_clock;
    int m_quiet = 0;
};

} // namespace

StartupOptions parseStartupOptions(const QStringList &arguments, QString *error)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("FoPro-KD Studio: long-tailed medical image classification."));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument(QStringLiteral("project"), QStringLiteral("A project folder, or a dataset to import."),
                                 QStringLiteral("[path]"));
    const QCommandLineOption demo(QStringLiteral("demo"), QStringLiteral("Open the built-in demo project."));
    const QCommandLineOption page(QStringLiteral("page"), QStringLiteral("Open at page NAME (e.g. dataset)."),
                                  QStringLiteral("name"));
    const QCommandLineOption screenshot(
        QStringLiteral("screenshot"),
        QStringLiteral(
            "Save a picture of the window to FILE once the project is open and the page has settled, then quit."),
        QStringLiteral("file"));
    const QCommandLineOption size(QStringLiteral("size"), QStringLiteral("Window size, e.g. 1024x700."),
                                  QStringLiteral("WxH"));
    const QCommandLineOption trainDemo(
        QStringLiteral("train-demo"),
        QStringLiteral("Open the demo project on the Training page and start its short demo run (with --screenshot: "
                       "the picture is taken once two epochs show)."));
    const QCommandLineOption tab(
        QStringLiteral("tab"),
        QStringLiteral("With --page: open that page's tab ID once the project is open (Spectra: image, classes, "
                       "outliers, prompt, teacher; Training: run, queue, history)."),
        QStringLiteral("id"));
    parser.addOptions({demo, page, tab, screenshot, size, trainDemo});
    parser.process(arguments); // --help, --version and unknown options end the process here

    StartupOptions o;
    if (!parser.positionalArguments().isEmpty()) o.path = parser.positionalArguments().front();
    o.trainDemo = parser.isSet(trainDemo);
    o.demo = parser.isSet(demo) || o.trainDemo;
    o.page = o.trainDemo ? QStringLiteral("training") : parser.value(page).trimmed().toLower();
    o.tab = parser.value(tab).trimmed().toLower();
    if (!o.tab.isEmpty() && o.page.isEmpty() && error) *error = QStringLiteral("--tab goes with --page NAME");
    o.screenshot = parser.value(screenshot);
    if (parser.isSet(size)) {
        static const QRegularExpression re(QStringLiteral("^(\\d+)[xX](\\d+)$"));
        const QRegularExpressionMatch m = re.match(parser.value(size));
        if (!m.hasMatch() || m.captured(1).toInt() < 200 || m.captured(2).toInt() < 200) {
            if (error) *error = QStringLiteral("--size wants WIDTHxHEIGHT of at least 200x200, e.g. 1024x700");
        } else {
            o.size = QSize(m.captured(1).toInt(), m.captured(2).toInt());
        }
    }
    return o;
}

bool startStudio(MainWindow &window, const StartupOptions &options, QString *error, std::function<void(int)> finished)
{
    if (!options.page.isEmpty() && !window.showPage(options.page)) {
        QStringList known;
        for (const Page *p : window.pages())
            known << p->pageId();
        if (error)
            *error = QStringLiteral("unknown page '%1'; pages: %2").arg(options.page, known.join(QStringLiteral(", ")));
        return false;
    }
    if (options.size.isValid()) {
        window.resize(options.size);
    } else if (!options.screenshot.isEmpty()) {
        // A picture of the window as it fits the screen (restored geometry may come from elsewhere).
        const QScreen *screen = QGuiApplication::primaryScreen();
        const QSize available = screen ? screen->availableGeometry().size() : QSize(1280, 860);
        window.resize(available.boundedTo(QSize(1280, 860)));
    }
    if (!options.screenshot.isEmpty())
        new ScreenshotTaker(window, options.screenshot, options.settleTimeoutMs, std::move(finished));
    window.show();

    if (options.trainDemo)
        QObject::connect(
            &window, &MainWindow::projectOpened, &window,
            [&window] {
                window.showPage(QStringLiteral("training"), {{QStringLiteral("demo"), true}});
            },
            Qt::SingleShotConnection);

    if (!options.tab.isEmpty() && !options.trainDemo)
        QObject::connect(
            &window, &MainWindow::projectOpened, &window,
            [&window, page = options.page, tab = options.tab] {
                window.showPage(page, {{QStringLiteral("tab"), tab}});
            },
            Qt::SingleShotConnection);

    const QString last = settings::lastProject.value();
    if (!options.path.isEmpty()) {
        if (project::Project::isProject(options.path))
            window.openProject(options.path);
        else
            window.importDataset(options.path);
    } else if (options.demo || last.isEmpty() || !project::Project::isProject(last)) {
        window.openDemoProject();
    } else {
        window.openProject(last);
    }
    return true;
}

} // namespace fopro::ui
