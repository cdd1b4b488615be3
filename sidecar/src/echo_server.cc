#include "outrider/sidecar/echo_server.h"

#include <fmt/core.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <charconv>
#include <optional>
#include <string>

#include "event_loops.h"
#include "head_parser.h"
#include "head_reader.h"
#include "listener.h"
#include "message_rules.h"
#include "outrider/common/asio.h"
#include "outrider/common/units.h"
#include "outrider/sidecar/connection_stream.h"
#include "outrider/sidecar/connection_tracker.h"
#include "outrider/sidecar/credential_file.h"
#include "outrider/tls/stamped_context.h"

namespace outrider::sidecar {

namespace {

// Caps what a request may ask for, so one header cannot make the backend allocate gigabytes.
constexpr uint64_t MaxSteeredBodySize = 64ULL * 1024 * 1024;
constexpr uint64_t MaxRequestBodySize = 64ULL * 1024 * 1024;

using Request = http::request_header<>;
using Response = http::response<http::string_body>;

// The response one request asks for: the defaults, overridden by X-Echo-* headers.
struct Steering {
  unsigned status;
  std::chrono::nanoseconds latency;
  uint64_t body_size;
};

// Applies X-Echo-Status / -Latency / -Body-Size; returns an error text for a bad value.
std::optional<std::string> applySteering(const Request& request, Steering& steering) {
  if (auto it = request.find("X-Echo-Status"); it != request.end()) {
    const auto value = it->value();
    unsigned status = 0;
    const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), status);
    if (ec != std::errc() || ptr != value.data() + value.size() || status < 200 || status > 599) {
      return "X-Echo-Status must be an integer 200-599";
    }
    steering.status = status;
  }
  if (auto it = request.find("X-Echo-Latency"); it != request.end()) {
    const auto latency = parseDuration(std::string_view(it->value().data(), it->value().size()));
    if (!latency) {
      return "X-Echo-Latency must be a duration like 5ms";
    }
    steering.latency = *latency;
  }
  if (auto it = request.find("X-Echo-Body-Size"); it != request.end()) {
    const auto size = parseSize(std::string_view(it->value().data(), it->value().size()));
    if (!size || *size > MaxSteeredBodySize) {
      return "X-Echo-Body-Size must be a size up to 64MiB like 1KiB";
    }
    steering.body_size = *size;
  }
  return std::nullopt;
}

std::string headerDump(const Request& request) {
  std::string dump;
  for (const auto& field : request) {
    dump.append(field.name_string().data(), field.name_string().size());
    dump += ": ";
    dump.append(field.value().data(), field.value().size());
    dump += '\n';
  }
  return dump;
}

constexpr std::size_t BodyReadChunk = 64 * 1024;
constexpr std::chrono::seconds LingerTimeout(1);
constexpr std::size_t MaxLingerBytes = 256 * 1024;
// How long a drain leaves idle keep-alive connections open (EchoState::startDrain).
constexpr std::chrono::milliseconds IdleLinger(100);

// One connection's deadline, swept by its loop's tracker: a stalled client is cut off.
class EchoConnection final : public TrackedConnection {
 public:
  explicit EchoConnection(tcp::socket& socket) : socket_(socket) {}
  void onDeadline() override {
    timed_out = true;
    boost::system::error_code ignored;
    socket_.cancel(ignored);
  }
  // An idle keep-alive connection closes now; one with a request in hand answers it first.
  void onDrain() override {
    if (!busy) {
      boost::system::error_code ignored;
      socket_.cancel(ignored);
    }
  }

  bool timed_out = false;
  bool busy = false;  // a request's first byte has come and its response is not written yet

 private:
  tcp::socket& socket_;
};

}  // namespace

