// outrider-proxy with TLS on real processes over loopback: termination and mTLS refusals counted
// by reason, rotation through the `..data` swap outrider-secrets does, TLS to an outrider-echo
// that serves TLS (with a client certificate), resumption, and pooled TLS connections.
#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <poll.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

#include "sidecar_processes.h"
#include "test_dir.h"
#include "test_http_client.h"
#include "test_pki.h"
#include "test_tls_client.h"

namespace outrider::sidecar::test {
namespace {

namespace fs = std::filesystem;
using outrider::test::PemFiles;
using outrider::test::TestPki;

std::string failures(std::string_view listener, std::string_view reason) {
  return "outrider_proxy_tls_handshake_failures_total{listener=\"" + std::string(listener) +
         "\",reason=\"" + std::string(reason) + "\"}";
}
std::string handshakes(std::string_view listener, bool resumed) {
  return "outrider_proxy_tls_handshakes_total{listener=\"" + std::string(listener) +
         "\",resumed=\"" + (resumed ? "true" : "false") + "\"}";
}
std::string reloads(std::string_view listener, std::string_view result) {
  return "outrider_proxy_tls_reloads_total{listener=\"" + std::string(listener) + "\",result=\"" +
         std::string(result) + "\"}";
}
std::string notAfterSample(std::string_view listener) {
  return "outrider_proxy_tls_certificate_not_after_seconds{listener=\"" + std::string(listener) +
         "\"}";
}

// NotAfter of the first certificate in a PEM file, unix seconds (0 when unreadable).
double notAfterOfFile(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "r");
  if (file == nullptr) {
    return 0;
  }
  X509* certificate = PEM_read_X509(file, nullptr, nullptr, nullptr);
  std::fclose(file);
  if (certificate == nullptr) {
    return 0;
  }
  const auto validity = tls::validityOf(certificate);
  X509_free(certificate);
  return validity ? std::chrono::duration<double>(validity->not_after.time_since_epoch()).count()
                  : 0;
}

double notAfterOf(const std::optional<tls::CertificateValidity>& validity) {
  return validity ? std::chrono::duration<double>(validity->not_after.time_since_epoch()).count()
                  : -1;
}

class ProxyTlsTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = outrider::test::freshTestDir("proxytls");
    const auto now = std::chrono::system_clock::now();
    pki_ = std::make_unique<TestPki>(dir_ / "pki", now);
    other_ = std::make_unique<TestPki>(dir_ / "other", now, "other CA");
    ASSERT_TRUE(pki_->ok() && other_->ok());
    server_ = pki_->leaf("proxy");
    client_ = pki_->leaf("client");
  }
  void TearDown() override {
    proxy_.kill();
    echo_.kill();
    fs::remove_all(dir_);
  }

  tls::ContextPtr clientContext(const std::string& ca, const PemFiles* leaf = nullptr) {
    auto made =
        tls::makeContext(tls::Role::Client, {leaf ? leaf->cert : "", leaf ? leaf->key : "", ca});
    EXPECT_TRUE(made) << made.error().message;
    return made ? *made : nullptr;
  }

  // The proxy in front of a plain echo, serving TLS with `server_` and its extra `args`.
  void startTerminating(std::vector<std::string> args = {}) {
    startTerminatingWith(server_.cert, server_.key, std::move(args));
  }
  void startTerminatingWith(const fs::path& cert, const fs::path& key,
                            std::vector<std::string> args = {}) {
    ASSERT_TRUE(startEcho(echo_, echo_port_));
    args.insert(args.begin(), {"--tls-cert", cert.string(), "--tls-key", key.string()});
    ASSERT_TRUE(startProxy(proxy_, echo_port_, ports_, std::move(args)));
  }

  // The set in `dir` as outrider-secrets writes it: a new folder, `..data` renamed onto it, and
  // cert.pem/key.pem/bundle.pem symlinks through `..data`.
  void writeSet(const fs::path& dir, const std::string& cert, const std::string& key,
                const std::string& ca) {
    fs::create_directories(dir);
    const std::string folder = "..set-" + std::to_string(++sets_);
    fs::create_directories(dir / folder);
    fs::copy_file(cert, dir / folder / "cert.pem");
    fs::copy_file(key, dir / folder / "key.pem");
    fs::copy_file(ca, dir / folder / "bundle.pem");
    fs::remove(dir / "..data_tmp");
    fs::create_symlink(folder, dir / "..data_tmp");
    fs::rename(dir / "..data_tmp", dir / "..data");
    for (const char* name : {"cert.pem", "key.pem", "bundle.pem"}) {
      if (!fs::is_symlink(dir / name)) {
        fs::create_symlink(fs::path("..data") / name, dir / name);
      }
    }
  }

  // The proxy in front of a plain echo, serving TLS from the set in `live` (server_'s first),
  // which tests rotate with writeSet.
  void startOnASet(const fs::path& live) {
    writeSet(live, server_.cert, server_.key, server_.ca);
    startTerminatingWith(live / "cert.pem", live / "key.pem");
  }

  // Polls new connections until one is served `not_after`, or the deadline passes.
  testing::AssertionResult newConnectionsServe(double not_after, Millis timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    double seen = -1;
    while (std::chrono::steady_clock::now() < deadline) {
      TestTlsClient client(clientContext(server_.ca));
      if (client.open(ports_.listen)) {
        seen = notAfterOf(client.peer());
        if (seen == not_after) {
          return testing::AssertionSuccess();
        }
      }
      ::poll(nullptr, 0, 10);  // a poll interval, not a synchronisation point
    }
    return testing::AssertionFailure()
           << "new connections still get NotAfter " << seen << ", expected " << not_after;
  }

  double metric(const std::string& sample) {
    double value = -1;
    EXPECT_TRUE(scrapeMetric(ports_.admin, sample, value)) << sample;
    return value;
  }

  fs::path dir_;
  std::unique_ptr<TestPki> pki_;
  std::unique_ptr<TestPki> other_;
  PemFiles server_;
  PemFiles client_;
  ChildProcess echo_;
  ChildProcess proxy_;
  uint16_t echo_port_ = 0;
  ProxyPorts ports_;
  int sets_ = 0;
};

