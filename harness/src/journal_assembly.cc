#include "outrider/harness/journal_assembly.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "outrider/common/time_format.h"
#include "outrider/common/units.h"

namespace outrider::harness {

using std::chrono::nanoseconds;

namespace {

reports::LatencySummary toJournal(const LatencySummary& s) {
  return reports::LatencySummary{s.p50_ms, s.p90_ms, s.p99_ms, s.p999_ms, s.max_ms, s.mean_ms};
}

reports::DurationSummary durationOf(const Histogram& nanoseconds) {
  const LatencySummary s = summarizeLatency(nanoseconds);
  return reports::DurationSummary{s.count, s.p50_ms, s.p90_ms, s.p99_ms, s.max_ms};
}

int64_t unixMs(SystemTime time) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
}

reports::LoadTlsRecord tlsRecord(const LoadResult& result) {
  reports::LoadTlsRecord tls;
  tls.failures = result.tls_failures;
  tls.handshake_ms = durationOf(result.tls_handshake);
  for (const auto& served : result.tls_served.list()) {
    tls.served.push_back({served.serial_hex, served.issuer, unixMs(served.not_before),
                          unixMs(served.not_after), toSeconds(served.first_seen),
                          toSeconds(served.last_seen), served.handshakes});
  }
  tls.served_forgotten = result.tls_served.forgotten();
  tls.reloads = result.tls_context_reloads;
  tls.reload_failures = result.tls_context_reload_failures;
  return tls;
}

bool overOnePercent(uint64_t part, uint64_t scheduled) {
  return scheduled > 0 && static_cast<double>(part) > 0.01 * static_cast<double>(scheduled);
}

const scenarios::Slo* findSlo(const scenarios::Scenario& scenario, const std::string& name) {
  for (const auto& slo : scenario.slos) {
    if (slo.name == name) {
      return &slo;
    }
  }
  return nullptr;
}

}  // namespace

LoadTrust assessLoad(const LoadCounts& c) {
  LoadTrust trust;
  trust.behind_schedule = overOnePercent(c.stalled_dispatch, c.scheduled);
  trust.connections_saturated = overOnePercent(c.not_sent, c.scheduled);
  if (trust.behind_schedule) {
    trust.invalid_reason = fmt::format(
        "the load generator fell behind its schedule: it noticed {} of {} requests more than "
        "10 ms late (its own thread was starved)",
        c.stalled_dispatch, c.scheduled);
  }
  return trust;
}

void recordLoad(reports::Journal& journal, const scenarios::Load& load, nanoseconds duration,
                const LoadResult& result) {
  auto& out = journal.load;
  out.target = load.target;
  out.rate = load.rate;
  out.connections = load.connections;
  out.warmup_s = toSeconds(load.warmup);
  out.timeout_s = toSeconds(load.timeout);
  const auto& c = result.counts;
  out.scheduled = c.scheduled;
  out.sent = c.sent;
  out.completed = c.completed;
  out.failed = c.failed;
  out.timed_out = c.timed_out;
  out.late = c.late;
  out.not_sent = c.not_sent;
  out.late_dispatch = c.late_dispatch;
  out.stalled_dispatch = c.stalled_dispatch;
  out.unexpected = c.unexpected;
  out.unexpected_5xx = c.unexpected_5xx;
  out.status = {{"1xx", c.status_1xx},
                {"2xx", c.status_2xx},
                {"3xx", c.status_3xx},
                {"4xx", c.status_4xx},
                {"5xx", c.status_5xx}};
  if (c.status_other > 0) {
    out.status["other"] = c.status_other;
  }
  out.latency_ms = toJournal(result.latency_ms);
  out.service_time_ms = toJournal(result.service_time_ms);
  result.latency.forEachBucket([&out](int64_t low, int64_t, uint64_t count) {
    out.latency_histogram_ns.emplace_back(low, count);
  });
  // Connects and handshakes apart: latency_ms stays what a client saw from the scheduled time.
  out.requests_per_connection = load.requests_per_connection;
  out.connect_ms = durationOf(result.connect_time);
  if (result.tls) {
    out.tls = tlsRecord(result);
  }
  // One entry per second of the duration (a last partial second included), from the measured
  // requests; seconds the generator never reached read 0.
  const auto seconds_in_run = static_cast<size_t>(
      (duration + std::chrono::seconds(1) - nanoseconds(1)) / std::chrono::seconds(1));
  auto& series = journal.series;
  if (result.tls) {
    series.tls.emplace();
  }
  for (size_t i = 0; i < seconds_in_run; ++i) {
    if (series.tls) {
      const LoadSecond* second = i < result.series.size() ? &result.series[i] : nullptr;
      series.tls->failures.push_back(second ? second->counts.tls_failed : 0);
      series.tls->handshakes.push_back(second ? second->tls_handshakes : 0);
      series.tls->min_not_after_ms.push_back(second ? second->tls_min_not_after_ms : std::nullopt);
    }
    if (i < result.series.size()) {
      const auto& second = result.series[i];
      auto summary = summarizeLatency(second.latency);
      series.rps.push_back(static_cast<double>(second.counts.completed));
      series.errors.push_back(second.counts.errors());
      series.p50_ms.push_back(summary.p50_ms);
      series.p99_ms.push_back(summary.p99_ms);
    } else {
      series.rps.push_back(0);
      series.errors.push_back(0);
      series.p50_ms.push_back(0);
      series.p99_ms.push_back(0);
    }
  }
}

