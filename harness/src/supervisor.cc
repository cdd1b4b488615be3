#include "outrider/harness/supervisor.h"

#include <algorithm>
#include <atomic>
#include <csignal>
#include <ctime>
#include <deque>
#include <exception>
#include <filesystem>
#include <fstream>
#include <limits>
#include <mutex>
#include <set>
#include <system_error>
#include <utility>

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "outrider/common/units.h"
#include "outrider/harness/backoff.h"
#include "outrider/common/timer.h"
#include "outrider/harness/pod_runtime.h"
#include "outrider/harness/probe.h"
#include "outrider/harness/process.h"

namespace outrider::harness {

using scenarios::ProcessRole;
using scenarios::ProcessSpec;
using scenarios::RestartPolicy;
using scenarios::StartMode;

namespace {

// How long a SIGKILLed group may take to be reaped before stop() stops waiting for it (only a
// process stuck in uninterruptible sleep takes that long).
constexpr auto KillWait = std::chrono::seconds(5);
constexpr auto EmergencyReapTimeout = std::chrono::milliseconds(2000);
// Logs are read from their end only: a chatty process may have written megabytes.
constexpr std::streamoff LogTailBytes = 64 * 1024;

std::string joinCommand(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& arg : argv) {
    if (!out.empty()) {
      out += ' ';
    }
    out += arg;
  }
  return out;
}

// The last `count` lines of a file, or none when it cannot be read.
std::vector<std::string> readLogTail(const std::string& path, size_t count) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return {};
  }
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  const std::streamoff start = size > LogTailBytes ? size - LogTailBytes : 0;
  in.seekg(start);
  std::string text(static_cast<size_t>(size - start), '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  std::vector<std::string> lines;
  size_t begin = 0;
  while (begin < text.size()) {
    size_t end = text.find('\n', begin);
    if (end == std::string::npos) {
      end = text.size();
    }
    lines.push_back(text.substr(begin, end - begin));
    begin = end + 1;
  }
  if (start > 0 && !lines.empty()) {
    lines.erase(lines.begin());  // a partial first line
  }
  if (lines.size() > count) {
    lines.erase(lines.begin(), lines.end() - static_cast<std::ptrdiff_t>(count));
  }
  return lines;
}

// A completion handler for the supervisor's own coroutines: they report through Results and
// events, so an exception here is a bug and escapes io_context::run() to be seen.
void rethrowIfFailed(const std::exception_ptr& error) {
  if (error) {
    std::rethrow_exception(error);
  }
}

}  // namespace

std::string toString(ProcessPhase phase) {
  switch (phase) {
    case ProcessPhase::NotStarted:
      return "not-started";
    case ProcessPhase::Running:
      return "running";
    case ProcessPhase::BackingOff:
      return "backing-off";
    case ProcessPhase::Finished:
      return "finished";
    case ProcessPhase::Stopped:
      return "stopped";
  }
  return "unknown";
}

// Everything the supervising coroutines touch. They hold it through shared_ptr, so a Supervisor
// destroyed while they are suspended leaves them something valid to wake up to.
struct Supervisor::State {
  // One process across all its restarts.
  struct Slot {
    Slot(const asio::any_io_executor& executor, const Clock& clock, ProcessSpec process_spec,
         std::string log, Backoff::Policy policy)
        : spec(std::move(process_spec)),
          log_path(std::move(log)),
          backoff(policy),
          backoff_timer(clock.createTimer(executor)),
          ready_deadline(clock.createTimer(executor)),
          kill_timer(clock.createTimer(executor)) {
      record.name = spec.name;
      record.role = spec.role;
    }

    ProcessSpec spec;
    std::string log_path;
    std::unique_ptr<HealthCheck> ready_probe;
    std::unique_ptr<HealthCheck> live_probe;
    Backoff backoff;
    ProcessRecord record;
    std::unique_ptr<ChildProcess> process;  // current or last incarnation; swapped under State::children_mutex
    ProcessPhase phase = ProcessPhase::NotStarted;
    bool ready = false;
    bool killed_by_liveness = false;  // this incarnation was killed for failing liveness
    bool deadline_passed = false;     // ready_timeout elapsed before the first ready
    bool stop_killed = false;         // stop() had to SIGKILL it
    bool held = false;      // a pod restart stopped it and starts it again: no restart meanwhile
    bool looping = false;   // a runSlot() coroutine supervises it
    size_t ready_mark = 0;  // record.ready_at.size() when a pod restart launched it
    uint32_t crash_on_start = 0;  // startup-race sidecar-crash-on-start: kills still to give
    faults::ProcessLaunch launch;  // clock-skew: added to each start until changed again
    bool relaunching = false;      // a restartProcess() of it is under way
    std::optional<ExitStatus> last_exit;
    std::string last_probe_detail;
    std::string last_start_error;
    MonotonicTime started_at{};
    TimerPtr backoff_timer;
    TimerPtr ready_deadline;
    TimerPtr kill_timer;
  };

  State(const asio::any_io_executor& executor_in, const Clock& clock_in,
        SupervisorOptions options_in)
      : executor(executor_in),
        clock(clock_in),
        options(std::move(options_in)),
        runtime(options.runtime ? options.runtime
                                : std::shared_ptr<PodRuntime>(makeOsRuntime(clock_in))),
        changed(clock_in.createTimer(executor_in)),
        restart_timer(clock_in.createTimer(executor_in)) {
    changed->expiresNever();
  }

  Slot* find(const std::string& name) const {
    for (const auto& slot : slots) {
      if (slot->spec.name == name) {
        return slot.get();
      }
    }
    return nullptr;
  }

  // Wakes every coroutine waiting for a state change; they re-check what they wait for.
  void notify() { changed->cancel(); }

