// The fault executor on a manual clock with a fake pod: every process kind's begin, end and
// evidence, link faults' absence, and a kind added in this file alone that goes through the
// loader, the plan, the executor and the journal.

#include "outrider/harness/fault_executor.h"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <csignal>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "fake_cgroup_tree.h"
#include "outrider/common/manual_clock.h"
#include "outrider/common/units.h"
#include "outrider/faults/host/cgroups.h"
#include "outrider/faults/plan.h"
#include "outrider/harness/fault_records.h"
#include "outrider/reports/journal.h"
#include "outrider/scenarios/loader.h"

namespace outrider::harness {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using ::testing::HasSubstr;

// A pod of named processes that obeys signals the way the kernel and the supervisor would,
// without a single child process: SIGSTOP stops, SIGCONT continues, SIGKILL and SIGTERM end the
// incarnation (the test delivers the exit event when it wants).
class FakePod final : public faults::PodControl {
 public:
  struct Member {
    pid_t pid = 0;
    bool running = true;
    bool ready = true;
    char state = 'S';
  };

  void add(const std::string& name, pid_t pid) { members_[name] = Member{pid}; }
  Member& member(const std::string& name) { return members_.at(name); }

  std::optional<pid_t> pid(const std::string& process) const override {
    auto it = members_.find(process);
    if (it == members_.end() || !it->second.running) {
      return std::nullopt;
    }
    return it->second.pid;
  }
  bool isReady(const std::string& process) const override {
    auto it = members_.find(process);
    return it != members_.end() && it->second.running && it->second.ready;
  }
  Result<void> signal(const std::string& process, int signo) override {
    signals.emplace_back(process, signo);
    auto it = members_.find(process);
    if (it == members_.end() || !it->second.running) {
      return makeError(ErrorCode::Io, "cannot signal " + process + ": it is not running");
    }
    Member& m = it->second;
    if (signo == SIGSTOP) {
      m.state = 'T';
    } else if (signo == SIGCONT) {
      m.state = 'S';
    } else if (signo == SIGKILL || signo == SIGTERM) {
      m.running = false;
      m.ready = false;
    }
    return {};
  }
  faults::host::Cgroup* cgroup(const std::string& process) override {
    auto it = cgroups.find(process);
    return it == cgroups.end() ? nullptr : it->second;
  }
  char schedulerState(pid_t pid) const override {
    for (const auto& [name, m] : members_) {
      if (m.pid == pid) {
        return m.running ? m.state : 0;
      }
    }
    return 0;
  }

  Result<int> setOomScoreAdj(const std::string& process, int value) override {
    if (!pid(process)) {
      return makeError(ErrorCode::Io, process + " is not running");
    }
    int& adj = oom_score_adj[*pid(process)];
    return std::exchange(adj, value);
  }
  Result<pid_t> startHog(const std::string& process, const faults::HogSpec& spec) override {
    if (cgroup(process) == nullptr) {
      return makeError(ErrorCode::NotFound, process + " has no cgroup of its own");
    }
    const pid_t pid = next_hog_++;
    hogs[pid] = Hog{process, spec, true, ""};
    return pid;
  }
  std::string stopHog(pid_t hog) override {
    Hog& h = hogs.at(hog);
    h.running = false;
    return h.ended_on_its_own;
  }

  // A hog as the fault started it; `ended_on_its_own` is what stopHog() reports.
  struct Hog {
    std::string process;
    faults::HogSpec spec;
    bool running = false;
    std::string ended_on_its_own;
  };
  std::vector<const Hog*> runningHogs() const {
    std::vector<const Hog*> out;
    for (const auto& [pid, hog] : hogs) {
      if (hog.running) {
        out.push_back(&hog);
      }
    }
    return out;
  }
  // The test plays the supervisor's part: it sends the events and then calls `done`.
  void restartPod(const faults::PodRestartRequest& request, faults::PodRestartDone done) override {
    restarts.push_back(request);
    restart_done = std::move(done);
  }

  // outrider-control's admin listener as the test scripts it: each call is kept, GET /fault
  // answers `fault_state`, and `admin_down` makes every call fail as a refused connect would.
  Result<faults::AdminAnswer> adminCall(const std::string& process, std::string_view method,
                                        std::string_view target) override {
    admin_calls.push_back(process + " " + std::string(method) + " " + std::string(target));
    if (admin_down) {
      return makeError(ErrorCode::Io, "connect: Connection refused");
    }
    if (method == "GET") {
      return faults::AdminAnswer{200, target == "/issuance" ? issuance_state : fault_state};
    }
    return post_answer;
  }
  std::vector<std::string> admin_calls;
  std::string fault_state;     // GET /fault
  std::string issuance_state;  // GET /issuance
  faults::AdminAnswer post_answer{200, "ok\n"};
  bool admin_down = false;

  std::vector<std::string> command(const std::string& process) const override {
    auto it = commands.find(process);
    return it == commands.end() ? std::vector<std::string>{} : it->second;
  }
  // The test plays the supervisor's part here too: it calls the restart's `done` when it wants.
  void restartProcess(const std::string& process, const faults::ProcessLaunch& launch,
                      faults::ProcessRestartDone done) override {
    process_restarts.emplace_back(process, launch);
    process_restart_done.push_back(std::move(done));
  }
  std::map<std::string, std::vector<std::string>> commands;
  std::vector<std::pair<std::string, faults::ProcessLaunch>> process_restarts;
  std::vector<faults::ProcessRestartDone> process_restart_done;

  std::vector<std::pair<std::string, int>> signals;
  std::map<std::string, faults::host::Cgroup*> cgroups;  // a process without one has none
  std::map<pid_t, Hog> hogs;
  std::map<pid_t, int> oom_score_adj;  // per pid, as /proc shows it (0 unless set)
  std::vector<faults::PodRestartRequest> restarts;
  faults::PodRestartDone restart_done;

 private:
  std::map<std::string, Member> members_;
  pid_t next_hog_ = 9000;
};

constexpr const char* PodToml = R"(
[scenario]
name = "executor-unit"
duration = "60s"
seed = 7

[app]
command = ["app"]

[[sidecar]]
name = "proxy"
command = ["proxy"]

[load]
target = "http://127.0.0.1:9/"
rate = 10
)";

constexpr const char* ControlToml = R"(
[[service]]
name = "control"
command = ["outrider-control"]
metrics = "http://127.0.0.1:7/metrics"
)";