void addLoadCertificateEvidence(reports::Journal& journal, SystemTime t0) {
  if (!journal.series.tls || !journal.load.tls) {
    return;
  }
  const auto& tls = *journal.series.tls;
  const auto t0_ms = static_cast<double>(unixMs(t0));
  for (auto& fault : journal.faults) {
    if (fault.kind != "cert-expiry" && fault.kind != "cert-wrong-ca" &&
        fault.kind != "clock-skew") {
      continue;
    }
    // The window, and a second past its end: a failure takes up to the load's timeout to show.
    const auto from = static_cast<size_t>(std::max(0.0, std::floor(fault.started_at_s)));
    const double end = fault.ended_at_s.value_or(static_cast<double>(tls.failures.size()));
    const auto to = std::min(tls.failures.size(), static_cast<size_t>(std::ceil(end)) + 1);
    uint64_t failed = 0;
    std::optional<int64_t> min_not_after;
    for (size_t i = from; i < to; ++i) {
      failed += tls.failures[i];
      if (i < tls.min_not_after_ms.size() && tls.min_not_after_ms[i] &&
          (!min_not_after || *tls.min_not_after_ms[i] < *min_not_after)) {
        min_not_after = tls.min_not_after_ms[i];
      }
    }
    std::string text = "; load: ";
    if (min_not_after) {
      text += fmt::format("served certificate NotAfter {:.1f}s; ",
                          (static_cast<double>(*min_not_after) - t0_ms) / 1000.0);
    } else if (!min_not_after) {
      text += "no handshake succeeded in the window; ";
    }
    text += fmt::format("{} handshake{} failed in the window", failed, failed == 1 ? "" : "s");
    if (failed > 0 && !journal.load.tls->failures.empty()) {
      std::string reasons;
      for (const auto& [reason, count] : journal.load.tls->failures) {
        reasons += fmt::format("{}{} {}", reasons.empty() ? "" : ", ", reason, count);
      }
      text += " (over the run: " + reasons + ")";
    }
    fault.evidence += text;
  }
}

void recordProcesses(reports::Journal& journal, const std::vector<ProcessRecord>& records,
                     const std::map<std::string, std::vector<int>>& pids, MonotonicTime t0) {
  for (const auto& record : records) {
    reports::ProcessRecord out;
    out.name = record.name;
    out.role = scenarios::toString(record.role);
    out.starts = record.starts;
    out.restarts = record.restarts;
    for (const auto& exit : record.exits) {
      out.exits.push_back({toSeconds(exit.at - t0), exit.code, exit.signal});
    }
    for (auto at : record.ready_at) {
      out.ready_at_s.push_back(toSeconds(at - t0));
    }
    out.log = "logs/" + record.name + ".log";
    if (auto it = pids.find(record.name); it != pids.end()) {
      out.pids = it->second;
    }
    journal.processes.push_back(std::move(out));
  }
}

void recordCgroups(reports::Journal& journal,
                   const std::vector<const scenarios::ProcessSpec*>& specs,
                   const std::map<std::string, PodCgroups::Summary>& cgroups) {
  for (auto& process : journal.processes) {
    for (const auto* spec : specs) {
      if (spec->name == process.name) {
        process.memory_limit_bytes = spec->memory_limit_bytes;
        process.cpu_limit_cores = spec->cpu_limit_cores;
      }
    }
    if (auto it = cgroups.find(process.name); it != cgroups.end()) {
      process.cgroup = it->second.path;
      process.oom_kills = it->second.oom_kills;
    }
  }
}