  ProcessEvent makeEvent(const Slot& slot, ProcessEventKind kind, MonotonicTime at) const {
    ProcessEvent event;
    event.kind = kind;
    event.name = slot.spec.name;
    event.role = slot.spec.role;
    event.at = at;
    event.start_number = slot.record.starts;
    if (slot.process && slot.phase == ProcessPhase::Running) {
      event.pid = slot.process->pid();
    }
    return event;
  }

  void emit(const ProcessEvent& event) const {
    if (detached) {
      return;
    }
    if (options.on_event) {
      options.on_event(event);
    }
    // By index over a deque: a listener may add another without moving the one running.
    for (size_t i = 0; i < listeners.size(); ++i) {
      listeners[i](event);
    }
  }

  Result<void> spawn(Slot& slot);
  // Records the exit and moves to `next` (BackingOff, Finished or Stopped).
  void onExit(Slot& slot, const ExitStatus& status, ProcessPhase next);
  // What follows an exit (`ran`) or a failed restart (!ran): Stopped, Finished or BackingOff.
  ProcessPhase afterExit(const Slot& slot, bool ran, const ExitStatus& status) const;
  void setReady(Slot& slot, bool ready, const std::string& detail);
  // Sends `signo` to the slot's group and records a Signalled event saying why.
  void sendSignal(Slot& slot, int signo, const std::string& why);
  std::string logTail(const Slot& slot) const;
  Error notReadyError(const Slot& slot) const;
  Error exitedBeforeReadyError(const Slot& slot) const;
  void killAll();
  void cancelTimers();

  asio::any_io_executor executor;
  const Clock& clock;
  SupervisorOptions options;
  std::vector<std::unique_ptr<Slot>> slots;  // start order: services, sidecars, app
  std::deque<ProcessEventCallback> listeners;
  std::shared_ptr<PodRuntime> runtime;  // the OS's unless the options brought one
  TimerPtr changed;  // never expires; notify() cancels its waits
  TimerPtr restart_timer;      // a pod restart's delays and readiness deadline
  std::mutex children_mutex;   // guards Slot::process swaps against killAll() from another thread
  std::atomic<bool> stopping{false};
  bool started = false;
  bool restarting = false;  // a pod restart is under way
  bool detached = false;  // the Supervisor is gone: no more callbacks
  int live_loops = 0;     // runSlot() coroutines still running
};

namespace {
using State = Supervisor::State;
using Slot = Supervisor::State::Slot;
}  // namespace

Result<void> State::spawn(Slot& slot) {
  const uint32_t number = slot.record.starts + 1;
  const std::time_t wall = std::chrono::system_clock::to_time_t(clock.systemNow());
  SpawnOptions spawn_options;
  spawn_options.name = slot.spec.name;
  spawn_options.argv = slot.launch.prefix;
  spawn_options.argv.insert(spawn_options.argv.end(), slot.spec.command.begin(),
                            slot.spec.command.end());
  spawn_options.env = slot.spec.env;
  for (const auto& [key, value] : slot.launch.env) {
    spawn_options.env[key] = value;
  }
  spawn_options.log_path = slot.log_path;
  if (slot.spec.run_as) {
    spawn_options.credentials = Credentials{slot.spec.run_as->uid, slot.spec.run_as->gid};
  }
  if (auto it = options.cgroup_procs.find(slot.spec.name); it != options.cgroup_procs.end()) {
    spawn_options.cgroup_procs = it->second;
  }
  spawn_options.log_marker =
      fmt::format("===== outrider: start #{} of {} at {:%Y-%m-%dT%H:%M:%S}Z: {} =====", number,
                  slot.spec.name, fmt::gmtime(wall), joinCommand(spawn_options.argv));
  {
    std::lock_guard lock(children_mutex);
    // Checked under the lock killAll() takes, so a process spawned now cannot escape it.
    if (stopping) {
      return makeError(ErrorCode::Internal, "not starting " + slot.spec.name + ": stopping");
    }
    auto process = runtime->spawn(executor, spawn_options);
    if (!process) {
      return tl::unexpected(process.error());
    }
    slot.process = std::move(*process);
  }
  const MonotonicTime now = clock.monotonicNow();
  slot.record.starts = number;
  slot.record.restarts = number - 1;
  slot.started_at = now;
  slot.phase = ProcessPhase::Running;
  slot.ready = false;
  slot.killed_by_liveness = false;
  slot.last_start_error.clear();
  ProcessEvent event = makeEvent(slot, ProcessEventKind::Started, now);
  event.detail = joinCommand(spawn_options.argv);
  emit(event);
  if (slot.crash_on_start > 0) {
    // A sidecar that dies right after starting (startup-race): its restart policy follows.
    --slot.crash_on_start;
    sendSignal(slot, SIGKILL, "startup-race: the sidecar crashes on start");
    notify();
    return {};
  }
  if (!slot.ready_probe) {
    // Ready as soon as it runs, even if it exits before the supervising coroutine looks.
    setReady(slot, true, "started (no ready probe)");
  }
  notify();
  return {};
}

void State::onExit(Slot& slot, const ExitStatus& status, ProcessPhase next) {
  const MonotonicTime now = clock.monotonicNow();
  ProcessEvent event = makeEvent(slot, ProcessEventKind::Exited, now);
  slot.record.exits.push_back(ExitRecord{
      now, status.code,
      status.signal ? std::optional<std::string>(signalName(*status.signal)) : std::nullopt});
  slot.last_exit = status;
  // Settled before the callbacks run, so they see where the process is going.
  slot.phase = next;
  event.exit = status;
  event.detail = status.describe();
  if (slot.killed_by_liveness) {
    event.detail += " (killed after failing its liveness probe)";
  }
  emit(event);
  if (slot.ready) {
    slot.ready = false;
    slot.record.not_ready_at.push_back(now);
    ProcessEvent not_ready = makeEvent(slot, ProcessEventKind::NotReady, now);
    not_ready.pid = event.pid;
    not_ready.detail = "exited";
    emit(not_ready);
  }
  notify();
}

