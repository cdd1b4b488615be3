#pragma once

// A report_tables.h table laid out as Markdown (markdown_table.h) or as HTML (html_report.cc),
// for every page that shows one.

#include <string>

#include "markdown_table.h"
#include "report_tables.h"

namespace outrider::reports::detail {

// A <table>, one line per row, every cell escaped.
std::string htmlTable(const Table& table);

}  // namespace outrider::reports::detail
