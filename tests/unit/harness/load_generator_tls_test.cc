// The load generator on https targets: a real TLS server on loopback (fake_https_server.h) with
// certificates from TestPki, so verification, failure reasons, mTLS, rotation of the client's
// files, fresh handshakes per connection and their timings are checked on real handshakes.

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <chrono>
#include <filesystem>
#include <numeric>
#include <thread>

#include "fake_http_server.h"
#include "fake_https_server.h"
#include "load_run.h"
#include "outrider/harness/load_generator.h"
#include "test_dir.h"
#include "test_pki.h"

namespace outrider::harness {
namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;
using namespace std::chrono_literals;
using test::FakeHttpsServer;
using test::PemFiles;

class LoadGeneratorTlsTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = outrider::test::freshTestDir("loadtls");
    pki_ = std::make_unique<test::TestPki>(dir_ / "pki", clock_.systemNow());
    other_ = std::make_unique<test::TestPki>(dir_ / "other", clock_.systemNow(), "other CA");
    ASSERT_TRUE(pki_->ok() && other_->ok());
    server_leaf_ = pki_->leaf("server");
  }
  void TearDown() override { fs::remove_all(dir_); }

  LoadConfig httpsConfig(uint16_t port, tls::Files client, double rate = 50,
                         uint32_t connections = 2) {
    LoadConfig config;
    config.port = port;
    config.rate = rate;
    config.duration = 1s;
    config.connections = connections;
    config.timeout = 1s;
    config.tls = LoadTlsConfig{std::move(client), ""};
    return config;
  }

  LoadResult runToEnd(LoadConfig config) { return runLoadToEnd(clock_, std::move(config)); }

  // Waits until `done` holds or the deadline passes; true when it held.
  template <class Condition>
  static bool eventually(Condition done, std::chrono::milliseconds deadline = 2000ms) {
    const auto until = std::chrono::steady_clock::now() + deadline;
    while (!done()) {
      if (std::chrono::steady_clock::now() > until) {
        return false;
      }
      std::this_thread::sleep_for(1ms);  // a poll interval, not a wait for an event
    }
    return true;
  }

  RealClock clock_;
  fs::path dir_;
  std::unique_ptr<test::TestPki> pki_;
  std::unique_ptr<test::TestPki> other_;
  PemFiles server_leaf_;
};

uint64_t handshakesInSeries(const LoadResult& result) {
  return std::accumulate(result.series.begin(), result.series.end(), uint64_t{0},
                         [](uint64_t sum, const LoadSecond& s) { return sum + s.tls_handshakes; });
}

// A verified https load completes every request; the served certificate is recorded.
TEST_F(LoadGeneratorTlsTest, VerifiedHttpsLoadSucceeds) {
  FakeHttpsServer server({server_leaf_.cert, server_leaf_.key, ""});
  ASSERT_TRUE(server.ok()) << server.error();
  LoadResult result = runToEnd(httpsConfig(server.port(), {"", "", server_leaf_.ca}));
  EXPECT_TRUE(result.tls);
  EXPECT_EQ(result.counts.completed, result.counts.scheduled);
  EXPECT_EQ(result.counts.status_2xx, result.counts.completed);
  EXPECT_EQ(result.counts.failed, 0u);
  EXPECT_TRUE(result.tls_failures.empty());
  EXPECT_EQ(server.requests(), result.counts.sent);
  // Keep-alive: one handshake per connection, each seen in the table and the series.
  EXPECT_EQ(result.tls_handshake.count(), 2u);
  EXPECT_EQ(server.handshakes(), 2u);
  ASSERT_EQ(result.tls_served.size(), 1u);
  const auto served = result.tls_served.latest();
  ASSERT_TRUE(served.has_value());
  EXPECT_EQ(served->handshakes, 2u);
  EXPECT_EQ(handshakesInSeries(result), 2u);
  const auto not_after_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(served->not_after.time_since_epoch())
          .count();
  EXPECT_EQ(result.series[0].tls_min_not_after_ms, not_after_ms);
  EXPECT_GT(served->not_after, clock_.systemNow());
}

