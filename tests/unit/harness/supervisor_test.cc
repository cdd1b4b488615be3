#include "outrider/harness/supervisor.h"

#include <sys/types.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "outrider/common/timer.h"

namespace outrider::harness {
namespace {

using namespace std::chrono_literals;
using asio::ip::tcp;
using scenarios::ProcessRole;
using scenarios::ProcessSpec;
using scenarios::RestartPolicy;
using scenarios::StartMode;
using ::testing::HasSubstr;
using Kind = ProcessEventKind;

// Moves 1 ms on every read, so every event gets its own, increasing timestamp.
class TickingClock final : public Clock {
 public:
  MonotonicTime monotonicNow() const override {
    now_ += 1ms;
    return now_;
  }
  SystemTime systemNow() const override { return SystemTime(24h * 365 * 56); }
  // Real waits: these tests run real programs.
  std::unique_ptr<Timer> createTimer(const asio::any_io_executor& executor) const override {
    return RealClock().createTimer(executor);
  }

 private:
  mutable MonotonicTime now_{1h};
};

// A loopback port that refuses connections until open() (bound, not listening).
class Gate {
 public:
  explicit Gate(asio::io_context& ctx) : acceptor_(ctx) {
    acceptor_.open(tcp::v4());
    acceptor_.bind(tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  }
  std::string url() const {
    return "tcp://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port());
  }
  void open() {
    acceptor_.listen();
    asio::co_spawn(acceptor_.get_executor(), drain(&acceptor_), asio::detached);
  }

 private:
  // Accepts and drops, so probe connections never pile up in the backlog.
  static asio::awaitable<void> drain(tcp::acceptor* acceptor) {
    for (;;) {
      auto [ec, socket] = co_await acceptor->async_accept(asio::as_tuple(asio::use_awaitable));
      if (ec) {
        co_return;
      }
    }
  }

  tcp::acceptor acceptor_;
};

// An HTTP endpoint whose status the test flips.
class HealthServer {
 public:
  explicit HealthServer(asio::io_context& ctx)
      : acceptor_(ctx, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    asio::co_spawn(ctx, acceptLoop(&acceptor_, &status_), asio::detached);
  }
  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()) + path;
  }
  void setStatus(int status) { status_ = status; }

 private:
  static asio::awaitable<void> serve(tcp::socket socket, int status) {
    std::string request;
    auto [ec, n] = co_await asio::async_read_until(socket, asio::dynamic_buffer(request),
                                                   "\r\n\r\n", asio::as_tuple(asio::use_awaitable));
    if (ec) {
      co_return;
    }
    std::string reply = "HTTP/1.1 " + std::to_string(status) +
                        " X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    co_await asio::async_write(socket, asio::buffer(reply), asio::as_tuple(asio::use_awaitable));
  }
  static asio::awaitable<void> acceptLoop(tcp::acceptor* acceptor, const int* status) {
    for (;;) {
      auto [ec, socket] = co_await acceptor->async_accept(asio::as_tuple(asio::use_awaitable));
      if (ec) {
        co_return;
      }
      asio::co_spawn(acceptor->get_executor(), serve(std::move(socket), *status), asio::detached);
    }
  }

