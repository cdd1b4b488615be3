#pragma once

// From what the load generator measured to the SLO engine's verdict: each second's requests
// become each SLO's good and total events, fed to the engine in order. Pure: the same LoadResult
// gives the same judgement.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "outrider/common/result.h"
#include "outrider/harness/load_stats.h"
#include "outrider/harness/process_events.h"
#include "outrider/scenarios/scenario.h"
#include "outrider/slo/engine.h"

namespace outrider::harness {

// The events one measured second holds for one SLO:
//  availability: total = requests scheduled in it; good = those completed in time whose status
//                is not in the SLO's bad_status (5xx and what else it lists)
//  latency:      the same total; good = replies not in bad_status at or below the threshold
//  ratio:        none: they come from the source's metrics (RatioSeconds)
//  uptime:       none: they come from the source's readiness (uptimeSeconds, in RatioSeconds)
std::vector<slo::EventCounts> eventsForSecond(const std::vector<scenarios::Slo>& slos,
                                              const LoadSecond& second);

// The SLO engine's options for a run: windows filled at the warmup's rate (history "clean"),
// measured seconds counted from the whole second the warmup ends in. The live engine and
// judgeRun share them so both see the same alerts.
slo::EngineOptions sloEngineOptions(const scenarios::Scenario& scenario, double warmup_rate);

// Per ratio SLO (by name): the events of each run second as its source's metrics counted them
// (index = whole seconds since the load began, as LoadResult::series), nullopt for a gap.
using RatioSeconds = std::map<std::string, std::vector<std::optional<slo::EventCounts>>>;

// Per uptime SLO (by name): each run second's events from its source's readiness
// (slo::uptimeSeconds: 1000 per second, good = the milliseconds it was ready), for run seconds
// [0, seconds). The records' times count from t0. An SLO whose source has no record gets none.
RatioSeconds uptimeSeconds(const std::vector<scenarios::Slo>& slos,
                           const std::vector<ProcessRecord>& records, MonotonicTime t0,
                           size_t seconds);

// The events a ratio SLO saw per second during the warmup (history "clean" fills its windows at
// that rate): the mean over the warmup's whole seconds that are not gaps; 0 without any.
double ratioWarmupRate(const std::vector<std::optional<slo::EventCounts>>& seconds,
                       double warmup_s);

struct RunJudgement {
  std::vector<slo::SloReport> reports;
  std::vector<slo::AlertRecord> alerts;
  // SLO -> window -> burn rate per second of the run (0 during the warmup).
  std::map<std::string, std::map<std::string, std::vector<double>>> burn_rate;
  slo::Judgement judgement;
  std::vector<std::string> warnings;
};

// Feeds every measured second of `load` (run seconds warmup .. duration) to an SLO engine built
// from the scenario, then judges the gate. invalid_reasons come from the harness (generator
// behind schedule, a fault without effect, a harness failure). Ratio and uptime SLOs take their
// seconds from `ratio`; a gap second holds no events, and one missing from it makes the run
// invalid (its metrics were never read, its readiness never recorded).
Result<RunJudgement> judgeRun(const scenarios::Scenario& scenario, const LoadResult& load,
                              std::vector<std::string> invalid_reasons,
                              const RatioSeconds& ratio = {});

}  // namespace outrider::harness
