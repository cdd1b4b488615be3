// outrider-proxy against hostile clients and a hostile upstream that records what it saw. Each
// test shows, for one class of attack, that no client gets a response meant for another request
// and that no framing or routing field is removed, duplicated or injected on the way upstream.

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "recording_upstream.h"
#include "sidecar_processes.h"
#include "test_http_client.h"

namespace outrider::sidecar::test {
namespace {

class ProxyHostileTest : public testing::Test {
 protected:
  void start(std::vector<std::string> args = {}, Responder responder = echoIdentity()) {
    upstream_ = std::make_unique<RecordingUpstream>(std::move(responder));
    ASSERT_TRUE(startProxy(proxy_, upstream_->port(), ports_, std::move(args)));
  }

  // Sends raw bytes on a new connection; the proxy's one answer.
  Response answer(const std::string& raw) {
    TestHttpClient client;
    Response response;
    EXPECT_TRUE(client.connect(ports_.listen));
    EXPECT_TRUE(client.sendRaw(raw));
    EXPECT_TRUE(client.read(response));
    return response;
  }

  // A GET with X-Test-Id on a new connection; the body says whose response it is.
  std::string identityOf(const std::string& id) {
    const Response response = answer("GET /who HTTP/1.1\r\nHost: x\r\nX-Test-Id: " + id +
                                     "\r\n\r\n");
    return response.body();
  }

  double metric(std::string_view sample) {
    double value = -1;
    EXPECT_TRUE(scrapeMetric(ports_.admin, sample, value));
    return value;
  }

  std::unique_ptr<RecordingUpstream> upstream_;
  ChildProcess proxy_;
  ProxyPorts ports_;
};

// The classic smuggle: a client names Content-Length (and Host, X-Forwarded-For...) in
// Connection so that a proxy strips them and the upstream reads the body as a second request.
// The nominations are ignored: the upstream sees one request with its length and routing intact.
TEST_F(ProxyHostileTest, ConnectionCannotNominateFramingOrRoutingFields) {
  start();
  const std::string smuggled = "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n";
  const Response response = answer(
      "POST /in HTTP/1.1\r\nHost: x\r\nX-Test-Id: a\r\nX-Forwarded-For: 10.0.0.1\r\n"
      "X-Request-Id: client-id\r\nX-Hop: gone\r\n"
      "Connection: keep-alive, Content-Length, Host, X-Forwarded-For, X-Request-Id, X-Hop\r\n"
      "Content-Length: " +
      std::to_string(smuggled.size()) + "\r\n\r\n" + smuggled);
  EXPECT_EQ(response.result_int(), 200);
  EXPECT_EQ(response.body(), "id=a;conn=0");
  const auto seen = upstream_->requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].target, "/in");
  EXPECT_EQ(seen[0].count("Content-Length"), 1u);
  EXPECT_EQ(seen[0].value("Content-Length"), std::to_string(smuggled.size()));
  EXPECT_EQ(seen[0].body, smuggled);
  EXPECT_EQ(seen[0].value("Host"), "x");
  EXPECT_EQ(seen[0].value("X-Forwarded-For"), "10.0.0.1, 127.0.0.1");
  EXPECT_EQ(seen[0].value("X-Request-Id"), "client-id");
  EXPECT_EQ(seen[0].count("X-Hop"), 0u);  // an ordinary nominated field is still hop-by-hop
  EXPECT_EQ(seen[0].count("Connection"), 0u);
  EXPECT_EQ(upstream_->unparseable(), 0u);
}

// Exactly one Host on HTTP/1.1; HTTP/1.0 may omit it.
TEST_F(ProxyHostileTest, HostMustBeExactlyOne) {
  start();
  EXPECT_EQ(answer("GET / HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n").result_int(), 400);
  EXPECT_EQ(answer("GET / HTTP/1.1\r\nHost: x\r\nHost: x\r\n\r\n").result_int(), 400);
  EXPECT_EQ(answer("GET / HTTP/1.1\r\n\r\n").result_int(), 400);
  EXPECT_EQ(answer("GET / HTTP/1.1\r\nHost: a b\r\n\r\n").result_int(), 400);
  EXPECT_EQ(answer("GET / HTTP/1.1\r\nHost: user@x\r\n\r\n").result_int(), 400);
  EXPECT_EQ(upstream_->requests().size(), 0u);
  EXPECT_EQ(answer("GET / HTTP/1.0\r\nX-Test-Id: old\r\n\r\n").body(), "id=old;conn=0");
}

