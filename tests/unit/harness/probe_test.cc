#include "outrider/harness/probe.h"

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

namespace outrider::harness {
namespace {

using namespace std::chrono_literals;
using asio::ip::tcp;
using ::testing::HasSubstr;

// Reads one request head and answers with `status`; holds the connection when status is 0.
template <class Stream>
asio::awaitable<void> answer(Stream& stream, int status) {
  std::string request;
  auto [read_ec, n] = co_await asio::async_read_until(
      stream, asio::dynamic_buffer(request), "\r\n\r\n", asio::as_tuple(asio::use_awaitable));
  if (read_ec || status == 0) {
    co_return;
  }
  std::string reply = "HTTP/1.1 " + std::to_string(status) +
                      " Whatever\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
  co_await asio::async_write(stream, asio::buffer(reply), asio::as_tuple(asio::use_awaitable));
}

asio::awaitable<void> servePlain(tcp::socket socket, int status) {
  if (status < 0) {
    co_return;  // hang up at once
  }
  co_await answer(socket, status);
  if (status == 0) {
    // Hold the connection open without a reply until the peer gives up.
    char byte;
    co_await socket.async_read_some(asio::buffer(&byte, 1), asio::as_tuple(asio::use_awaitable));
  }
}

asio::awaitable<void> serveTls(tcp::socket socket, asio::ssl::context* tls, int status) {
  asio::ssl::stream<tcp::socket> stream(std::move(socket), *tls);
  auto [ec] = co_await stream.async_handshake(asio::ssl::stream_base::server,
                                              asio::as_tuple(asio::use_awaitable));
  if (!ec) {
    co_await answer(stream, status);
  }
}

// Accepts forever; each connection is answered with `status` (over TLS when `tls` is set).
asio::awaitable<void> acceptLoop(tcp::acceptor* acceptor, int status, asio::ssl::context* tls) {
  for (;;) {
    auto [ec, socket] = co_await acceptor->async_accept(asio::as_tuple(asio::use_awaitable));
    if (ec) {
      co_return;
    }
    if (tls != nullptr) {
      asio::co_spawn(acceptor->get_executor(), serveTls(std::move(socket), tls, status),
                     asio::detached);
    } else {
      asio::co_spawn(acceptor->get_executor(), servePlain(std::move(socket), status),
                     asio::detached);
    }
  }
}

// A throwaway self-signed certificate: the probe does not verify it.
void useSelfSignedCertificate(asio::ssl::context& tls) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  ASSERT_NE(key, nullptr);
  X509* cert = X509_new();
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("outrider-test"), -1, -1, 0);
  X509_set_issuer_name(cert, name);
  ASSERT_GT(X509_sign(cert, key, EVP_sha256()), 0);
  ASSERT_EQ(SSL_CTX_use_certificate(tls.native_handle(), cert), 1);
  ASSERT_EQ(SSL_CTX_use_PrivateKey(tls.native_handle(), key), 1);
  X509_free(cert);
  EVP_PKEY_free(key);
}

class ProbeTest : public ::testing::Test {
 protected:
  // A listener on 127.0.0.1:0 answering every request with `status` (0: never answers; -1: hangs
  // up at once).
  uint16_t serve(int status, asio::ssl::context* tls = nullptr) {
    auto& acceptor = acceptors_.emplace_back(std::make_unique<tcp::acceptor>(
        ctx_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)));
    asio::co_spawn(ctx_, acceptLoop(acceptor.get(), status, tls), asio::detached);
    return acceptor->local_endpoint().port();
  }

  // A port nobody listens on.
  uint16_t closedPort() {
    tcp::acceptor acceptor(ctx_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    const uint16_t port = acceptor.local_endpoint().port();
    acceptor.close();
    return port;
  }

  ProbeResult check(const std::string& url, std::chrono::nanoseconds timeout = 1s) {
    auto probe = Probe::create(url, timeout, clock_);
    EXPECT_TRUE(probe) << (probe ? "" : probe.error().message);
    if (!probe) {
      return {};
    }
    std::optional<ProbeResult> result;
    asio::co_spawn(ctx_, (*probe)->check(), [&](std::exception_ptr error, ProbeResult value) {
      EXPECT_FALSE(error);
      result = std::move(value);
    });
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (!result && std::chrono::steady_clock::now() < deadline) {
      ctx_.run_one_for(10ms);
    }
    EXPECT_TRUE(result) << "probe did not complete";
    return result.value_or(ProbeResult{});
  }

  asio::io_context ctx_;
  RealClock clock_;  // real programs on loopback: real waits
  asio::executor_work_guard<asio::io_context::executor_type> work_ = asio::make_work_guard(ctx_);
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors_;
};

