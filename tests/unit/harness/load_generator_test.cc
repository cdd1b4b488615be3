#include "outrider/harness/load_generator.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_future.hpp>
#include <chrono>
#include <functional>
#include <future>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "fake_http_server.h"
#include "load_run.h"
#include "outrider/common/path_template.h"

namespace outrider::harness {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using std::chrono::nanoseconds;
using test::FakeHttpServer;
using test::FakeReply;
using test::FakeRequest;

constexpr int64_t Ms = 1'000'000;

LoadConfig configFor(uint16_t port, double rate, nanoseconds duration, uint32_t connections,
                     nanoseconds timeout = 1s) {
  LoadConfig config;
  config.port = port;
  config.rate = rate;
  config.duration = duration;
  config.connections = connections;
  config.timeout = timeout;
  return config;
}

// A whole run on this thread, on the real clock (the sockets are real).
LoadResult runToEnd(LoadConfig config) {
  const RealClock clock;
  return runLoadToEnd(clock, std::move(config));
}

// The journal's invariants, with the counts in the message when they break.
testing::AssertionResult balanced(const LoadCounts& c) {
  if (c.balanced()) {
    return testing::AssertionSuccess();
  }
  return testing::AssertionFailure()
         << "scheduled " << c.scheduled << " sent " << c.sent << " not_sent " << c.not_sent
         << " completed " << c.completed << " failed " << c.failed << " timed_out " << c.timed_out;
}

LoadCounts seriesTotal(const LoadResult& result) {
  LoadCounts total;
  for (const auto& second : result.series) {
    total.add(second.counts);
  }
  return total;
}

TEST(LoadTargetTest, ParsesHostPortAndPath) {
  // http://host:port/path, with defaults for port 80 and path /.
  auto target = parseLoadTarget("http://127.0.0.1:40001/api/v1?x=1");
  ASSERT_TRUE(target.has_value());
  EXPECT_EQ(target->host, "127.0.0.1");
  EXPECT_EQ(target->port, 40001);
  EXPECT_EQ(target->path, "/api/v1?x=1");
  auto bare = parseLoadTarget("http://localhost");
  ASSERT_TRUE(bare.has_value());
  EXPECT_EQ(bare->host, "localhost");
  EXPECT_EQ(bare->port, 80);
  EXPECT_EQ(bare->path, "/");
  auto v6 = parseLoadTarget("http://[::1]:8080/");
  ASSERT_TRUE(v6.has_value());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 8080);
  EXPECT_FALSE(v6->tls);
}

TEST(LoadTargetTest, HttpsTargetsUseTlsAndPort443) {
  // https:// is TLS, on 443 unless a port is given.
  auto secure = parseLoadTarget("https://app.test/x");
  ASSERT_TRUE(secure.has_value());
  EXPECT_TRUE(secure->tls);
  EXPECT_EQ(secure->port, 443);
  EXPECT_EQ(secure->path, "/x");
  auto custom = parseLoadTarget("https://127.0.0.1:8443/");
  ASSERT_TRUE(custom.has_value());
  EXPECT_EQ(custom->port, 8443);
}

TEST(LoadTargetTest, RejectsOtherSchemesAndBadPorts) {
  // Only http and https, and a port in 1..65535.
  EXPECT_FALSE(parseLoadTarget("ftp://127.0.0.1:21/").has_value());
  EXPECT_FALSE(parseLoadTarget("127.0.0.1:80").has_value());
  EXPECT_FALSE(parseLoadTarget("http://127.0.0.1:0/").has_value());
  EXPECT_FALSE(parseLoadTarget("http://127.0.0.1:99999/").has_value());
  EXPECT_FALSE(parseLoadTarget("http://127.0.0.1:/").has_value());
  EXPECT_FALSE(parseLoadTarget("http://:80/").has_value());
}

