#include "outrider/sidecar/dependency_check.h"

#include <fmt/core.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include "net.h"

namespace outrider::sidecar {
namespace {

struct Outcome {
  bool timed_out = false;
  std::string failure;  // empty: answered
  unsigned status = 0;
};

// Every step shares the one deadline the stream's expiry sets; a timed-out step reports
// beast::error::timeout.
awaitable<void> fetch(beast::tcp_stream* stream, const Url* url, Outcome* out) {
  auto record = [out](const char* step, const boost::system::error_code& ec) {
    out->timed_out = ec == beast::error::timeout;
    out->failure = fmt::format("{}: {}", step, out->timed_out ? "timed out" : ec.message());
  };
  tcp::resolver resolver(stream->get_executor());
  auto [resolve_ec, endpoints] =
      co_await resolver.async_resolve(url->host, std::to_string(url->port), UseNothrow);
  if (resolve_ec) {
    record("resolve", resolve_ec);
    co_return;
  }
  auto [connect_ec, endpoint] = co_await stream->async_connect(endpoints, UseNothrow);
  if (connect_ec) {
    record("connect", connect_ec);
    co_return;
  }
  http::request<http::empty_body> request{http::verb::get, url->target, 11};
  request.set(http::field::host, fmt::format("{}:{}", url->host, url->port));
  request.set(http::field::user_agent, "outrider-echo (--depends-on)");
  request.keep_alive(false);
  auto [write_ec, written] = co_await http::async_write(*stream, request, UseNothrow);
  if (write_ec) {
    record("send", write_ec);
    co_return;
  }
  beast::flat_buffer buffer;
  http::response<http::string_body> response;
  auto [read_ec, read] = co_await http::async_read(*stream, buffer, response, UseNothrow);
  if (read_ec) {
    record("reply", read_ec);
    co_return;
  }
  out->status = response.result_int();
}

}  // namespace

Result<Url> parseDependencyUrl(std::string_view text) { return parseUrl(text, {"http"}); }

Result<std::string> checkDependency(const Url& url, std::chrono::nanoseconds timeout) {
  asio::io_context io;
  beast::tcp_stream stream(io);
  stream.expires_after(timeout);
  Outcome outcome;
  asio::co_spawn(io, fetch(&stream, &url, &outcome), [&outcome](std::exception_ptr error) {
    if (error) {
      outcome.failure = "unexpected error";
    }
  });
  io.run();
  if (!outcome.failure.empty()) {
    return makeError(outcome.timed_out ? ErrorCode::Timeout : ErrorCode::Io, outcome.failure);
  }
  if (outcome.status < 200 || outcome.status > 299) {
    return makeError(ErrorCode::Io, fmt::format("answered HTTP {}, not 2xx", outcome.status));
  }
  return fmt::format("HTTP {}", outcome.status);
}

}  // namespace outrider::sidecar
