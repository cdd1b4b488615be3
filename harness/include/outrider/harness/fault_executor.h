#pragma once

// Carries out a compiled fault plan during a run: at each action's offset from t0 it applies or
// removes a link fault, or signals a process through the supervisor. It keeps the evidence that
// each fault took effect (the link's counters, the exit that followed a kill, the stopped state
// of a paused process) and reverts whatever is still active when the run ends or is interrupted.

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include "outrider/common/clock.h"
#include "outrider/faults/link_proxy.h"
#include "outrider/faults/plan.h"
#include "outrider/harness/process_events.h"
#include "outrider/harness/supervisor.h"

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
};

using FaultEventCallback =
    std::function<void(MonotonicTime at, const std::string& event, const std::string& detail)>;

// Runs on the supervisor's executor (one thread); the link proxies are thread-safe.
class FaultExecutor {
 public:
  FaultExecutor(boost::asio::any_io_executor executor, const Clock& clock, faults::FaultPlan plan,
                Supervisor& supervisor, std::map<std::string, faults::LinkProxy*> links,
                FaultEventCallback on_event);
  ~FaultExecutor();
  FaultExecutor(const FaultExecutor&) = delete;
  FaultExecutor& operator=(const FaultExecutor&) = delete;

  // Whether this version carries the kind out: link faults, kill, pause and crashloop. The others
  // make a run invalid (never a silent pass).
  static bool carriesOut(scenarios::FaultKind kind);

  // Walks the plan's actions from t0; returns when the last has run or stop() was called.
  boost::asio::awaitable<void> run(MonotonicTime t0);
  // Ends the walk and reverts every active fault now (SIGCONT to paused processes, link faults
  // removed). Idempotent.
  void stop();
  // Feed every process event here: crashloop kills on ready, kills look for the exit.
  void onProcessEvent(const ProcessEvent& event);

  // Names of the faults active now, for the progress line.
  std::vector<std::string> activeNames() const;
  // Every fault of the plan, with its evidence as of now.
  std::vector<FaultOutcome> outcomes() const;

 private:
  struct State;
  void startFault(size_t index);
  void stopFault(size_t index);
  void emit(const std::string& event, const std::string& detail);

  boost::asio::any_io_executor executor_;
  const Clock& clock_;
  faults::FaultPlan plan_;
  Supervisor& supervisor_;
  std::map<std::string, faults::LinkProxy*> links_;
  FaultEventCallback on_event_;
  boost::asio::steady_timer timer_;
  std::vector<State> states_;
  bool stopped_ = false;
};

}  // namespace outrider::harness
