#pragma once

// Shared by the proxy fuzzers: running a head reader to completion on Beast's test stream, the
// body relay loop without sockets, and the abort that makes libFuzzer keep an input.

#include <algorithm>
#include <boost/asio/buffer.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/_experimental/test/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "forwarding.h"

namespace outrider::sidecar::fuzz {

inline void check(bool holds, const char* belief) {
  if (!holds) {
    std::fprintf(stderr, "proxy fuzz: broken: %s\n", belief);
    std::abort();
  }
}

// Runs one awaitable on a fresh loop to the end and returns its value.
template <class T, class Awaitable>
T runToEnd(boost::asio::io_context& io, Awaitable awaitable) {
  T result{};
  bool done = false;
  boost::asio::co_spawn(io, std::move(awaitable), [&](std::exception_ptr error, T value) {
    check(!error, "a head reader threw");
    result = std::move(value);
    done = true;
  });
  io.run();
  check(done, "a head reader never finished on a closed stream");
  return result;
}

// A client or upstream byte stream of the fuzz input: `read_size` bytes per read, then EOF.
inline boost::beast::test::stream inputStream(boost::asio::io_context& io, std::string_view bytes,
                                              std::size_t read_size) {
  boost::beast::test::stream stream(io);
  stream.append(bytes);
  stream.read_size(read_size);
  stream.close_remote();
  return stream;
}

inline std::string concatenate(const std::vector<boost::asio::const_buffer>& wire) {
  std::string out;
  for (const auto& piece : wire) {
    out.append(static_cast<const char*>(piece.data()), piece.size());
  }
  return out;
}

// Moves a body through `parser` and the proxy's framer as the relay does (pieces, then framing),
// reading on from `stream` as needed. `recognised` gets the body the parser saw, `framed` what the
// proxy would write. True when the body ended by its framing (or, where allowed, by EOF).
template <class Parser>
bool relayBody(Parser& parser, boost::beast::test::stream& stream,
               boost::beast::flat_buffer& buffer, Framing framing, std::string& recognised,
               std::string& framed) {
  namespace http = boost::beast::http;
  BodyFramer framer;
  std::vector<boost::asio::const_buffer> wire;
  parser.eager(true);
  for (int step = 0; step < 100000; ++step) {
    parser.clearPieces();
    std::size_t used = 0;
    if (buffer.size() > 0 && !parser.is_done()) {
      boost::beast::error_code ec;
      used = parser.put(buffer.data(), ec);
      if (ec && ec != http::error::need_more) {
        return false;
      }
    }
    recognised += concatenate(parser.pieces());
    check(parser.pieceBytes() == concatenate(parser.pieces()).size(), "piece byte count");
    wire.clear();
    framer.append(wire, parser.pieces(), parser.pieceBytes(), framing, parser.is_done());
    framed += concatenate(wire);
    buffer.consume(used);
    if (parser.is_done()) {
      return true;
    }
    if (used > 0 && buffer.size() > 0) {
      continue;
    }
    const std::size_t room = buffer.max_size() - buffer.size();
    if (room == 0) {
      return false;  // a chunk-size line longer than the buffer: the proxy refuses it too
    }
    boost::beast::error_code ec;
    const std::size_t n = stream.read_some(buffer.prepare(std::min<std::size_t>(room, 64 * 1024)), ec);
    buffer.commit(n);
    if (ec) {
      if (ec == boost::asio::error::eof && parser.got_some()) {
        boost::beast::error_code eof_ec;
        parser.put_eof(eof_ec);
        if (!eof_ec && parser.is_done()) {
          wire.clear();
          parser.clearPieces();
          framer.append(wire, parser.pieces(), 0, framing, true);
          framed += concatenate(wire);
          return true;
        }
      }
      return false;
    }
  }
  check(false, "a body relay did not end within its step bound");
  return false;
}

// What the peer (the upstream, the client) makes of the relayed `message`: it parses it whole,
// nothing follows it, and its body is the one the proxy recognised. `until_close`: the body ends
// with the connection. `view` comes with its own settings (skip() for the answer to a HEAD).
template <class Parser>
void checkPeerReadsWhole(Parser& view, const std::string& message, const std::string& recognised,
                         bool until_close, const std::string& peer, const std::string& what) {
  view.body_limit(boost::none);
  view.eager(true);
  boost::beast::error_code ec;
  const std::size_t used = view.put(boost::asio::buffer(message), ec);
  if (until_close && !ec && !view.is_done()) {
    view.put_eof(ec);
  }
  check(!ec && view.is_done(), (peer + " parses " + what + " whole").c_str());
  check(used == message.size(), ("nothing follows " + what).c_str());
  check(view.get().body() == recognised, (peer + " sees the body the proxy read").c_str());
}

// The input as both proxy fuzzers take it: the first byte chooses (read sizes, methods), the
// rest is the bytes; an empty input is skipped.
template <class Fuzz>
int withChoiceByte(const uint8_t* data, size_t size, Fuzz fuzz) {
  if (size < 1) {
    return 0;
  }
  fuzz(data[0], std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1));
  return 0;
}

}  // namespace outrider::sidecar::fuzz
