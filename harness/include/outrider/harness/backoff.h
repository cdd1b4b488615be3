#pragma once

// Kubelet's restart rules as pure data: the crash-loop back-off sequence and which exits restart.

#include <chrono>

#include "outrider/harness/process_events.h"
#include "outrider/scenarios/scenario.h"

namespace outrider::harness {

// CrashLoopBackOff: the first restart waits `initial`, each further one twice the previous, up
// to `cap`; a run that lasted at least `reset_after` starts the sequence again.
class Backoff {
 public:
  struct Policy {
    std::chrono::nanoseconds initial = std::chrono::seconds(10);
    std::chrono::nanoseconds cap = std::chrono::minutes(5);
    std::chrono::nanoseconds reset_after = std::chrono::minutes(10);
  };

  explicit Backoff(Policy policy);

  // The wait before restarting a process that has just exited after running for `ran_for`.
  std::chrono::nanoseconds nextDelay(std::chrono::nanoseconds ran_for);
  // What nextDelay() would return for a short run, without advancing.
  std::chrono::nanoseconds peek() const { return next_; }
  void reset() { next_ = policy_.initial; }
  const Policy& policy() const { return policy_; }

 private:
  Policy policy_;
  std::chrono::nanoseconds next_;
};

// Whether a process that ended with `status` is started again. A kill caused by a failed
// liveness probe counts as a failure, whatever the exit code (kubelet does the same).
bool shouldRestart(scenarios::RestartPolicy policy, const ExitStatus& status,
                   bool killed_by_liveness);

}  // namespace outrider::harness
