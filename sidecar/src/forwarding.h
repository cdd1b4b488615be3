#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/buffer.hpp>

#include "head_parser.h"
#include "message_rules.h"

namespace outrider::sidecar {

// The rewrites between a vetted head as received and the head the proxy sends on: pure
// functions of the head and a few facts, so the fuzzers exercise exactly what the proxy runs.

// What the proxy learned from a client's request head before rewriting it for the upstream.
struct UpstreamRequest {
  Framing framing = Framing::None;
  std::uint64_t length = 0;
  bool keep_alive = true;        // what the client asked for
  bool expects_continue = false;  // Expect: 100-continue, ours to answer
  unsigned client_version = 11;   // the version the client is answered in (1.0 or 1.1)
};

// Rewrites `head` in place for the upstream: X-Request-Id kept or set to `generated_id` (the id
// in use is copied to `request_id`), X-Forwarded-For extended with `client_address`, hop-by-hop
// fields stripped (framing and routing fields never), one framing field, origin-form target,
// HTTP/1.1.
UpstreamRequest prepareUpstreamRequest(const RequestHeadParser& parser,
                                       RequestHeadParser::Header& head,
                                       std::string_view client_address,
                                       std::string_view generated_id, std::string& request_id);

// What the proxy does with an upstream response it relays.
struct DownstreamResponse {
  Framing framing = Framing::None;  // of the body written to the client
  bool keep_alive = false;          // with the client
  bool upstream_reusable = false;   // the upstream connection, once the body has been read
};

// Rewrites a vetted upstream response head in place for a client that sent `method` in
// `client_version` and wants `keep_alive`: hop-by-hop stripped, one framing field (a body without
// a length is chunked to HTTP/1.1 clients and close-delimited to HTTP/1.0 ones), X-Request-Id,
// the client's version and Connection.
DownstreamResponse prepareDownstreamResponse(const ResponseHeadParser& parser,
                                             ResponseHeadParser::Header& head,
                                             boost::beast::http::verb method,
                                             unsigned client_version, bool keep_alive,
                                             std::string_view request_id);

// Frames body pieces for the wire without copying them: as they are, or as one chunk each call
// ("size CRLF pieces CRLF"), with the last chunk once the body is finished. Keeps the chunk-size
// line it points at, so one framer per message in flight.
class BodyFramer {
 public:
  void append(std::vector<boost::asio::const_buffer>& wire,
              const std::vector<boost::asio::const_buffer>& pieces, std::size_t piece_bytes,
              Framing framing, bool finished);

 private:
  std::array<char, 24> chunk_line_{};
};

}  // namespace outrider::sidecar
