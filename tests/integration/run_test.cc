// `outrider run`, `validate` and `plan` as a user runs them: real processes on loopback.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "journal_checks.h"
#include "outrider/faults/host/cgroups.h"
#include "outrider/faults/host/faketime.h"
#include "outrider/reports/journal.h"
#include "run_program.h"

namespace outrider {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using test::runProgram;
using testing::HasSubstr;
using testing::IsEmpty;

class RunTest : public testing::Test {
 protected:
  void SetUp() override {
    const auto* info = testing::UnitTest::GetInstance()->current_test_info();
    work_ = fs::temp_directory_path() /
            ("outrider-it-" + std::string(info->name()) + "-" + std::to_string(::getpid()));
    fs::remove_all(work_);
    fs::create_directories(work_);
  }
  void TearDown() override {
    if (!HasFailure()) {
      fs::remove_all(work_);
    }
  }

  std::vector<std::string> outrider(std::vector<std::string> args) const {
    args.insert(args.begin(), test::binDir() + "/outrider");
    return args;
  }
  reports::Journal journal() const {
    auto journal = reports::readJournal((work_ / "run").string());
    EXPECT_TRUE(journal.has_value()) << journal.error().message;
    return journal ? *journal : reports::Journal{};
  }

  // Runs tests/integration/scenarios/<file> to its end; also the name of its cgroup group.
  std::pair<test::ProgramResult, std::string> runWithOneFault(const std::string& file) const {
    test::Program program(
        outrider({"run", "tests/integration/scenarios/" + file, "--out", (work_ / "run").string()}),
        work_);
    std::string group = "outrider-" + std::to_string(program.pid());
    return {program.wait(40s), group};
  }

