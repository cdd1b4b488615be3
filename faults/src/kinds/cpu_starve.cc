// cpu-starve: the target keeps `share` of a core for the window, as a CFS quota on its cgroup;
// the limit the scenario gave is put back at the end. Mode "hog" also runs `workers` busy threads
// (outrider-hog) in the same cgroup for the window, so the target competes for that quota with a
// noisy neighbour in its own pod slot (F2). Evidence: the periods the kernel throttled the cgroup
// in grew during the window.

#include <fmt/format.h>

#include "cgroup_kind.h"
#include "kinds.h"
#include "outrider/faults/host/cgroups.h"

namespace outrider::faults::kinds {
namespace {

class CpuStarve final : public CgroupLimitFault {
 public:
  using CgroupLimitFault::CgroupLimitFault;

  KindEvidence evidence() const override {
    if (!error().empty()) {
      return {false, error(), 0};
    }
    const host::CgroupStats now = after();
    const host::CgroupStats& was = before();
    const uint64_t periods = now.cpu_periods - std::min(now.cpu_periods, was.cpu_periods);
    const uint64_t throttled =
        now.throttled_periods - std::min(now.throttled_periods, was.throttled_periods);
    const auto throttled_for = now.throttled - std::min(now.throttled, was.throttled);
    const double share = fault().spec.share;
    if (throttled > 0) {
      const std::string limit =
          previous_ ? fmt::format("{} core(s)", *previous_) : std::string("no limit");
      return {true,
              fmt::format("{} throttled in {} of {} periods ({:.1f}s held back) at {} of a "
                          "core{}; back to {}",
                          fault().target, throttled, periods,
                          std::chrono::duration<double>(throttled_for).count(), share, hogText(),
                          limit),
              throttled};
    }
    return {false,
            fmt::format("{} was never throttled at {} of a core{} ({} periods)", fault().target,
                        share, hogText(), periods),
            0};
  }

 private:
  bool hog() const { return fault().spec.cpu_starve_mode == scenarios::CpuStarveMode::Hog; }

  std::string hogText() const {
    return hog() ? fmt::format(", shared with {} busy worker(s)", fault().spec.workers) : "";
  }

  Result<void> apply(host::Cgroup& cgroup) override {
    previous_ = cgroup.cpuLimit();
    auto limited = cgroup.setCpuLimit(fault().spec.share);
    if (limited && hog()) {
      // The workers stay for the window whatever the target does: a neighbour, not its own load.
      faults::HogSpec spec;
      spec.cpu_workers = fault().spec.workers;
      auto started = pod().startHog(fault().target, spec);
      if (!started) {
        fail("the busy workers could not start: " + started.error().message);
      } else {
        hog_ = *started;
      }
    }
    return limited;
  }
  Result<void> revert(host::Cgroup& cgroup) override {
    endHog(hog_, "the busy workers' process");
    return cgroup.setCpuLimit(previous_);
  }

  std::optional<double> previous_;
  std::optional<pid_t> hog_;
};

}  // namespace

void registerCpuStarve(FaultRegistry& registry) {
  registry.add(processKindEntry<CpuStarve>(
      scenarios::FaultKind::CpuStarve,
      "leave the target `share` of one core (a CFS quota on its cgroup); mode \"hog\" adds "
      "`workers` busy threads competing for it"));
}

}  // namespace outrider::faults::kinds
