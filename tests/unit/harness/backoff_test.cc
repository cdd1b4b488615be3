#include "outrider/harness/backoff.h"

#include <csignal>
#include <vector>

#include <gtest/gtest.h>

namespace outrider::harness {
namespace {

using namespace std::chrono_literals;
using scenarios::RestartPolicy;
using Delays = std::vector<std::chrono::nanoseconds>;

Delays sequence(Backoff& backoff, int count, std::chrono::nanoseconds ran_for = 1s) {
  Delays out;
  for (int i = 0; i < count; ++i) {
    out.push_back(backoff.nextDelay(ran_for));
  }
  return out;
}

ExitStatus exitCode(int code) { return ExitStatus{code, std::nullopt}; }
ExitStatus killedBy(int signo) { return ExitStatus{std::nullopt, signo}; }

// Kubelet's sequence: 10s doubling to the 5 min cap, then staying there.
TEST(BackoffTest, DoublesFromTenSecondsToFiveMinuteCap) {
  Backoff backoff(Backoff::Policy{});
  EXPECT_EQ(sequence(backoff, 8), (Delays{10s, 20s, 40s, 80s, 160s, 300s, 300s, 300s}));
}

// A run of ten minutes or more starts the sequence again.
TEST(BackoffTest, ResetsAfterTenMinutesOfRunning) {
  Backoff backoff(Backoff::Policy{});
  EXPECT_EQ(sequence(backoff, 3), (Delays{10s, 20s, 40s}));
  EXPECT_EQ(backoff.nextDelay(10min), 10s);
  EXPECT_EQ(backoff.nextDelay(1s), 20s);
}

// Just under ten minutes is not enough to forgive the crash loop.
TEST(BackoffTest, DoesNotResetJustUnderTenMinutes) {
  Backoff backoff(Backoff::Policy{});
  EXPECT_EQ(sequence(backoff, 2), (Delays{10s, 20s}));
  EXPECT_EQ(backoff.nextDelay(10min - 1ms), 40s);
}

// A scenario's small restart_backoff doubles the same way, to the same cap.
TEST(BackoffTest, SmallInitialDoublesToCap) {
  Backoff backoff(Backoff::Policy{100ms, 1s, 10min});
  EXPECT_EQ(sequence(backoff, 6), (Delays{100ms, 200ms, 400ms, 800ms, 1s, 1s}));
}

// restart_backoff above the cap is honoured rather than shortened.
TEST(BackoffTest, InitialAboveCapIsKept) {
  Backoff backoff(Backoff::Policy{10min, 5min, 10min});
  EXPECT_EQ(sequence(backoff, 3), (Delays{10min, 10min, 10min}));
}

// A zero back-off restarts at once the first time, then grows so a crash loop cannot spin.
TEST(BackoffTest, ZeroInitialStillGrows) {
  Backoff backoff(Backoff::Policy{0s, 5min, 10min});
  EXPECT_EQ(sequence(backoff, 4), (Delays{0s, 1ms, 2ms, 4ms}));
}

// reset() and peek() expose the next delay without advancing.
TEST(BackoffTest, PeekAndReset) {
  Backoff backoff(Backoff::Policy{});
  backoff.nextDelay(1s);
  EXPECT_EQ(backoff.peek(), 20s);
  backoff.reset();
  EXPECT_EQ(backoff.peek(), 10s);
}

// The restart policies as a table: never, on-failure (not after exit 0), always.
TEST(BackoffTest, RestartPolicyTable) {
  struct Case {
    RestartPolicy policy;
    ExitStatus status;
    bool liveness;
    bool restart;
  };
  const std::vector<Case> cases = {
      {RestartPolicy::Never, exitCode(1), false, false},
      {RestartPolicy::Never, killedBy(SIGKILL), true, false},
      {RestartPolicy::OnFailure, exitCode(0), false, false},
      {RestartPolicy::OnFailure, exitCode(2), false, true},
      {RestartPolicy::OnFailure, killedBy(SIGKILL), false, true},
      {RestartPolicy::OnFailure, exitCode(0), true, true},
      {RestartPolicy::OnFailure, ExitStatus{}, false, true},
      {RestartPolicy::Always, exitCode(0), false, true},
      {RestartPolicy::Always, killedBy(SIGTERM), false, true},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    const auto& c = cases[i];
    EXPECT_EQ(shouldRestart(c.policy, c.status, c.liveness), c.restart) << "case " << i;
  }
}

// Exit statuses describe themselves the way the journal and messages print them.
TEST(BackoffTest, ExitStatusDescriptions) {
  EXPECT_EQ(exitCode(3).describe(), "exit code 3");
  EXPECT_EQ(killedBy(SIGKILL).describe(), "signal SIGKILL");
  EXPECT_EQ(ExitStatus{}.describe(), "unknown status");
  EXPECT_TRUE(exitCode(0).success());
  EXPECT_FALSE(killedBy(SIGTERM).success());
  EXPECT_EQ(signalName(SIGTERM), "SIGTERM");
  EXPECT_EQ(signalName(SIGRTMIN + 2), "SIGRTMIN+2");
  EXPECT_EQ(toString(ProcessEventKind::BackingOff), "back-off");
}

}  // namespace
}  // namespace outrider::harness
