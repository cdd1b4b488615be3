#pragma once

// The fault plan: what each [[fault]] does and when, compiled once from the scenario and the run's
// seed by a pure function, so `outrider plan` shows exactly what `outrider run` will do and tests
// check it as data. The executor (the runner) walks `actions`; the link proxies and the process
// supervisor act on the PlannedFault they are handed.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "outrider/faults/draw.h"
#include "outrider/scenarios/scenario.h"

namespace outrider::faults {

struct PlannedFault {
  size_t index = 0;  // position of its [[fault]] table in the scenario file
  std::string name;
  scenarios::FaultKind kind = scenarios::FaultKind::Latency;
  std::string target;
  bool is_link = false;  // acts on a [[link]] (else on a process)
  // Kinds without a span (kill, startup-race) are instants: end == start and no Stop action.
  bool instant = false;
  std::chrono::nanoseconds start{0};  // offset from the run's start, clipped to the duration
  std::chrono::nanoseconds end{0};    // at + duration, or the run's end; clipped to the duration
  scenarios::Fault spec;              // as declared
  uint64_t seed = 0;                  // this fault's own seed, derived from the run's
};

enum class PlanActionType { Start, Stop };

struct PlanAction {
  std::chrono::nanoseconds offset{0};
  PlanActionType type = PlanActionType::Start;
  size_t fault = 0;  // position in FaultPlan::faults (not the scenario index)
};

struct FaultPlan {
  uint64_t seed = 0;
  std::chrono::nanoseconds duration{0};
  std::vector<PlannedFault> faults;  // by start, then by scenario order
  // By offset. At one offset: stops of faults that began earlier, then starts, then stops of
  // zero-length windows, so a fault never stops before it starts and a handover never overlaps.
  std::vector<PlanAction> actions;

  const PlannedFault* find(const std::string& name) const;
};

// Pure: the same scenario and seed give the same plan, byte for byte.
FaultPlan compilePlan(const scenarios::Scenario& scenario, uint64_t seed);

// The fault's seed: the run's seed mixed with its name and index (a bijection of the run's seed,
// so two run seeds never give a fault the same seed).
uint64_t faultSeed(uint64_t run_seed, size_t index, const std::string& name);

// Whether the fault acts on (connection, request): true with the fault's probability, the same
// answer for the same seed and position. tcp links ask once per connection (its accept number)
// with request 0; http links ask per request with connection 0 and the request's link-wide
// number, so a proxy's timing-dependent choice of pooled connection changes nothing.
bool decide(const PlannedFault& fault, uint64_t connection, uint64_t request);

class FaultRegistry;

// One line: "latency 150ms ±10ms on upstream (downstream), p=1". A kind's own describe in the
// registry (registry.h) wins; the one-argument form asks faults::registry().
std::string describe(const PlannedFault& fault);
std::string describe(const PlannedFault& fault, const FaultRegistry& registry);

// The fault schedule as `outrider plan` prints it: one line per fault, then the actions.
std::string renderPlan(const FaultPlan& plan);

std::string toString(PlanActionType type);

}  // namespace outrider::faults
