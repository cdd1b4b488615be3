#pragma once

// One process of the pod restarted with a change to how it is launched (clock-skew): stopped as
// the supervisor stops it (SIGTERM, its grace, SIGKILL) and started again with environment
// variables added and its command prefixed, until the next such restart puts it back.

#include <sys/types.h>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "outrider/common/clock.h"

namespace outrider::faults {

// Empty: the process as the scenario declares it.
struct ProcessLaunch {
  std::map<std::string, std::string> env;  // set on top of the process's own `env`
  std::vector<std::string> prefix;         // run before its command ("faketime", "-f", ...)

  bool empty() const { return env.empty() && prefix.empty(); }
};

struct ProcessRestartReport {
  std::optional<pid_t> pid_before;  // the incarnation it stopped (none: it was not running)
  std::optional<pid_t> pid_after;   // the one it started
  MonotonicTime stop_began{};
  std::optional<MonotonicTime> ready;  // the new incarnation was ready
  std::string error;                   // why it is not ready again (empty: it is)
  bool run_stopped = false;            // the error is the run's end (the pod stopped anyway)
};

// Runs once, on the pod's executor, when the process is ready again or cannot be made so.
using ProcessRestartDone = std::function<void(const ProcessRestartReport&)>;

}  // namespace outrider::faults
