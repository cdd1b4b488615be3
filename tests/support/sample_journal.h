#pragma once

// One journal with a bit of everything (a failed SLO, a page, a fault, a restart), shared by the
// report renderers' golden tests.

#include "outrider/reports/journal.h"

namespace outrider::test {

inline reports::Journal sampleJournal() {
  using namespace reports;

  Journal j;
  j.scenario_name = "quickstart";
  j.scenario_file = "scenarios/quickstart.toml";
  j.scenario_sha256 = "ab12cd34ef56ab12cd34ef56";
  j.seed = 42;
  j.started_at = "2026-11-27T08:00:00Z";
  j.duration_s = 30;
  j.startup_s = 0.25;
  j.load.target = "http://127.0.0.1:40001/";
  j.load.rate = 500;
  j.load.connections = 16;
  j.load.warmup_s = 5;
  j.load.timeout_s = 1;
  j.load.scheduled = 12500;
  j.load.sent = 12498;
  j.load.completed = 12490;
  j.load.failed = 5;
  j.load.timed_out = 3;
  j.load.late = 4;
  j.load.not_sent = 2;
  j.load.status = {{"2xx", 12480}, {"5xx", 10}};
  j.load.latency_ms = {0.41, 0.9, 1.5, 3.2, 7.1, 0.5};
  j.load.service_time_ms = {0.40, 0.8, 1.2, 2.9, 7.0, 0.45};
  ProcessRecord proxy;
  proxy.name = "proxy";
  proxy.role = "sidecar";
  proxy.starts = 2;
  proxy.restarts = 1;
  proxy.exits = {ProcessExit{12.5, std::nullopt, "SIGKILL"}, ProcessExit{30.2, 0, std::nullopt}};
  proxy.ready_at_s = {-0.1, 12.8};
  proxy.log = "logs/proxy.log";
  proxy.pids = {1234, 1240};
  j.processes.push_back(proxy);
  j.links.push_back(LinkRecord{"upstream", "127.0.0.1:1", "127.0.0.1:2", 16, 0, 100, 200});
  j.timeline.push_back(TimelineEvent{-0.1, "ready", "proxy"});
  j.timeline.push_back(TimelineEvent{12.5, "process-exit", "proxy by SIGKILL"});
  j.verdict = "fail";
  j.findings.push_back(FindingRecord{"objective", "availability", "0.998 < 0.999", true});
  j.findings.push_back(FindingRecord{"page", "availability", "1h/5m burn rate above 14.4", true});
  j.slos.push_back(SloRecord{"availability", "availability", 0.999, 2592000, std::nullopt, 12470,
                             12500, 0.9976, false, 0.0231, "fail"});
  j.slos.push_back(SloRecord{"latency", "latency", 0.99, 2592000, 100.0, 12400, 12500, 0.992,
                             true, 0.0001, "pass"});
  j.alerts.push_back(AlertRecord{"availability", "page", 3600, 300, 14.4, 67.0, 90.0,
                                 "http-abort-upstream", 52.0});
  j.faults.push_back(FaultRecord{"http-abort-upstream", "http-abort", "upstream",
                                 "http-abort 503 on upstream, p=1", 15.0, 25.0, true,
                                 "503 on 5000 of 5000 requests", 5000});
  j.series.burn_rate["availability"]["5m"] = {0, 1.5};
  j.series.burn_rate["availability"]["1h"] = {0, 0.2};
  j.series.rps = {500, 499.5};
  j.series.errors = {0, 3};
  j.series.p50_ms = {0.4, 0.41};
  j.series.p99_ms = {1.2, 9.5};
  return j;
}

// The sample journal plus what a run observes of its processes: a ratio SLO on the proxy's
// counters with a gap and a reset, scrapes with failures, CPU and memory per process.
inline reports::Journal observedJournal() {
  using namespace reports;
  Journal j = sampleJournal();
  j.series.rps = {500, 499.5, 0, 480};
  j.series.errors = {0, 3, 500, 0};
  SloRecord ratio{"proxy-availability",
                  "ratio",
                  0.999,
                  2592000,
                  std::nullopt,
                  975,
                  980,
                  0.9949,
                  false,
                  0.0051,
                  "fail"};
  RatioRecord record;
  record.source = "proxy";
  record.total = "outrider_proxy_requests_total";
  record.bad = "outrider_proxy_requests_total{code=\"5xx\"}";
  record.gap_seconds = 1;
  record.gaps.push_back(GapRecord{2, 3, "scrape failed: connect: Connection refused"});
  record.reset_seconds = 1;
  record.clients_sent = 1483;
  record.clients_completed = 980;
  record.clients_failed = 503;
  record.warnings.push_back(
      "no metric named typo_total in any scrape of proxy: typo_total "
      "counts nothing");
  ratio.ratio = record;
  j.slos.push_back(ratio);
  j.series.ratio_events["proxy-availability"] =
      RatioEventSeries{{500, 495, std::nullopt, 480}, {500, 500, std::nullopt, 480}};
  j.series.metrics["proxy"]["outrider_proxy_requests_total"] = {500, 1000, std::nullopt, 480};
  j.series.metrics["proxy"]["outrider_proxy_requests_total{code=\"5xx\"}"] = {0, 5, std::nullopt,
                                                                              0};
  j.series.metrics_series["proxy"] = {20, 21, std::nullopt, 20};
  j.series.process["proxy"] =
      ProcessSeries{{0.12, 0.2, std::nullopt, 0.05}, {5u << 20, 6u << 20, std::nullopt, 5u << 20}};
  j.series.process["app"] =
      ProcessSeries{{0.3, 0.31, 0.05, 0.29}, {4u << 20, 4u << 20, 4u << 20, 4u << 20}};
  j.scrapes.push_back(ScrapeRecord{"proxy",
                                   "http://127.0.0.1:9/metrics",
                                   5,
                                   1,
                                   {ScrapeFailure{3.0, "connect: Connection refused"}}});
  return j;
}

}  // namespace outrider::test
