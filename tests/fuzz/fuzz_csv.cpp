// Fuzz target: the CSV reader (core/data/csvreader.h), in memory, with ',' and ';' as separators.
// Besides crashes it checks the table's promises: one line number per row, rows at least as wide
// as the header, line numbers increasing.

#include "core/data/csvreader.h"
#include "tests/fuzz/fuzzsupport.h"

#include <cstdlib>

using namespace fopro;

namespace {

void check(const data::CsvTable &t)
{
    if (t.rows.size() != t.lines.size()) std::abort();
    int previous = 0;
    for (std::size_t i = 0; i < t.rows.size(); ++i) {
        if (t.rows[i].size() < t.header.size()) std::abort();
        if (t.lines[i] <= previous) std::abort();
        previous = t.lines[i];
    }
    for (const QString &h : t.header)
        if (t.column(h) < 0) std::abort();
    (void)t.columnList();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const bool init = (fuzz::quietQt(), true);
    (void)init;
    const QByteArray bytes = fuzz::bytesOf(data, size);
    check(data::parseCsv(bytes));
    check(data::parseCsv(bytes, QLatin1Char(';')));
    return 0;
}
