// The run's records from what it measured: load trust, the per-second series, alert-to-fault
// attribution and the timeline's order (journal_assembly.h).
#include "outrider/harness/journal_assembly.h"

#include <gtest/gtest.h>

namespace outrider::harness {
namespace {

using namespace std::chrono_literals;

reports::FaultRecord fault(std::string name, double start, bool effective = true) {
  reports::FaultRecord record;
  record.name = std::move(name);
  record.started_at_s = start;
  record.effective = effective;
  return record;
}

// Limits come from the scenario, the cgroup and its OOM kills from the summaries; a process
// without a cgroup keeps nulls there (the run had none for it).
TEST(RecordCgroupsTest, LimitsFromTheScenarioCountsFromTheCgroups) {
  reports::Journal journal;
  journal.processes.resize(2);
  journal.processes[0].name = "proxy";
  journal.processes[1].name = "app";
  scenarios::ProcessSpec proxy;
  proxy.name = "proxy";
  proxy.memory_limit_bytes = 48ull << 20;
  proxy.cpu_limit_cores = 0.25;
  scenarios::ProcessSpec app;
  app.name = "app";
  const std::map<std::string, PodCgroups::Summary> cgroups = {
      {"proxy", {"/cg/outrider-1/proxy", 3}}};
  recordCgroups(journal, {&proxy, &app}, cgroups);
  EXPECT_EQ(journal.processes[0].memory_limit_bytes, std::optional<uint64_t>(48ull << 20));
  EXPECT_EQ(journal.processes[0].cpu_limit_cores, std::optional<double>(0.25));
  EXPECT_EQ(journal.processes[0].cgroup, std::optional<std::string>("/cg/outrider-1/proxy"));
  EXPECT_EQ(journal.processes[0].oom_kills, std::optional<uint64_t>(3));
  EXPECT_FALSE(journal.processes[1].memory_limit_bytes);
  EXPECT_FALSE(journal.processes[1].cgroup);
  EXPECT_FALSE(journal.processes[1].oom_kills);
}

TEST(AssessLoadTest, OnePercentOfOwnStallsMakesTheRunInvalid) {
  LoadCounts counts;
  counts.scheduled = 10000;
  counts.stalled_dispatch = 100;  // exactly 1%: still trusted
  EXPECT_FALSE(assessLoad(counts).behind_schedule);
  EXPECT_FALSE(assessLoad(counts).invalid_reason);
  counts.stalled_dispatch = 101;
  const auto trust = assessLoad(counts);
  EXPECT_TRUE(trust.behind_schedule);
  ASSERT_TRUE(trust.invalid_reason);
  EXPECT_NE(trust.invalid_reason->find("101 of 10000"), std::string::npos) << *trust.invalid_reason;
}

// Requests that waited for a busy connection are the target's slowness, not the generator's.
TEST(AssessLoadTest, SaturatedConnectionsAreANoteNotInvalid) {
  LoadCounts counts;
  counts.scheduled = 1000;
  counts.not_sent = 50;
  const auto trust = assessLoad(counts);
  EXPECT_TRUE(trust.connections_saturated);
  EXPECT_FALSE(trust.behind_schedule);
  EXPECT_FALSE(trust.invalid_reason);
  EXPECT_FALSE(assessLoad(LoadCounts{}).connections_saturated);  // nothing scheduled
}

TEST(RecordLoadTest, OneSeriesEntryPerSecondOfTheDurationPaddedWithZeros) {
  scenarios::Load load;
  load.target = "http://127.0.0.1:1/";
  load.rate = 100;
  load.warmup = 2s;
  LoadResult result;
  result.counts.scheduled = 300;
  result.counts.completed = 290;
  result.counts.status_5xx = 7;
  result.counts.status_other = 1;
  for (int i = 0; i < 2; ++i) {
    LoadSecond second;
    second.counts.completed = 100 + i;
    second.counts.failed = i;
    second.latency.record(2'000'000);  // 2 ms
    result.series.push_back(second);
  }
  reports::Journal journal;
  recordLoad(journal, load, 2500ms, result);  // 2.5 s: three entries
  ASSERT_EQ(journal.series.rps.size(), 3u);
  EXPECT_EQ(journal.series.rps[1], 101);
  EXPECT_EQ(journal.series.errors[1], 1u);
  EXPECT_EQ(journal.series.rps[2], 0);
  EXPECT_NEAR(journal.series.p50_ms[0], 2.0, 0.01);
  EXPECT_EQ(journal.load.warmup_s, 2.0);
  EXPECT_EQ(journal.load.status.at("5xx"), 7u);
  EXPECT_EQ(journal.load.status.at("other"), 1u);
}

// An https result fills load.tls_* and series.tls, one entry per second like the others.
TEST(RecordLoadTest, HttpsResultFillsTlsFieldsAndSeries) {
  scenarios::Load load;
  load.target = "https://127.0.0.1:1/";
  load.requests_per_connection = 1;
  LoadResult result;
  result.tls = true;
  result.tls_failures = {{"expired", 40}};
  result.tls_handshake.record(2'000'000);  // 2 ms
  result.connect_time.record(100'000);
  tls::CertificateValidity served{SystemTime(std::chrono::seconds(1780000000)),
                                  SystemTime(std::chrono::seconds(1780000014)), "1A", "CN=ca"};
  result.tls_served.record(served, 500ms);
  result.tls_served.record(served, 1500ms);
  LoadSecond first;
  first.tls_handshakes = 1;
  first.tls_min_not_after_ms = 1780000014000;
  LoadSecond second;
  second.counts.tls_failed = 40;
  result.series = {first, second};
  reports::Journal journal;
  recordLoad(journal, load, 3s, result);
  ASSERT_TRUE(journal.load.tls);
  EXPECT_EQ(journal.load.requests_per_connection, 1u);
  EXPECT_EQ(journal.load.tls->failures.at("expired"), 40u);
  EXPECT_EQ(journal.load.tls->handshake_ms.count, 1u);
  EXPECT_NEAR(journal.load.tls->handshake_ms.p50, 2.0, 0.01);
  EXPECT_NEAR(journal.load.connect_ms.max, 0.1, 0.001);
  ASSERT_EQ(journal.load.tls->served.size(), 1u);
  EXPECT_EQ(journal.load.tls->served[0].not_after_ms, 1780000014000);
  EXPECT_EQ(journal.load.tls->served[0].first_seen_s, 0.5);
  EXPECT_EQ(journal.load.tls->served[0].last_seen_s, 1.5);
  EXPECT_EQ(journal.load.tls->served[0].handshakes, 2u);
  ASSERT_TRUE(journal.series.tls);
  EXPECT_EQ(journal.series.tls->failures, (std::vector<uint64_t>{0, 40, 0}));
  EXPECT_EQ(journal.series.tls->handshakes, (std::vector<uint64_t>{1, 0, 0}));
  EXPECT_EQ(journal.series.tls->min_not_after_ms[0], 1780000014000);
  EXPECT_EQ(journal.series.tls->min_not_after_ms[2], std::nullopt);
}

TEST(AttributeAlertTest, TheLastEffectiveFaultThatBeganBeforeTheAlertIsItsCause) {
  const std::vector<reports::FaultRecord> faults = {fault("early", 10), fault("inert", 50, false),
                                                    fault("recent", 40), fault("later", 90)};
  reports::AlertRecord alert;
  alert.fired_at_s = 80;
  attributeAlert(alert, faults);
  EXPECT_EQ(alert.caused_by, "recent");
  ASSERT_TRUE(alert.detect_s);
  EXPECT_DOUBLE_EQ(*alert.detect_s, 40);
}

TEST(AttributeAlertTest, AnAlertBeforeEveryFaultHasNoCause) {
  reports::AlertRecord alert;
  alert.fired_at_s = 5;
  attributeAlert(alert, {fault("late", 6)});
  EXPECT_TRUE(alert.caused_by.empty());
  EXPECT_FALSE(alert.detect_s);
}

TEST(RecordJudgementTest, SlosAlertsAndVerdictWithTheAlertsTimelineEvents) {
  scenarios::Scenario scenario;
  scenarios::Slo latency;
  latency.name = "fast";
  latency.sli = scenarios::SliKind::Latency;
  latency.threshold = 250ms;
  scenario.slos.push_back(latency);
  RunJudgement judged;
  slo::SloReport report;
  report.name = "fast";
  report.objective = 0.99;
  report.good = 90;
  report.total = 100;
  report.measured = 0.9;
  report.met = false;
  judged.reports.push_back(report);
  judged.alerts.push_back({"fast", "page", 3600, 300, 14.4, 92, 396.0});
  judged.judgement.verdict = slo::Verdict::Fail;
  judged.judgement.slos.push_back({"fast", slo::Verdict::Fail});
  judged.judgement.findings.push_back(
      {scenarios::FindingKind::Objective, "fast", "0.9 < 0.99", true});
  reports::Journal journal;
  journal.faults = {fault("burst", 40)};
  const auto events = recordJudgement(journal, scenario, judged);

  ASSERT_EQ(journal.slos.size(), 1u);
  EXPECT_EQ(journal.slos[0].sli, "latency");
  EXPECT_EQ(journal.slos[0].threshold_ms, 250.0);
  EXPECT_EQ(journal.slos[0].verdict, "fail");
  ASSERT_EQ(journal.alerts.size(), 1u);
  EXPECT_EQ(journal.alerts[0].caused_by, "burst");
  EXPECT_DOUBLE_EQ(*journal.alerts[0].detect_s, 52);
  EXPECT_EQ(journal.verdict, "fail");
  ASSERT_EQ(journal.findings.size(), 1u);
  EXPECT_TRUE(journal.findings[0].fails);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].event, "alert-fired");
  EXPECT_EQ(events[0].at_s, 92);
  EXPECT_EQ(events[0].detail, "fast page (1h/5m burn rate above 14.4)");
  EXPECT_EQ(events[1].event, "alert-resolved");
  EXPECT_EQ(events[1].at_s, 396);
}

// Start-up events come before t0 (negative times); events at one time keep their given order.
TEST(RecordTimelineTest, RelativeToT0InTimeOrderStable) {
  const MonotonicTime t0 = MonotonicTime{} + 100s;
  const std::vector<PendingEvent> pending = {{t0 + 5s, "fault-start", "a"},
                                             {t0 - 2s, "process-start", "app"},
                                             {t0 + 5s, "fault-end", "b"}};
  reports::Journal journal;
  recordTimeline(journal, pending, t0, {{1.0, "alert-fired", "x"}, {5.0, "alert-resolved", "y"}});
  std::vector<std::string> order;
  for (const auto& e : journal.timeline) {
    order.push_back(e.event);
  }
  EXPECT_EQ(order, (std::vector<std::string>{"process-start", "alert-fired", "fault-start",
                                             "fault-end", "alert-resolved"}));
  EXPECT_DOUBLE_EQ(journal.timeline[0].at_s, -2.0);
}

}  // namespace
}  // namespace outrider::harness

