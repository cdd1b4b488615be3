#pragma once

// The summary a run prints when it is over (spec/cli.md): load counts and latency, processes,
// SLOs with their budget, alerts with the fault that caused them, the verdict and why, and
// where the journal is. Rendered from the journal, so it says what the journal says.

#include <ostream>
#include <string>

#include "outrider/harness/journal_assembly.h"
#include "outrider/reports/journal.h"

namespace outrider::harness {

struct SummaryContext {
  std::string run_dir;
  bool had_load = false;  // the load generator ran (its lines are printed)
  LoadTrust load_trust;
};

// The summary to `out`; a harness error also goes to `err`, as outrider's other errors do.
void printSummary(std::ostream& out, std::ostream& err, const reports::Journal& journal,
                  const SummaryContext& context);

}  // namespace outrider::harness
