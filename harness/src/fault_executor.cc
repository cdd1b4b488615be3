#include "outrider/harness/fault_executor.h"

#include <csignal>
#include <fstream>
#include <sstream>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/format.h>

#include "outrider/common/units.h"
#include "outrider/faults/link_fault.h"

namespace outrider::harness {

namespace asio = boost::asio;
using scenarios::FaultKind;

namespace {

// The state letter of /proc/PID/stat ('R', 'S', 'T' stopped...), or 0 when unreadable.
char processState(pid_t pid) {
  std::ifstream file("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  // The command name may hold spaces and parentheses: the state follows the last ')'.
  auto close = text.rfind(')');
  if (close == std::string::npos || close + 2 >= text.size()) {
    return 0;
  }
  return text[close + 2];
}

bool expectsExit(int signo) {
  return signo == SIGKILL || signo == SIGTERM || signo == SIGINT || signo == SIGQUIT ||
         signo == SIGABRT || signo == SIGSEGV;
}

double secondsBetween(MonotonicTime from, MonotonicTime to) {
  return toSeconds(std::chrono::duration_cast<std::chrono::nanoseconds>(to - from));
}

}  // namespace

struct FaultExecutor::State {
  bool started = false;
  bool active = false;
  MonotonicTime started_at{};
  std::optional<MonotonicTime> ended_at;
  std::optional<pid_t> pid;  // the process target's incarnation when the fault began
  std::string error;         // why the fault could not act
  // kill
  bool delivered = false;
  std::optional<ExitStatus> exit_after;
  MonotonicTime exit_at{};
  // pause
  char observed_state = 0;
  // crashloop
  uint64_t kills = 0;
};

FaultExecutor::FaultExecutor(asio::any_io_executor executor, const Clock& clock,
                             faults::FaultPlan plan, Supervisor& supervisor,
                             std::map<std::string, faults::LinkProxy*> links,
                             FaultEventCallback on_event)
    : executor_(std::move(executor)),
      clock_(clock),
      plan_(std::move(plan)),
      supervisor_(supervisor),
      links_(std::move(links)),
      on_event_(std::move(on_event)),
      timer_(executor_),
      states_(plan_.faults.size()) {}

FaultExecutor::~FaultExecutor() { stop(); }

bool FaultExecutor::carriesOut(FaultKind kind) {
  return scenarios::isLinkFault(kind) || kind == FaultKind::Kill || kind == FaultKind::Pause ||
         kind == FaultKind::Crashloop;
}

asio::awaitable<void> FaultExecutor::run(MonotonicTime t0) {
  for (const auto& action : plan_.actions) {
    if (stopped_) {
      co_return;
    }
    const MonotonicTime due = t0 + action.offset;
    const auto now = clock_.monotonicNow();
    if (due > now) {
      timer_.expires_after(due - now);
      auto [ec] = co_await timer_.async_wait(asio::as_tuple(asio::use_awaitable));
      if (ec || stopped_) {
        co_return;
      }
    }
    if (action.type == faults::PlanActionType::Start) {
      startFault(action.fault);
    } else {
      stopFault(action.fault);
    }
  }
}

void FaultExecutor::stop() {
  if (stopped_) {
    return;
  }
  stopped_ = true;
  timer_.cancel();
  for (size_t i = 0; i < states_.size(); ++i) {
    if (states_[i].active) {
      stopFault(i);
    }
  }
}

void FaultExecutor::emit(const std::string& event, const std::string& detail) {
  if (on_event_) {
    on_event_(clock_.monotonicNow(), event, detail);
  }
}

void FaultExecutor::startFault(size_t index) {
  const auto& fault = plan_.faults[index];
  auto& state = states_[index];
  state.started = true;
  state.active = !fault.instant;
  state.started_at = clock_.monotonicNow();
  state.pid = fault.is_link ? std::nullopt : supervisor_.pid(fault.target);
  emit("fault-start", faults::describe(fault));
  if (fault.is_link) {
    auto link = links_.find(fault.target);
    if (link == links_.end()) {
      state.error = "no link named " + fault.target;
      return;
    }
    if (auto applied = link->second->applyFault(fault); !applied) {
      state.error = applied.error().message;
    }
    return;
  }
  switch (fault.kind) {
    case FaultKind::Kill: {
      if (auto sent = supervisor_.signal(fault.target, fault.spec.signal); !sent) {
        state.error = sent.error().message;
      } else {
        state.delivered = true;
      }
      state.ended_at = state.started_at;
      break;
    }
    case FaultKind::Pause: {
      if (auto sent = supervisor_.signal(fault.target, SIGSTOP); !sent) {
        state.error = sent.error().message;
        break;
      }
      state.delivered = true;
      // The kernel stops the group asynchronously: look a moment later, before a liveness probe
      // or the end of the window can change what there is to see.
      auto timer = std::make_shared<asio::steady_timer>(executor_);
      timer->expires_after(std::chrono::milliseconds(100));
      const pid_t pid = state.pid.value_or(0);
      timer->async_wait([this, index, pid, timer](const boost::system::error_code& ec) {
        if (!ec && pid > 0 && states_[index].active) {
          states_[index].observed_state = processState(pid);
        }
      });
      break;
    }
    case FaultKind::Crashloop: {
      if (supervisor_.isReady(fault.target)) {
        if (supervisor_.signal(fault.target, SIGKILL)) {
          ++state.kills;
        }
      }
      break;
    }
    default:
      // oom, cpu-starve, certificate, control-plane and start-up faults need machinery this
      // version does not have; saying so makes the run invalid instead of a silent pass.
      state.error = "fault kind '" + scenarios::toString(fault.kind) +
                    "' is not carried out by this version of outrider";
      state.active = false;
      break;
  }
}

void FaultExecutor::stopFault(size_t index) {
  const auto& fault = plan_.faults[index];
  auto& state = states_[index];
  if (!state.active) {
    return;
  }
  state.active = false;
  state.ended_at = clock_.monotonicNow();
  if (fault.is_link) {
    auto link = links_.find(fault.target);
    if (link != links_.end()) {
      if (auto removed = link->second->removeFault(fault.name); !removed) {
        state.error = removed.error().message;
      }
    }
  } else if (fault.kind == FaultKind::Pause) {
    // Look again unless already seen stopped: on a loaded host the first look may have come
    // before the kernel stopped the whole group.
    if (state.observed_state != 'T' && state.observed_state != 't' && state.pid) {
      state.observed_state = processState(*state.pid);
    }
    // SIGCONT whatever happened: a process must never be left stopped.
    (void)supervisor_.signal(fault.target, SIGCONT);
  }
  emit("fault-end", fault.name);
}

void FaultExecutor::onProcessEvent(const ProcessEvent& event) {
  for (size_t i = 0; i < plan_.faults.size(); ++i) {
    const auto& fault = plan_.faults[i];
    auto& state = states_[i];
    if (fault.is_link || fault.target != event.name || !state.started) {
      continue;
    }
    if (fault.kind == FaultKind::Kill && event.kind == ProcessEventKind::Exited &&
        state.delivered && !state.exit_after && state.pid && event.pid == *state.pid) {
      state.exit_after = event.exit;
      state.exit_at = event.at;
    }
    if (fault.kind == FaultKind::Crashloop && state.active &&
        event.kind == ProcessEventKind::Ready) {
      if (supervisor_.signal(fault.target, SIGKILL)) {
        ++state.kills;
      }
    }
  }
}

std::vector<std::string> FaultExecutor::activeNames() const {
  std::vector<std::string> names;
  for (size_t i = 0; i < states_.size(); ++i) {
    if (states_[i].active) {
      names.push_back(plan_.faults[i].name);
    }
  }
  return names;
}

std::vector<FaultOutcome> FaultExecutor::outcomes() const {
  std::vector<FaultOutcome> out;
  for (size_t i = 0; i < plan_.faults.size(); ++i) {
    const auto& fault = plan_.faults[i];
    const auto& state = states_[i];
    FaultOutcome o;
    o.name = fault.name;
    o.kind = scenarios::toString(fault.kind);
    o.target = fault.target;
    o.description = faults::describe(fault);
    o.started = state.started;
    o.started_at = state.started_at;
    o.ended_at = state.ended_at;
    if (!state.started) {
      o.evidence = "never started: the run ended first";
    } else if (!state.error.empty()) {
      o.evidence = state.error;
    } else if (fault.is_link) {
      auto link = links_.find(fault.target);
      auto evidence = link->second->faultEvidence(fault.name);
      o.effective = evidence.effective();
      o.evidence = evidence.evidence;
      o.injections = evidence.injections;
    } else if (fault.kind == FaultKind::Kill) {
      const std::string sent = fmt::format("{} sent to {} (pid {})", fault.spec.signal_name,
                                           fault.target, state.pid.value_or(0));
      if (state.exit_after) {
        o.effective = true;
        o.evidence = fmt::format("{}; it exited ({}) {:.3f}s later", sent,
                                 state.exit_after->describe(),
                                 secondsBetween(state.started_at, state.exit_at));
      } else {
        // A signal that does not end a process (SIGHUP, SIGUSR1) took effect when delivered.
        o.effective = !expectsExit(fault.spec.signal);
        o.evidence = sent + (o.effective ? "; delivered" : "; no exit followed");
      }
      o.injections = o.effective ? 1 : 0;
    } else if (fault.kind == FaultKind::Pause) {
      o.effective = state.observed_state == 'T' || state.observed_state == 't';
      const double held = state.ended_at ? secondsBetween(state.started_at, *state.ended_at)
                                         : secondsBetween(state.started_at,
                                                          clock_.monotonicNow());
      o.evidence = o.effective
                       ? fmt::format("{} (pid {}) seen stopped (state T), held {:.1f}s, then "
                                     "SIGCONT",
                                     fault.target, state.pid.value_or(0), held)
                       : fmt::format("{} (pid {}) was not seen stopped (state '{}')", fault.target,
                                     state.pid.value_or(0),
                                     state.observed_state ? state.observed_state : '?');
      o.injections = o.effective ? 1 : 0;
    } else if (fault.kind == FaultKind::Crashloop) {
      o.effective = state.kills > 0;
      o.injections = state.kills;
      o.evidence = fmt::format("{} killed {} time(s) as it became ready", fault.target,
                               state.kills);
    }
    out.push_back(std::move(o));
  }
  return out;
}

}  // namespace outrider::harness
