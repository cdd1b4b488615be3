#include "downstream_session.h"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <optional>
#include <utility>

#include "forwarding.h"
#include "head_reader.h"
#include "outrider/common/asio.h"
#include "outrider/tls/handshake_failure.h"
#include "socket_probe.h"
#include "wire_head.h"

namespace outrider::sidecar {

namespace {

// A head read: a whole typical request in one read.
constexpr std::size_t HeadReadChunk = 8 * 1024;
// A body read: large enough for throughput, small enough that 1000 streams stay in a few MB each
// way; the buffer limit caps it further.
constexpr std::size_t BodyReadChunk = 64 * 1024;
constexpr std::size_t MaxUpstreamHeaderSize = 64 * 1024;
// A buffer grown past this by a large body is released when the exchange ends.
constexpr std::size_t KeptBufferCapacity = 64 * 1024;
constexpr std::chrono::seconds LingerTimeout(1);
constexpr std::size_t MaxLingerBytes = 256 * 1024;
constexpr std::string_view Continue100 = "HTTP/1.1 100 Continue\r\n\r\n";

DownstreamErrorKind errorKindFor(unsigned status) {
  switch (status) {
    case 408:
      return DownstreamErrorKind::Timeout;
    case 413:
      return DownstreamErrorKind::BodyTooLarge;
    case 414:
      return DownstreamErrorKind::UriTooLong;
    case 431:
      return DownstreamErrorKind::HeaderTooLarge;
    case 417:
    case 501:
    case 505:
      return DownstreamErrorKind::Unsupported;
    default:
      return DownstreamErrorKind::BadRequest;
  }
}

void releaseLargeBuffer(beast::flat_buffer& buffer) {
  if (buffer.size() == 0 && buffer.capacity() > KeptBufferCapacity) {
    buffer.shrink_to_fit();
  }
}

}  // namespace

DownstreamSession::DownstreamSession(ProxyWorker& worker, tcp::socket socket)
    : worker_(worker),
      options_(worker.shared.options),
      // The request line is part of the head, so the head's limit caps it too.
      limits_{
          worker.shared.options.max_header_size, worker.shared.options.max_headers,
          std::min(worker.shared.options.max_request_line, worker.shared.options.max_header_size)},
      upstream_limits_{MaxUpstreamHeaderSize, worker.shared.options.max_headers,
                       MaxUpstreamHeaderSize},
      stream_(std::move(socket)),
      buffer_(worker.shared.options.buffer_limit) {}

DownstreamSession::~DownstreamSession() {
  // Also covers a frame destroyed without finishing (loop shut down mid-request).
  worker_.tracker.remove(*this);
}

awaitable<void> DownstreamSession::run() {
  auto& shared = worker_.shared;
  worker_.tracker.add(*this);
  shared.metrics.activeConnections().Increment();
  boost::system::error_code ec;
  stream_.socket().set_option(tcp::no_delay(true), ec);
  const auto remote = stream_.socket().remote_endpoint(ec);
  if (!ec) {
    client_address_ = remote.address().to_string();
  }
  bool serving = true;
  if (shared.downstream_tls != nullptr) {
    serving = co_await acceptTls(shared.downstream_tls->current());
  }
  while (serving) {
    // Draining: finish what was received, but do not wait for another request.
    if (shared.isDraining() && buffer_.size() == 0) {
      break;
    }
    const bool keep_going = co_await serveOne();
    if (!keep_going) {
      break;
    }
    releaseLargeBuffer(buffer_);
  }
  stream_.close();
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
  // Whichever side the exchange waits on is cancelled; the waiting code reads timed_out_.
  timed_out_ = true;
  boost::system::error_code ignored;
  stream_.socket().cancel(ignored);
  if (upstream_ != nullptr) {
    upstream_->stream.socket().cancel(ignored);
  }
}

void DownstreamSession::onDrain() {
  if (phase_ == Phase::Idle) {
    // An idle keep-alive connection: close it now rather than at the idle timeout.
    boost::system::error_code ignored;
    stream_.socket().cancel(ignored);
  }
}

void DownstreamSession::closeUpstream(UpstreamConnectionPtr& connection) {
  if (connection) {
    connection->stream.close();
    connection.reset();
  }
  upstream_ = nullptr;
}

awaitable<bool> DownstreamSession::acceptTls(tls::ContextPtr context) {
  auto& metrics = worker_.shared.metrics;
  stream_.startTls(std::move(context));
  tls::setVerificationTime(stream_.ssl(), worker_.shared.clock.systemNow());
  timed_out_ = false;
  // A client that never sends its ClientHello is cut off like one that never sends a head.
  enterPhase(Phase::ReadingHeader, options_.header_timeout);
  auto [ec] = co_await stream_.async_handshake(asio::ssl::stream_base::server, UseNothrow);
  if (ec) {
    const auto failure = tls::classifyHandshakeFailure(ec, stream_.ssl(), timed_out_);
    metrics.countTlsHandshakeFailure(TlsSide::Downstream, failure.reason);
    co_return false;
  }
  metrics.countTlsHandshake(TlsSide::Downstream, SSL_session_reused(stream_.ssl()) == 1);
  co_return true;
}

awaitable<bool> DownstreamSession::startUpstreamTls(UpstreamConnection& connection) {
  auto& shared = worker_.shared;
  tls::ContextPtr context = shared.upstream_tls->current();
  connection.stream.startTls(context);
  SSL* ssl = connection.stream.ssl();
  if (!tls::setServerName(ssl, options_.upstream.host)) {
    // Fail closed: without the name set, any certificate from the CA would pass.
    shared.metrics.countTlsHandshakeFailure(TlsSide::Upstream, "hostname-mismatch");
    co_return false;
  }
  tls::setVerificationTime(ssl, shared.clock.systemNow());
  worker_.upstream_sessions.offer(ssl, context);
  auto [ec] =
      co_await connection.stream.async_handshake(asio::ssl::stream_base::client, UseNothrow);
  if (ec) {
    const auto failure = tls::classifyHandshakeFailure(ec, ssl, timed_out_);
    shared.metrics.countTlsHandshakeFailure(TlsSide::Upstream, failure.reason);
    co_return false;
  }
  shared.metrics.countTlsHandshake(TlsSide::Upstream, SSL_session_reused(ssl) == 1);
  co_return true;
}

void DownstreamSession::countFirstExchangeTlsError(UpstreamConnection& connection,
                                                   const boost::system::error_code& ec) {
  if (connection.stream.isTls() && connection.requests == 1 &&
      ec.category() == asio::error::get_ssl_category()) {
    const auto failure = tls::classifyHandshakeFailure(ec, connection.stream.ssl(), false);
    worker_.shared.metrics.countTlsHandshakeFailure(TlsSide::Upstream, failure.reason);
  }
}

awaitable<bool> DownstreamSession::serveOne() {
  auto& shared = worker_.shared;
  RequestHeadParser request_parser(limits_);
  if (!co_await readRequestHead(request_parser)) {
    co_return false;
  }
  const UpstreamRequest forwarded =
      prepareUpstreamRequest(request_parser, request_parser.head(), client_address_,
                             worker_.ids.next().view(), request_id_);
  const unsigned version = forwarded.client_version;
  const http::verb method = request_parser.head().method();
  bool keep_alive = forwarded.keep_alive;
  request_framing_ = forwarded.framing;

  if (forwarded.expects_continue && version >= 11 && !request_parser.is_done() && buffer_.size() == 0) {
    enterPhase(Phase::Writing, options_.request_timeout);
    auto [ec, n] = co_await asio::async_write(stream_, asio::buffer(Continue100), UseNothrow);
    if (ec) {
      co_return false;
    }
  }

  if (shared.upstream_requests_active.fetch_add(1, std::memory_order_relaxed) >=
      options_.max_upstream_requests) {
    shared.upstream_requests_active.fetch_sub(1, std::memory_order_relaxed);
    shared.metrics.upstreamOverflows().Increment();
    // The body was not read: the connection cannot carry another request.
    co_return co_await sendLocalResponse(503, "upstream overflow\n",
                                         keep_alive && request_parser.is_done(), version,
                                         request_id_);
  }
  const MonotonicTime start = shared.clock.monotonicNow();
  shared.metrics.upstreamRequestsActive().Increment();
  std::optional<ResponseHeadParser> response_parser;
  Exchange result = co_await exchange(request_parser, response_parser);
  shared.metrics.upstreamRequestsActive().Decrement();
  shared.upstream_requests_active.fetch_sub(1, std::memory_order_relaxed);
  if (request_parser.droppedTrailers() > 0) {
    shared.metrics.droppedTrailers().Increment(
        static_cast<double>(request_parser.droppedTrailers()));
  }
  keep_alive = keep_alive && !shared.isDraining() && !result.request_unfinished;
  if (!result.connection) {
    if (result.local_status == 0) {
      co_return false;  // the client went away mid-request
    }
    if (result.local_status < 500) {
      co_await reject(result.local_status, result.reason);
      co_return false;
    }
    std::string text(result.reason);
    text += '\n';
    co_return co_await sendLocalResponse(result.local_status, text, keep_alive, version,
                                         request_id_);
  }

  auto& connection = result.connection;
  const unsigned status = response_parser->head().result_int();
  const DownstreamResponse answer = prepareDownstreamResponse(
      *response_parser, response_parser->head(), method, version, keep_alive, request_id_);
  keep_alive = answer.keep_alive;
  renderResponseHead(response_parser->head(), wire_head_);

  phase_ = Phase::Writing;
  upstream_ = connection.get();
  response_parser->eager(true);
  bool held = false;
  std::size_t held_bytes = 0;
  const Relay relayed =
      co_await relay(*response_parser, connection->stream, connection->buffer, stream_, wire_head_,
                     answer.framing, 0, false, held, held_bytes, nullptr);
  upstream_ = nullptr;
  shared.metrics.countResponse(status);
  if (options_.metrics_path_label) {
    const auto target = request_parser.head().target();
    shared.metrics.countResponseByPath(std::string_view(target.data(), target.size()), status);
  }
  if (relayed != Relay::Done) {
    // Mid-body: the client can only learn of it by the connection closing early.
    if (relayed == Relay::ReadFailed || relayed == Relay::BadBody) {
      shared.metrics.countUpstreamError(timed_out_ ? UpstreamErrorKind::Timeout
                                                   : UpstreamErrorKind::Reset);
    }
    closeUpstream(connection);
    co_return false;
  }
  shared.metrics.observeUpstreamLatency(
      std::chrono::duration<double>(shared.clock.monotonicNow() - start).count());
  if (connection->stream.isTls() && connection->requests == 1) {
    // The upstream's session tickets came before its first response: resumable now.
    worker_.upstream_sessions.keep(connection->stream.ssl(), connection->stream.context());
  }
  const bool reusable = answer.upstream_reusable && connection->buffer.size() == 0;
  if (reusable && !shared.isDraining()) {
    releaseLargeBuffer(connection->buffer);
    worker_.pool.release(std::move(connection));
  } else {
    closeUpstream(connection);
  }
  if (!keep_alive) {
    co_await lingerClose();
    co_return false;
  }
  co_return true;
}

awaitable<bool> DownstreamSession::readRequestHead(RequestHeadParser& parser) {
  timed_out_ = false;
  rejected_ = false;
  if (buffer_.size() == 0) {
    enterPhase(Phase::Idle, options_.idle_timeout);
  }
  // Not inside the co_await expression: GCC 12 mishandles capturing lambdas there.
  const auto started = [this] { enterPhase(Phase::ReadingHeader, options_.header_timeout); };
  const HeadRead read = co_await sidecar::readRequestHead(
      stream_, buffer_, parser, options_.max_body_size, timed_out_, started);
  if (read.outcome == HeadRead::Outcome::Refused) {
    co_await reject(read.refusal.status, read.refusal.reason);
  }
  co_return read.outcome == HeadRead::Outcome::Complete;
}

awaitable<bool> DownstreamSession::connectUpstream(UpstreamConnection& connection,
                                                   MonotonicTime request_deadline) {
  auto& shared = worker_.shared;
  upstream_ = &connection;
  phase_ = Phase::Connecting;
  setDeadline(std::min(shared.clock.monotonicNow() + options_.upstream_connect_timeout,
                       request_deadline));
  auto [ec, endpoint] = co_await asio::async_connect(connection.stream.socket(),
                                                     shared.upstream_endpoints, UseNothrow);
  if (ec) {
    upstream_ = nullptr;
    shared.metrics.countUpstreamError(UpstreamErrorKind::Connect);
    co_return false;
  }
  boost::system::error_code ignored;
  connection.stream.socket().set_option(tcp::no_delay(true), ignored);
  // The connect deadline covers the TLS handshake too: both are "the upstream is reachable".
  if (shared.upstream_tls != nullptr) {
    const bool secured = co_await startUpstreamTls(connection);
    if (!secured) {
      upstream_ = nullptr;
      shared.metrics.countUpstreamError(UpstreamErrorKind::Connect);
      co_return false;
    }
  }
  shared.metrics.upstreamConnectionsOpened().Increment();
  co_return true;
}

awaitable<DownstreamSession::Exchange> DownstreamSession::exchange(
    RequestHeadParser& request, std::optional<ResponseHeadParser>& response) {
  auto& shared = worker_.shared;
  auto& metrics = shared.metrics;
  const bool head_request = request.head().method() == http::verb::head;
  Exchange result;
  bool held = false;
  std::size_t held_bytes = 0;
  // A held request's bytes stay in buffer_ until no retry can need them.
  const auto release_held = [&] {
    if (held) {
      buffer_.consume(held_bytes);
      held = false;
    }
  };
  timed_out_ = false;
  for (int attempt = 0;; ++attempt) {
    std::size_t discarded = 0;
    UpstreamConnectionPtr connection = worker_.pool.acquire(discarded);
    if (discarded > 0) {
      metrics.upstreamPoolDiscarded().Increment(static_cast<double>(discarded));
    }
    if (!connection) {
      connection =
          std::make_unique<UpstreamConnection>(stream_.get_executor(), options_.buffer_limit);
      const MonotonicTime deadline = shared.clock.monotonicNow() + options_.request_timeout;
      if (!co_await connectUpstream(*connection, deadline)) {
        release_held();
        result.local_status = timed_out_ ? 504 : 502;
        result.reason = timed_out_ ? "upstream connect timed out" : "upstream connect error";
        result.request_unfinished = !request.is_done();
        co_return result;
      }
    }
    const bool reused = connection->requests > 0;
    ++connection->requests;
    // What the upstream's TCP must not have acknowledged past for a retry to be safe. Plain:
    // every byte written before this request. TLS: TCP also carried the handshake, tickets' acks
    // and record overhead, so plaintext counts do not compare; a snapshot of the acknowledged
    // bytes taken now, before the request is written, does.
    std::uint64_t acked_baseline = connection->bytes_written;
    if (connection->stream.isTls() && reused) {
      const auto acked = bytesAckedByPeer(connection->stream.socket().native_handle());
      acked_baseline = acked.value_or(0);
    }
    upstream_ = connection.get();
    phase_ = Phase::Upstream;

    Relay sent = Relay::Done;
    if (attempt == 0) {
      renderRequestHead(request.head(), wire_head_);
      request.eager(true);
      sent = co_await relay(request, stream_, buffer_, connection->stream, wire_head_,
                            request_framing_, options_.max_body_size, true, held, held_bytes,
                            &connection->bytes_written);
    } else {
      // The held request, gathered exactly as it was first written.
      setDeadline(shared.clock.monotonicNow() + options_.request_timeout);
      auto [ec, n] = co_await asio::async_write(connection->stream, wire_, UseNothrow);
      connection->bytes_written += n;
      sent = ec ? Relay::WriteFailed : Relay::Done;
    }
    // Nothing of the request could have been processed: it was sent whole on a reused
    // connection and the upstream's TCP acknowledged none of its bytes (a closed socket answers
    // data with a reset, never an ACK), so it is safe to send again for any method.
    const auto nothing_processed = [&] {
      if (!reused || !held || attempt > 0 || timed_out_) {
        return false;
      }
      const auto acked = bytesAckedByPeer(connection->stream.socket().native_handle());
      return acked.has_value() && *acked <= acked_baseline;
    };

    if (sent == Relay::ReadFailed || sent == Relay::BadBody || sent == Relay::TooLarge) {
      // The client's side broke while its body streamed: the upstream got a truncated request.
      closeUpstream(connection);
      release_held();
      result.request_unfinished = true;
      if (sent == Relay::BadBody) {
        result.local_status = 400;
        result.reason = "malformed request body";
      } else if (sent == Relay::TooLarge) {
        result.local_status = 413;
        result.reason = "request body too large";
      } else if (timed_out_) {
        result.local_status = 408;
        result.reason = "request timed out";
      }
      co_return result;
    }
    if (sent == Relay::WriteFailed) {
      if (nothing_processed()) {
        closeUpstream(connection);
        metrics.upstreamRetries().Increment();
        continue;
      }
      if (timed_out_) {
        closeUpstream(connection);
        release_held();
        metrics.countUpstreamError(UpstreamErrorKind::Timeout);
        result.local_status = 504;
        result.reason = "upstream timed out";
        result.request_unfinished = !request.is_done();
        co_return result;
      }
      // The upstream may have answered early (a 413 before reading the whole body): read on.
      result.request_unfinished = !request.is_done();
    }

    setDeadline(shared.clock.monotonicNow() + options_.request_timeout);
    bool got_bytes = false;
    bool parse_error = false;
    boost::system::error_code read_error;
    const bool ok =
        co_await readResponseHead(connection->stream, connection->buffer, head_request,
                                  upstream_limits_, response, got_bytes, parse_error, &read_error);
    if (!ok) {
      // A write cannot receive the upstream's alert; the read after it (even a failed one) can.
      countFirstExchangeTlsError(*connection, read_error);
      if (!timed_out_ && !got_bytes && nothing_processed()) {
        closeUpstream(connection);
        metrics.upstreamRetries().Increment();
        continue;
      }
      closeUpstream(connection);
      release_held();
      if (timed_out_) {
        metrics.countUpstreamError(UpstreamErrorKind::Timeout);
        result.local_status = 504;
        result.reason = "upstream timed out";
      } else {
        metrics.countUpstreamError(parse_error ? UpstreamErrorKind::BadResponse
                                               : UpstreamErrorKind::Reset);
        result.local_status = 502;
        result.reason = parse_error ? "upstream sent a malformed response"
                                    : "upstream connect error or reset";
      }
      co_return result;
    }
    release_held();
    if (auto refusal = checkResponseHead(response->head())) {
      closeUpstream(connection);
      metrics.countUpstreamError(UpstreamErrorKind::BadResponse);
      result.local_status = 502;
      result.reason = refusal->reason;
      co_return result;
    }
    result.connection = std::move(connection);
    co_return result;
  }
}

template <class Parser>
awaitable<DownstreamSession::Relay> DownstreamSession::relay(
    Parser& parser, ConnectionStream& in, beast::flat_buffer& in_buffer, ConnectionStream& out,
    std::string_view head, Framing framing, std::uint64_t max_body, bool hold, bool& held,
    std::size_t& held_bytes, std::uint64_t* written) {
  const auto& clock = worker_.shared.clock;
  bool head_pending = !head.empty();
  bool first = true;
  held = false;
  for (;;) {
    parser.clearPieces();
    std::size_t used = 0;
    if (in_buffer.size() > 0 && !parser.is_done()) {
      beast::error_code ec;
      used = parser.put(in_buffer.data(), ec);
      if (ec && ec != http::error::need_more) {
        co_return Relay::BadBody;
      }
    }
    if (max_body > 0 && parser.bodyBytes() > max_body) {
      co_return Relay::TooLarge;
    }
    const bool finished = parser.is_done();
    wire_.clear();
    if (head_pending) {
      wire_.push_back(asio::buffer(head));
    }
    framer_.append(wire_, parser.pieces(), parser.pieceBytes(), framing, finished);
    if (hold && first && finished) {
      // Complete in this one write: keep its bytes so a retry can send the same gather again.
      held = true;
      held_bytes = used;
    }
    if (!wire_.empty()) {
      setDeadline(clock.monotonicNow() + options_.request_timeout);
      auto [ec, n] = co_await asio::async_write(out, wire_, UseNothrow);
      if (written != nullptr) {
        *written += n;
      }
      if (ec) {
        if (!held) {
          in_buffer.consume(used);
        }
        co_return Relay::WriteFailed;
      }
      head_pending = false;
    }
    first = false;
    if (finished) {
      if (!held) {
        in_buffer.consume(used);
      }
      co_return Relay::Done;
    }
    in_buffer.consume(used);
    if (used > 0 && in_buffer.size() > 0) {
      continue;  // the parser stopped between pieces; what is buffered goes first
    }
    // Back-pressure: nothing more is read until what was read has been written.
    const std::size_t room = in_buffer.max_size() - in_buffer.size();
    if (room == 0) {
      co_return Relay::BadBody;  // a chunk-size line longer than the whole buffer
    }
    setDeadline(clock.monotonicNow() + options_.request_timeout);
    auto [ec, n] =
        co_await in.async_read_some(in_buffer.prepare(std::min(room, BodyReadChunk)), UseNothrow);
    in_buffer.commit(n);
    if (ec) {
      if (ec == asio::error::eof && parser.got_some()) {
        // A body delimited by the connection's close ends here; any other is truncated.
        beast::error_code eof_ec;
        parser.put_eof(eof_ec);
        if (!eof_ec && parser.is_done()) {
          continue;
        }
      }
      co_return Relay::ReadFailed;
    }
  }
}

awaitable<void> DownstreamSession::reject(unsigned status, std::string_view reason) {
  worker_.shared.metrics.countDownstreamError(errorKindFor(status));
  rejected_ = true;
  std::string text(reason);
  text += '\n';
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
  auto [ec, written] = co_await http::async_write(stream_, response, UseNothrow);
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
  // TLS ends without close_notify: every response the proxy sends is framed, so the close is
  // not what tells the client it has everything, and waiting for the client's close_notify
  // would hold the connection.
  auto& socket = stream_.socket();
  boost::system::error_code ignored;
  socket.shutdown(tcp::socket::shutdown_send, ignored);
  if (!rejected_ && buffer_.size() == 0 && socket.available(ignored) == 0) {
    // A clean end (the client asked for close, or we drain): nothing unread can turn the close
    // into a reset, so do not hold the connection (and a drain) for the linger time.
    stream_.close();
    co_return;
  }
  enterPhase(Phase::Closing, LingerTimeout);
  buffer_.clear();
  for (std::size_t dropped = 0; dropped < MaxLingerBytes;) {
    // prepare() without commit() reuses the same bytes: what is read here is discarded (raw
    // from the socket: on TLS too, nothing of it is decrypted).
    auto [ec, n] = co_await socket.async_read_some(
        buffer_.prepare(std::min(buffer_.max_size(), HeadReadChunk)), UseNothrow);
    if (ec) {
      break;
    }
    dropped += n;
  }
  stream_.close();
}

}  // namespace outrider::sidecar
