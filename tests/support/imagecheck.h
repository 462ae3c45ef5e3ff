#pragma once
// For GUI tests: how many distinct colours a rendered window or widget shows, sampled every `step`
// pixels in both directions (a blank or single-colour rendering gives 1).

#include <QtGui/QImage>

#include <set>

namespace fopro::test {

inline int distinctColours(const QImage &image, int step)
{
    std::set<QRgb> colours;
    for (int y = 0; y < image.height(); y += step)
        for (int x = 0; x < image.width(); x += step)
            colours.insert(image.pixel(x, y));
    return int(colours.size());
}

} // namespace fopro::test
