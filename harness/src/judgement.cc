#include "outrider/harness/judgement.h"

#include <algorithm>
#include <cmath>

#include "outrider/common/units.h"
#include "outrider/slo/uptime_sli.h"

namespace outrider::harness {

std::vector<slo::EventCounts> eventsForSecond(const std::vector<scenarios::Slo>& slos,
                                              const LoadSecond& second) {
  // The generator counted the groups of these same SLOs (LoadConfig::status_groups).
  const StatusGroups groups = StatusGroups::fromSlos(slos);
  std::vector<slo::EventCounts> events;
  events.reserve(slos.size());
  const uint64_t total = second.counts.scheduled;
  const uint64_t errors = second.counts.errors();
  for (const auto& slo : slos) {
    slo::EventCounts counts;
    counts.total = total;
    switch (slo.sli) {
      case scenarios::SliKind::Availability: {
        uint64_t bad = errors;
        for (size_t g = 0; g < groups.size() && g < second.group_counts.size(); ++g) {
          if (groups.badFor(g, slo.bad_status)) {
            bad += second.group_counts[g];
          }
        }
        counts.good = total - std::min(total, bad);
        break;
      }
      case scenarios::SliKind::Latency: {
        const int64_t threshold = slo.threshold ? slo.threshold->count() : 0;
        uint64_t good = second.ok_latency.countAtOrBelow(threshold);
        for (size_t g = 0; g < groups.size() && g < second.group_latency.size(); ++g) {
          if (!groups.badFor(g, slo.bad_status)) {
            good += second.group_latency[g].countAtOrBelow(threshold);
          }
        }
        counts.good = std::min(total, good);
        break;
      }
      case scenarios::SliKind::Ratio:
      case scenarios::SliKind::Uptime:
        // Counted from a process's metrics or readiness, not from requests (RatioSeconds).
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

RatioSeconds uptimeSeconds(const std::vector<scenarios::Slo>& slos,
                           const std::vector<ProcessRecord>& records, MonotonicTime t0,
                           size_t seconds) {
  RatioSeconds out;
  for (const auto& slo : slos) {
    if (slo.sli != scenarios::SliKind::Uptime) {
      continue;
    }
    auto record = std::find_if(records.begin(), records.end(),
                               [&slo](const ProcessRecord& r) { return r.name == slo.source; });
    if (record == records.end()) {
      continue;
    }
    std::vector<std::pair<MonotonicTime, bool>> stamped;
    for (const auto& at : record->ready_at) {
      stamped.emplace_back(at, true);
    }
    for (const auto& at : record->not_ready_at) {
      stamped.emplace_back(at, false);
    }
    // Ties keep not-ready first: a change and its undoing in one instant leave it ready only if
    // it became ready last, which is the supervisor's order (an exit, then the restart's ready).
    std::stable_sort(stamped.begin(), stamped.end(), [](const auto& a, const auto& b) {
      return a.first != b.first ? a.first < b.first : !a.second && b.second;
    });
    std::vector<slo::ReadinessChange> changes;
    changes.reserve(stamped.size());
    for (const auto& [at, ready] : stamped) {
      changes.push_back(slo::ReadinessChange{toSeconds(at - t0), ready});
    }
    const auto per_second = slo::uptimeSeconds(changes, seconds);
    out[slo.name] =
        std::vector<std::optional<slo::EventCounts>>(per_second.begin(), per_second.end());
  }
  return out;
}

double ratioWarmupRate(const std::vector<std::optional<slo::EventCounts>>& seconds,
                       double warmup_s) {
  const auto whole = static_cast<size_t>(std::floor(warmup_s));
  uint64_t events = 0;
  uint64_t counted = 0;
  for (size_t k = 0; k < whole && k < seconds.size(); ++k) {
    if (seconds[k]) {
      events += seconds[k]->total;
      ++counted;
    }
  }
  return counted == 0 ? 0.0 : static_cast<double>(events) / static_cast<double>(counted);
}

Result<RunJudgement> judgeRun(const scenarios::Scenario& scenario, const LoadResult& load,
                              std::vector<std::string> invalid_reasons, const RatioSeconds& ratio) {
  const double warmup_s = scenario.load ? toSeconds(scenario.load->warmup) : 0.0;
  // history = "clean" fills windows at the rate the warmup actually measured.
  const double warmup_rate =
      warmup_s > 0 ? static_cast<double>(load.warmup_counts.scheduled) / warmup_s : 0.0;
  auto options = sloEngineOptions(scenario, warmup_rate);
  std::vector<const std::vector<std::optional<slo::EventCounts>>*> ratio_seconds;
  for (const auto& slo : scenario.slos) {
    const std::vector<std::optional<slo::EventCounts>>* seconds = nullptr;
    if (slo.sli == scenarios::SliKind::Ratio || slo.sli == scenarios::SliKind::Uptime) {
      auto found = ratio.find(slo.name);
      if (found == ratio.end()) {
        // Never a silent pass: no scrape of the source means nothing was measured.
        invalid_reasons.push_back("SLO '" + slo.name + "': " +
                                  (slo.sli == scenarios::SliKind::Ratio
                                       ? "the metrics of " + slo.source + " were never read"
                                       : "no readiness of " + slo.source + " was recorded"));
      } else {
        seconds = &found->second;
        options.warmup_rate_by_slo[slo.name] = ratioWarmupRate(found->second, warmup_s);
      }
    }
    ratio_seconds.push_back(seconds);
  }
  auto engine = slo::SloEngine::create(scenario, options);
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
    for (size_t i = 0; i < events.size(); ++i) {
      // A gap second holds no events: neither good nor bad, so it moves no burn rate.
      if (const auto* seconds = ratio_seconds[i]; seconds && k < seconds->size() && (*seconds)[k]) {
        events[i] = *(*seconds)[k];
      }
    }
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
