#pragma once

// The shape of a process fault kind: one object per planned fault, begun and ended by the
// executor at the plan's offsets, told of every process event in between, and asked at the end
// what shows that it took effect. It acts only through FaultContext, so a fake pod and a manual
// clock exercise it in a unit test.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/any_io_executor.hpp>

#include "outrider/common/clock.h"
#include "outrider/faults/plan.h"
#include "outrider/faults/pod_control.h"

namespace outrider::faults {

struct FaultContext {
  const Clock& clock;  // timestamps and timers (waits never use a real timer)
  boost::asio::any_io_executor executor;
  PodControl& pod;
  // The run's t0 once the executor walks the plan, so evidence can say "5.1s" into the run.
  std::optional<MonotonicTime> run_start = std::nullopt;
};

// "5.1s" into the run when the context knows its start, else "+2.0s" from `since`.
std::string runMoment(const FaultContext& context, MonotonicTime at, MonotonicTime since);

// What the journal records as faults[].effective, evidence and injections.
struct KindEvidence {
  bool effective = false;
  std::string text;
  uint64_t injections = 0;
  // When the fault took the pod away (a pod restart): the requests sent in this window are its
  // blip, and those in flight at the stop's first SIGTERM (the app's, unless a race sent it to a
  // sidecar first) were owed a reply by the stop order.
  struct Disruption {
    MonotonicTime from{};
    MonotonicTime to{};
    std::optional<MonotonicTime> sigterm;
    std::string sigterm_process;
  };
  std::optional<Disruption> disruption;
};

class ProcessFault {
 public:
  virtual ~ProcessFault() = default;
  // At the fault's start. A failure to act is kept and shown by evidence(), never thrown.
  virtual void begin() = 0;
  // At the end of its window, or when the run stops early; never for instants (kill). Reverts
  // whatever the fault still holds (a stopped process is continued).
  virtual void end() {}
  virtual void onProcessEvent(const PodEvent& event) { (void)event; }
  // Whether it hears the events of every process (a pod restart), not only its target's.
  virtual bool watchesWholePod() const { return false; }
  // As of now; `ended`: end() has run (or the fault is an instant).
  virtual KindEvidence evidence() const = 0;
};

using ProcessFaultPtr = std::unique_ptr<ProcessFault>;

}  // namespace outrider::faults
