// The supervisor on a manual clock with a scripted runtime: no child process and no real wait,
// so Kubernetes' start order, kubelet's back-off, readiness deadlines, liveness kills and the
// stop order with its grace periods are checked to the millisecond in milliseconds.

#include <csignal>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "outrider/common/manual_clock.h"
#include "outrider/common/timer.h"
#include "outrider/common/units.h"
#include "outrider/harness/probe.h"
#include "outrider/harness/process.h"
#include "outrider/harness/supervisor.h"

namespace outrider::harness {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// How one scripted program behaves, by its process name.
struct Program {
  std::chrono::nanoseconds ready_after{0};  // its ready probe succeeds this long after spawn
  std::optional<std::chrono::nanoseconds> exit_after;  // it exits on its own then...
  int exit_code = 1;                                    // ...with this code
  bool ignores_term = false;                            // SIGTERM does nothing
  bool live = true;                                     // its liveness probe answers
};

class ScriptedRuntime;

class ScriptedChild final : public ChildProcess {
 public:
  ScriptedChild(ScriptedRuntime& runtime, const asio::any_io_executor& executor,
                const Clock& clock, std::string name, pid_t pid, Program program);
  ~ScriptedChild() override { (void)killAndReap(0ms); }

  pid_t pid() const override { return pid_; }
  std::optional<ExitStatus> exitStatus() const override { return status_; }
  Result<void> signalGroup(int signo) override;
  asio::awaitable<std::optional<ExitStatus>> waitExit() override {
    while (!status_) {
      (void)co_await exited_->wait();
      if (!status_) {
        co_return std::nullopt;  // the wait itself was cancelled
      }
    }
    co_return status_;
  }
  std::optional<ExitStatus> killAndReap(std::chrono::milliseconds) override {
    exit(ExitStatus{std::nullopt, SIGKILL});
    return status_;
  }
  void exit(ExitStatus status) {
    if (!status_) {
      status_ = status;
      exited_->cancel();
    }
  }
  Program& program() { return program_; }
  MonotonicTime spawned_at{};

 private:
  asio::awaitable<void> exitLater(std::chrono::nanoseconds after) {
    exit_timer_->expiresAfter(after);
    const bool expired = co_await exit_timer_->wait();
    if (expired) {
      exit(ExitStatus{program_.exit_code, std::nullopt});
    }
  }

  ScriptedRuntime& runtime_;
  std::string name_;
  pid_t pid_;
  Program program_;
  TimerPtr exited_;
  TimerPtr exit_timer_;
  std::optional<ExitStatus> status_;
};

class ScriptedCheck final : public HealthCheck {
 public:
  ScriptedCheck(ScriptedRuntime& runtime, std::string url) : runtime_(runtime), url_(std::move(url)) {}
  asio::awaitable<ProbeResult> check() override;
  const std::string& url() const override { return url_; }

 private:
  ScriptedRuntime& runtime_;
  std::string url_;
};

// Probe URLs are "ready://NAME" and "live://NAME".
class ScriptedRuntime final : public PodRuntime {
 public:
  explicit ScriptedRuntime(const Clock& clock) : clock_(clock) {}

  Result<std::unique_ptr<ChildProcess>> spawn(const asio::any_io_executor& executor,
                                              const SpawnOptions& options) override {
    log(fmt::format("spawn {}", options.name));
    spawned[options.name] = options;
    auto child = std::make_unique<ScriptedChild>(*this, executor, clock_, options.name,
                                                 next_pid_++, programs[options.name]);
    child->spawned_at = clock_.monotonicNow();
    children_[options.name] = child.get();
    return std::unique_ptr<ChildProcess>(std::move(child));
  }
  Result<std::unique_ptr<HealthCheck>> probe(const std::string& url,
                                             std::chrono::nanoseconds) override {
    return std::unique_ptr<HealthCheck>(std::make_unique<ScriptedCheck>(*this, url));
  }

