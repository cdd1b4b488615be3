// cpu-starve (mode "quota"): the target keeps `share` of a core for the window, as a CFS quota
// on its cgroup; the limit the scenario gave is put back at the end. Evidence: the periods the
// kernel throttled it in grew during the window.

#include <fmt/format.h>

#include "cgroup_kind.h"
#include "kinds.h"
#include "outrider/faults/host/cgroups.h"

namespace outrider::faults::kinds {
namespace {

class CpuStarve final : public ProcessFault {
 public:
  CpuStarve(const PlannedFault& fault, FaultContext& context) : fault_(fault), context_(context) {}

  void begin() override {
    const auto start = startOnCgroup(context_, fault_.target);
    cgroup_ = start.cgroup;
    if (cgroup_ == nullptr) {
      error_ = start.error;
      return;
    }
    before_ = start.before;
    previous_ = cgroup_->cpuLimit();
    if (auto starved = cgroup_->setCpuLimit(fault_.spec.share); !starved) {
      error_ = starved.error().message;
      return;
    }
    holding_ = true;
  }

  void end() override {
    if (!holding_) {
      return;
    }
    holding_ = false;
    after_ = current();
    if (auto restored = cgroup_->setCpuLimit(previous_); !restored) {
      error_ = "the CPU limit could not be put back: " + restored.error().message;
    }
  }

  KindEvidence evidence() const override {
    if (!error_.empty()) {
      return {false, error_, 0};
    }
    const host::CgroupStats after = after_ ? *after_ : current();
    const uint64_t periods = after.cpu_periods - std::min(after.cpu_periods, before_.cpu_periods);
    const uint64_t throttled =
        after.throttled_periods - std::min(after.throttled_periods, before_.throttled_periods);
    const auto throttled_for = after.throttled - std::min(after.throttled, before_.throttled);
    const std::string limit =
        previous_ ? fmt::format("{} core(s)", *previous_) : std::string("no limit");
    if (throttled > 0) {
      return {true,
              fmt::format("{} throttled in {} of {} periods ({:.1f}s held back) at {} of a core; "
                          "back to {}",
                          fault_.target, throttled, periods,
                          std::chrono::duration<double>(throttled_for).count(), fault_.spec.share,
                          limit),
              throttled};
    }
    return {false,
            fmt::format("{} was never throttled at {} of a core ({} periods)", fault_.target,
                        fault_.spec.share, periods),
            0};
  }

 private:
  host::CgroupStats current() const {
    auto stats = cgroup_->stats();
    return stats ? *stats : before_;
  }

  const PlannedFault& fault_;
  FaultContext& context_;
  host::Cgroup* cgroup_ = nullptr;
  std::optional<double> previous_;
  host::CgroupStats before_;
  std::optional<host::CgroupStats> after_;
  bool holding_ = false;
  std::string error_;
};

}  // namespace

void registerCpuStarve(FaultRegistry& registry) {
  registry.add(processKindEntry<CpuStarve>(
      scenarios::FaultKind::CpuStarve,
      "leave the target `share` of one core (a CFS quota on its cgroup)"));
}

}  // namespace outrider::faults::kinds
