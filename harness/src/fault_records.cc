#include "outrider/harness/fault_records.h"

#include <fmt/format.h>

#include "outrider/common/units.h"

namespace outrider::harness {

FaultRecords faultRecords(const std::vector<FaultOutcome>& outcomes, MonotonicTime t0,
                          bool ran_to_end) {
  auto seconds = [t0](MonotonicTime at) {
    return toSeconds(std::chrono::duration_cast<std::chrono::nanoseconds>(at - t0));
  };
  FaultRecords out;
  for (const auto& outcome : outcomes) {
    reports::FaultRecord record;
    record.name = outcome.name;
    record.kind = outcome.kind;
    record.target = outcome.target;
    record.description = outcome.description;
    record.effective = outcome.effective;
    record.evidence = outcome.evidence;
    record.injections = outcome.injections;
    if (!outcome.started && ran_to_end) {
      // The plan only holds faults that start inside the run: one that did not start means the
      // harness failed to carry it out.
      out.invalid_reasons.push_back(fmt::format("fault {} never started", outcome.name));
    }
    if (outcome.started) {
      record.started_at_s = seconds(outcome.started_at);
      if (outcome.ended_at) {
        record.ended_at_s = seconds(*outcome.ended_at);
      }
      if (!outcome.effective) {
        // spec: a fault that did not take effect makes the run invalid, never a silent pass.
        out.invalid_reasons.push_back(
            fmt::format("fault {} did not take effect: {}", outcome.name, outcome.evidence));
      }
    }
    out.records.push_back(std::move(record));
  }
  return out;
}

}  // namespace outrider::harness
