#include "downstream_session.h"

#include <algorithm>
#include <array>
#include <tuple>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include "outrider/sidecar/hop_by_hop.h"
#include "wire_head.h"

namespace outrider::sidecar {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::awaitable;
using asio::ip::tcp;

namespace {

constexpr auto UseNothrow = asio::as_tuple(asio::use_awaitable);
// Downstream read size: a whole typical request in one read.
constexpr std::size_t ReadChunk = 8 * 1024;
// Upstream responses are buffered whole (first version: no streaming), so they are capped.
constexpr std::uint64_t MaxUpstreamBodySize = 64ULL * 1024 * 1024;
constexpr std::uint32_t MaxUpstreamHeaderSize = 64 * 1024;
// Larger response bodies are not kept for reuse, so an idle connection stays small.
constexpr std::size_t MaxCachedBodyCapacity = 64 * 1024;
constexpr std::chrono::seconds LingerTimeout(1);
constexpr std::size_t MaxLingerBytes = 256 * 1024;
constexpr std::string_view Continue100 = "HTTP/1.1 100 Continue\r\n\r\n";

bool isIdempotent(http::verb method) {
  switch (method) {
    case http::verb::get:
    case http::verb::head:
    case http::verb::options:
    case http::verb::trace:
    case http::verb::put:
    case http::verb::delete_:
      return true;
    default:
      return false;
  }
}

bool bodyAllowed(unsigned status) { return status >= 200 && status != 204 && status != 304; }

// A message that failed to parse, as opposed to a socket error or the peer going away.
bool isParseError(const boost::system::error_code& ec) {
  return ec.category() == http::make_error_code(http::error::bad_method).category() &&
         ec != http::error::end_of_stream && ec != http::error::partial_message;
}

// RFC 9112 §6.3: a request with both Transfer-Encoding and Content-Length, or a
// Transfer-Encoding whose final coding is not chunked, has no trustworthy length (smuggling).
bool framingIsSafe(const http::request_parser<http::string_body>& parser) {
  const auto& header = parser.get();
  if (header.find(http::field::transfer_encoding) == header.end()) {
    return true;
  }
  if (header.find(http::field::content_length) != header.end()) {
    return false;
  }
  return parser.chunked() && header.version() >= 11;
}

std::string_view toView(beast::string_view text) { return {text.data(), text.size()}; }

}  // namespace

DownstreamSession::DownstreamSession(ProxyWorker& worker, tcp::socket socket)
    : worker_(worker),
      options_(worker.shared.options),
      socket_(std::move(socket)),
      buffer_(worker.shared.options.max_header_size + ReadChunk) {}

DownstreamSession::~DownstreamSession() {
  // Also covers a frame destroyed without finishing (loop shut down mid-request).
  worker_.tracker.remove(*this);
}

awaitable<void> DownstreamSession::run() {
  auto& shared = worker_.shared;
  worker_.tracker.add(*this);
  shared.metrics.activeConnections().Increment();
  boost::system::error_code ec;
  socket_.set_option(tcp::no_delay(true), ec);
  const auto remote = socket_.remote_endpoint(ec);
  if (!ec) {
    client_address_ = remote.address().to_string();
  }
  for (;;) {
    // Draining: finish what was received, but do not wait for another request.
    if (shared.isDraining() && buffer_.size() == 0) {
      break;
    }
    const bool keep_going = co_await serveOne();
    if (!keep_going) {
      break;
    }
  }
  socket_.close(ec);
  worker_.tracker.remove(*this);
  shared.metrics.activeConnections().Decrement();
  if (shared.active_connections.fetch_sub(1) == 1 && shared.isDraining()) {
    shared.on_drained();
  }
}

void DownstreamSession::enterPhase(Phase phase, std::chrono::nanoseconds timeout) {
  phase_ = phase;
  setDeadline(worker_.shared.clock.monotonicNow() + timeout);
}

void DownstreamSession::onDeadline() {
  timed_out_ = true;
  boost::system::error_code ignored;
  if ((phase_ == Phase::Connecting || phase_ == Phase::Upstream) && upstream_ != nullptr) {
    upstream_->socket.cancel(ignored);
  } else {
    socket_.cancel(ignored);
  }
}

void DownstreamSession::onDrain() {
  if (phase_ == Phase::Idle) {
    // An idle keep-alive connection: close it now rather than at the idle timeout.
    boost::system::error_code ignored;
    socket_.cancel(ignored);
  }
}

awaitable<bool> DownstreamSession::serveOne() {
  auto& shared = worker_.shared;
  RequestParser parser;
  parser.header_limit(static_cast<std::uint32_t>(options_.max_header_size));
  parser.body_limit(options_.max_body_size);
  const ReadOutcome outcome = co_await readRequest(parser);
  if (outcome == ReadOutcome::Closed) {
    co_return false;
  }
  if (outcome != ReadOutcome::Complete) {
    co_await reject(outcome);
    co_return false;
  }

  Request& request = parser.get();
  const unsigned version = request.version();
  const bool head = request.method() == http::verb::head;
  bool keep_alive = request.keep_alive();  // read before Connection is stripped
  stripHopByHopFields(request);
  if (parser.chunked()) {
    // The body was de-chunked into memory; the upstream gets a plain length.
    request.content_length(request.body().size());
  }
  RequestId generated;
  std::string_view request_id;
  if (auto it = request.find("X-Request-Id"); it != request.end() && !it->value().empty()) {
    request_id = toView(it->value());
  } else {
    generated = worker_.ids.next();
    request_id = generated.view();
    request.set("X-Request-Id", request_id);
  }
  if (auto it = request.find("X-Forwarded-For"); it == request.end()) {
    request.set("X-Forwarded-For", client_address_);
  } else {
    std::string chain(toView(it->value()));
    chain += ", ";
    chain += client_address_;
    request.set("X-Forwarded-For", chain);
  }
  request.version(11);  // HTTP/1.1 upstream, so the upstream connection stays reusable

  unsigned failure = 0;
  std::optional<ResponseParser> response_parser;
  if (shared.upstream_requests_active.fetch_add(1, std::memory_order_relaxed) >=
      options_.max_upstream_requests) {
    shared.metrics.upstreamOverflows().Increment();
    failure = 503;
  } else {
    shared.metrics.upstreamRequestsActive().Increment();
    failure = co_await forward(request, response_parser);
    shared.metrics.upstreamRequestsActive().Decrement();
  }
  shared.upstream_requests_active.fetch_sub(1, std::memory_order_relaxed);
  keep_alive = keep_alive && !shared.isDraining();
  if (failure != 0) {
    std::string_view text = "upstream connect error or reset\n";
    if (failure == 504) {
      text = "upstream timed out\n";
    } else if (failure == 503) {
      text = "upstream overflow\n";
    }
    co_return co_await sendLocalResponse(failure, text, keep_alive, version, request_id);
  }

  auto& response = response_parser->get();
  const bool upstream_length = response_parser->content_length().has_value();
  stripHopByHopFields(response);
  if (!head && bodyAllowed(response.result_int()) && !upstream_length) {
    // Chunked or read-until-close upstream framing becomes a plain length downstream.
    response.content_length(response.body().size());
  }
  if (response.find("X-Request-Id") == response.end()) {
    response.set("X-Request-Id", request_id);
  }
  response.version(version);
  response.keep_alive(keep_alive);
  enterPhase(Phase::Writing, options_.request_timeout);
  renderResponseHead(response, wire_head_);
  const std::array<asio::const_buffer, 2> wire{asio::buffer(wire_head_),
                                               asio::buffer(response.body())};
  auto [ec, written] = co_await asio::async_write(socket_, wire, UseNothrow);
  shared.metrics.countResponse(response.result_int());
  if (response.body().capacity() <= MaxCachedBodyCapacity) {
    body_cache_ = std::move(response.body());
  }
  if (ec) {
    co_return false;
  }
  if (!keep_alive) {
    co_await lingerClose();
    co_return false;
  }
  co_return true;
}

awaitable<DownstreamSession::ReadOutcome> DownstreamSession::readRequest(RequestParser& parser) {
  // Header first (eager off) so framing is vetted before any body byte is accepted.
  parser.eager(false);
  bool header_done = false;
  timed_out_ = false;
  if (buffer_.size() == 0) {
    enterPhase(Phase::Idle, options_.idle_timeout);
  } else {
    enterPhase(Phase::ReadingHeader, options_.header_timeout);
  }
  for (;;) {
    if (buffer_.size() > 0) {
      if (phase_ == Phase::Idle) {
        enterPhase(Phase::ReadingHeader, options_.header_timeout);
      }
      boost::system::error_code ec;
      const std::size_t used = parser.put(buffer_.data(), ec);
      buffer_.consume(used);
      if (ec && ec != http::error::need_more) {
        if (ec == http::error::header_limit) {
          co_return ReadOutcome::HeaderTooLarge;
        }
        if (ec == http::error::body_limit) {
          co_return ReadOutcome::BodyTooLarge;
        }
        co_return ReadOutcome::BadRequest;
      }
      if (!header_done && parser.is_header_done()) {
        header_done = true;
        if (!framingIsSafe(parser)) {
          co_return ReadOutcome::BadRequest;
        }
        auto& request = parser.get();
        if (auto it = request.find(http::field::expect);
            it != request.end() && beast::iequals(it->value(), "100-continue")) {
          request.erase(it);
          if (!parser.is_done() && request.version() >= 11 && buffer_.size() == 0) {
            auto [write_ec, n] =
                co_await asio::async_write(socket_, asio::buffer(Continue100), UseNothrow);
            if (write_ec) {
              co_return ReadOutcome::Closed;
            }
          }
        }
        if (parser.is_done()) {
          co_return ReadOutcome::Complete;
        }
        parser.eager(true);
        enterPhase(Phase::ReadingBody, options_.request_timeout);
        continue;
      }
      if (parser.is_done()) {
        co_return ReadOutcome::Complete;
      }
      if (used > 0 && buffer_.size() > 0) {
        continue;
      }
    }
    const std::size_t room = buffer_.max_size() - buffer_.size();
    if (room == 0) {
      // Unreachable while the buffer holds header_limit + ReadChunk; kept as a hard stop.
      co_return header_done ? ReadOutcome::BadRequest : ReadOutcome::HeaderTooLarge;
    }
    auto [ec, n] =
        co_await socket_.async_read_some(buffer_.prepare(std::min(room, ReadChunk)), UseNothrow);
    buffer_.commit(n);
    if (ec) {
      if (timed_out_ && phase_ != Phase::Idle) {
        co_return ReadOutcome::TimedOut;
      }
      // EOF, reset, idle timeout or drain: the client gets no response (none was asked for,
      // or it is gone).
      co_return ReadOutcome::Closed;
    }
  }
}

awaitable<unsigned> DownstreamSession::forward(const Request& request,
                                               std::optional<ResponseParser>& parser) {
  auto& shared = worker_.shared;
  const MonotonicTime start = shared.clock.monotonicNow();
  const MonotonicTime request_deadline = start + options_.request_timeout;
  const bool head = request.method() == http::verb::head;
  timed_out_ = false;
  for (int attempt = 0;; ++attempt) {
    UpstreamConnectionPtr connection = worker_.pool.acquire();
    const bool reused = connection != nullptr;
    if (!reused) {
      connection = std::make_unique<UpstreamConnection>(socket_.get_executor());
      upstream_ = connection.get();
      phase_ = Phase::Connecting;
      setDeadline(std::min(shared.clock.monotonicNow() + options_.upstream_connect_timeout,
                           request_deadline));
      auto [ec, endpoint] =
          co_await asio::async_connect(connection->socket, shared.upstream_endpoints, UseNothrow);
      if (ec) {
        upstream_ = nullptr;
        shared.metrics.countUpstreamError(UpstreamErrorKind::Connect);
        co_return timed_out_ ? 504 : 502;
      }
      boost::system::error_code ignored;
      connection->socket.set_option(tcp::no_delay(true), ignored);
      shared.metrics.upstreamConnectionsOpened().Increment();
    }
    upstream_ = connection.get();
    phase_ = Phase::Upstream;
    setDeadline(request_deadline);
    ResponseRead read;
    renderRequestHead(request, wire_head_);
    const std::array<asio::const_buffer, 2> wire{asio::buffer(wire_head_),
                                                 asio::buffer(request.body())};
    auto [write_ec, written] = co_await asio::async_write(connection->socket, wire, UseNothrow);
    read.ec = write_ec;
    if (!write_ec) {
      read = co_await readResponse(*connection, head, parser);
    }
    upstream_ = nullptr;
    if (!read.ec && !timed_out_) {
      shared.metrics.observeUpstreamLatency(
          std::chrono::duration<double>(shared.clock.monotonicNow() - start).count());
      if (parser->get().keep_alive() && connection->buffer.size() == 0) {
        worker_.pool.release(std::move(connection));
      }
      co_return 0;
    }
    boost::system::error_code ignored;
    connection->socket.close(ignored);
    if (timed_out_) {
      shared.metrics.countUpstreamError(UpstreamErrorKind::Timeout);
      co_return 504;
    }
    // The keep-alive race: the upstream closed an idle connection as we reused it. Nothing was
    // answered, so an idempotent request is safe to send once more on a fresh connection.
    if (reused && !read.got_bytes && attempt == 0 && isIdempotent(request.method())) {
      shared.metrics.upstreamRetries().Increment();
      continue;
    }
    shared.metrics.countUpstreamError(isParseError(read.ec) ? UpstreamErrorKind::BadResponse
                                                            : UpstreamErrorKind::Reset);
    co_return 502;
  }
}

awaitable<DownstreamSession::ResponseRead> DownstreamSession::readResponse(
    UpstreamConnection& connection, bool head, std::optional<ResponseParser>& parser) {
  ResponseRead read;
  // Interim 1xx responses (100, 102, 103) are dropped; the final response follows them.
  for (int interim = 0; interim < 8; ++interim) {
    if (parser) {
      body_cache_ = std::move(parser->get().body());
    }
    // The body string is recycled: a fresh 1 KiB+ allocation per response was the top malloc
    // cost (and triggered malloc_consolidate) under callgrind.
    body_cache_.clear();
    parser.emplace(std::piecewise_construct, std::make_tuple(std::move(body_cache_)));
    parser->header_limit(MaxUpstreamHeaderSize);
    parser->body_limit(MaxUpstreamBodySize);
    parser->skip(head);
    auto [ec, n] = co_await http::async_read(connection.socket, connection.buffer, *parser,
                                             UseNothrow);
    read.got_bytes = read.got_bytes || parser->got_some();
    read.ec = ec;
    if (ec) {
      co_return read;
    }
    const unsigned status = parser->get().result_int();
    if (status >= 200) {
      co_return read;
    }
    if (status == 101) {
      break;  // Upgrade is stripped, so a protocol switch is a bad response
    }
  }
  read.ec = http::error::bad_status;
  co_return read;
}

awaitable<void> DownstreamSession::reject(ReadOutcome outcome) {
  auto& metrics = worker_.shared.metrics;
  unsigned status = 400;
  std::string_view text = "bad request\n";
  switch (outcome) {
    case ReadOutcome::HeaderTooLarge:
      status = 431;
      text = "request header fields too large\n";
      metrics.countDownstreamError(DownstreamErrorKind::HeaderTooLarge);
      break;
    case ReadOutcome::BodyTooLarge:
      status = 413;
      text = "request body too large\n";
      metrics.countDownstreamError(DownstreamErrorKind::BodyTooLarge);
      break;
    case ReadOutcome::TimedOut:
      status = 408;
      text = "request timed out\n";
      metrics.countDownstreamError(DownstreamErrorKind::Timeout);
      break;
    default:
      metrics.countDownstreamError(DownstreamErrorKind::BadRequest);
      break;
  }
  rejected_ = true;
  co_await sendLocalResponse(status, text, false, 11, {});
}

awaitable<bool> DownstreamSession::sendLocalResponse(unsigned status, std::string_view body,
                                                     bool keep_alive, unsigned version,
                                                     std::string_view request_id) {
  http::response<http::string_body> response{static_cast<http::status>(status), version};
  response.set(http::field::content_type, "text/plain");
  if (!request_id.empty()) {
    response.set("X-Request-Id", request_id);
  }
  response.body() = body;
  response.content_length(body.size());
  response.keep_alive(keep_alive);
  timed_out_ = false;
  enterPhase(Phase::Writing, std::min(options_.request_timeout, options_.header_timeout));
  auto [ec, written] = co_await http::async_write(socket_, response, UseNothrow);
  worker_.shared.metrics.countResponse(status);
  if (ec) {
    co_return false;
  }
  if (!keep_alive) {
    co_await lingerClose();
    co_return false;
  }
  co_return true;
}

awaitable<void> DownstreamSession::lingerClose() {
  boost::system::error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_send, ignored);
  if (!rejected_ && buffer_.size() == 0 && socket_.available(ignored) == 0) {
    // A clean end (the client asked for close, or we drain): nothing unread can turn the close
    // into a reset, so do not hold the connection (and a drain) for the linger time.
    socket_.close(ignored);
    co_return;
  }
  enterPhase(Phase::Closing, LingerTimeout);
  buffer_.clear();
  for (std::size_t dropped = 0; dropped < MaxLingerBytes;) {
    // prepare() without commit() reuses the same bytes: what is read here is discarded.
    auto [ec, n] = co_await socket_.async_read_some(buffer_.prepare(ReadChunk), UseNothrow);
    if (ec) {
      break;
    }
    dropped += n;
  }
  socket_.close(ignored);
}

}  // namespace outrider::sidecar