  fs::path work_;
};

// Each process runs in its own cgroup with its limits; cpu-starve throttles the proxy through
// it (evidence from the kernel's cpu.stat), and no cgroup of the run is left afterwards.
TEST_F(RunTest, CpuStarveThrottlesThroughTheProcessCgroupAndLeavesNoneBehind) {
  auto host = faults::host::detectHostCgroups();
  if (!host) {
    GTEST_SKIP() << "this host has no writable cgroups: " << host.error().message;
  }
  const auto [result, group] = runWithOneFault("run-cpu-starve.toml");
  ASSERT_TRUE(result.finished) << result.out << result.err;
  auto j = journal();
  ASSERT_EQ(j.faults.size(), 1u);
  EXPECT_TRUE(j.faults[0].effective) << j.faults[0].evidence;
  EXPECT_THAT(j.faults[0].evidence, HasSubstr("proxy throttled in"));
  EXPECT_THAT(j.faults[0].evidence, HasSubstr("back to 1 core(s)"));
  EXPECT_NE(j.verdict, std::optional<std::string>("invalid")) << result.out;
  EXPECT_FALSE(fs::exists(host->memory_dir + "/" + group)) << host->memory_dir << "/" << group;
  EXPECT_FALSE(fs::exists(host->cpu_dir + "/" + group)) << host->cpu_dir << "/" << group;
}

// clock-skew on real processes: the app (outrider-echo) restarted with OUTRIDER_CLOCK_SKEW, a
// program that is not ours under faketime (its own output shows the wall clock 2h behind), and
// both restarted back on the real clock at the end of their window.
TEST_F(RunTest, ClockSkewShiftsOursThroughTheVariableAndOthersUnderFaketime) {
  if (!faults::host::faketimeInstalled()) {
    GTEST_SKIP() << "faketime is not installed (Debian package faketime)";
  }
  const auto [result, group] = runWithOneFault("run-clock-skew.toml");
  ASSERT_TRUE(result.finished) << result.out << result.err;
  auto j = journal();
  ASSERT_EQ(j.faults.size(), 2u);
  for (const auto& fault : j.faults) {
    EXPECT_TRUE(fault.effective) << fault.name << ": " << fault.evidence;
    EXPECT_THAT(fault.evidence, HasSubstr(", back at ")) << fault.name;
  }
  EXPECT_THAT(j.faults[0].evidence, HasSubstr("app restarted with its clock 30m ahead at 2."));
  EXPECT_THAT(j.faults[0].evidence, HasSubstr("(OUTRIDER_CLOCK_SKEW)"));
  EXPECT_THAT(j.faults[1].evidence, HasSubstr("ticker restarted with its clock 2h behind"));
  EXPECT_THAT(j.faults[1].evidence, HasSubstr("(under faketime)"));
  EXPECT_NE(j.verdict, std::optional<std::string>("invalid")) << result.out;
  std::ifstream app_log(work_ / "run" / "logs" / "app.log");
  std::stringstream app_text;
  app_text << app_log.rdbuf();
  EXPECT_THAT(app_text.str(), HasSubstr("wall clock shifted by +30m (OUTRIDER_CLOCK_SKEW)"));
  // The ticker's clock: real before and after the window, about 7200 s behind inside it.
  std::ifstream ticker_log(work_ / "run" / "logs" / "ticker.log");
  std::vector<long long> ticks;
  for (std::string line; std::getline(ticker_log, line);) {
    if (!line.empty() && std::isdigit(static_cast<unsigned char>(line[0])) != 0) {
      ticks.push_back(std::stoll(line));
    }
  }
  ASSERT_FALSE(ticks.empty());
  const long long real_first = ticks.front();
  const long long real_last = ticks.back();
  const long long lowest = *std::min_element(ticks.begin(), ticks.end());
  EXPECT_NEAR(static_cast<double>(real_first - lowest), 7200.0, 30.0);
  EXPECT_LT(real_last - real_first, 60) << "back on the real clock at the end";
}

// oom pressure on the real kernel: the allocator in the proxy's cgroup pushes it past the cap,
// the kernel kills the proxy (not the allocator), the supervisor restarts it, and the requests
// of that second fail; the allocators are gone and no cgroup is left afterwards.
TEST_F(RunTest, OomPressureHasTheKernelKillTheProxyAndLeavesNothingBehind) {
  auto host = faults::host::detectHostCgroups();
  if (!host) {
    GTEST_SKIP() << "this host has no writable cgroups: " << host.error().message;
  }
  const auto [result, group] = runWithOneFault("run-oom-pressure.toml");
  ASSERT_TRUE(result.finished) << result.out << result.err;
  auto j = journal();
  EXPECT_EQ(j.faults.at(0).effective, true) << j.faults.at(0).evidence;
  EXPECT_THAT(j.faults[0].evidence, HasSubstr("proxy OOM-killed"));
  EXPECT_THAT(j.faults[0].evidence, HasSubstr("oom_kill 0 -> "));
  ASSERT_EQ(j.processes[0].name, "proxy");
  EXPECT_GE(j.processes[0].restarts, 1u);
  ASSERT_FALSE(j.processes[0].exits.empty());
  EXPECT_EQ(j.processes[0].exits[0].signal, std::optional<std::string>("SIGKILL"));
  // The journal's process record has the kernel's count and the cgroup it was read from.
  EXPECT_GE(j.processes[0].oom_kills.value_or(0), 1u);
  EXPECT_THAT(j.processes[0].cgroup.value_or(""), HasSubstr(group + "/proxy"));
  EXPECT_EQ(j.processes[0].memory_limit_bytes, std::optional<uint64_t>(256ull << 20));
  EXPECT_GT(j.load.failed + j.load.timed_out, 0u);
  // Each allocator wrote its line, and none outlived the run.
  const std::string hog_log = test::readFile(work_ / "run" / "logs" / "hog-proxy.log");
  EXPECT_THAT(hog_log, HasSubstr("outrider-hog pid="));
  for (size_t at = hog_log.find("pid="); at != std::string::npos;
       at = hog_log.find("pid=", at + 1)) {
    const std::string pid = hog_log.substr(at + 4, hog_log.find(' ', at) - at - 4);
    EXPECT_NE(test::readFile("/proc/" + pid + "/comm"), "outrider-hog\n") << "allocator " << pid;
  }
  EXPECT_FALSE(fs::exists(host->memory_dir + "/" + group)) << host->memory_dir << "/" << group;
}

// The state letter and process group of a pid from /proc/PID/stat, or {0, 0} when it is gone.
std::pair<char, pid_t> stateAndGroup(pid_t pid) {
  const std::string stat = test::readFile("/proc/" + std::to_string(pid) + "/stat");
  const auto close = stat.rfind(')');
  if (close == std::string::npos) {
    return {0, 0};
  }
  std::istringstream fields(stat.substr(close + 2));
  char state = 0;
  pid_t ppid = 0;
  pid_t pgrp = 0;
  fields >> state >> ppid >> pgrp;
  return {state, pgrp};
}

// Every live pid whose process group is `pgid` (a zombie has ended: init reaps it, in its time).
std::vector<pid_t> groupMembers(pid_t pgid) {
  std::vector<pid_t> members;
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (!name.empty() && std::isdigit(static_cast<unsigned char>(name[0])) != 0) {
      const pid_t pid = static_cast<pid_t>(std::stol(name));
      const auto [state, group] = stateAndGroup(pid);
      if (group == pgid && state != 'Z') {
        members.push_back(pid);
      }
    }
  }
  return members;
}

