#pragma once

// What a run observes of its processes besides their events, once a second: each `metrics` URL
// scraped (MetricsScraper), each process sampled from /proc (ProcessSampler), and each ratio
// SLI's events counted from its source's scrapes (slo::RatioSli). The runner calls tick() at
// every whole second of the run and finish() once the load's last replies are in; the journal's
// series.metrics, series.metrics_series, series.process, scrapes[] and slos[].ratio come from
// here, and so do the ratio SLOs' seconds for judgeRun.
//
// Tick k happens k seconds into the run (k = 0 as load begins). Scrape k closes run second
// k - 1, so series index k - 1 holds what tick k saw. finish() is the last tick: it waits for
// the load's last replies, so the requests of the run's final moments are counted too.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "outrider/common/clock.h"
#include "outrider/common/result.h"
#include "outrider/common/timer.h"
#include "outrider/harness/cardinality.h"
#include "outrider/harness/judgement.h"
#include "outrider/harness/load_stats.h"
#include "outrider/harness/metrics_scraper.h"
#include "outrider/harness/process_events.h"
#include "outrider/harness/process_sampler.h"
#include "outrider/metrics/selector.h"
#include "outrider/reports/journal.h"
#include "outrider/scenarios/scenario.h"
#include "outrider/slo/ratio_sli.h"

namespace outrider::harness {

namespace asio = boost::asio;

// at, event, detail: a line for the run's timeline ("scrape-failed", "proxy: HTTP 503").
using TimelineCallback = std::function<void(MonotonicTime, std::string, std::string)>;

class RunTelemetry {
 public:
  struct Options {
    ScrapeOptions scrape;
    std::unique_ptr<ProcSource> proc;  // null: the host's /proc
  };

  // Resolves every metrics URL and parses every ratio SLI's selectors (resolved scenario, no
  // placeholders left). InvalidArgument when one cannot be used.
  static Result<std::unique_ptr<RunTelemetry>> create(const scenarios::Scenario& scenario,
                                                      const asio::any_io_executor& executor,
                                                      const Clock& clock, Options options,
                                                      TimelineCallback timeline);
  ~RunTelemetry();
  RunTelemetry(const RunTelemetry&) = delete;
  RunTelemetry& operator=(const RunTelemetry&) = delete;

  // Every process event, as the supervisor reports it (starts, exits).
  void onProcessEvent(const ProcessEvent& event);

  // Where a process's cgroup memory comes from (run_command: its cgroup's stats); nullopt for
  // a process without a cgroup. Unset: no cgroup memory in the series.
  using CgroupMemory = std::function<std::optional<uint64_t>(const std::string& process)>;
  void setCgroupMemory(CgroupMemory source) { cgroup_memory_ = std::move(source); }

  // Tick number ticks(): samples every process now and starts a scrape of every metrics URL.
  void tick();
  uint64_t ticks() const { return ticks_; }
  // The last tick, with every scrape still in flight awaited.
  asio::awaitable<void> finish();

  // judgeRun's ratio seconds: per ratio SLO, run second k's events or a gap.
  RatioSeconds ratioSeconds() const;
  // The live view's events: ratio SLOs' entries of `events` (scenario SLO order) replaced by
  // what their sources counted in run second `second`, or none if not known yet.
  void fillLiveEvents(uint64_t second, std::vector<slo::EventCounts>& events) const;

  // Per process, its memory's least-squares slope over run seconds [first_measured, ...) in
  // bytes per second (memoryGrowth): its cgroup's memory where it has a cgroup (an oom fault's
  // allocator is a separate process charged to it, which RSS would miss), else its RSS. nullopt
  // without enough samples. The sample of finish() is left out: it is taken once the load's last
  // replies are in, after the faults were undone (an oom allocator gone, its memory freed).
  std::map<std::string, std::optional<double>> memoryGrowth(size_t first_measured) const;

  // Per process with metrics, its scrapes' series counts over run seconds [first_measured, ...)
  // (seriesTrend), finish()'s scrape left out as memoryGrowth leaves out its sample.
  std::map<std::string, SeriesTrend> seriesTrends(size_t first_measured) const;

  // The journal's series.process, series.metrics, series.metrics_series, series.ratio_events,
  // scrapes[] and its ratio SLOs' slos[].ratio (journal.slos must be filled already). `seconds`:
  // the run's length in whole seconds; `first_measured`: the warmup's whole seconds; `load`: the
  // load generator's counts over the measured span, when there was load.
  void fillJournal(reports::Journal& journal, MonotonicTime t0, size_t seconds,
                   size_t first_measured, const LoadCounts* load) const;

 private:
  struct Source;
  struct Ratio;
  struct Outcome;

  RunTelemetry(const asio::any_io_executor& executor, const Clock& clock,
               std::unique_ptr<ProcSource> proc, TimelineCallback timeline);
  void startScrape(size_t source, uint64_t k);
  void record(size_t source, uint64_t k, Outcome outcome);
  void feed(Source& source, uint64_t k, const Outcome& outcome);
  reports::CredentialRecord credentialRecord(const Source& source, MonotonicTime t0,
                                             size_t seconds) const;

  asio::any_io_executor executor_;
  const Clock& clock_;
  ProcessSampler sampler_;
  TimelineCallback timeline_;
  std::vector<std::string> process_names_;
  std::map<std::string, uint32_t> incarnation_;  // start number of the running incarnation
  std::map<std::string, bool> running_;
  // Per process, at series index k - 1: the sample tick k took.
  std::map<std::string, std::vector<ProcessSample>> samples_;
  std::map<std::string, std::vector<uint32_t>> sample_incarnation_;  // alongside samples_
  CgroupMemory cgroup_memory_;
  std::map<std::string, bool> has_cgroup_memory_;  // some tick read its cgroup
  std::vector<std::unique_ptr<Source>> sources_;
  std::vector<std::unique_ptr<Ratio>> ratios_;
  std::vector<int> ratio_of_slo_;  // scenario SLO index -> ratios_ index, or -1
  uint64_t ticks_ = 0;
  bool finished_ = false;  // finish() took its sample
  size_t in_flight_ = 0;
  TimerPtr idle_;  // never expires; cancelled when the last scrape in flight lands
  // Cleared on destruction: a scrape that lands after it (an io_context run past the run) is
  // dropped.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace outrider::harness