reports::LinkRecord linkRecord(const faults::LinkConfig& config, const faults::LinkStats& stats) {
  return reports::LinkRecord{config.name,
                             fmt::format("{}:{}", config.listen.host, config.listen.port),
                             fmt::format("{}:{}", config.to.host, config.to.port),
                             stats.accepted,
                             stats.connect_errors,
                             stats.bytes_upstream,
                             stats.bytes_downstream};
}

void attributeAlert(reports::AlertRecord& alert, const std::vector<reports::FaultRecord>& faults) {
  const reports::FaultRecord* cause = nullptr;
  for (const auto& fault : faults) {
    if (fault.effective && fault.started_at_s <= alert.fired_at_s &&
        (cause == nullptr || fault.started_at_s > cause->started_at_s)) {
      cause = &fault;
    }
  }
  if (cause != nullptr) {
    alert.caused_by = cause->name;
    alert.detect_s = alert.fired_at_s - cause->started_at_s;
  }
}

std::vector<reports::TimelineEvent> recordJudgement(reports::Journal& journal,
                                                    const scenarios::Scenario& scenario,
                                                    const RunJudgement& judged) {
  std::map<std::string, std::string> slo_verdicts;
  for (const auto& v : judged.judgement.slos) {
    slo_verdicts[v.slo] = slo::toString(v.verdict);
  }
  for (const auto& report : judged.reports) {
    reports::SloRecord record;
    record.name = report.name;
    const auto* spec = findSlo(scenario, report.name);
    record.sli = spec ? scenarios::toString(spec->sli) : "";
    if (spec && spec->threshold) {
      record.threshold_ms = toSeconds(*spec->threshold) * 1000.0;
    }
    record.objective = report.objective;
    record.period_s = report.period_s;
    record.good = report.good;
    record.total = report.total;
    record.measured = report.measured;
    record.met = report.met;
    record.budget_consumed = report.budget_consumed;
    record.verdict = slo_verdicts[report.name];
    journal.slos.push_back(std::move(record));
  }
  std::vector<reports::TimelineEvent> events;
  for (const auto& alert : judged.alerts) {
    reports::AlertRecord record;
    record.slo = alert.slo;
    record.severity = alert.severity;
    record.long_s = alert.long_s;
    record.short_s = alert.short_s;
    record.factor = alert.factor;
    record.fired_at_s = alert.fired_at_s;
    record.resolved_at_s = alert.resolved_at_s;
    attributeAlert(record, journal.faults);
    journal.alerts.push_back(std::move(record));
    events.push_back({alert.fired_at_s, "alert-fired",
                      fmt::format("{} {} ({}/{} burn rate above {})", alert.slo, alert.severity,
                                  formatDurationSeconds(alert.long_s),
                                  formatDurationSeconds(alert.short_s), alert.factor)});
    if (alert.resolved_at_s) {
      events.push_back({*alert.resolved_at_s, "alert-resolved",
                        fmt::format("{} {}", alert.slo, alert.severity)});
    }
  }
  journal.series.burn_rate = judged.burn_rate;
  const auto& judgement = judged.judgement;
  journal.verdict = slo::toString(judgement.verdict);
  journal.invalid_reasons = judgement.reasons;
  for (const auto& finding : judgement.findings) {
    journal.findings.push_back(reports::FindingRecord{scenarios::toString(finding.kind),
                                                      finding.slo, finding.detail, finding.fails});
  }
  return events;
}

void recordTimeline(reports::Journal& journal, const std::vector<PendingEvent>& pending,
                    MonotonicTime t0, const std::vector<reports::TimelineEvent>& run_events) {
  for (const auto& entry : pending) {
    journal.timeline.push_back({toSeconds(entry.at - t0), entry.event, entry.detail});
  }
  journal.timeline.insert(journal.timeline.end(), run_events.begin(), run_events.end());
  std::stable_sort(journal.timeline.begin(), journal.timeline.end(),
                   [](const auto& a, const auto& b) { return a.at_s < b.at_s; });
}

}  // namespace outrider::harness
