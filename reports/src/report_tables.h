#pragma once

// The tables report.md and report.html both show, built once from the journal as plain text.
// Each renderer only lays a table out (Markdown pipes, an HTML <table>) and escapes its cells,
// so the two reports cannot say different things.

#include <cstdint>
#include <string>
#include <vector>

#include "observations.h"
#include "outrider/reports/journal.h"

namespace outrider::reports::detail {

struct Cell {
  // How a cell stands out: Bad (bold in Markdown, red in HTML), Code (a path or URL), Verdict
  // (a pass/fail/... badge in HTML).
  enum class Mark { None, Bad, Code, Verdict };
  std::string text;  // plain text: the renderer escapes it
  Mark mark = Mark::None;
};

struct Column {
  std::string name;
  bool numeric = false;  // right-aligned
};

struct Table {
  std::vector<Column> columns;
  std::vector<std::vector<Cell>> rows;
};

Table sloTable(const Journal& journal);
Table alertTable(const Journal& journal);
Table faultTable(const Journal& journal);
Table loadCountsTable(const LoadRecord& load);
Table latencyTable(const LoadRecord& load);
Table processTable(const Journal& journal);
Table resourceTable(const std::vector<ResourceSummary>& resources);
Table scrapeTable(const Journal& journal);
Table linkTable(const Journal& journal);
// audit[]: one row a problem, high and medium marked bad.
Table auditTable(const std::vector<AuditRecord>& audit);

// "SIGKILL at 12.30s", "code 1 at 3.00s": one exit of a process, as every report words it.
std::string exitText(const ProcessExit& exit);

// part / whole in percent; 0 when whole is 0.
double percent(uint64_t part, uint64_t whole);

}  // namespace outrider::reports::detail
