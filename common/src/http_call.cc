#include "outrider/common/http_call.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

#include "outrider/common/asio.h"

namespace outrider {
namespace {

struct Outcome {
  bool timed_out = false;
  std::string failure;  // empty: answered
  HttpAnswer answer;
};

struct Call {
  const Url* url;
  http::verb method;
  std::string target;
  std::string_view user_agent;
};

// Every step shares the one deadline the stream's expiry sets; a timed-out step reports
// beast::error::timeout.
awaitable<void> exchange(beast::tcp_stream* stream, Call call, Outcome* out) {
  auto record = [out](const char* step, const boost::system::error_code& ec) {
    out->timed_out = ec == beast::error::timeout;
    out->failure = std::string(step) + ": " + (out->timed_out ? "timed out" : ec.message());
  };
  tcp::resolver resolver(stream->get_executor());
  auto [resolve_ec, endpoints] =
      co_await resolver.async_resolve(call.url->host, std::to_string(call.url->port), UseNothrow);
  if (resolve_ec) {
    record("resolve", resolve_ec);
    co_return;
  }
  auto [connect_ec, endpoint] = co_await stream->async_connect(endpoints, UseNothrow);
  if (connect_ec) {
    record("connect", connect_ec);
    co_return;
  }
  http::request<http::string_body> request{call.method, call.target, 11};
  const bool v6 = call.url->host.find(':') != std::string::npos;
  request.set(http::field::host, (v6 ? "[" + call.url->host + "]" : call.url->host) + ":" +
                                     std::to_string(call.url->port));
  request.set(http::field::user_agent, call.user_agent);
  request.keep_alive(false);
  request.prepare_payload();
  auto [write_ec, written] = co_await http::async_write(*stream, request, UseNothrow);
  if (write_ec) {
    record("send", write_ec);
    co_return;
  }
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(1024 * 1024);
  auto [read_ec, read] = co_await http::async_read(*stream, buffer, parser, UseNothrow);
  if (read_ec) {
    record("reply", read_ec);
    co_return;
  }
  out->answer.status = parser.get().result_int();
  out->answer.body = std::move(parser.get().body());
}

}  // namespace

Result<HttpAnswer> httpCall(const Url& url, std::string_view method, std::string_view target,
                            std::chrono::nanoseconds timeout, std::string_view user_agent) {
  const http::verb verb = http::string_to_verb(method);
  if (verb == http::verb::unknown) {
    return makeError(ErrorCode::InvalidArgument, "unknown HTTP method " + std::string(method));
  }
  asio::io_context io;
  beast::tcp_stream stream(io);
  // A real deadline on a real socket, as the OS runtime's own waits (process.cc) are.
  stream.expires_after(timeout);
  Outcome outcome;
  asio::co_spawn(
      io,
      exchange(&stream,
               Call{&url, verb, target.empty() ? url.target : std::string(target), user_agent},
               &outcome),
      [&outcome](std::exception_ptr error) {
        if (error) {
          outcome.failure = "unexpected error";
        }
      });
  io.run();
  if (!outcome.failure.empty()) {
    return makeError(outcome.timed_out ? ErrorCode::Timeout : ErrorCode::Io, outcome.failure);
  }
  return outcome.answer;
}

}  // namespace outrider
