#include "outrider/harness/probe.h"

#include <openssl/ssl.h>

#include <cctype>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "outrider/common/timer.h"
#include "outrider/common/units.h"
#include "resolve_once.h"

namespace outrider::harness {
namespace {

using asio::ip::tcp;
using scenarios::ProbeTarget;

constexpr size_t MaxStatusLine = 4096;

std::string hostHeader(const ProbeTarget& target) {
  const bool ipv6 = target.host.find(':') != std::string::npos;
  return (ipv6 ? "[" + target.host + "]" : target.host) + ":" + std::to_string(target.port);
}

std::string buildRequest(const ProbeTarget& target) {
  return "GET " + target.path + " HTTP/1.1\r\nHost: " + hostHeader(target) +
         "\r\nUser-Agent: outrider-probe\r\nAccept: */*\r\nConnection: close\r\n\r\n";
}

// "HTTP/1.1 204 No Content" -> 204; -1 when it is not a status line.
int parseStatus(std::string_view line) {
  if (line.substr(0, 5) != "HTTP/") {
    return -1;
  }
  const size_t space = line.find(' ');
  if (space == std::string_view::npos || line.size() < space + 4) {
    return -1;
  }
  int status = 0;
  for (size_t i = space + 1; i < space + 4; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(line[i]))) {
      return -1;
    }
    status = status * 10 + (line[i] - '0');
  }
  return status;
}

// Sends the GET and reads the status line. The caller co_awaits this directly, so the stream
// reference stays valid.
template <class Stream>
asio::awaitable<ProbeResult> httpExchange(Stream& stream, std::string request) {
  auto [write_ec, written] = co_await asio::async_write(stream, asio::buffer(request),
                                                        asio::as_tuple(asio::use_awaitable));
  if (write_ec) {
    co_return ProbeResult{false, "send: " + write_ec.message()};
  }
  std::string response;
  auto [read_ec, line_end] =
      co_await asio::async_read_until(stream, asio::dynamic_buffer(response, MaxStatusLine), "\r\n",
                                      asio::as_tuple(asio::use_awaitable));
  if (read_ec) {
    co_return ProbeResult{false, "no HTTP status line: " + read_ec.message()};
  }
  const int status = parseStatus(std::string_view(response).substr(0, line_end));
  if (status < 0) {
    co_return ProbeResult{false, "not an HTTP response"};
  }
  co_return ProbeResult{status >= 200 && status < 300, "HTTP " + std::to_string(status)};
}

bool isIpLiteral(const std::string& host) {
  boost::system::error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

}  // namespace

Result<ProbePtr> Probe::create(const std::string& url, std::chrono::nanoseconds timeout,
                               const Clock& clock) {
  auto target = scenarios::parseProbe(url);
  if (!target) {
    return tl::unexpected(target.error());
  }
  // Resolved once, here: probes run every 100 ms and the resolver's thread cannot be cancelled.
  auto resolved = detail::resolveOnce(target->host, target->port, "probe " + url);
  if (!resolved) {
    return tl::unexpected(resolved.error());
  }
  std::vector<tcp::endpoint> endpoints = std::move(*resolved);
  ProbePtr probe(new Probe(url, *target, std::move(endpoints), timeout, clock));
  if (target->kind == ProbeTarget::Kind::Https) {
    probe->tls_ = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
    probe->tls_->set_verify_mode(asio::ssl::verify_none);
  }
  return probe;
}

Probe::Probe(std::string url, scenarios::ProbeTarget target, std::vector<tcp::endpoint> endpoints,
             std::chrono::nanoseconds timeout, const Clock& clock)
    : url_(std::move(url)),
      target_(std::move(target)),
      endpoints_(std::move(endpoints)),
      timeout_(timeout),
      clock_(clock) {}

Probe::~Probe() = default;

namespace {

// Completes when the timer expires; throws when cancelled, so that as a branch of `||` it wins
// only by expiring.
asio::awaitable<void> expiry(Timer& timer) {
  const bool expired = co_await timer.wait();
  if (!expired) {
    throw boost::system::system_error(asio::error::operation_aborted);
  }
}

}  // namespace

asio::awaitable<ProbeResult> Probe::check() {
  using namespace asio::experimental::awaitable_operators;
  auto timer = clock_.createTimer(co_await asio::this_coro::executor);
  timer->expiresAfter(timeout_);
  // Whichever finishes first wins; the other is cancelled (the socket closes with its frame).
  auto outcome = co_await (attempt() || expiry(*timer));
  if (outcome.index() == 0) {
    co_return std::get<0>(std::move(outcome));
  }
  co_return ProbeResult{false, "timed out after " + formatDuration(timeout_)};
}

asio::awaitable<ProbeResult> Probe::attempt() {
  auto executor = co_await asio::this_coro::executor;
  if (target_.kind == ProbeTarget::Kind::Https) {
    asio::ssl::stream<tcp::socket> stream(executor, *tls_);
    auto [connect_ec, endpoint] = co_await asio::async_connect(stream.lowest_layer(), endpoints_,
                                                               asio::as_tuple(asio::use_awaitable));
    if (connect_ec) {
      co_return ProbeResult{false, "connect: " + connect_ec.message()};
    }
    if (!isIpLiteral(target_.host)) {
      // SNI, so virtual-hosted TLS servers pick the right certificate.
      SSL_set_tlsext_host_name(stream.native_handle(), target_.host.c_str());
    }
    auto [handshake_ec] = co_await stream.async_handshake(asio::ssl::stream_base::client,
                                                          asio::as_tuple(asio::use_awaitable));
    if (handshake_ec) {
      co_return ProbeResult{false, "TLS handshake: " + handshake_ec.message()};
    }
    co_return co_await httpExchange(stream, buildRequest(target_));
  }

  tcp::socket socket(executor);
  auto [connect_ec, endpoint] =
      co_await asio::async_connect(socket, endpoints_, asio::as_tuple(asio::use_awaitable));
  if (connect_ec) {
    co_return ProbeResult{false, "connect: " + connect_ec.message()};
  }
  if (target_.kind == ProbeTarget::Kind::Tcp) {
    co_return ProbeResult{true, "connected"};
  }
  co_return co_await httpExchange(socket, buildRequest(target_));
}

}  // namespace outrider::harness