  tcp::acceptor acceptor_;
  int status_ = 200;
};

class SupervisorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "outrider-supervisor-XXXXXX");
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    supervisor_.reset();
    std::filesystem::remove_all(dir_);
  }

  static ProcessSpec spec(const std::string& name, ProcessRole role,
                          std::vector<std::string> command) {
    ProcessSpec out;
    out.name = name;
    out.role = role;
    out.command = std::move(command);
    out.restart = RestartPolicy::Never;
    out.ready_timeout = 5s;
    out.termination_grace = 2s;
    out.restart_backoff = 100ms;
    return out;
  }
  static std::vector<std::string> sleeper() { return {"sleep", "60"}; }

  void create(std::vector<ProcessSpec> specs, SupervisorOptions options = {}) {
    options.processes = std::move(specs);
    options.log_dir = (dir_ / "logs").string();
    options.ready_poll_interval = 20ms;
    options.on_event = [this](const ProcessEvent& event) {
      events_.push_back(event);
      if (hook_) {
        hook_(event);
      }
    };
    auto created = Supervisor::create(ctx_.get_executor(), clock_, std::move(options));
    ASSERT_TRUE(created) << created.error().message;
    supervisor_ = std::move(*created);
  }

  // Runs the io_context until `done` holds, at most `limit`.
  bool runUntil(const std::function<bool()>& done, std::chrono::milliseconds limit = 10s) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done()) {
      if (std::chrono::steady_clock::now() >= deadline) {
        return false;
      }
      ctx_.run_one_for(10ms);
    }
    return true;
  }

  Result<void> start(std::chrono::milliseconds limit = 10s) {
    std::optional<Result<void>> result;
    asio::co_spawn(ctx_, supervisor_->start(), [&](std::exception_ptr error, Result<void> value) {
      EXPECT_FALSE(error);
      result = std::move(value);
    });
    if (!runUntil([&] { return result.has_value(); }, limit)) {
      return makeError(ErrorCode::Internal, "start() did not complete in time");
    }
    return *result;
  }

  bool stop(std::chrono::milliseconds limit = 15s) {
    bool done = false;
    asio::co_spawn(ctx_, supervisor_->stop(), [&](std::exception_ptr error) {
      EXPECT_FALSE(error);
      done = true;
    });
    return runUntil([&] { return done; }, limit);
  }

  std::string readLog(const std::string& name) const {
    std::ifstream in(dir_ / "logs" / (name + ".log"));
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }
  // Waits until a process has written `text` (a shell script announcing its trap is armed). The
  // scripts spell it "arm''ed" so the command echoed in the start marker does not match.
  bool waitForLog(const std::string& name, const std::string& text) {
    return runUntil([&] { return readLog(name).find(text) != std::string::npos; });
  }

  // Index in events_ of the nth (1-based) event of `kind` for `name`; -1 when absent.
  int position(Kind kind, const std::string& name, int nth = 1, int signo = 0) const {
    int seen = 0;
    for (size_t i = 0; i < events_.size(); ++i) {
      const auto& event = events_[i];
      if (event.kind == kind && event.name == name && (signo == 0 || event.signal == signo) &&
          ++seen == nth) {
        return static_cast<int>(i);
      }
    }
    return -1;
  }
  int count(Kind kind, const std::string& name = "") const {
    int n = 0;
    for (const auto& event : events_) {
      n += event.kind == kind && (name.empty() || event.name == name) ? 1 : 0;
    }
    return n;
  }
  const ProcessEvent& at(int index) const { return events_.at(static_cast<size_t>(index)); }

  // Calls `action` after `delay` on the io_context.
  void after(std::chrono::milliseconds delay, std::function<void()> action) {
    auto& timer = timers_.emplace_back(ctx_, delay);
    timer.async_wait([action = std::move(action)](boost::system::error_code ec) {
      if (!ec) {
        action();
      }
    });
  }

  std::filesystem::path dir_;
  asio::io_context ctx_;
  asio::executor_work_guard<asio::io_context::executor_type> work_ = asio::make_work_guard(ctx_);
  TickingClock clock_;
  std::vector<ProcessEvent> events_;
  std::function<void(const ProcessEvent&)> hook_;
  std::list<asio::steady_timer> timers_;
  std::unique_ptr<Supervisor> supervisor_;
};

