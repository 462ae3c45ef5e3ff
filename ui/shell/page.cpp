#include "ui/shell/page.h"

namespace fopro::ui {

Page::Page(const PageContext &context, QWidget *parent) : QWidget(parent), m_context(context)
{
    Q_ASSERT(m_context.jobs && m_context.document);
}

void Page::activate(const QVariantMap &)
{
    m_active = true;
}

void Page::deactivate()
{
    m_active = false;
}

} // namespace fopro::ui