ProcessPhase State::afterExit(const Slot& slot, bool ran, const ExitStatus& status) const {
  if (stopping || slot.held) {
    return ProcessPhase::Stopped;
  }
  // A restart that failed to spawn counts as a failure (kubelet retries those too).
  const bool restart = ran ? shouldRestart(slot.spec.restart, status, slot.killed_by_liveness)
                           : slot.spec.restart != RestartPolicy::Never;
  return restart ? ProcessPhase::BackingOff : ProcessPhase::Finished;
}

void State::setReady(Slot& slot, bool ready, const std::string& detail) {
  if (slot.ready == ready) {
    return;
  }
  const MonotonicTime now = clock.monotonicNow();
  slot.ready = ready;
  if (ready) {
    slot.record.ready_at.push_back(now);
    slot.ready_deadline->cancel();
  } else {
    slot.record.not_ready_at.push_back(now);
  }
  ProcessEvent event =
      makeEvent(slot, ready ? ProcessEventKind::Ready : ProcessEventKind::NotReady, now);
  event.detail = detail;
  emit(event);
  notify();
}

void State::sendSignal(Slot& slot, int signo, const std::string& why) {
  if (!slot.process) {
    return;
  }
  auto sent = slot.process->signalGroup(signo);
  if (!sent) {
    return;  // it has just exited; the exit is on its way
  }
  if (signo == SIGTERM) {
    // A paused (SIGSTOPped) process could not act on SIGTERM until continued.
    (void)slot.process->signalGroup(SIGCONT);
  }
  ProcessEvent event = makeEvent(slot, ProcessEventKind::Signalled, clock.monotonicNow());
  event.signal = signo;
  event.detail = signalName(signo) + ": " + why;
  emit(event);
}

std::string State::logTail(const Slot& slot) const {
  const auto lines = readLogTail(slot.log_path, options.log_tail_lines);
  if (lines.empty()) {
    return "\n(" + slot.log_path + " is empty)";
  }
  std::string out = fmt::format("\nlast {} lines of {}:", lines.size(), slot.log_path);
  for (const auto& line : lines) {
    out += "\n  | " + line;
  }
  return out;
}

Error State::notReadyError(const Slot& slot) const {
  std::string message = fmt::format("{} '{}' was not ready after {}", toString(slot.spec.role),
                                    slot.spec.name, formatDuration(slot.spec.ready_timeout));
  if (slot.ready_probe && !slot.last_probe_detail.empty()) {
    message +=
        fmt::format(" (ready probe {}: {})", slot.ready_probe->url(), slot.last_probe_detail);
  }
  if (!slot.record.exits.empty() && slot.last_exit) {
    message += fmt::format("; it exited {} time(s), last with {}", slot.record.exits.size(),
                           slot.last_exit->describe());
  }
  if (!slot.last_start_error.empty()) {
    message += "; last restart failed: " + slot.last_start_error;
  }
  return Error{ErrorCode::Timeout, message + logTail(slot), std::nullopt};
}

Error State::exitedBeforeReadyError(const Slot& slot) const {
  const std::string how = slot.last_exit ? slot.last_exit->describe() : "unknown status";
  std::string message =
      fmt::format("{} '{}' exited with {} before it was ready (restart = {})",
                  toString(slot.spec.role), slot.spec.name, how, toString(slot.spec.restart));
  return Error{ErrorCode::Io, message + logTail(slot), std::nullopt};
}

void State::killAll() {
  std::lock_guard lock(children_mutex);
  stopping = true;
  // Every group gets its SIGKILL before any reap waits, so they die in parallel.
  for (const auto& slot : slots) {
    if (slot->process && !slot->process->exited()) {
      (void)slot->process->signalGroup(SIGKILL);
    }
  }
  for (const auto& slot : slots) {
    if (slot->process) {
      slot->process->killAndReap(EmergencyReapTimeout);
    }
  }
}

void State::cancelTimers() {
  for (const auto& slot : slots) {
    slot->backoff_timer->cancel();
    slot->ready_deadline->cancel();
    slot->kill_timer->cancel();
  }
  notify();
}

