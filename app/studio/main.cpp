// fopro-studio: the desktop application. Opens the project given on the command line, else the
// last project, else (first start) the built-in demo project; `--page NAME --screenshot FILE`
// renders a page and exits (ui/shell/startup.h).

#include "core/common/allocator.h"
#include "core/common/librarymessages.h"
#include "ui/shell/mainwindow.h"
#include "ui/shell/startup.h"

#include <QtWidgets/QApplication>

#include <cstdio>

int main(int argc, char **argv)
{
    fopro::reuseLargeBuffers();
    // The libraries' own messages (Qt's warnings, libpng, libjpeg, LibTorch) go to the log file
    // (fopro::libraryLogFile()), not to the terminal the application was started from.
    fopro::routeLibraryMessages(QStringLiteral("fopro-studio"), false);
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("FoPro-KD Studio"));
    QApplication::setApplicationName(QStringLiteral("fopro-studio"));
    QApplication::setApplicationDisplayName(QStringLiteral("FoPro-KD Studio"));
    QApplication::setApplicationVersion(QStringLiteral(FOPRO_VERSION));

    QString error;
    const fopro::ui::StartupOptions options = fopro::ui::parseStartupOptions(QApplication::arguments(), &error);
    if (!error.isEmpty()) {
        std::fprintf(fopro::userErrorStream(), "fopro-studio: %s\n", qPrintable(error));
        return 2;
    }
    fopro::ui::MainWindow window;
    if (!fopro::ui::startStudio(window, options, &error)) {
        std::fprintf(fopro::userErrorStream(), "fopro-studio: %s\n", qPrintable(error));
        return 2;
    }
    return app.exec();
}