std::vector<pid_t> pidsAfter(const std::string& text, const std::string& marker) {
  std::vector<pid_t> pids;
  for (size_t at = text.find(marker); at != std::string::npos; at = text.find(marker, at + 1)) {
    pids.push_back(static_cast<pid_t>(std::stol(text.substr(at + marker.size()))));
  }
  return pids;
}

// A harness SIGKILLed while it holds a pause, an oom pressure and a cpu-starve hog can revert
// nothing; `outrider cleanup` does it from the run's leases: no cgroup, no stopped process, no
// allocator and no pod process is left, and a second cleanup finds nothing to do.
// The same cleanup also runs at the start of the next `outrider run`.
class KilledHarnessTest : public RunTest, public testing::WithParamInterface<std::string> {};

TEST_P(KilledHarnessTest, CleanupLeavesNothingBehind) {
  auto host = faults::host::detectHostCgroups();
  if (!host) {
    GTEST_SKIP() << "this host has no writable cgroups: " << host.error().message;
  }
  const fs::path runtime = work_ / "runtime";
  ::setenv("OUTRIDER_RUNTIME_DIR", runtime.c_str(), 1);
  test::Program program(outrider({"run", "tests/integration/scenarios/run-killed-mid-faults.toml",
                                  "--out", (work_ / "run").string()}),
                        work_ / "killed");
  const fs::path leases = runtime / std::to_string(program.pid());
  const std::string group = "outrider-" + std::to_string(program.pid());
  const fs::path hog_log = work_ / "run" / "logs" / "hog-proxy.log";
  // Wait (bounded: a condition polled, not a sleep) until every fault holds: both hogs have
  // written their first line and a process of the app's group (the sleep) is stopped.
  std::vector<pid_t> groups;
  std::vector<pid_t> hogs;
  bool holding = false;
  const auto until = std::chrono::steady_clock::now() + 30s;
  while (!holding && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(20ms);
    groups.clear();
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(leases, ec)) {
      const std::string name = entry.path().filename().string();
      if (name.rfind("pg-", 0) == 0) {
        groups.push_back(static_cast<pid_t>(std::stol(name.substr(3))));
      }
    }
    hogs = pidsAfter(test::readFile(hog_log), "outrider-hog pid=");
    bool app_stopped = false;
    for (pid_t pgid : groups) {
      for (pid_t pid : groupMembers(pgid)) {
        app_stopped = app_stopped || (pid != pgid && stateAndGroup(pid).first == 'T');
      }
    }
    holding = groups.size() == 2 && hogs.size() == 2 && app_stopped;
  }
  ASSERT_TRUE(holding) << "groups " << groups.size() << ", hogs " << hogs.size() << "\n"
                       << program.currentOut();
  program.signal(SIGKILL);
  auto killed = program.wait(10s);
  ASSERT_EQ(killed.term_signal, SIGKILL);

  // What the killed harness left: its cgroups and the sleep (the parent-death signal ended the
  // pod processes and the hogs it spawned, not their children; the kernel continued the
  // orphaned group, whose SIGHUP the sleep ignores).
  ASSERT_TRUE(fs::exists(host->memory_dir + "/" + group)) << "nothing left to clean up?";
  size_t left = 0;
  for (pid_t pgid : groups) {
    left += groupMembers(pgid).size();
  }
  EXPECT_GE(left, 1u);

  const std::string removed = "removed cgroup " + host->memory_dir + "/" + group;
  if (GetParam() == "cleanup") {
    auto cleanup = runProgram(outrider({"cleanup"}), work_ / "cleanup", 20s);
    ASSERT_TRUE(cleanup.finished);
    EXPECT_EQ(cleanup.exit_code, 0) << cleanup.out << cleanup.err;
    EXPECT_THAT(cleanup.out, HasSubstr(removed));
    EXPECT_THAT(cleanup.out, HasSubstr("resumed and killed"));
  } else {
    auto next = runProgram(outrider({"run", "tests/integration/scenarios/run-basic.toml", "--out",
                                     (work_ / "next").string(), "--quiet"}),
                           work_ / "next-output", 40s);
    ASSERT_TRUE(next.finished);
    EXPECT_EQ(next.exit_code, 0) << next.out << next.err;
    EXPECT_THAT(next.err, HasSubstr("outrider: cleaned up: "));
    EXPECT_THAT(next.err, HasSubstr(removed));
  }

  EXPECT_FALSE(fs::exists(host->memory_dir + "/" + group));
  EXPECT_FALSE(fs::exists(host->cpu_dir + "/" + group));
  for (pid_t pgid : groups) {
    EXPECT_THAT(groupMembers(pgid), IsEmpty()) << "process group " << pgid;
  }
  for (pid_t hog : hogs) {
    const bool gone = stateAndGroup(hog).first == 0 || stateAndGroup(hog).first == 'Z' ||
                      test::readFile("/proc/" + std::to_string(hog) + "/comm") != "outrider-hog\n";
    EXPECT_TRUE(gone) << "allocator " << hog;
  }
  EXPECT_FALSE(fs::exists(leases));

  auto again = runProgram(outrider({"cleanup"}), work_ / "again", 20s);
  EXPECT_EQ(again.exit_code, 0);
  EXPECT_THAT(again.out, HasSubstr("nothing to clean up"));
  ::unsetenv("OUTRIDER_RUNTIME_DIR");
}