// The control plane faults, as their tests start them.
constexpr const char* CertExpiryToml =
    "[[fault]]\nkind = \"cert-expiry\"\ntarget = \"control\"\nttl = \"30s\"\nat = \"5s\"\n"
    "duration = \"10s\"\n";
constexpr const char* CertWrongCaToml =
    "[[fault]]\nkind = \"cert-wrong-ca\"\ntarget = \"control\"\nat = \"10s\"\n"
    "duration = \"20s\"\n";

// A control-plane-outage from 5 s to 15 s with these keys (its mode, a delay).
std::string outageToml(const std::string& keys) {
  return "[[fault]]\nkind = \"control-plane-outage\"\ntarget = \"control\"\n" + keys +
         "at = \"5s\"\nduration = \"10s\"\n";
}

class FaultExecutorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pod_.add("proxy", 4242);
    pod_.add("app", 4343);
    pod_.add("control", 4444);
    pod_.commands = {{"proxy", {"proxy"}},
                     {"app", {"app"}},
                     {"control", {"/opt/outrider/bin/outrider-control"}}};
  }

  // Loads PodToml plus `faults`, compiles the plan and builds an executor started at t0 = now.
  void start(const std::string& faults_toml) {
    scenarios::LoadOptions options;
    options.catalog = &registry_;
    auto scenario = scenarios::loadScenario(std::string(PodToml) + faults_toml, "unit.toml",
                                            options);
    ASSERT_TRUE(scenario.has_value()) << (scenario ? "" : scenario.error().diagnostics[0].format());
    executor_ = std::make_unique<FaultExecutor>(
        io_.get_executor(), clock_, faults::compilePlan(*scenario, 7), pod_,
        std::map<std::string, faults::LinkProxy*>{},
        [this](MonotonicTime at, const std::string& event, const std::string& detail) {
          events_.push_back(fmt::format("{:.1f}s {} {}", seconds(at), event, detail));
        },
        registry_);
    t0_ = clock_.monotonicNow();
    wall0_ = clock_.systemNow();
    asio::co_spawn(io_, executor_->run(t0_), asio::detached);
    settle();
  }
  void settle() {
    io_.restart();
    io_.poll();
  }
  void advanceTo(std::chrono::nanoseconds offset) {
    clock_.advanceTo(t0_ + offset, [this] { settle(); });
  }
  double seconds(MonotonicTime at) const {
    return toSeconds(std::chrono::duration_cast<std::chrono::nanoseconds>(at - t0_));
  }
  // The pod event the supervisor would report now (the fake pod is left as it is).
  void event(faults::PodEvent::Kind kind, const std::string& name, pid_t pid,
             const std::string& exit = "") {
    faults::PodEvent out;
    out.kind = kind;
    out.process = name;
    out.pid = pid;
    out.at = clock_.monotonicNow();
    out.exit = exit;
    executor_->onProcessEvent(out);
  }
  void exited(const std::string& name, const std::string& how) {
    event(faults::PodEvent::Kind::Exited, name, pod_.member(name).pid, how);
  }
  // A new incarnation: running (and, with becameReady, ready) in the fake pod, then the event.
  void startedAgain(const std::string& name, pid_t pid) {
    auto& m = pod_.member(name);
    m.pid = pid;
    m.running = true;
    event(faults::PodEvent::Kind::Started, name, pid);
  }
  void becameReady(const std::string& name, pid_t pid) {
    auto& m = pod_.member(name);
    m.pid = pid;
    m.running = true;
    m.ready = true;
    event(faults::PodEvent::Kind::Ready, name, pid);
  }
  // start() with outrider-control in the pod as a service (ControlToml).
  void startWithControl(const std::string& faults_toml) {
    start(std::string(ControlToml) + faults_toml);
  }
  MonotonicTime at(std::chrono::nanoseconds offset) const { return t0_ + offset; }
  FaultOutcome outcome(size_t i = 0) const { return executor_->outcomes().at(i); }

  faults::FaultRegistry registry_ = faults::registry();  // a copy: tests may add kinds
  asio::io_context io_;
  ManualClock clock_;
  FakePod pod_;
  std::unique_ptr<FaultExecutor> executor_;
  MonotonicTime t0_{};
  SystemTime wall0_{};  // the wall clock at t0
  std::vector<std::string> events_;
};

TEST_F(FaultExecutorTest, KillActsAtItsOffsetAndIsEffectiveOnceTheIncarnationExits) {
  start("[[fault]]\nkind = \"kill\"\ntarget = \"proxy\"\nat = \"10s\"\n");
  advanceTo(9999ms);
  EXPECT_TRUE(pod_.signals.empty());
  advanceTo(10s);
  ASSERT_EQ(pod_.signals.size(), 1u);
  EXPECT_EQ(pod_.signals[0], (std::pair<std::string, int>("proxy", SIGKILL)));
  EXPECT_FALSE(outcome().effective);  // no exit seen yet
  EXPECT_THAT(outcome().evidence, HasSubstr("no exit followed"));
  advanceTo(10250ms);
  exited("proxy", "signal SIGKILL");
  const auto kill = outcome();
  EXPECT_TRUE(kill.effective);
  EXPECT_EQ(kill.injections, 1u);
  EXPECT_EQ(kill.evidence,
            "SIGKILL sent to proxy (pid 4242); it exited (signal SIGKILL) 0.250s later");
  ASSERT_TRUE(kill.ended_at.has_value());
  EXPECT_EQ(*kill.ended_at - t0_, 10s);  // an instant
  EXPECT_EQ(events_, std::vector<std::string>{"10.0s fault-start kill SIGKILL on proxy"});
}

// On outrider-control itself: its switch at the start, what it counted read back at the end,
// then the switch back.
TEST_F(FaultExecutorTest, ControlPlaneOutageSwitchesOutriderControlAndBack) {
  startWithControl(outageToml("mode = \"slow\"\ndelay = \"250ms\"\n"));
  advanceTo(4999ms);
  EXPECT_TRUE(pod_.admin_calls.empty());
  advanceTo(5s);
  EXPECT_EQ(pod_.admin_calls,
            std::vector<std::string>{"control POST /fault?mode=slow&latency=250ms"});
  pod_.fault_state = R"({"mode": "slow", "latency_ms": 250, "affected_calls": 7})";
  advanceTo(15s);
  EXPECT_EQ(pod_.admin_calls,
            (std::vector<std::string>{"control POST /fault?mode=slow&latency=250ms",
                                      "control GET /fault", "control POST /fault?mode=none"}));
  const auto outage = outcome();
  EXPECT_TRUE(outage.effective);
  EXPECT_EQ(outage.injections, 7u);
  EXPECT_EQ(outage.evidence, "control switched to slow: 7 calls affected");
}

