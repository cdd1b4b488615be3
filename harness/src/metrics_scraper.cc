#include "outrider/harness/metrics_scraper.h"

#include <openssl/ssl.h>

#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <fmt/format.h>

#include "outrider/common/timer.h"
#include "outrider/common/units.h"
#include "resolve_once.h"

namespace outrider::harness {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;
using scenarios::ProbeTarget;

constexpr auto UseTuple = asio::as_tuple(asio::use_awaitable);
constexpr uint32_t MaxHeaderBytes = 64 * 1024;

std::string hostHeader(const ProbeTarget& target) {
  const bool ipv6 = target.host.find(':') != std::string::npos;
  return (ipv6 ? "[" + target.host + "]" : target.host) + ":" + std::to_string(target.port);
}

bool isIpLiteral(const std::string& host) {
  boost::system::error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

class Exchange {
 public:
  Exchange(const ProbeTarget& target, const ScrapeOptions& options)
      : target_(target), options_(options) {}

  ScrapeResult failed(std::string what) const {
    ScrapeResult result;
    result.error = std::move(what);
    return result;
  }

  // "connect: Connection refused", "reply larger than 16777216 bytes".
  ScrapeResult failed(std::string_view step, const boost::system::error_code& ec) const {
    if (ec == http::error::body_limit) {
      return failed(fmt::format("reply larger than {} bytes", options_.max_bytes));
    }
    return failed(std::string(step) + ": " + ec.message());
  }

  // The caller co_awaits this directly, so the stream reference stays valid.
  template <class Stream>
  asio::awaitable<ScrapeResult> run(Stream& stream) {
    http::request<http::empty_body> request{http::verb::get, target_.path, 11};
    request.set(http::field::host, hostHeader(target_));
    request.set(http::field::user_agent, "outrider-scraper");
    // The text format Prometheus asks for when it does not negotiate OpenMetrics.
    request.set(http::field::accept, "text/plain;version=0.0.4;q=1,*/*;q=0.1");
    request.set(http::field::connection, "close");
    auto [write_ec, written] = co_await http::async_write(stream, request, UseTuple);
    if (write_ec) {
      co_return failed("send", write_ec);
    }
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.header_limit(MaxHeaderBytes);
    parser.body_limit(options_.max_bytes);
    auto [read_ec, read] = co_await http::async_read(stream, buffer, parser, UseTuple);
    if (read_ec) {
      co_return failed("reply", read_ec);
    }
    const auto& response = parser.get();
    if (response.result_int() < 200 || response.result_int() > 299) {
      co_return failed(fmt::format("HTTP {}", response.result_int()));
    }
    const auto encoding = response[http::field::content_encoding];
    if (!encoding.empty() && !beast::iequals(encoding, "identity")) {
      co_return failed(fmt::format("Content-Encoding {} is not supported", std::string(encoding)));
    }
    ScrapeResult result;
    result.bytes = response.body().size();
    auto exposition = metrics::parseExposition(response.body(), options_.limits);
    if (!exposition) {
      result.error = "not the Prometheus text format: " + exposition.error().message;
      co_return result;
    }
    result.exposition = std::move(*exposition);
    co_return result;
  }

 private:
  const ProbeTarget& target_;
  const ScrapeOptions& options_;
};

}  // namespace

// Completes when the timer expires; throws when cancelled, so that as a branch of `||` it wins
// only by expiring.
asio::awaitable<void> expiry(Timer& timer) {
  // Not inside the if: GCC 12 miscompiles a co_await in a condition (SIGILL on resumption).
  const bool expired = co_await timer.wait();
  if (!expired) {
    throw boost::system::system_error(asio::error::operation_aborted);
  }
}

Result<MetricsScraperPtr> MetricsScraper::create(const std::string& url, const Clock& clock,
                                                 ScrapeOptions options) {
  auto target = scenarios::parseProbe(url);
  if (!target) {
    return tl::unexpected(target.error());
  }
  if (target->kind == ProbeTarget::Kind::Tcp) {
    return makeError(ErrorCode::InvalidArgument,
                     "metrics " + url + ": expected an http:// or https:// URL");
  }
  auto endpoints = detail::resolveOnce(target->host, target->port, "metrics " + url);
  if (!endpoints) {
    return tl::unexpected(endpoints.error());
  }
  MetricsScraperPtr scraper(
      new MetricsScraper(url, *target, std::move(*endpoints), clock, options));
  if (target->kind == ProbeTarget::Kind::Https) {
    scraper->tls_ = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
    scraper->tls_->set_verify_mode(asio::ssl::verify_none);
  }
  return scraper;
}

MetricsScraper::MetricsScraper(std::string url, scenarios::ProbeTarget target,
                               std::vector<tcp::endpoint> endpoints, const Clock& clock,
                               ScrapeOptions options)
    : url_(std::move(url)),
      target_(std::move(target)),
      endpoints_(std::move(endpoints)),
      clock_(clock),
      options_(options) {}

MetricsScraper::~MetricsScraper() = default;

asio::awaitable<ScrapeResult> MetricsScraper::scrape() {
  using namespace asio::experimental::awaitable_operators;
  // One deadline for the whole exchange (connect, handshake, request and reply), on the injected
  // clock; the loser of the race is cancelled and its socket closes with its frame.
  auto timer = clock_.createTimer(co_await asio::this_coro::executor);
  timer->expiresAfter(options_.timeout);
  auto outcome = co_await (attempt() || expiry(*timer));
  if (outcome.index() == 0) {
    co_return std::get<0>(std::move(outcome));
  }
  ScrapeResult timed_out;
  timed_out.error = "timed out after " + formatDuration(options_.timeout);
  co_return timed_out;
}

asio::awaitable<ScrapeResult> MetricsScraper::attempt() {
  Exchange exchange(target_, options_);
  beast::tcp_stream stream(co_await asio::this_coro::executor);
  auto [connect_ec, endpoint] = co_await stream.async_connect(endpoints_, UseTuple);
  if (connect_ec) {
    co_return exchange.failed("connect", connect_ec);
  }
  if (target_.kind != ProbeTarget::Kind::Https) {
    co_return co_await exchange.run(stream);
  }
  beast::ssl_stream<beast::tcp_stream> tls(std::move(stream), *tls_);
  if (!isIpLiteral(target_.host)) {
    SSL_set_tlsext_host_name(tls.native_handle(), target_.host.c_str());
  }
  auto [handshake_ec] = co_await tls.async_handshake(asio::ssl::stream_base::client, UseTuple);
  if (handshake_ec) {
    co_return exchange.failed("TLS handshake", handshake_ec);
  }
  co_return co_await exchange.run(tls);
}

}  // namespace outrider::harness
