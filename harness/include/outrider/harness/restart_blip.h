#pragma once

// A pod restart's blip: the requests the load sent while the pod was away, laid against the
// window the fault reported (its evidence's disruption), and the requests that were in flight
// when the app got SIGTERM, which the stop order (app first, then the draining proxy) owes a
// reply. The journal records it as faults[].blip and in the fault's evidence.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "outrider/common/clock.h"
#include "outrider/harness/fault_executor.h"
#include "outrider/harness/load_schedule.h"
#include "outrider/harness/load_stats.h"
#include "outrider/reports/journal.h"

namespace outrider::harness {

// Times from the load's t0 (= the run's t0).
struct BlipWindow {
  std::chrono::nanoseconds from{0};
  std::chrono::nanoseconds to{0};
  std::optional<std::chrono::nanoseconds> sigterm;  // the stop's first SIGTERM
  std::string sigterm_process;                      // who got it: "app", or a racing sidecar
};

// `timeout`: the load's; a request handed over more than that before the SIGTERM had its answer
// (or its failure) before it, so it was not in flight then.
reports::FaultRecord::Blip measureBlip(const BlipWindow& window, const LoadSchedule& schedule,
                                       const std::vector<FailedRequest>& failures,
                                       std::chrono::nanoseconds timeout);

// "the rollout's blip: 45 of 120 requests scheduled while the pod was down (7.00s .. 7.57s)
// failed; none of the requests in flight at the app's SIGTERM failed".
std::string describeBlip(const reports::FaultRecord::Blip& blip);

// Adds the blip to each record whose outcome reported a disruption (records and outcomes in
// the same order, as faultRecords() makes them).
void attributeBlips(std::vector<reports::FaultRecord>& records,
                    const std::vector<FaultOutcome>& outcomes, MonotonicTime t0,
                    const LoadSchedule& schedule, const LoadResult& load,
                    std::chrono::nanoseconds timeout);

}  // namespace outrider::harness
