// The agent on a ManualClock against an in-process fake control plane (fake_control.h). gRPC
// answers on its own threads, so the test runs the io_context until the agent has settled
// (bounded in real time) after each timer the manual clock fires; time itself never passes.
#include "outrider/secrets/agent.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <filesystem>

#include "fake_control.h"
#include "outrider/common/manual_clock.h"
#include "test_dir.h"

namespace outrider::secrets {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using test::FakeControl;

class AgentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = outrider::test::freshTestDir("agent");
    control_.setNow(clock_.systemNow());
    options_.control = control_.address();
    options_.token = FakeControl::Token;
    options_.dir = dir_;
    options_.dns_names = {"localhost", "workload.test"};
    options_.seed = 42;
    options_.policy.backoff_max = 4s;
  }
  void TearDown() override {
    agent_.reset();
    fs::remove_all(dir_);
  }

  void startAgent() {
    auto agent = Agent::create(io_.get_executor(), clock_, options_, metrics_,
                               [this](std::string_view line) { logs_.emplace_back(line); });
    ASSERT_TRUE(agent) << agent.error().message;
    agent_ = std::move(*agent);
    agent_->start();
  }

  void settle() {
    control_.setNow(clock_.systemNow());
    io_.restart();
    io_.poll();
  }
  // Runs the io_context until `done` holds; false when 5 s of real time pass first.
  template <class Predicate>
  bool runUntil(Predicate done) {
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) {
        return false;
      }
      io_.restart();
      io_.run_one_for(10ms);
    }
    return true;
  }
  // Moves the manual clock by `by`, one timer at a time, letting each attempt finish.
  void advance(std::chrono::nanoseconds by) {
    const MonotonicTime target = clock_.monotonicNow() + by;
    for (;;) {
      const MonotonicTime next = clock_.nextExpiry();
      if (next > target) {
        clock_.advanceTo(target, [this] { settle(); });
        return;
      }
      clock_.advanceTo(next, [this] { settle(); });
      ASSERT_TRUE(runUntil([this] { return agent_->idleForTest(); })) << "agent never settled";
    }
  }
  bool waitForSerialChange(const std::string& from) {
    return runUntil([&] {
      return agent_->idleForTest() && agent_->current() && agent_->current()->serial_hex != from;
    });
  }
  std::string serial() const { return agent_->current() ? agent_->current()->serial_hex : ""; }
  std::string allLogs() const {
    std::string all;
    for (const auto& line : logs_) {
      all += line + "\n";
    }
    return all;
  }

  ManualClock clock_;
  boost::asio::io_context io_;
  FakeControl control_{100s};
  fs::path dir_;
  AgentOptions options_;
  SecretsMetrics metrics_;
  std::vector<std::string> logs_;
  AgentPtr agent_;
};

// Join, first set on disk, ready; the call carried the session and the DNS names.
TEST_F(AgentTest, WritesTheFirstSetAndIsReady) {
  startAgent();
  EXPECT_FALSE(agent_->ready());
  ASSERT_TRUE(waitForSerialChange(""));
  EXPECT_TRUE(agent_->ready());
  EXPECT_FALSE(agent_->degraded());
  EXPECT_EQ(control_.joins(), 1);
  EXPECT_EQ(control_.fetches(), 1);
  EXPECT_EQ(control_.dnsNamesSeen(), (std::vector<std::string>{"localhost", "workload.test"}));
  auto on_disk = readSet(dir_);
  ASSERT_TRUE(on_disk);
  auto info = inspectSet(*on_disk);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->serial_hex, serial());
  EXPECT_EQ(metrics_.refreshCountForTest(), 1U);
  EXPECT_EQ(metrics_.rotationsForTest(), 0);
  const std::string text = metrics_.serialize();
  EXPECT_NE(text.find("outrider_secrets_ready 1"), std::string::npos) << text;
  EXPECT_NE(text.find("outrider_secrets_remaining_validity_seconds 100"), std::string::npos);
}

// Rotation opens a new call at the planned point (seed 42: the planner's first draw), writes
// its set, then cancels the old call.
TEST_F(AgentTest, RotatesAtTheJitteredHalfLife) {
  startAgent();
  ASSERT_TRUE(waitForSerialChange(""));
  const std::string first = serial();
  RotationPlanner same(options_.policy, options_.seed);
  const SystemTime rotate_at = same.rotateAt(agent_->current()->window);
  const auto lifetime = agent_->current()->window.lifetime();
  EXPECT_GE(rotate_at - agent_->current()->window.not_before, lifetime * 4 / 10);
  EXPECT_LE(rotate_at - agent_->current()->window.not_before, lifetime * 6 / 10);
  advance(rotate_at - clock_.systemNow() - 1ms);
  EXPECT_EQ(agent_->callsOpenedForTest(), 1U);
  advance(2ms);
  ASSERT_TRUE(waitForSerialChange(first));
  EXPECT_EQ(agent_->callsOpenedForTest(), 2U);
  EXPECT_EQ(control_.joins(), 1);
  EXPECT_EQ(metrics_.rotationsForTest(), 1);
  EXPECT_TRUE(runUntil([this] { return control_.openStreams() == 1; }));
}