// TLS is terminated: a verifying client is served by the plain upstream through the proxy, and
// the handshake, the served certificate's NotAfter and a resumption show on /metrics.
TEST_F(ProxyTlsTest, TerminatesTlsAndResumes) {
  startTerminating();
  TestTlsClient first(clientContext(server_.ca));
  ASSERT_TRUE(first.open(ports_.listen));
  Response response;
  ASSERT_TRUE(first.roundTrip(makeGet("/", {{"X-Echo-Body-Size", "100"}}), response));
  EXPECT_EQ(response.result_int(), 200);
  EXPECT_EQ(response.body().size(), 100u);
  EXPECT_EQ(notAfterOf(first.peer()), notAfterOfFile(server_.cert));
  SSL_SESSION* session = first.session();
  TestTlsClient second(clientContext(server_.ca));
  ASSERT_TRUE(second.open(ports_.listen, session));
  SSL_SESSION_free(session);
  EXPECT_TRUE(second.resumed());
  ASSERT_TRUE(second.roundTrip(makeGet("/"), response));
  EXPECT_EQ(response.result_int(), 200);
  EXPECT_EQ(metric(handshakes("downstream", false)), 1.0);
  EXPECT_EQ(metric(handshakes("downstream", true)), 1.0);
  EXPECT_EQ(metric(notAfterSample("downstream")), notAfterOfFile(server_.cert));
}