namespace {

using namespace asio::experimental::awaitable_operators;

// Completes at the next notify().
asio::awaitable<void> waitChanged(State* state) { (void)co_await state->changed->wait(); }

// Completes when the timer fires; throws when cancelled (used as a branch of `||`).
asio::awaitable<void> waitTimer(Timer* timer) {
  const bool expired = co_await timer->wait();
  if (!expired) {
    throw boost::system::system_error(asio::error::operation_aborted);
  }
}

// A pause on the supervisor's clock; throws when cancelled, ending the coroutine that paused
// (the probe loop, when its incarnation exits).
asio::awaitable<void> pause(State* state, std::chrono::nanoseconds duration) {
  const bool slept = co_await sleepFor(state->clock, duration);
  if (!slept) {
    throw boost::system::system_error(asio::error::operation_aborted);
  }
}

asio::awaitable<ExitStatus> watchExit(ChildProcess* process) {
  auto status = co_await process->waitExit();
  co_return status.value_or(ExitStatus{});
}

// Readiness until the first success (every ready_poll_interval), then readiness and liveness every
// probe_period. Never returns: the incarnation's exit cancels it.
asio::awaitable<void> probeLoop(State* state, Slot* slot) {
  const SupervisorOptions& options = state->options;
  // Without a ready probe, spawn() has already marked it ready.
  while (slot->ready_probe && !slot->ready) {
    const ProbeResult result = co_await slot->ready_probe->check();
    if (result.success) {
      state->setReady(*slot, true, slot->ready_probe->url() + ": " + result.detail);
      break;
    }
    slot->last_probe_detail = result.detail;
    co_await pause(state, options.ready_poll_interval);
  }

  uint32_t ready_failures = 0;
  uint32_t live_failures = 0;
  for (;;) {
    co_await pause(state, options.probe_period);
    if (state->stopping) {
      continue;  // stop() is ending it; a probe-triggered kill now would only race
    }
    if (slot->ready_probe) {
      const ProbeResult result = co_await slot->ready_probe->check();
      if (result.success) {
        ready_failures = 0;
        state->setReady(*slot, true, slot->ready_probe->url() + ": " + result.detail);
      } else {
        slot->last_probe_detail = result.detail;
        if (++ready_failures >= options.failure_threshold) {
          state->setReady(*slot, false, slot->ready_probe->url() + ": " + result.detail);
        }
      }
    }
    if (slot->live_probe) {
      const ProbeResult result = co_await slot->live_probe->check();
      if (result.success) {
        live_failures = 0;
      } else if (++live_failures >= options.failure_threshold) {
        ProcessEvent event =
            state->makeEvent(*slot, ProcessEventKind::LivenessFailed, state->clock.monotonicNow());
        event.detail = fmt::format("{}: {} ({} failures in a row)", slot->live_probe->url(),
                                   result.detail, live_failures);
        state->emit(event);
        // Kubelet's kill: SIGTERM, the grace period, then SIGKILL; the restart policy follows.
        slot->killed_by_liveness = true;
        state->sendSignal(*slot, SIGTERM, "liveness probe failed");
        co_await pause(state, slot->spec.termination_grace);
        state->sendSignal(
            *slot, SIGKILL,
            "termination grace " + formatDuration(slot->spec.termination_grace) + " expired");
        for (;;) {
          co_await pause(state, std::chrono::hours(1));
        }
      }
    }
  }
}

// Supervises one process from its first start until it is stopped or the restart policy gives
// up: waits for each exit while probing, then backs off and restarts.
asio::awaitable<void> runSlot(std::shared_ptr<State> state, Slot* slot) {
  for (;;) {
    const bool ran = slot->phase == ProcessPhase::Running;
    ExitStatus status;
    if (ran) {
      auto outcome = co_await (watchExit(slot->process.get()) || probeLoop(state.get(), slot));
      if (outcome.index() == 0) {
        status = std::get<0>(outcome);
      }
      state->onExit(*slot, status, state->afterExit(*slot, true, status));
    } else {
      slot->phase = state->afterExit(*slot, false, status);
    }
    if (slot->phase != ProcessPhase::BackingOff) {
      break;
    }
    const MonotonicTime now = state->clock.monotonicNow();
    const auto delay =
        slot->backoff.nextDelay(ran ? now - slot->started_at : std::chrono::nanoseconds(0));
    ProcessEvent event = state->makeEvent(*slot, ProcessEventKind::BackingOff, now);
    event.delay = delay;
    event.detail = "restarting in " + formatDuration(delay);
    state->emit(event);
    state->notify();

    slot->backoff_timer->expiresAfter(delay);
    (void)co_await slot->backoff_timer->wait();
    if (state->stopping || slot->held) {
      slot->phase = ProcessPhase::Stopped;
      break;
    }
    if (auto spawned = state->spawn(*slot); !spawned) {
      slot->last_start_error = spawned.error().message;
      ProcessEvent failed =
          state->makeEvent(*slot, ProcessEventKind::StartFailed, state->clock.monotonicNow());
      failed.detail = spawned.error().message;
      state->emit(failed);
    }
  }
  --state->live_loops;
  slot->looping = false;
  state->notify();
}

// Marks the slot as late once its ready_timeout has passed without a first ready.
asio::awaitable<void> watchReadyDeadline(std::shared_ptr<State> state, Slot* slot) {
  if (!slot->record.ready_at.empty()) {
    co_return;  // ready at spawn (no ready probe)
  }
  const bool expired = co_await slot->ready_deadline->wait();
  if (expired && slot->record.ready_at.empty()) {
    slot->deadline_passed = true;
    state->notify();
  }
}

// First start of a slot: spawn now, then hand it to its supervising coroutine.
Result<void> launch(const std::shared_ptr<State>& state, Slot* slot) {
  if (auto spawned = state->spawn(*slot); !spawned) {
    return spawned;
  }
  slot->ready_deadline->expiresAfter(slot->spec.ready_timeout);
  asio::co_spawn(state->executor, watchReadyDeadline(state, slot), rethrowIfFailed);
  ++state->live_loops;
  slot->looping = true;
  asio::co_spawn(state->executor, runSlot(state, slot), rethrowIfFailed);
  return {};
}

// Waits until every slot of the group has been ready once. Fails as soon as one exits for good
// before that, or its ready_timeout passes.
asio::awaitable<Result<void>> awaitReady(State* state, std::vector<Slot*> group) {
  for (;;) {
    bool all_ready = true;
    for (Slot* slot : group) {
      if (!slot->record.ready_at.empty()) {
        continue;
      }
      all_ready = false;
      if (slot->phase == ProcessPhase::Finished) {
        co_return tl::unexpected(state->exitedBeforeReadyError(*slot));
      }
      if (slot->deadline_passed) {
        co_return tl::unexpected(state->notReadyError(*slot));
      }
      if (state->stopping) {
        co_return tl::unexpected(
            Error{ErrorCode::Internal,
                  "stopped while waiting for " + slot->spec.name + " to be ready", std::nullopt});
      }
    }
    if (all_ready) {
      co_return Result<void>{};
    }
    co_await waitChanged(state);
  }
}

// A sidecar that starts (and is ready) before the app, as a Pod's init containers do.
bool beforeApp(const Slot* slot) {
  return slot->spec.role == ProcessRole::Sidecar && slot->spec.start == StartMode::BeforeApp;
}

// The app first, then the with-app sidecars, in one go (a Pod's regular containers).
void appFirst(std::vector<Slot*>::iterator begin, std::vector<Slot*>::iterator end) {
  std::stable_partition(begin, end,
                        [](const Slot* slot) { return slot->spec.role == ProcessRole::App; });
}

asio::awaitable<Result<void>> startAll(std::shared_ptr<State> state) {
  if (state->started) {
    co_return tl::unexpected(
        Error{ErrorCode::Internal, "the supervisor was already started", std::nullopt});
  }
  state->started = true;
  std::vector<Slot*> last_group;
  for (const auto& owned : state->slots) {
    Slot* slot = owned.get();
    const bool one_by_one = slot->spec.role == ProcessRole::Service || beforeApp(slot);
    if (!one_by_one) {
      last_group.push_back(slot);
      continue;
    }
    if (auto launched = launch(state, slot); !launched) {
      co_return launched;
    }
    // A named vector: a braced list inside co_await trips GCC 12 ("array used as initializer").
    std::vector<Slot*> single(1, slot);
    if (auto ready = co_await awaitReady(state.get(), single); !ready) {
      co_return ready;
    }
  }
  appFirst(last_group.begin(), last_group.end());
  for (Slot* slot : last_group) {
    if (auto launched = launch(state, slot); !launched) {
      co_return launched;
    }
  }
  co_return co_await awaitReady(state.get(), last_group);
}

// SIGTERM to every running member at once, each with its own termination_grace from now.
void signalGroup(State* state, const std::vector<Slot*>& group, const std::string& why) {
  for (Slot* slot : group) {
    if (slot->phase != ProcessPhase::Running) {
      continue;
    }
    state->sendSignal(*slot, SIGTERM, why);
    slot->stop_killed = false;
    slot->kill_timer->expiresAfter(slot->spec.termination_grace);
  }
}

// Waits for the members signalGroup() signalled to be reaped, with SIGKILL once a grace expires.
asio::awaitable<void> awaitGroup(State* state, std::vector<Slot*> group) {
  for (Slot* slot : group) {
    while (slot->phase == ProcessPhase::Running) {
      auto outcome = co_await (waitChanged(state) || waitTimer(slot->kill_timer.get()));
      if (outcome.index() == 0 || slot->phase != ProcessPhase::Running) {
        continue;
      }
      if (slot->stop_killed) {
        break;  // not reaped even after SIGKILL; killAll() and the destructor try again
      }
      state->sendSignal(
          *slot, SIGKILL,
          "termination grace " + formatDuration(slot->spec.termination_grace) + " expired");
      slot->stop_killed = true;
      slot->kill_timer->expiresAfter(KillWait);
    }
  }
}

// SIGTERM to every running member at once; each then gets its own termination_grace before
// SIGKILL. Completes when all have been reaped.
asio::awaitable<void> terminateGroup(State* state, std::vector<Slot*> group,
                                     std::string why = "stopping") {
  signalGroup(state, group, why);
  co_await awaitGroup(state, std::move(group));
}

asio::awaitable<void> stopAll(std::shared_ptr<State> state) {
  {
    std::lock_guard lock(state->children_mutex);
    state->stopping = true;
  }
  for (const auto& slot : state->slots) {
    slot->backoff_timer->cancel();
    slot->ready_deadline->cancel();
  }
  state->notify();

  // Native sidecar semantics: regular containers (the app, with-app sidecars) first; then the
  // before-app sidecars in reverse start order; services last, also in reverse.
  std::vector<Slot*> regular;
  std::vector<Slot*> sidecars;
  std::vector<Slot*> services;
  for (const auto& owned : state->slots) {
    Slot* slot = owned.get();
    if (slot->spec.role == ProcessRole::Service) {
      services.insert(services.begin(), slot);
    } else if (slot->spec.role == ProcessRole::Sidecar &&
               slot->spec.start == StartMode::BeforeApp) {
      sidecars.insert(sidecars.begin(), slot);
    } else {
      regular.push_back(slot);
    }
  }
  co_await terminateGroup(state.get(), regular);
  for (Slot* slot : sidecars) {
    std::vector<Slot*> single(1, slot);
    co_await terminateGroup(state.get(), single);
  }
  for (Slot* slot : services) {
    std::vector<Slot*> single(1, slot);
    co_await terminateGroup(state.get(), single);
  }

  // Let the supervising coroutines record the last exits and finish.
  TimerPtr limit = state->clock.createTimer(state->executor);
  limit->expiresAfter(KillWait);
  while (state->live_loops > 0) {
    auto outcome = co_await (waitChanged(state.get()) || waitTimer(limit.get()));
    if (outcome.index() == 1) {
      break;
    }
  }
}

// ---- pod restart (pod-restart, startup-race) ----

// The pod in its start order: before-app sidecars, the app, with-app sidecars. Services are
// outside it and keep running.
std::vector<Slot*> podSlots(State* state) {
  std::vector<Slot*> pod;
  for (const auto& owned : state->slots) {
    if (owned->spec.role != ProcessRole::Service) {
      pod.push_back(owned.get());
    }
  }
  std::stable_partition(pod.begin(), pod.end(), [](const Slot* slot) { return beforeApp(slot); });
  appFirst(std::find_if(pod.begin(), pod.end(), [](const Slot* slot) { return !beforeApp(slot); }),
           pod.end());
  return pod;
}

Error stoppedDuringRestart() {
  return Error{ErrorCode::Internal, "the run stopped during the pod restart", std::nullopt};
}

// Waits until `until` on the restart timer; false when the supervisor is stopping first.
asio::awaitable<bool> restartPause(State* state, MonotonicTime until) {
  state->restart_timer->expiresAt(until);
  while (!state->stopping && state->clock.monotonicNow() < until) {
    (void)co_await (waitChanged(state) || waitTimer(state->restart_timer.get()));
  }
  co_return !state->stopping;
}

// A process of the pod started again by the restart: spawned now and supervised anew, its
// restarts with a fresh back-off (a new pod's containers start their own).
Result<void> relaunch(const std::shared_ptr<State>& state, Slot* slot,
                      faults::PodRestartReport& report) {
  slot->held = false;
  slot->backoff.reset();
  slot->ready_mark = slot->record.ready_at.size();
  if (auto spawned = state->spawn(*slot); !spawned) {
    slot->phase = ProcessPhase::Stopped;
    return spawned;
  }
  for (auto& process : report.processes) {
    if (process.name == slot->spec.name) {
      process.pid_after = slot->process->pid();
    }
  }
  ++state->live_loops;
  slot->looping = true;
  asio::co_spawn(state->executor, runSlot(state, slot), rethrowIfFailed);
  return {};
}

// Waits until each member has been ready since its relaunch, for at most the group's longest
// ready_timeout. Fails when one exits for good first, or the run stops.
asio::awaitable<Result<void>> awaitReadyAgain(State* state, std::vector<Slot*> group) {
  std::chrono::nanoseconds longest{0};
  for (const Slot* slot : group) {
    longest = std::max(longest, slot->spec.ready_timeout);
  }
  const MonotonicTime deadline = state->clock.monotonicNow() + longest;
  state->restart_timer->expiresAt(deadline);
  for (;;) {
    const Slot* waiting = nullptr;
    for (const Slot* slot : group) {
      if (slot->record.ready_at.size() > slot->ready_mark) {
        continue;
      }
      waiting = slot;
      if (slot->phase == ProcessPhase::Finished || slot->phase == ProcessPhase::Stopped) {
        co_return tl::unexpected(state->exitedBeforeReadyError(*slot));
      }
    }
    if (waiting == nullptr) {
      co_return Result<void>{};
    }
    if (state->stopping) {
      co_return tl::unexpected(stoppedDuringRestart());
    }
    if (state->clock.monotonicNow() >= deadline) {
      co_return tl::unexpected(state->notReadyError(*waiting));
    }
    (void)co_await (waitChanged(state) || waitTimer(state->restart_timer.get()));
  }
}

// Stops the pod in its stop order: the app and with-app sidecars, then before-app sidecars in
// reverse start order; sidecar-exits-first sends the race's sidecar its SIGTERM `delay` first.
asio::awaitable<Result<void>> stopPod(State* state, std::vector<Slot*> pod, Slot* race_sidecar,
                                      const faults::PodRestartRequest& request,
                                      faults::PodRestartReport& report) {
  const std::string why = "pod restart";
  for (Slot* slot : pod) {
    slot->held = true;
    slot->backoff_timer->cancel();  // a process backing off is not started again meanwhile
  }
  report.stop_began = state->clock.monotonicNow();
  std::vector<Slot*> regular;
  std::vector<Slot*> sidecars;
  for (Slot* slot : pod) {
    if (beforeApp(slot)) {
      sidecars.insert(sidecars.begin(), slot);
    } else {
      regular.push_back(slot);
    }
  }
  const bool exits_first = request.race == scenarios::StartupRaceMode::SidecarExitsFirst;
  if (exits_first && race_sidecar != nullptr) {
    std::vector<Slot*> single(1, race_sidecar);
    if (race_sidecar->phase == ProcessPhase::Running) {
      report.first_sigterm = race_sidecar->spec.name;
    }
    signalGroup(state, single, why + ": startup-race sidecar-exits-first");
    const bool waited = co_await restartPause(state, report.stop_began + request.delay);
    if (!waited) {
      co_return tl::unexpected(stoppedDuringRestart());
    }
  }
  auto except_race = [&](std::vector<Slot*> group) {
    if (exits_first) {
      std::erase(group, race_sidecar);
    }
    return group;
  };
  const std::vector<Slot*> first = except_race(regular);
  for (const Slot* slot : first) {
    if (slot->spec.role == ProcessRole::App && slot->phase == ProcessPhase::Running) {
      report.app_sigterm = state->clock.monotonicNow();  // terminateGroup signals it now
      if (report.first_sigterm.empty()) {
        report.first_sigterm = slot->spec.name;
      }
    }
  }
  co_await terminateGroup(state, first, why);
  // Named: no temporary as the range of a loop that suspends.
  const std::vector<Slot*> then = except_race(sidecars);
  for (Slot* slot : then) {
    std::vector<Slot*> single(1, slot);
    co_await terminateGroup(state, single, why);
  }
  if (exits_first && race_sidecar != nullptr) {
    std::vector<Slot*> single(1, race_sidecar);
    co_await awaitGroup(state, single);
  }
  // The old supervising coroutines settle each exit; a new incarnation needs them gone.
  for (;;) {
    if (state->stopping) {
      co_return tl::unexpected(stoppedDuringRestart());
    }
    const bool settled = std::none_of(pod.begin(), pod.end(), [](const Slot* slot) {
      return slot->looping || slot->phase == ProcessPhase::Running;
    });
    if (settled) {
      break;
    }
    co_await waitChanged(state);
  }
  report.stopped = state->clock.monotonicNow();
  co_return Result<void>{};
}

// Starts the pod again in its start order (before-app sidecars one by one, each ready before
// the next; then the app with the with-app sidecars), with the race applied.
asio::awaitable<Result<void>> startPod(std::shared_ptr<State> state, std::vector<Slot*> pod,
                                       Slot* race_sidecar, faults::PodRestartRequest request,
                                       faults::PodRestartReport& report) {
  using scenarios::StartupRaceMode;
  const auto race = request.race;
  if (race == StartupRaceMode::SidecarCrashOnStart && race_sidecar != nullptr) {
    race_sidecar->crash_on_start = request.crash_times;
  }
  // app-first: the sidecar starts after the app; sidecar-slow: a with-app sidecar starts after
  // the app too, `delay` late.
  Slot* deferred = nullptr;
  if (race_sidecar != nullptr &&
      (race == StartupRaceMode::AppFirst ||
       (race == StartupRaceMode::SidecarSlow && !beforeApp(race_sidecar)))) {
    deferred = race_sidecar;
  }
  std::vector<Slot*> last_group;
  for (Slot* slot : pod) {
    if (slot == deferred) {
      continue;
    }
    if (!beforeApp(slot)) {
      last_group.push_back(slot);
      continue;
    }
    if (race == StartupRaceMode::SidecarSlow && slot == race_sidecar) {
      const bool waited =
          co_await restartPause(state.get(), state->clock.monotonicNow() + request.delay);
      if (!waited) {
        co_return tl::unexpected(stoppedDuringRestart());
      }
    }
    if (auto launched = relaunch(state, slot, report); !launched) {
      co_return launched;
    }
    std::vector<Slot*> single(1, slot);
    if (auto ready = co_await awaitReadyAgain(state.get(), single); !ready) {
      co_return ready;
    }
  }
  appFirst(last_group.begin(), last_group.end());
  for (Slot* slot : last_group) {
    if (auto launched = relaunch(state, slot, report); !launched) {
      co_return launched;
    }
  }
  if (deferred != nullptr) {
    const bool waited =
        co_await restartPause(state.get(), state->clock.monotonicNow() + request.delay);
    if (!waited) {
      co_return tl::unexpected(stoppedDuringRestart());
    }
    if (auto launched = relaunch(state, deferred, report); !launched) {
      co_return launched;
    }
    last_group.push_back(deferred);
  }
  co_return co_await awaitReadyAgain(state.get(), last_group);
}

asio::awaitable<faults::PodRestartReport> restartAll(std::shared_ptr<State> state,
                                                     faults::PodRestartRequest request) {
  faults::PodRestartReport report;
  report.stop_began = state->clock.monotonicNow();
  if (!state->started || state->stopping) {
    report.error = "the pod is not running: nothing to restart";
    co_return report;
  }
  if (state->restarting) {
    report.error = "another pod restart is under way";
    co_return report;
  }
  std::vector<Slot*> pod = podSlots(state.get());
  for (const auto& slot : state->slots) {
    if (slot->relaunching) {
      report.error = "a restart of " + slot->spec.name + " is under way";
      co_return report;
    }
  }
  Slot* race_sidecar = nullptr;
  if (request.race) {
    race_sidecar = state->find(request.sidecar);
    if (race_sidecar == nullptr || race_sidecar->spec.role != ProcessRole::Sidecar) {
      report.error = "startup-race: no sidecar named '" + request.sidecar + "'";
      co_return report;
    }
  }
  for (const Slot* slot : pod) {
    faults::PodRestartReport::Process process;
    process.name = slot->spec.name;
    if (slot->phase == ProcessPhase::Running && slot->process) {
      process.pid_before = slot->process->pid();
    }
    report.processes.push_back(std::move(process));
  }
  state->restarting = true;
  auto stopped = co_await stopPod(state.get(), pod, race_sidecar, request, report);
  if (stopped) {
    stopped = co_await startPod(state, pod, race_sidecar, request, report);
  }
  if (stopped) {
    report.ready = state->clock.monotonicNow();
  } else {
    report.error = stopped.error().message;
  }
  // A process the restart stopped and could not start again stays stopped, not held.
  for (Slot* slot : pod) {
    slot->held = false;
    slot->crash_on_start = 0;
  }
  state->restarting = false;
  co_return report;
}

// ---- one process restarted with another launch (clock-skew) ----

// Stops the process as stop() would (SIGTERM, its grace, SIGKILL), then starts it with `launch`
// and a fresh back-off, and waits for it to be ready again within its ready_timeout. Services
// too: a clock-skew may target the control plane. Not during a pod restart, nor twice at once
// for one process; two processes may be restarted side by side.
asio::awaitable<faults::ProcessRestartReport> restartProcessOf(std::shared_ptr<State> state,
                                                               std::string name,
                                                               faults::ProcessLaunch launch) {
  faults::ProcessRestartReport report;
  report.stop_began = state->clock.monotonicNow();
  Slot* slot = state->find(name);
  if (slot == nullptr) {
    report.error = "no process named '" + name + "'";
    co_return report;
  }
  if (!state->started || state->stopping) {
    report.error = "the pod is not running: nothing to restart";
    report.run_stopped = state->stopping;
    co_return report;
  }
  if (state->restarting) {
    report.error = "a pod restart is under way";
    co_return report;
  }
  if (slot->relaunching) {
    report.error = "another restart of " + name + " is under way";
    co_return report;
  }
  slot->relaunching = true;
  if (slot->phase == ProcessPhase::Running && slot->process) {
    report.pid_before = slot->process->pid();
  }
  slot->launch = std::move(launch);
  slot->held = true;
  slot->backoff_timer->cancel();  // one backing off is not started again meanwhile
  std::vector<Slot*> single(1, slot);
  co_await terminateGroup(state.get(), single, "restart with another launch (clock-skew)");
  // Its supervising coroutine settles the exit; a new incarnation needs it gone.
  while (!state->stopping && (slot->looping || slot->phase == ProcessPhase::Running)) {
    co_await waitChanged(state.get());
  }
  Result<void> restarted;
  if (state->stopping) {
    restarted = tl::unexpected(stoppedDuringRestart());
    report.run_stopped = true;
  } else {
    faults::PodRestartReport unused;
    restarted = relaunch(state, slot, unused);
    if (restarted && slot->process) {
      report.pid_after = slot->process->pid();
    }
  }
  if (restarted) {
    restarted = co_await awaitReadyAgain(state.get(), single);
    report.run_stopped = state->stopping;
  }
  if (restarted) {
    report.ready = state->clock.monotonicNow();
  } else {
    report.error = restarted.error().message;
  }
  slot->held = false;
  slot->relaunching = false;
  co_return report;
}

Result<void> validateName(const std::string& name, std::set<std::string>& seen) {
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos) {
    return makeError(ErrorCode::InvalidArgument,
                     "invalid process name '" + name + "': it names its log file");
  }
  if (!seen.insert(name).second) {
    return makeError(ErrorCode::InvalidArgument, "two processes are named '" + name + "'");
  }
  return {};
}