// Services, then before-app sidecars, each ready before the next starts; then the app with the
// with-app sidecars together (the app's readiness here needs the with-app sidecar started).
TEST_F(SupervisorTest, StartOrderIsGatedOnReadiness) {
  Gate control_port(ctx_);
  Gate proxy_port(ctx_);
  Gate app_port(ctx_);
  auto control = spec("control", ProcessRole::Service, sleeper());
  control.ready = control_port.url();
  auto proxy = spec("proxy", ProcessRole::Sidecar, sleeper());
  proxy.ready = proxy_port.url();
  auto logger = spec("logger", ProcessRole::Sidecar, sleeper());
  logger.start = StartMode::WithApp;
  auto app = spec("app", ProcessRole::App, sleeper());
  app.ready = app_port.url();
  // Declared out of order on purpose: roles decide the order.
  create({app, logger, proxy, control});
  hook_ = [&](const ProcessEvent& event) {
    if (event.kind != Kind::Started) {
      return;
    }
    if (event.name == "control") {
      after(150ms, [&] { control_port.open(); });
    } else if (event.name == "proxy") {
      after(150ms, [&] { proxy_port.open(); });
    } else if (event.name == "logger") {
      after(50ms, [&] { app_port.open(); });
    }
  };

  auto started = start();
  ASSERT_TRUE(started) << started.error().message;
  EXPECT_LT(position(Kind::Started, "control"), position(Kind::Ready, "control"));
  EXPECT_LT(position(Kind::Ready, "control"), position(Kind::Started, "proxy"));
  EXPECT_LT(position(Kind::Ready, "proxy"), position(Kind::Started, "app"));
  EXPECT_LT(position(Kind::Ready, "proxy"), position(Kind::Started, "logger"));
  EXPECT_LT(position(Kind::Started, "logger"), position(Kind::Ready, "app"));
  EXPECT_LT(at(position(Kind::Ready, "proxy")).at, at(position(Kind::Started, "app")).at);
  for (const char* name : {"control", "proxy", "logger", "app"}) {
    EXPECT_TRUE(supervisor_->isReady(name)) << name;
    EXPECT_TRUE(supervisor_->pid(name)) << name;
  }
  // Records come in start order with the events' timestamps.
  const auto records = supervisor_->records();
  ASSERT_EQ(records.size(), 4u);
  EXPECT_EQ(records[0].name, "control");
  EXPECT_EQ(records[3].name, "app");
  ASSERT_EQ(records[3].ready_at.size(), 1u);
  EXPECT_EQ(records[3].ready_at[0], at(position(Kind::Ready, "app")).at);
  EXPECT_TRUE(stop());
}

// Stop: the app (and with-app sidecars) first; before-app sidecars once it has exited, in
// reverse start order; services last. No restart happens, though the policy says always.
TEST_F(SupervisorTest, StopOrderAppThenSidecarsThenServices) {
  auto control = spec("control", ProcessRole::Service, sleeper());
  auto proxy1 = spec("proxy1", ProcessRole::Sidecar, sleeper());
  auto proxy2 = spec("proxy2", ProcessRole::Sidecar, sleeper());
  auto logger = spec("logger", ProcessRole::Sidecar, sleeper());
  logger.start = StartMode::WithApp;
  // The app takes a while to drain after SIGTERM.
  auto app =
      spec("app", ProcessRole::App,
           {"/bin/sh", "-c", "trap 'sleep 0.3; exit 0' TERM; echo arm''ed; sleep 60 & wait"});
  for (auto* each : {&control, &proxy1, &proxy2, &logger, &app}) {
    each->restart = RestartPolicy::Always;
  }
  create({control, proxy1, proxy2, logger, app});
  auto started = start();
  ASSERT_TRUE(started) << started.error().message;
  ASSERT_TRUE(waitForLog("app", "armed"));
  const auto stop_begins = events_.size();
  ASSERT_TRUE(stop());

  const int app_term = position(Kind::Signalled, "app", 1, SIGTERM);
  const int logger_term = position(Kind::Signalled, "logger", 1, SIGTERM);
  const int app_exit = position(Kind::Exited, "app");
  ASSERT_GE(app_term, static_cast<int>(stop_begins));
  ASSERT_GE(logger_term, 0);
  EXPECT_LT(logger_term, app_exit);  // with-app sidecars are terminated with the app
  EXPECT_LT(app_exit, position(Kind::Signalled, "proxy2", 1, SIGTERM));
  EXPECT_LT(position(Kind::Exited, "proxy2"), position(Kind::Signalled, "proxy1", 1, SIGTERM));
  EXPECT_LT(position(Kind::Exited, "proxy1"), position(Kind::Signalled, "control", 1, SIGTERM));
  EXPECT_GE(position(Kind::Exited, "control"), 0);
  EXPECT_EQ(at(app_exit).exit->code, 0);  // it drained and exited by itself
  EXPECT_EQ(count(Kind::BackingOff), 0);
  EXPECT_EQ(count(Kind::Signalled), 5);  // SIGTERM each, no SIGKILL needed
  for (const char* name : {"control", "proxy1", "proxy2", "logger", "app"}) {
    EXPECT_EQ(supervisor_->phase(name), ProcessPhase::Stopped) << name;
    EXPECT_EQ(supervisor_->record(name)->starts, 1u) << name;
    EXPECT_FALSE(supervisor_->pid(name)) << name;
  }
}

