#pragma once

// What a process fault may do to the pod and what it hears back: narrow on purpose (Chaos Mesh's
// per-kind controllers act through the kubelet the same way), so a fake pod on a manual clock
// tests every process kind. The harness implements it over its supervisor.

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "outrider/common/clock.h"
#include "outrider/common/result.h"
#include "outrider/faults/pod_restart.h"
#include "outrider/faults/process_restart.h"

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

// A helper process started inside a pod process's cgroup (outrider-hog): memory touched at a
// rate (oom pressure, a leak) and busy CPU workers (cpu-starve hog).
struct HogSpec {
  uint64_t memory_rate = 0;  // bytes/s; 0: none
  uint64_t memory_max = 0;   // never more than this in all (a bound, whatever the cgroup allows)
  uint32_t cpu_workers = 0;
  // Try oom_score_adj -1000, so the kernel's OOM killer never picks the hog (needs
  // CAP_SYS_RESOURCE; without it the hog runs on at its inherited score, and the fault relies on
  // raising the target's score instead).
  bool oom_shield = false;
};

// What a process's admin listener answered (admin_call below).
struct AdminAnswer {
  unsigned status = 0;
  std::string body;
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
  // Sets the running incarnation's /proc/PID/oom_score_adj (-1000..1000); returns the old value.
  // Raising needs no privilege, so the oom fault makes its target the OOM killer's first choice.
  virtual Result<int> setOomScoreAdj(const std::string& process, int value) = 0;
  // Starts a hog inside `process`'s cgroup; NotFound when it has none. Returns the hog's pid.
  virtual Result<pid_t> startHog(const std::string& process, const HogSpec& spec) = 0;
  // SIGKILLs and reaps a hog; how it had ended before that ("" while it still ran, else, say,
  // "exit code 3"), so a hog that died early shows in the evidence.
  virtual std::string stopHog(pid_t hog) = 0;
  // pod-restart and startup-race: replaces the pod (pod_restart.h) and calls `done` once it is
  // ready again or cannot be; one restart at a time (a second one is refused through `done`).
  virtual void restartPod(const PodRestartRequest& request, PodRestartDone done) = 0;
  // The command a process runs as the scenario declares it (clock-skew tells our programs, which
  // take an injected clock, from others); empty for an unknown process.
  virtual std::vector<std::string> command(const std::string& process) const {
    (void)process;
    return {};
  }
  // clock-skew: restarts one process with `launch` (process_restart.h), which its later restarts
  // keep until the next call, and calls `done` once it is ready again or cannot be; refused
  // through `done` while the pod or this process is being restarted already.
  virtual void restartProcess(const std::string& process, const ProcessLaunch& launch,
                              ProcessRestartDone done) {
    (void)launch;
    ProcessRestartReport report;
    report.error = "cannot restart " + process + " here";
    done(report);
  }
  // One request to a process's own admin listener, at the origin of its `metrics` URL:
  // control-plane-outage switches outrider-control's faults this way ("POST", "/fault?mode=hang"),
  // cert-expiry and cert-wrong-ca its issuance ("POST", "/issuance?mode=no-renewal&ttl=10s").
  // Blocking, bounded by a short deadline (a loopback call to a listener apart from the data
  // plane). NotFound when the process has no admin listener.
  virtual Result<AdminAnswer> adminCall(const std::string& process, std::string_view method,
                                        std::string_view target) {
    (void)method;
    (void)target;
    return makeError(ErrorCode::NotFound, "process '" + process + "' has no admin listener");
  }
};

}  // namespace outrider::faults
