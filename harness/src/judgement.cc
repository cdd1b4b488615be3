#include "outrider/harness/judgement.h"

#include <cmath>

#include "outrider/common/units.h"

namespace outrider::harness {

std::vector<slo::EventCounts> eventsForSecond(const std::vector<scenarios::Slo>& slos,
                                              const LoadSecond& second) {
  std::vector<slo::EventCounts> events;
  events.reserve(slos.size());
  const uint64_t total = second.counts.scheduled;
  const uint64_t bad = std::min(total, second.counts.errors());
  for (const auto& slo : slos) {
    slo::EventCounts counts;
    counts.total = total;
    switch (slo.sli) {
      case scenarios::SliKind::Availability:
        counts.good = total - bad;
        break;
      case scenarios::SliKind::Latency: {
        const int64_t threshold = slo.threshold ? slo.threshold->count() : 0;
        counts.good = std::min(total, second.ok_latency.countAtOrBelow(threshold));
        break;
      }
      case scenarios::SliKind::Ratio:
        // Counted from a process's metrics, not from requests (judgeRun refuses it for now).
        counts.total = 0;
        break;
    }
    events.push_back(counts);
  }
  return events;
}

slo::EngineOptions sloEngineOptions(const scenarios::Scenario& scenario, double warmup_rate) {
  auto options = slo::SloEngine::optionsFor(scenario, warmup_rate);
  // Seconds are fed whole from floor(warmup): alert times count from the same origin.
  options.first_measured_s =
      scenario.load ? std::floor(toSeconds(scenario.load->warmup)) : 0.0;
  return options;
}

Result<RunJudgement> judgeRun(const scenarios::Scenario& scenario, const LoadResult& load,
                              std::vector<std::string> invalid_reasons) {
  for (const auto& slo : scenario.slos) {
    if (slo.sli == scenarios::SliKind::Ratio) {
      // Honest rather than silently passing: the metrics scraper is not built yet.
      invalid_reasons.push_back("SLO '" + slo.name +
                                "': ratio SLIs from process metrics are not measured by this "
                                "version of outrider");
    }
  }
  const double warmup_s = scenario.load ? toSeconds(scenario.load->warmup) : 0.0;
  // history = "clean" fills windows at the rate the warmup actually measured.
  const double warmup_rate =
      warmup_s > 0 ? static_cast<double>(load.warmup_counts.scheduled) / warmup_s : 0.0;
  auto engine = slo::SloEngine::create(scenario, sloEngineOptions(scenario, warmup_rate));
  if (!engine) {
    return tl::unexpected(engine.error());
  }
  // Series index = whole seconds since the load began; measured seconds start at the warmup.
  const auto first = static_cast<size_t>(std::floor(warmup_s));
  const auto end = static_cast<size_t>(std::ceil(toSeconds(scenario.duration)));
  const LoadSecond empty;
  for (size_t k = first; k < end; ++k) {
    const LoadSecond& second = k < load.series.size() ? load.series[k] : empty;
    auto events = eventsForSecond(scenario.slos, second);
    (*engine)->addSecond(events);
  }
  RunJudgement out;
  out.reports = (*engine)->reports();
  out.alerts = (*engine)->alerts();
  out.warnings = (*engine)->warnings();
  for (auto& [slo, windows] : (*engine)->burnRateSeries()) {
    for (auto& [window, values] : windows) {
      std::vector<double> aligned(first, 0.0);
      aligned.insert(aligned.end(), values.begin(), values.end());
      out.burn_rate[slo][window] = std::move(aligned);
    }
  }
  out.judgement = (*engine)->judge(scenario.gate, std::move(invalid_reasons));
  return out;
}

}  // namespace outrider::harness
