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

class Oom final : public ProcessFault {
 public:
  Oom(const PlannedFault& fault, FaultContext& context) : fault_(fault), context_(context) {}

  void begin() override {
    const auto start = startOnCgroup(context_, fault_.target);
    cgroup_ = start.cgroup;
    if (cgroup_ == nullptr) {
      error_ = start.error;
      return;
    }
    oom_kills_before_ = start.before.oom_kills;
    previous_ = cgroup_->memoryLimit();
    if (auto capped = cgroup_->setMemoryLimit(fault_.spec.limit_bytes); !capped) {
      error_ = capped.error().message;
      return;
    }
    holding_ = true;
  }

  void end() override {
    if (!holding_) {
      return;
    }
    holding_ = false;
    oom_kills_after_ = currentOomKills();
    if (auto restored = cgroup_->setMemoryLimit(previous_); !restored) {
      error_ = "the limit could not be put back: " + restored.error().message;
    }
  }

  void onProcessEvent(const PodEvent& event) override {
    if (holding_ && event.kind == PodEvent::Kind::Exited && event.process == fault_.target &&
        event.exit == "signal SIGKILL") {
      ++sigkilled_;
    }
  }

  KindEvidence evidence() const override {
    if (!error_.empty()) {
      return {false, error_, 0};
    }
    const uint64_t after = oom_kills_after_ ? *oom_kills_after_ : currentOomKills();
    const uint64_t kills = after > oom_kills_before_ ? after - oom_kills_before_ : 0;
    const std::string counts = fmt::format("oom_kill {} -> {}", oom_kills_before_, after);
    if (kills > 0 && sigkilled_ > 0) {
      return {true,
              fmt::format("{} OOM-killed {} time(s) under a {} cap ({}), {} exit(s) on SIGKILL; "
                          "limit back to {}",
                          fault_.target, kills, formatBytes(fault_.spec.limit_bytes), counts,
                          sigkilled_, limitText(previous_)),
              kills};
    }
    return {false,
            fmt::format("{} was not OOM-killed under a {} cap ({}, {} exit(s) on SIGKILL)",
                        fault_.target, formatBytes(fault_.spec.limit_bytes), counts, sigkilled_),
            0};
  }

 private:
  uint64_t currentOomKills() const {
    auto stats = cgroup_ ? cgroup_->stats() : Result<host::CgroupStats>(host::CgroupStats{});
    return stats ? stats->oom_kills : oom_kills_before_;
  }

  const PlannedFault& fault_;
  FaultContext& context_;
  host::Cgroup* cgroup_ = nullptr;
  std::optional<uint64_t> previous_;
  uint64_t oom_kills_before_ = 0;
  std::optional<uint64_t> oom_kills_after_;
  uint64_t sigkilled_ = 0;
  bool holding_ = false;
  std::string error_;
};

}  // namespace

void registerOom(FaultRegistry& registry) {
  registry.add(processKindEntry<Oom>(
      scenarios::FaultKind::Oom,
      "cap the target's memory at `limit` so the kernel's OOM killer ends it"));
}

}  // namespace outrider::faults::kinds