class EchoState {
 public:
  EchoState(const EchoOptions& options, const Clock& clock)
      : options_(options),
        clock_(clock),
        limits_{options.max_header_size, options.max_headers,
                std::min<std::size_t>(8 * 1024, options.max_header_size)},
        loops_(options.threads) {
    if (!options.credential_file.empty()) {
      credential_ = std::make_unique<CredentialFile>(options.credential_file, clock);
    }
    const auto tick = sweepTickFor(
        std::min({options.idle_timeout, options.header_timeout, options.body_timeout}));
    for (std::size_t i = 0; i < loops_.size(); ++i) {
      trackers_.push_back(
          std::make_unique<ConnectionTracker>(loops_.at(i).get_executor(), clock, tick));
    }
  }
  ~EchoState() {
    acceptor_.reset();
    for (auto& tracker : trackers_) {
      tracker->stop();
    }
  }

  awaitable<void> acceptLoop();
  // Whether the next request is one of --error-rate's: splitmix64 of (seed, request number).
  bool drawsError() {
    uint64_t z = options_.seed + 0x9E3779B97F4A7C15ULL * (requests_.fetch_add(1) + 1);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z ^= z >> 31;
    return static_cast<double>(z >> 11) * 0x1.0p-53 < options_.error_rate;
  }
  awaitable<void> serve(tcp::socket socket, ConnectionTracker* tracker);
  // Reads the request body to its end, keeping none of it; 0 when complete, else the status to
  // answer (1 when the client went away).
  awaitable<unsigned> drainBody(ConnectionStream& socket, beast::flat_buffer& buffer,
                                RequestHeadParser& parser, EchoConnection& tracked);
  awaitable<void> refuse(ConnectionStream& socket, unsigned status, std::string_view reason,
                         EchoConnection& tracked);
  void buildResponse(const Request& request, const Steering& steering, Response& response) const;
  void startDrain();
  // A session ended; the last one of a drain ends the process.
  void sessionDone();

  EchoOptions options_;
  const Clock& clock_;
  const HeadLimits limits_;
  // Declared before the acceptor so the loops outlive every socket bound to them.
  EventLoops loops_;
  std::vector<std::unique_ptr<ConnectionTracker>> trackers_;
  std::optional<tcp::acceptor> acceptor_;
  std::atomic<uint64_t> requests_{0};  // drawn by drawsError
  std::atomic<uint64_t> next_connection_id_{1};
  std::atomic<bool> draining_{false};
  std::atomic<int64_t> sessions_{0};
  std::optional<asio::steady_timer> drain_timer_;
  std::optional<asio::steady_timer> linger_timer_;
  std::unique_ptr<CredentialFile> credential_;
  // Set with --tls-cert: rebuilt on a connection's start when its files changed.
  std::unique_ptr<tls::StampedContext> tls_;
  // -1 unknown, 0 invalid, 1 valid: each change is logged once, not each 401.
  mutable std::atomic<int> credential_state_{-1};
};

void EchoState::startDrain() {
  if (draining_.exchange(true)) {
    return;
  }
  fmt::print(stderr, "outrider-echo: draining {} connection(s), at most {}s\n", sessions_.load(),
             std::chrono::duration<double>(options_.drain_timeout).count());
  boost::system::error_code ignored;
  acceptor_->close(ignored);
  // Idle keep-alive connections stay a moment: a request a proxy is forwarding on one right now
  // is answered (with Connection: close) instead of finding the connection closed under it.
  linger_timer_.emplace(loops_.at(0));
  linger_timer_->expires_after(IdleLinger);
  linger_timer_->async_wait([this](const boost::system::error_code& ec) {
    if (ec) {
      return;
    }
    for (std::size_t i = 0; i < loops_.size(); ++i) {
      asio::post(loops_.at(i), [tracker = trackers_[i].get()] { tracker->drainAll(); });
    }
  });
  drain_timer_.emplace(loops_.at(0));
  drain_timer_->expires_after(options_.drain_timeout);
  drain_timer_->async_wait([this](const boost::system::error_code& ec) {
    if (!ec) {
      fmt::print(stderr, "outrider-echo: drain timeout, closing {} connection(s)\n",
                 sessions_.load());
      loops_.stop();
    }
  });
  // Pairs with sessionDone()'s decrement-then-check: one side always sees the other.
  if (sessions_.load() == 0) {
    loops_.stop();
  }
}