// An expired server certificate fails every request, counted under "expired".
TEST_F(LoadGeneratorTlsTest, ExpiredServerCertificateFailsWithReasonExpired) {
  const PemFiles expired = pki_->leaf("expired", 1h, -2h);
  FakeHttpsServer server({expired.cert, expired.key, ""});
  ASSERT_TRUE(server.ok()) << server.error();
  LoadResult result = runToEnd(httpsConfig(server.port(), {"", "", expired.ca}, 20));
  EXPECT_EQ(result.counts.completed, 0u);
  EXPECT_GT(result.counts.failed, 0u);
  EXPECT_EQ(result.counts.tls_failed, result.counts.failed + result.counts.timed_out);
  ASSERT_EQ(result.tls_failures.size(), 1u);
  EXPECT_EQ(result.tls_failures.at("expired"), result.counts.tls_failed);
  EXPECT_EQ(result.counts.errors(), result.counts.scheduled);  // bad for every SLI
  // Per second too, where the other failure kinds are.
  uint64_t per_second = 0;
  for (const auto& second : result.series) {
    per_second += second.counts.tls_failed;
  }
  EXPECT_EQ(per_second, result.counts.tls_failed);
  EXPECT_EQ(result.tls_handshake.count(), 0u);
  EXPECT_EQ(result.tls_served.size(), 0u);
}

// A server certificate from a CA the client does not trust: "unknown-ca".
TEST_F(LoadGeneratorTlsTest, CertificateFromAnotherCaFailsWithUnknownCa) {
  const PemFiles foreign = other_->leaf("foreign");
  FakeHttpsServer server({foreign.cert, foreign.key, ""});
  ASSERT_TRUE(server.ok()) << server.error();
  LoadResult result = runToEnd(httpsConfig(server.port(), {"", "", server_leaf_.ca}, 20));
  EXPECT_EQ(result.counts.completed, 0u);
  ASSERT_EQ(result.tls_failures.count("unknown-ca"), 1u);
  EXPECT_EQ(result.tls_failures.at("unknown-ca"), result.counts.failed);
  EXPECT_GT(result.counts.failed, 0u);
}

// Without a CA the server is not verified: the same foreign certificate is accepted.
TEST_F(LoadGeneratorTlsTest, WithoutCaTheServerIsNotVerified) {
  const PemFiles foreign = other_->leaf("foreign");
  FakeHttpsServer server({foreign.cert, foreign.key, ""});
  ASSERT_TRUE(server.ok()) << server.error();
  LoadResult result = runToEnd(httpsConfig(server.port(), {"", "", ""}, 20));
  EXPECT_EQ(result.counts.completed, result.counts.scheduled);
  EXPECT_TRUE(result.tls_failures.empty());
}

// server_name is the name checked: one the certificate does not carry is "hostname-mismatch".
TEST_F(LoadGeneratorTlsTest, ServerNameIsChecked) {
  FakeHttpsServer server({server_leaf_.cert, server_leaf_.key, ""});
  ASSERT_TRUE(server.ok()) << server.error();
  LoadConfig config = httpsConfig(server.port(), {"", "", server_leaf_.ca}, 20);
  config.tls->server_name = "localhost";
  LoadResult named = runToEnd(config);
  EXPECT_EQ(named.counts.completed, named.counts.scheduled);
  config.tls->server_name = "elsewhere.test";
  LoadResult wrong = runToEnd(config);
  EXPECT_EQ(wrong.counts.completed, 0u);
  EXPECT_EQ(wrong.tls_failures.at("hostname-mismatch"), wrong.counts.failed);
}

// mTLS: the client certificate is presented and accepted; without one, the server's refusal
// (an alert on the first read in TLS 1.3) is a handshake failure too.
TEST_F(LoadGeneratorTlsTest, MutualTlsWithAClientCertificate) {
  const PemFiles client = pki_->leaf("client");
  FakeHttpsServer server({server_leaf_.cert, server_leaf_.key, server_leaf_.ca});
  ASSERT_TRUE(server.ok()) << server.error();
  LoadResult result = runToEnd(httpsConfig(server.port(), {client.cert, client.key, client.ca}));
  EXPECT_EQ(result.counts.completed, result.counts.scheduled);
  const auto serials = server.clientSerials();
  ASSERT_EQ(serials.size(), 2u);
  EXPECT_FALSE(serials[0].empty());

  LoadResult refused = runToEnd(httpsConfig(server.port(), {"", "", server_leaf_.ca}, 20));
  EXPECT_EQ(refused.counts.completed, 0u);
  EXPECT_GT(refused.counts.tls_failed, 0u);
  EXPECT_EQ(refused.tls_failures.at("no-certificate"), refused.counts.tls_failed);
}