// A process that ignores SIGTERM gets SIGKILL once its termination_grace has passed.
TEST_F(SupervisorTest, SigkillAfterGrace) {
  auto app =
      spec("app", ProcessRole::App, {"/bin/sh", "-c", "trap '' TERM; echo arm''ed; sleep 60"});
  app.termination_grace = 200ms;
  create({app});
  ASSERT_TRUE(start());
  ASSERT_TRUE(waitForLog("app", "armed"));
  const auto began = std::chrono::steady_clock::now();
  ASSERT_TRUE(stop());
  EXPECT_GE(std::chrono::steady_clock::now() - began, 200ms);
  const int kill = position(Kind::Signalled, "app", 1, SIGKILL);
  ASSERT_GE(kill, 0);
  EXPECT_THAT(at(kill).detail, HasSubstr("termination grace 200ms expired"));
  const auto record = supervisor_->record("app");
  ASSERT_EQ(record->exits.size(), 1u);
  EXPECT_EQ(record->exits[0].signal, "SIGKILL");
  EXPECT_FALSE(record->exits[0].code);
}

// restart = always: a killed process comes back after the back-off, which doubles.
TEST_F(SupervisorTest, RestartAlwaysBacksOff) {
  auto app = spec("app", ProcessRole::App, sleeper());
  app.restart = RestartPolicy::Always;
  create({app});
  ASSERT_TRUE(start());
  const pid_t first = *supervisor_->pid("app");

  const auto killed_at = std::chrono::steady_clock::now();
  ASSERT_TRUE(supervisor_->signal("app", SIGKILL));
  ASSERT_TRUE(runUntil([&] { return position(Kind::Ready, "app", 2) >= 0; }));
  EXPECT_GE(std::chrono::steady_clock::now() - killed_at, 100ms);
  const int exit = position(Kind::Exited, "app");
  const int backoff = position(Kind::BackingOff, "app");
  ASSERT_GE(exit, 0);
  EXPECT_EQ(at(exit).exit->signal, SIGKILL);
  EXPECT_EQ(at(exit).pid, first);
  EXPECT_EQ(at(backoff).delay, 100ms);
  EXPECT_LT(exit, backoff);
  EXPECT_LT(backoff, position(Kind::Started, "app", 2));
  const pid_t second = *supervisor_->pid("app");
  EXPECT_NE(second, first);
  EXPECT_EQ(at(position(Kind::Started, "app", 2)).start_number, 2u);

  ASSERT_TRUE(supervisor_->signal("app", SIGKILL));
  ASSERT_TRUE(runUntil([&] { return position(Kind::Ready, "app", 3) >= 0; }));
  EXPECT_EQ(at(position(Kind::BackingOff, "app", 2)).delay, 200ms);

  const auto record = supervisor_->record("app");
  EXPECT_EQ(record->starts, 3u);
  EXPECT_EQ(record->restarts, 2u);
  ASSERT_EQ(record->exits.size(), 2u);
  EXPECT_EQ(record->exits[1].signal, "SIGKILL");
  EXPECT_EQ(record->ready_at.size(), 3u);
  EXPECT_EQ(record->not_ready_at.size(), 2u);  // each exit turns it not-ready
  EXPECT_TRUE(stop());
}

// restart = on-failure leaves a process that exited 0 alone.
TEST_F(SupervisorTest, OnFailureDoesNotRestartAfterSuccess) {
  auto app = spec("app", ProcessRole::App, {"/bin/sh", "-c", "sleep 0.2; exit 0"});
  app.restart = RestartPolicy::OnFailure;
  create({app});
  ASSERT_TRUE(start());
  ASSERT_TRUE(runUntil([&] { return supervisor_->phase("app") == ProcessPhase::Finished; }));
  EXPECT_EQ(count(Kind::BackingOff), 0);
  EXPECT_EQ(supervisor_->record("app")->starts, 1u);
  EXPECT_EQ(supervisor_->record("app")->exits.at(0).code, 0);
  EXPECT_FALSE(supervisor_->isReady("app"));
  EXPECT_TRUE(stop());
}