// An absolute-form target routes by its own authority, which must agree with Host; it goes
// upstream in origin-form.
TEST_F(ProxyHostileTest, AbsoluteFormMustAgreeWithHost) {
  start();
  EXPECT_EQ(answer("GET http://elsewhere/x HTTP/1.1\r\nHost: x\r\n\r\n").result_int(), 400);
  EXPECT_EQ(answer("GET http://x:81/x HTTP/1.1\r\nHost: x\r\n\r\n").result_int(), 400);
  EXPECT_EQ(answer("GET ftp://x/x HTTP/1.1\r\nHost: x\r\n\r\n").result_int(), 400);
  EXPECT_EQ(upstream_->requests().size(), 0u);
  EXPECT_EQ(answer("GET http://X:80/path?q=1 HTTP/1.1\r\nHost: x\r\n\r\n").result_int(), 200);
  const auto seen = upstream_->requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].target, "/path?q=1");
  EXPECT_EQ(seen[0].count("Host"), 1u);
}

// Equal Content-Length values collapse to one field; unequal ones are refused.
TEST_F(ProxyHostileTest, ContentLengthListsCollapseOrAreRefused) {
  start();
  EXPECT_EQ(answer("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 5\r\n\r\nhello").result_int(),
            200);
  EXPECT_EQ(answer("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n"
                   "hello")
                .result_int(),
            200);
  for (const auto& seen : upstream_->requests()) {
    EXPECT_EQ(seen.count("Content-Length"), 1u);
    EXPECT_EQ(seen.value("Content-Length"), "5");
    EXPECT_EQ(seen.body, "hello");
  }
  EXPECT_EQ(answer("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 6\r\n\r\nhello").result_int(),
            400);
  EXPECT_EQ(answer("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n"
                   "hello")
                .result_int(),
            400);
  EXPECT_EQ(upstream_->requests().size(), 2u);
}

// Only a single, final chunked coding is relayed: other codings are 501, faulty framing 400.
TEST_F(ProxyHostileTest, TransferCodingsOtherThanOneChunkedAreRefused) {
  start();
  const std::string body = "5\r\nhello\r\n0\r\n\r\n";
  EXPECT_EQ(answer("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n" + body)
                .result_int(),
            501);
  EXPECT_EQ(answer("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: identity\r\n\r\n")
                .result_int(),
            501);
  EXPECT_EQ(answer("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\nhello")
                .result_int(),
            501);
  EXPECT_EQ(answer("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, chunked\r\n\r\n" +
                   body)
                .result_int(),
            400);
  EXPECT_EQ(answer("POST / HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + body)
                .result_int(),
            400);
  EXPECT_EQ(upstream_->requests().size(), 0u);
  EXPECT_EQ(metric(R"(outrider_proxy_downstream_errors_total{kind="unsupported"})"), 3.0);
}

// Trailers never reach the forwarded head (where "Content-Length" or "Host" would reframe or
// reroute it); they are dropped and counted.
TEST_F(ProxyHostileTest, TrailersAreNeverMergedIntoTheHead) {
  start();
  const Response response = answer(
      "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\n0\r\nX-Injected: 1\r\nHost: evil\r\n\r\n");
  EXPECT_EQ(response.result_int(), 200);
  const auto seen = upstream_->requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].body, "hello");
  EXPECT_EQ(seen[0].count("X-Injected"), 0u);
  EXPECT_EQ(seen[0].value("Host"), "x");
  EXPECT_EQ(upstream_->raw(0).find("X-Injected"), std::string::npos);
  EXPECT_EQ(metric("outrider_proxy_dropped_trailers_total"), 2.0);
}