void EchoState::sessionDone() {
  if (sessions_.fetch_sub(1) == 1 && draining_.load()) {
    asio::post(loops_.at(0), [this] {
      fmt::print(stderr, "outrider-echo: drained, exiting\n");
      loops_.stop();
    });
  }
}

void EchoState::buildResponse(const Request& request, const Steering& steering,
                              Response& response) const {
  response.result(steering.status);
  response.version(request.version());
  response.set(http::field::content_type, "text/plain");
  if (auto it = request.find("X-Request-Id"); it != request.end()) {
    response.set("X-Request-Id", it->value());
  }
  const auto target = request.target();
  std::optional<CredentialCheck> credential;
  if (credential_ && target != "/healthz") {
    credential = credential_->check();
    const int state = credential->valid ? 1 : 0;
    if (credential_state_.exchange(state) != state) {
      fmt::print(stderr, "outrider-echo: credential {}\n",
                 credential->valid ? std::string("valid")
                                   : "invalid, answering 401: " + credential->reason);
    }
  }
  if (target == "/healthz") {
    // Liveness and readiness stay 200: the app runs, it only lacks its credential.
    response.result(http::status::ok);
    response.body() = "ok\n";
  } else if (credential && !credential->valid) {
    response.result(http::status::unauthorized);
    response.body() = "no valid credential: " + credential->reason + "\n";
  } else if (target == "/headers") {
    response.body() = headerDump(request);
  } else if (responseHasBody(http::verb::get, steering.status)) {
    response.body().assign(steering.body_size, 'x');
  }
  // As for GET even on a HEAD: its Content-Length describes the GET response.
  if (responseHasBody(http::verb::get, response.result_int())) {
    response.content_length(response.body().size());
  }
  if (request.method() == http::verb::head) {
    response.body().clear();  // Content-Length stays: it describes the GET response
  }
}

awaitable<unsigned> EchoState::drainBody(ConnectionStream& socket, beast::flat_buffer& buffer,
                                         RequestHeadParser& parser, EchoConnection& tracked) {
  parser.eager(true);
  while (!parser.is_done()) {
    parser.clearPieces();  // the echo app never keeps a body: memory stays flat
    std::size_t used = 0;
    if (buffer.size() > 0) {
      beast::error_code ec;
      used = parser.put(buffer.data(), ec);
      buffer.consume(used);
      if (ec && ec != http::error::need_more) {
        co_return 400;
      }
      if (parser.bodyBytes() > MaxRequestBodySize) {
        co_return 413;
      }
      if (parser.is_done() || (used > 0 && buffer.size() > 0)) {
        continue;
      }
    }
    const std::size_t room = buffer.max_size() - buffer.size();
    if (room == 0) {
      co_return 400;  // a chunk-size line longer than the whole buffer
    }
    tracked.setDeadline(clock_.monotonicNow() + options_.body_timeout);
    auto [ec, n] = co_await socket.async_read_some(
        buffer.prepare(std::min(room, BodyReadChunk)), UseNothrow);
    buffer.commit(n);
    if (ec) {
      co_return tracked.timed_out ? 408 : 1;
    }
  }
  co_return 0;
}

awaitable<void> EchoState::refuse(ConnectionStream& stream, unsigned status,
                                  std::string_view reason, EchoConnection& tracked) {
  Response refusal{static_cast<http::status>(status), 11};
  refusal.set(http::field::content_type, "text/plain");
  if (!options_.name.empty()) {
    refusal.set("X-Served-By", options_.name);
  }
  refusal.body() = std::string(reason) + "\n";
  refusal.keep_alive(false);
  refusal.prepare_payload();
  tracked.setDeadline(clock_.monotonicNow() + options_.header_timeout);
  co_await http::async_write(stream, refusal, UseNothrow);
  // Read and drop what the client still sends (bounded) so the close does not reset the
  // connection before it has read the refusal; raw bytes, also on TLS.
  auto& socket = stream.socket();
  boost::system::error_code ignored;
  socket.shutdown(tcp::socket::shutdown_send, ignored);
  tracked.setDeadline(clock_.monotonicNow() + LingerTimeout);
  beast::flat_buffer scratch;
  for (std::size_t dropped = 0; dropped < MaxLingerBytes;) {
    auto [ec, n] = co_await socket.async_read_some(scratch.prepare(BodyReadChunk), UseNothrow);
    if (ec) {
      break;
    }
    dropped += n;
  }
}

