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

}  // namespace
}  // namespace outrider::sidecar::test