// Header count, request line and version limits: 431, 414, 505.
TEST_F(ProxyHostileTest, HeadLimits) {
  start({"--max-header-size", "4KiB"});
  std::string many = "GET / HTTP/1.1\r\nHost: x\r\n";
  for (int i = 0; i < 100; ++i) {
    many += "X-F" + std::to_string(i) + ": v\r\n";
  }
  EXPECT_EQ(answer(many + "\r\n").result_int(), 431);
  EXPECT_EQ(answer("GET /" + std::string(5000, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n").result_int(),
            414);
  EXPECT_EQ(answer("GET /" + std::string(3000, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n").result_int(),
            200);
  EXPECT_EQ(answer("GET / HTTP/2.0\r\nHost: x\r\n\r\n").result_int(), 505);
  EXPECT_EQ(answer("GET / HTTP/0.9\r\nHost: x\r\n\r\n").result_int(), 505);
  EXPECT_EQ(answer("CONNECT x:443 HTTP/1.1\r\nHost: x:443\r\n\r\n").result_int(), 501);
  EXPECT_EQ(answer("GET / HTTP/1.1\r\nHost: x\r\nExpect: magic\r\n\r\n").result_int(), 417);
  EXPECT_EQ(upstream_->requests().size(), 1u);
}

// A head that arrives in small pieces is measured whole: Beast applies its limit to what is
// still unparsed, so 60 fields of 100 bytes sent a field at a time must still be 431 at 4 KiB.
TEST_F(ProxyHostileTest, HeadSentInPiecesIsMeasuredWhole) {
  start({"--max-header-size", "4KiB"});
  TestHttpClient client;
  ASSERT_TRUE(connectAndSendRaw(client, ports_.listen, "GET / HTTP/1.1\r\nHost: x\r\n"));
  bool refused_early = false;
  for (int i = 0; i < 60 && !refused_early; ++i) {
    refused_early = !client.sendRaw("X-Pad" + std::to_string(i) + ": " + std::string(90, 'p') +
                                    "\r\n");
  }
  if (!refused_early) {
    client.sendRaw("\r\n");
  }
  Response response;
  ASSERT_TRUE(client.read(response));
  EXPECT_EQ(response.result_int(), 431);
  EXPECT_EQ(upstream_->requests().size(), 0u);
}

// Bare CR or LF inside a field, a space before the colon, or an obs-fold line cannot inject a
// field: each is refused, and the upstream sees nothing.
TEST_F(ProxyHostileTest, FieldInjectionIsRefused) {
  start();
  EXPECT_EQ(answer("GET / HTTP/1.1\r\nHost: x\r\nX-A: a\rX-Injected: 1\r\n\r\n").result_int(), 400);
  EXPECT_EQ(answer("GET / HTTP/1.1\r\nHost: x\r\nContent-Length : 5\r\n\r\nhello").result_int(),
            400);
  EXPECT_EQ(answer(std::string("GET / HTTP/1.1\r\nHost: x\r\nX-A: a") + '\0' + "b\r\n\r\n")
                .result_int(),
            400);
  EXPECT_EQ(upstream_->requests().size(), 0u);
}

// Pipelined requests each get their own response, in order.
TEST_F(ProxyHostileTest, PipelinedRequestsKeepTheirOwnResponses) {
  start();
  TestHttpClient client;
  ASSERT_TRUE(connectAndSendRaw(
      client, ports_.listen,
      "POST / HTTP/1.1\r\nHost: x\r\nX-Test-Id: 1\r\nContent-Length: 3\r\n\r\nabc"
      "GET / HTTP/1.1\r\nHost: x\r\nX-Test-Id: 2\r\n\r\n"
      "POST / HTTP/1.1\r\nHost: x\r\nX-Test-Id: 3\r\nTransfer-Encoding: chunked\r\n\r\n"
      "2\r\nhi\r\n0\r\n\r\n"));
  for (const std::string id : {"1", "2", "3"}) {
    Response response;
    ASSERT_TRUE(client.read(response));
    EXPECT_EQ(response.body().substr(0, 4), "id=" + id);
  }
  EXPECT_EQ(upstream_->requests().size(), 3u);
}

// A response that two parsers could frame differently is a 502 and its connection is closed:
// the next request goes out on a new connection, never after the ambiguous bytes.
TEST_F(ProxyHostileTest, AmbiguousUpstreamFramingIs502AndNeverReused) {
  start({}, [](const RecordedRequest& request) {
    const std::string id = request.value("X-Test-Id");
    if (id == "cl-te") {
      return ScriptedReply{
          "HTTP/1.1 200 X\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n"
          "0\r\n\r\n"};
    }
    if (id == "two-cl") {
      return ScriptedReply{"HTTP/1.1 200 X\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc"};
    }
    if (id == "gzip") {
      return ScriptedReply{
          "HTTP/1.1 200 X\r\nTransfer-Encoding: gzip, chunked\r\n\r\n2\r\nab\r\n0\r\n\r\n"};
    }
    if (id == "te10") {
      return ScriptedReply{"HTTP/1.0 200 X\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"};
    }
    if (id == "switch") {
      return ScriptedReply{"HTTP/1.1 101 X\r\nUpgrade: h2c\r\nConnection: upgrade\r\n\r\n"};
    }
    return ScriptedReply{rawResponse(identity(request))};
  });
  std::size_t connection = 0;
  for (const std::string id : {"cl-te", "two-cl", "gzip", "te10", "switch"}) {
    const Response bad = answer("GET / HTTP/1.1\r\nHost: x\r\nX-Test-Id: " + id + "\r\n\r\n");
    EXPECT_EQ(bad.result_int(), 502) << id;
    ++connection;
    // The next request lands on a fresh upstream connection.
    EXPECT_EQ(identityOf("after-" + id), "id=after-" + id + ";conn=" + std::to_string(connection))
        << id;
  }
}

// An upstream that sends a second, unasked-for response behind the first: that response reaches
// nobody, and the next client gets its own response from a new connection.
TEST_F(ProxyHostileTest, ExtraResponseNeverReachesTheNextClient) {
  start({}, [](const RecordedRequest& request) {
    std::string bytes = rawResponse(identity(request));
    if (request.value("X-Test-Id") == "a") {
      bytes += rawResponse("smuggled");
    }
    return ScriptedReply{bytes};
  });
  EXPECT_EQ(identityOf("a"), "id=a;conn=0");
  for (const std::string id : {"b", "c", "d"}) {
    const std::string body = identityOf(id);
    EXPECT_EQ(body.substr(0, 4), "id=" + id) << body;
    EXPECT_EQ(body.find("smuggled"), std::string::npos);
  }
  EXPECT_EQ(identityOf("e"), "id=e;conn=1");
}

// Bytes an upstream sends on an idle pooled connection (a late or unsolicited response) make
// that connection unusable: it is discarded, never read as somebody else's response.
TEST_F(ProxyHostileTest, BytesOnAnIdlePooledConnectionDiscardIt) {
  start();
  EXPECT_EQ(identityOf("a"), "id=a;conn=0");
  ASSERT_TRUE(upstream_->sendToIdle(rawResponse("smuggled"), Millis(2000)));
  EXPECT_EQ(identityOf("b"), "id=b;conn=1");
  EXPECT_EQ(metric("outrider_proxy_upstream_pool_discarded_total"), 1.0);
}

// An upstream that read a request on a reused connection and closed without answering may have
// acted on it: a 502, for GET as for POST, and the upstream saw each request exactly once.
TEST_F(ProxyHostileTest, RequestTheUpstreamMayHaveProcessedIsNeverRetried) {
  start({}, [](const RecordedRequest& request) {
    if (request.value("X-Test-Id").starts_with("close")) {
      return ScriptedReply{"", "", true};
    }
    return ScriptedReply{rawResponse(identity(request))};
  });
  TestHttpClient client;
  ASSERT_TRUE(client.connect(ports_.listen));
  for (const std::string method : {"GET", "POST"}) {
    Response warm;
    ASSERT_TRUE(client.sendRaw(method + " / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"));
    ASSERT_TRUE(client.read(warm));
    EXPECT_EQ(warm.result_int(), 200);
    Response failed;
    ASSERT_TRUE(client.sendRaw(method + " / HTTP/1.1\r\nHost: x\r\nX-Test-Id: close-" + method +
                               "\r\nContent-Length: 0\r\n\r\n"));
    ASSERT_TRUE(client.read(failed));
    EXPECT_EQ(failed.result_int(), 502) << method;
  }
  std::size_t closes = 0;
  for (const auto& seen : upstream_->requests()) {
    closes += seen.value("X-Test-Id").starts_with("close") ? 1 : 0;
  }
  EXPECT_EQ(closes, 2u);
  EXPECT_EQ(metric("outrider_proxy_upstream_retries_total"), 0.0);
}

}  // namespace
}  // namespace outrider::sidecar::test