awaitable<void> EchoState::serve(tcp::socket tcp_socket, ConnectionTracker* tracker) {
  const uint64_t connection_id = next_connection_id_.fetch_add(1, std::memory_order_relaxed);
  const std::string connection_text = std::to_string(connection_id);
  ConnectionStream socket(std::move(tcp_socket));
  boost::system::error_code ignored;
  socket.socket().set_option(tcp::no_delay(true), ignored);
  EchoConnection tracked(socket.socket());
  tracker->add(tracked);
  beast::flat_buffer buffer(options_.max_header_size + BodyReadChunk);
  asio::steady_timer timer(socket.get_executor());
  bool secured = true;
  if (tls_) {
    socket.startTls(tls_->current());
    tls::setVerificationTime(socket.ssl(), clock_.systemNow());
    tracked.setDeadline(clock_.monotonicNow() + options_.header_timeout);
    auto [handshake_ec] =
        co_await socket.async_handshake(asio::ssl::stream_base::server, UseNothrow);
    secured = !handshake_ec;
  }
  for (std::size_t served = 0; secured;) {
    RequestHeadParser parser(limits_);
    tracked.timed_out = false;
    tracked.setDeadline(clock_.monotonicNow() + options_.idle_timeout);
    if (draining_.load()) {
      break;  // answered its last request: no next one while draining
    }
    tracked.busy = false;
    const auto started = [&] {
      tracked.busy = true;
      tracked.setDeadline(clock_.monotonicNow() + options_.header_timeout);
    };
    const HeadRead read = co_await readRequestHead(socket, buffer, parser, MaxRequestBodySize,
                                                   tracked.timed_out, started);
    if (read.outcome == HeadRead::Outcome::Closed) {
      break;
    }
    if (read.outcome == HeadRead::Outcome::Refused) {
      co_await refuse(socket, read.refusal.status, read.refusal.reason, tracked);
      break;
    }
    if (const unsigned status = co_await drainBody(socket, buffer, parser, tracked); status != 0) {
      if (status != 1) {
        co_await refuse(socket, status, status == 408 ? "request timed out" : "bad request body",
                        tracked);
      }
      break;
    }
    const Request& request = parser.head();
    Steering steering{options_.status, options_.latency, options_.body_size};
    if (options_.error_rate > 0 && drawsError()) {
      steering.status = options_.error_status;
    }
    Response response;
    if (auto error = applySteering(request, steering)) {
      response.result(http::status::bad_request);
      response.version(std::min(request.version(), 11u));
      response.body() = *error + "\n";
      response.prepare_payload();
      steering.latency = std::chrono::nanoseconds(0);
    } else {
      buildResponse(request, steering, response);
    }
    response.set("X-Echo-Connection", connection_text);
    if (!options_.name.empty()) {
      response.set("X-Served-By", options_.name);  // --name: which service answered
    }
    tracked.busy = true;  // a head that came whole in one read skipped `started`
    tracked.clearDeadline();
    if (steering.latency.count() > 0) {
      // A timer, never a sleep: the loop keeps serving other connections meanwhile.
      timer.expires_after(steering.latency);
      co_await timer.async_wait(UseNothrow);
    }
    // Draining: this is the connection's last response, and it says so.
    response.keep_alive(wantsKeepAlive(request, request.version()) && !draining_.load());
    tracked.setDeadline(clock_.monotonicNow() + options_.body_timeout);
    auto [write_ec, written] = co_await http::async_write(socket, response, UseNothrow);
    if (write_ec) {
      break;
    }
    ++served;
    if (options_.max_requests_per_connection != 0 &&
        served >= options_.max_requests_per_connection) {
      break;  // a silent close: the client was told nothing, as with an upstream idle timeout
    }
    if (!response.keep_alive()) {
      socket.socket().shutdown(tcp::socket::shutdown_send, ignored);
      break;
    }
  }
  tracker->remove(tracked);
  socket.close();
  sessionDone();
}

