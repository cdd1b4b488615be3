#pragma once

// What a run shows while it goes on (spec/cli.md): the run's own events and the processes' as
// they happen, a status line each second, and the alerts as the live SLO engine sees them fire
// (LiveAlerts: the engine judgeRun uses, fed the same seconds, so the live view and the verdict
// agree).

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "outrider/harness/live_alerts.h"
#include "outrider/harness/process_events.h"
#include "outrider/harness/progress.h"
#include "outrider/scenarios/scenario.h"
#include "outrider/slo/engine.h"

namespace outrider::harness {

class LiveView {
 public:
  LiveView(Progress& progress, const scenarios::Scenario& scenario);

  // Whether final seconds are wanted: only a scenario with SLOs and load has live alerts.
  bool judgesSeconds() const { return alerts_ != nullptr; }
  // Run second `second` became final with these events per SLO: print the alerts it changed.
  void second(uint64_t second, const std::vector<slo::EventCounts>& events);

  // A timeline event; only the run's own (run-start, load-start, fault-start...) are printed
  // here, as process events print themselves with more detail (processEvent).
  void timelineEvent(double at_s, const std::string& event, const std::string& detail,
                     bool startup);
  void processEvent(double at_s, const ProcessEvent& event, bool startup);
  // The status line, with the alerts firing now.
  void status(ProgressStatus status);
  void finish() { progress_.finish(); }

 private:
  Progress& progress_;
  std::unique_ptr<LiveAlerts> alerts_;
  std::string firing_;
};

}  // namespace outrider::harness
