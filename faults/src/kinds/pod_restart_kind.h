#pragma once

// What pod-restart and startup-race share: the pod is replaced through PodControl::restartPod,
// and every start, ready and exit of its processes from then on is kept, so the evidence can say
// which processes were replaced, how long the pod was down and in which order things happened.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "outrider/faults/pod_restart.h"
#include "outrider/faults/process_fault.h"

namespace outrider::faults::kinds {

class PodRestartKind : public ProcessFault {
 public:
  PodRestartKind(const PlannedFault& fault, FaultContext& context)
      : fault_(fault), context_(context) {}

  void begin() final;
  void onProcessEvent(const PodEvent& event) final;
  bool watchesWholePod() const final { return true; }

 protected:
  // The order events of the pod's processes since begin().
  struct Seen {
    PodEvent::Kind kind = PodEvent::Kind::Other;
    std::string process;
    MonotonicTime at{};
    std::string exit;
  };

  // What the restart asks for: none for a plain rollout.
  virtual PodRestartRequest request() const { return {}; }

  // "pod replaced: proxy pid 10 -> 20, app pid 11 -> 21; app SIGTERM at +0.00s, stopped at
  // +0.31s, ready again at +1.02s (down 1.02s)", or why it is not.
  std::string restartText() const;
  // "order observed: app started +0.01s, app exited (exit code 1) +0.05s, ...".
  std::string orderText() const;
  // Every process of the pod was stopped and a new incarnation of each started.
  bool replaced() const;
  // The window the pod was away in, as far as it is known now.
  std::optional<KindEvidence::Disruption> disruption() const;
  std::string offset(MonotonicTime at) const;

  const PlannedFault& fault_;
  FaultContext& context_;
  MonotonicTime began_at_{};
  std::vector<Seen> seen_;
  std::optional<PodRestartReport> report_;

 private:
  // The restart may report after the executor has gone (the run ended meanwhile).
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace outrider::faults::kinds