// Switched, but nothing called it during the window: not shown to have taken effect.
TEST_F(FaultExecutorTest, ControlPlaneOutageThatNoCallMetIsNotEffective) {
  startWithControl(outageToml("mode = \"error\"\n"));
  pod_.fault_state = R"({"mode": "error", "affected_calls": 0})";
  advanceTo(20s);
  EXPECT_FALSE(outcome().effective);
  EXPECT_EQ(outcome().evidence,
            "control switched to error, but no call reached it while the fault held");
}

TEST_F(FaultExecutorTest, KillOfAProcessThatIsNotRunningSaysWhy) {
  pod_.member("proxy").running = false;
  start("[[fault]]\nkind = \"kill\"\ntarget = \"proxy\"\nat = \"1s\"\n");
  advanceTo(2s);
  EXPECT_FALSE(outcome().effective);
  EXPECT_THAT(outcome().evidence, HasSubstr("not running"));
}

TEST_F(FaultExecutorTest, PauseStopsForItsWindowLooksOnTheClockAndAlwaysContinues) {
  start("[[fault]]\nkind = \"pause\"\ntarget = \"proxy\"\nat = \"5s\"\nduration = \"3s\"\n");
  advanceTo(5s);
  ASSERT_EQ(pod_.signals.size(), 1u);
  EXPECT_EQ(pod_.signals[0].second, SIGSTOP);
  EXPECT_EQ(executor_->activeNames(), std::vector<std::string>{"pause-proxy"});
  advanceTo(5100ms);  // the look 100 ms after SIGSTOP, on the manual clock
  advanceTo(8s);
  ASSERT_EQ(pod_.signals.size(), 2u);
  EXPECT_EQ(pod_.signals[1].second, SIGCONT);
  EXPECT_EQ(pod_.member("proxy").state, 'S');
  EXPECT_TRUE(executor_->activeNames().empty());
  const auto pause = outcome();
  EXPECT_TRUE(pause.effective);
  EXPECT_EQ(pause.evidence, "proxy (pid 4242) seen stopped (state T), held 3.0s, then SIGCONT");
}

TEST_F(FaultExecutorTest, PauseThatNeverStoppedTheProcessIsNotEffective) {
  start("[[fault]]\nkind = \"pause\"\ntarget = \"proxy\"\nat = \"5s\"\nduration = \"3s\"\n");
  advanceTo(5s);
  pod_.member("proxy").state = 'R';  // say the stop did not take
  advanceTo(9s);
  EXPECT_FALSE(outcome().effective);
  EXPECT_THAT(outcome().evidence, HasSubstr("was not seen stopped (state 'R')"));
  EXPECT_EQ(pod_.signals.back().second, SIGCONT);  // continued all the same
}

TEST_F(FaultExecutorTest, StopContinuesAPausedProcessAtOnce) {
  start("[[fault]]\nkind = \"pause\"\ntarget = \"proxy\"\nat = \"5s\"\nduration = \"30s\"\n");
  advanceTo(6s);
  executor_->stop();
  EXPECT_EQ(pod_.signals.back().second, SIGCONT);
  ASSERT_TRUE(outcome().ended_at.has_value());
  EXPECT_EQ(*outcome().ended_at - t0_, 6s);
  advanceTo(59s);  // nothing more happens once stopped
  EXPECT_EQ(pod_.signals.size(), 2u);
}

TEST_F(FaultExecutorTest, CrashloopKillsOnEveryReadyInsideItsWindowOnly) {
  start("[[fault]]\nkind = \"crashloop\"\ntarget = \"proxy\"\nat = \"10s\"\nduration = "
        "\"20s\"\n");
  advanceTo(10s);  // ready at the start: killed at once
  EXPECT_EQ(pod_.signals.size(), 1u);
  advanceTo(12s);
  becameReady("proxy", 5000);
  advanceTo(15s);
  becameReady("proxy", 5001);
  EXPECT_EQ(pod_.signals.size(), 3u);
  advanceTo(31s);
  becameReady("proxy", 5002);  // after the window: left alone
  EXPECT_EQ(pod_.signals.size(), 3u);
  EXPECT_TRUE(pod_.isReady("proxy"));
  EXPECT_EQ(outcome().injections, 3u);
  EXPECT_EQ(outcome().evidence, "proxy killed 3 time(s) as it became ready");
}

TEST_F(FaultExecutorTest, AKindWithoutBehaviourIsNotCarriedOutAndSaysSo) {
  faults::FaultKindEntry planned;  // registered, listed, but without a behaviour yet
  planned.name = "planned-only";
  planned.summary = "a kind this version lists and does not carry out";
  registry_.add(std::move(planned));
  EXPECT_THAT(faults::renderFaultKinds(registry_), HasSubstr("[not carried out"));
  start("[[fault]]\nkind = \"planned-only\"\ntarget = \"proxy\"\nat = \"1s\"\n");
  advanceTo(2s);
  EXPECT_FALSE(outcome().effective);
  EXPECT_THAT(outcome().evidence, HasSubstr("'planned-only' is not carried out"));
  auto records = faultRecords(executor_->outcomes(), t0_, true);
  ASSERT_EQ(records.invalid_reasons.size(), 1u);
  EXPECT_THAT(records.invalid_reasons[0], HasSubstr("did not take effect"));
}

// ---- cert-expiry and cert-wrong-ca: outrider-control's issuance switch ----