namespace outrider::harness {
namespace {

// A certificate fault's evidence gets the load's view: the earliest NotAfter served in its window
// (in run seconds) and the handshakes that failed in it, with the run's reasons.
TEST(LoadCertificateEvidenceTest, TheWindowsHandshakesFollowTheControlPlanesPart) {
  reports::Journal journal;
  const SystemTime t0(std::chrono::seconds(1'800'000'000));
  const int64_t t0_ms = 1'800'000'000'000;
  journal.load.tls.emplace();
  journal.load.tls->failures = {{"expired", 7}};
  journal.series.tls.emplace();
  for (int i = 0; i < 10; ++i) {
    // Handshakes fail from 6 s; the certificate served until then ends at 5.5 s.
    journal.series.tls->failures.push_back(i >= 6 ? 1 : 0);
    journal.series.tls->handshakes.push_back(i < 6 ? 10 : 0);
    journal.series.tls->min_not_after_ms.push_back(i < 6 ? std::optional<int64_t>(t0_ms + 5'500)
                                                         : std::nullopt);
  }
  auto expiry = fault("cert-expiry-control", 3);
  expiry.kind = "cert-expiry";
  expiry.ended_at_s = 8;
  expiry.evidence = "control re-served 2 certificates without renewal";
  auto other = fault("kill-proxy", 1);
  other.kind = "kill";
  other.evidence = "killed";
  journal.faults = {expiry, other};
  addLoadCertificateEvidence(journal, t0);
  EXPECT_EQ(journal.faults[0].evidence,
            "control re-served 2 certificates without renewal; load: served certificate NotAfter "
            "5.5s; 3 handshakes failed in the window (over the run: expired 7)");
  EXPECT_EQ(journal.faults[1].evidence, "killed");
}

// Without https load there is nothing to add.
TEST(LoadCertificateEvidenceTest, PlainLoadLeavesTheEvidence) {
  reports::Journal journal;
  auto skew = fault("clock-skew-proxy", 1);
  skew.kind = "clock-skew";
  skew.evidence = "restarted";
  journal.faults = {skew};
  addLoadCertificateEvidence(journal, SystemTime{});
  EXPECT_EQ(journal.faults[0].evidence, "restarted");
}

}  // namespace
}  // namespace outrider::harness
