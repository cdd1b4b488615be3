#include <string>

#include <gtest/gtest.h>

#include "sidecar_processes.h"
#include "test_http_client.h"

namespace outrider::sidecar::test {
namespace {

constexpr std::string_view Requests2xx = R"(outrider_proxy_requests_total{code="2xx"})";

class ProxyTest : public testing::Test {
 protected:
  void start(std::vector<std::string> proxy_args = {}, std::vector<std::string> echo_args = {}) {
    ASSERT_TRUE(startEcho(echo_, echo_port_, std::move(echo_args)));
    ASSERT_TRUE(startProxy(proxy_, echo_port_, ports_, std::move(proxy_args)));
  }

  // The proxy still answers a plain request with 200.
  testing::AssertionResult stillServes() {
    Response response;
    if (auto got = fetch(ports_.listen, makeGet("/"), response); !got) {
      return got;
    }
    if (response.result_int() != 200) {
      return testing::AssertionFailure() << "status " << response.result_int();
    }
    return testing::AssertionSuccess();
  }

  // Sends raw bytes on a new connection and reads the proxy's answer, then expects a close.
  void expectRawRejected(std::string_view raw, unsigned status) {
    TestHttpClient client;
    ASSERT_TRUE(connectAndSendRaw(client, ports_.listen, raw));
    Response response;
    ASSERT_TRUE(client.read(response));
    EXPECT_EQ(response.result_int(), status);
    EXPECT_FALSE(response.keep_alive());
    EXPECT_TRUE(client.waitForClose());
    EXPECT_TRUE(stillServes());
  }

  double metric(std::string_view sample) {
    double value = -1;
    EXPECT_TRUE(scrapeMetric(ports_.admin, sample, value));
    return value;
  }