int64_t unixMs(SystemTime t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

std::string issuanceJson(const std::string& mode, uint64_t re_served, uint64_t wrong_ca,
                         uint64_t issued, int64_t last_not_after_ms) {
  return fmt::format(
      "{{\"mode\": \"{}\", \"ttl_ms\": 0, \"since_unix_ms\": 1, \"re_served_certificates\": {}, "
      "\"wrong_ca_certificates\": {}, \"issued_certificates\": {}, \"last_not_after_unix_ms\": "
      "{}}}\n",
      mode, re_served, wrong_ca, issued, last_not_after_ms);
}

// cert-expiry: no-renewal with the ttl at `at`, what the control plane counted read at the end,
// then normal again; the last NotAfter placed on the run's clock.
TEST_F(FaultExecutorTest, CertExpirySwitchesNoRenewalAndBack) {
  startWithControl(CertExpiryToml);
  advanceTo(4999ms);
  EXPECT_TRUE(pod_.admin_calls.empty());
  advanceTo(5s);
  EXPECT_EQ(pod_.admin_calls,
            std::vector<std::string>{"control POST /issuance?mode=no-renewal&ttl=30000ms"});
  EXPECT_TRUE(outcome().effective);
  EXPECT_EQ(outcome().evidence, "control switched to no-renewal");
  pod_.issuance_state = issuanceJson("no-renewal", 6, 0, 1, unixMs(wall0_ + 14s));
  advanceTo(15s);
  EXPECT_EQ(pod_.admin_calls, (std::vector<std::string>{
                                  "control POST /issuance?mode=no-renewal&ttl=30000ms",
                                  "control GET /issuance", "control POST /issuance?mode=normal"}));
  const auto expiry = outcome();
  EXPECT_TRUE(expiry.effective);
  EXPECT_EQ(expiry.injections, 7u);
  EXPECT_EQ(expiry.evidence,
            "control re-served 6 certificates without renewal, issued 1 fresh with ttl 30s; "
            "last NotAfter at 14.0s into the run");
}

// Switched, but no node fetched during the window: not shown to have taken effect.
TEST_F(FaultExecutorTest, CertExpiryThatNoFetchMetIsNotEffective) {
  startWithControl(CertExpiryToml);
  pod_.issuance_state = issuanceJson("no-renewal", 0, 0, 0, 0);
  advanceTo(20s);
  EXPECT_FALSE(outcome().effective);
  EXPECT_EQ(outcome().evidence,
            "control switched to no-renewal, but no certificate was fetched while the fault held");
}

// A switch the control plane refused: not effective, with its answer, and nothing switched back.
TEST_F(FaultExecutorTest, CertExpiryRefusedSwitchSaysWhy) {
  pod_.post_answer = {400, "ttl: expected a duration of at least 2s like 30s or 5m\n"};
  startWithControl(CertExpiryToml);
  advanceTo(20s);
  EXPECT_FALSE(outcome().effective);
  EXPECT_EQ(outcome().evidence,
            "control refused the issuance switch: HTTP 400 ttl: expected a duration of at least "
            "2s like 30s or 5m");
  EXPECT_EQ(pod_.admin_calls.size(), 1u) << "nothing to switch back";
}

// The mode read at the end is not the fault's (the control plane restarted meanwhile): the
// counts cannot be trusted to be the fault's.
TEST_F(FaultExecutorTest, CertExpiryWhoseModeDriftedIsNotEffective) {
  startWithControl(CertExpiryToml);
  pod_.issuance_state = issuanceJson("normal", 0, 0, 3, unixMs(wall0_ + 600s));
  advanceTo(20s);
  EXPECT_FALSE(outcome().effective);
  EXPECT_THAT(outcome().evidence, HasSubstr("its mode was 'normal' at the end"));
}

// cert-wrong-ca: the wrong CA for the window, its count as evidence.
TEST_F(FaultExecutorTest, CertWrongCaSwitchesAndBack) {
  startWithControl(CertWrongCaToml);
  advanceTo(10s);
  EXPECT_EQ(pod_.admin_calls, std::vector<std::string>{"control POST /issuance?mode=wrong-ca"});
  pod_.issuance_state = issuanceJson("wrong-ca", 0, 3, 3, unixMs(wall0_ + 74s));
  advanceTo(30s);
  EXPECT_EQ(pod_.admin_calls.back(), "control POST /issuance?mode=normal");
  EXPECT_TRUE(outcome().effective);
  EXPECT_EQ(outcome().injections, 3u);
  EXPECT_EQ(outcome().evidence,
            "control handed out 3 certificates signed by a CA outside the bundle; last NotAfter "
            "at 74.0s into the run");
}

// An admin listener that cannot be reached: the fault says so, never claims an effect (the run
// is invalid) and has nothing to switch back.
struct UnreachableAdmin {
  const char* name;
  std::string toml;
  std::chrono::nanoseconds run_to;
  const char* evidence;
};

void PrintTo(const UnreachableAdmin& admin, std::ostream* out) { *out << admin.name; }

class UnreachableAdminTest : public FaultExecutorTest,
                             public ::testing::WithParamInterface<UnreachableAdmin> {};

TEST_P(UnreachableAdminTest, SaysWhyAndIsNotEffective) {
  pod_.admin_down = true;
  startWithControl(GetParam().toml);
  advanceTo(GetParam().run_to);
  EXPECT_FALSE(outcome().effective);
  EXPECT_EQ(outcome().evidence, GetParam().evidence);
  EXPECT_EQ(pod_.admin_calls.size(), 1u) << "nothing to switch back";
  auto records = faultRecords(executor_->outcomes(), t0_, true);
  ASSERT_EQ(records.invalid_reasons.size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(
    ControlPlaneFaults, UnreachableAdminTest,
    ::testing::Values(UnreachableAdmin{"ControlPlaneOutage", outageToml("mode = \"hang\"\n"), 20s,
                                       "could not switch control: connect: Connection refused"},
                      UnreachableAdmin{
                          "CertWrongCa", CertWrongCaToml, 40s,
                          "could not switch control's issuance: connect: Connection refused"}),
    [](const ::testing::TestParamInfo<UnreachableAdmin>& param_info) {
      return param_info.param.name;
    });

// ---- clock-skew: the restarts are the supervisor's; the test reports them ----

faults::ProcessRestartReport readyAt(MonotonicTime at, pid_t before, pid_t after) {
  faults::ProcessRestartReport report;
  report.stop_began = at;
  report.ready = at;
  report.pid_before = before;
  report.pid_after = after;
  return report;
}

// A program that is not ours runs under faketime for the window and plain again after it.
TEST_F(FaultExecutorTest, ClockSkewRestartsUnderFaketimeAndBack) {
  start(
      "[[fault]]\nkind = \"clock-skew\"\ntarget = \"proxy\"\nskew = \"-2h\"\nat = \"5s\"\n"
      "duration = \"15s\"\n");
  advanceTo(5s);
  ASSERT_EQ(pod_.process_restarts.size(), 1u);
  EXPECT_EQ(pod_.process_restarts[0].first, "proxy");
  EXPECT_EQ(pod_.process_restarts[0].second.prefix,
            (std::vector<std::string>{"faketime", "--exclude-monotonic", "-f", "-7200s"}));
  EXPECT_TRUE(pod_.process_restarts[0].second.env.empty());
  EXPECT_FALSE(outcome().effective) << "not restarted yet";
  advanceTo(5100ms);
  pod_.process_restart_done[0](readyAt(clock_.monotonicNow(), 4242, 5000));
  exited("proxy", "exit code 1");  // a skewed incarnation that fell over
  advanceTo(20s);
  ASSERT_EQ(pod_.process_restarts.size(), 2u);
  EXPECT_TRUE(pod_.process_restarts[1].second.empty()) << "back as the scenario declares it";
  advanceTo(20300ms);
  pod_.process_restart_done[1](readyAt(clock_.monotonicNow(), 5000, 5001));
  EXPECT_TRUE(outcome().effective);
  EXPECT_EQ(outcome().evidence,
            "proxy restarted with its clock 2h behind at 5.1s (under faketime); exited 1 time "
            "while skewed (last: exit code 1), back at 20.3s");
}

// One of our programs takes OUTRIDER_CLOCK_SKEW instead; the run's end is its way back.
TEST_F(FaultExecutorTest, ClockSkewGivesOurProgramsTheVariable) {
  startWithControl(
      "[[fault]]\nkind = \"clock-skew\"\ntarget = \"control\"\nskew = \"+30m\"\nat = \"2s\"\n");
  advanceTo(2s);
  ASSERT_EQ(pod_.process_restarts.size(), 1u);
  EXPECT_EQ(pod_.process_restarts[0].second.env,
            (std::map<std::string, std::string>{{"OUTRIDER_CLOCK_SKEW", "+30m"}}));
  EXPECT_TRUE(pod_.process_restarts[0].second.prefix.empty());
  advanceTo(2500ms);
  pod_.process_restart_done[0](readyAt(clock_.monotonicNow(), 4444, 6000));
  advanceTo(60s);  // the window is the rest of the run
  ASSERT_EQ(pod_.process_restarts.size(), 2u);
  faults::ProcessRestartReport stopped;
  stopped.error = "the run stopped during the pod restart";
  stopped.run_stopped = true;
  pod_.process_restart_done[1](stopped);
  EXPECT_TRUE(outcome().effective);
  EXPECT_EQ(outcome().evidence,
            "control restarted with its clock 30m ahead at 2.5s (OUTRIDER_CLOCK_SKEW); back on "
            "the real clock when the run stopped the pod");
}

// A restart that failed: not effective, with the supervisor's reason.
TEST_F(FaultExecutorTest, ClockSkewWhoseRestartFailedIsNotEffective) {
  start(
      "[[fault]]\nkind = \"clock-skew\"\ntarget = \"proxy\"\nskew = \"90s\"\nat = \"5s\"\n"
      "duration = \"10s\"\n");
  advanceTo(5s);
  ASSERT_EQ(pod_.process_restarts.size(), 1u);
  EXPECT_EQ(pod_.process_restarts[0].second.prefix.back(), "+90s");
  faults::ProcessRestartReport failed;
  failed.error = "another restart is under way";
  pod_.process_restart_done[0](failed);
  advanceTo(30s);
  EXPECT_FALSE(outcome().effective);
  EXPECT_EQ(outcome().evidence,
            "proxy could not be restarted with its clock 1m30s ahead (under faketime): another "
            "restart is under way");
}

// ---- pod-restart and startup-race: the supervisor's part is played by the test ----

TEST_F(FaultExecutorTest, PodRestartAsksForAPlainRolloutAndShowsEveryProcessReplaced) {
  using Kind = faults::PodEvent::Kind;
  start("[[fault]]\nkind = \"pod-restart\"\nat = \"10s\"\n");
  advanceTo(10s);
  ASSERT_EQ(pod_.restarts.size(), 1u);
  EXPECT_FALSE(pod_.restarts[0].race.has_value());
  EXPECT_EQ(outcome().name, "pod-restart");
  EXPECT_FALSE(outcome().effective);  // not done yet
  EXPECT_THAT(outcome().evidence, HasSubstr("had not finished"));
  advanceTo(10200ms);
  event(Kind::Exited, "app", 4343, "signal SIGTERM");
  event(Kind::Exited, "proxy", 4242, "exit code 0");
  event(Kind::Started, "proxy", 5000);
  faults::PodRestartReport report;
  report.processes = {{"proxy", 4242, 5000}, {"app", 4343, 5001}};
  report.stop_began = at(10s);
  report.app_sigterm = at(10s);
  report.first_sigterm = "app";
  report.stopped = at(10200ms);
  report.ready = at(11500ms);
  advanceTo(11500ms);
  pod_.restart_done(report);
  const auto restart = outcome();
  EXPECT_TRUE(restart.effective);
  EXPECT_EQ(restart.evidence,
            "pod replaced: proxy pid 4242 -> 5000, app pid 4343 -> 5001; app SIGTERM at +0.00s, "
            "stopped at +0.20s, ready again at +1.50s (down 1.50s)");
  ASSERT_TRUE(restart.disruption.has_value());
  EXPECT_EQ(restart.disruption->from, at(10s));
  EXPECT_EQ(restart.disruption->to, at(11500ms));
  EXPECT_EQ(restart.disruption->sigterm, at(10s));
  EXPECT_EQ(restart.disruption->sigterm_process, "app");
}

TEST_F(FaultExecutorTest, APodRestartThatLeftAProcessOutIsNotEffective) {
  start("[[fault]]\nkind = \"pod-restart\"\ntarget = \"app\"\nat = \"1s\"\n");
  advanceTo(1s);
  faults::PodRestartReport report;
  report.processes = {{"proxy", 4242, 5000}, {"app", 4343, std::nullopt}};
  report.stop_began = at(1s);
  report.error = "app 'app' exited with exit code 1 before it was ready (restart = never)";
  pod_.restart_done(report);
  EXPECT_EQ(outcome().name, "pod-restart-app");
  EXPECT_FALSE(outcome().effective);
  EXPECT_THAT(outcome().evidence, HasSubstr("pod not replaced: proxy pid 4242 -> 5000, app pid "
                                            "4343 -> none; app 'app' exited"));
}

TEST_F(FaultExecutorTest, StartupRaceAppFirstShowsTheOrderObserved) {
  using Kind = faults::PodEvent::Kind;
  start(
      "[[fault]]\nkind = \"startup-race\"\ntarget = \"proxy\"\nmode = \"app-first\"\n"
      "delay = \"1s\"\nat = \"10s\"\n");
  advanceTo(10s);
  ASSERT_EQ(pod_.restarts.size(), 1u);
  EXPECT_EQ(pod_.restarts[0].race, scenarios::StartupRaceMode::AppFirst);
  EXPECT_EQ(pod_.restarts[0].sidecar, "proxy");
  EXPECT_EQ(pod_.restarts[0].delay, 1s);
  // The events of the app reach a fault aimed at the proxy: it watches the whole pod.
  advanceTo(10100ms);
  event(Kind::Exited, "app", 4343, "signal SIGTERM");
  event(Kind::Exited, "proxy", 4242, "exit code 0");
  event(Kind::Started, "app", 5000);
  advanceTo(10150ms);
  event(Kind::Exited, "app", 5000, "exit code 1");
  advanceTo(11100ms);
  event(Kind::Started, "proxy", 5001);
  advanceTo(11200ms);
  event(Kind::Ready, "proxy", 5001);
  const auto race = outcome();
  EXPECT_TRUE(race.effective);
  EXPECT_EQ(race.evidence,
            "app started at +0.10s before proxy was ready at +1.20s; order observed: app exited "
            "(signal SIGTERM) +0.10s, proxy exited (exit code 0) +0.10s, app started +0.10s, app "
            "exited (exit code 1) +0.15s, proxy started +1.10s, proxy ready +1.20s; the pod "
            "restart begun at +0.00s had not finished when the run ended");
  EXPECT_EQ(events_.at(0), "10.0s fault-start startup-race app-first 1s on proxy");
}

TEST_F(FaultExecutorTest, StartupRaceSidecarExitsFirstIsNotEffectiveWhenTheAppWentFirst) {
  using Kind = faults::PodEvent::Kind;
  start(
      "[[fault]]\nkind = \"startup-race\"\ntarget = \"proxy\"\nmode = \"sidecar-exits-first\"\n"
      "at = \"1s\"\n");
  advanceTo(1s);
  event(Kind::Exited, "app", 4343, "signal SIGTERM");
  event(Kind::Exited, "proxy", 4242, "signal SIGTERM");
  EXPECT_FALSE(outcome().effective);
  EXPECT_THAT(outcome().evidence, HasSubstr("proxy did not exit before the app"));
}

TEST_F(FaultExecutorTest, StartupRaceSidecarCrashOnStartCountsTheCrashesOfTheNewIncarnations) {
  using Kind = faults::PodEvent::Kind;
  start(
      "[[fault]]\nkind = \"startup-race\"\ntarget = \"proxy\"\n"
      "mode = \"sidecar-crash-on-start\"\ntimes = 2\nat = \"1s\"\n");
  advanceTo(1s);
  EXPECT_EQ(pod_.restarts.at(0).crash_times, 2u);
  event(Kind::Exited, "proxy", 4242, "signal SIGTERM");  // the stop's own exit
  event(Kind::Started, "proxy", 5000);
  event(Kind::Exited, "proxy", 5000, "signal SIGKILL");
  EXPECT_FALSE(outcome().effective);
  event(Kind::Started, "proxy", 5001);
  event(Kind::Exited, "proxy", 5001, "signal SIGKILL");
  EXPECT_TRUE(outcome().effective);
  EXPECT_THAT(outcome().evidence, HasSubstr("proxy exited 2 of 2 time(s) right after starting"));
  // Once the pod is ready again, an exit (the run's own stop) is no crash on start.
  event(Kind::Started, "proxy", 5002);
  faults::PodRestartReport report;
  report.processes = {{"proxy", 4242, 5000}, {"app", 4343, 5003}};
  report.stop_began = at(1s);
  report.ready = clock_.monotonicNow();
  pod_.restart_done(report);
  advanceTo(30s);
  event(Kind::Exited, "proxy", 5002, "exit code 0");
  EXPECT_THAT(outcome().evidence, HasSubstr("proxy exited 2 of 2 time(s) right after starting"));
}

// The resource kinds act on the target's cgroup: a fake tree (v1, as on the development
// machines) stands in for the kernel, whose counters the test moves as the kernel would.
class ResourceFaultTest : public FaultExecutorTest {
 protected:
  void SetUp() override {
    FaultExecutorTest::SetUp();
    auto host =
        faults::host::detectCgroups(tree_.procSelfCgroup(), tree_.mountinfo(), tree_, tree_.root());
    ASSERT_TRUE(host) << host.error().message;
    host_ = *host;
    auto cgroup = faults::host::Cgroup::create(tree_, host_, "outrider-1", "proxy");
    ASSERT_TRUE(cgroup) << cgroup.error().message;
    cgroup_ = std::move(*cgroup);
    ASSERT_TRUE(cgroup_->setMemoryLimit(256u << 20));  // the scenario's memory_limit
    pod_.cgroups["proxy"] = cgroup_.get();
  }
  std::string memory(const std::string& file) const {
    return tree_.contents(host_.memory_dir + "/outrider-1/proxy/" + file);
  }
  std::string cpu(const std::string& file) const {
    return tree_.contents(host_.cpu_dir + "/outrider-1/proxy/" + file);
  }

  test::FakeCgroupTree tree_{faults::host::CgroupVersion::V1};
  faults::host::CgroupHost host_;
  std::unique_ptr<faults::host::Cgroup> cgroup_;
};

TEST_F(ResourceFaultTest, OomCapsTheLimitAndIsEffectiveOnTheKernelsOomKill) {
  start(
      "[[fault]]\nkind = \"oom\"\ntarget = \"proxy\"\nat = \"5s\"\nduration = \"10s\"\n"
      "limit = \"16MiB\"\n");
  advanceTo(5s);
  EXPECT_EQ(memory("memory.limit_in_bytes"), "16777216\n");
  tree_.kernelWrites(host_.memory_dir + "/outrider-1/proxy/memory.oom_control",
                     "oom_kill_disable 0\nunder_oom 0\noom_kill 1\n");
  exited("proxy", "signal SIGKILL");
  advanceTo(15s);
  EXPECT_EQ(memory("memory.limit_in_bytes"), "268435456\n");  // the scenario's limit again
  const auto oom = outcome();
  EXPECT_TRUE(oom.effective) << oom.evidence;
  EXPECT_EQ(oom.injections, 1u);
  EXPECT_EQ(oom.evidence,
            "proxy OOM-killed under a 16.0 MiB cap (oom_kill 0 -> 1), 1 exit(s) on SIGKILL; limit "
            "back to 256.0 MiB");
}

// A target that lived through the cap leaves the fault not effective: the run is invalid.
TEST_F(ResourceFaultTest, OomWithoutAKillIsNotEffective) {
  start(
      "[[fault]]\nkind = \"oom\"\ntarget = \"proxy\"\nat = \"1s\"\nduration = \"2s\"\n"
      "limit = \"1GiB\"\n");
  advanceTo(4s);
  EXPECT_FALSE(outcome().effective);
  EXPECT_THAT(outcome().evidence, HasSubstr("was not OOM-killed under a 1.0 GiB cap"));
}

TEST_F(ResourceFaultTest, CpuStarveIsAQuotaAndShowsThrottling) {
  start(
      "[[fault]]\nkind = \"cpu-starve\"\ntarget = \"proxy\"\nat = \"2s\"\n"
      "duration = \"5s\"\nshare = 0.02\n");
  advanceTo(2s);
  EXPECT_EQ(cpu("cpu.cfs_quota_us"), "2000\n");
  tree_.kernelWrites(host_.cpu_dir + "/outrider-1/proxy/cpu.stat",
                     "nr_periods 50\nnr_throttled 48\nthrottled_time 4200000000\n");
  advanceTo(7s);
  EXPECT_EQ(cpu("cpu.cfs_quota_us"), "-1\n");  // no cpu_limit in the scenario: none again
  const auto starve = outcome();
  EXPECT_TRUE(starve.effective) << starve.evidence;
  EXPECT_EQ(starve.injections, 48u);
  EXPECT_EQ(starve.evidence,
            "proxy throttled in 48 of 50 periods (4.2s held back) at 0.02 of a core; back to no "
            "limit");
}

// Pressure: a shielded allocator in the target's cgroup, the target's own leak: it ends when the
// target exits, starts again with the next incarnation, and is gone when the window ends.
TEST_F(ResourceFaultTest, OomPressureRunsAShieldedAllocatorPerIncarnation) {
  start(
      "[[fault]]\nkind = \"oom\"\nmode = \"pressure\"\nrate = \"8MiB/s\"\ntarget = "
      "\"proxy\"\nat = \"5s\"\nduration = \"10s\"\nlimit = \"32MiB\"\n");
  advanceTo(5s);
  EXPECT_EQ(memory("memory.limit_in_bytes"), "33554432\n");
  auto hogs = pod_.runningHogs();
  ASSERT_EQ(hogs.size(), 1u);
  EXPECT_EQ(hogs[0]->process, "proxy");
  EXPECT_EQ(hogs[0]->spec.memory_rate, 8u << 20);
  EXPECT_EQ(hogs[0]->spec.memory_max, 32u << 20);  // never past the cap
  EXPECT_TRUE(hogs[0]->spec.oom_shield);
  EXPECT_EQ(hogs[0]->spec.cpu_workers, 0u);
  EXPECT_EQ(pod_.oom_score_adj[4242], 1000);  // the target is the OOM killer's first choice

  tree_.kernelWrites(host_.memory_dir + "/outrider-1/proxy/memory.oom_control",
                     "oom_kill_disable 0\nunder_oom 0\noom_kill 1\n");
  advanceTo(9s);
  exited("proxy", "signal SIGKILL");
  EXPECT_TRUE(pod_.runningHogs().empty());  // the leak died with its process
  advanceTo(10s);
  startedAgain("proxy", 4244);
  ASSERT_EQ(pod_.runningHogs().size(), 1u);  // and the next incarnation leaks again
  EXPECT_EQ(pod_.oom_score_adj[4244], 1000);
  advanceTo(15s);
  EXPECT_EQ(pod_.oom_score_adj[4244], 0);  // its score back once the window ends
  EXPECT_TRUE(pod_.runningHogs().empty());
  EXPECT_EQ(pod_.hogs.size(), 2u);
  EXPECT_EQ(memory("memory.limit_in_bytes"), "268435456\n");
  const auto oom = outcome();
  EXPECT_TRUE(oom.effective) << oom.evidence;
  EXPECT_EQ(oom.evidence,
            "proxy OOM-killed under a 32.0 MiB cap, an allocator touching 8.0 MiB/s in "
            "its cgroup (2 started, oom_score_adj 1000 on the target) (oom_kill 0 -> 1), 1 exit(s) "
            "on SIGKILL; limit back to 256.0 MiB");
}

// An allocator that died on its own (it could not shield itself, say) means there was no
// pressure: not effective, whatever the counters say.
TEST_F(ResourceFaultTest, OomPressureWhoseAllocatorDiedIsNotEffective) {
  start(
      "[[fault]]\nkind = \"oom\"\nmode = \"pressure\"\ntarget = \"proxy\"\nat = \"1s\"\n"
      "duration = \"2s\"\nlimit = \"32MiB\"\n");
  advanceTo(1s);
  ASSERT_EQ(pod_.hogs.size(), 1u);
  EXPECT_EQ(pod_.hogs.begin()->second.spec.memory_rate, 64u << 20);  // the spec's default
  pod_.hogs.begin()->second.ended_on_its_own = "exit code 3";
  advanceTo(4s);
  EXPECT_FALSE(outcome().effective);
  EXPECT_THAT(outcome().evidence, HasSubstr("the allocator ended on its own (exit code 3)"));
}

TEST_F(ResourceFaultTest, CpuStarveHogSharesTheQuotaWithBusyWorkersForTheWindow) {
  start(
      "[[fault]]\nkind = \"cpu-starve\"\nmode = \"hog\"\nworkers = 2\ntarget = \"proxy\"\n"
      "at = \"2s\"\nduration = \"5s\"\nshare = 0.5\n");
  advanceTo(2s);
  EXPECT_EQ(cpu("cpu.cfs_quota_us"), "50000\n");
  auto hogs = pod_.runningHogs();
  ASSERT_EQ(hogs.size(), 1u);
  EXPECT_EQ(hogs[0]->spec.cpu_workers, 2u);
  EXPECT_EQ(hogs[0]->spec.memory_rate, 0u);
  EXPECT_FALSE(hogs[0]->spec.oom_shield);
  exited("proxy", "signal SIGKILL");  // the target's life does not end a neighbour
  EXPECT_EQ(pod_.runningHogs().size(), 1u);
  tree_.kernelWrites(host_.cpu_dir + "/outrider-1/proxy/cpu.stat",
                     "nr_periods 50\nnr_throttled 50\nthrottled_time 2500000000\n");
  advanceTo(7s);
  EXPECT_TRUE(pod_.runningHogs().empty());
  EXPECT_EQ(cpu("cpu.cfs_quota_us"), "-1\n");
  EXPECT_EQ(outcome().evidence,
            "proxy throttled in 50 of 50 periods (2.5s held back) at 0.5 of a core, shared with 2 "
            "busy worker(s); back to no limit");
}

TEST_F(ResourceFaultTest, WithoutACgroupTheFaultSaysWhy) {
  pod_.cgroups.clear();
  start(
      "[[fault]]\nkind = \"cpu-starve\"\ntarget = \"proxy\"\nat = \"1s\"\n"
      "duration = \"1s\"\nshare = 0.5\n");
  advanceTo(3s);
  EXPECT_FALSE(outcome().effective);
  EXPECT_THAT(outcome().evidence, HasSubstr("no writable cgroups"));
}

TEST_F(FaultExecutorTest, AFaultTheRunEndedBeforeIsNeverStarted) {
  start("[[fault]]\nkind = \"kill\"\ntarget = \"proxy\"\nat = \"50s\"\n");
  advanceTo(20s);
  executor_->stop();
  EXPECT_FALSE(outcome().started);
  EXPECT_EQ(outcome().evidence, "never started: the run ended first");
  EXPECT_TRUE(pod_.signals.empty());
}

// A kind that exists only in this file: SIGUSR1 `times` times, `gap` apart, from its own timer.
class Nudge final : public faults::ProcessFault {
 public:
  Nudge(const faults::PlannedFault& fault, faults::FaultContext& context)
      : fault_(fault), context_(context), timer_(context.clock.createTimer(context.executor)) {}
  void begin() override { asio::co_spawn(context_.executor, loop(), asio::detached); }
  void end() override { timer_->cancel(); }
  faults::KindEvidence evidence() const override {
    return {sent_ > 0, fmt::format("{} nudged {} time(s)", fault_.target, sent_), sent_};
  }

 private:
  asio::awaitable<void> loop() {
    const int64_t times = fault_.spec.params.at("times").integer;
    const auto gap = fault_.spec.params.at("gap").duration;
    for (int64_t i = 0; i < times; ++i) {
      if (context_.pod.signal(fault_.target, SIGUSR1)) {
        ++sent_;
      }
      timer_->expiresAfter(gap);
      const bool expired = co_await timer_->wait();
      if (!expired) {
        co_return;
      }
    }
  }
  const faults::PlannedFault& fault_;
  faults::FaultContext& context_;
  TimerPtr timer_;
  uint64_t sent_ = 0;
};

TEST_F(FaultExecutorTest, AKindAddedInATestFileRunsThroughLoaderPlanExecutorAndJournal) {
  faults::FaultKindEntry nudge;
  nudge.name = "nudge";
  nudge.summary = "SIGUSR1 `times` times, `gap` apart";
  nudge.schema.keys = {{"times", scenarios::FaultParam::Type::Integer, true},
                       {"gap", scenarios::FaultParam::Type::Duration, true}};
  nudge.describe = [](const faults::PlannedFault& fault) {
    return fmt::format("nudge x{} on {}", fault.spec.params.at("times").integer, fault.target);
  };
  nudge.make = [](const faults::PlannedFault& fault,
                  faults::FaultContext& context) -> faults::ProcessFaultPtr {
    return std::make_unique<Nudge>(fault, context);
  };
  registry_.add(std::move(nudge));
  EXPECT_THAT(faults::renderFaultKinds(registry_), HasSubstr("nudge"));

  start("[[fault]]\nkind = \"nudge\"\ntarget = \"app\"\nat = \"2s\"\nduration = \"10s\"\n"
        "times = 3\ngap = \"1s\"\n");
  advanceTo(12s);
  EXPECT_EQ(pod_.signals, (std::vector<std::pair<std::string, int>>{
                              {"app", SIGUSR1}, {"app", SIGUSR1}, {"app", SIGUSR1}}));

  auto records = faultRecords(executor_->outcomes(), t0_, true);
  EXPECT_TRUE(records.invalid_reasons.empty());
  reports::Journal journal;
  journal.faults = records.records;
  const auto json = reports::toJson(journal);
  const auto& fault = json.at("faults").at(0);
  EXPECT_EQ(fault.at("kind"), "nudge");
  EXPECT_EQ(fault.at("name"), "nudge-app");
  EXPECT_EQ(fault.at("description"), "nudge x3 on app");
  EXPECT_EQ(fault.at("effective"), true);
  EXPECT_EQ(fault.at("evidence"), "app nudged 3 time(s)");
  EXPECT_DOUBLE_EQ(fault.at("started_at_s").get<double>(), 2.0);
  EXPECT_DOUBLE_EQ(fault.at("ended_at_s").get<double>(), 12.0);
}

TEST_F(FaultExecutorTest, TheLoaderRefusesAnExtensionKindsMissingOrMistypedKeys) {
  faults::FaultKindEntry nudge;
  nudge.name = "nudge";
  nudge.schema.keys = {{"times", scenarios::FaultParam::Type::Integer, true}};
  registry_.add(std::move(nudge));
  scenarios::LoadOptions options;
  options.catalog = &registry_;
  auto loaded = scenarios::loadScenario(
      std::string(PodToml) + "[[fault]]\nkind = \"nudge\"\ntarget = \"link-x\"\ntime = 3\n",
      "unit.toml", options);
  ASSERT_FALSE(loaded.has_value());
  std::string all;
  for (const auto& d : loaded.error().diagnostics) {
    all += d.format() + "\n";
  }
  EXPECT_THAT(all, HasSubstr("fault[0].times"));       // required key missing
  EXPECT_THAT(all, HasSubstr("did you mean 'times'"));  // the typo, located
  EXPECT_THAT(all, HasSubstr("no link or process named 'link-x'"));
  // Without the catalogue the kind is unknown, as it is to a build that lacks it.
  options.catalog = nullptr;
  auto without = scenarios::loadScenario(
      std::string(PodToml) + "[[fault]]\nkind = \"nudge\"\ntarget = \"app\"\ntimes = 3\n",
      "unit.toml", options);
  ASSERT_FALSE(without.has_value());
}

}  // namespace
}  // namespace outrider::harness