  void log(const std::string& what) {
    events.push_back(fmt::format("{:.3f} {}", since(clock_.monotonicNow()), what));
  }
  double since(MonotonicTime at) const {
    return toSeconds(std::chrono::duration_cast<std::chrono::nanoseconds>(at - origin));
  }
  ScriptedChild* child(const std::string& name) { return children_.at(name); }
  void forget(const std::string& name, const ScriptedChild* child) {
    auto it = children_.find(name);
    if (it != children_.end() && it->second == child) {
      children_.erase(it);
    }
  }
  bool running(const std::string& name) const {
    auto it = children_.find(name);
    return it != children_.end() && !it->second->exited();
  }

  std::map<std::string, Program> programs;
  std::map<std::string, SpawnOptions> spawned;  // the last spawn of each, as asked
  std::vector<std::string> events;
  MonotonicTime origin{};
  const Clock& clock_;

 private:
  pid_t next_pid_ = 1000;
  std::map<std::string, ScriptedChild*> children_;
};

ScriptedChild::ScriptedChild(ScriptedRuntime& runtime, const asio::any_io_executor& executor,
                             const Clock& clock, std::string name, pid_t pid, Program program)
    : runtime_(runtime),
      name_(std::move(name)),
      pid_(pid),
      program_(program),
      exited_(clock.createTimer(executor)),
      exit_timer_(clock.createTimer(executor)) {
  exited_->expiresNever();
  if (program_.exit_after) {
    asio::co_spawn(executor, exitLater(*program_.exit_after), asio::detached);
  }
}

Result<void> ScriptedChild::signalGroup(int signo) {
  if (status_) {
    return makeError(ErrorCode::Io, name_ + " has exited");
  }
  runtime_.log(fmt::format("{} {}", signalName(signo), name_));
  if (signo == SIGKILL || (signo == SIGTERM && !program_.ignores_term)) {
    exit_timer_->cancel();
    exit(ExitStatus{std::nullopt, signo});
  }
  return {};
}

asio::awaitable<ProbeResult> ScriptedCheck::check() {
  const bool ready = url_.rfind("ready://", 0) == 0;
  const std::string name = url_.substr(url_.find("://") + 3);
  if (!runtime_.running(name)) {
    co_return ProbeResult{false, "connection refused"};
  }
  ScriptedChild* child = runtime_.child(name);
  if (ready) {
    const bool up = runtime_.clock_.monotonicNow() - child->spawned_at >= child->program().ready_after;
    co_return ProbeResult{up, up ? "HTTP 200" : "HTTP 503"};
  }
  co_return ProbeResult{child->program().live, child->program().live ? "HTTP 200" : "timed out"};
}

class SupervisorSimTest : public ::testing::Test {
 protected:
  SupervisorSimTest() : runtime_(std::make_shared<ScriptedRuntime>(clock_)) {
    runtime_->origin = clock_.monotonicNow();
  }
  ~SupervisorSimTest() override {
    supervisor_.reset();
    settle();
  }

  scenarios::ProcessSpec process(const std::string& name, scenarios::ProcessRole role,
                                 scenarios::StartMode start = scenarios::StartMode::BeforeApp) {
    scenarios::ProcessSpec spec;
    spec.name = name;
    spec.role = role;
    spec.start = start;
    spec.command = {name};
    spec.ready = "ready://" + name;
    spec.restart_backoff = 10s;
    spec.termination_grace = 5s;
    return spec;
  }
  void create(std::vector<scenarios::ProcessSpec> specs) {
    SupervisorOptions options;
    options.processes = std::move(specs);
    options.log_dir = ::testing::TempDir() + "/supervisor-sim-logs";
    options.runtime = runtime_;
    options.on_event = [this](const ProcessEvent& event) {
      if (event.kind == ProcessEventKind::Ready || event.kind == ProcessEventKind::Exited ||
          event.kind == ProcessEventKind::BackingOff) {
        runtime_->log(fmt::format("{} {}", toString(event.kind), event.name));
      }
    };
    auto created = Supervisor::create(io_.get_executor(), clock_, std::move(options));
    ASSERT_TRUE(created) << created.error().message;
    supervisor_ = std::move(*created);
  }
  void settle() {
    io_.restart();
    io_.poll();
  }
  void advance(std::chrono::nanoseconds by) {
    clock_.advance(by, [this] { settle(); });
  }
  void startPod() {
    asio::co_spawn(io_, supervisor_->start(), [this](std::exception_ptr error, Result<void> r) {
      ASSERT_FALSE(error);
      started_ = std::move(r);
    });
    settle();
  }
  void stopPod() {
    asio::co_spawn(io_, supervisor_->stop(), [this](std::exception_ptr error) {
      ASSERT_FALSE(error);
      stopped_ = true;
    });
    settle();
  }
  std::vector<std::string> eventsMatching(const std::string& part) const {
    std::vector<std::string> out;
    for (const auto& event : runtime_->events) {
      if (event.find(part) != std::string::npos) {
        out.push_back(event);
      }
    }
    return out;
  }