INSTANTIATE_TEST_SUITE_P(By, KilledHarnessTest, testing::Values("cleanup", "next-run"),
                         [](const auto& param) {
                           return std::string(param.param) == "cleanup"
                                      ? std::string("OutriderCleanup")
                                      : std::string("TheNextRun");
                         });

// A no-fault run finishes in time, and its accounting adds up to rate x (duration - warmup).
TEST_F(RunTest, QuickRunAccountsForEveryRequest) {
  auto result = runProgram(outrider({"run", "tests/integration/scenarios/run-basic.toml", "--out",
                                     (work_ / "run").string()}),
                           work_, 40s);
  ASSERT_TRUE(result.finished) << result.out << result.err;
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_LT(result.took, 8s + 10s);
  auto j = journal();
  EXPECT_EQ(j.schema, "outrider.journal/v1");
  EXPECT_EQ(j.seed, 7u);
  EXPECT_EQ(j.scenario_sha256.size(), 64u);
  // 400 req/s x 6 measured seconds, within 1%.
  EXPECT_NEAR(static_cast<double>(j.load.scheduled), 2400.0, 24.0);
  EXPECT_EQ(j.load.scheduled, j.load.sent + j.load.not_sent);
  EXPECT_EQ(j.load.sent, j.load.completed + j.load.failed + j.load.timed_out);
  EXPECT_EQ(j.load.failed + j.load.timed_out + j.load.not_sent, 0u);
  EXPECT_EQ(j.load.status["2xx"], j.load.completed);
  EXPECT_GT(j.load.latency_ms.p50, 0.0);
  EXPECT_LE(j.load.latency_ms.p50, j.load.latency_ms.p99);
  EXPECT_EQ(j.series.rps.size(), 8u);
  ASSERT_EQ(j.processes.size(), 2u);
  EXPECT_EQ(j.processes[0].name, "proxy");  // sidecars before the app
  EXPECT_EQ(j.processes[1].name, "app");
  for (const auto& p : j.processes) {
    EXPECT_EQ(p.starts, 1u) << p.name;
    ASSERT_EQ(p.ready_at_s.size(), 1u) << p.name;
    EXPECT_LE(p.ready_at_s[0], 0.0) << p.name;  // ready before t=0, when load began
    EXPECT_TRUE(fs::exists(work_ / "run" / p.log)) << p.log;
  }
  EXPECT_TRUE(fs::exists(work_ / "run" / "report.md"));
  EXPECT_TRUE(fs::exists(work_ / "run" / "report.html"));
  EXPECT_TRUE(fs::exists(work_ / "run" / "junit.xml"));
  EXPECT_FALSE(fs::exists(work_ / "run" / "postmortem.md"));  // a pass with no alert
  // No fault: both SLOs met, nothing fired, the gate passes.
  EXPECT_EQ(j.verdict, "pass");
  ASSERT_EQ(j.slos.size(), 2u);
  for (const auto& slo : j.slos) {
    EXPECT_TRUE(slo.met) << slo.name;
    EXPECT_EQ(slo.total, j.load.scheduled) << slo.name;
    EXPECT_EQ(slo.budget_consumed, 0.0) << slo.name;
  }
  EXPECT_TRUE(j.alerts.empty());
  EXPECT_EQ(j.series.burn_rate["availability"]["5m"].size(), 8u);
  ASSERT_EQ(j.links.size(), 1u);
  EXPECT_GE(j.links[0].connections, 1u);
}