  ChildProcess echo_;
  ChildProcess proxy_;
  uint16_t echo_port_ = 0;
  ProxyPorts ports_;
};

// A request reaches the upstream and its response comes back with a generated X-Request-Id.
TEST_F(ProxyTest, ForwardsAndAddsRequestId) {
  start();
  Response response;
  ASSERT_TRUE(fetch(ports_.listen, makeGet("/hello", {{"X-Echo-Body-Size", "100"}}), response));
  EXPECT_EQ(response.result_int(), 200);
  EXPECT_EQ(response.body().size(), 100u);
  EXPECT_EQ(response["X-Request-Id"].size(), 16u);
}

// A client's own X-Request-Id is kept end to end.
TEST_F(ProxyTest, KeepsClientRequestId) {
  start();
  Response response;
  ASSERT_TRUE(fetch(ports_.listen, makeGet("/", {{"X-Request-Id", "client-7"}}), response));
  EXPECT_EQ(response["X-Request-Id"], "client-7");
}

// The upstream sees X-Forwarded-For and X-Request-Id but no hop-by-hop field.
TEST_F(ProxyTest, StripsHopByHopAndAddsForwardedFor) {
  start();
  auto request = makeGet("/headers", {{"Connection", "X-Secret-Hop"},
                                      {"X-Secret-Hop", "1"},
                                      {"Keep-Alive", "timeout=5"},
                                      {"Proxy-Authorization", "Basic abc"},
                                      {"TE", "trailers"},
                                      {"X-End-To-End", "yes"},
                                      {"X-Forwarded-For", "10.0.0.1"}});
  Response response;
  ASSERT_TRUE(fetch(ports_.listen, request, response));
  const auto& seen = response.body();
  EXPECT_NE(seen.find("X-End-To-End: yes"), std::string::npos) << seen;
  EXPECT_NE(seen.find("X-Forwarded-For: 10.0.0.1, 127.0.0.1"), std::string::npos) << seen;
  EXPECT_NE(seen.find("X-Request-Id: "), std::string::npos) << seen;
  for (const char* hop : {"X-Secret-Hop", "Keep-Alive", "Proxy-Authorization", "TE:"}) {
    EXPECT_EQ(seen.find(hop), std::string::npos) << hop << " leaked: " << seen;
  }
}

// Downstream keep-alive: many requests over one client connection.
TEST_F(ProxyTest, KeepsDownstreamAlive) {
  start();
  TestHttpClient client;
  ASSERT_TRUE(client.connect(ports_.listen));
  for (int i = 0; i < 10; ++i) {
    Response response;
    ASSERT_TRUE(client.roundTrip(makeGet("/"), response));
    EXPECT_EQ(response.result_int(), 200);
    EXPECT_TRUE(response.keep_alive());
  }
  EXPECT_EQ(metric("outrider_proxy_active_connections"), 1.0);
  EXPECT_EQ(metric(Requests2xx), 10.0);
}

// Sequential requests from different clients reuse one pooled upstream connection.
TEST_F(ProxyTest, ReusesUpstreamConnections) {
  start();
  std::string first;
  for (int i = 0; i < 5; ++i) {
    Response response;
    ASSERT_TRUE(fetch(ports_.listen, makeGet("/"), response));
    if (i == 0) {
      first = std::string(response["X-Echo-Connection"]);
    }
    EXPECT_EQ(response["X-Echo-Connection"], first);
  }
  EXPECT_EQ(metric("outrider_proxy_upstream_connections_opened_total"), 1.0);
}

// The keep-alive race: the upstream silently closes every connection after one response. A
// pooled connection whose close arrived while it was idle is discarded before use; one whose
// close is still in flight fails before the upstream acknowledged a byte and is retried. Either
// way every request succeeds, and each of the nine reuses is accounted for exactly once.
TEST_F(ProxyTest, StalePooledConnectionsNeverFailARequest) {
  start({}, {"--max-requests-per-connection", "1"});
  EXPECT_TRUE(getsInARowAnswer200(ports_.listen, 10));
  EXPECT_EQ(metric("outrider_proxy_upstream_pool_discarded_total") +
                metric("outrider_proxy_upstream_retries_total"),
            9.0);
  EXPECT_EQ(metric(R"(outrider_proxy_upstream_errors_total{kind="reset"})"), 0.0);
}

// The same holds for a POST: a connection the upstream closed before our request reached it
// cannot have processed anything, whatever the method.
TEST_F(ProxyTest, PostOnStalePooledConnectionGoesOutOnAFreshOne) {
  start({}, {"--max-requests-per-connection", "1"});
  Request post{http::verb::post, "/", 11};
  post.set(http::field::host, "127.0.0.1");
  post.body() = "payload";
  Response first;
  ASSERT_TRUE(fetch(ports_.listen, post, first));
  EXPECT_EQ(first.result_int(), 200);
  Response second;
  ASSERT_TRUE(fetch(ports_.listen, post, second));
  EXPECT_EQ(second.result_int(), 200);
  EXPECT_EQ(metric("outrider_proxy_upstream_pool_discarded_total") +
                metric("outrider_proxy_upstream_retries_total"),
            1.0);
}

// Nothing listening upstream: 502 and a connect error, and the proxy carries on.
TEST_F(ProxyTest, Returns502WhenUpstreamIsDown) {
  ASSERT_TRUE(startProxy(proxy_, closedPort(), ports_));
  Response response;
  ASSERT_TRUE(fetch(ports_.listen, makeGet("/"), response));
  EXPECT_EQ(response.result_int(), 502);
  EXPECT_EQ(metric(R"(outrider_proxy_upstream_errors_total{kind="connect"})"), 1.0);
  EXPECT_EQ(metric(R"(outrider_proxy_requests_total{code="5xx"})"), 1.0);
}

// An upstream slower than --request-timeout gets a 504; the next request is fine.
TEST_F(ProxyTest, Returns504OnSlowUpstream) {
  start({"--request-timeout", "300ms"});
  Response response;
  const auto before = std::chrono::steady_clock::now();
  ASSERT_TRUE(fetch(ports_.listen, makeGet("/", {{"X-Echo-Latency", "3s"}}), response));
  EXPECT_LT(std::chrono::steady_clock::now() - before, std::chrono::milliseconds(2000));
  EXPECT_EQ(response.result_int(), 504);
  EXPECT_EQ(metric(R"(outrider_proxy_upstream_errors_total{kind="timeout"})"), 1.0);
  EXPECT_TRUE(stillServes());
}

// Garbage instead of a request line: 400 and close.
TEST_F(ProxyTest, MalformedRequestGets400) {
  start();
  expectRawRejected("GET\x01 / HTTP/1.1\r\nHost: x\r\n\r\n", 400);
  EXPECT_EQ(metric(R"(outrider_proxy_downstream_errors_total{kind="bad_request"})"), 1.0);
}

// A header past --max-header-size: 431 and close.
TEST_F(ProxyTest, OversizedHeaderGets431) {
  start();
  const std::string raw =
      "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(20000, 'a') + "\r\n\r\n";
  expectRawRejected(raw, 431);
}

// Content-Length and Transfer-Encoding together is request smuggling (RFC 9112 §6.3): 400.
TEST_F(ProxyTest, ContentLengthWithTransferEncodingGets400) {
  start();
  expectRawRejected(
      "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
      "0\r\n\r\n",
      400);
  expectRawRejected(
      "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\nContent-Length: 5\r\n\r\nhello",
      400);
}

// A Content-Length that is not a number: 400.
TEST_F(ProxyTest, InvalidContentLengthGets400) {
  start();
  expectRawRejected("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5x\r\n\r\nhello", 400);
}

// A body past --max-body-size: 413.
TEST_F(ProxyTest, OversizedBodyGets413) {
  start({"--max-body-size", "1KiB"});
  expectRawRejected("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4096\r\n\r\n" +
                        std::string(4096, 'b'),
                    413);
}

// A chunked request body streams on as chunked: never buffered whole to compute a length.
TEST_F(ProxyTest, ForwardsChunkedRequestBody) {
  start();
  TestHttpClient client;
  ASSERT_TRUE(
      connectAndSendRaw(client, ports_.listen,
                        "POST /headers HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                        "5\r\nhello\r\n0\r\n\r\n"));
  Response response;
  ASSERT_TRUE(client.read(response));
  EXPECT_EQ(response.result_int(), 200);
  EXPECT_NE(response.body().find("Transfer-Encoding: chunked"), std::string::npos)
      << response.body();
  EXPECT_EQ(response.body().find("Content-Length"), std::string::npos) << response.body();
}

// A client that stops mid-header is answered 408 after --header-timeout and closed.
TEST_F(ProxyTest, StalledClientGets408) {
  start({"--header-timeout", "300ms"});
  TestHttpClient client;
  ASSERT_TRUE(connectAndSendRaw(client, ports_.listen, "GET / HTTP/1.1\r\nHost: x\r\n"));
  Response response;
  ASSERT_TRUE(client.read(response, Millis(3000)));
  EXPECT_EQ(response.result_int(), 408);
  EXPECT_TRUE(client.waitForClose());
  EXPECT_EQ(metric(R"(outrider_proxy_downstream_errors_total{kind="timeout"})"), 1.0);
  EXPECT_TRUE(stillServes());
}

// An idle keep-alive connection is closed after --idle-timeout, without a response.
TEST_F(ProxyTest, ClosesIdleConnections) {
  start({"--idle-timeout", "300ms"});
  TestHttpClient client;
  Response response;
  ASSERT_TRUE(connectAndGet(client, ports_.listen, response));
  EXPECT_TRUE(client.waitForClose(Millis(3000)));
  EXPECT_TRUE(waitForMetric(ports_.admin, "outrider_proxy_active_connections", 0.0));
}

// /live and /ready are 200 while serving; unknown admin paths are 404.
TEST_F(ProxyTest, AdminEndpoints) {
  start();
  for (const auto& [path, status] :
       std::vector<std::pair<std::string, unsigned>>{{"/live", 200}, {"/ready", 200},
                                                     {"/nope", 404}}) {
    Response response;
    ASSERT_TRUE(fetch(ports_.admin, makeGet(path), response));
    EXPECT_EQ(response.result_int(), status) << path;
  }
}

// /metrics exposes every family and the counters move with traffic.
TEST_F(ProxyTest, MetricsMove) {
  start();
  Response scrape;
  ASSERT_TRUE(fetch(ports_.admin, makeGet("/metrics"), scrape));
  for (const char* name :
       {"outrider_proxy_requests_total", "outrider_proxy_upstream_latency_seconds",
        "outrider_proxy_active_connections", "outrider_proxy_upstream_errors_total"}) {
    EXPECT_NE(scrape.body().find(name), std::string::npos) << name;
  }
  EXPECT_EQ(metric(Requests2xx), 0.0);
  for (int i = 0; i < 3; ++i) {
    Response response;
    ASSERT_TRUE(fetch(ports_.listen, makeGet("/"), response));
  }
  Response missing;
  ASSERT_TRUE(fetch(ports_.listen, makeGet("/", {{"X-Echo-Status", "404"}}), missing));
  EXPECT_EQ(metric(Requests2xx), 3.0);
  EXPECT_EQ(metric(R"(outrider_proxy_requests_total{code="4xx"})"), 1.0);
  EXPECT_EQ(metric("outrider_proxy_upstream_latency_seconds_count"), 4.0);
}

// SIGTERM: /ready turns 503, idle connections close, new connections are refused, the
// in-flight slow request still completes (with Connection: close) and the proxy exits 0.
TEST_F(ProxyTest, DrainsGracefullyOnSigterm) {
  start({"--drain-timeout", "10s"});
  TestHttpClient idle;
  Response warmup;
  ASSERT_TRUE(connectAndGet(idle, ports_.listen, warmup));

  TestHttpClient slow;
  ASSERT_TRUE(slow.connect(ports_.listen));
  ASSERT_TRUE(slow.send(makeGet("/", {{"X-Echo-Latency", "1s"}})));
  ASSERT_TRUE(waitForMetric(ports_.admin, "outrider_proxy_upstream_requests_active", 1.0));

  proxy_.signal(SIGTERM);
  EXPECT_TRUE(idle.waitForClose(Millis(2000)));
  Response ready;
  ASSERT_TRUE(fetch(ports_.admin, makeGet("/ready"), ready));
  EXPECT_EQ(ready.result_int(), 503);
  TestHttpClient late;
  EXPECT_FALSE(late.connect(ports_.listen, Millis(1000)));

  Response response;
  ASSERT_TRUE(slow.read(response, Millis(5000)));
  EXPECT_EQ(response.result_int(), 200);
  EXPECT_FALSE(response.keep_alive());
  int exit_code = -1;
  ASSERT_TRUE(proxy_.waitForExit(exit_code, Millis(5000)));
  EXPECT_EQ(exit_code, 0);
}

// With a connection that never finishes, the drain stops at --drain-timeout and exits 0.
TEST_F(ProxyTest, DrainStopsAtDrainTimeout) {
  start({"--drain-timeout", "500ms"});
  TestHttpClient slow;
  ASSERT_TRUE(slow.connect(ports_.listen));
  ASSERT_TRUE(slow.send(makeGet("/", {{"X-Echo-Latency", "30s"}})));
  ASSERT_TRUE(waitForMetric(ports_.admin, "outrider_proxy_upstream_requests_active", 1.0));
  proxy_.signal(SIGTERM);
  int exit_code = -1;
  ASSERT_TRUE(proxy_.waitForExit(exit_code, Millis(5000)));
  EXPECT_EQ(exit_code, 0);
}

}  // namespace
}  // namespace outrider::sidecar::test
