// Game days end to end: faults on real processes, SLOs, burn-rate alerts, verdicts, exit codes.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <cerrno>
#include <filesystem>
#include <regex>
#include <thread>

#include "game_day_fixture.h"
#include "journal_checks.h"
#include "outrider/reports/journal.h"
#include "run_program.h"

namespace outrider {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using test::badRequests;
using test::GameDayTest;
using test::hasOneEffectiveFault;
using test::processNamed;
using testing::HasSubstr;

// The load's availability SLO and its twin on the proxy's own counters (proxy-availability),
// both in the journal.
testing::AssertionResult findRatioPair(const reports::Journal& j,
                                       const reports::SloRecord*& availability,
                                       const reports::SloRecord*& ratio) {
  availability = test::sloNamed(j, "availability");
  ratio = test::sloNamed(j, "proxy-availability");
  if (availability == nullptr || ratio == nullptr) {
    return testing::AssertionFailure()
           << "no " << (availability ? "proxy-availability" : "availability") << " SLO";
  }
  return testing::AssertionSuccess();
}

// A rollout of the pod under load: every process of the pod replaced (the config service left
// alone), no request in flight at the app's SIGTERM failed (the app answers what it holds, the
// proxy drains), and every failure of the run is inside the blip the fault's record reports.
TEST_F(GameDayTest, PodRestartFailsNoRequestInFlightAtTheAppsSigterm) {
  run("gd-pod-restart");
  auto j = journal();
  ASSERT_EQ(j.faults.size(), 1u) << last_output_;
  const auto& fault = j.faults[0];
  EXPECT_TRUE(fault.effective) << fault.evidence;
  EXPECT_THAT(fault.evidence, HasSubstr("pod replaced: ingress pid"));
  for (const char* name : {"app", "ingress", "egress"}) {
    ASSERT_NE(processNamed(j, name), nullptr) << name;
    EXPECT_EQ(processNamed(j, name)->starts, 2u) << name;
  }
  EXPECT_EQ(processNamed(j, "config")->starts, 1u);  // a service: outside the pod
  ASSERT_TRUE(fault.blip.has_value()) << fault.evidence;
  ASSERT_TRUE(fault.blip->sigterm_s.has_value());
  EXPECT_NEAR(*fault.blip->sigterm_s, 7.0, 0.3);
  EXPECT_EQ(fault.blip->sigterm_process, "app");
  // 100 ms replies at 100 req/s: about ten requests are in flight at any moment, the SIGTERM's
  // included; none of them may fail.
  EXPECT_GE(j.load.latency_ms.p50, 100.0);
  ASSERT_TRUE(fault.blip->in_flight_failed.has_value());
  EXPECT_EQ(*fault.blip->in_flight_failed, 0u) << fault.evidence;
  EXPECT_THAT(fault.evidence, HasSubstr("none of the requests in flight at the app's SIGTERM"));
  EXPECT_LE(badRequests(j), fault.blip->failed) << fault.evidence;
  EXPECT_GT(fault.blip->to_s, fault.blip->from_s);
  EXPECT_LT(fault.blip->to_s - fault.blip->from_s, 3.0) << fault.evidence;
}

// F7: the same pod replaced with the app started before its egress proxy. The app's boot call
// fails, it exits 1 and is restarted after its back-off; the order shows in the evidence, and
// clearly more requests fail than in the plain rollout of the same pod.
TEST_F(GameDayTest, StartupRaceAppFirstCrashesTheAppAtBootAndCostsMoreThanARollout) {
  run("gd-startup-race-app-first", "race");
  auto race = journal("race");
  ASSERT_EQ(race.faults.size(), 1u) << last_output_;
  const auto& fault = race.faults[0];
  EXPECT_TRUE(fault.effective) << fault.evidence;
  EXPECT_THAT(fault.evidence, HasSubstr("app started at"));
  EXPECT_THAT(fault.evidence, HasSubstr("before egress was ready"));
  EXPECT_THAT(fault.evidence, HasSubstr("app exited (exit code 1)"));
  const auto* app = processNamed(race, "app");
  ASSERT_NE(app, nullptr);
  EXPECT_GE(app->starts, 3u);  // the first pod's, the one that crashed, the one after back-off
  bool exited_one = false;
  for (const auto& exit : app->exits) {
    exited_one = exited_one || exit.code == 1;
  }
  EXPECT_TRUE(exited_one);
  ASSERT_GE(app->ready_at_s.size(), 2u);  // ready again before the run ended

  run("gd-pod-restart", "rollout");
  auto rollout = journal("rollout");
  ASSERT_TRUE(fault.blip && rollout.faults.at(0).blip);
  const uint64_t race_failed = fault.blip->failed;
  const uint64_t rollout_failed = rollout.faults[0].blip->failed;
  RecordProperty("race_failed", std::to_string(race_failed));
  RecordProperty("rollout_failed", std::to_string(rollout_failed));
  // The back-off alone (2 s at 100 req/s) is 200 requests.
  EXPECT_GE(race_failed, 2 * rollout_failed + 100)
      << "race: " << fault.evidence << "\nrollout: " << rollout.faults[0].evidence;
  EXPECT_GT(badRequests(race), badRequests(rollout));
}

// Replies held above the latency threshold for 5 of 12 measured seconds fail the latency
// objective (exit 1) while availability holds.
TEST_F(GameDayTest, LatencyFaultFailsLatencyObjectiveOnly) {
  EXPECT_EQ(run("gd-latency-third"), 1) << last_output_;
  auto j = journal();
  EXPECT_EQ(j.verdict, "fail");
  ASSERT_NE(slo(j, "latency"), nullptr);
  ASSERT_NE(slo(j, "availability"), nullptr);
  EXPECT_FALSE(slo(j, "latency")->met);
  EXPECT_LT(slo(j, "latency")->measured, 0.7);
  EXPECT_TRUE(slo(j, "availability")->met) << slo(j, "availability")->measured;
  ASSERT_TRUE(hasOneEffectiveFault(j));
  EXPECT_GT(j.faults[0].injections, 0u);
  EXPECT_NEAR(j.faults[0].started_at_s, 5.0, 0.2);
}

// A pause longer than the load's timeout shows up as timed-out requests, and the paused process
// was seen stopped.
TEST_F(GameDayTest, PauseLongerThanTimeoutTimesRequestsOut) {
  run("gd-pause");
  auto j = journal();
  EXPECT_GT(j.load.timed_out, 50u) << last_output_;
  ASSERT_TRUE(hasOneEffectiveFault(j));
  EXPECT_THAT(j.faults[0].evidence, HasSubstr("state T"));
  EXPECT_FALSE(slo(j, "availability")->met);
}

// A kill of the proxy with restart = always shows the exit, the restart and the dip.
TEST_F(GameDayTest, KillShowsExitRestartAndDip) {
  run("gd-kill");
  auto j = journal();
  const reports::ProcessRecord* proxy = processNamed(j, "proxy");
  ASSERT_NE(proxy, nullptr);
  EXPECT_EQ(proxy->starts, 2u);
  EXPECT_EQ(proxy->restarts, 1u);
  ASSERT_GE(proxy->exits.size(), 1u);
  EXPECT_EQ(proxy->exits[0].signal, "SIGKILL");
  EXPECT_NEAR(proxy->exits[0].at_s, 5.0, 0.3);
  ASSERT_EQ(proxy->ready_at_s.size(), 2u);
  EXPECT_GT(proxy->ready_at_s[1], 5.9);  // the 1s back-off
  EXPECT_TRUE(j.faults.at(0).effective) << j.faults.at(0).evidence;
  // The dip: errors in the second of the kill, none a few seconds later.
  ASSERT_GE(j.series.errors.size(), 9u);
  EXPECT_GT(j.series.errors[5], 0u);
  EXPECT_EQ(j.series.errors[8], 0u);
}

// The same seed aborts the same number of requests; another seed gives another plan.
TEST_F(GameDayTest, SameSeedSameInjections) {
  run("gd-abort-half", "a");
  run("gd-abort-half", "b");
  run("gd-abort-half", "c", {"--seed", "12345"});
  auto a = journal("a");
  auto b = journal("b");
  auto c = journal("c");
  ASSERT_EQ(a.faults.size(), 1u);
  ASSERT_EQ(b.faults.size(), 1u);
  EXPECT_EQ(a.seed, b.seed);
  EXPECT_EQ(c.seed, 12345u);
  // Decisions are keyed by the request's number on the link, so the count repeats exactly.
  EXPECT_GT(a.faults[0].injections, 100u);
  EXPECT_EQ(a.faults[0].injections, b.faults[0].injections)
      << a.faults[0].evidence << " vs " << b.faults[0].evidence;
  EXPECT_EQ(a.load.status["5xx"], a.faults[0].injections);
}

// History clean, objective 0.999, every request aborted for 60 s: the 1h/5m page fires
// 52 +/- 2 s after the abort starts and the run burns 0.0231 +/- 0.001 of the 30d budget.
TEST_F(GameDayTest, BurnRatePageMatchesHandCalculation) {
  EXPECT_EQ(run("gd-burn-page"), 1) << last_output_;
  auto j = journal();
  const reports::AlertRecord* page = nullptr;
  for (const auto& a : j.alerts) {
    if (a.slo == "availability" && a.severity == "page" && a.long_s == 3600) {
      page = &a;
    }
  }
  ASSERT_NE(page, nullptr) << last_output_;
  ASSERT_EQ(j.faults.size(), 1u);
  EXPECT_NEAR(page->fired_at_s - j.faults[0].started_at_s, 52.0, 2.0);
  ASSERT_TRUE(page->detect_s.has_value());
  EXPECT_EQ(page->caused_by, j.faults[0].name);
  EXPECT_NEAR(slo(j, "availability")->budget_consumed, 0.0231, 0.001);
  EXPECT_EQ(j.verdict, "fail");
  // The drafted postmortem says how long detection took.
  const std::string postmortem = test::readFile(work_ / "run" / "postmortem.md");
  EXPECT_THAT(postmortem, HasSubstr(fmt::format("{:.1f}s", *page->detect_s)));
}

// A ratio SLI on the proxy's own outrider_proxy_requests_total counters measures a 503 burst
// within 0.5% of the load generator's availability SLI, and the run records the selectors'
// values, the series counts and every process's CPU and memory, charted in report.html.
TEST_F(GameDayTest, RatioOnProxyCountersMatchesAvailabilityUnderAborts) {
  EXPECT_EQ(run("gd-ratio-abort"), 1) << last_output_;
  auto j = journal();
  const reports::SloRecord* availability = nullptr;
  const reports::SloRecord* ratio = nullptr;
  ASSERT_TRUE(findRatioPair(j, availability, ratio));
  EXPECT_LT(availability->measured, 0.9) << "the burst did not happen";
  EXPECT_NEAR(ratio->measured, availability->measured, 0.005)
      << ratio->good << "/" << ratio->total << " vs " << availability->good << "/"
      << availability->total;
  EXPECT_NEAR(static_cast<double>(ratio->total), static_cast<double>(availability->total),
              0.01 * static_cast<double>(availability->total));
  ASSERT_TRUE(ratio->ratio.has_value());
  EXPECT_EQ(ratio->ratio->gap_seconds, 0u);
  ASSERT_EQ(j.scrapes.size(), 1u);
  EXPECT_EQ(j.scrapes[0].failed, 0u);
  EXPECT_EQ(j.scrapes[0].attempted, 13u);  // ticks 0..11 and the last, after the last replies
  const auto& metrics = j.series.metrics.at("proxy");
  for (const char* selector :
       {"outrider_proxy_requests_total", "outrider_proxy_requests_total{code=\"5xx\"}"}) {
    ASSERT_EQ(metrics.count(selector), 1u) << selector;
    ASSERT_EQ(metrics.at(selector).size(), 12u);
    for (const auto& value : metrics.at(selector)) {
      EXPECT_TRUE(value.has_value()) << selector;
    }
  }
  for (const auto& count : j.series.metrics_series.at("proxy")) {
    ASSERT_TRUE(count.has_value());
    EXPECT_GT(*count, 10u);
  }
  for (const char* process : {"proxy", "app"}) {
    ASSERT_EQ(j.series.process.count(process), 1u) << process;
    const auto& series = j.series.process.at(process);
    ASSERT_EQ(series.cpu_cores.size(), 12u);
    size_t sampled = 0;
    for (size_t k = 0; k < 12; ++k) {
      sampled += series.cpu_cores[k].has_value() ? 1 : 0;
      ASSERT_TRUE(series.rss_bytes[k].has_value()) << process << " " << k;
      EXPECT_GT(*series.rss_bytes[k], 1u << 20) << process;
    }
    EXPECT_EQ(sampled, 12u) << process;
  }
  const std::string html = test::readFile(work_ / "run" / "report.html");
  EXPECT_THAT(html, HasSubstr("<title>CPU and memory: proxy</title>"));
  EXPECT_THAT(html, HasSubstr("<title>CPU and memory: app</title>"));
  EXPECT_THAT(html, HasSubstr("<title>Ratio SLI: proxy-availability</title>"));
  const std::string md = test::readFile(work_ / "run" / "report.md");
  EXPECT_THAT(md, HasSubstr("## Ratio SLIs: what the sidecar reported and what clients saw"));
  EXPECT_THAT(md, HasSubstr("## Resources"));
}

// The proxy SIGKILLed and restarted mid-run: its counters reset, and the ratio stays right over
// what it saw (each second's increase at most the load's rate, the sum never above the replies
// clients got: nothing negative, nothing counted twice), while the report shows what the
// clients saw and it never did.
TEST_F(GameDayTest, RatioSurvivesProxyRestartAndShowsTheGap) {
  EXPECT_EQ(run("gd-ratio-kill"), 1) << last_output_;
  auto j = journal();
  const reports::SloRecord* availability = nullptr;
  const reports::SloRecord* ratio = nullptr;
  ASSERT_TRUE(findRatioPair(j, availability, ratio));
  ASSERT_TRUE(ratio->ratio.has_value());
  const auto& r = *ratio->ratio;
  const reports::ProcessRecord* proxy = processNamed(j, "proxy");
  ASSERT_NE(proxy, nullptr);
  EXPECT_EQ(proxy->starts, 2u);
  // What the proxy saw was all good; the clients saw the outage.
  EXPECT_GE(ratio->measured, 0.999);
  EXPECT_LT(availability->measured, ratio->measured - 0.05);
  EXPECT_GE(r.reset_seconds, 1u);
  EXPECT_GE(r.gap_seconds, 1u);
  ASSERT_TRUE(r.clients_sent.has_value());
  EXPECT_GT(r.clients_failed, 0u);
  // Never negative, never doubled: each second at most the rate (200/s, with slack for a
  // request crossing a scrape), and the whole never above the replies the clients got.
  uint64_t sum = 0;  // over the measured seconds, after the 2 s warmup
  const auto& totals = j.series.ratio_events.at("proxy-availability").total;
  for (size_t k = 0; k < totals.size(); ++k) {
    if (totals[k]) {
      EXPECT_LE(*totals[k], 240u);
      sum += k >= 2 ? *totals[k] : 0;
    }
  }
  EXPECT_EQ(sum, ratio->total);
  EXPECT_LE(ratio->total, r.clients_completed);
  // It lost at most the second of the kill: what the killed process counted and took with it.
  EXPECT_GE(ratio->total + 250, r.clients_completed);
  // The raw counter shows the reset.
  const auto& values = j.series.metrics.at("proxy").at("outrider_proxy_requests_total");
  bool dropped = false;
  std::optional<double> previous;
  for (const auto& value : values) {
    if (value && previous && *value < *previous) {
      dropped = true;
    }
    if (value) {
      previous = value;
    }
  }
  EXPECT_TRUE(dropped);
  EXPECT_GE(j.scrapes.at(0).failed, 1u);
  const std::string md = test::readFile(work_ / "run" / "report.md");
  EXPECT_THAT(md, HasSubstr("proxy never reported"));
  EXPECT_THAT(md, HasSubstr("Counters started again from 0"));
  EXPECT_THAT(md, HasSubstr("without events, neither good nor bad"));
}

// Ctrl-C while the proxy is paused: the run ends promptly, and no process is left behind,
// stopped or otherwise.
TEST_F(GameDayTest, InterruptDuringPauseLeavesNothingBehind) {
  test::Program program({test::binDir() + "/outrider", "run",
                         "tests/integration/scenarios/gd-pause.toml", "--out",
                         (work_ / "run").string()},
                        work_ / "output");
  ASSERT_TRUE(program.waitForOutput("fault-start pause", 30s)) << program.currentOut();
  program.signal(SIGINT);
  auto result = program.wait(20s);
  ASSERT_TRUE(result.finished);
  EXPECT_EQ(result.exit_code, 3) << result.out << result.err;
  auto j = journal();
  ASSERT_EQ(j.processes.size(), 2u);
  EXPECT_TRUE(test::everyProcessGone(j));
}

// F3 per request: a misroute of half the requests on the proxy's http link to the app makes
// about half of the window's replies come from 'other', each one unexpected and bad.
TEST_F(GameDayTest, HttpMisrouteOfHalfTheRequestsMakesHalfTheirRepliesUnexpected) {
  const int code = run("gd-misroute-http");
  auto j = journal();
  ASSERT_EQ(j.faults.size(), 1u) << last_output_;
  const auto& fault = j.faults[0];
  EXPECT_TRUE(fault.effective) << fault.evidence;
  std::smatch m;
  const std::regex counts(R"((\d+) of (\d+) requests sent to 127\.0\.0\.1:\d+)");
  ASSERT_TRUE(std::regex_search(fault.evidence, m, counts)) << fault.evidence;
  const double sent = std::stod(m[1]);
  const double seen = std::stod(m[2]);
  EXPECT_GT(seen, 1000);  // 200 req/s for 6 s
  EXPECT_NEAR(sent / seen, 0.5, 0.03) << fault.evidence;
  // Each one sent away came back as a reply from 'other', and nothing else was unexpected.
  EXPECT_EQ(static_cast<double>(j.load.unexpected), sent) << last_output_;
  EXPECT_EQ(j.load.failed, 0u);
  EXPECT_EQ(j.verdict, "fail");
  EXPECT_EQ(code, 1);
  std::cout << fmt::format("misroute: {} of {} requests to other ({:.1f}%), {} unexpected\n", sent,
                           seen, 100 * sent / seen, j.load.unexpected);
}

}  // namespace
}  // namespace outrider
