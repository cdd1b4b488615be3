#include "outrider/harness/run_telemetry.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <set>
#include <utility>

#include "outrider/common/time_format.h"
#include "outrider/common/units.h"
#include "outrider/harness/cardinality.h"
#include "outrider/harness/memory_growth.h"
#include "outrider/metrics/exposition.h"

namespace outrider::harness {

struct RunTelemetry::Outcome {
  std::optional<metrics::Exposition> exposition;
  std::string error;
  uint32_t incarnation = 0;
  MonotonicTime at{};
};

struct RunTelemetry::Source {
  std::string process;
  std::string url;
  std::shared_ptr<MetricsScraper> scraper;
  std::vector<metrics::Selector> selectors;  // each selector an SLI reads from it, once
  std::vector<size_t> ratios;                // ratios_ that read it
  std::map<uint64_t, Outcome> pending;       // landed out of order, waiting for `next`
  uint64_t next = 0;
  uint64_t attempted = 0;
  uint64_t failed = 0;
  uint64_t succeeded = 0;
  std::vector<std::pair<MonotonicTime, std::string>> failures;       // the first ones
  uint64_t failing = 0;                                              // the current streak
  std::map<std::string, std::vector<std::optional<double>>> values;  // selector -> index k - 1
  std::vector<std::optional<uint64_t>> series_counts;
  std::vector<uint32_t> series_incarnation;  // alongside series_counts: which start was scraped
  std::set<std::string> names_seen;  // metric and family names, to tell a typo from silence
  // Each distinct certificate NotAfter (unix seconds) its scrapes showed, with when it was seen
  // first and last.
  struct SeenSet {
    MonotonicTime first;
    MonotonicTime last;
    double not_after = 0;
  };
  std::vector<SeenSet> not_after;
};

struct RunTelemetry::Ratio {
  size_t slo_index = 0;
  scenarios::Slo spec;
  slo::RatioSli sli;
};

namespace {

constexpr size_t MaxNamesSeen = 10000;
// The gauge a secret sidecar exports for the certificate it serves (outrider-secrets does).
constexpr std::string_view NotAfterGauge = "outrider_secrets_cert_not_after_seconds";
// outrider-proxy's certificate as it serves it (listener="downstream"): what its clients get,
// which a proxy that missed a rotation shows apart from the secret sidecar's files.
constexpr std::string_view ServedNotAfterGauge = "outrider_proxy_tls_certificate_not_after_seconds";

bool isNotAfterSample(const metrics::Sample& sample) {
  if (sample.value <= 0) {
    return false;
  }
  if (sample.name == NotAfterGauge) {
    return true;
  }
  if (sample.name != ServedNotAfterGauge) {
    return false;
  }
  for (const auto& label : sample.labels) {
    if (label.name == "listener") {
      return label.value == "downstream";
    }
  }
  return false;
}
constexpr size_t MaxCredentialSets = 10000;

// Keeps the scraper alive for as long as the coroutine runs, whatever happens to its owner.
asio::awaitable<ScrapeResult> scrapeHolding(std::shared_ptr<MetricsScraper> scraper) {
  co_return co_await scraper->scrape();
}

template <class T>
std::vector<std::optional<T>> padded(std::vector<std::optional<T>> values, size_t size) {
  values.resize(size);
  return values;
}

}  // namespace

Result<std::unique_ptr<RunTelemetry>> RunTelemetry::create(const scenarios::Scenario& scenario,
                                                           const asio::any_io_executor& executor,
                                                           const Clock& clock, Options options,
                                                           TimelineCallback timeline) {
  auto proc = options.proc ? std::move(options.proc) : systemProcSource();
  std::unique_ptr<RunTelemetry> telemetry(
      new RunTelemetry(executor, clock, std::move(proc), std::move(timeline)));
  std::map<std::string, size_t> source_of;
  for (const auto* process : scenario.processes()) {
    telemetry->process_names_.push_back(process->name);
    telemetry->running_[process->name] = false;
    if (!process->metrics) {
      continue;
    }
    auto scraper = MetricsScraper::create(*process->metrics, clock, options.scrape);
    if (!scraper) {
      return makeError(ErrorCode::InvalidArgument,
                       process->name + ".metrics: " + scraper.error().message);
    }
    auto source = std::make_unique<Source>();
    source->process = process->name;
    source->url = *process->metrics;
    source->scraper = std::shared_ptr<MetricsScraper>(std::move(*scraper));
    source_of[process->name] = telemetry->sources_.size();
    telemetry->sources_.push_back(std::move(source));
  }
  for (size_t i = 0; i < scenario.slos.size(); ++i) {
    const auto& slo = scenario.slos[i];
    if (slo.sli != scenarios::SliKind::Ratio) {
      telemetry->ratio_of_slo_.push_back(-1);
      continue;
    }
    auto found = source_of.find(slo.source);
    if (found == source_of.end()) {
      return makeError(ErrorCode::InvalidArgument,
                       "slo " + slo.name + ": process '" + slo.source + "' has no metrics URL");
    }
    auto sli = slo::RatioSli::create(slo);
    if (!sli) {
      return tl::unexpected(sli.error());
    }
    Source& source = *telemetry->sources_[found->second];
    for (const auto* selector : {&sli->total(), &sli->events()}) {
      const bool known = std::any_of(
          source.selectors.begin(), source.selectors.end(),
          [selector](const metrics::Selector& s) { return s.text() == selector->text(); });
      if (!known) {
        source.selectors.push_back(*selector);
      }
    }
    source.ratios.push_back(telemetry->ratios_.size());
    telemetry->ratio_of_slo_.push_back(static_cast<int>(telemetry->ratios_.size()));
    telemetry->ratios_.push_back(std::make_unique<Ratio>(Ratio{i, slo, std::move(*sli)}));
  }
  return telemetry;
}

RunTelemetry::RunTelemetry(const asio::any_io_executor& executor, const Clock& clock,
                           std::unique_ptr<ProcSource> proc, TimelineCallback timeline)
    : executor_(executor),
      clock_(clock),
      sampler_(clock, std::move(proc)),
      timeline_(std::move(timeline)),
      idle_(clock.createTimer(executor)) {}

RunTelemetry::~RunTelemetry() { *alive_ = false; }

void RunTelemetry::onProcessEvent(const ProcessEvent& event) {
  if (event.kind == ProcessEventKind::Started) {
    sampler_.started(event.name, event.pid, event.at);
    incarnation_[event.name] = event.start_number;
    running_[event.name] = true;
  } else if (event.kind == ProcessEventKind::Exited) {
    sampler_.exited(event.name);
    running_[event.name] = false;
  }
}

void RunTelemetry::tick() {
  const uint64_t k = ticks_++;
  auto samples = sampler_.sample();
  if (cgroup_memory_) {
    for (const auto& name : process_names_) {
      if (auto bytes = cgroup_memory_(name)) {
        samples[name].cgroup_memory_bytes = bytes;
        has_cgroup_memory_[name] = true;
      }
    }
  }
  if (k >= 1) {
    for (const auto& name : process_names_) {
      auto& series = samples_[name];
      series.resize(k - 1);
      auto found = samples.find(name);
      series.push_back(found == samples.end() ? ProcessSample{} : found->second);
      auto& incarnations = sample_incarnation_[name];
      incarnations.resize(k - 1);
      incarnations.push_back(incarnation_[name]);
    }
  }
  for (size_t i = 0; i < sources_.size(); ++i) {
    startScrape(i, k);
  }
}

void RunTelemetry::startScrape(size_t index, uint64_t k) {
  Source& source = *sources_[index];
  ++source.attempted;
  const uint32_t incarnation = incarnation_[source.process];
  const MonotonicTime at = clock_.monotonicNow();
  if (!running_[source.process]) {
    // Down or backing off: nothing to ask, and the gap is what the clients' errors show.
    record(index, k, Outcome{std::nullopt, "not running", incarnation, at});
    return;
  }
  ++in_flight_;
  std::weak_ptr<bool> alive = alive_;
  asio::co_spawn(
      executor_, scrapeHolding(source.scraper),
      [this, alive, index, k, incarnation, at](std::exception_ptr error, ScrapeResult result) {
        auto still = alive.lock();
        if (!still || !*still) {
          return;  // the run is over and its telemetry gone
        }
        --in_flight_;
        Outcome outcome{std::move(result.exposition), std::move(result.error), incarnation, at};
        if (error) {
          outcome.exposition.reset();
          outcome.error = "internal error in the scraper";
        }
        record(index, k, std::move(outcome));
        if (in_flight_ == 0) {
          idle_->cancel();
        }
      });
}

void RunTelemetry::record(size_t index, uint64_t k, Outcome outcome) {
  Source& source = *sources_[index];
  source.pending.emplace(k, std::move(outcome));
  // Scrapes are fed in order; one that lands early waits for those before it.
  for (auto next = source.pending.find(source.next); next != source.pending.end();
       next = source.pending.find(source.next)) {
    feed(source, next->first, next->second);
    source.pending.erase(next);
    ++source.next;
  }
}

void RunTelemetry::feed(Source& source, uint64_t k, const Outcome& outcome) {
  const metrics::Exposition* exposition = outcome.exposition ? &*outcome.exposition : nullptr;
  if (exposition == nullptr) {
    ++source.failed;
    if (source.failures.size() < reports::MaxListedScrapeFailures) {
      source.failures.emplace_back(outcome.at, outcome.error);
    }
    if (source.failing++ == 0 && timeline_) {
      timeline_(outcome.at, "scrape-failed", source.process + ": " + outcome.error);
    }
  } else {
    ++source.succeeded;
    if (source.failing > 0 && timeline_) {
      timeline_(outcome.at, "scrape-ok",
                fmt::format("{} again, after {} failed scrape(s)", source.process, source.failing));
    }
    source.failing = 0;
    for (const auto& sample : exposition->samples) {
      if (source.names_seen.size() >= MaxNamesSeen) {
        break;
      }
      source.names_seen.insert(sample.name);
    }
    for (const auto& [name, family] : exposition->families) {
      if (source.names_seen.size() < MaxNamesSeen) {
        source.names_seen.insert(name);
      }
    }
    for (const auto& sample : exposition->samples) {
      if (!isNotAfterSample(sample)) {
        continue;
      }
      if (!source.not_after.empty() && source.not_after.back().not_after == sample.value) {
        source.not_after.back().last = outcome.at;
      } else if (source.not_after.size() < MaxCredentialSets) {
        source.not_after.push_back({outcome.at, outcome.at, sample.value});
      }
    }
  }
  if (k >= 1) {
    for (const auto& selector : source.selectors) {
      auto& values = source.values[selector.text()];
      values.resize(k - 1);
      std::optional<double> value;
      if (exposition != nullptr) {
        const auto evaluation = selector.evaluate(*exposition);
        if (evaluation.match_errors == 0) {
          value = evaluation.sum;
        }
      }
      values.push_back(value);
    }
    source.series_counts.resize(k - 1);
    source.series_counts.push_back(exposition ? std::optional<uint64_t>(exposition->seriesCount())
                                              : std::nullopt);
    source.series_incarnation.resize(k - 1);
    source.series_incarnation.push_back(outcome.incarnation);
  }
  for (size_t ratio : source.ratios) {
    ratios_[ratio]->sli.addScrape(exposition, outcome.incarnation, outcome.error);
  }
}

asio::awaitable<void> RunTelemetry::finish() {
  tick();
  finished_ = true;
  while (in_flight_ > 0) {
    idle_->expiresNever();
    (void)co_await idle_->wait();  // cancelled when the last one landed
  }
}

reports::CredentialRecord RunTelemetry::credentialRecord(const Source& source, MonotonicTime t0,
                                                         size_t seconds) const {
  // NotAfter is wall-clock time: t0 on the wall clock is now, less the time since t0.
  const double t0_unix =
      toSeconds(clock_.systemNow().time_since_epoch()) - toSeconds(clock_.monotonicNow() - t0);
  reports::CredentialRecord record;
  record.process = source.process;
  for (const auto& seen : source.not_after) {
    record.sets.push_back(reports::CredentialSet{
        toSeconds(seen.first - t0), seen.not_after - t0_unix,
        formatUtc(SystemTime(std::chrono::duration_cast<SystemTime::duration>(
            std::chrono::duration<double>(seen.not_after))))});
  }
  // Expired: a scrape at or after its NotAfter still showed it, so no newer certificate had
  // replaced it in time (one that replaced it between two scrapes is given the benefit).
  for (size_t i = 0; i < source.not_after.size(); ++i) {
    const double expiry = record.sets[i].not_after_s;
    const double last_seen = toSeconds(source.not_after[i].last - t0);
    if (last_seen >= expiry && expiry >= 0 && expiry <= static_cast<double>(seconds)) {
      record.expired_at_s = expiry;
      break;
    }
  }
  return record;
}

RatioSeconds RunTelemetry::ratioSeconds() const {
  RatioSeconds out;
  for (const auto& ratio : ratios_) {
    out[ratio->spec.name] = ratio->sli.seconds();
  }
  return out;
}

void RunTelemetry::fillLiveEvents(uint64_t second, std::vector<slo::EventCounts>& events) const {
  for (size_t i = 0; i < events.size() && i < ratio_of_slo_.size(); ++i) {
    if (ratio_of_slo_[i] < 0) {
      continue;
    }
    const auto& seconds = ratios_[static_cast<size_t>(ratio_of_slo_[i])]->sli.seconds();
    events[i] = second < seconds.size() && seconds[second] ? *seconds[second] : slo::EventCounts{};
  }
}

std::map<std::string, std::optional<double>> RunTelemetry::memoryGrowth(
    size_t first_measured) const {
  std::map<std::string, std::optional<double>> out;
  for (const auto& name : process_names_) {
    auto found = samples_.find(name);
    auto incarnations = sample_incarnation_.find(name);
    if (found == samples_.end() || incarnations == sample_incarnation_.end()) {
      out[name] = std::nullopt;
      continue;
    }
    const bool cgroup = has_cgroup_memory_.count(name) != 0;
    std::vector<std::optional<uint64_t>> memory;
    memory.reserve(found->second.size());
    for (const auto& sample : found->second) {
      memory.push_back(cgroup ? sample.cgroup_memory_bytes : sample.rss_bytes);
    }
    const size_t end = finished_ && !memory.empty() ? memory.size() - 1 : memory.size();
    out[name] = harness::memoryGrowth(memory, incarnations->second, first_measured, end);
  }
  return out;
}

std::map<std::string, SeriesTrend> RunTelemetry::seriesTrends(size_t first_measured) const {
  std::map<std::string, SeriesTrend> out;
  for (const auto& source : sources_) {
    const auto& counts = source->series_counts;
    // finish()'s scrape is left out as memoryGrowth's sample is: it follows the load's end.
    const size_t end = finished_ && !counts.empty() ? counts.size() - 1 : counts.size();
    out[source->process] = seriesTrend(counts, source->series_incarnation, first_measured, end);
  }
  return out;
}

void RunTelemetry::fillJournal(reports::Journal& journal, MonotonicTime t0, size_t seconds,
                               size_t first_measured, const LoadCounts* load) const {
  auto& series = journal.series;
  for (const auto& name : process_names_) {
    reports::ProcessSeries out;
    auto found = samples_.find(name);
    for (size_t i = 0; i < seconds; ++i) {
      const bool known = found != samples_.end() && i < found->second.size();
      out.cpu_cores.push_back(known ? found->second[i].cpu_cores : std::nullopt);
      out.rss_bytes.push_back(known ? found->second[i].rss_bytes : std::nullopt);
      if (has_cgroup_memory_.count(name) != 0) {
        out.cgroup_memory_bytes.push_back(known ? found->second[i].cgroup_memory_bytes
                                                : std::nullopt);
      }
    }
    series.process[name] = std::move(out);
  }
  const auto growth = memoryGrowth(first_measured);
  for (auto& process : journal.processes) {
    if (auto found = growth.find(process.name); found != growth.end()) {
      process.memory_growth_bytes_per_s = found->second;
    }
  }
  for (const auto& source : sources_) {
    for (const auto& selector : source->selectors) {
      auto found = source->values.find(selector.text());
      series.metrics[source->process][selector.text()] = padded(
          found == source->values.end() ? std::vector<std::optional<double>>{} : found->second,
          seconds);
    }
    series.metrics_series[source->process] = padded(source->series_counts, seconds);
    reports::ScrapeRecord record;
    record.process = source->process;
    record.url = source->url;
    record.attempted = source->attempted;
    record.failed = source->failed;
    for (const auto& [at, error] : source->failures) {
      record.failures.push_back(reports::ScrapeFailure{toSeconds(at - t0), error});
    }
    journal.scrapes.push_back(std::move(record));
    if (!source->not_after.empty()) {
      journal.credentials.push_back(credentialRecord(*source, t0, seconds));
    }
  }
  for (const auto& ratio : ratios_) {
    const auto& per_second = ratio->sli.seconds();
    reports::RatioEventSeries events;
    for (size_t i = 0; i < seconds; ++i) {
      const bool known = i < per_second.size() && per_second[i];
      events.good.push_back(known ? std::optional<uint64_t>(per_second[i]->good) : std::nullopt);
      events.total.push_back(known ? std::optional<uint64_t>(per_second[i]->total) : std::nullopt);
    }
    series.ratio_events[ratio->spec.name] = std::move(events);

    reports::RatioRecord record;
    record.source = ratio->spec.source;
    record.total = ratio->spec.total;
    record.good = ratio->spec.good;
    record.bad = ratio->spec.bad;
    record.reset_seconds = ratio->sli.resetSeconds();
    // Gap seconds of the measured span, merged into ranges with the first reason of each.
    std::map<uint64_t, const std::string*> reasons;
    for (const auto& g : ratio->sli.gaps()) {
      reasons.emplace(g.second, &g.reason);
    }
    for (size_t k = first_measured; k < seconds; ++k) {
      const bool gap = k >= per_second.size() || !per_second[k];
      if (!gap) {
        continue;
      }
      ++record.gap_seconds;
      auto known = reasons.find(k);
      std::string reason = known == reasons.end() ? "no scrape closed this second" : *known->second;
      const auto from = static_cast<double>(k);
      if (!record.gaps.empty() && record.gaps.back().to_s == from) {
        record.gaps.back().to_s = from + 1;
      } else {
        record.gaps.push_back(reports::GapRecord{from, from + 1, std::move(reason)});
      }
    }
    if (load != nullptr) {
      record.clients_sent = load->sent;
      record.clients_completed = load->completed;
      record.clients_failed = load->failed;
      record.clients_timed_out = load->timed_out;
    }
    const Source* source = nullptr;
    for (const auto& s : sources_) {
      if (s->process == ratio->spec.source) {
        source = s.get();
      }
    }
    if (source != nullptr && source->succeeded == 0) {
      record.warnings.push_back(fmt::format("no scrape of {} succeeded ({} attempted)",
                                            source->process, source->attempted));
    } else if (source != nullptr) {
      for (const auto* selector : {&ratio->sli.total(), &ratio->sli.events()}) {
        const std::string& name = selector->metricName();
        if (!name.empty() && source->names_seen.count(name) == 0) {
          record.warnings.push_back(
              fmt::format("no metric named {} in any scrape of {}: {} counts nothing", name,
                          source->process, selector->text()));
        }
      }
    }
    for (auto& slo : journal.slos) {
      if (slo.name == ratio->spec.name) {
        slo.ratio = record;
      }
    }
  }
}

}  // namespace outrider::harness
