#pragma once

// A report_tables.h table laid out as Markdown (markdown_report.cc) or as HTML (html_report.cc),
// for every page that shows one.

#include <string>

#include "report_tables.h"

namespace outrider::reports::detail {

// Pipes, one line per row, '|' in cells escaped; ends with a newline.
std::string markdownTable(const Table& table);
// A <table>, one line per row, every cell escaped.
std::string htmlTable(const Table& table);

}  // namespace outrider::reports::detail