// mTLS: no certificate, one from another CA, an expired one and garbage instead of a
// ClientHello are each refused and counted by reason; a good client is served afterwards.
TEST_F(ProxyTlsTest, MutualTlsRefusalsCountedByReason) {
  startTerminating({"--tls-client-ca", client_.ca});
  const PemFiles foreign = other_->leaf("foreign");
  const PemFiles expired = pki_->leaf("expired", std::chrono::hours(1), -std::chrono::hours(2));

  TestTlsClient anonymous(clientContext(server_.ca));
  EXPECT_TRUE(anonymous.refused(ports_.listen));
  EXPECT_TRUE(waitForMetric(ports_.admin, failures("downstream", "no-certificate"), 1));

  TestTlsClient stranger(clientContext(server_.ca, &foreign));
  EXPECT_TRUE(stranger.refused(ports_.listen));
  EXPECT_TRUE(waitForMetric(ports_.admin, failures("downstream", "unknown-ca"), 1));

  TestTlsClient stale(clientContext(server_.ca, &expired));
  EXPECT_TRUE(stale.refused(ports_.listen));
  EXPECT_TRUE(waitForMetric(ports_.admin, failures("downstream", "expired"), 1));

  TestHttpClient plain;
  ASSERT_TRUE(connectAndSendRaw(plain, ports_.listen, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_TRUE(plain.waitForClose());
  EXPECT_TRUE(waitForMetric(ports_.admin, failures("downstream", "protocol"), 1));

  TestTlsClient good(clientContext(server_.ca, &client_));
  ASSERT_TRUE(good.open(ports_.listen));
  Response response;
  ASSERT_TRUE(good.roundTrip(makeGet("/"), response));
  EXPECT_EQ(response.result_int(), 200);
  EXPECT_EQ(metric(handshakes("downstream", false)), 1.0);
  EXPECT_EQ(metric(failures("downstream", "bad-certificate")), 0.0);
}

// A client that never sends its ClientHello is cut off at the header timeout and counted.
TEST_F(ProxyTlsTest, SilentClientIsCutOffAsHandshakeTimeout) {
  startTerminating({"--header-timeout", "300ms"});
  TestHttpClient silent;
  ASSERT_TRUE(silent.connect(ports_.listen));
  EXPECT_TRUE(silent.waitForClose(Millis(3000)));
  EXPECT_TRUE(waitForMetric(ports_.admin, failures("downstream", "handshake-timeout"), 1));
}

// A rotation (new folder, `..data` renamed over the old one) reaches new connections within a
// second; a connection opened before keeps its certificate and keeps working.
TEST_F(ProxyTlsTest, RotationReachesNewConnectionsAndKeepsLiveOnes) {
  const fs::path live = dir_ / "live";
  const PemFiles v2 = pki_->leaf("proxy-v2", std::chrono::hours(2));
  ASSERT_NO_FATAL_FAILURE(startOnASet(live));
  TestTlsClient before(clientContext(server_.ca));
  ASSERT_TRUE(before.open(ports_.listen));
  Response response;
  ASSERT_TRUE(before.roundTrip(makeGet("/"), response));
  const double old_not_after = notAfterOfFile(server_.cert);
  const double new_not_after = notAfterOfFile(v2.cert);
  ASSERT_NE(old_not_after, new_not_after);
  EXPECT_EQ(notAfterOf(before.peer()), old_not_after);

  const auto rotated = std::chrono::steady_clock::now();
  writeSet(live, v2.cert, v2.key, v2.ca);
  EXPECT_TRUE(newConnectionsServe(new_not_after, Millis(1000)));
  RecordProperty(
      "reload_ms",
      std::to_string(
          std::chrono::duration_cast<Millis>(std::chrono::steady_clock::now() - rotated).count()));
  ASSERT_TRUE(before.roundTrip(makeGet("/"), response));
  EXPECT_EQ(response.result_int(), 200);
  EXPECT_EQ(notAfterOf(before.peer()), old_not_after);
  EXPECT_EQ(metric(reloads("downstream", "ok")), 1.0);
  EXPECT_EQ(metric(reloads("downstream", "error")), 0.0);
  EXPECT_EQ(metric(notAfterSample("downstream")), new_not_after);
}

// A broken set (a key that is not the certificate's) keeps the previous context, is counted,
// and new connections are still served the old certificate.
TEST_F(ProxyTlsTest, BrokenSetKeepsThePreviousOne) {
  const fs::path live = dir_ / "live";
  const PemFiles v2 = pki_->leaf("proxy-v2", std::chrono::hours(2));
  ASSERT_NO_FATAL_FAILURE(startOnASet(live));
  writeSet(live, v2.cert, server_.key, server_.ca);
  EXPECT_TRUE(waitForMetric(ports_.admin, reloads("downstream", "error"), 1));
  TestTlsClient after(clientContext(server_.ca));
  ASSERT_TRUE(after.open(ports_.listen));
  EXPECT_EQ(notAfterOf(after.peer()), notAfterOfFile(server_.cert));
  Response response;
  ASSERT_TRUE(after.roundTrip(makeGet("/"), response));
  EXPECT_EQ(response.result_int(), 200);
  EXPECT_EQ(metric(reloads("downstream", "ok")), 0.0);
  // Reported once for that version of the files, not at every periodic check.
  EXPECT_EQ(metric(reloads("downstream", "error")), 1.0);
}

class ProxyUpstreamTlsTest : public ProxyTlsTest {
 protected:
  // An echo serving TLS that requires client certificates from the test CA.
  void startTlsEcho(std::vector<std::string> extra = {}) {
    const PemFiles upstream = pki_->leaf("upstream");
    std::vector<std::string> args{"--tls-cert", upstream.cert,     "--tls-key",
                                  upstream.key, "--tls-client-ca", upstream.ca};
    args.insert(args.end(), extra.begin(), extra.end());
    ASSERT_TRUE(startEcho(echo_, echo_port_, args));
  }
  std::vector<std::string> withClientCertificate() {
    return {"--upstream-tls-ca", client_.ca,           "--upstream-tls-cert",
            client_.cert,        "--upstream-tls-key", client_.key};
  }
};

// TLS to the upstream with a client certificate: requests are served and pooled connections
// reused; the upstream's handshake is counted once.
TEST_F(ProxyUpstreamTlsTest, ForwardsOverTlsWithClientCertificate) {
  startTlsEcho();
  ASSERT_TRUE(startProxy(proxy_, echo_port_, ports_, withClientCertificate()));
  std::string first_connection;
  for (int i = 0; i < 3; ++i) {
    Response response;
    ASSERT_TRUE(fetch(ports_.listen, makeGet("/"), response));
    EXPECT_EQ(response.result_int(), 200);
    if (i == 0) {
      first_connection = std::string(response["X-Echo-Connection"]);
    }
    EXPECT_EQ(response["X-Echo-Connection"], first_connection);
  }
  EXPECT_EQ(metric(handshakes("upstream", false)), 1.0);
  EXPECT_EQ(metric("outrider_proxy_upstream_connections_opened_total"), 1.0);
}

// Without the client certificate the upstream refuses us after our side of the TLS 1.3
// handshake: a 502, counted as an upstream handshake failure on the first exchange.
TEST_F(ProxyUpstreamTlsTest, UpstreamRefusingOurCertificateIsAHandshakeFailure) {
  startTlsEcho();
  ASSERT_TRUE(startProxy(proxy_, echo_port_, ports_, {"--upstream-tls-ca", client_.ca}));
  Response response;
  ASSERT_TRUE(fetch(ports_.listen, makeGet("/"), response));
  EXPECT_EQ(response.result_int(), 502);
  EXPECT_EQ(metric(failures("upstream", "no-certificate")), 1.0);
  EXPECT_EQ(metric(handshakes("upstream", false)), 1.0);
}

// An upstream whose certificate is from a CA we do not trust: refused by us, by reason.
TEST_F(ProxyUpstreamTlsTest, UntrustedUpstreamIsRefused) {
  startTlsEcho();
  const PemFiles foreign_client = other_->leaf("foreign-client");
  ASSERT_TRUE(startProxy(proxy_, echo_port_, ports_,
                         {"--upstream-tls-ca", foreign_client.ca, "--upstream-tls-cert",
                          client_.cert, "--upstream-tls-key", client_.key}));
  Response response;
  ASSERT_TRUE(fetch(ports_.listen, makeGet("/"), response));
  EXPECT_EQ(response.result_int(), 502);
  EXPECT_EQ(metric(failures("upstream", "unknown-ca")), 1.0);
  EXPECT_EQ(metric(R"(outrider_proxy_upstream_errors_total{kind="connect"})"), 1.0);
}

// The keep-alive race over TLS: the upstream closes every connection after one response. Each
// stale pooled TLS connection is discarded or safely retried (the acknowledged-bytes rule on a
// snapshot), every request succeeds, and the new connections resume the loop's session.
TEST_F(ProxyUpstreamTlsTest, StalePooledTlsConnectionsNeverFailARequestAndResume) {
  startTlsEcho({"--max-requests-per-connection", "1"});
  ASSERT_TRUE(startProxy(proxy_, echo_port_, ports_, withClientCertificate()));
  EXPECT_TRUE(getsInARowAnswer200(ports_.listen, 10));
  EXPECT_EQ(metric("outrider_proxy_upstream_pool_discarded_total") +
                metric("outrider_proxy_upstream_retries_total"),
            9.0);
  EXPECT_EQ(metric(R"(outrider_proxy_upstream_errors_total{kind="reset"})"), 0.0);
  EXPECT_EQ(metric(handshakes("upstream", false)), 1.0);
  EXPECT_EQ(metric(handshakes("upstream", true)), 9.0);
}

}  // namespace
}  // namespace outrider::sidecar::test
