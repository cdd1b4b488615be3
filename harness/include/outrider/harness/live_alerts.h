#pragma once

// The live view's alerts: an SLO engine fed each second as it becomes final, so the progress
// lines show an alert as it fires. It is built with the options judgeRun uses and fed the same
// seconds, so what it shows is what the journal will say (live_alerts_test checks it second by
// second).

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "outrider/scenarios/scenario.h"
#include "outrider/slo/engine.h"

namespace outrider::harness {

// One line for the progress view: at run second `at_s`.
struct LiveAlertLine {
  double at_s = 0;
  std::string text;  // "alert-fired availability page (1h/5m burn rate above 14.4)"
};

class LiveAlerts {
 public:
  // Null when the scenario has no SLO or no load (nothing to judge live).
  static std::unique_ptr<LiveAlerts> create(const scenarios::Scenario& scenario);

  // Run second `second` (whole seconds from the load's start) with its events per SLO. Warmup
  // seconds and seconds fed before are ignored. Returns the lines that became known.
  std::vector<LiveAlertLine> addSecond(uint64_t second, const std::vector<slo::EventCounts>& events);

  // The alerts as of now, as the engine sees them.
  std::vector<slo::AlertRecord> alerts() const { return engine_->alerts(); }
  // "availability page, latency ticket": the alerts firing now.
  std::string firing() const;

 private:
  LiveAlerts(std::unique_ptr<slo::SloEngine> engine, uint64_t first_second);

  std::unique_ptr<slo::SloEngine> engine_;
  uint64_t first_second_;
  std::set<std::string> shown_fired_;
  std::set<std::string> shown_resolved_;
};

}  // namespace outrider::harness
