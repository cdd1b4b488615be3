#pragma once

// The table `outrider gate` ends with: one row per scenario it ran (verdict, worst finding, error
// budget, exit code, run folder), as plain text for a terminal or a CI log and as Markdown for a
// CI job summary ($GITHUB_STEP_SUMMARY, a GitLab artifact). Pure: runs in, text out.

#include <optional>
#include <string>
#include <vector>

#include "outrider/reports/journal.h"

namespace outrider::reports {

// One scenario of a gate as the gate saw it.
struct GateRun {
  std::string scenario;  // the scenario's name
  int exit_code = 0;     // what its run returned
  std::string run_dir;
  std::optional<Journal> journal;  // nullopt: the run left no journal (it still gets a row)
};

// A row's cells as plain text: what both renderings show.
struct GateSummaryRow {
  std::string scenario;
  std::string verdict;          // the journal's, "no journal" or "unjudged"
  std::string worst_finding;    // "objective on latency: 0.812 < 0.99 (+1 more)", "-"
  bool finding_blocks = false;  // the worst finding is why this scenario does not pass
  std::string budget;           // "2.31% of 0.1% (availability, 30d)", "-"
  int exit_code = 0;
  std::string run_dir;
};

// The worst finding is, in order: for a failed run a finding in fail_on; a harness error; a reason
// the run is invalid or inconclusive; a finding in fail_on; one outside it. The budget is the SLO
// that consumed the largest share of its period's error budget, as a share of that budget.
GateSummaryRow summarizeGateRun(const GateRun& run);

// "gate: 2 scenarios, exit 1 (fail)" and the table, columns padded, for a terminal.
std::string renderGateSummaryText(const std::vector<GateRun>& runs, int exit_code);

// A heading with the gate's exit code, the table, and what each exit code means.
std::string renderGateSummaryMarkdown(const std::vector<GateRun>& runs, int exit_code);

}  // namespace outrider::reports
