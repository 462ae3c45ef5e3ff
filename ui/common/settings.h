#pragma once
// Every user setting of the desktop application, each key written once, with its type and default
// (after qBittorrent's SettingValue). Code reads `settings::theme.value()` and writes
// `settings::theme.set("dark")`; nobody spells a QSettings key elsewhere. Settings live in the
// application's QSettings (organisation and application names set in main()).

#include <QtCore/QByteArray>
#include <QtCore/QSettings>
#include <QtCore/QString>
#include <QtCore/QStringList>
#include <QtCore/QVariant>

namespace fopro::ui {

template <typename T> struct Setting {
    const char *key;
    T fallback;

    /// The stored value, or the default when absent or of another type.
    T value() const
    {
        const QVariant v = QSettings().value(QLatin1String(key));
        return v.isValid() && v.canConvert<T>() ? v.value<T>() : fallback;
    }
    void set(const T &value) const { QSettings().setValue(QLatin1String(key), QVariant::fromValue(value)); }
    bool isSet() const { return QSettings().contains(QLatin1String(key)); }
    void clear() const { QSettings().remove(QLatin1String(key)); }
};

/// A family of settings under one prefix, keyed at run time (e.g. one secret per project).
template <typename T> struct SettingFamily {
    const char *prefix; ///< ends in '/'
    T fallback;

    QString keyFor(const QString &name) const { return QLatin1String(prefix) + name; }
    T value(const QString &name) const
    {
        const QVariant v = QSettings().value(keyFor(name));
        return v.isValid() && v.canConvert<T>() ? v.value<T>() : fallback;
    }
    void set(const QString &name, const T &value) const
    {
        QSettings().setValue(keyFor(name), QVariant::fromValue(value));
    }
    bool isSet(const QString &name) const { return QSettings().contains(keyFor(name)); }
};

namespace settings {

// Window.
extern const Setting<QByteArray> windowGeometry; ///< QMainWindow::saveGeometry()
extern const Setting<QByteArray> windowState;    ///< QMainWindow::saveState()
extern const Setting<QString> lastPage;          ///< Page::pageId() of the page shown at close
extern const Setting<QString> theme;             ///< "system", "light" or "dark"

// Projects.
extern const Setting<QStringList> recentProjects; ///< most recent first, at most kMaxRecentProjects
extern const Setting<QString> lastProject;        ///< opened at start when no path is given
constexpr int kMaxRecentProjects = 8;

// De-identified export: the secret key per project (name: SHA-256 prefix of the project folder).
extern const SettingFamily<QString> deidentifySecrets;

/// Every key (families as their prefix), in declaration order; each appears once.
QStringList allKeys();

} // namespace settings

} // namespace fopro::ui
