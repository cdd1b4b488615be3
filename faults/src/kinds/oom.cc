// oom: the target's memory limit becomes `limit` for the window, so the kernel's OOM killer ends
// it once it needs more (and ends each restart while the cap holds, the crash loop of an
// undersized sidecar); the limit the scenario gave is put back at the end.
// Mode "pressure" also runs an allocator (outrider-hog) in the target's cgroup that touches
// memory at `rate`: the target's own leak, so it is ended when the target exits and started again
// with each new incarnation (a slow rate is F8, a leak ending in an OOM kill; a fast one the crash
// loop of F1). The kernel must kill the target, not the allocator: the allocator lowers its own
// oom_score_adj where it may (CAP_SYS_RESOURCE), and the target's is raised to 1000 for the
// window, which needs no privilege: its badness then exceeds the cgroup's whole limit, more than
// the allocator can ever hold.
// Evidence: the cgroup's own OOM-kill count rose and the target exited on SIGKILL.

#include <fmt/format.h>

#include <algorithm>

#include "cgroup_kind.h"
#include "kinds.h"
#include "outrider/common/units.h"
#include "outrider/faults/host/cgroups.h"

namespace outrider::faults::kinds {
namespace {

// The highest oom_score_adj: the OOM killer's first choice in its cgroup.
constexpr int OomFirst = 1000;

std::string limitText(std::optional<uint64_t> bytes) {
  return bytes ? formatBytes(*bytes) : "no limit";
}

class Oom final : public CgroupLimitFault {
 public:
  using CgroupLimitFault::CgroupLimitFault;

  void onProcessEvent(const PodEvent& event) override {
    if (!holding() || event.process != fault().target) {
      return;
    }
    if (event.kind == PodEvent::Kind::Exited) {
      if (event.exit == "signal SIGKILL") {
        ++sigkilled_;
      }
      stopAllocator();
    } else if (event.kind == PodEvent::Kind::Started) {
      startAllocator();
    }
  }

  KindEvidence evidence() const override {
    if (!error().empty()) {
      return {false, error(), 0};
    }
    const uint64_t before_kills = before().oom_kills;
    const uint64_t after_kills = after().oom_kills;
    const uint64_t kills = after_kills > before_kills ? after_kills - before_kills : 0;
    const std::string counts = fmt::format("oom_kill {} -> {}", before_kills, after_kills);
    const std::string cap = formatBytes(fault().spec.limit_bytes);
    const std::string allocator =
        pressure() ? fmt::format(
                         ", an allocator touching {}/s in its cgroup ({} started, "
                         "oom_score_adj 1000 on the target)",
                         formatBytes(fault().spec.rate_bytes_per_s), allocators_)
                   : "";
    // The kernel's count is the cgroup's, and may include the allocator when it could not
    // shield itself and was the last task left after the target died: the target's kills are
    // the SIGKILL exits seen while both rose.
    if (kills > 0 && sigkilled_ > 0) {
      return {true,
              fmt::format("{} OOM-killed under a {} cap{} ({}), {} exit(s) on SIGKILL; limit "
                          "back to {}",
                          fault().target, cap, allocator, counts, sigkilled_, limitText(previous_)),
              std::min(kills, sigkilled_)};
    }
    return {false,
            fmt::format("{} was not OOM-killed under a {} cap{} ({}, {} exit(s) on SIGKILL)",
                        fault().target, cap, allocator, counts, sigkilled_),
            0};
  }

 private:
  bool pressure() const { return fault().spec.oom_mode == scenarios::OomMode::Pressure; }

  Result<void> apply(host::Cgroup& cgroup) override {
    previous_ = cgroup.memoryLimit();
    auto capped = cgroup.setMemoryLimit(fault().spec.limit_bytes);
    if (capped && pod().pid(fault().target)) {
      startAllocator();  // else with the target's next start
    }
    return capped;
  }
  Result<void> revert(host::Cgroup& cgroup) override {
    stopAllocator();  // first: its memory must not count against the limit put back
    return cgroup.setMemoryLimit(previous_);
  }

  void startAllocator() {
    if (!pressure() || allocator_) {
      return;
    }
    // First the target's score, so the kernel's choice is made before any page is touched.
    const auto pid = pod().pid(fault().target);
    if (auto old = pod().setOomScoreAdj(fault().target, OomFirst); old && pid) {
      raised_ = {*pid, *old};
    } else if (!old) {
      fail("cannot make " + fault().target +
           " the OOM killer's first choice: " + old.error().message);
      return;
    }
    faults::HogSpec spec;
    spec.memory_rate = fault().spec.rate_bytes_per_s;
    spec.memory_max = fault().spec.limit_bytes;  // the cap bounds it anyway; this bounds a bug
    spec.oom_shield = true;
    auto started = pod().startHog(fault().target, spec);
    if (!started) {
      fail("the allocator could not start: " + started.error().message);
      return;
    }
    allocator_ = *started;
    ++allocators_;
  }

  void stopAllocator() {
    // The incarnation that was raised gets its score back if it still runs (a new one starts at
    // the harness's own score).
    if (raised_ && pod().pid(fault().target) == raised_->first) {
      (void)pod().setOomScoreAdj(fault().target, raised_->second);
    }
    raised_.reset();
    endHog(allocator_, "the allocator");
  }

  std::optional<uint64_t> previous_;
  uint64_t sigkilled_ = 0;
  std::optional<pid_t> allocator_;
  uint64_t allocators_ = 0;
  std::optional<std::pair<pid_t, int>> raised_;  // the incarnation raised, its score before
};

}  // namespace

void registerOom(FaultRegistry& registry) {
  registry.add(processKindEntry<Oom>(
      scenarios::FaultKind::Oom,
      "cap the target's memory at `limit` so the kernel's OOM killer ends it; mode "
      "\"pressure\" also allocates `rate` inside its cgroup (a leak)"));
}

}  // namespace outrider::faults::kinds