TEST(LoadGeneratorTest, CreateRejectsBadConfigs) {
  // Each broken field is an InvalidArgument before anything runs.
  asio::io_context io;
  RealClock clock;
  auto good = configFor(8080, 100, 1s, 2);
  ASSERT_TRUE(LoadGenerator::create(io, clock, good).has_value());
  std::vector<std::function<void(LoadConfig&)>> breakers = {
      [](LoadConfig& c) { c.port = 0; },
      [](LoadConfig& c) { c.rate = 0; },
      [](LoadConfig& c) { c.connections = 0; },
      [](LoadConfig& c) { c.timeout = 0s; },
      [](LoadConfig& c) { c.warmup = 2s; },
      [](LoadConfig& c) { c.method = "GE T"; },
      [](LoadConfig& c) { c.path = "/a b"; },
      [](LoadConfig& c) { c.path = "/i/${rand:0}"; },
      [](LoadConfig& c) { c.path = "/i/${nope}"; },
      [](LoadConfig& c) {
        c.headers = {{"X-Bad", "a\r\nb"}};
      },
      [](LoadConfig& c) {
        c.headers = {{"Content-Length", "3"}};
      },
  };
  for (size_t i = 0; i < breakers.size(); ++i) {
    LoadConfig config = good;
    breakers[i](config);
    auto generator = LoadGenerator::create(io, clock, config);
    ASSERT_FALSE(generator.has_value()) << "breaker " << i;
    EXPECT_EQ(generator.error().code, ErrorCode::InvalidArgument);
  }
}

TEST(LoadGeneratorTest, AllRequestsCompleteOnTimeAtAModestRate) {
  // 400 rps on 4 connections against an instant upstream: every request completes, on time.
  FakeHttpServer server;
  auto result = runToEnd(configFor(server.port(), 400, 1s, 4));
  const auto& c = result.counts;
  EXPECT_EQ(c.scheduled, 400u);
  EXPECT_EQ(c.sent, 400u);
  EXPECT_EQ(c.completed, 400u);
  EXPECT_EQ(c.status_2xx, 400u);
  EXPECT_EQ(c.failed + c.timed_out + c.not_sent, 0u);
  // No send more than 1 ms late on an idle host; a CPU shared with a parallel build can delay a
  // few wake-ups, hence 2% rather than 0 (the perf-labelled accuracy test is the strict one).
  EXPECT_LE(c.late, c.scheduled / 50)
      << "late_dispatch " << c.late_dispatch << " send delay p99 "
      << result.send_delay.valueAtPercentile(99) / 1e6 << " max " << result.send_delay.max() / 1e6
      << " ms; late by second " << result.series[0].counts.late;
  EXPECT_TRUE(balanced(c));
  EXPECT_EQ(server.requests(), 400u);
  EXPECT_EQ(result.latency.count(), 400u);
  EXPECT_EQ(result.service_time.count(), 400u);
  EXPECT_LT(result.latency_ms.p50_ms, 1.0);
  EXPECT_LE(result.connections_opened, 4u);
  EXPECT_FALSE(result.stopped_early);
  EXPECT_EQ(result.planned, 400u);
}

// [load] path with ${seq} and ${rand:N}: request i is sent with the template's path for i (one
// connection, so the server sees them in schedule order); the same seed sends the same paths
// again, and the rest of the request is unchanged.
TEST(LoadGeneratorTest, TemplatedPathsAreTheTemplatesForEachRequestsNumber) {
  std::mutex mutex;
  std::vector<std::string> targets;
  FakeHttpServer server([&](const FakeRequest& request) {
    std::lock_guard lock(mutex);
    targets.push_back(request.target);
    return FakeReply{};
  });
  auto config = configFor(server.port(), 200, 500ms, 1);
  config.path = "/items/${rand:1000}?n=${seq}";
  config.path_seed = 99;
  auto result = runToEnd(config);
  ASSERT_EQ(result.counts.completed, 100u);
  auto expected = PathTemplate::parse(config.path, config.path_seed);
  ASSERT_TRUE(expected);
  ASSERT_EQ(targets.size(), 100u);
  std::string path;
  std::set<std::string> distinct;
  for (uint64_t i = 0; i < targets.size(); ++i) {
    expected->expand(i, path);
    EXPECT_EQ(targets[i], path) << "request " << i;
    distinct.insert(targets[i].substr(0, targets[i].find('?')));
  }
  EXPECT_GT(distinct.size(), 90u);  // 100 draws of 1000
  const std::vector<std::string> first = targets;
  targets.clear();
  runToEnd(config);
  EXPECT_EQ(targets, first);
}

