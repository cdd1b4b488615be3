// The secret sidecar and its control plane in game days: the shipped scenarios run end to end
// with the real outrider-control, outrider-secrets and outrider-echo --credential-file.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cmath>
#include <filesystem>

#include "game_day_fixture.h"
#include "outrider/reports/journal.h"
#include "run_program.h"

namespace outrider {
namespace {

namespace fs = std::filesystem;
using test::GameDayTest;
using test::hasOneEffectiveFault;
using testing::HasSubstr;
using testing::Not;

uint64_t status(const reports::Journal& j, const std::string& klass) {
  auto found = j.load.status.find(klass);
  return found == j.load.status.end() ? 0 : found->second;
}

// Every file under the run's logs/, concatenated: what a grep -r of them would see.
std::string allLogs(const fs::path& run) {
  std::string out;
  for (const auto& entry : fs::recursive_directory_iterator(run / "logs")) {
    if (entry.is_regular_file()) {
      out += test::readFile(entry.path());
    }
  }
  return out;
}

// The seed's scenario #3: an outage past the certificate's expiry. The app answers 401 from the
// expiry on (the availability SLO's short-window burn starts within a second of it), the run
// fails, and the reports say when the certificate expired and name the outage as the trigger.
// No key reaches a log; the key file is 0600.
TEST_F(GameDayTest, SecretRefreshFailureAnswers401FromTheExpiryOn) {
  EXPECT_EQ(run("scenarios/secret-refresh-failure"), 1) << last_output_;
  auto j = journal();
  ASSERT_EQ(j.faults.size(), 1u) << last_output_;
  EXPECT_TRUE(j.faults[0].effective) << j.faults[0].evidence;
  ASSERT_EQ(j.credentials.size(), 1u);
  const auto& c = j.credentials[0];
  EXPECT_EQ(c.process, "secrets");
  ASSERT_TRUE(c.expired_at_s) << "no certificate ran out";
  const double expiry = *c.expired_at_s;
  EXPECT_GT(expiry, j.faults[0].started_at_s);
  EXPECT_GT(status(j, "4xx"), 1000u);
  // The first second whose bad events show: the one the expiry falls in (or the next).
  const auto& burn = j.series.burn_rate.at("availability").at("2s");
  size_t first_bad = burn.size();
  for (size_t k = 0; k < burn.size(); ++k) {
    if (burn[k] > 0) {
      first_bad = k;
      break;
    }
  }
  ASSERT_LT(first_bad, burn.size());
  EXPECT_GE(static_cast<double>(first_bad), std::floor(expiry)) << "401s before the expiry";
  EXPECT_LE(static_cast<double>(first_bad), expiry + 1.0) << "401s more than 1 s after it";
  const auto* availability = [&]() -> const reports::SloRecord* {
    for (const auto& s : j.slos) {
      if (s.name == "availability") {
        return &s;
      }
    }
    return nullptr;
  }();
  ASSERT_NE(availability, nullptr);
  EXPECT_FALSE(availability->met);
  for (const char* file : {"report.md", "postmortem.md"}) {
    const std::string text = test::readFile(work_ / "run" / file);
    EXPECT_THAT(text, HasSubstr("The certificate of secrets expired at ")) << file;
    EXPECT_THAT(text, HasSubstr("the trigger was control-plane-outage-control")) << file;
  }
  const std::string logs = allLogs(work_ / "run");
  EXPECT_THAT(logs, HasSubstr("wrote set serial"));
  EXPECT_THAT(logs, Not(HasSubstr("PRIVATE KEY")));
  EXPECT_THAT(logs, Not(HasSubstr("outrider-demo-join-token")));
  struct stat st {};
  ASSERT_EQ(::stat((work_ / "run" / "credentials" / "key.pem").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

// An outage right after a rotation that lasts 45% of the lifetime: no 401, the run passes.
TEST_F(GameDayTest, ShortControlPlaneOutageCausesNo401) {
  EXPECT_EQ(run("scenarios/control-plane-outage-short"), 0) << last_output_;
  auto j = journal();
  EXPECT_EQ(status(j, "4xx"), 0u);
  ASSERT_EQ(j.credentials.size(), 1u);
  EXPECT_FALSE(j.credentials[0].expired_at_s);
  ASSERT_TRUE(hasOneEffectiveFault(j));
}

// The four modes on outrider-control, each effective by the control plane's own count and each
// seen in the secret sidecar's counters: UNAVAILABLE for down and error, DEADLINE_EXCEEDED for
// hang, and slow fetches for slow.
TEST_F(GameDayTest, EachControlPlaneOutageModeShowsInTheSecretSidecarsMetrics) {
  EXPECT_EQ(run("scenarios/control-plane-modes"), 1) << last_output_;  // the fetch SLOs fail
  auto j = journal();
  ASSERT_EQ(j.faults.size(), 4u) << last_output_;
  for (const auto& f : j.faults) {
    EXPECT_TRUE(f.effective) << f.name << ": " << f.evidence;
  }
  const auto& m = j.series.metrics.at("secrets");
  // How much a counter rose over a fault's window (plus a second for the last scrape).
  for (const auto& f : j.faults) {
    ASSERT_TRUE(f.ended_at_s) << f.name;
  }
  auto rise = [&](const std::string& selector, const reports::FaultRecord& f) {
    const auto& values = m.at(selector);
    if (values.empty()) {
      ADD_FAILURE() << selector << " has no values";
      return 0.0;
    }
    const auto from = static_cast<size_t>(f.started_at_s);
    const auto to = std::min(values.size() - 1, static_cast<size_t>(*f.ended_at_s) + 1);
    return values.at(to).value_or(0) - values.at(from > 0 ? from - 1 : 0).value_or(0);
  };
  const std::string unavailable = R"(outrider_secrets_fetch_failures_total{code="UNAVAILABLE"})";
  const std::string deadline = R"(outrider_secrets_fetch_failures_total{code="DEADLINE_EXCEEDED"})";
  EXPECT_GT(rise(unavailable, j.faults[0]), 0) << "down";
  EXPECT_GT(rise(deadline, j.faults[1]), 0) << "hang";
  // A retry at the window's edges may meet the down or error windows' neighbours, so the hang
  // window is judged by its timeouts only; down and error are judged by having none.
  EXPECT_EQ(rise(deadline, j.faults[0]) + rise(deadline, j.faults[2]), 0) << "down and error "
                                                                             "answer at once";
  EXPECT_GT(rise(unavailable, j.faults[2]), 0) << "error";
  const std::string fast = R"(outrider_secrets_refresh_seconds_bucket{le="0.25"})";
  const std::string all = "outrider_secrets_refresh_seconds_count";
  EXPECT_GT(rise(all, j.faults[3]), rise(fast, j.faults[3])) << "slow: fetches over 250 ms";
}

// The control plane killed and restarted from its state dir; the secret sidecar killed and
// ready again from disk: no 401 in either.
TEST_F(GameDayTest, ControlPlaneRestartAndSecretSidecarKillCauseNo401) {
  EXPECT_EQ(run("scenarios/control-plane-restart", "restart"), 0) << last_output_;
  auto restart = journal("restart");
  EXPECT_EQ(status(restart, "4xx"), 0u);
  ASSERT_EQ(restart.faults.size(), 1u);
  EXPECT_TRUE(restart.faults[0].effective) << restart.faults[0].evidence;
  EXPECT_EQ(run("scenarios/secrets-kill", "kill"), 0) << last_output_;
  auto kill = journal("kill");
  EXPECT_EQ(status(kill, "4xx"), 0u);
  ASSERT_EQ(kill.faults.size(), 1u);
  EXPECT_TRUE(kill.faults[0].effective) << kill.faults[0].evidence;
  EXPECT_THAT(test::readFile(work_ / "kill" / "logs" / "secrets.log"), HasSubstr("valid, ready"));
}

}  // namespace
}  // namespace outrider
