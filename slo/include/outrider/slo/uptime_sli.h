#pragma once

// sli = "uptime" (spec/scenario.md, "Process hygiene"): each measured second is good when the
// source process was ready. Pure: the process's readiness changes in, per-second events out.
//
// A second is weighed by the part of it the process was ready, in milliseconds: every second
// holds total = 1000 events and good = the milliseconds of it the process was ready. A kill that
// leaves the proxy down for 1.3 s thus costs 1300 bad events, not the 2 or 3 whole seconds it
// touched, and the SLO's value reads ready time / measured time, which is what uptime means;
// a second that is ready throughout is wholly good, one that is not ready at all wholly bad.

#include <cstdint>
#include <vector>

#include "outrider/slo/event_series.h"

namespace outrider::slo {

// Events one second holds: its milliseconds.
inline constexpr uint64_t UptimeEventsPerSecond = 1000;

// Readiness turned `ready` at `at_s` seconds since the run began (negative: before it, during
// the pod's start-up).
struct ReadinessChange {
  double at_s = 0;
  bool ready = false;
};

// Run seconds [0, seconds): second k's events from the readiness over [k, k + 1). `changes`
// in time order; before the first change the process is not ready (it had not started).
std::vector<EventCounts> uptimeSeconds(const std::vector<ReadinessChange>& changes,
                                       uint64_t seconds);

}  // namespace outrider::slo
