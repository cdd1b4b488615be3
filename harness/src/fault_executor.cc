#include "outrider/harness/fault_executor.h"

#include <fmt/format.h>

#include "outrider/faults/link_fault.h"

namespace outrider::harness {

namespace asio = boost::asio;

FaultExecutor::FaultExecutor(asio::any_io_executor executor, const Clock& clock,
                             faults::FaultPlan plan, faults::PodControl& pod,
                             std::map<std::string, faults::LinkProxy*> links,
                             FaultEventCallback on_event, const faults::FaultRegistry& registry)
    : executor_(std::move(executor)),
      clock_(clock),
      plan_(std::move(plan)),
      context_{clock_, executor_, pod, std::nullopt},
      links_(std::move(links)),
      on_event_(std::move(on_event)),
      registry_(registry),
      timer_(clock_.createTimer(executor_)),
      states_(plan_.faults.size()) {}

FaultExecutor::~FaultExecutor() { stop(); }

asio::awaitable<void> FaultExecutor::run(MonotonicTime t0) {
  context_.run_start = t0;
  for (const auto& action : plan_.actions) {
    if (stopped_) {
      co_return;
    }
    const MonotonicTime due = t0 + action.offset;
    if (due > clock_.monotonicNow()) {
      timer_->expiresAt(due);
      const bool expired = co_await timer_->wait();  // not inside `||`: GCC 12 miscompiles it
      if (!expired || stopped_) {
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
  timer_->cancel();
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
  if (fault.instant) {
    state.ended_at = state.started_at;
  }
  emit("fault-start", faults::describe(fault, registry_));
  if (fault.is_link) {
    auto link = links_.find(fault.target);
    if (link == links_.end()) {
      state.error = "no link named " + fault.target;
    } else if (auto applied = link->second->applyFault(fault); !applied) {
      state.error = applied.error().message;
    }
    return;
  }
  const faults::FaultKindEntry* entry = registry_.find(fault.spec.kindName());
  if (entry == nullptr || !entry->make) {
    // Saying so makes the run invalid instead of a silent pass.
    state.error = "fault kind '" + fault.spec.kindName() +
                  "' is not carried out by this version of outrider";
    state.active = false;
    return;
  }
  state.process_fault = entry->make(fault, context_);
  state.process_fault->begin();
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
  } else if (state.process_fault) {
    state.process_fault->end();
  }
  emit("fault-end", fault.name);
}

void FaultExecutor::onProcessEvent(const ProcessEvent& event) { onProcessEvent(toPodEvent(event)); }

void FaultExecutor::onProcessEvent(const faults::PodEvent& event) {
  for (size_t i = 0; i < plan_.faults.size(); ++i) {
    auto& state = states_[i];
    // Instants keep listening after they began: a kill looks for the exit that follows.
    if (state.process_fault &&
        (plan_.faults[i].target == event.process || state.process_fault->watchesWholePod())) {
      state.process_fault->onProcessEvent(event);
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
    o.kind = fault.spec.kindName();
    o.target = fault.target;
    o.description = faults::describe(fault, registry_);
    o.started = state.started;
    o.started_at = state.started_at;
    o.ended_at = state.ended_at;
    if (!state.started) {
      o.evidence = "never started: the run ended first";
    } else if (!state.error.empty()) {
      o.evidence = state.error;
    } else if (fault.is_link) {
      auto evidence = links_.at(fault.target)->faultEvidence(fault.name);
      o.effective = evidence.effective();
      o.evidence = evidence.evidence;
      o.injections = evidence.injections;
    } else if (state.process_fault) {
      auto evidence = state.process_fault->evidence();
      o.effective = evidence.effective;
      o.evidence = std::move(evidence.text);
      o.injections = evidence.injections;
      o.disruption = evidence.disruption;
    }
    out.push_back(std::move(o));
  }
  return out;
}

faults::PodEvent toPodEvent(const ProcessEvent& event) {
  faults::PodEvent out;
  switch (event.kind) {
    case ProcessEventKind::Started:
      out.kind = faults::PodEvent::Kind::Started;
      break;
    case ProcessEventKind::Ready:
      out.kind = faults::PodEvent::Kind::Ready;
      break;
    case ProcessEventKind::NotReady:
      out.kind = faults::PodEvent::Kind::NotReady;
      break;
    case ProcessEventKind::Exited:
      out.kind = faults::PodEvent::Kind::Exited;
      break;
    default:
      out.kind = faults::PodEvent::Kind::Other;
      break;
  }
  out.process = event.name;
  if (event.pid > 0) {
    out.pid = event.pid;
  }
  out.at = event.at;
  if (event.exit) {
    out.exit = event.exit->describe();
  }
  return out;
}

}  // namespace outrider::harness