// restart = on-failure does restart after a non-zero exit.
TEST_F(SupervisorTest, OnFailureRestartsAfterFailure) {
  auto app = spec("app", ProcessRole::App, {"/bin/sh", "-c", "sleep 0.2; exit 1"});
  app.restart = RestartPolicy::OnFailure;
  create({app});
  ASSERT_TRUE(start());
  ASSERT_TRUE(runUntil([&] { return position(Kind::Started, "app", 2) >= 0; }));
  EXPECT_EQ(at(position(Kind::Exited, "app")).exit->code, 1);
  EXPECT_TRUE(stop());
}

// A process never ready fails start-up with a Timeout naming it, with its log tail.
TEST_F(SupervisorTest, NeverReadyNamesProcessWithLogTail) {
  Gate never(ctx_);
  auto proxy =
      spec("proxy", ProcessRole::Sidecar,
           {"/bin/sh", "-c", "echo starting up; echo 'bind: address in use' >&2; sleep 60"});
  proxy.ready = never.url();
  proxy.ready_timeout = 300ms;
  create({proxy, spec("app", ProcessRole::App, sleeper())});
  auto started = start();
  ASSERT_FALSE(started);
  EXPECT_EQ(started.error().code, ErrorCode::Timeout);
  EXPECT_THAT(started.error().message, HasSubstr("'proxy' was not ready after 300ms"));
  EXPECT_THAT(started.error().message, HasSubstr("refused"));
  EXPECT_THAT(started.error().message, HasSubstr("starting up"));
  EXPECT_THAT(started.error().message, HasSubstr("bind: address in use"));
  EXPECT_EQ(supervisor_->phase("app"), ProcessPhase::NotStarted);
  EXPECT_TRUE(stop());
}

// Exiting before ready with no restart to come is reported at once, not after ready_timeout.
TEST_F(SupervisorTest, ExitBeforeReadyIsReportedAtOnce) {
  Gate never(ctx_);
  auto app =
      spec("app", ProcessRole::App, {"/bin/sh", "-c", "echo 'config is broken' >&2; exit 4"});
  app.ready = never.url();
  app.ready_timeout = 60s;
  create({app});
  const auto began = std::chrono::steady_clock::now();
  auto started = start(10s);
  ASSERT_FALSE(started);
  EXPECT_LT(std::chrono::steady_clock::now() - began, 5s);
  EXPECT_EQ(started.error().code, ErrorCode::Io);
  EXPECT_THAT(started.error().message, HasSubstr("'app' exited with exit code 4"));
  EXPECT_THAT(started.error().message, HasSubstr("config is broken"));
}

// With a restart to come, start-up keeps trying until ready_timeout, then says it crashed.
TEST_F(SupervisorTest, CrashLoopBeforeReadyTimesOut) {
  Gate never(ctx_);
  auto app = spec("app", ProcessRole::App, {"/bin/sh", "-c", "echo crashing; exit 2"});
  app.ready = never.url();
  app.ready_timeout = 500ms;
  app.restart = RestartPolicy::Always;
  app.restart_backoff = 50ms;
  create({app});
  auto started = start();
  ASSERT_FALSE(started);
  EXPECT_EQ(started.error().code, ErrorCode::Timeout);
  EXPECT_THAT(started.error().message, HasSubstr("not ready after 500ms"));
  EXPECT_THAT(started.error().message, HasSubstr("last with exit code 2"));
  EXPECT_THAT(started.error().message, HasSubstr("crashing"));
  EXPECT_GE(supervisor_->record("app")->starts, 2u);
  EXPECT_TRUE(stop());
}

// A missing program is a clear NotFound naming it.
TEST_F(SupervisorTest, MissingProgramIsNamed) {
  create({spec("app", ProcessRole::App, {"outrider-no-such-program"})});
  auto started = start();
  ASSERT_FALSE(started);
  EXPECT_EQ(started.error().code, ErrorCode::NotFound);
  EXPECT_THAT(started.error().message, HasSubstr("outrider-no-such-program"));
  EXPECT_THAT(started.error().message, HasSubstr("app"));
}

