#pragma once

// The journal's faults[] from the executor's outcomes, and the reasons they make a run invalid
// (a fault that never started or did not take effect: never a silent pass).

#include <string>
#include <vector>

#include "outrider/common/clock.h"
#include "outrider/harness/fault_executor.h"
#include "outrider/reports/journal.h"

namespace outrider::harness {

struct FaultRecords {
  std::vector<reports::FaultRecord> records;
  std::vector<std::string> invalid_reasons;
};

// Times are seconds from t0. `ran_to_end`: the run was neither interrupted nor ended by a
// harness error, so a fault of the plan that never started was the harness's failure.
FaultRecords faultRecords(const std::vector<FaultOutcome>& outcomes, MonotonicTime t0,
                          bool ran_to_end);

}  // namespace outrider::harness