TEST(LoadGeneratorTest, SeriesBucketsAddUpToTheTotals) {
  // Per-second buckets by scheduled time sum to the run's counts and latency histogram.
  FakeHttpServer server;
  auto result = runToEnd(configFor(server.port(), 200, 2500ms, 2));
  ASSERT_EQ(result.series.size(), 3u);  // seconds 0, 1 and the half second 2
  EXPECT_EQ(result.series[0].counts.scheduled, 200u);
  EXPECT_EQ(result.series[1].counts.scheduled, 200u);
  EXPECT_EQ(result.series[2].counts.scheduled, 100u);
  const auto total = seriesTotal(result);
  EXPECT_EQ(total.scheduled, result.counts.scheduled);
  EXPECT_EQ(total.completed, result.counts.completed);
  EXPECT_EQ(total.errors(), result.counts.errors());
  uint64_t latencies = 0;
  for (const auto& second : result.series) {
    latencies += second.latency.count();
    EXPECT_EQ(second.latency.count(), second.counts.completed);
    EXPECT_LT(second.latency.memoryBytes(), 16'384u);  // compacted once the second closed
  }
  EXPECT_EQ(latencies, result.latency.count());
}

TEST(LoadGeneratorTest, WarmupRequestsAreSentButNotMeasured) {
  // 100 rps for 2 s with a 500 ms warmup: 50 warmup requests, 150 measured, none in the series.
  FakeHttpServer server;
  auto config = configFor(server.port(), 100, 2s, 2);
  config.warmup = 500ms;
  auto result = runToEnd(config);
  EXPECT_EQ(result.warmup_counts.scheduled, 50u);
  EXPECT_EQ(result.warmup_counts.completed, 50u);
  EXPECT_EQ(result.counts.scheduled, 150u);
  EXPECT_EQ(result.counts.completed, 150u);
  EXPECT_EQ(result.latency.count(), 150u);
  EXPECT_EQ(seriesTotal(result).scheduled, 150u);
  EXPECT_EQ(result.series[0].counts.scheduled, 50u);  // second 0 holds only 500..999 ms
  EXPECT_EQ(server.requests(), 200u);
}

TEST(LoadGeneratorTest, SlowUpstreamOnOneConnectionIsNotFlattering) {
  // 50 ms service time, one connection, 100 rps offered (it serves 20): requests queue, go late
  // or unsent, and the corrected latency shows the queueing while service time stays ~50 ms.
  FakeHttpServer server(FakeHttpServer::fixed(50ms));
  auto result = runToEnd(configFor(server.port(), 100, 2s, 1, 500ms));
  const auto& c = result.counts;
  EXPECT_EQ(c.scheduled, 200u);
  EXPECT_GT(c.late, 10u);
  EXPECT_GT(c.not_sent, 20u);
  // Requests taken from a queue ~timeout deep mostly miss their deadline (each timeout also
  // costs the connection): queue collapse, as a real client would see it.
  EXPECT_GT(c.timed_out, 10u);
  EXPECT_GE(c.completed, 5u);
  EXPECT_LE(c.completed, 40u);  // at most 2 s / 50 ms replies
  EXPECT_TRUE(balanced(c));
  EXPECT_GT(result.latency_ms.p99_ms, 300.0);  // far above the 50 ms service time
  EXPECT_GT(result.latency_ms.p50_ms, 200.0);
  EXPECT_GE(result.service_time_ms.p50_ms, 50.0);
  EXPECT_LT(result.service_time_ms.p50_ms, 65.0);
  EXPECT_LT(result.service_time_ms.p99_ms, 100.0);
  EXPECT_GT(result.send_delay.valueAtPercentile(50), 100 * Ms);
}

TEST(LoadGeneratorTest, HangingUpstreamTimesOutAndReconnects) {
  // A target that never answers: every sent request times out at scheduled + timeout, its
  // connection is closed and the next request opens a new one.
  FakeHttpServer server(FakeHttpServer::acting(FakeReply::Action::Hang));
  auto result = runToEnd(configFor(server.port(), 50, 1s, 2, 100ms));
  const auto& c = result.counts;
  EXPECT_EQ(c.scheduled, 50u);
  EXPECT_GT(c.timed_out, 10u);
  EXPECT_EQ(c.completed, 0u);
  EXPECT_EQ(c.failed, 0u);
  EXPECT_TRUE(balanced(c));
  EXPECT_GT(result.connections_opened, 5u);
  EXPECT_EQ(result.latency.count(), 0u);
  EXPECT_LT(result.elapsed, 1s + 300ms);  // the run ends at duration + timeout
  // The second's percentiles read the timeout (a lower bound), not 0, for requests never
  // answered; the run's summary keeps answered requests only.
  uint64_t in_seconds = 0;
  for (const auto& second : result.series) {
    in_seconds += second.latency.count();
    if (second.latency.count() > 0) {
      EXPECT_NEAR(static_cast<double>(second.latency.valueAtPercentile(50)) / Ms, 100.0, 1.0);
    }
  }
  EXPECT_EQ(in_seconds, c.timed_out);
}

TEST(LoadGeneratorTest, ReplyAfterTheDeadlineIsATimeout) {
  // Replies take 150 ms, the timeout is 100 ms: timed out, never completed.
  FakeHttpServer server(FakeHttpServer::fixed(150ms));
  auto result = runToEnd(configFor(server.port(), 20, 1s, 4, 100ms));
  EXPECT_EQ(result.counts.scheduled, 20u);
  EXPECT_EQ(result.counts.timed_out, 20u);
  EXPECT_EQ(result.counts.completed, 0u);
  EXPECT_TRUE(balanced(result.counts));
  // Each timed-out request is in its second's percentiles: at its latency when the reply came
  // late, else at the 100 ms timeout (the watchdog closed it), never below.
  uint64_t in_seconds = 0;
  for (const auto& second : result.series) {
    in_seconds += second.latency.count();
    if (second.latency.count() > 0) {
      EXPECT_GE(second.latency.valueAtPercentile(1), 99 * Ms);
    }
  }
  EXPECT_EQ(in_seconds, 20u);
}

TEST(LoadGeneratorTest, ResettingUpstreamCountsFailures) {
  // Every request is answered with a TCP reset: failed, with back-off between attempts.
  FakeHttpServer server(FakeHttpServer::acting(FakeReply::Action::Reset));
  auto result = runToEnd(configFor(server.port(), 100, 1s, 2, 200ms));
  const auto& c = result.counts;
  EXPECT_EQ(c.scheduled, 100u);
  EXPECT_GT(c.failed, 20u);
  EXPECT_EQ(c.completed, 0u);
  EXPECT_TRUE(balanced(c));
  EXPECT_EQ(c.errors(), 100u);
}

TEST(LoadGeneratorTest, RefusedConnectionsCountAsFailures) {
  // Nothing listens on the port: each attempt is a connect error, counted as failed.
  uint16_t port = 0;
  {
    asio::io_context io;
    asio::ip::tcp::acceptor probe(io, {asio::ip::make_address("127.0.0.1"), 0});
    port = probe.local_endpoint().port();
  }
  auto result = runToEnd(configFor(port, 100, 500ms, 2, 200ms));
  EXPECT_EQ(result.counts.scheduled, 50u);
  EXPECT_GT(result.counts.failed, 5u);
  EXPECT_EQ(result.counts.completed, 0u);
  EXPECT_GT(result.connect_errors, 5u);
  EXPECT_TRUE(balanced(result.counts));
  EXPECT_EQ(result.failures.size(), result.counts.errors());
}

TEST(LoadGeneratorTest, StatusClassesAreCountedAnd5xxAreErrors) {
  // Request n answers 200, 301, 404, 503 in turn: a quarter each; 5xx count as errors.
  FakeHttpServer server([](const FakeRequest& request) {
    static constexpr int Statuses[] = {200, 301, 404, 503};
    FakeReply reply;
    reply.status = Statuses[request.number % 4];
    return reply;
  });
  auto result = runToEnd(configFor(server.port(), 200, 1s, 1));
  const auto& c = result.counts;
  EXPECT_EQ(c.completed, 200u);
  EXPECT_EQ(c.status_2xx, 50u);
  EXPECT_EQ(c.status_3xx, 50u);
  EXPECT_EQ(c.status_4xx, 50u);
  EXPECT_EQ(c.status_5xx, 50u);
  EXPECT_EQ(c.errors(), 50u);
  EXPECT_EQ(seriesTotal(result).errors(), 50u);
  EXPECT_EQ(result.latency.count(), 200u);  // every completed reply has a latency
  // Each bad request is kept with its scheduled and send times (a pod restart's blip needs them).
  ASSERT_EQ(result.failures.size(), 50u);
  for (const auto& failure : result.failures) {
    ASSERT_TRUE(failure.sent.has_value());
    EXPECT_GE(*failure.sent, failure.scheduled);
    EXPECT_LT(failure.scheduled, 1s);
  }
  EXPECT_EQ(result.failures_not_kept, 0u);
}

// [load] expect: replies from the wrong service (or without the body) are unexpected, bad as
// errors, in no status group and not good for latency; a 5xx that is also unexpected is one error.
TEST(LoadGeneratorTest, UnexpectedRepliesAreErrorsForEverySli) {
  // Request n: 200 from app, 200 from other, 200 from app without the body, 503 from other.
  FakeHttpServer server([](const FakeRequest& request) {
    FakeReply reply;
    switch (request.number % 4) {
      case 0:
        reply.extra_headers = "x-served-by: app\r\n";
        reply.body = "hello from app";
        break;
      case 1:
        reply.extra_headers = "X-Served-By: other\r\n";
        reply.body = "hello from app";
        break;
      case 2:
        reply.extra_headers = "X-Served-By: app\r\n";
        reply.body = "hello";
        break;
      default:
        reply.status = 503;
        reply.extra_headers = "X-Served-By: other\r\n";
        break;
    }
    return reply;
  });
  auto config = configFor(server.port(), 200, 1s, 1);
  config.expect = ReplyExpectation{{}, {{"X-Served-By", "app"}}, "from app"};
  auto result = runToEnd(config);
  const auto& c = result.counts;
  EXPECT_EQ(c.completed, 200u);
  EXPECT_EQ(c.unexpected, 150u);
  EXPECT_EQ(c.unexpected_5xx, 50u);
  EXPECT_EQ(c.status_5xx, 50u);
  EXPECT_EQ(c.errors(), 150u);  // each reply once
  EXPECT_EQ(seriesTotal(result).unexpected, 150u);
  EXPECT_EQ(result.failures.size(), 150u);
  uint64_t ok_latency = 0;
  for (const auto& second : result.series) {
    ok_latency += second.ok_latency.count();
  }
  EXPECT_EQ(ok_latency, 50u);  // only the app's full replies can be good for a latency SLI
  // The same server without expect: only the 503s are bad.
  auto plain = runToEnd(configFor(server.port(), 200, 1s, 1));
  EXPECT_EQ(plain.counts.unexpected, 0u);
  EXPECT_EQ(plain.counts.errors(), 50u);
}

TEST(LoadGeneratorTest, ConnectionCloseRepliesReconnectWithoutErrors) {
  // A server that closes after each reply: a new connection per request, no failures.
  FakeHttpServer server([](const FakeRequest&) {
    FakeReply reply;
    reply.close_after = true;
    return reply;
  });
  auto result = runToEnd(configFor(server.port(), 100, 500ms, 2));
  EXPECT_EQ(result.counts.completed, 50u);
  EXPECT_EQ(result.counts.errors(), 0u);
  EXPECT_GE(result.connections_opened, 49u);
  EXPECT_EQ(server.connections(), result.connections_opened);
}

TEST(LoadGeneratorTest, IdleConnectionsClosedByTheServerAreReopenedNotFailed) {
  // The server drops keep-alive connections idle for 50 ms; at 5 rps on one connection every
  // reuse finds it closed, and the generator reconnects instead of failing the request.
  FakeHttpServer server({}, 50ms);
  auto result = runToEnd(configFor(server.port(), 5, 1s, 1));
  EXPECT_EQ(result.counts.completed, 5u);
  EXPECT_EQ(result.counts.failed, 0u);
  EXPECT_GE(result.connections_opened, 5u);
}

TEST(LoadGeneratorTest, RequestCarriesMethodPathHeadersAndBody) {
  // The pre-serialised request reaches the server as configured.
  std::string seen_target;
  FakeHttpServer server([&seen_target](const FakeRequest& request) {
    seen_target = request.target;
    return FakeReply{};
  });
  auto config = configFor(server.port(), 10, 300ms, 1);
  config.method = "POST";
  config.path = "/orders?id=7";
  config.headers = {{"X-Game-Day", "1"}};
  config.body = R"({"sku":1})";
  auto result = runToEnd(config);
  EXPECT_EQ(result.counts.completed, 3u);
  EXPECT_EQ(result.counts.status_2xx, 3u);
  EXPECT_EQ(seen_target, "/orders?id=7");  // read after the server thread is done with it
}

TEST(LoadGeneratorTest, StopEndsTheRunEarlyWithBalancedCounts) {
  // stop() from another thread ends a 30 s run at once; nothing is lost from the books.
  FakeHttpServer server(FakeHttpServer::fixed(20ms));
  asio::io_context io;
  RealClock clock;
  auto generator = LoadGenerator::create(io, clock, configFor(server.port(), 200, 30s, 2));
  ASSERT_TRUE(generator.has_value());
  auto done = asio::co_spawn(io, (*generator)->run(), asio::use_future);
  std::thread runner([&io] { io.run(); });
  // Bounded wait for the run to be under way before stopping it.
  for (int i = 0; i < 500 && (*generator)->snapshot().completed < 10; ++i) {
    done.wait_for(10ms);
  }
  (*generator)->stop();
  ASSERT_EQ(done.wait_for(5s), std::future_status::ready);
  runner.join();
  auto result = done.get();
  EXPECT_TRUE(result.stopped_early);
  EXPECT_GE(result.counts.completed, 10u);
  EXPECT_LT(result.counts.scheduled, 6000u);
  EXPECT_GT(result.counts.not_sent, 0u);  // the queue behind two 20 ms connections
  EXPECT_TRUE(balanced(result.counts));
  EXPECT_LT(result.elapsed, 10s);
}

TEST(LoadGeneratorTest, SnapshotTracksProgressFromAnotherThread) {
  // The progress view is readable while the io thread runs, and ends equal to the result.
  FakeHttpServer server;
  asio::io_context io;
  RealClock clock;
  auto generator = LoadGenerator::create(io, clock, configFor(server.port(), 500, 1500ms, 2));
  ASSERT_TRUE(generator.has_value());
  auto done = asio::co_spawn(io, (*generator)->run(), asio::use_future);
  std::thread runner([&io] { io.run(); });
  uint64_t last_sent = 0;
  double peak_rps = 0;
  bool seen_running = false;
  for (int i = 0; i < 1000 && done.wait_for(5ms) != std::future_status::ready; ++i) {
    const auto snap = (*generator)->snapshot();
    EXPECT_GE(snap.sent, last_sent);
    last_sent = snap.sent;
    peak_rps = std::max(peak_rps, snap.current_rps);
    seen_running = seen_running || snap.running;
  }
  runner.join();
  auto result = done.get();
  const auto snap = (*generator)->snapshot();
  EXPECT_TRUE(seen_running);
  EXPECT_FALSE(snap.running);
  EXPECT_EQ(snap.sent, result.counts.sent);
  EXPECT_EQ(snap.completed, result.counts.completed);
  EXPECT_EQ(snap.errors, 0u);
  EXPECT_NEAR(peak_rps, 500.0, 25.0);  // the last whole second's replies
  EXPECT_GE(snap.elapsed, 1500ms);
}

}  // namespace
}  // namespace outrider::harness
