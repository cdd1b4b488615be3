#pragma once

// The pod supervisor: starts services, sidecars and the app in Kubernetes order, gated on
// readiness; probes, restarts with kubelet back-off, records every transition, and stops in
// native-sidecar order (app, then sidecars, then services; grace, then SIGKILL).

#include <sys/types.h>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "outrider/common/clock.h"
#include "outrider/common/result.h"
#include "outrider/faults/pod_restart.h"
#include "outrider/faults/process_restart.h"
#include "outrider/harness/pod_runtime.h"
#include "outrider/harness/process_events.h"
#include "outrider/scenarios/scenario.h"

namespace outrider::harness {

namespace asio = boost::asio;

struct SupervisorOptions {
  // Resolved specs (no placeholders left), in any order: the role and start mode decide the order.
  std::vector<scenarios::ProcessSpec> processes;
  std::string log_dir;            // ${dir.run}/logs; created if missing; NAME.log per process
  ProcessEventCallback on_event;  // may be empty

  // Probing. Kubelet's defaults are 10s periods; a game day wants quicker answers.
  std::chrono::nanoseconds ready_poll_interval = std::chrono::milliseconds(100);  // until ready
  std::chrono::nanoseconds probe_period = std::chrono::seconds(1);  // liveness, and readiness after
  std::chrono::nanoseconds probe_timeout = std::chrono::seconds(1);
  uint32_t failure_threshold = 3;  // consecutive failures for not-ready / liveness kill

  // Back-off beyond each spec's restart_backoff (kubelet's constants).
  std::chrono::nanoseconds backoff_cap = std::chrono::minutes(5);
  std::chrono::nanoseconds backoff_reset_after = std::chrono::minutes(10);

  size_t log_tail_lines = 20;  // quoted in start-up errors

  // Per process name, the cgroup.procs files each of its starts joins before exec (its own
  // cgroup, limits applied by the caller); a process not named runs in the harness's cgroup.
  std::map<std::string, std::vector<std::string>> cgroup_procs;

  // Spawns and probes; null: real programs and probes (makeOsRuntime). Tests bring a fake one.
  std::shared_ptr<PodRuntime> runtime;
};

// Where a process is in its life.
enum class ProcessPhase {
  NotStarted,
  Running,     // spawned and not yet reaped (ready or not)
  BackingOff,  // exited; a restart is scheduled
  Finished,    // exited and the restart policy says no more
  Stopped,     // ended by stop() or killAll()
};
std::string toString(ProcessPhase phase);

// Not thread-safe: call everything on `executor`'s thread (a single-threaded io_context or a
// strand), except killAll(), which may be called from any thread. Destroy it before its
// io_context.
//
// Liveness probing of an incarnation starts once it has been ready (the ready probe doubles as
// kubelet's startupProbe), so a slow start is never mistaken for a hang.
class Supervisor {
 public:
  // Validates the specs (unique names, a command each, parseable probe URLs) and creates the log
  // folder. Nothing is spawned yet. `clock` stamps events and must outlive the Supervisor.
  static Result<std::unique_ptr<Supervisor>> create(const asio::any_io_executor& executor,
                                                    const Clock& clock, SupervisorOptions options);
  // Kills every process group (killAll()) and silences the event callback.
  ~Supervisor();
  Supervisor(const Supervisor&) = delete;
  Supervisor& operator=(const Supervisor&) = delete;

  // Starts services one by one (each ready before the next), then before-app sidecars one by
  // one, then the app together with the with-app sidecars, and completes once all are ready.
  // Errors: NotFound/Io when a program cannot be spawned; Timeout naming the process that was
  // not ready after its ready_timeout, with its log tail; Io when a process exited before it was
  // ready and will not be restarted. On error, whatever started keeps running: call stop().
  asio::awaitable<Result<void>> start();

  // SIGTERM to the app and with-app sidecars; once they have exited, to the before-app sidecars
  // in reverse start order; then to the services in reverse order. Each gets its
  // termination_grace, then SIGKILL to its group. No restarts happen once stop() is called.
  // Completes when every process has been reaped.
  asio::awaitable<void> stop();

  // A rollout (faults/pod_restart.h): the pod (app and sidecars, not services) stopped in the
  // stop order above and started again in the start order, with the request's race applied;
  // each process keeps its record, and its restarts start a fresh back-off. Completes once every
  // process of the pod has been ready again, or with the report's error: one exited for good, one
  // was not ready within its ready_timeout, another restart was under way, or stop() began. The
  // run goes on either way; the supervisor restarts what it may as usual.
  asio::awaitable<faults::PodRestartReport> restartPod(faults::PodRestartRequest request);

  // clock-skew (faults/process_restart.h): one process (a service too) stopped as stop() stops
  // it and started again with `launch` added, which its later restarts keep until the next call;
  // a fresh back-off. Completes once it has been ready again, or with the report's error: it
  // exited for good or was not ready within its ready_timeout, a pod restart or another restart
  // of it was under way (other processes may be restarted side by side), or stop() began
  // (run_stopped). A pod restart is refused while one of these is under way.
  asio::awaitable<faults::ProcessRestartReport> restartProcess(std::string name,
                                                               faults::ProcessLaunch launch);
  // The command as the scenario declares it (empty for an unknown name).
  std::vector<std::string> command(const std::string& name) const;

  // Emergency teardown, synchronous: SIGKILL every process group, then reap (waiting at most
  // ~2s per process). No restarts afterwards. Safe from any thread.
  void killAll() noexcept;

  // The pid of the running incarnation (also its process group id).
  std::optional<pid_t> pid(const std::string& name) const;
  // Sends `signo` to the process group of the running incarnation (for faults: kill, pause).
  // InvalidArgument for an unknown name, Io when it is not running.
  Result<void> signal(const std::string& name, int signo);
  bool isReady(const std::string& name) const;
  std::optional<ProcessPhase> phase(const std::string& name) const;

  const asio::any_io_executor& executor() const;

  // Another event consumer (say, a crashloop fault), called after `on_event`, in the order added.
  void addEventListener(ProcessEventCallback listener);

  // Per-process records in start order (services, sidecars, app), for the journal.
  std::vector<ProcessRecord> records() const;
  std::optional<ProcessRecord> record(const std::string& name) const;

  struct State;  // shared with the supervising coroutines so they can outlive this object

 private:
  explicit Supervisor(std::shared_ptr<State> state);

  std::shared_ptr<State> state_;
};

}  // namespace outrider::harness
