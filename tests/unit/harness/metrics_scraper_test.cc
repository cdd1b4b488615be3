// The scraper against a scriptable loopback server: each way a scrape fails is an error that
// says so, never an empty scrape.
#include "outrider/harness/metrics_scraper.h"

#include <chrono>
#include <future>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_future.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fake_http_server.h"
#include "outrider/common/clock.h"

namespace outrider::harness {
namespace {

using namespace std::chrono_literals;
using testing::HasSubstr;

constexpr std::string_view Body =
    "# TYPE outrider_proxy_requests_total counter\n"
    "outrider_proxy_requests_total{code=\"2xx\"} 1520\n"
    "outrider_proxy_requests_total{code=\"5xx\"} 37\n";

struct FakeReplyAction {
  test::FakeReply::Action value = test::FakeReply::Action::Reply;
};

test::FakeBehaviour replying(int status, std::string body, FakeReplyAction action = {}) {
  return [status, body = std::move(body), action](const test::FakeRequest&) {
    test::FakeReply reply;
    reply.status = status;
    reply.body = body;
    reply.action = action.value;
    return reply;
  };
}

// Real sockets on loopback: the timeout is a real wait.
ScrapeResult scrapeOnce(const std::string& url, ScrapeOptions options = {}) {
  static const RealClock clock;
  auto scraper = MetricsScraper::create(url, clock, options);
  EXPECT_TRUE(scraper) << scraper.error().message;
  if (!scraper) {
    return {};
  }
  asio::io_context ctx;
  auto result = asio::co_spawn(ctx, (*scraper)->scrape(), asio::use_future);
  ctx.run();
  return result.get();
}

std::string urlOf(const test::FakeHttpServer& server) {
  return "http://127.0.0.1:" + std::to_string(server.port()) + "/metrics";
}

// A 200 reply's body is parsed into its series.
TEST(MetricsScraperTest, ParsesTheReply) {
  test::FakeHttpServer server(replying(200, std::string(Body)));
  const auto result = scrapeOnce(urlOf(server));
  ASSERT_TRUE(result.exposition) << result.error;
  EXPECT_EQ(result.exposition->seriesCount(), 2u);
  EXPECT_EQ(result.bytes, Body.size());
  EXPECT_EQ(result.error, "");
}

// A non-2xx status is a failed scrape naming the status.
TEST(MetricsScraperTest, StatusIsAFailure) {
  test::FakeHttpServer server(replying(503, "down"));
  const auto result = scrapeOnce(urlOf(server));
  EXPECT_FALSE(result.exposition);
  EXPECT_EQ(result.error, "HTTP 503");
}

// A body that is not the text format is a failed scrape with the parser's located message.
TEST(MetricsScraperTest, SyntaxErrorIsAFailure) {
  test::FakeHttpServer server(replying(200, "ok 1\nbroken{ 2\n"));
  const auto result = scrapeOnce(urlOf(server));
  EXPECT_FALSE(result.exposition);
  EXPECT_EQ(result.error,
            "not the Prometheus text format: line 2, column 9: expected a label name or '}', "
            "got '2'");
}

// Nothing listening: the connect error.
TEST(MetricsScraperTest, RefusedConnection) {
  asio::io_context ctx;
  asio::ip::tcp::acceptor probe(ctx, {asio::ip::make_address("127.0.0.1"), 0});
  const auto port = probe.local_endpoint().port();
  probe.close();
  const auto result = scrapeOnce("http://127.0.0.1:" + std::to_string(port) + "/metrics");
  EXPECT_FALSE(result.exposition);
  EXPECT_THAT(result.error, HasSubstr("connect: Connection refused"));
}

// An endpoint that never answers fails at the timeout.
TEST(MetricsScraperTest, HangTimesOut) {
  test::FakeHttpServer server(replying(200, "", FakeReplyAction{test::FakeReply::Action::Hang}));
  ScrapeOptions options;
  options.timeout = 150ms;
  const auto result = scrapeOnce(urlOf(server), options);
  EXPECT_FALSE(result.exposition);
  EXPECT_EQ(result.error, "timed out after 150ms");
}

// A reply past the size bound is refused, not read whole.
TEST(MetricsScraperTest, OversizedReplyIsRefused) {
  test::FakeHttpServer server(replying(200, std::string(Body)));
  ScrapeOptions options;
  options.max_bytes = 16;
  const auto result = scrapeOnce(urlOf(server), options);
  EXPECT_FALSE(result.exposition);
  EXPECT_EQ(result.error, "reply larger than 16 bytes");
}

// A reset mid-exchange is a failed read.
TEST(MetricsScraperTest, ResetIsAFailure) {
  test::FakeHttpServer server(replying(200, "", FakeReplyAction{test::FakeReply::Action::Reset}));
  const auto result = scrapeOnce(urlOf(server));
  EXPECT_FALSE(result.exposition);
  EXPECT_THAT(result.error, HasSubstr("reply: "));
}

// Only http(s) URLs can be scraped.
TEST(MetricsScraperTest, RefusesOtherUrls) {
  const RealClock clock;
  EXPECT_FALSE(MetricsScraper::create("tcp://127.0.0.1:9", clock));
  EXPECT_FALSE(MetricsScraper::create("ftp://127.0.0.1:9/metrics", clock));
}

}  // namespace
}  // namespace outrider::harness