// [load] expect against outrider-echo --name: the right service passes with no unexpected
// reply; the wrong one makes every measured reply unexpected, both SLOs missed and the run fail.
TEST_F(RunTest, ExpectCatchesRepliesFromTheWrongService) {
  auto right = runProgram(outrider({"run", "tests/integration/scenarios/run-expect-app.toml",
                                    "--out", (work_ / "run").string()}),
                          work_, 40s);
  ASSERT_TRUE(right.finished) << right.out << right.err;
  EXPECT_EQ(right.exit_code, 0) << right.out << right.err;
  auto good = journal();
  EXPECT_GT(good.load.completed, 500u);
  EXPECT_EQ(good.load.unexpected, 0u);
  EXPECT_EQ(good.verdict, "pass");

  fs::remove_all(work_ / "run");
  auto wrong = runProgram(outrider({"run", "tests/integration/scenarios/run-expect-other.toml",
                                    "--out", (work_ / "run").string()}),
                          work_, 40s);
  ASSERT_TRUE(wrong.finished) << wrong.out << wrong.err;
  EXPECT_EQ(wrong.exit_code, 1) << wrong.out << wrong.err;
  EXPECT_THAT(wrong.out, HasSubstr("did not match [load] expect")) << wrong.out;
  auto bad = journal();
  EXPECT_GT(bad.load.completed, 500u);
  EXPECT_EQ(bad.load.unexpected, bad.load.completed);
  EXPECT_EQ(bad.load.status["2xx"], bad.load.completed);  // every reply a 200, all wrong
  EXPECT_EQ(bad.verdict, "fail");
  ASSERT_EQ(bad.slos.size(), 2u);
  for (const auto& slo : bad.slos) {
    EXPECT_FALSE(slo.met) << slo.name;
  }
  std::ifstream report(work_ / "run" / "report.md");
  std::stringstream text;
  text << report.rdbuf();
  EXPECT_THAT(text.str(), HasSubstr("unexpected"));
}

