// fopro-studio: the desktop application. Opens the project given on the command line, else the
// last project, else (first start) the built-in demo project.

#include "ui/shell/mainwindow.h"

#include <QtCore/QCommandLineParser>
#include <QtCore/QSettings>
#include <QtCore/QTimer>
#include <QtWidgets/QApplication>

int main(int argc, char **argv)
{
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("FoPro-KD Studio"));
    QApplication::setApplicationName(QStringLiteral("fopro-studio"));
    QApplication::setApplicationDisplayName(QStringLiteral("FoPro-KD Studio"));
    QApplication::setApplicationVersion(QStringLiteral(FOPRO_VERSION));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("FoPro-KD Studio: long-tailed medical image classification."));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument(QStringLiteral("project"), QStringLiteral("A project folder, or a dataset to import."), QStringLiteral("[path]"));
    const QCommandLineOption demo(QStringLiteral("demo"), QStringLiteral("Open the built-in demo project."));
    const QCommandLineOption screenshot(QStringLiteral("screenshot"), QStringLiteral("Save a screenshot of the window to FILE once the project is open, then quit."),
                                        QStringLiteral("file"));
    parser.addOption(demo);
    parser.addOption(screenshot);
    parser.process(app);

    fopro::ui::MainWindow window;
    if (parser.isSet(screenshot)) {
        const QString file = parser.value(screenshot);
        QObject::connect(&window, &fopro::ui::MainWindow::projectOpened, &window, [&window, file] {
            // Give the thumbnails a moment to arrive, then grab and quit.
            QTimer::singleShot(2500, &window, [&window, file] {
                window.grab().save(file);
                QApplication::quit();
            });
        });
    }
    window.show();
    const QString last = QSettings().value(QStringLiteral("project/last")).toString();
    const QStringList args = parser.positionalArguments();
    if (!args.isEmpty()) {
        if (fopro::project::Project::isProject(args.front())) window.openProject(args.front());
        else window.importDataset(args.front());
    } else if (parser.isSet(demo) || last.isEmpty() || !fopro::project::Project::isProject(last)) {
        window.openDemoProject();
    } else {
        window.openProject(last);
    }
    return app.exec();
}
