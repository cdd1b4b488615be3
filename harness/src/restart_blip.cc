#include "outrider/harness/restart_blip.h"

#include <fmt/format.h>

#include "outrider/common/units.h"

namespace outrider::harness {

reports::FaultRecord::Blip measureBlip(const BlipWindow& window, const LoadSchedule& schedule,
                                       const std::vector<FailedRequest>& failures,
                                       std::chrono::nanoseconds timeout) {
  reports::FaultRecord::Blip blip;
  blip.from_s = toSeconds(window.from);
  blip.to_s = toSeconds(window.to);
  // Measured requests only, as in the SLIs: the warmup's are in no count.
  const uint64_t first = schedule.warmupCount();
  auto due = [&](std::chrono::nanoseconds at) { return std::max(schedule.dueBy(at), first); };
  blip.scheduled = window.to > window.from ? due(window.to) - due(window.from) : 0;
  for (const auto& failure : failures) {
    if (failure.scheduled >= window.from && failure.scheduled < window.to) {
      ++blip.failed;
    }
  }
  if (window.sigterm) {
    const auto sigterm = *window.sigterm;
    blip.sigterm_s = toSeconds(sigterm);
    blip.sigterm_process = window.sigterm_process;
    uint64_t in_flight = 0;
    for (const auto& failure : failures) {
      if (failure.sent && *failure.sent<sigterm&& * failure.sent + timeout> sigterm) {
        ++in_flight;
      }
    }
    blip.in_flight_failed = in_flight;
  }
  return blip;
}

std::string describeBlip(const reports::FaultRecord::Blip& blip) {
  std::string text = fmt::format(
      "the rollout's blip: {} of {} requests scheduled while the pod was down "
      "({:.2f}s .. {:.2f}s) failed",
      blip.failed, blip.scheduled, blip.from_s, blip.to_s);
  if (blip.in_flight_failed) {
    const std::string whose =
        blip.sigterm_process == "app" ? std::string("the app's") : blip.sigterm_process + "'s";
    text += *blip.in_flight_failed == 0
                ? fmt::format("; none of the requests in flight at {} SIGTERM failed", whose)
                : fmt::format("; {} request(s) in flight at {} SIGTERM failed",
                              *blip.in_flight_failed, whose);
  }
  return text;
}

void attributeBlips(std::vector<reports::FaultRecord>& records,
                    const std::vector<FaultOutcome>& outcomes, MonotonicTime t0,
                    const LoadSchedule& schedule, const LoadResult& load,
                    std::chrono::nanoseconds timeout) {
  for (size_t i = 0; i < records.size() && i < outcomes.size(); ++i) {
    const auto& disruption = outcomes[i].disruption;
    if (!disruption) {
      continue;
    }
    BlipWindow window;
    window.from = std::chrono::duration_cast<std::chrono::nanoseconds>(disruption->from - t0);
    window.to = std::chrono::duration_cast<std::chrono::nanoseconds>(disruption->to - t0);
    if (disruption->sigterm) {
      window.sigterm =
          std::chrono::duration_cast<std::chrono::nanoseconds>(*disruption->sigterm - t0);
      window.sigterm_process = disruption->sigterm_process;
    }
    auto blip = measureBlip(window, schedule, load.failures, timeout);
    records[i].evidence += "; " + describeBlip(blip);
    records[i].blip = blip;
  }
}

}  // namespace outrider::harness
