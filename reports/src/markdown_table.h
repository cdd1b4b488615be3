#pragma once

// A detail::Table as a Markdown (GitHub-flavoured) pipe table: what report.md and the gate
// summary share, so a cell is escaped and marked the same way in both.

#include <string>

#include "report_tables.h"

namespace outrider::reports::detail {

// One cell: '|' escaped and newlines as spaces, so a cell cannot split its row; Bad in bold,
// Code in backticks.
std::string markdownCell(const Cell& cell);

// The header, the alignment row (numeric columns right-aligned) and one line per row.
std::string markdownTable(const Table& table);

}  // namespace outrider::reports::detail
