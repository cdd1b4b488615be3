// cpu-starve (mode "quota"): the target keeps `share` of a core for the window, as a CFS quota
// on its cgroup; the limit the scenario gave is put back at the end. Evidence: the periods the
// kernel throttled it in grew during the window.

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
              fmt::format("{} throttled in {} of {} periods ({:.1f}s held back) at {} of a core; "
                          "back to {}",
                          fault().target, throttled, periods,
                          std::chrono::duration<double>(throttled_for).count(), share, limit),
              throttled};
    }
    return {false,
            fmt::format("{} was never throttled at {} of a core ({} periods)", fault().target,
                        share, periods),
            0};
  }

 private:
  Result<void> apply(host::Cgroup& cgroup) override {
    previous_ = cgroup.cpuLimit();
    return cgroup.setCpuLimit(fault().spec.share);
  }
  Result<void> revert(host::Cgroup& cgroup) override { return cgroup.setCpuLimit(previous_); }

  std::optional<double> previous_;
};

}  // namespace

void registerCpuStarve(FaultRegistry& registry) {
  registry.add(processKindEntry<CpuStarve>(
      scenarios::FaultKind::CpuStarve,
      "leave the target `share` of one core (a CFS quota on its cgroup)"));
}

}  // namespace outrider::faults::kinds