// A set that lands past its rotation point with one second left (issued 3 s before now, 4 s
// long) is fetched again halfway to its NotAfter, not after the 1 s back-off, when it would
// already have expired.
TEST_F(AgentTest, ASetPastItsRotationPointIsReplacedBeforeItExpires) {
  options_.policy.backoff_min = 1s;
  FakeControl short_lived{4s};
  short_lived.setBackdate(3s);
  short_lived.setNow(clock_.systemNow());
  options_.control = short_lived.address();
  auto agent = Agent::create(io_.get_executor(), clock_, options_, metrics_,
                             [this](std::string_view line) { logs_.emplace_back(line); });
  ASSERT_TRUE(agent) << agent.error().message;
  agent_ = std::move(*agent);
  agent_->start();
  ASSERT_TRUE(waitForSerialChange(""));
  const std::string first = serial();
  const SystemTime not_after = agent_->current()->window.not_after;
  EXPECT_THAT(allLogs(), testing::HasSubstr("past its rotation point already; next try in 0.500s"));
  EXPECT_EQ(short_lived.fetches(), 1);
  // The fake's clock follows the manual one only through settle(), which sets control_'s.
  const SystemTime issued = clock_.systemNow();
  const MonotonicTime target = clock_.monotonicNow() + 500ms;
  clock_.advanceTo(target, [&] {
    short_lived.setNow(clock_.systemNow());
    io_.restart();
    io_.poll();
  });
  ASSERT_TRUE(waitForSerialChange(first));
  EXPECT_EQ(short_lived.fetches(), 2);
  EXPECT_LT(clock_.systemNow(), not_after) << "replaced only after it expired";
  EXPECT_GE(clock_.systemNow() - issued, 500ms);
}

// An outage from the rotation on: full-jitter retries (each within the back-off ceiling), the
// still-valid set is kept and served, degraded below 25 %, and recovery clears it.
TEST_F(AgentTest, OutageBacksOffKeepsTheSetDegradesAndRecovers) {
  startAgent();
  ASSERT_TRUE(waitForSerialChange(""));
  const std::string first = serial();
  const auto window = agent_->current()->window;
  control_.failWith(grpc::StatusCode::UNAVAILABLE);
  // Up to 76 s into a 100 s certificate: past the rotation point and below 25 % left.
  advance(window.not_before + 76s - clock_.systemNow());
  EXPECT_EQ(serial(), first);
  EXPECT_TRUE(agent_->ready());
  EXPECT_TRUE(agent_->degraded());
  const double failures = metrics_.failuresForTest("UNAVAILABLE");
  // Rotation at 40..60 s, then retries at most 1, 2, 4, 4, ... s apart.
  EXPECT_GE(failures, 5);
  EXPECT_TRUE(readSet(dir_));
  EXPECT_NE(metrics_.serialize().find("outrider_secrets_degraded 1"), std::string::npos);
  EXPECT_NE(allLogs().find("degraded"), std::string::npos) << allLogs();
  EXPECT_NE(allLogs().find("code UNAVAILABLE"), std::string::npos);
  // Back: the next retry (at most 4 s away) fetches a new set.
  control_.failWith(grpc::StatusCode::OK);
  advance(4s);
  ASSERT_TRUE(waitForSerialChange(first));
  EXPECT_TRUE(agent_->ready());
  EXPECT_FALSE(agent_->degraded());
  EXPECT_NE(metrics_.serialize().find("outrider_secrets_degraded 0"), std::string::npos);
}

// An outage past NotAfter: not ready, degraded, the expired set still on disk (never deleted).
TEST_F(AgentTest, ExpiredSetIsNotReadyButKept) {
  startAgent();
  ASSERT_TRUE(waitForSerialChange(""));
  const auto window = agent_->current()->window;
  control_.failWith(grpc::StatusCode::UNAVAILABLE);
  advance(window.not_after + 1s - clock_.systemNow());
  EXPECT_FALSE(agent_->ready());
  EXPECT_TRUE(agent_->degraded());
  EXPECT_NE(agent_->describe().find("expired"), std::string::npos);
  EXPECT_TRUE(readSet(dir_));
  const std::string text = metrics_.serialize();
  EXPECT_NE(text.find("outrider_secrets_ready 0"), std::string::npos);
  EXPECT_NE(text.find("outrider_secrets_remaining_validity_seconds 0"), std::string::npos);
}

