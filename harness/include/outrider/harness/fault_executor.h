#pragma once

// Carries out a compiled fault plan during a run. It only schedules, records and asks for
// evidence: at each action's offset from t0 it applies or removes a link fault (the link proxy's
// filters act), or begins or ends a process fault (the kind's object from the registry acts
// through PodControl). It reverts whatever is still active when the run ends or is interrupted.
// Every wait is on the injected clock's timers, so it runs on a ManualClock in unit tests.

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "outrider/common/clock.h"
#include "outrider/common/timer.h"
#include "outrider/faults/link_proxy.h"
#include "outrider/faults/plan.h"
#include "outrider/faults/pod_control.h"
#include "outrider/faults/process_fault.h"
#include "outrider/faults/registry.h"
#include "outrider/harness/process_events.h"

namespace outrider::harness {

// What the journal records of one fault.
struct FaultOutcome {
  std::string name;
  std::string kind;
  std::string target;
  std::string description;
  bool started = false;
  MonotonicTime started_at{};
  std::optional<MonotonicTime> ended_at;
  bool effective = false;
  std::string evidence;
  uint64_t injections = 0;
  // A pod restart's window without the pod (faults/process_fault.h).
  std::optional<faults::KindEvidence::Disruption> disruption;
};

using FaultEventCallback =
    std::function<void(MonotonicTime at, const std::string& event, const std::string& detail)>;

// Runs on one executor (the supervisor's); the link proxies are thread-safe.
class FaultExecutor {
 public:
  FaultExecutor(boost::asio::any_io_executor executor, const Clock& clock, faults::FaultPlan plan,
                faults::PodControl& pod, std::map<std::string, faults::LinkProxy*> links,
                FaultEventCallback on_event,
                const faults::FaultRegistry& registry = faults::registry());
  ~FaultExecutor();
  FaultExecutor(const FaultExecutor&) = delete;
  FaultExecutor& operator=(const FaultExecutor&) = delete;

  // Walks the plan's actions from t0; returns when the last has run or stop() was called.
  boost::asio::awaitable<void> run(MonotonicTime t0);
  // Ends the walk and reverts every active fault now (SIGCONT to paused processes, link faults
  // removed). Idempotent.
  void stop();
  // Feed every process event here: crashloop kills on ready, kills look for the exit.
  void onProcessEvent(const ProcessEvent& event);
  void onProcessEvent(const faults::PodEvent& event);

  // Names of the faults active now, for the progress line.
  std::vector<std::string> activeNames() const;
  // Every fault of the plan, with its evidence as of now.
  std::vector<FaultOutcome> outcomes() const;

 private:
  struct State {
    bool started = false;
    bool active = false;
    MonotonicTime started_at{};
    std::optional<MonotonicTime> ended_at;
    std::string error;  // why the fault could not act
    faults::ProcessFaultPtr process_fault;
  };
  void startFault(size_t index);
  void stopFault(size_t index);
  void emit(const std::string& event, const std::string& detail);

  boost::asio::any_io_executor executor_;
  const Clock& clock_;
  faults::FaultPlan plan_;
  faults::FaultContext context_;
  std::map<std::string, faults::LinkProxy*> links_;
  FaultEventCallback on_event_;
  const faults::FaultRegistry& registry_;
  TimerPtr timer_;
  std::vector<State> states_;
  bool stopped_ = false;
};

// The PodEvent a fault sees of a supervisor's ProcessEvent.
faults::PodEvent toPodEvent(const ProcessEvent& event);

}  // namespace outrider::harness
