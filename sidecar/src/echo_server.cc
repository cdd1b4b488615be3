#include "outrider/sidecar/echo_server.h"

#include <atomic>
#include <charconv>
#include <optional>
#include <string>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <fmt/core.h>

#include "event_loops.h"
#include "listener.h"
#include "outrider/common/units.h"

namespace outrider::sidecar {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::awaitable;
using asio::ip::tcp;

namespace {

constexpr auto UseNothrow = asio::as_tuple(asio::use_awaitable);
// Caps what a request may ask for, so one header cannot make the backend allocate gigabytes.
constexpr uint64_t MaxSteeredBodySize = 64ULL * 1024 * 1024;
constexpr uint64_t MaxRequestBodySize = 64ULL * 1024 * 1024;

using Request = http::request<http::string_body>;
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

// A parse error, as opposed to the peer going away or a socket error.
bool isMalformed(const boost::system::error_code& ec) {
  return ec.category() == http::make_error_code(http::error::bad_method).category() &&
         ec != http::error::end_of_stream && ec != http::error::partial_message;
}

bool bodyAllowed(unsigned status) { return status != 204 && status != 304; }

}  // namespace

class EchoState {
 public:
  explicit EchoState(const EchoOptions& options) : options_(options), loops_(options.threads) {}

  awaitable<void> acceptLoop();
  awaitable<void> serve(tcp::socket socket);
  void buildResponse(const Request& request, const Steering& steering, Response& response) const;

  EchoOptions options_;
  // Declared before the acceptor so the loops outlive every socket bound to them.
  EventLoops loops_;
  std::optional<tcp::acceptor> acceptor_;
  std::atomic<uint64_t> next_connection_id_{1};
};

void EchoState::buildResponse(const Request& request, const Steering& steering,
                              Response& response) const {
  response.result(steering.status);
  response.version(request.version());
  response.set(http::field::content_type, "text/plain");
  if (auto it = request.find("X-Request-Id"); it != request.end()) {
    response.set("X-Request-Id", it->value());
  }
  const auto target = request.target();
  if (target == "/healthz") {
    response.result(http::status::ok);
    response.body() = "ok\n";
  } else if (target == "/headers") {
    response.body() = headerDump(request);
  } else if (bodyAllowed(steering.status)) {
    response.body().assign(steering.body_size, 'x');
  }
  if (bodyAllowed(response.result_int())) {
    response.content_length(response.body().size());
  }
  if (request.method() == http::verb::head) {
    response.body().clear();  // Content-Length stays: it describes the GET response
  }
}

awaitable<void> EchoState::serve(tcp::socket socket) {
  const uint64_t connection_id = next_connection_id_.fetch_add(1, std::memory_order_relaxed);
  const std::string connection_text = std::to_string(connection_id);
  boost::system::error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  beast::flat_buffer buffer;
  asio::steady_timer timer(socket.get_executor());
  for (std::size_t served = 0;;) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(MaxRequestBodySize);
    auto [read_ec, read_bytes] = co_await http::async_read(socket, buffer, parser, UseNothrow);
    if (read_ec) {
      if (isMalformed(read_ec)) {
        Response bad{http::status::bad_request, 11};
        bad.body() = "malformed request\n";
        bad.keep_alive(false);
        bad.prepare_payload();
        co_await http::async_write(socket, bad, UseNothrow);
      }
      break;
    }
    const Request& request = parser.get();
    Steering steering{options_.status, options_.latency, options_.body_size};
    Response response;
    if (auto error = applySteering(request, steering)) {
      response.result(http::status::bad_request);
      response.version(request.version());
      response.body() = *error + "\n";
      response.prepare_payload();
      steering.latency = std::chrono::nanoseconds(0);
    } else {
      buildResponse(request, steering, response);
    }
    response.set("X-Echo-Connection", connection_text);
    response.keep_alive(request.keep_alive());
    if (steering.latency.count() > 0) {
      // A timer, never a sleep: the loop keeps serving other connections meanwhile.
      timer.expires_after(steering.latency);
      co_await timer.async_wait(UseNothrow);
    }
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
      socket.shutdown(tcp::socket::shutdown_send, ignored);
      break;
    }
  }
  socket.close(ignored);
}

awaitable<void> EchoState::acceptLoop() {
  asio::steady_timer backoff(acceptor_->get_executor());
  for (;;) {
    auto& loop = loops_.at(loops_.nextIndex());
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
    asio::co_spawn(loop, serve(std::move(socket)), LogOnException{"outrider-echo"});
  }
}

Result<EchoServerPtr> EchoServer::create(const EchoOptions& options) {
  auto state = std::make_unique<EchoState>(options);
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
  asio::co_spawn(state_->loops_.at(0), state_->acceptLoop(), LogOnException{"outrider-echo"});
  state_->loops_.run();
}

void EchoServer::stop() { state_->loops_.stop(); }

}  // namespace outrider::sidecar