awaitable<void> EchoState::acceptLoop() {
  asio::steady_timer backoff(acceptor_->get_executor());
  for (;;) {
    const std::size_t index = loops_.nextIndex();
    auto& loop = loops_.at(index);
    auto [ec, socket] = co_await acceptor_->async_accept(loop, UseNothrow);
    if (ec == asio::error::operation_aborted || !acceptor_->is_open()) {
      co_return;
    }
    if (ec) {
      // EMFILE and friends: back off briefly instead of spinning on the error.
      fmt::print(stderr, "outrider-echo: accept failed: {}\n", ec.message());
      backoff.expires_after(std::chrono::milliseconds(10));
      co_await backoff.async_wait(UseNothrow);
      continue;
    }
    ++sessions_;  // before the hand-off, so a drain never misses a connection in transit
    asio::co_spawn(loop, serve(std::move(socket), trackers_[index].get()),
                   LogOnException{"outrider-echo"});
  }
}

Result<EchoServerPtr> EchoServer::create(const EchoOptions& options, const Clock& clock) {
  if (options.idle_timeout.count() <= 0 || options.header_timeout.count() <= 0 ||
      options.body_timeout.count() <= 0) {
    return makeError(ErrorCode::InvalidArgument, "every timeout must be greater than 0");
  }
  if (options.max_header_size < 256 || options.max_header_size > 1024 * 1024) {
    return makeError(ErrorCode::InvalidArgument, "--max-header-size must be 256B-1MiB");
  }
  if (options.threads < 1 || options.max_headers < 1) {
    return makeError(ErrorCode::InvalidArgument, "--threads and --max-headers must be at least 1");
  }
  if (std::any_of(options.name.begin(), options.name.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return (u < 0x20 && c != '\t') || u == 0x7f;
      })) {
    return makeError(ErrorCode::InvalidArgument,
                     "--name cannot hold control characters (it is a header value)");
  }
  auto state = std::make_unique<EchoState>(options, clock);
  if (!options.tls.cert.empty() || !options.tls.key.empty()) {
    auto context = tls::StampedContext::create(tls::Role::Server, options.tls);
    if (!context) {
      return tl::unexpected(context.error());
    }
    state->tls_ = std::move(*context);
  }
  auto acceptor = bindAcceptor(state->loops_.at(0), options.listen);
  if (!acceptor) {
    return tl::unexpected(acceptor.error());
  }
  state->acceptor_.emplace(std::move(*acceptor));
  return EchoServerPtr(new EchoServer(std::move(state)));
}

EchoServer::EchoServer(std::unique_ptr<EchoState> state) : state_(std::move(state)) {}

EchoServer::~EchoServer() = default;

tcp::endpoint EchoServer::listenEndpoint() const { return state_->acceptor_->local_endpoint(); }

asio::io_context& EchoServer::controlContext() { return state_->loops_.at(0); }

void EchoServer::run() {
  for (auto& tracker : state_->trackers_) {
    tracker->start();
  }
  asio::co_spawn(state_->loops_.at(0), state_->acceptLoop(), LogOnException{"outrider-echo"});
  state_->loops_.run();
}

void EchoServer::stop() { state_->loops_.stop(); }

void EchoServer::drain() {
  asio::post(state_->loops_.at(0), [state = state_.get()] { state->startDrain(); });
}

}  // namespace outrider::sidecar
