#pragma once
// QCustomPlot's header uses the `signals`/`slots`/`emit`/`foreach` keywords, which this project switches off
// (QT_NO_KEYWORDS, because they clash with torch headers). Include QCustomPlot only through here.

#ifndef signals
#define signals Q_SIGNALS
#define FOPRO_UNDEF_SIGNALS
#endif
#ifndef slots
#define slots Q_SLOTS
#define FOPRO_UNDEF_SLOTS
#endif
#ifndef emit
#define emit Q_EMIT
#define FOPRO_UNDEF_EMIT
#endif
#ifndef foreach
#define foreach Q_FOREACH
#define FOPRO_UNDEF_FOREACH
#endif

#include <qcustomplot.h>

#ifdef FOPRO_UNDEF_SIGNALS
#undef signals
#undef FOPRO_UNDEF_SIGNALS
#endif
#ifdef FOPRO_UNDEF_SLOTS
#undef slots
#undef FOPRO_UNDEF_SLOTS
#endif
#ifdef FOPRO_UNDEF_EMIT
#undef emit
#undef FOPRO_UNDEF_EMIT
#endif
#ifdef FOPRO_UNDEF_FOREACH
#undef foreach
#undef FOPRO_UNDEF_FOREACH
#endif