// One connection to a 50 ms upstream at 100 req/s (it can serve 20): the journal shows late and
// unsent requests and corrected latencies far above the service time, not flattering ones.
TEST_F(RunTest, GeneratorThatCannotKeepUpSaysSo) {
  auto result = runProgram(outrider({"run", "tests/integration/scenarios/run-cannot-keep-up.toml",
                                     "--out", (work_ / "run").string()}),
                           work_, 40s);
  ASSERT_TRUE(result.finished);
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_THAT(result.out, HasSubstr("never sent because all 1 connections were busy"));
  auto j = journal();
  // ~100 of 500 requests fit through in 5 s; each sent one after the first is late.
  EXPECT_GT(j.load.late, 50u);
  EXPECT_GT(j.load.not_sent, 300u);
  EXPECT_EQ(j.load.scheduled, j.load.sent + j.load.not_sent);
  // Service time says 50 ms; what users saw (from the schedule) grew to seconds.
  EXPECT_GE(j.load.service_time_ms.p50, 50.0);
  EXPECT_LT(j.load.service_time_ms.p50, 100.0);
  EXPECT_GT(j.load.latency_ms.p50, 1000.0);
  EXPECT_GT(j.load.latency_ms.p99, 3000.0);
}

// A sidecar that never becomes ready ends the run with exit 3, naming it and quoting its log.
TEST_F(RunTest, NeverReadySidecarIsAHarnessError) {
  auto result = runProgram(outrider({"run", "tests/integration/scenarios/run-never-ready.toml",
                                     "--out", (work_ / "run").string()}),
                           work_, 30s);
  ASSERT_TRUE(result.finished);
  EXPECT_EQ(result.exit_code, 3);
  EXPECT_THAT(result.err, HasSubstr("stuck-sidecar"));
  EXPECT_THAT(result.err, HasSubstr("booting the stuck sidecar"));
  EXPECT_TRUE(test::everyProcessGone(journal()));
}

// Ctrl-C mid-run: the run ends promptly, writes its journal, and leaves no process behind.
TEST_F(RunTest, InterruptLeavesNothingBehind) {
  test::Program program(outrider({"run", "tests/integration/scenarios/run-basic.toml", "--out",
                                  (work_ / "run").string()}),
                        work_);
  // Interrupt once the load has begun.
  ASSERT_TRUE(program.waitForOutput("load-start", 20s)) << program.currentOut();
  program.signal(SIGINT);
  auto result = program.wait(15s);
  ASSERT_TRUE(result.finished);
  EXPECT_EQ(result.exit_code, 3) << result.out << result.err;
  EXPECT_THAT(result.err, HasSubstr("interrupted"));
  auto j = journal();
  ASSERT_EQ(j.processes.size(), 2u);
  EXPECT_TRUE(test::everyProcessGone(j));
}

// validate: one located line per mistake, exit 2.
TEST_F(RunTest, ValidateReportsEveryMistake) {
  auto result = runProgram(outrider({"validate", "tests/integration/scenarios/several-mistakes.toml"}),
                           work_, 10s);
  ASSERT_TRUE(result.finished);
  EXPECT_EQ(result.exit_code, 2);
  const std::string file = "tests/integration/scenarios/several-mistakes.toml:";
  EXPECT_THAT(result.err, HasSubstr(file + "3:1: error: scenario.durration: unknown key"));
  EXPECT_THAT(result.err, HasSubstr("did you mean 'duration'?"));
  EXPECT_THAT(result.err, HasSubstr("app.restart"));
  EXPECT_THAT(result.err, HasSubstr("load.rate"));
  EXPECT_THAT(result.err, HasSubstr("fault[0].target"));
  EXPECT_THAT(result.err, HasSubstr("fault[0].duration"));
  size_t lines = std::count(result.err.begin(), result.err.end(), '\n');
  EXPECT_GE(lines, 5u);
}

