#pragma once

// What the supervisor tells the rest of the harness about its processes: one event per start,
// exit, readiness change, probe-triggered kill and back-off, plus the per-process record that
// journal.json's `processes` entries are built from.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "outrider/common/clock.h"
#include "outrider/scenarios/scenario.h"

namespace outrider::harness {

// How a process ended: an exit code, or the signal that killed it. Both empty means the status
// was lost (another reaper took it); that never happens in a harness that leaves SIGCHLD alone.
struct ExitStatus {
  std::optional<int> code;
  std::optional<int> signal;

  // Decodes a waitpid() status.
  static ExitStatus fromWaitStatus(int wait_status);
  // Exit code 0: the only outcome restart = "on-failure" does not restart.
  bool success() const;
  // "exit code 3", "signal SIGKILL", "unknown status".
  std::string describe() const;
};

// "SIGKILL" for 9, "SIGRTMIN+2" for real-time signals, "signal 99" when unknown.
std::string signalName(int signo);

enum class ProcessEventKind {
  Started,         // spawned (pid set)
  StartFailed,     // a restart could not spawn (detail says why); back-off applies
  Ready,           // readiness turned true (at start when there is no ready probe)
  NotReady,        // readiness turned false: probe failures past the threshold, or exit
  LivenessFailed,  // liveness failed `failure_threshold` times in a row; a kill follows
  Signalled,       // the supervisor itself sent a signal (stop, grace expiry, liveness kill)
  Exited,          // reaped (exit set)
  BackingOff,      // a restart is scheduled after `delay`
};

// "start", "start-failed", "ready", "not-ready", "liveness-failed", "signal", "exit", "back-off".
std::string toString(ProcessEventKind kind);

struct ProcessEvent {
  ProcessEventKind kind = ProcessEventKind::Started;
  std::string name;
  scenarios::ProcessRole role = scenarios::ProcessRole::App;
  MonotonicTime at;                   // from the injected Clock
  pid_t pid = 0;                      // the incarnation concerned; 0 when none is running
  uint32_t start_number = 0;          // 1 for the first start, 2 for the first restart...
  std::optional<ExitStatus> exit;     // Exited
  int signal = 0;                     // Signalled
  std::chrono::nanoseconds delay{0};  // BackingOff
  std::string detail;  // human-readable: "exit code 1", "tcp://...: connection refused"
};

// Called on the supervisor's executor, synchronously, as each event happens. It may call back
// into the Supervisor (signal(), pid(), isReady()).
using ProcessEventCallback = std::function<void(const ProcessEvent&)>;

// journal.json's processes[].exits[] entry, in monotonic time (the runner makes it `at_s`).
struct ExitRecord {
  MonotonicTime at;
  std::optional<int> code;
  std::optional<std::string> signal;  // "SIGKILL"
};

// journal.json's processes[] entry.
struct ProcessRecord {
  std::string name;
  scenarios::ProcessRole role = scenarios::ProcessRole::App;
  uint32_t starts = 0;
  uint32_t restarts = 0;  // starts after the first, as kubelet's restartCount
  std::vector<ExitRecord> exits;
  std::vector<MonotonicTime> ready_at;
  std::vector<MonotonicTime> not_ready_at;
};

}  // namespace outrider::harness
