// TLS and the certificate faults in game days: the shipped scenarios end to end with the real
// outrider-proxy (TLS, mTLS, reloads), outrider-secrets and outrider-control (its issuance switch).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "game_day_fixture.h"
#include "outrider/reports/journal.h"
#include "run_program.h"

namespace outrider {
namespace {

using test::GameDayTest;
using test::hasOneEffectiveFault;
using testing::HasSubstr;

uint64_t tlsFailures(const reports::Journal& j, const std::string& reason) {
  if (!j.load.tls) {
    return 0;
  }
  auto found = j.load.tls->failures.find(reason);
  return found == j.load.tls->failures.end() ? 0 : found->second;
}

uint64_t allTlsFailures(const reports::Journal& j) {
  uint64_t total = 0;
  if (j.load.tls) {
    for (const auto& [reason, count] : j.load.tls->failures) {
      total += count;
    }
  }
  return total;
}

const reports::CredentialRecord* credential(const reports::Journal& j, const std::string& process) {
  for (const auto& c : j.credentials) {
    if (c.process == process) {
      return &c;
    }
  }
  return nullptr;
}

// mTLS through outrider-proxy while both sides' certificates rotate about once a second: no
// request fails, and the proxy's rotations are in the journal (each certificate it served) and in
// the load's record of what it was served.
TEST_F(GameDayTest, MutualTlsAcrossRotationsFailsNoRequest) {
  EXPECT_EQ(run("gd-mtls-rotation"), 0) << last_output_;
  auto j = journal();
  ASSERT_TRUE(j.load.tls.has_value()) << last_output_;
  EXPECT_EQ(j.load.failed, 0u) << last_output_;
  EXPECT_EQ(allTlsFailures(j), 0u);
  const auto* proxy = credential(j, "proxy");
  ASSERT_NE(proxy, nullptr);
  EXPECT_GE(proxy->sets.size(), 6u) << "the proxy served too few certificates to be rotating";
  EXPECT_FALSE(proxy->expired_at_s);
  EXPECT_GE(j.load.tls->served.size(), 6u);
  EXPECT_GT(j.load.tls->handshake_ms.count, 300u);
}

// cert-expiry with late rotation: the proxy's certificate runs out in the renewal outage, every
// new handshake fails as expired from its NotAfter on (within a second), the availability SLO
// burns, the page alert is caused by the fault, and the reports name the expiry.
TEST_F(GameDayTest, CertExpiryFailsHandshakesAsExpiredFromTheNotAfterOn) {
  EXPECT_EQ(run("scenarios/cert-expiry"), 1) << last_output_;
  auto j = journal();
  ASSERT_EQ(j.faults.size(), 1u) << last_output_;
  EXPECT_TRUE(j.faults[0].effective) << j.faults[0].evidence;
  EXPECT_THAT(j.faults[0].evidence, HasSubstr("load: served certificate NotAfter"));
  EXPECT_GT(tlsFailures(j, "expired"), 200u) << last_output_;
  const auto* proxy = credential(j, "proxy");
  ASSERT_NE(proxy, nullptr);
  ASSERT_TRUE(proxy->expired_at_s) << "the proxy's certificate did not run out";
  const double expiry = *proxy->expired_at_s;
  ASSERT_TRUE(j.series.tls.has_value());
  const auto& failures = j.series.tls->failures;
  size_t first = failures.size();
  for (size_t k = 0; k < failures.size(); ++k) {
    if (failures[k] > 0) {
      first = k;
      break;
    }
  }
  ASSERT_LT(first, failures.size());
  EXPECT_GE(static_cast<double>(first), std::floor(expiry)) << "failures before the NotAfter";
  EXPECT_LE(static_cast<double>(first), expiry + 1.0) << "failures more than 1 s after it";
  bool paged = false;
  for (const auto& a : j.alerts) {
    paged = paged || (a.severity == "page" && a.caused_by == j.faults[0].name);
  }
  EXPECT_TRUE(paged) << "no page attributed to " << j.faults[0].name;
  const std::string postmortem = test::readFile(work_ / "run" / "postmortem.md");
  EXPECT_THAT(postmortem, HasSubstr("The certificate of proxy expired at "));
  EXPECT_THAT(postmortem, HasSubstr("cert-expiry"));
}

// The same renewal outage with the default early rotation: the certificate in use outlives it.
TEST_F(GameDayTest, CertExpiryWithEarlyRotationPasses) {
  EXPECT_EQ(run("scenarios/cert-expiry-early-rotation"), 0) << last_output_;
  auto j = journal();
  ASSERT_TRUE(hasOneEffectiveFault(j));
  EXPECT_EQ(allTlsFailures(j), 0u);
  EXPECT_EQ(j.load.failed, 0u);
}

// A certificate from a CA outside the bundle is pushed: outrider-secrets refuses to write it (it
// does not chain to the bundle) and keeps serving the set it has, so no handshake fails.
TEST_F(GameDayTest, WrongCaIsRefusedByTheSecretSidecar) {
  EXPECT_EQ(run("scenarios/cert-wrong-ca"), 0) << last_output_;
  auto j = journal();
  ASSERT_TRUE(hasOneEffectiveFault(j));
  EXPECT_THAT(j.faults[0].evidence, HasSubstr("signed by a CA outside the bundle"));
  EXPECT_EQ(allTlsFailures(j), 0u);
  ASSERT_TRUE(j.load.tls.has_value());
  for (const auto& served : j.load.tls->served) {
    EXPECT_EQ(served.issuer, j.load.tls->served.front().issuer) << "a second issuer was served";
  }
  const std::string log = test::readFile(work_ / "run" / "logs" / "secrets.log");
  EXPECT_THAT(log, HasSubstr("does not chain to bundle.pem"));
}

// The same fault against an agent without the chain check: the proxy serves the foreign
// certificate and client handshakes fail as unknown-ca from the fault's start (the push) to its
// end, and the run fails.
TEST_F(GameDayTest, WrongCaWithoutTheChainCheckFailsHandshakesAsUnknownCa) {
  EXPECT_EQ(run("scenarios/cert-wrong-ca-unchecked"), 1) << last_output_;
  auto j = journal();
  ASSERT_EQ(j.faults.size(), 1u);
  EXPECT_TRUE(j.faults[0].effective) << j.faults[0].evidence;
  const uint64_t unknown_ca = tlsFailures(j, "unknown-ca");
  EXPECT_GT(unknown_ca, 300u) << "8 s at 100 req/s, every request a handshake";
  EXPECT_EQ(unknown_ca, allTlsFailures(j)) << "a reason other than unknown-ca";
  // The agent wrote what its check would have refused.
  const std::string log = test::readFile(work_ / "run" / "logs" / "secrets.log");
  EXPECT_THAT(log, testing::Not(HasSubstr("does not chain to bundle.pem")));
  // The failures are in the fault's window, give or take the push and the reload (1 s).
  ASSERT_TRUE(j.series.tls.has_value());
  const auto& failures = j.series.tls->failures;
  for (size_t k = 0; k < failures.size(); ++k) {
    if (k < 9 || k > 19) {
      EXPECT_EQ(failures[k], 0u) << "second " << k;
    }
  }
}

// A client's egress proxy 2 h behind: its own check finds the server's certificate not yet valid,
// in its metrics (the journal's series of the SLI's selector) and in the load's 5xx.
TEST_F(GameDayTest, ClockSkewFailsTheClientsHandshakesAsNotYetValid) {
  EXPECT_EQ(run("scenarios/clock-skew"), 1) << last_output_;
  auto j = journal();
  ASSERT_TRUE(hasOneEffectiveFault(j));
  EXPECT_THAT(j.faults[0].evidence, HasSubstr("2h behind"));
  const auto& series = j.series.metrics.at("client-proxy");
  const auto found = series.find(
      "outrider_proxy_tls_handshake_failures_total{listener=\"upstream\",reason=\"not-yet-"
      "valid\"}");
  ASSERT_NE(found, series.end());
  double most = 0;
  for (const auto& value : found->second) {
    most = std::max(most, value.value_or(0));
  }
  EXPECT_GT(most, 100) << "the client proxy counted no not-yet-valid handshakes";
  EXPECT_GT(j.load.status["5xx"], 300u);
}

}  // namespace
}  // namespace outrider