// A rotation of the client's files (a new folder, then the `..data` symlink renamed onto it, as
// outrider-secrets does) reaches the next connections: the server sees the new serial.
TEST_F(LoadGeneratorTlsTest, RotatedClientCertificateIsUsedByNewConnections) {
  const PemFiles first = pki_->leaf("client-a");
  const PemFiles second = pki_->leaf("client-b");
  const fs::path secrets = dir_ / "secrets";
  auto publish = [&secrets](const PemFiles& leaf, const std::string& folder) {
    fs::create_directories(secrets / folder);
    fs::copy_file(leaf.cert, secrets / folder / "cert.pem");
    fs::copy_file(leaf.key, secrets / folder / "key.pem");
    fs::create_directory_symlink(folder, secrets / "..data_tmp");
    fs::rename(secrets / "..data_tmp", secrets / "..data");
  };
  publish(first, "..v1");
  fs::create_symlink("..data/cert.pem", secrets / "cert.pem");
  fs::create_symlink("..data/key.pem", secrets / "key.pem");

  FakeHttpsServer server({server_leaf_.cert, server_leaf_.key, server_leaf_.ca});
  ASSERT_TRUE(server.ok()) << server.error();
  LoadConfig config = httpsConfig(
      server.port(),
      {(secrets / "cert.pem").string(), (secrets / "key.pem").string(), server_leaf_.ca}, 40, 8);
  config.duration = 2s;
  config.requests_per_connection = 1;  // a connection per request: rotation shows at once
  std::atomic<bool> rotated{false};
  std::thread rotator([&] {
    if (eventually([&server] { return server.handshakes() >= 20; })) {
      publish(second, "..v2");
      rotated = true;
    }
  });
  LoadResult result = runToEnd(config);
  rotator.join();
  ASSERT_TRUE(rotated.load());
  EXPECT_EQ(result.counts.completed, result.counts.scheduled)
      << "failed " << result.counts.failed << " timed out " << result.counts.timed_out
      << " not sent " << result.counts.not_sent << " tls " << result.counts.tls_failed
      << " server failures " << server.handshakeFailures() << " handshake p50 "
      << result.tls_handshake.valueAtPercentile(50) / 1e6 << " max "
      << result.tls_handshake.max() / 1e6;
  for (const auto& [reason, n] : result.tls_failures) {
    ADD_FAILURE() << reason << ": " << n;
  }
  EXPECT_EQ(result.tls_context_reloads, 1u);
  const auto serials = server.clientSerials();
  ASSERT_GE(serials.size(), 60u);
  const std::string old_serial = serials.front();
  const std::string new_serial = serials.back();
  EXPECT_NE(old_serial, new_serial);
  // Once the new certificate appeared, no new connection used the old one.
  auto first_new = std::find(serials.begin(), serials.end(), new_serial);
  EXPECT_EQ(std::find(first_new, serials.end(), old_serial), serials.end());
  EXPECT_GE(std::count(serials.begin(), serials.end(), new_serial), 20);
}

