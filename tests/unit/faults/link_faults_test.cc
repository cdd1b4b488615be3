// Each link fault observed on real loopback sockets through a LinkProxy, with its evidence.

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "evidence_counts.h"
#include "fake_http_server.h"
#include "link_test_helpers.h"

namespace outrider::faults::test {
namespace {

using namespace std::chrono_literals;
using scenarios::Direction;
using scenarios::FaultKind;
using scenarios::LinkProtocol;
using testing::HasSubstr;

double millis(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

std::string pattern(size_t size) {
  std::string out(size, '\0');
  for (size_t i = 0; i < size; ++i) {
    out[i] = static_cast<char>('a' + (i * 7 + i / 251) % 26);
  }
  return out;
}

// An http link in front of a FakeHttpServer made of `server_args`.
struct HttpLinkPath : LinkPath<outrider::test::FakeHttpServer> {
  template <class... ServerArgs>
  explicit HttpLinkPath(ServerArgs&&... server_args)
      : LinkPath(LinkProtocol::Http, std::forward<ServerArgs>(server_args)...) {}
};

// ---- latency --------------------------------------------------------------------------------

// Downstream latency delays every reply by ≥ latency; requests reach the target at once.
TEST(LinkLatencyTest, DelaysRepliesOnlyDownstream) {
  auto fault = linkFault(FaultKind::Latency);
  fault.spec.latency = 150ms;
  TcpLinkPath path;
  ASSERT_TRUE(path.applyAndConnect(fault));
  for (int i = 0; i < 3; ++i) {
    const std::string ping = "ping" + std::to_string(i);
    const auto start = Clock::now();
    ASSERT_FALSE(path.client.send(ping));
    auto reply = path.client.read(ping.size(), 2s);
    const double rtt = millisSince(start);
    ASSERT_EQ(reply.data, ping);
    EXPECT_GE(rtt, 150.0);
    EXPECT_LT(rtt, 500.0);
    EXPECT_LT(millis(path.target.arrivals().back() - start), 100.0) << "the request was delayed";
  }
  auto evidence = path.link->faultEvidence(fault.name);
  EXPECT_TRUE(evidence.active);
  EXPECT_TRUE(
      hasCounts(evidence, {.injections = 3u,
                           .opportunities = 3u,
                           .connections_affected = 1u,
                           .bytes_affected = 15u,
                           .evidence = "3 of 3 reply chunks delayed ≥150ms on 1 connection"}));

  // Removed: the next reply is immediate, the evidence stays readable.
  ASSERT_TRUE(path.link->removeFault(fault.name));
  const auto start = Clock::now();
  ASSERT_FALSE(path.client.send("fast"));
  EXPECT_EQ(path.client.read(4, 2s).data, "fast");
  EXPECT_LT(millisSince(start), 100.0);
  evidence = path.link->faultEvidence(fault.name);
  EXPECT_FALSE(evidence.active);
  EXPECT_EQ(evidence.injections, 3u);
}

// Upstream latency delays requests on their way to the target.
TEST(LinkLatencyTest, UpstreamDelaysRequests) {
  auto fault = linkFault(FaultKind::Latency);
  fault.spec.latency = 120ms;
  fault.spec.direction = Direction::Upstream;
  TcpLinkPath path;
  ASSERT_TRUE(path.applyAndConnect(fault));
  const auto start = Clock::now();
  ASSERT_FALSE(path.client.send("hello"));
  EXPECT_EQ(path.client.read(5, 2s).data, "hello");
  ASSERT_FALSE(path.target.arrivals().empty());
  EXPECT_GE(millis(path.target.arrivals().front() - start), 120.0);
  EXPECT_EQ(path.link->faultEvidence(fault.name).evidence,
            "1 of 1 request chunks delayed ≥120ms on 1 connection");
}

// With jitter, every byte still arrives once and in order.
TEST(LinkLatencyTest, JitterPreservesOrder) {
  auto fault = linkFault(FaultKind::Latency);
  fault.spec.latency = 40ms;
  fault.spec.jitter = 35ms;
  fault.spec.direction = Direction::Both;
  TcpLinkPath path;
  ASSERT_TRUE(path.applyAndConnect(fault));
  std::string sent;
  for (int i = 0; i < 200; ++i) {
    const std::string piece = fmt::format("<{}>", i);
    sent += piece;
    ASSERT_FALSE(path.client.send(piece));
  }
  auto reply = path.client.read(sent.size(), 5s);
  EXPECT_EQ(reply.data, sent);
  EXPECT_GE(path.link->faultEvidence(fault.name).injections, 2u);
}

// On a tcp link the probability is drawn per connection, keyed by its accept ordinal.
TEST(LinkLatencyTest, TcpProbabilityIsPerConnectionAndSeeded) {
  TcpUpstream upstream(TcpUpstream::Mode::Echo);
  LinkUnderTest link(upstream.port(), LinkProtocol::Tcp);
  auto fault = linkFault(FaultKind::Latency, "", /*run_seed=*/7);
  fault.spec.latency = 80ms;
  fault.spec.probability = 0.5;
  ASSERT_TRUE(link->applyFault(fault));
  uint64_t delayed = 0;
  for (uint64_t connection = 0; connection < 16; ++connection) {
    TestClient client;
    ASSERT_FALSE(client.connect(link.port()));
    const auto start = Clock::now();
    ASSERT_FALSE(client.send("x"));
    ASSERT_EQ(client.read(1, 2s).data, "x");
    const bool was_delayed = millisSince(start) >= 80.0;
    EXPECT_EQ(was_delayed, decide(fault, connection, 0)) << "connection " << connection;
    delayed += was_delayed ? 1 : 0;
  }
  EXPECT_GT(delayed, 0u);
  EXPECT_LT(delayed, 16u);
  EXPECT_EQ(link->faultEvidence(fault.name).connections_affected, delayed);
}

// On an http link latency is drawn per request: exactly the requests decide() picks are late.
TEST(LinkLatencyTest, HttpProbabilityIsPerRequest) {
  auto fault = linkFault(FaultKind::Latency, "", /*run_seed=*/11);
  fault.spec.latency = 100ms;
  fault.spec.probability = 0.5;
  HttpLinkPath path;
  ASSERT_TRUE(path.applyAndConnect(fault));
  uint64_t expected = 0;
  for (uint64_t request = 0; request < 16; ++request) {
    const auto start = Clock::now();
    ASSERT_FALSE(path.client.send(httpGet("/r" + std::to_string(request))));
    auto response = path.client.response(2s);
    ASSERT_TRUE(response.has_value());
    EXPECT_EQ(response->result_int(), 200);
    const bool late = millisSince(start) >= 100.0;
    EXPECT_EQ(late, decide(fault, 0, request)) << "request " << request;
    expected += decide(fault, 0, request) ? 1 : 0;
  }
  EXPECT_TRUE(hasCounts(path.link->faultEvidence(fault.name),
                        {.injections = expected,
                         .opportunities = 16u,
                         .requests_affected = expected,
                         .evidence = std::to_string(expected) + " of 16 replies delayed ≥100ms"}));
}

// ---- reset, blackhole, refuse ----------------------------------------------------------------

// reset: a TCP RST `after` the first reply byte; the client sees ECONNRESET.
TEST(LinkResetTest, ResetsAfterFirstByte) {
  auto fault = linkFault(FaultKind::Reset);
  fault.spec.after = 100ms;
  TcpLinkPath path;
  ASSERT_TRUE(path.applyAndConnect(fault));
  const auto start = Clock::now();
  ASSERT_FALSE(path.client.send("hello"));
  auto read = path.client.read(0, 2s);
  EXPECT_FALSE(read.timed_out);
  EXPECT_EQ(read.ec, asio::error::connection_reset) << read.ec.message();
  EXPECT_GE(millisSince(start), 100.0);
  EXPECT_TRUE(hasCounts(path.link->faultEvidence(fault.name),
                        {.injections = 1u,
                         .connections_affected = 1u,
                         .evidence = "1 connection reset (1 connections seen)"}));
}

// reset with after = 0 drops the first reply and resets at once.
TEST(LinkResetTest, ImmediateReset) {
  auto fault = linkFault(FaultKind::Reset);
  TcpLinkPath path;
  ASSERT_TRUE(path.applyAndConnect(fault));
  ASSERT_FALSE(path.client.send("hello"));
  auto read = path.client.read(0, 2s);
  EXPECT_EQ(read.ec, asio::error::connection_reset) << read.ec.message();
  EXPECT_EQ(read.data, "");
}

// blackhole: the reply never comes, the connection stays open; removing it closes the
// connection, which has lost bytes.
TEST(LinkBlackholeTest, HoldsThenClosesOnRemoval) {
  auto fault = linkFault(FaultKind::Blackhole);
  TcpLinkPath path;
  ASSERT_TRUE(path.applyAndConnect(fault));
  ASSERT_FALSE(path.client.send("hello"));
  auto read = path.client.read(5, 300ms);
  EXPECT_TRUE(read.timed_out);
  EXPECT_EQ(read.data, "");
  EXPECT_EQ(path.target.bytesReceived(), 5u) << "requests still reach the target";
  ASSERT_FALSE(path.client.send("more")) << "the connection is still open";
  read = path.client.read(1, 200ms);
  EXPECT_TRUE(read.timed_out) << read.ec.message();
  auto evidence = path.link->faultEvidence(fault.name);
  EXPECT_EQ(evidence.injections, 1u);
  EXPECT_GE(evidence.bytes_affected, 5u);
  EXPECT_THAT(evidence.evidence, HasSubstr("1 connection held"));

  ASSERT_TRUE(path.link->removeFault(fault.name));
  read = path.client.read(0, 2s);
  EXPECT_FALSE(read.timed_out);
  EXPECT_EQ(read.data, "");
  EXPECT_TRUE(read.ec == asio::error::eof || read.ec == asio::error::connection_reset);
}

// refuse: new connections are refused while existing ones carry on; removal listens again on
// the same port.
TEST(LinkRefuseTest, RefusesThenAcceptsAgain) {
  TcpUpstream upstream(TcpUpstream::Mode::Echo);
  LinkUnderTest link(upstream.port(), LinkProtocol::Tcp);
  TestClient existing;
  ASSERT_FALSE(existing.connect(link.port()));
  auto fault = linkFault(FaultKind::Refuse);
  ASSERT_TRUE(link->applyFault(fault));
  TestClient refused;
  EXPECT_EQ(refused.connect(link.port()), asio::error::connection_refused);
  ASSERT_FALSE(existing.send("still"));
  EXPECT_EQ(existing.read(5, 2s).data, "still");
  auto evidence = link->faultEvidence(fault.name);
  EXPECT_EQ(evidence.injections, 1u);
  EXPECT_TRUE(evidence.effective());

  ASSERT_TRUE(link->removeFault(fault.name));
  TestClient again;
  ASSERT_FALSE(again.connect(link.port()));
  ASSERT_FALSE(again.send("back"));
  EXPECT_EQ(again.read(4, 2s).data, "back");
}

// ---- misroute --------------------------------------------------------------------------------

// misroute: the connections decide() picks go to `to` (a source that says "wrong"), the others
// to the link's own destination (one that says "right"); after removal all go home again.
TEST(LinkMisrouteTest, SendsTheDrawnConnectionsElsewhereThenStops) {
  TcpUpstream right(TcpUpstream::Mode::Source, "right");
  TcpUpstream wrong(TcpUpstream::Mode::Source, "wrong");
  LinkUnderTest link(right.port(), LinkProtocol::Tcp);
  auto fault = linkFault(FaultKind::Misroute, "", /*run_seed=*/5);
  fault.spec.to = "127.0.0.1:" + std::to_string(wrong.port());
  fault.spec.probability = 0.5;
  ASSERT_TRUE(link->applyFault(fault));
  uint64_t sent_away = 0;
  constexpr uint64_t Connections = 20;
  for (uint64_t connection = 0; connection < Connections; ++connection) {
    TestClient client;
    ASSERT_FALSE(client.connect(link.port()));
    const std::string got = client.read(5, 2s).data;
    EXPECT_EQ(got, decide(fault, connection, 0) ? "wrong" : "right") << "connection " << connection;
    sent_away += got == "wrong" ? 1 : 0;
  }
  EXPECT_GT(sent_away, 0u);
  EXPECT_LT(sent_away, Connections);
  const auto evidence = link->faultEvidence(fault.name);
  EXPECT_EQ(evidence.injections, sent_away);
  EXPECT_EQ(evidence.opportunities, Connections);
  EXPECT_TRUE(evidence.effective());
  ASSERT_TRUE(link->removeFault(fault.name));
  for (int i = 0; i < 4; ++i) {
    TestClient client;
    ASSERT_FALSE(client.connect(link.port()));
    EXPECT_EQ(client.read(5, 2s).data, "right");
  }
}

// misroute on an http link: each request decide() picks by its link-wide number is answered by
// `to` (a server that says "wrong"), the others by the link's destination ("right"), in order on
// one keep-alive connection; the target never sees the diverted ones; after removal all go home.
TEST(LinkMisrouteTest, HttpLinksSendTheDrawnRequestsElsewhereInOrder) {
  outrider::test::FakeHttpServer right([](const outrider::test::FakeRequest&) {
    outrider::test::FakeReply reply;
    reply.body = "right";
    return reply;
  });
  outrider::test::FakeHttpServer wrong([](const outrider::test::FakeRequest& request) {
    outrider::test::FakeReply reply;
    reply.body = "wrong" + request.target;  // which request it answered
    // Every seventh reply closes its connection: the next diverted request needs a new one.
    reply.close_after = request.number % 7 == 6;
    return reply;
  });
  LinkUnderTest link(right.port(), LinkProtocol::Http);
  auto fault = linkFault(FaultKind::Misroute, "", /*run_seed=*/11);
  fault.spec.to = "127.0.0.1:" + std::to_string(wrong.port());
  fault.spec.probability = 0.5;
  ASSERT_TRUE(link->applyFault(fault));
  auto client = std::make_unique<TestClient>();
  ASSERT_FALSE(client->connect(link.port()));
  constexpr uint64_t Requests = 60;
  uint64_t sent_away = 0;
  uint64_t closed_by_wrong = 0;
  for (uint64_t request = 0; request < Requests; ++request) {
    const std::string path = "/r" + std::to_string(request);
    ASSERT_FALSE(client->send(httpGet(path)));
    auto response = client->response(2s);
    ASSERT_TRUE(response.has_value()) << "request " << request;
    const bool away = decide(fault, 0, request);
    EXPECT_EQ(response->body(), away ? "wrong" + path : "right") << "request " << request;
    sent_away += away ? 1 : 0;
    if (!response->keep_alive()) {
      // Relayed as it came: 'wrong' said Connection: close, so the link closes the client's
      // connection after it, and the next diverted request opens a new one to 'wrong'.
      EXPECT_TRUE(away) << "request " << request;
      ++closed_by_wrong;
      client = std::make_unique<TestClient>();
      ASSERT_FALSE(client->connect(link.port()));
    }
  }
  EXPECT_GT(closed_by_wrong, 0u);
  EXPECT_GT(sent_away, 15u);
  EXPECT_LT(sent_away, 45u);
  EXPECT_EQ(right.requests(), Requests - sent_away);
  EXPECT_EQ(wrong.requests(), sent_away);
  const auto evidence = link->faultEvidence(fault.name);
  EXPECT_EQ(evidence.injections, sent_away);
  EXPECT_EQ(evidence.opportunities, Requests);
  EXPECT_EQ(evidence.evidence,
            fmt::format("{} of {} requests sent to {}", sent_away, Requests, fault.spec.to));
  ASSERT_TRUE(link->removeFault(fault.name));
  for (int i = 0; i < 4; ++i) {
    ASSERT_FALSE(client->send(httpGet("/home")));
    auto response = client->response(2s);
    ASSERT_TRUE(response.has_value());
    EXPECT_EQ(response->body(), "right");
  }
}

// Pipelined requests, some diverted, come back in the order they were sent.
TEST(LinkMisrouteTest, HttpPipelinedRepliesKeepTheirOrder) {
  outrider::test::FakeHttpServer right([](const outrider::test::FakeRequest& request) {
    outrider::test::FakeReply reply;
    reply.body = "right" + request.target;
    return reply;
  });
  outrider::test::FakeHttpServer wrong([](const outrider::test::FakeRequest& request) {
    outrider::test::FakeReply reply;
    reply.body = "wrong" + request.target;
    reply.delay = 20ms;  // slower than home: an out-of-order reply would show
    return reply;
  });
  LinkUnderTest link(right.port(), LinkProtocol::Http);
  auto fault = linkFault(FaultKind::Misroute, "", /*run_seed=*/3);
  fault.spec.to = "127.0.0.1:" + std::to_string(wrong.port());
  fault.spec.probability = 0.5;
  ASSERT_TRUE(link->applyFault(fault));
  TestClient client;
  ASSERT_FALSE(client.connect(link.port()));
  constexpr uint64_t Requests = 12;
  std::string all;
  for (uint64_t request = 0; request < Requests; ++request) {
    all += httpGet("/p" + std::to_string(request));
  }
  ASSERT_FALSE(client.send(all));  // one write: the link reads them in one or few chunks
  for (uint64_t request = 0; request < Requests; ++request) {
    auto response = client.response(3s);
    ASSERT_TRUE(response.has_value()) << "request " << request;
    const std::string path = "/p" + std::to_string(request);
    EXPECT_EQ(response->body(), (decide(fault, 0, request) ? "wrong" : "right") + path);
  }
}

// A destination nobody listens on: the diverted requests get a 502 of the link's own, marked as
// the fault's, and the connection carries on.
TEST(LinkMisrouteTest, HttpUnreachableDestinationIsABadGateway) {
  outrider::test::FakeHttpServer right;
  LinkUnderTest link(right.port(), LinkProtocol::Http);
  auto fault = linkFault(FaultKind::Misroute);
  fault.spec.to = "127.0.0.1:1";  // nothing listens on port 1
  fault.spec.probability = 1.0;
  ASSERT_TRUE(link->applyFault(fault));
  TestClient client;
  ASSERT_FALSE(client.connect(link.port()));
  for (int i = 0; i < 3; ++i) {
    ASSERT_FALSE(client.send(httpGet("/x")));
    auto response = client.response(2s);
    ASSERT_TRUE(response.has_value());
    EXPECT_EQ(response->result_int(), 502);
    EXPECT_EQ((*response)["X-Outrider-Fault"], fault.name);
  }
  EXPECT_EQ(right.requests(), 0u);
}

// A destination that is not an IP address and port is refused when the fault is applied.
TEST(LinkMisrouteTest, RefusesADestinationThatIsNoAddress) {
  TcpUpstream right(TcpUpstream::Mode::Echo);
  LinkUnderTest link(right.port(), LinkProtocol::Tcp);
  auto fault = linkFault(FaultKind::Misroute);
  fault.spec.to = "elsewhere:80";
  auto applied = link->applyFault(fault);
  ASSERT_FALSE(applied);
  EXPECT_NE(applied.error().message.find("elsewhere:80"), std::string::npos)
      << applied.error().message;
}

// ---- bandwidth, limit-data, slicer, slow-close ---------------------------------------------

// bandwidth: N bytes at R bytes/s take about N/R.
TEST(LinkBandwidthTest, PacesToRate) {
  const std::string payload = pattern(64 * 1024);
  TcpUpstream upstream(TcpUpstream::Mode::Source, payload);
  LinkUnderTest link(upstream.port(), LinkProtocol::Tcp);
  auto fault = linkFault(FaultKind::Bandwidth);
  fault.spec.rate_bytes_per_s = 128 * 1024;  // 0.5 s for the payload
  ASSERT_TRUE(link->applyFault(fault));
  TestClient client;
  const auto start = Clock::now();
  ASSERT_FALSE(client.connect(link.port()));
  auto read = client.read(0, 5s);
  const double elapsed = millisSince(start);
  EXPECT_EQ(read.ec, asio::error::eof);
  EXPECT_EQ(read.data, payload);
  EXPECT_GE(elapsed, 450.0);
  EXPECT_LE(elapsed, 700.0);
  auto evidence = link->faultEvidence(fault.name);
  EXPECT_EQ(evidence.bytes_affected, payload.size());
  EXPECT_GE(evidence.injections, 1u);
  EXPECT_THAT(evidence.evidence, HasSubstr("(64KiB) paced to 128KiB/s"));
}

// limit-data: the connection closes after that many bytes in the direction.
TEST(LinkLimitDataTest, CutsAfterBytes) {
  const std::string payload = pattern(10000);
  auto fault = linkFault(FaultKind::LimitData);
  fault.spec.bytes = 1000;
  TcpLinkPath path(TcpUpstream::Mode::Source, payload);
  ASSERT_TRUE(path.applyAndConnect(fault));
  auto read = path.client.read(0, 2s);
  EXPECT_FALSE(read.timed_out);
  EXPECT_EQ(read.data, payload.substr(0, 1000));
  EXPECT_TRUE(read.ec == asio::error::eof || read.ec == asio::error::connection_reset);
  EXPECT_TRUE(hasCounts(path.link->faultEvidence(fault.name),
                        {.injections = 1u, .evidence = "1 of 1 connections cut after 1000B"}));
}

// slicer: data arrives in many small pieces, every byte intact and in order.
TEST(LinkSlicerTest, SlicesKeepEveryByte) {
  const std::string payload = pattern(20000);
  auto fault = linkFault(FaultKind::Slicer);
  fault.spec.average_size = 1000;
  fault.spec.size_variation = 500;
  fault.spec.delay = 2ms;
  TcpLinkPath path(TcpUpstream::Mode::Source, payload);
  ASSERT_TRUE(path.applyAndConnect(fault));
  auto read = path.client.read(0, 5s);
  EXPECT_EQ(read.ec, asio::error::eof);
  EXPECT_EQ(read.data, payload);
  // At least 14 slices of ≤ 1500 bytes went out 2ms apart; reads may merge a few.
  EXPECT_GE(read.pieces.size(), 7u);
  auto evidence = path.link->faultEvidence(fault.name);
  EXPECT_EQ(evidence.bytes_affected, payload.size());
  EXPECT_GE(evidence.injections, 1u);
}

// slow-close: the close reaches the client `delay` after the data.
TEST(LinkSlowCloseTest, DelaysTheClose) {
  auto fault = linkFault(FaultKind::SlowClose);
  fault.spec.delay = 300ms;
  TcpLinkPath path(TcpUpstream::Mode::Source, "bye");
  ASSERT_TRUE(path.applyAndConnect(fault));
  auto data = path.client.read(3, 2s);
  ASSERT_EQ(data.data, "bye");
  const auto after_data = Clock::now();
  auto end = path.client.read(0, 2s);
  EXPECT_EQ(end.ec, asio::error::eof);
  EXPECT_GE(millisSince(after_data), 250.0);
  EXPECT_TRUE(
      hasCounts(path.link->faultEvidence(fault.name),
                {.injections = 1u, .evidence = "1 close delayed 300ms (1 connections seen)"}));
}

// ---- http-abort ------------------------------------------------------------------------------

// p = 1: every request on a keep-alive connection gets the status; none reaches the target.
TEST(LinkHttpAbortTest, AbortsEveryRequestKeepingTheConnection) {
  auto fault = linkFault(FaultKind::HttpAbort);
  fault.spec.status = 503;
  HttpLinkPath path;
  ASSERT_TRUE(path.applyAndConnect(fault));
  for (int i = 0; i < 10; ++i) {
    ASSERT_FALSE(path.client.send(httpGet("/a")));
    auto response = path.client.response(2s);
    ASSERT_TRUE(response.has_value()) << "request " << i;
    EXPECT_EQ(response->result_int(), 503);
    EXPECT_EQ(response->body(), "");
    EXPECT_TRUE(response->keep_alive());
    EXPECT_EQ((*response)["X-Outrider-Fault"], fault.name);
  }
  EXPECT_EQ(path.target.requests(), 0u);
  EXPECT_TRUE(
      hasCounts(path.link->faultEvidence(fault.name), {.injections = 10u,
                                                       .opportunities = 10u,
                                                       .requests_affected = 10u,
                                                       .evidence = "503 on 10 of 10 requests"}));
  EXPECT_EQ(path.link->stats().local_replies, 10u);
}

// Runs `requests` sequential GETs on one keep-alive connection; returns how many got 503.
uint64_t abortedOf(const PlannedFault& fault, uint64_t requests, uint64_t* upstream_requests) {
  HttpLinkPath path;
  EXPECT_TRUE(path.applyAndConnect(fault));
  uint64_t aborted = 0;
  for (uint64_t request = 0; request < requests; ++request) {
    EXPECT_FALSE(path.client.send(httpGet("/p")));
    auto response = path.client.response(2s);
    if (!response) {
      ADD_FAILURE() << "no response to request " << request;
      break;
    }
    const bool is_abort = response->result_int() == 503;
    EXPECT_EQ(is_abort, decide(fault, 0, request)) << "request " << request;
    aborted += is_abort ? 1 : 0;
  }
  EXPECT_TRUE(hasCounts(path.link->faultEvidence(fault.name),
                        {.injections = aborted, .opportunities = requests}));
  *upstream_requests = path.target.requests();
  return aborted;
}

// p = 0.5: about half are aborted, exactly those decide() picks, the same count twice.
TEST(LinkHttpAbortTest, HalfTheRequestsSameSeedSameCount) {
  auto fault = linkFault(FaultKind::HttpAbort, "", /*run_seed=*/2024);
  fault.spec.probability = 0.5;
  uint64_t upstream_first = 0;
  uint64_t upstream_second = 0;
  const uint64_t first = abortedOf(fault, 200, &upstream_first);
  const uint64_t second = abortedOf(fault, 200, &upstream_second);
  EXPECT_EQ(first, second);
  EXPECT_GT(first, 60u);
  EXPECT_LT(first, 140u);
  EXPECT_EQ(upstream_first, 200 - first);
  EXPECT_EQ(upstream_second, 200 - second);
}

// Pipelined requests get their replies in request order, local and forwarded mixed.
TEST(LinkHttpAbortTest, PipelinedRepliesStayInOrder) {
  // A seed for which request 1 of connection 0 is aborted and requests 0 and 2 are not.
  PlannedFault fault;
  for (uint64_t seed = 0;; ++seed) {
    fault = linkFault(FaultKind::HttpAbort, "", seed);
    fault.spec.probability = 0.5;
    if (!decide(fault, 0, 0) && decide(fault, 0, 1) && !decide(fault, 0, 2)) {
      break;
    }
  }
  HttpLinkPath path(outrider::test::FakeHttpServer::fixed(20ms, 200));
  ASSERT_TRUE(path.applyAndConnect(fault));
  ASSERT_FALSE(path.client.send(httpGet("/0") + httpGet("/1") + httpGet("/2")));
  std::vector<unsigned> statuses;
  for (int i = 0; i < 3; ++i) {
    auto response = path.client.response(2s);
    ASSERT_TRUE(response.has_value());
    statuses.push_back(response->result_int());
  }
  EXPECT_THAT(statuses, testing::ElementsAre(200u, 503u, 200u));
  EXPECT_EQ(path.target.requests(), 2u);
}

// An aborted request that asked to close gets `Connection: close` and the connection closes.
TEST(LinkHttpAbortTest, HonoursConnectionClose) {
  auto fault = linkFault(FaultKind::HttpAbort);
  fault.spec.status = 429;
  HttpLinkPath path;
  ASSERT_TRUE(path.applyAndConnect(fault));
  ASSERT_FALSE(path.client.send(httpGet("/bye", /*close=*/true)));
  auto response = path.client.response(2s);
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->result_int(), 429);
  EXPECT_FALSE(response->keep_alive());
  auto end = path.client.read(0, 2s);
  EXPECT_EQ(end.ec, asio::error::eof);
}

// ---- control -----------------------------------------------------------------------------

// With no fault an http link passes requests and replies through untouched.
TEST(LinkControlTest, HttpPassThrough) {
  outrider::test::FakeHttpServer server;
  LinkUnderTest link(server.port(), LinkProtocol::Http);
  TestClient client;
  ASSERT_FALSE(client.connect(link.port()));
  for (int i = 0; i < 5; ++i) {
    ASSERT_FALSE(client.send(httpGet("/ok")));
    auto response = client.response(2s);
    ASSERT_TRUE(response.has_value());
    EXPECT_EQ(response->result_int(), 200);
    EXPECT_EQ(response->body(), "ok");
  }
  EXPECT_EQ(server.requests(), 5u);
  EXPECT_EQ(link->stats().framing_errors, 0u);
}

// A fault that was active and saw no traffic reports no injections: not effective.
TEST(LinkControlTest, UntouchedFaultIsNotEffective) {
  TcpUpstream upstream(TcpUpstream::Mode::Echo);
  LinkUnderTest link(upstream.port(), LinkProtocol::Tcp);
  auto fault = linkFault(FaultKind::Latency);
  fault.spec.latency = 150ms;
  ASSERT_TRUE(link->applyFault(fault));
  ASSERT_TRUE(link->removeFault(fault.name));
  auto evidence = link->faultEvidence(fault.name);
  EXPECT_TRUE(evidence.applied);
  EXPECT_EQ(evidence.injections, 0u);
  EXPECT_FALSE(evidence.effective());
  EXPECT_EQ(evidence.evidence, "0 of 0 reply chunks delayed ≥150ms on 0 connections");
  EXPECT_FALSE(link->faultEvidence("never").applied);
}

// Faults that cannot act on this link are refused with a reason.
TEST(LinkControlTest, RejectsFaultsThatDoNotApply) {
  TcpUpstream upstream(TcpUpstream::Mode::Echo);
  LinkUnderTest link(upstream.port(), LinkProtocol::Tcp);
  auto abort = link->applyFault(linkFault(FaultKind::HttpAbort));
  ASSERT_FALSE(abort.has_value());
  EXPECT_THAT(abort.error().message, HasSubstr("http-abort needs protocol = \"http\""));
  auto kill = linkFault(FaultKind::Kill);
  EXPECT_FALSE(link->applyFault(kill).has_value());
  auto elsewhere = linkFault(FaultKind::Latency);
  elsewhere.target = "db";
  EXPECT_FALSE(link->applyFault(elsewhere).has_value());
  EXPECT_TRUE(link->activeFaults().empty());
}

// Faults applied and removed from another thread while data flows never corrupt the stream.
TEST(LinkControlTest, ApplyAndRemoveUnderTraffic) {
  TcpUpstream upstream(TcpUpstream::Mode::Echo);
  LinkUnderTest link(upstream.port(), LinkProtocol::Tcp);
  auto latency = linkFault(FaultKind::Latency);
  latency.spec.latency = 1ms;
  latency.spec.jitter = 1ms;
  latency.spec.direction = Direction::Both;
  auto slicer = linkFault(FaultKind::Slicer);
  slicer.spec.average_size = 3;
  slicer.spec.size_variation = 2;
  auto bandwidth = linkFault(FaultKind::Bandwidth);
  bandwidth.spec.rate_bytes_per_s = 1024 * 1024;
  std::atomic<bool> done{false};
  std::atomic<int> progress{0};
  // One apply and one remove per message: as many changes as round trips, racing each one,
  // without flooding the link's loop with more updates than a run could ever make.
  std::thread toggler([&] {
    int seen = 0;
    for (int i = 0; !done; ++i) {
      while (!done && progress.load() == seen) {
        std::this_thread::yield();
      }
      seen = progress.load();
      const auto& fault = i % 3 == 0 ? latency : i % 3 == 1 ? slicer : bandwidth;
      EXPECT_TRUE(link->applyFault(fault));
      std::this_thread::yield();
      EXPECT_TRUE(link->removeFault(fault.name));
    }
  });
  // Joined on every path out of the test, a failed ASSERT included.
  struct JoinOnExit {
    std::atomic<bool>& done;
    std::thread& thread;
    ~JoinOnExit() {
      done = true;
      if (thread.joinable()) {
        thread.join();
      }
    }
  } join_on_exit{done, toggler};
  TestClient client;
  ASSERT_FALSE(client.connect(link.port()));
  for (int i = 0; i < 300; ++i) {
    const std::string message = fmt::format("[message {}]", i);
    ASSERT_FALSE(client.send(message));
    progress.fetch_add(1);
    auto reply = client.read(message.size(), 5s);
    ASSERT_EQ(reply.data, message) << reply.ec.message();
  }
  done = true;
  toggler.join();
  EXPECT_TRUE(link->activeFaults().empty());
}

// stop() removes every fault.
TEST(LinkControlTest, StopRemovesFaults) {
  TcpUpstream upstream(TcpUpstream::Mode::Echo);
  LinkUnderTest link(upstream.port(), LinkProtocol::Tcp);
  ASSERT_TRUE(link->applyFault(linkFault(FaultKind::Blackhole)));
  EXPECT_THAT(link->activeFaults(), testing::ElementsAre("blackhole-upstream"));
  link->stop();
  EXPECT_TRUE(link->activeFaults().empty());
  EXPECT_FALSE(link->faultEvidence("blackhole-upstream").active);
}

}  // namespace
}  // namespace outrider::faults::test
