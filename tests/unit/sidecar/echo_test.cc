#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <string>
#include <vector>

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

// --name marks every reply with X-Served-By (/healthz, errors and steered replies too); without
// it there is no such header.
TEST_F(EchoTest, NameMarksEveryReply) {
  start({"--name", "app"});
  for (const char* path : {"/", "/healthz", "/anything"}) {
    Response response;
    ASSERT_TRUE(fetch(port_, makeGet(path), response)) << path;
    EXPECT_EQ(response["X-Served-By"], "app") << path;
  }
  Response steered;
  ASSERT_TRUE(fetch(port_, makeGet("/", {{"X-Echo-Status", "503"}}), steered));
  EXPECT_EQ(steered.result_int(), 503);
  EXPECT_EQ(steered["X-Served-By"], "app");
  Response bad;
  ASSERT_TRUE(fetch(port_, makeGet("/", {{"X-Echo-Latency", "soon"}}), bad));
  EXPECT_EQ(bad.result_int(), 400);
  EXPECT_EQ(bad["X-Served-By"], "app");
}

TEST_F(EchoTest, NoNameNoServedBy) {
  start();
  Response response;
  ASSERT_TRUE(fetch(port_, makeGet("/"), response));
  EXPECT_EQ(response.count("X-Served-By"), 0u);
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

// SIGTERM: idle connections close, new ones are refused, the request in hand is answered (with
// Connection: close) and the echo exits 0, so a pod's stop order loses no request in flight.
TEST_F(EchoTest, DrainsInFlightRequestsOnSigterm) {
  start({"--drain-timeout", "10s"});
  TestHttpClient idle;
  ASSERT_TRUE(idle.connect(port_));
  Response warmup;
  ASSERT_TRUE(idle.roundTrip(makeGet("/"), warmup));
  TestHttpClient slow;
  ASSERT_TRUE(slow.connect(port_));
  ASSERT_TRUE(slow.send(makeGet("/", {{"X-Echo-Latency", "1s"}})));
  // One event loop: answering a later connection means it has read the slow request's head.
  Response barrier;
  ASSERT_TRUE(fetch(port_, makeGet("/"), barrier));

  echo_.signal(SIGTERM);
  EXPECT_TRUE(idle.waitForClose(Millis(2000)));
  Response response;
  ASSERT_TRUE(slow.read(response, Millis(5000)));
  EXPECT_EQ(response.result_int(), 200);
  EXPECT_FALSE(response.keep_alive());
  int exit_code = -1;
  ASSERT_TRUE(echo_.waitForExit(exit_code, Millis(5000)));
  EXPECT_EQ(exit_code, 0);
  TestHttpClient late;
  EXPECT_FALSE(late.connect(port_, Millis(1000)));
}

// --depends-on: the GET answers 2xx, then the echo listens as usual.
TEST_F(EchoTest, DependsOnThatAnswersLetsItListen) {
  ChildProcess dependency;
  uint16_t dependency_port = 0;
  ASSERT_TRUE(startEcho(dependency, dependency_port));
  start({"--depends-on", "http://127.0.0.1:" + std::to_string(dependency_port) + "/config"});
  Response response;
  ASSERT_TRUE(fetch(port_, makeGet("/healthz"), response));
  EXPECT_EQ(response.result_int(), 200);
}

class DependsOnFailureTest : public testing::Test {
 protected:
  // Runs the echo with --depends-on `url` and returns its exit code (it never listens).
  int exitCodeFor(const std::string& url, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"--listen", "127.0.0.1:0", "--depends-on", url};
    args.insert(args.end(), extra.begin(), extra.end());
    EXPECT_TRUE(echo_.start(binPath("outrider-echo"), args));
    int exit_code = -1;
    EXPECT_TRUE(echo_.waitForExit(exit_code, Millis(5000)));
    return exit_code;
  }
  ChildProcess echo_;
};

// Nothing listening there (the egress sidecar not started yet): exit 1 at once.
TEST_F(DependsOnFailureTest, RefusedExitsOne) {
  EXPECT_EQ(exitCodeFor("http://127.0.0.1:" + std::to_string(closedPort()) + "/"), 1);
}

// A reply other than 2xx fails it too.
TEST_F(DependsOnFailureTest, Non2xxExitsOne) {
  ChildProcess dependency;
  uint16_t dependency_port = 0;
  ASSERT_TRUE(startEcho(dependency, dependency_port, {"--status", "503"}));
  EXPECT_EQ(exitCodeFor("http://127.0.0.1:" + std::to_string(dependency_port) + "/"), 1);
}

// A listener that never answers: exit 1 once --depends-on-timeout has passed.
TEST_F(DependsOnFailureTest, SilentDependencyTimesOutAndExitsOne) {
  boost::asio::io_context context;
  boost::asio::ip::tcp::acceptor silent(context, {boost::asio::ip::make_address("127.0.0.1"), 0});
  const auto port = silent.local_endpoint().port();  // the kernel's backlog completes connects
  EXPECT_EQ(exitCodeFor("http://127.0.0.1:" + std::to_string(port) + "/",
                        {"--depends-on-timeout", "300ms"}),
            1);
}

// A URL the echo cannot call is a usage error (2), not a failed dependency.
TEST_F(DependsOnFailureTest, BadUrlIsAUsageError) {
  EXPECT_EQ(exitCodeFor("ftp://127.0.0.1:1/"), 2);
}

}  // namespace
}  // namespace outrider::sidecar::test
