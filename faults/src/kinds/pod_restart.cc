// pod-restart: a rollout. The whole pod (the app and its sidecars) is stopped in its stop order
// and started again in its start order while load goes on. Evidence: every process of the pod
// replaced (pids before and after) and how long the pod was down; the journal adds the requests
// that failed meanwhile (the rollout's blip) and those in flight at the app's SIGTERM.

#include <fmt/format.h>

#include "kinds.h"
#include "pod_restart_kind.h"

namespace outrider::faults::kinds {
namespace {

class PodRestart final : public PodRestartKind {
 public:
  using PodRestartKind::PodRestartKind;

  KindEvidence evidence() const override {
    KindEvidence out;
    out.effective = replaced();
    out.injections = out.effective ? 1 : 0;
    out.text = restartText();
    out.disruption = disruption();
    return out;
  }
};

}  // namespace

void registerPodRestart(FaultRegistry& registry) {
  FaultKindEntry entry = processKindEntry<PodRestart>(
      scenarios::FaultKind::PodRestart,
      "stop the pod in its stop order and start it again in its start order (a rollout); an "
      "instant");
  entry.describe = [](const PlannedFault& fault) {
    return fault.target.empty() ? std::string("pod-restart of the whole pod")
                                : fmt::format("pod-restart of the whole pod (of {})", fault.target);
  };
  registry.add(std::move(entry));
}

}  // namespace outrider::faults::kinds
