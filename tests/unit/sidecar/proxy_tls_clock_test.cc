// The proxy judges client certificates by its injected Clock, not the host's: an in-process
// proxy whose clock runs ahead past a client certificate's NotAfter refuses it as expired.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "outrider/common/clock.h"
#include "outrider/common/timer.h"
#include "outrider/sidecar/proxy.h"
#include "sidecar_processes.h"
#include "test_dir.h"
#include "test_http_client.h"
#include "test_pki.h"
#include "test_tls_client.h"

namespace outrider::sidecar::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// Real time shifted by a fixed offset on the wall clock only (what a clock-skew fault does);
// monotonic time and timers stay real so deadlines behave.
class OffsetClock final : public Clock {
 public:
  explicit OffsetClock(std::chrono::nanoseconds offset) : offset_(offset) {}
  MonotonicTime monotonicNow() const override { return real_.monotonicNow(); }
  SystemTime systemNow() const override {
    return real_.systemNow() + std::chrono::duration_cast<SystemTime::duration>(offset_);
  }
  std::unique_ptr<Timer> createTimer(const boost::asio::any_io_executor& executor) const override {
    return real_.createTimer(executor);
  }

 private:
  RealClock real_;
  std::chrono::nanoseconds offset_;
};

class ProxyTlsClockTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = outrider::test::freshTestDir("proxytls-clock");
    pki_ = std::make_unique<outrider::test::TestPki>(dir_, std::chrono::system_clock::now());
    ASSERT_TRUE(pki_->ok());
  }
  void TearDown() override {
    if (proxy_) {
      proxy_->drain();
      thread_.join();
    }
    fs::remove_all(dir_);
  }

  // Starts an in-process proxy with `clock` in front of a closed port (no request gets that far).
  void start(const Clock& clock, const outrider::test::PemFiles& server) {
    ProxyOptions options;
    options.upstream = {"127.0.0.1", closedPort()};
    options.downstream_tls = {server.cert, server.key, server.ca};
    options.drain_timeout = 1s;
    auto created = Proxy::create(options, clock);
    ASSERT_TRUE(created) << created.error().message;
    proxy_ = std::move(*created);
    thread_ = std::thread([proxy = proxy_.get()] { proxy->run(); });
  }

  // A day-long server certificate for the proxy started on a clock `offset` from the real one;
  // the context of a client whose certificate lasts an hour. The fixture owns the clock: the
  // proxy's threads use it until TearDown has drained them, after the test body's locals are gone.
  tls::ContextPtr startWithAnHourLongClient(std::chrono::nanoseconds offset) {
    const auto server = pki_->leaf("proxy", std::chrono::hours(24));
    const auto client_leaf = pki_->leaf("client", std::chrono::hours(1));
    clock_ = std::make_unique<OffsetClock>(offset);
    start(*clock_, server);
    return client(client_leaf);
  }

  tls::ContextPtr client(const outrider::test::PemFiles& leaf) {
    auto made = tls::makeContext(tls::Role::Client, {leaf.cert, leaf.key, leaf.ca});
    EXPECT_TRUE(made) << made.error().message;
    return made ? *made : nullptr;
  }

  fs::path dir_;
  std::unique_ptr<outrider::test::TestPki> pki_;
  std::unique_ptr<OffsetClock> clock_;  // declared before the proxy, so it outlives it
  ProxyPtr proxy_;
  std::thread thread_;
};

// Two hours ahead, a one-hour client certificate has expired: refused, reason expired.
TEST_F(ProxyTlsClockTest, ClientCertificatePastNotAfterOnTheInjectedClockIsExpired) {
  TestTlsClient tls_client(startWithAnHourLongClient(2h));
  ASSERT_FALSE(HasFatalFailure());
  EXPECT_TRUE(tls_client.refused(proxy_->listenEndpoint().port()));
  EXPECT_TRUE(waitForMetric(
      proxy_->adminEndpoint().port(),
      R"(outrider_proxy_tls_handshake_failures_total{listener="downstream",reason="expired"})", 1));
}

// The control: on an unshifted clock the same certificate is accepted.
TEST_F(ProxyTlsClockTest, ClientCertificateWithinValidityIsAccepted) {
  TestTlsClient tls_client(startWithAnHourLongClient(0s));
  ASSERT_FALSE(HasFatalFailure());
  ASSERT_TRUE(tls_client.open(proxy_->listenEndpoint().port()));
  Response response;
  ASSERT_TRUE(tls_client.roundTrip(makeGet("/"), response));
  EXPECT_EQ(response.result_int(), 502);  // served: the (closed) upstream's answer
}

}  // namespace
}  // namespace outrider::sidecar::test
