// oom (mode "cap"): the target's memory limit becomes `limit` for the window, so the kernel's OOM
// killer ends it once it needs more (and ends each restart while the cap holds, the crash loop
// of an undersized sidecar); the limit the scenario gave is put back at the end. Evidence: the
// cgroup's own OOM-kill count rose and the target exited on SIGKILL.

#include <fmt/format.h>

#include "cgroup_kind.h"
#include "kinds.h"
#include "outrider/common/units.h"
#include "outrider/faults/host/cgroups.h"

namespace outrider::faults::kinds {
namespace {

std::string limitText(std::optional<uint64_t> bytes) {
  return bytes ? formatBytes(*bytes) : "no limit";
}

class Oom final : public CgroupLimitFault {
 public:
  using CgroupLimitFault::CgroupLimitFault;

  void onProcessEvent(const PodEvent& event) override {
    if (holding() && event.kind == PodEvent::Kind::Exited && event.process == fault().target &&
        event.exit == "signal SIGKILL") {
      ++sigkilled_;
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
    if (kills > 0 && sigkilled_ > 0) {
      return {true,
              fmt::format("{} OOM-killed {} time(s) under a {} cap ({}), {} exit(s) on SIGKILL; "
                          "limit back to {}",
                          fault().target, kills, cap, counts, sigkilled_, limitText(previous_)),
              kills};
    }
    return {false,
            fmt::format("{} was not OOM-killed under a {} cap ({}, {} exit(s) on SIGKILL)",
                        fault().target, cap, counts, sigkilled_),
            0};
  }

 private:
  Result<void> apply(host::Cgroup& cgroup) override {
    previous_ = cgroup.memoryLimit();
    return cgroup.setMemoryLimit(fault().spec.limit_bytes);
  }
  Result<void> revert(host::Cgroup& cgroup) override { return cgroup.setMemoryLimit(previous_); }

  std::optional<uint64_t> previous_;
  uint64_t sigkilled_ = 0;
};

}  // namespace

void registerOom(FaultRegistry& registry) {
  registry.add(processKindEntry<Oom>(
      scenarios::FaultKind::Oom,
      "cap the target's memory at `limit` so the kernel's OOM killer ends it"));
}

}  // namespace outrider::faults::kinds
