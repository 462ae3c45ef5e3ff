#pragma once
// What `fopro-studio` does at start, outside main() so the UI tests run the same code in-process:
// the command line (PROJECT-OR-DATASET, --demo, --page NAME, --tab ID, --screenshot FILE, --size WxH,
// --train-demo), which
// project to open (the one given, else the demo when asked or on first start, else the last one),
// the page to show, and the screenshot mode: once the window has settled (project open, no job
// running, the page's thumbnails in, MainWindow::isSettled() for half a second), the window is
// saved to FILE and the application ends (exit code 0, or 1 when it could not be saved or the
// window never settled within the timeout; the picture is saved anyway then).

#include <QtCore/QSize>
#include <QtCore/QString>
#include <QtCore/QStringList>

#include <functional>

namespace fopro::ui {

class MainWindow;

struct StartupOptions {
    QString path;           ///< a project folder, or a dataset to import
    bool demo = false;      ///< open the built-in demo project
    QString page;           ///< Page::pageId() to show, empty: the last one
    QString tab;            ///< --tab: the page's tab to show once the project is open
    QString screenshot;     ///< save the window here once settled, then quit
    QSize size;             ///< window size (--size), invalid: restored or default
    bool trainDemo = false; ///< --train-demo: the demo project, the Training page, its demo run started
    int settleTimeoutMs = 120000;
};

/// Parses the arguments (arguments[0] is the program). --help and --version print and exit the
/// process, as QCommandLineParser does; a usage error is returned in `error`.
StartupOptions parseStartupOptions(const QStringList &arguments, QString *error);

/// Applies `options` to a freshly built window: size, page (an unknown page id returns false with
/// the reason in `error`, listing the known ones), shows it, opens the project, and in screenshot
/// mode arranges for the picture; `finished(exitCode)` is called after it was taken (default:
/// QCoreApplication::exit).
bool startStudio(MainWindow &window, const StartupOptions &options, QString *error,
                 std::function<void(int exitCode)> finished = {});

} // namespace fopro::ui
