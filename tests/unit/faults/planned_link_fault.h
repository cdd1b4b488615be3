#pragma once

// A planned link fault on "upstream" as compilePlan would make it, for the link and filter tests.

#include <chrono>
#include <cstdint>
#include <string>

#include "outrider/faults/plan.h"

namespace outrider::faults::test {

// Seeded from `run_seed` as the plan seeds it.
inline PlannedFault linkFault(scenarios::FaultKind kind, std::string name = "",
                              uint64_t run_seed = 42) {
  scenarios::Fault spec;
  spec.kind = kind;
  spec.target = "upstream";
  spec.name = name.empty() ? scenarios::toString(kind) + "-upstream" : std::move(name);
  PlannedFault fault;
  fault.name = spec.name;
  fault.kind = kind;
  fault.target = spec.target;
  fault.is_link = true;
  fault.end = std::chrono::seconds(60);
  fault.seed = faultSeed(run_seed, 0, spec.name);
  fault.spec = spec;
  return fault;
}

}  // namespace outrider::faults::test
