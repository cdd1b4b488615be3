#pragma once

// What a process fault may do to the pod and what it hears back: narrow on purpose (Chaos Mesh's
// per-kind controllers act through the kubelet the same way), so a fake pod on a manual clock
// tests every process kind. The harness implements it over its supervisor.

#include <sys/types.h>

#include <optional>
#include <string>

#include "outrider/common/clock.h"
#include "outrider/common/result.h"
#include "outrider/faults/pod_restart.h"

namespace outrider::faults {

namespace host {
class Cgroup;
}

// A process event as a fault sees it.
struct PodEvent {
  enum class Kind { Started, Ready, NotReady, Exited, Other };
  Kind kind = Kind::Other;
  std::string process;
  std::optional<pid_t> pid;  // the incarnation it is about
  MonotonicTime at{};
  std::string exit;  // Exited: "signal SIGKILL", "exit code 1"
};

class PodControl {
 public:
  virtual ~PodControl() = default;
  // The pid of the running incarnation (also its process group), if it runs.
  virtual std::optional<pid_t> pid(const std::string& process) const = 0;
  virtual bool isReady(const std::string& process) const = 0;
  // To the process group of the running incarnation.
  virtual Result<void> signal(const std::string& process, int signo) = 0;
  // The scheduler state of a pid as /proc/PID/stat shows it ('R', 'S', 'T' stopped, ...), or 0.
  virtual char schedulerState(pid_t pid) const = 0;
  // The process's own cgroup (faults/host/cgroups.h), or null when the run has none (a host
  // without writable cgroups): oom and cpu-starve act through it.
  virtual host::Cgroup* cgroup(const std::string& process) = 0;
  // pod-restart and startup-race: replaces the pod (pod_restart.h) and calls `done` once it is
  // ready again or cannot be; one restart at a time (a second one is refused through `done`).
  virtual void restartPod(const PodRestartRequest& request, PodRestartDone done) = 0;
};

}  // namespace outrider::faults