// A hung control plane: the new call's first message never comes; after --fetch-timeout it
// counts as DEADLINE_EXCEEDED and is retried.
TEST_F(AgentTest, HungCallCountsAsDeadlineExceeded) {
  options_.fetch_timeout = 10s;
  startAgent();
  ASSERT_TRUE(waitForSerialChange(""));
  const std::string first = serial();
  control_.hang(true);
  RotationPlanner same(options_.policy, options_.seed);
  const SystemTime rotate_at = same.rotateAt(agent_->current()->window);
  clock_.advance(rotate_at - clock_.systemNow(), [this] { settle(); });
  ASSERT_TRUE(runUntil([this] { return control_.fetches() == 2; }));
  EXPECT_FALSE(agent_->idleForTest());
  clock_.advance(9s, [this] { settle(); });
  EXPECT_EQ(metrics_.failuresForTest("DEADLINE_EXCEEDED"), 0);
  clock_.advance(1s, [this] { settle(); });
  EXPECT_EQ(metrics_.failuresForTest("DEADLINE_EXCEEDED"), 1);
  EXPECT_TRUE(agent_->idleForTest());
  EXPECT_EQ(serial(), first);
  control_.hang(false);
  advance(4s);
  ASSERT_TRUE(waitForSerialChange(first));
}

// A session the control plane stops accepting: UNAUTHENTICATED, then a new Join.
TEST_F(AgentTest, JoinsAgainAfterUnauthenticated) {
  startAgent();
  ASSERT_TRUE(waitForSerialChange(""));
  const std::string first = serial();
  control_.revokeSessions();
  RotationPlanner same(options_.policy, options_.seed);
  advance(same.rotateAt(agent_->current()->window) - clock_.systemNow());
  EXPECT_EQ(metrics_.failuresForTest("UNAUTHENTICATED"), 1);
  advance(1s);
  ASSERT_TRUE(waitForSerialChange(first));
  EXPECT_EQ(control_.joins(), 2);
}

// A set whose key is not its certificate's is a protocol error: counted, never written.
TEST_F(AgentTest, RefusesABrokenSetFromTheWire) {
  startAgent();
  ASSERT_TRUE(waitForSerialChange(""));
  const std::string first = serial();
  const auto folder = fs::read_symlink(dir_ / DataLink);
  control_.corruptNextSet();
  RotationPlanner same(options_.policy, options_.seed);
  advance(same.rotateAt(agent_->current()->window) - clock_.systemNow());
  EXPECT_EQ(metrics_.failuresForTest("INVALID_SET"), 1);
  EXPECT_EQ(fs::read_symlink(dir_ / DataLink), folder);
  EXPECT_EQ(serial(), first);
  advance(1s);
  ASSERT_TRUE(waitForSerialChange(first));
}

// What the control plane pushes on an open stream is written too.
TEST_F(AgentTest, WritesPushedUpdates) {
  startAgent();
  ASSERT_TRUE(waitForSerialChange(""));
  const std::string first = serial();
  control_.pushToAll();
  ASSERT_TRUE(waitForSerialChange(first));
  EXPECT_EQ(agent_->callsOpenedForTest(), 1U);
  EXPECT_EQ(metrics_.rotationsForTest(), 1);
}

// After a restart with a valid set on disk the agent is ready at once, with no control plane.
TEST_F(AgentTest, ReadyFromDiskWithoutTheControlPlane) {
  startAgent();
  ASSERT_TRUE(waitForSerialChange(""));
  const std::string first = serial();
  agent_.reset();
  control_.shutdown();
  startAgent();
  EXPECT_TRUE(agent_->ready());  // straight after start(), before any answer
  EXPECT_EQ(serial(), first);
  ASSERT_TRUE(runUntil([this] { return metrics_.failuresForTest("UNAVAILABLE") >= 1; }));
  EXPECT_TRUE(agent_->ready());
  EXPECT_TRUE(readSet(dir_));
}

// No key, token or session in any log line of a run with joins, rotations and failures.
TEST_F(AgentTest, LogsCarryNoSecrets) {
  startAgent();
  ASSERT_TRUE(waitForSerialChange(""));
  control_.revokeSessions();
  RotationPlanner same(options_.policy, options_.seed);
  advance(same.rotateAt(agent_->current()->window) - clock_.systemNow());
  advance(5s);
  control_.pushToAll();
  ASSERT_TRUE(runUntil([this] { return metrics_.rotationsForTest() >= 2; }));
  const std::string all = allLogs();
  EXPECT_GE(logs_.size(), 5U);
  EXPECT_NE(all.find("joined as spiffe://"), std::string::npos) << all;
  EXPECT_NE(all.find("wrote set serial"), std::string::npos) << all;
  EXPECT_EQ(all.find("PRIVATE KEY"), std::string::npos) << all;
  EXPECT_EQ(all.find(FakeControl::Token), std::string::npos) << all;
  EXPECT_EQ(all.find("Hk27pw"), std::string::npos) << all;  // every session's suffix
}

}  // namespace
}  // namespace outrider::secrets
