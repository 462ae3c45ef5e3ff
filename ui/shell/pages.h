#pragma once
// The page registry: every page of the main window, in navigation order. Adding a page is one line
// in pages.cpp (and its folder under ui/); the window iterates this list and knows no page by name.

#include <vector>

class QWidget;

namespace fopro::ui {

class Page;
struct PageContext;

using PageFactory = Page *(*)(const PageContext &context, QWidget *parent);

/// The factories of every registered page, in navigation order.
const std::vector<PageFactory> &registeredPages();

} // namespace fopro::ui