int roleOrder(ProcessRole role) {
  switch (role) {
    case ProcessRole::Service:
      return 0;
    case ProcessRole::Sidecar:
      return 1;
    case ProcessRole::App:
      return 2;
  }
  return 3;
}

}  // namespace

Result<std::unique_ptr<Supervisor>> Supervisor::create(const asio::any_io_executor& executor,
                                                       const Clock& clock,
                                                       SupervisorOptions options) {
  std::error_code ec;
  std::filesystem::create_directories(options.log_dir, ec);
  if (ec) {
    return makeError(ErrorCode::Io,
                     "cannot create log folder '" + options.log_dir + "': " + ec.message());
  }
  std::vector<ProcessSpec> specs = std::move(options.processes);
  options.processes.clear();
  std::stable_sort(specs.begin(), specs.end(), [](const ProcessSpec& a, const ProcessSpec& b) {
    return roleOrder(a.role) < roleOrder(b.role);
  });

  auto state = std::make_shared<State>(executor, clock, std::move(options));
  std::set<std::string> seen;
  for (auto& spec : specs) {
    if (auto valid = validateName(spec.name, seen); !valid) {
      return tl::unexpected(valid.error());
    }
    if (spec.command.empty()) {
      return makeError(ErrorCode::InvalidArgument, "process '" + spec.name + "' has no command");
    }
    Backoff::Policy policy{spec.restart_backoff, state->options.backoff_cap,
                           state->options.backoff_reset_after};
    const std::string log_path =
        (std::filesystem::path(state->options.log_dir) / (spec.name + ".log")).string();
    auto slot = std::make_unique<Slot>(executor, clock, std::move(spec), log_path, policy);
    if (slot->spec.ready) {
      auto probe = state->runtime->probe(*slot->spec.ready, state->options.probe_timeout);
      if (!probe) {
        return makeError(
            ErrorCode::InvalidArgument,
            "process '" + slot->spec.name + "': ready probe: " + probe.error().message);
      }
      slot->ready_probe = std::move(*probe);
    }
    if (slot->spec.live) {
      auto probe = state->runtime->probe(*slot->spec.live, state->options.probe_timeout);
      if (!probe) {
        return makeError(ErrorCode::InvalidArgument,
                         "process '" + slot->spec.name + "': live probe: " + probe.error().message);
      }
      slot->live_probe = std::move(*probe);
    }
    state->slots.push_back(std::move(slot));
  }
  return std::unique_ptr<Supervisor>(new Supervisor(std::move(state)));
}