// killAll() leaves no process behind, TERM-ignoring ones included, and nothing restarts.
TEST_F(SupervisorTest, KillAllLeavesNothing) {
  auto control = spec("control", ProcessRole::Service, sleeper());
  auto proxy = spec("proxy", ProcessRole::Sidecar, {"/bin/sh", "-c", "trap '' TERM; sleep 60"});
  auto app = spec("app", ProcessRole::App, sleeper());
  for (auto* each : {&control, &proxy, &app}) {
    each->restart = RestartPolicy::Always;
  }
  create({control, proxy, app});
  ASSERT_TRUE(start());
  std::vector<pid_t> pids;
  for (const char* name : {"control", "proxy", "app"}) {
    pids.push_back(*supervisor_->pid(name));
  }
  supervisor_->killAll();
  for (pid_t pid : pids) {
    EXPECT_EQ(::kill(pid, 0), -1) << pid;
    EXPECT_EQ(errno, ESRCH) << pid;
  }
  ASSERT_TRUE(runUntil([&] {
    return supervisor_->phase("control") == ProcessPhase::Stopped &&
           supervisor_->phase("proxy") == ProcessPhase::Stopped &&
           supervisor_->phase("app") == ProcessPhase::Stopped;
  }));
  EXPECT_EQ(count(Kind::BackingOff), 0);
  EXPECT_EQ(supervisor_->record("app")->exits.at(0).signal, "SIGKILL");
}

// Liveness failing `failure_threshold` times in a row kills the process; the policy restarts it.
TEST_F(SupervisorTest, LivenessFailureRestarts) {
  HealthServer health(ctx_);
  auto app = spec("app", ProcessRole::App, sleeper());
  app.live = health.url("/live");
  app.restart = RestartPolicy::Always;
  app.restart_backoff = 50ms;
  SupervisorOptions options;
  options.probe_period = 50ms;
  options.failure_threshold = 2;
  create({app}, options);
  ASSERT_TRUE(start());
  health.setStatus(503);
  hook_ = [&](const ProcessEvent& event) {
    if (event.kind == Kind::LivenessFailed) {
      health.setStatus(200);  // the next incarnation is healthy
    }
  };
  ASSERT_TRUE(runUntil([&] { return position(Kind::Started, "app", 2) >= 0; }));
  const int failed = position(Kind::LivenessFailed, "app");
  ASSERT_GE(failed, 0);
  EXPECT_THAT(at(failed).detail, HasSubstr("HTTP 503"));
  EXPECT_LT(failed, position(Kind::Signalled, "app", 1, SIGTERM));
  const int exit = position(Kind::Exited, "app");
  EXPECT_EQ(at(exit).exit->signal, SIGTERM);
  EXPECT_THAT(at(exit).detail, HasSubstr("liveness"));
  EXPECT_LT(exit, position(Kind::BackingOff, "app"));
  EXPECT_TRUE(stop());
}

// Readiness keeps being probed after start-up: not-ready after the threshold, ready again after a
// success, each transition recorded.
TEST_F(SupervisorTest, ReadinessTransitionsAreRecorded) {
  HealthServer health(ctx_);
  auto app = spec("app", ProcessRole::App, sleeper());
  app.ready = health.url("/ready");
  SupervisorOptions options;
  options.probe_period = 50ms;
  options.failure_threshold = 2;
  create({app}, options);
  ASSERT_TRUE(start());
  EXPECT_TRUE(supervisor_->isReady("app"));
  health.setStatus(500);
  ASSERT_TRUE(runUntil([&] { return !supervisor_->isReady("app"); }));
  EXPECT_THAT(at(position(Kind::NotReady, "app")).detail, HasSubstr("HTTP 500"));
  health.setStatus(200);
  ASSERT_TRUE(runUntil([&] { return supervisor_->isReady("app"); }));
  const auto record = supervisor_->record("app");
  EXPECT_EQ(record->ready_at.size(), 2u);
  EXPECT_EQ(record->not_ready_at.size(), 1u);
  EXPECT_EQ(record->starts, 1u);
  EXPECT_TRUE(stop());
}