// requests_per_connection = 1: one full handshake per request (counted by the server), each
// recorded in the handshake histogram, apart from request latency.
TEST_F(LoadGeneratorTlsTest, OneRequestPerConnectionMakesAHandshakePerRequest) {
  FakeHttpsServer server({server_leaf_.cert, server_leaf_.key, ""});
  ASSERT_TRUE(server.ok()) << server.error();
  LoadConfig config = httpsConfig(server.port(), {"", "", server_leaf_.ca}, 40, 4);
  config.requests_per_connection = 1;
  LoadResult result = runToEnd(config);
  EXPECT_EQ(result.counts.completed, result.counts.scheduled)
      << "failed " << result.counts.failed << " timed out " << result.counts.timed_out
      << " not sent " << result.counts.not_sent << " tls " << result.counts.tls_failed
      << " server failures " << server.handshakeFailures() << " latency max "
      << result.latency.max() / 1e6 << " handshake max " << result.tls_handshake.max() / 1e6
      << " p50 " << result.tls_handshake.valueAtPercentile(50) / 1e6 << " connect max "
      << result.connect_time.max() / 1e6 << " elapsed " << result.elapsed.count() / 1e6
      << " last second not sent " << result.series.back().counts.not_sent;
  for (const auto& [reason, n] : result.tls_failures) {
    ADD_FAILURE() << reason << ": " << n;
  }
  EXPECT_EQ(server.requests(), result.counts.completed);
  // A connection per request, and at most one warm connection per slot never used.
  EXPECT_GE(server.handshakes(), result.counts.completed);
  EXPECT_LE(server.handshakes(), result.counts.completed + config.connections);
  EXPECT_EQ(result.tls_handshake.count(), server.handshakes());
  EXPECT_EQ(result.connect_time.count(), server.handshakes());
  EXPECT_EQ(handshakesInSeries(result), server.handshakes());
  EXPECT_EQ(result.tls_served.latest()->handshakes, server.handshakes());
  // Each connection was ended with close_notify, the last ones at the end of the run too.
  EXPECT_TRUE(eventually([&server] { return server.closeNotifies() == server.handshakes(); }))
      << server.closeNotifies() << " close_notify for " << server.handshakes() << " handshakes";
  // Kept apart: handshakes have their own histogram; latency counts replies only.
  EXPECT_GT(result.tls_handshake.min(), 0);
  EXPECT_EQ(result.latency.count(), result.counts.completed);
  EXPECT_GE(result.latency.max(), result.tls_handshake.min());
}

// A server that never answers the ClientHello: the deadline ends the handshake, a timeout
// counted under "handshake-timeout".
TEST_F(LoadGeneratorTlsTest, SilentServerIsAHandshakeTimeout) {
  FakeHttpsServer server({server_leaf_.cert, server_leaf_.key, ""}, /*silent=*/true);
  LoadConfig config = httpsConfig(server.port(), {"", "", server_leaf_.ca}, 10, 2);
  config.timeout = 200ms;
  LoadResult result = runToEnd(config);
  EXPECT_EQ(result.counts.completed, 0u);
  EXPECT_GT(result.counts.timed_out, 0u);
  EXPECT_EQ(result.tls_failures.at("handshake-timeout"), result.counts.tls_failed);
  EXPECT_EQ(result.counts.tls_failed, result.counts.timed_out);
}

// Missing client files are refused when the generator is created, naming the file.
TEST_F(LoadGeneratorTlsTest, MissingFilesAreRefusedAtCreate) {
  asio::io_context io;
  LoadConfig config = httpsConfig(443, {"", "", (dir_ / "absent-ca.pem").string()});
  auto generator = LoadGenerator::create(io, clock_, config);
  ASSERT_FALSE(generator.has_value());
  EXPECT_NE(generator.error().message.find("absent-ca.pem"), std::string::npos)
      << generator.error().message;
}

// Plain http with requests_per_connection: the server sees a connection per request.
TEST_F(LoadGeneratorTlsTest, PlainHttpAlsoReconnectsAfterTheLimit) {
  test::FakeHttpServer server;
  LoadConfig config;
  config.port = server.port();
  config.rate = 50;
  config.duration = 1s;
  config.connections = 2;
  config.requests_per_connection = 5;
  LoadResult result = runToEnd(config);
  EXPECT_EQ(result.counts.completed, result.counts.scheduled);
  EXPECT_FALSE(result.tls);
  EXPECT_GE(server.connections(), result.counts.completed / 5);
  EXPECT_LE(server.connections(), result.counts.completed / 5 + config.connections);
  EXPECT_EQ(result.connect_time.count(), server.connections());
}

}  // namespace
}  // namespace outrider::harness