Supervisor::Supervisor(std::shared_ptr<State> state) : state_(std::move(state)) {}

Supervisor::~Supervisor() {
  state_->detached = true;
  state_->killAll();
  state_->cancelTimers();
}

asio::awaitable<Result<void>> Supervisor::start() { return startAll(state_); }

asio::awaitable<void> Supervisor::stop() { return stopAll(state_); }

asio::awaitable<faults::PodRestartReport> Supervisor::restartPod(
    faults::PodRestartRequest request) {
  return restartAll(state_, std::move(request));
}

asio::awaitable<faults::ProcessRestartReport> Supervisor::restartProcess(
    std::string name, faults::ProcessLaunch launch) {
  return restartProcessOf(state_, std::move(name), std::move(launch));
}

std::vector<std::string> Supervisor::command(const std::string& name) const {
  const Slot* slot = state_->find(name);
  return slot == nullptr ? std::vector<std::string>{} : slot->spec.command;
}

void Supervisor::killAll() noexcept { state_->killAll(); }

std::optional<pid_t> Supervisor::pid(const std::string& name) const {
  const Slot* slot = state_->find(name);
  if (slot == nullptr || slot->phase != ProcessPhase::Running || !slot->process) {
    return std::nullopt;
  }
  return slot->process->pid();
}

