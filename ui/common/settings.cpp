#include "ui/common/settings.h"

namespace fopro::ui::settings {

const Setting<QByteArray> windowGeometry{"window/geometry", {}};
const Setting<QByteArray> windowState{"window/state", {}};
const Setting<QString> lastPage{"window/page", QStringLiteral("dataset")};
const Setting<QString> theme{"view/theme", QStringLiteral("system")};
const Setting<QStringList> recentProjects{"project/recent", {}};
const Setting<QString> lastProject{"project/last", {}};
const SettingFamily<QString> deidentifySecrets{"deidentify/secrets/", {}};

QStringList allKeys()
{
    return {QLatin1String(windowGeometry.key),
            QLatin1String(windowState.key),
            QLatin1String(lastPage.key),
            QLatin1String(theme.key),
            QLatin1String(recentProjects.key),
            QLatin1String(lastProject.key),
            QLatin1String(deidentifySecrets.prefix)};
}

} // namespace fopro::ui::settings