  asio::io_context io_;
  ManualClock clock_;
  std::shared_ptr<ScriptedRuntime> runtime_;
  std::unique_ptr<Supervisor> supervisor_;
  std::optional<Result<void>> started_;
  bool stopped_ = false;

  void restartPod(faults::PodRestartRequest request = {}) {
    asio::co_spawn(io_, supervisor_->restartPod(std::move(request)),
                   [this](std::exception_ptr error, faults::PodRestartReport report) {
                     ASSERT_FALSE(error);
                     restarted_ = std::move(report);
                   });
    settle();
  }
  // Starts the pod and makes the next events count from here.
  void startedPod() {
    startPod();
    advance(5s);
    ASSERT_TRUE(started_ && *started_);
    runtime_->events.clear();
    runtime_->origin = clock_.monotonicNow();
  }
  std::optional<faults::PodRestartReport> restarted_;

  void restartProcess(const std::string& name, faults::ProcessLaunch launch = {}) {
    process_restarted_.reset();
    asio::co_spawn(io_, supervisor_->restartProcess(name, std::move(launch)),
                   [this](std::exception_ptr error, faults::ProcessRestartReport report) {
                     ASSERT_FALSE(error);
                     process_restarted_ = std::move(report);
                   });
    settle();
  }
  std::optional<faults::ProcessRestartReport> process_restarted_;
};

using scenarios::ProcessRole;
using scenarios::RestartPolicy;
using scenarios::StartMode;

TEST_F(SupervisorSimTest, StartsServicesThenSidecarsOneByOneThenTheAppWithItsSidecars) {
  runtime_->programs["db"].ready_after = 2s;
  runtime_->programs["secrets"].ready_after = 3s;
  runtime_->programs["proxy"].ready_after = 1s;
  runtime_->programs["app"].ready_after = 500ms;
  runtime_->programs["logger"].ready_after = 200ms;
  create({process("app", ProcessRole::App), process("logger", ProcessRole::Sidecar,
                                                    StartMode::WithApp),
          process("proxy", ProcessRole::Sidecar), process("secrets", ProcessRole::Sidecar),
          process("db", ProcessRole::Service)});
  startPod();
  advance(10s);
  ASSERT_TRUE(started_.has_value());
  EXPECT_TRUE(*started_);
  // Each before-app sidecar waits for the one before; readiness is polled every 100 ms.
  EXPECT_THAT(eventsMatching("spawn"),
              ElementsAre("0.000 spawn db", "2.000 spawn proxy", "3.000 spawn secrets",
                          "6.000 spawn app", "6.000 spawn logger"));
  EXPECT_THAT(eventsMatching("ready"),
              ElementsAre("2.000 ready db", "3.000 ready proxy", "6.000 ready secrets",
                          "6.200 ready logger", "6.500 ready app"));
}

TEST_F(SupervisorSimTest, RestartsBackOffLikeKubeletDoublingFromRestartBackoff) {
  runtime_->programs["app"].exit_after = 1s;  // crashes a second after every start
  auto app = process("app", ProcessRole::App);
  app.ready.reset();
  create({app});
  startPod();
  advance(100s);
  EXPECT_THAT(eventsMatching("spawn"),
              ElementsAre("0.000 spawn app", "11.000 spawn app", "32.000 spawn app",
                          "73.000 spawn app"));
  EXPECT_EQ(supervisor_->record("app")->restarts, 3u);
}

TEST_F(SupervisorSimTest, AProcessNotReadyByItsTimeoutFailsTheStartNamingIt) {
  runtime_->programs["proxy"].ready_after = 1h;
  auto proxy = process("proxy", ProcessRole::Sidecar);
  proxy.ready_timeout = 30s;
  create({process("app", ProcessRole::App), proxy});
  startPod();
  advance(29900ms);
  EXPECT_FALSE(started_.has_value());
  advance(200ms);
  ASSERT_TRUE(started_.has_value());
  ASSERT_FALSE(*started_);
  EXPECT_EQ(started_->error().code, ErrorCode::Timeout);
  EXPECT_THAT(started_->error().message, HasSubstr("'proxy' was not ready after 30s"));
  EXPECT_THAT(eventsMatching("spawn app"), ::testing::IsEmpty());
}

TEST_F(SupervisorSimTest, StopsTheAppFirstThenSidecarsThenServicesEachWithItsGrace) {
  runtime_->programs["app"].ignores_term = true;  // needs the SIGKILL after its grace
  create({process("app", ProcessRole::App), process("proxy", ProcessRole::Sidecar),
          process("db", ProcessRole::Service)});
  startPod();
  advance(1s);
  ASSERT_TRUE(started_ && *started_);
  runtime_->events.clear();
  runtime_->origin = clock_.monotonicNow();
  stopPod();
  advance(20s);
  EXPECT_TRUE(stopped_);
  EXPECT_THAT(eventsMatching("SIG"),
              ElementsAre("0.000 SIGTERM app", "0.000 SIGCONT app", "5.000 SIGKILL app",
                          "5.000 SIGTERM proxy", "5.000 SIGTERM db"));
  EXPECT_THAT(eventsMatching("exit"), ElementsAre("5.000 exit app", "5.000 exit proxy",
                                                  "5.000 exit db"));
  EXPECT_THAT(eventsMatching("spawn"), ::testing::IsEmpty());  // no restart while stopping
}

TEST_F(SupervisorSimTest, FailingLivenessIsKilledAfterThresholdAndGraceThenRestarted) {
  auto proxy = process("proxy", ProcessRole::Sidecar);
  proxy.live = "live://proxy";
  proxy.restart_backoff = 2s;
  runtime_->programs["proxy"].ignores_term = true;
  create({process("app", ProcessRole::App), proxy});
  startPod();
  advance(1s);  // probed live at 1 s
  ASSERT_TRUE(started_ && *started_);
  runtime_->child("proxy")->program().live = false;
  advance(20s);
  // Failures at 2, 3 and 4 s (threshold 3): SIGTERM, 5 s of grace, SIGKILL; back-off 2 s.
  EXPECT_THAT(eventsMatching("proxy"),
              ElementsAre("0.000 spawn proxy", "0.000 ready proxy", "4.000 SIGTERM proxy",
                          "4.000 SIGCONT proxy", "9.000 SIGKILL proxy", "9.000 exit proxy",
                          "9.000 back-off proxy", "11.000 spawn proxy", "11.000 ready proxy"));
  EXPECT_EQ(supervisor_->record("proxy")->restarts, 1u);
}

// ---- pod restart (pod-restart, startup-race) ----

TEST_F(SupervisorSimTest, APodRestartStopsInStopOrderAndStartsInStartOrderLeavingServices) {
  runtime_->programs["proxy"].ready_after = 1s;
  runtime_->programs["app"].ready_after = 500ms;
  create({process("app", ProcessRole::App),
          process("logger", ProcessRole::Sidecar, StartMode::WithApp),
          process("proxy", ProcessRole::Sidecar), process("db", ProcessRole::Service)});
  startedPod();
  const auto app_before = supervisor_->pid("app");
  const auto db_before = supervisor_->pid("db");
  restartPod();
  advance(5s);
  ASSERT_TRUE(restarted_.has_value());
  EXPECT_EQ(restarted_->error, "");
  EXPECT_THAT(eventsMatching("SIGTERM"),
              ElementsAre("0.000 SIGTERM app", "0.000 SIGTERM logger", "0.000 SIGTERM proxy"));
  EXPECT_THAT(eventsMatching("spawn"),
              ElementsAre("0.000 spawn proxy", "1.000 spawn app", "1.000 spawn logger"));
  EXPECT_THAT(eventsMatching("db"), ::testing::IsEmpty());  // a service is outside the pod
  EXPECT_EQ(supervisor_->pid("db"), db_before);
  ASSERT_EQ(restarted_->processes.size(), 3u);  // the pod's, in start order
  EXPECT_EQ(restarted_->processes[0].name, "proxy");
  EXPECT_EQ(restarted_->processes[1].name, "app");
  EXPECT_EQ(restarted_->processes[2].name, "logger");
  EXPECT_EQ(restarted_->processes[1].pid_before, app_before);
  EXPECT_EQ(restarted_->processes[1].pid_after, supervisor_->pid("app"));
  EXPECT_NE(supervisor_->pid("app"), app_before);
  ASSERT_TRUE(restarted_->app_sigterm && restarted_->stopped && restarted_->ready);
  EXPECT_EQ(runtime_->since(*restarted_->app_sigterm), 0.0);
  EXPECT_EQ(restarted_->first_sigterm, "app");
  EXPECT_DOUBLE_EQ(runtime_->since(*restarted_->ready), 1.5);
  // Records go on: a second start each, counted as a restart.
  EXPECT_EQ(supervisor_->record("app")->starts, 2u);
  EXPECT_EQ(supervisor_->record("app")->restarts, 1u);
  EXPECT_EQ(supervisor_->record("db")->starts, 1u);
}

TEST_F(SupervisorSimTest, AppFirstStartsTheAppDelayBeforeTheSidecarWithoutWaitingForIt) {
  runtime_->programs["egress"].ready_after = 1s;
  runtime_->programs["ingress"].ready_after = 1s;
  create({process("app", ProcessRole::App), process("ingress", ProcessRole::Sidecar),
          process("egress", ProcessRole::Sidecar)});
  startedPod();
  restartPod({scenarios::StartupRaceMode::AppFirst, "egress", 2s, 0});
  advance(10s);
  ASSERT_TRUE(restarted_.has_value());
  EXPECT_EQ(restarted_->error, "");
  // The other before-app sidecar keeps its gate; the race's sidecar comes 2 s after the app.
  EXPECT_THAT(eventsMatching("spawn"),
              ElementsAre("0.000 spawn ingress", "1.000 spawn app", "3.000 spawn egress"));
  EXPECT_DOUBLE_EQ(runtime_->since(*restarted_->ready), 4.0);
}

TEST_F(SupervisorSimTest, SidecarSlowDelaysTheSidecarAndTheAppWaitsForIt) {
  runtime_->programs["proxy"].ready_after = 1s;
  create({process("app", ProcessRole::App), process("proxy", ProcessRole::Sidecar)});
  startedPod();
  restartPod({scenarios::StartupRaceMode::SidecarSlow, "proxy", 3s, 0});
  advance(10s);
  ASSERT_TRUE(restarted_ && restarted_->error.empty());
  EXPECT_THAT(eventsMatching("spawn"), ElementsAre("3.000 spawn proxy", "4.000 spawn app"));
}

TEST_F(SupervisorSimTest, SidecarCrashOnStartExitsTimesThenBacksOffLikeKubelet) {
  auto proxy = process("proxy", ProcessRole::Sidecar);
  proxy.restart_backoff = 2s;
  create({process("app", ProcessRole::App), proxy});
  startedPod();
  restartPod({scenarios::StartupRaceMode::SidecarCrashOnStart, "proxy", 0s, 2});
  advance(20s);
  ASSERT_TRUE(restarted_ && restarted_->error.empty()) << restarted_->error;
  // Back-off starts afresh for the new pod: 2 s, then 4 s.
  EXPECT_THAT(eventsMatching("proxy"),
              ElementsAre("0.000 SIGTERM proxy", "0.000 exit proxy", "0.000 spawn proxy",
                          "0.000 SIGKILL proxy", "0.000 exit proxy", "0.000 back-off proxy",
                          "2.000 spawn proxy", "2.000 SIGKILL proxy", "2.000 exit proxy",
                          "2.000 back-off proxy", "6.000 spawn proxy", "6.000 ready proxy"));
  EXPECT_THAT(eventsMatching("spawn app"), ElementsAre("6.000 spawn app"));
}

TEST_F(SupervisorSimTest, SidecarExitsFirstTermsTheSidecarDelayBeforeTheApp) {
  create({process("app", ProcessRole::App), process("proxy", ProcessRole::Sidecar)});
  startedPod();
  restartPod({scenarios::StartupRaceMode::SidecarExitsFirst, "proxy", 2s, 0});
  advance(10s);
  ASSERT_TRUE(restarted_ && restarted_->error.empty());
  EXPECT_THAT(eventsMatching("SIGTERM"), ElementsAre("0.000 SIGTERM proxy", "2.000 SIGTERM app"));
  EXPECT_THAT(eventsMatching("exit"), ElementsAre("0.000 exit proxy", "2.000 exit app"));
  EXPECT_THAT(eventsMatching("spawn"), ElementsAre("2.000 spawn proxy", "2.000 spawn app"));
  EXPECT_DOUBLE_EQ(runtime_->since(*restarted_->app_sigterm), 2.0);
  EXPECT_EQ(restarted_->first_sigterm, "proxy");  // the in-flight check counts from its SIGTERM
}

TEST_F(SupervisorSimTest, APodRestartReplacesAProcessThatWasBackingOff) {
  auto app = process("app", ProcessRole::App);
  app.ready.reset();
  create({app, process("proxy", ProcessRole::Sidecar)});
  startedPod();
  ASSERT_TRUE(supervisor_->signal("app", SIGKILL));
  settle();  // the app is backing off for 10 s
  restartPod();
  advance(30s);
  ASSERT_TRUE(restarted_ && restarted_->error.empty());
  // Started once by the restart; the old back-off never fires.
  EXPECT_THAT(eventsMatching("spawn app"), ElementsAre("0.000 spawn app"));
}

TEST_F(SupervisorSimTest, ARolloutStartsAgainAProcessThatHadFinished) {
  auto app = process("app", ProcessRole::App);
  app.restart = RestartPolicy::Never;
  create({app, process("proxy", ProcessRole::Sidecar)});
  startedPod();
  ASSERT_TRUE(supervisor_->signal("app", SIGKILL));
  settle();
  ASSERT_EQ(supervisor_->phase("app"), ProcessPhase::Finished);
  restartPod();
  advance(5s);
  ASSERT_TRUE(restarted_ && restarted_->error.empty()) << restarted_->error;
  EXPECT_FALSE(restarted_->processes[1].pid_before.has_value());  // it was not running
  EXPECT_TRUE(restarted_->processes[1].pid_after.has_value());
  EXPECT_EQ(supervisor_->phase("app"), ProcessPhase::Running);
}

TEST_F(SupervisorSimTest, CrashOnStartOfASidecarThatIsNeverRestartedFailsTheRestart) {
  auto proxy = process("proxy", ProcessRole::Sidecar);
  proxy.restart = RestartPolicy::Never;
  create({process("app", ProcessRole::App), proxy});
  startedPod();
  restartPod({scenarios::StartupRaceMode::SidecarCrashOnStart, "proxy", 0s, 1});
  advance(5s);
  ASSERT_TRUE(restarted_.has_value());
  EXPECT_THAT(restarted_->error,
              HasSubstr("'proxy' exited with signal SIGKILL before it was ready"));
  EXPECT_THAT(eventsMatching("spawn app"), ::testing::IsEmpty());  // the app waits for it
}

TEST_F(SupervisorSimTest, AnAppThatNeverGetsReadyAgainFailsTheRestartNotTheRun) {
  auto app = process("app", ProcessRole::App);
  app.ready_timeout = 5s;
  create({app});
  startedPod();
  runtime_->programs["app"].ready_after = 1h;
  restartPod();
  advance(6s);
  ASSERT_TRUE(restarted_.has_value());
  EXPECT_THAT(restarted_->error, HasSubstr("'app' was not ready after 5s"));
  EXPECT_FALSE(restarted_->ready);
  EXPECT_EQ(supervisor_->phase("app"), ProcessPhase::Running);  // still supervised
}

TEST_F(SupervisorSimTest, StoppingDuringARestartEndsItAndStartsNothingMore) {
  create({process("app", ProcessRole::App), process("proxy", ProcessRole::Sidecar)});
  startedPod();
  restartPod({scenarios::StartupRaceMode::SidecarSlow, "proxy", 5s, 0});
  advance(1s);
  stopPod();
  advance(10s);
  EXPECT_TRUE(stopped_);
  ASSERT_TRUE(restarted_.has_value());
  EXPECT_THAT(restarted_->error, HasSubstr("stopped during the pod restart"));
  EXPECT_THAT(eventsMatching("spawn"), ::testing::IsEmpty());
}

TEST_F(SupervisorSimTest, OneRestartAtATime) {
  create({process("app", ProcessRole::App)});
  startedPod();
  restartPod({scenarios::StartupRaceMode::SidecarSlow, "app", 1s, 0});  // refused: not a sidecar
  ASSERT_TRUE(restarted_.has_value());
  EXPECT_THAT(restarted_->error, HasSubstr("no sidecar named 'app'"));
  restarted_.reset();
  runtime_->programs["app"].ready_after = 2s;
  restartPod();
  std::optional<faults::PodRestartReport> second;
  asio::co_spawn(io_, supervisor_->restartPod({}),
                 [&second](std::exception_ptr, faults::PodRestartReport report) {
                   second = std::move(report);
                 });
  settle();
  ASSERT_TRUE(second.has_value());
  EXPECT_THAT(second->error, HasSubstr("another pod restart is under way"));
  advance(5s);
  ASSERT_TRUE(restarted_ && restarted_->error.empty());
}

// clock-skew's restart: only the target is stopped and started again, with the launch added;
// its own restarts keep the launch; the next restart without one puts it back.
TEST_F(SupervisorSimTest, ARestartWithALaunchStopsOnlyItsTargetAndKeepsTheLaunch) {
  runtime_->programs["proxy"].ready_after = 1s;
  create({process("app", ProcessRole::App), process("proxy", ProcessRole::Sidecar)});
  startedPod();
  const auto before = supervisor_->pid("proxy");
  faults::ProcessLaunch launch;
  launch.env = {{"OUTRIDER_CLOCK_SKEW", "-2h"}};
  launch.prefix = {"faketime", "-f", "-7200s"};
  restartProcess("proxy", launch);
  advance(2s);
  ASSERT_TRUE(process_restarted_.has_value());
  EXPECT_EQ(process_restarted_->error, "");
  EXPECT_EQ(process_restarted_->pid_before, before);
  EXPECT_EQ(process_restarted_->pid_after, supervisor_->pid("proxy"));
  EXPECT_NE(supervisor_->pid("proxy"), before);
  ASSERT_TRUE(process_restarted_->ready);
  EXPECT_DOUBLE_EQ(runtime_->since(*process_restarted_->ready), 1.0);
  EXPECT_THAT(eventsMatching("SIGTERM"), ElementsAre("0.000 SIGTERM proxy"));
  EXPECT_EQ(runtime_->spawned["proxy"].argv,
            (std::vector<std::string>{"faketime", "-f", "-7200s", "proxy"}));
  EXPECT_EQ(runtime_->spawned["proxy"].env.at("OUTRIDER_CLOCK_SKEW"), "-2h");
  // A crash restart of the skewed process keeps its launch.
  ASSERT_TRUE(supervisor_->signal("proxy", SIGKILL));
  advance(11s);
  EXPECT_EQ(runtime_->spawned["proxy"].argv.front(), "faketime");
  EXPECT_EQ(supervisor_->record("proxy")->starts, 3u);
  // And back: as the scenario declares it.
  restartProcess("proxy");
  advance(2s);
  ASSERT_TRUE(process_restarted_ && process_restarted_->error.empty());
  EXPECT_EQ(runtime_->spawned["proxy"].argv, std::vector<std::string>{"proxy"});
  EXPECT_EQ(runtime_->spawned["proxy"].env.count("OUTRIDER_CLOCK_SKEW"), 0u);
  EXPECT_EQ(supervisor_->record("app")->starts, 1u);
}

// A service (the control plane) may be restarted so too, beside another process; the same one
// twice at once or a pod restart meanwhile is refused, and a stop during one ends it with
// run_stopped.
TEST_F(SupervisorSimTest, ARestartWithALaunchOfAServiceOneAtATimeAndStopped) {
  runtime_->programs["control"].ready_after = 2s;
  create({process("app", ProcessRole::App), process("control", ProcessRole::Service)});
  startedPod();
  restartProcess("control", {{{"OUTRIDER_CLOCK_SKEW", "+30m"}}, {}});
  std::vector<faults::ProcessRestartReport> others;
  for (const char* name : {"control", "app"}) {
    asio::co_spawn(io_, supervisor_->restartProcess(name, {}),
                   [&others](std::exception_ptr, faults::ProcessRestartReport report) {
                     others.push_back(std::move(report));
                   });
  }
  restartPod();
  ASSERT_TRUE(restarted_.has_value());
  EXPECT_THAT(restarted_->error, HasSubstr("a restart of control is under way"));
  advance(3s);
  ASSERT_EQ(others.size(), 2u);
  EXPECT_THAT(others[0].error, HasSubstr("another restart of control is under way"));
  EXPECT_EQ(others[1].error, "") << "another process: side by side";
  ASSERT_TRUE(process_restarted_ && process_restarted_->error.empty());
  EXPECT_EQ(runtime_->spawned["control"].env.at("OUTRIDER_CLOCK_SKEW"), "+30m");
  restartProcess("control");
  advance(1s);  // not ready again yet
  stopPod();
  advance(10s);
  EXPECT_TRUE(stopped_);
  ASSERT_TRUE(process_restarted_.has_value());
  EXPECT_TRUE(process_restarted_->run_stopped);
  EXPECT_FALSE(process_restarted_->error.empty());
}

// user/group: each start of a process with run_as (restarts too) asks the runtime for its uid
// and gid; one without runs as the harness.
TEST_F(SupervisorSimTest, SpawnsWithTheProcessCredentials) {
  auto proxy = process("proxy", ProcessRole::Sidecar);
  proxy.run_as = scenarios::RunAs{"nobody", "nogroup", 65534, 65533};
  create({process("app", ProcessRole::App), proxy});
  startedPod();
  ASSERT_TRUE(runtime_->spawned["proxy"].credentials);
  EXPECT_EQ(*runtime_->spawned["proxy"].credentials, (Credentials{65534, 65533}));
  EXPECT_FALSE(runtime_->spawned["app"].credentials);
  runtime_->spawned.erase("proxy");
  ASSERT_TRUE(supervisor_->signal("proxy", SIGKILL));
  advance(11s);
  ASSERT_EQ(supervisor_->record("proxy")->starts, 2u);
  ASSERT_TRUE(runtime_->spawned["proxy"].credentials);
  EXPECT_EQ(runtime_->spawned["proxy"].credentials->uid, 65534u);
}

}  // namespace
}  // namespace outrider::harness