Result<void> Supervisor::signal(const std::string& name, int signo) {
  Slot* slot = state_->find(name);
  if (slot == nullptr) {
    return makeError(ErrorCode::InvalidArgument, "no process named '" + name + "'");
  }
  if (slot->phase != ProcessPhase::Running || !slot->process) {
    return makeError(ErrorCode::Io, "cannot send " + signalName(signo) + " to " + name +
                                        ": it is " + toString(slot->phase));
  }
  return slot->process->signalGroup(signo);
}

bool Supervisor::isReady(const std::string& name) const {
  const Slot* slot = state_->find(name);
  return slot != nullptr && slot->ready;
}

std::optional<ProcessPhase> Supervisor::phase(const std::string& name) const {
  const Slot* slot = state_->find(name);
  if (slot == nullptr) {
    return std::nullopt;
  }
  return slot->phase;
}

const asio::any_io_executor& Supervisor::executor() const { return state_->executor; }

void Supervisor::addEventListener(ProcessEventCallback listener) {
  state_->listeners.push_back(std::move(listener));
}

std::vector<ProcessRecord> Supervisor::records() const {
  std::vector<ProcessRecord> out;
  out.reserve(state_->slots.size());
  for (const auto& slot : state_->slots) {
    out.push_back(slot->record);
  }
  return out;
}

std::optional<ProcessRecord> Supervisor::record(const std::string& name) const {
  const Slot* slot = state_->find(name);
  if (slot == nullptr) {
    return std::nullopt;
  }
  return slot->record;
}

}  // namespace outrider::harness