// Faults can signal a named process; unknown names are rejected.
TEST_F(SupervisorTest, SignalByName) {
  create({spec("app", ProcessRole::App, sleeper())});
  ASSERT_TRUE(start());
  EXPECT_EQ(supervisor_->signal("nope", SIGKILL).error().code, ErrorCode::InvalidArgument);
  EXPECT_FALSE(supervisor_->pid("nope"));
  EXPECT_FALSE(supervisor_->phase("nope"));
  ASSERT_TRUE(supervisor_->signal("app", SIGTERM));
  ASSERT_TRUE(runUntil([&] { return supervisor_->phase("app") == ProcessPhase::Finished; }));
  EXPECT_EQ(supervisor_->record("app")->exits.at(0).signal, "SIGTERM");
  EXPECT_EQ(supervisor_->signal("app", SIGKILL).error().code, ErrorCode::Io);
  EXPECT_TRUE(stop());
}

// Extra listeners see every event and may act on it (a crashloop fault kills on each ready).
TEST_F(SupervisorTest, ListenerCanActOnEvents) {
  auto app = spec("app", ProcessRole::App, sleeper());
  app.restart = RestartPolicy::Always;
  app.restart_backoff = 10ms;
  create({app});
  int kills = 0;
  supervisor_->addEventListener([&](const ProcessEvent& event) {
    if (event.kind == Kind::Ready && kills < 2) {
      ++kills;
      EXPECT_TRUE(supervisor_->signal(event.name, SIGKILL));
    }
  });
  ASSERT_TRUE(start());
  ASSERT_TRUE(runUntil([&] { return position(Kind::Ready, "app", 3) >= 0; }));
  EXPECT_EQ(kills, 2);
  EXPECT_EQ(supervisor_->record("app")->restarts, 2u);
  EXPECT_TRUE(stop());
}

// Each process's output goes to logs/NAME.log, each start behind a marker line.
TEST_F(SupervisorTest, LogPerProcessWithStartMarkers) {
  auto app = spec("app", ProcessRole::App, {"/bin/sh", "-c", "echo hello; sleep 60"});
  app.restart = RestartPolicy::Always;
  app.restart_backoff = 10ms;
  create({app});
  ASSERT_TRUE(start());
  ASSERT_TRUE(supervisor_->signal("app", SIGKILL));
  ASSERT_TRUE(runUntil([&] { return position(Kind::Started, "app", 2) >= 0; }));
  EXPECT_TRUE(stop());
  const std::string text = readLog("app");
  EXPECT_THAT(text, HasSubstr("===== outrider: start #1 of app at "));
  EXPECT_THAT(text, HasSubstr("===== outrider: start #2 of app at "));
  EXPECT_LT(text.find("start #1"), text.find("hello"));
}

// create() rejects duplicate names, empty commands and bad probe URLs.
TEST_F(SupervisorTest, CreateValidates) {
  SupervisorOptions options;
  options.log_dir = (dir_ / "logs").string();
  options.processes = {spec("a", ProcessRole::App, sleeper()),
                       spec("a", ProcessRole::Sidecar, sleeper())};
  auto duplicate = Supervisor::create(ctx_.get_executor(), clock_, options);
  ASSERT_FALSE(duplicate);
  EXPECT_THAT(duplicate.error().message, HasSubstr("'a'"));

  options.processes = {spec("a", ProcessRole::App, {})};
  EXPECT_FALSE(Supervisor::create(ctx_.get_executor(), clock_, options));

  auto bad_probe = spec("a", ProcessRole::App, sleeper());
  bad_probe.ready = "udp://127.0.0.1:1";
  options.processes = {bad_probe};
  auto rejected = Supervisor::create(ctx_.get_executor(), clock_, options);
  ASSERT_FALSE(rejected);
  EXPECT_THAT(rejected.error().message, HasSubstr("ready probe"));
}

// Destroying the supervisor kills its processes and stops reporting events.
TEST_F(SupervisorTest, DestructorKillsAndGoesQuiet) {
  create({spec("app", ProcessRole::App, sleeper())});
  ASSERT_TRUE(start());
  const pid_t pid = *supervisor_->pid("app");
  const size_t before = events_.size();
  supervisor_.reset();
  EXPECT_EQ(::kill(pid, 0), -1);
  ctx_.poll();
  EXPECT_EQ(events_.size(), before);
}

}  // namespace
}  // namespace outrider::harness
