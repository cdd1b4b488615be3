#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <optional>

#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>

#include "head_parser.h"
#include "message_rules.h"

namespace outrider::sidecar {

// How reading one request head ended.
struct HeadRead {
  enum class Outcome {
    Complete,  // the head is in the parser, vetted; its body (if any) is next in the buffer
    Closed,    // the client went away, or idled out, before a first byte: nothing to answer
    Refused,   // answer `refusal` and close (408 for a timeout after the first byte)
  };
  Outcome outcome = Outcome::Closed;
  Refusal refusal;
};

// Reads one request head from `socket` through `buffer` into `parser` (eager off), measuring the
// whole head (Beast consumes complete lines and applies its header limit to what is left), then
// vets it with checkRequestHead and `max_body` (0: none). `timed_out` is the caller's deadline
// flag; `on_first_byte` runs once the head has started, so the caller can leave its idle timeout.
// Shared by the proxy and the echo app, so both hold the same line; any Asio stream (the fuzzers
// use Beast's test stream).
template <class Stream, class OnFirstByte>
boost::asio::awaitable<HeadRead> readRequestHead(Stream& socket,
                                                 boost::beast::flat_buffer& buffer,
                                                 RequestHeadParser& parser, std::uint64_t max_body,
                                                 const bool& timed_out, OnFirstByte on_first_byte) {
  namespace http = boost::beast::http;
  constexpr std::size_t ReadChunk = 8 * 1024;
  const HeadLimits& limits = parser.limits();
  const auto refused = [](unsigned status, std::string_view reason) {
    return HeadRead{HeadRead::Outcome::Refused, Refusal{status, reason}};
  };
  parser.eager(false);
  bool started = false;
  std::size_t head_bytes = 0;
  for (;;) {
    if (buffer.size() > 0) {
      if (!started) {
        started = true;
        on_first_byte();
      }
      boost::beast::error_code ec;
      const std::size_t used = parser.put(buffer.data(), ec);
      buffer.consume(used);  // the head is copied into the parser's header
      head_bytes += used;
      if (ec && ec != http::error::need_more) {
        const std::string_view unparsed(static_cast<const char*>(buffer.cdata().data()),
                                        buffer.size());
        co_return HeadRead{HeadRead::Outcome::Refused,
                           refusalForHeadError(ec, parser.problem(), parser.startLineDone(),
                                               unparsed)};
      }
      if (parser.is_header_done()) {
        break;
      }
      if (!parser.startLineDone() && buffer.size() > limits.max_request_line) {
        co_return refused(414, "request line too long");
      }
      if (head_bytes + buffer.size() > limits.max_header_size) {
        co_return refused(431, "request header fields too large");
      }
    }
    const std::size_t room = buffer.max_size() - buffer.size();
    if (room == 0) {
      co_return refused(431, "request header fields too large");
    }
    auto [ec, n] = co_await socket.async_read_some(buffer.prepare(std::min(room, ReadChunk)),
                                                   boost::asio::as_tuple(boost::asio::use_awaitable));
    buffer.commit(n);
    if (ec) {
      if (timed_out && started) {
        co_return refused(408, "request timed out");
      }
      co_return HeadRead{};  // EOF, reset, idle timeout or drain: nobody to answer
    }
  }
  if (auto refusal = checkRequestHead(parser.head())) {
    co_return HeadRead{HeadRead::Outcome::Refused, *refusal};
  }
  if (const auto length = parser.content_length(); length && max_body > 0 && *length > max_body) {
    co_return refused(413, "request body too large");
  }
  co_return HeadRead{HeadRead::Outcome::Complete, {}};
}

// Reads an upstream's final response head into `parser` (emplaced afresh for each interim 1xx
// response, which is dropped: the proxy answered the client's 100-continue itself). False on a
// socket error (got_bytes says whether anything arrived) or on a head that does not parse or is
// larger than limits.max_header_size (parse_error). `head_request`: the body is skipped.
// `read_error`, when given, receives the socket error (a TLS alert is told apart by it).
template <class Stream>
boost::asio::awaitable<bool> readResponseHead(Stream& socket, boost::beast::flat_buffer& buffer,
                                              bool head_request, const HeadLimits& limits,
                                              std::optional<ResponseHeadParser>& parser,
                                              bool& got_bytes, bool& parse_error,
                                              boost::system::error_code* read_error = nullptr) {
  namespace http = boost::beast::http;
  constexpr std::size_t ReadChunk = 8 * 1024;
  constexpr int MaxInterimResponses = 8;
  for (int interim = 0; interim < MaxInterimResponses; ++interim) {
    parser.emplace(limits);
    parser->eager(false);
    parser->skip(head_request);
    std::size_t head_bytes = 0;
    for (;;) {
      if (buffer.size() > 0) {
        got_bytes = true;
        boost::beast::error_code ec;
        const std::size_t used = parser->put(buffer.data(), ec);
        buffer.consume(used);
        head_bytes += used;
        if ((ec && ec != http::error::need_more) ||
            head_bytes + buffer.size() > limits.max_header_size) {
          parse_error = true;
          co_return false;
        }
        if (parser->is_header_done()) {
          break;
        }
      }
      const std::size_t room = buffer.max_size() - buffer.size();
      if (room == 0) {
        parse_error = true;
        co_return false;
      }
      auto [ec, n] = co_await socket.async_read_some(
          buffer.prepare(std::min(room, ReadChunk)),
          boost::asio::as_tuple(boost::asio::use_awaitable));
      buffer.commit(n);
      if (ec) {
        if (read_error != nullptr) {
          *read_error = ec;
        }
        co_return false;
      }
    }
    const unsigned status = parser->head().result_int();
    if (status >= 200 || status == 101) {
      co_return true;  // 101 is refused by checkResponseHead: Upgrade is not relayed
    }
  }
  parse_error = true;
  co_return false;
}

}  // namespace outrider::sidecar
