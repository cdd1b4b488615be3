#include <chrono>

#include <gtest/gtest.h>

#include "sidecar_processes.h"
#include "test_http_client.h"

namespace outrider::sidecar::test {
namespace {

class EchoTest : public testing::Test {
 protected:
  void start(std::vector<std::string> args = {}) {
    ASSERT_TRUE(startEcho(echo_, port_, std::move(args)));
  }

  ChildProcess echo_;
  uint16_t port_ = 0;
};

// /healthz answers 200 "ok" whatever the configured response.
TEST_F(EchoTest, HealthzIsOk) {
  start({"--status", "503"});
  Response response;
  ASSERT_TRUE(fetch(port_, makeGet("/healthz"), response));
  EXPECT_EQ(response.result_int(), 200);
  EXPECT_EQ(response.body(), "ok\n");
}

// Other paths get the configured status and body size.
TEST_F(EchoTest, DefaultResponseFollowsFlags) {
  start({"--status", "201", "--body-size", "1KiB"});
  Response response;
  ASSERT_TRUE(fetch(port_, makeGet("/anything"), response));
  EXPECT_EQ(response.result_int(), 201);
  EXPECT_EQ(response.body().size(), 1024u);
}

// X-Echo-Status and X-Echo-Body-Size override the flags for one request.
TEST_F(EchoTest, HeadersSteerStatusAndBodySize) {
  start();
  Response response;
  ASSERT_TRUE(fetch(port_, makeGet("/", {{"X-Echo-Status", "503"}, {"X-Echo-Body-Size", "10"}}),
                    response));
  EXPECT_EQ(response.result_int(), 503);
  EXPECT_EQ(response.body(), "xxxxxxxxxx");
}

// X-Echo-Latency delays the response by at least that long.
TEST_F(EchoTest, HeaderSteersLatency) {
  start();
  Response response;
  const auto before = std::chrono::steady_clock::now();
  ASSERT_TRUE(fetch(port_, makeGet("/", {{"X-Echo-Latency", "200ms"}}), response));
  EXPECT_GE(std::chrono::steady_clock::now() - before, std::chrono::milliseconds(200));
  EXPECT_EQ(response.result_int(), 200);
}

// A steering header that does not parse is a 400, not a silent default.
TEST_F(EchoTest, BadSteeringHeaderIs400) {
  start();
  Response response;
  ASSERT_TRUE(fetch(port_, makeGet("/", {{"X-Echo-Latency", "soon"}}), response));
  EXPECT_EQ(response.result_int(), 400);
}

// X-Request-Id comes back unchanged.
TEST_F(EchoTest, EchoesRequestId) {
  start();
  Response response;
  ASSERT_TRUE(fetch(port_, makeGet("/", {{"X-Request-Id", "abc-123"}}), response));
  EXPECT_EQ(response["X-Request-Id"], "abc-123");
}

// Keep-alive: several requests share one connection (same X-Echo-Connection serial).
TEST_F(EchoTest, KeepAliveServesManyRequestsOnOneConnection) {
  start();
  TestHttpClient client;
  ASSERT_TRUE(client.connect(port_));
  std::string first;
  for (int i = 0; i < 5; ++i) {
    Response response;
    ASSERT_TRUE(client.roundTrip(makeGet("/"), response));
    EXPECT_TRUE(response.keep_alive());
    if (i == 0) {
      first = std::string(response["X-Echo-Connection"]);
    }
    EXPECT_EQ(response["X-Echo-Connection"], first);
  }
}

// --max-requests-per-connection closes silently: no "Connection: close" warns the client.
TEST_F(EchoTest, MaxRequestsPerConnectionClosesSilently) {
  start({"--max-requests-per-connection", "2"});
  TestHttpClient client;
  ASSERT_TRUE(client.connect(port_));
  for (int i = 0; i < 2; ++i) {
    Response response;
    ASSERT_TRUE(client.roundTrip(makeGet("/"), response));
    EXPECT_TRUE(response.keep_alive());
  }
  EXPECT_TRUE(client.waitForClose());
}

// SIGTERM stops the echo server with exit code 0.
TEST_F(EchoTest, ExitsCleanlyOnSigterm) {
  start();
  echo_.signal(SIGTERM);
  int exit_code = -1;
  ASSERT_TRUE(echo_.waitForExit(exit_code, Millis(3000)));
  EXPECT_EQ(exit_code, 0);
}

// Sends raw bytes on a new connection; the echo app's one answer, after which it closes.
testing::AssertionResult refusedWith(uint16_t port, const std::string& raw, unsigned status) {
  TestHttpClient client;
  if (auto connected = client.connect(port); !connected) {
    return connected;
  }
  if (auto sent = client.sendRaw(raw); !sent) {
    return sent;
  }
  Response response;
  if (auto got = client.read(response); !got) {
    return got;
  }
  if (response.result_int() != status || response.keep_alive()) {
    return testing::AssertionFailure() << "got " << response.result_int()
                                       << (response.keep_alive() ? " keep-alive" : "");
  }
  return client.waitForClose();
}

// The same parser hygiene as the proxy: head limits, framing rules, versions.
TEST_F(EchoTest, RefusesWhatTheProxyRefuses) {
  start({"--max-header-size", "4KiB"});
  std::string many = "GET / HTTP/1.1\r\nHost: x\r\n";
  for (int i = 0; i < 101; ++i) {
    many += "X-F" + std::to_string(i) + ": v\r\n";
  }
  EXPECT_TRUE(refusedWith(port_, many + "\r\n", 431));
  EXPECT_TRUE(refusedWith(port_, "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(5000, 'a') +
                                     "\r\n\r\n",
                          431));
  EXPECT_TRUE(refusedWith(port_, "GET /" + std::string(9000, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n",
                          414));
  EXPECT_TRUE(refusedWith(port_,
                          "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
                          "0\r\n\r\n",
                          501));
  EXPECT_TRUE(refusedWith(
      port_, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
      400));
  EXPECT_TRUE(refusedWith(port_, "GET / HTTP/3.0\r\nHost: x\r\n\r\n", 505));
  EXPECT_TRUE(refusedWith(port_,
                          "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
                          400));
}

// A request body is read to its end and dropped, never held: a 32 MiB upload costs nothing.
TEST_F(EchoTest, DrainsRequestBodies) {
  start();
  TestHttpClient client;
  ASSERT_TRUE(client.connect(port_));
  Request post{http::verb::post, "/", 11};
  post.set(http::field::host, "x");
  post.body() = std::string(32 * 1024 * 1024, 'u');
  Response response;
  ASSERT_TRUE(client.roundTrip(post, response, Millis(20000)));
  EXPECT_EQ(response.result_int(), 200);
  Response again;
  ASSERT_TRUE(client.roundTrip(makeGet("/"), again));  // still in step on the same connection
  EXPECT_EQ(again.result_int(), 200);
}

// A client that stops mid-head gets 408 after --header-timeout; one that stops mid-body too.
TEST_F(EchoTest, StalledClientsGet408) {
  start({"--header-timeout", "200ms", "--body-timeout", "200ms"});
  EXPECT_TRUE(refusedWith(port_, "GET / HTTP/1.1\r\nHost: x\r\n", 408));
  EXPECT_TRUE(refusedWith(port_, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc",
                          408));
}

// An idle keep-alive connection is closed after --idle-timeout.
TEST_F(EchoTest, ClosesIdleConnections) {
  start({"--idle-timeout", "200ms"});
  TestHttpClient client;
  ASSERT_TRUE(client.connect(port_));
  EXPECT_TRUE(client.waitForClose(Millis(3000)));
}

}  // namespace
}  // namespace outrider::sidecar::test
