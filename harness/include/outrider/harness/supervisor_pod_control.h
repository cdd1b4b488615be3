#pragma once

// The pod as the process faults see it (faults::PodControl), over the supervisor.

#include "outrider/faults/pod_control.h"
#include "outrider/harness/pod_cgroups.h"
#include "outrider/harness/supervisor.h"

namespace outrider::harness {

class SupervisorPodControl final : public faults::PodControl {
 public:
  // `cgroups`: the pod's, or null when the run has none.
  SupervisorPodControl(Supervisor& supervisor, PodCgroups* cgroups)
      : supervisor_(supervisor), cgroups_(cgroups) {}

  std::optional<pid_t> pid(const std::string& process) const override;
  bool isReady(const std::string& process) const override;
  Result<void> signal(const std::string& process, int signo) override;
  char schedulerState(pid_t pid) const override;
  faults::host::Cgroup* cgroup(const std::string& process) override {
    return cgroups_ ? cgroups_->find(process) : nullptr;
  }
  // On the supervisor's executor; `done` runs there too, also after this object is gone (a
  // callback that outlives its fault must guard itself).
  void restartPod(const faults::PodRestartRequest& request, faults::PodRestartDone done) override;

 private:
  Supervisor& supervisor_;
  PodCgroups* cgroups_;
};

// The state letter of /proc/PID/stat ('R', 'S', 'T' stopped...), or 0 when unreadable.
char processState(pid_t pid);

}  // namespace outrider::harness
