// Cost of the SLO engine per evaluated second (the harness feeds it once a second), over series
// long enough that every window, up to 30 days, is full and the rings have wrapped: the cost must
// not grow with the run's length or the window's.

#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <random>
#include <span>
#include <vector>

#include "outrider/scenarios/scenario.h"
#include "outrider/slo/engine.h"
#include "outrider/slo/event_series.h"

namespace outrider::slo {
namespace {

constexpr uint64_t Day = 86400;

// 4096 seconds of 100 events with a few bad ones, replayed in a loop.
const std::vector<EventCounts>& pattern() {
  static const std::vector<EventCounts> seconds = [] {
    std::mt19937_64 rng(42);
    std::poisson_distribution<uint64_t> bad(0.05);
    std::vector<EventCounts> out(4096);
    for (auto& second : out) {
      second = EventCounts{100 - std::min<uint64_t>(bad(rng), 100), 100};
    }
    return out;
  }();
  return seconds;
}

// One append and two trailing sums (30d and 5m) on a 30-day ring that has wrapped.
void BM_EventSeries30dWindow(benchmark::State& state) {
  static EventSeries series = [] {
    EventSeries filled(30 * Day);
    for (uint64_t k = 0; k < 31 * Day; ++k) {
      filled.append(pattern()[k & 4095]);
    }
    return filled;
  }();
  uint64_t k = 0;
  for (auto _ : state) {
    series.append(pattern()[k++ & 4095]);
    benchmark::DoNotOptimize(series.trailing(30 * Day));
    benchmark::DoNotOptimize(series.trailing(300));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EventSeries30dWindow);

std::unique_ptr<SloEngine> prefilledEngine(std::vector<scenarios::AlertRule> rules, uint64_t days,
                                           bool record) {
  scenarios::Slo slo;
  slo.name = "availability";
  slo.objective = 0.999;
  scenarios::Alerting alerting;
  alerting.policy = scenarios::AlertPolicy::Rules;
  alerting.rules = std::move(rules);
  EngineOptions options;
  options.warmup_rate = 100;
  options.record_burn_rates = record;
  auto engine = std::move(*SloEngine::create({slo}, alerting, options));
  for (uint64_t k = 0; k < days * Day; ++k) {
    engine->addSecond(std::span(&pattern()[k & 4095], 1));
  }
  return engine;
}

void runEngine(benchmark::State& state, SloEngine& engine) {
  uint64_t k = 0;
  for (auto _ : state) {
    engine.addSecond(std::span(&pattern()[k++ & 4095], 1));
  }
  benchmark::DoNotOptimize(engine.seconds());
  state.SetItemsProcessed(state.iterations());
}

// One evaluated second of the sre-workbook table (7 distinct windows, 4 rules) after 4 days.
void BM_EngineSecondWorkbook(benchmark::State& state) {
  static auto engine = prefilledEngine(scenarios::sreWorkbookRules(), 4, false);
  runEngine(state, *engine);
}
BENCHMARK(BM_EngineSecondWorkbook);

// The same plus a 30d/6h ticket rule: a 30-day window, after 31 days of one-second buckets.
void BM_EngineSecond30dWindow(benchmark::State& state) {
  static auto engine = [] {
    auto rules = scenarios::sreWorkbookRules();
    rules.push_back({"ticket", std::chrono::hours(24 * 30), std::chrono::hours(6), 1.0});
    return prefilledEngine(std::move(rules), 31, false);
  }();
  runEngine(state, *engine);
}
BENCHMARK(BM_EngineSecond30dWindow);

// The workbook table with the journal's burn-rate series recorded (one double per window).
void BM_EngineSecondWorkbookRecording(benchmark::State& state) {
  static auto engine = prefilledEngine(scenarios::sreWorkbookRules(), 4, true);
  runEngine(state, *engine);
}
BENCHMARK(BM_EngineSecondWorkbookRecording);

}  // namespace
}  // namespace outrider::slo