// validate accepts every shipped scenario; plan shows ports, processes and the load.
TEST_F(RunTest, ShippedScenariosValidateAndPlan) {
  std::vector<std::string> args = {"validate"};
  for (const auto& entry : fs::directory_iterator("scenarios")) {
    if (entry.path().extension() == ".toml") {
      args.push_back(entry.path().string());
    }
  }
  auto validated = runProgram(outrider(args), work_, 10s);
  EXPECT_EQ(validated.exit_code, 0) << validated.err;
  auto plan = runProgram(outrider({"plan", "scenarios/quickstart.toml"}), work_ / "plan", 10s);
  EXPECT_EQ(plan.exit_code, 0) << plan.err;
  EXPECT_THAT(plan.out, HasSubstr("outrider-proxy"));
  EXPECT_THAT(plan.out, HasSubstr("seed 42"));
  EXPECT_THAT(plan.out, HasSubstr("27500 measured requests"));
  EXPECT_THAT(plan.out, HasSubstr("start http-abort-upstream"));
  EXPECT_THAT(plan.out, testing::Not(HasSubstr("${")));
}

// rules: Prometheus rules for the quickstart's SLOs, both workbook pages among them.
TEST_F(RunTest, RulesForTheQuickstart) {
  auto result = runProgram(outrider({"rules", "scenarios/quickstart.toml"}), work_, 10s);
  ASSERT_TRUE(result.finished);
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("slo:sli_error:ratio_rate1h"));
  EXPECT_THAT(result.out, HasSubstr("OutriderSLOAvailabilityPage"));
  EXPECT_THAT(result.out, HasSubstr("(14.4 * 0.001)"));
}

// gate: every file is checked before anything runs; one bad file is exit 2 and nothing ran.
TEST_F(RunTest, GateChecksEveryFileFirst) {
  auto result = runProgram(outrider({"gate", "tests/integration/scenarios/run-basic.toml",
                                     "tests/integration/scenarios/several-mistakes.toml", "--out",
                                     (work_ / "gate").string()}),
                           work_, 10s);
  ASSERT_TRUE(result.finished);
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.err, HasSubstr("scenario.durration"));
  EXPECT_FALSE(fs::exists(work_ / "gate" / "run-basic"));
}

// gate: the worst exit code over its scenarios, one JUnit file with a suite for each, and the
// summary table: printed, in gate-summary.md, and appended to --summary.
TEST_F(RunTest, GateReturnsTheWorstAndWritesJunit) {
  const auto junit = work_ / "gate.xml";
  const auto summary = work_ / "step-summary.md";
  std::ofstream(summary) << "earlier step\n";
  auto result = runProgram(outrider({"gate", "tests/integration/scenarios/run-basic.toml",
                                     "tests/integration/scenarios/gd-latency-third.toml", "--quiet",
                                     "--out", (work_ / "gate").string(), "--junit", junit.string(),
                                     "--summary", summary.string()}),
                           work_, 90s);
  ASSERT_TRUE(result.finished);
  EXPECT_EQ(result.exit_code, 1) << result.out << result.err;  // pass and fail: fail
  EXPECT_TRUE(fs::exists(work_ / "gate" / "run-basic" / "journal.json"));
  EXPECT_TRUE(fs::exists(work_ / "gate" / "gd-latency-third" / "journal.json"));
  const std::string xml = test::readFile(junit);
  EXPECT_THAT(xml, HasSubstr("outrider.run-basic"));
  EXPECT_THAT(xml, HasSubstr("outrider.gd-latency-third"));
  EXPECT_THAT(xml, HasSubstr("<failure"));
  EXPECT_THAT(result.out, HasSubstr("gate: 2 scenarios, exit "));
  EXPECT_THAT(result.out, HasSubstr("worst finding"));
  const std::string markdown = test::readFile(work_ / "gate" / "gate-summary.md");
  EXPECT_THAT(markdown, HasSubstr("| run-basic | pass |"));
  EXPECT_THAT(markdown, HasSubstr("| gd-latency-third | **"));  // fail (or invalid on a busy host)
  EXPECT_EQ(test::readFile(summary), "earlier step\n" + markdown);
}

}  // namespace
}  // namespace outrider