// tcp:// succeeds once something listens.
TEST_F(ProbeTest, TcpConnects) {
  const auto result = check("tcp://127.0.0.1:" + std::to_string(serve(0)));
  EXPECT_TRUE(result.success) << result.detail;
}

// tcp:// fails with the connect error when nothing listens.
TEST_F(ProbeTest, TcpRefused) {
  const auto result = check("tcp://127.0.0.1:" + std::to_string(closedPort()));
  EXPECT_FALSE(result.success);
  EXPECT_THAT(result.detail, HasSubstr("refused"));
}

// http:// with a 2xx reply is a success.
TEST_F(ProbeTest, HttpTwoHundredIsReady) {
  const auto result = check("http://127.0.0.1:" + std::to_string(serve(204)) + "/healthz");
  EXPECT_TRUE(result.success) << result.detail;
  EXPECT_EQ(result.detail, "HTTP 204");
}

// Any other status is a failure that names the status.
TEST_F(ProbeTest, HttpServerErrorIsNotReady) {
  const auto result = check("http://127.0.0.1:" + std::to_string(serve(503)) + "/ready");
  EXPECT_FALSE(result.success);
  EXPECT_EQ(result.detail, "HTTP 503");
}

// A server that accepts but never answers fails the probe at its timeout.
TEST_F(ProbeTest, HttpTimesOut) {
  const auto started = std::chrono::steady_clock::now();
  const auto result = check("http://127.0.0.1:" + std::to_string(serve(0)) + "/", 200ms);
  EXPECT_FALSE(result.success);
  EXPECT_EQ(result.detail, "timed out after 200ms");
  EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);
}

// https:// handshakes (without verifying the self-signed certificate) and reads the status.
TEST_F(ProbeTest, HttpsWithSelfSignedCertificate) {
  asio::ssl::context tls(asio::ssl::context::tls_server);
  useSelfSignedCertificate(tls);
  const auto result = check("https://127.0.0.1:" + std::to_string(serve(200, &tls)) + "/live");
  EXPECT_TRUE(result.success) << result.detail;
}

// https:// against a server that hangs up fails in the handshake.
TEST_F(ProbeTest, HttpsAgainstHangUpFails) {
  const auto result = check("https://127.0.0.1:" + std::to_string(serve(-1)) + "/live");
  EXPECT_FALSE(result.success);
  EXPECT_THAT(result.detail, HasSubstr("TLS handshake"));
}

// A URL that is not a probe is rejected when the probe is created.
TEST_F(ProbeTest, BadUrlIsRejected) {
  RealClock clock;
  auto probe = Probe::create("ftp://127.0.0.1:21", 1s, clock);
  ASSERT_FALSE(probe);
  EXPECT_EQ(probe.error().code, ErrorCode::InvalidArgument);
}

// Host names are resolved once, at creation.
TEST_F(ProbeTest, ResolvesLocalhost) {
  const auto result = check("tcp://localhost:" + std::to_string(serve(0)));
  EXPECT_TRUE(result.success) << result.detail;
}

}  // namespace
}  // namespace outrider::harness
