// Game days end to end: faults on real processes, SLOs, burn-rate alerts, verdicts, exit codes.
#include <signal.h>

#include <cerrno>
#include <filesystem>
#include <thread>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "outrider/reports/journal.h"
#include "journal_checks.h"
#include "run_program.h"

namespace outrider {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using testing::HasSubstr;

class GameDayTest : public testing::Test {
 protected:
  void SetUp() override {
    const auto* info = testing::UnitTest::GetInstance()->current_test_info();
    work_ = fs::temp_directory_path() /
            ("outrider-gd-" + std::string(info->name()) + "-" + std::to_string(::getpid()));
    fs::remove_all(work_);
  }
  void TearDown() override {
    if (!HasFailure()) {
      fs::remove_all(work_);
    }
  }

  // Runs a scenario of tests/integration/scenarios into work_/<out>; returns the exit code.
  int run(const std::string& scenario, const std::string& out = "run",
          std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = {test::binDir() + "/outrider", "run",
                                     "tests/integration/scenarios/" + scenario + ".toml", "--out",
                                     (work_ / out).string()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    auto result = test::runProgram(argv, work_ / (out + "-output"), 150s);
    EXPECT_TRUE(result.finished) << scenario << " did not finish";
    last_output_ = result.out + result.err;
    return result.exit_code;
  }
  reports::Journal journal(const std::string& out = "run") const {
    auto journal = reports::readJournal((work_ / out).string());
    EXPECT_TRUE(journal.has_value()) << journal.error().message;
    return journal ? *journal : reports::Journal{};
  }
  static const reports::SloRecord* slo(const reports::Journal& j, const std::string& name) {
    for (const auto& s : j.slos) {
      if (s.name == name) {
        return &s;
      }
    }
    return nullptr;
  }

  fs::path work_;
  std::string last_output_;
};

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
  ASSERT_EQ(j.faults.size(), 1u);
  EXPECT_TRUE(j.faults[0].effective) << j.faults[0].evidence;
  EXPECT_GT(j.faults[0].injections, 0u);
  EXPECT_NEAR(j.faults[0].started_at_s, 5.0, 0.2);
}

// A pause longer than the load's timeout shows up as timed-out requests, and the paused process
// was seen stopped.
TEST_F(GameDayTest, PauseLongerThanTimeoutTimesRequestsOut) {
  run("gd-pause");
  auto j = journal();
  EXPECT_GT(j.load.timed_out, 50u) << last_output_;
  ASSERT_EQ(j.faults.size(), 1u);
  EXPECT_TRUE(j.faults[0].effective) << j.faults[0].evidence;
  EXPECT_THAT(j.faults[0].evidence, HasSubstr("state T"));
  EXPECT_FALSE(slo(j, "availability")->met);
}

// A kill of the proxy with restart = always shows the exit, the restart and the dip.
TEST_F(GameDayTest, KillShowsExitRestartAndDip) {
  run("gd-kill");
  auto j = journal();
  const reports::ProcessRecord* proxy = nullptr;
  for (const auto& p : j.processes) {
    if (p.name == "proxy") {
      proxy = &p;
    }
  }
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

}  // namespace
}  // namespace outrider
