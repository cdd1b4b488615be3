#pragma once

// What a rollout asks of the pod and what it hears back (pod-restart, startup-race): the pod (the
// app and its sidecars; services are outside it) is stopped in its stop order and started again
// in its start order, as a Deployment replaces a pod, optionally with a start-up race applied to
// one sidecar. Load and the run go on meanwhile.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "outrider/common/clock.h"
#include "outrider/scenarios/scenario.h"

namespace outrider::faults {

struct PodRestartRequest {
  std::optional<scenarios::StartupRaceMode> race;  // none: a plain rollout
  std::string sidecar;                             // the sidecar the race is about
  // app-first: the app starts this long before the sidecar; sidecar-slow: the sidecar's start is
  // delayed by it; sidecar-exits-first: the sidecar gets SIGTERM this long before the app.
  std::chrono::nanoseconds delay{0};
  uint32_t crash_times = 0;  // sidecar-crash-on-start: exits right after starting
};

struct PodRestartReport {
  struct Process {
    std::string name;
    std::optional<pid_t> pid_before;  // the incarnation the restart stopped (none: not running)
    std::optional<pid_t> pid_after;   // the first one it started
  };
  std::vector<Process> processes;            // the pod's, in start order
  MonotonicTime stop_began{};                // the first SIGTERM of the restart
  std::optional<MonotonicTime> app_sigterm;  // when the app got its SIGTERM
  // Who got the restart's first SIGTERM, at stop_began: the app, or the race's sidecar
  // (sidecar-exits-first); empty when nothing of the pod was running.
  std::string first_sigterm;
  std::optional<MonotonicTime> stopped;  // every process of the pod had exited
  std::optional<MonotonicTime> ready;    // every process of the pod was ready again
  std::string error;  // why the pod is not ready again (empty: it is); the run goes on
};

// Runs once, on the pod's executor, when the pod is ready again or cannot be made so.
using PodRestartDone = std::function<void(const PodRestartReport&)>;

}  // namespace outrider::faults
