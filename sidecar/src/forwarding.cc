#include "forwarding.h"

#include <algorithm>
#include <charconv>

#include "outrider/sidecar/hop_by_hop.h"

namespace outrider::sidecar {
namespace {

namespace http = boost::beast::http;

std::string_view view(boost::beast::string_view text) { return {text.data(), text.size()}; }

constexpr std::string_view Crlf = "\r\n";
constexpr std::string_view LastChunk = "0\r\n\r\n";

}  // namespace

UpstreamRequest prepareUpstreamRequest(const RequestHeadParser& parser,
                                       RequestHeadParser::Header& head,
                                       std::string_view client_address,
                                       std::string_view generated_id, std::string& request_id) {
  UpstreamRequest out;
  out.client_version = std::min(head.version(), 11u);
  out.keep_alive = wantsKeepAlive(head, head.version());  // before Connection goes
  // checkRequestHead allowed no expectation but 100-continue.
  out.expects_continue = head.count(http::field::expect) > 0;
  head.erase(http::field::expect);

  if (auto it = head.find("X-Request-Id"); it != head.end() && !it->value().empty()) {
    request_id.assign(view(it->value()));
  } else {
    request_id.assign(generated_id);
    head.set("X-Request-Id", request_id);
  }
  if (auto it = head.find("X-Forwarded-For"); it == head.end()) {
    head.set("X-Forwarded-For", client_address);
  } else {
    std::string chain(view(it->value()));
    chain += ", ";
    chain += client_address;
    head.set("X-Forwarded-For", chain);
  }
  stripHopByHopFields(head);
  const auto length = parser.content_length();
  out.framing = parser.chunked() ? Framing::Chunked : length ? Framing::Length : Framing::None;
  out.length = length.value_or(0);
  setFraming(head, out.framing, out.length);
  if (const std::string_view target = view(head.target());
      !target.empty() && target.front() != '/' && target != "*") {
    head.target(upstreamTarget(target));
  }
  head.version(11);  // HTTP/1.1 upstream, so the upstream connection stays reusable
  return out;
}

DownstreamResponse prepareDownstreamResponse(const ResponseHeadParser& parser,
                                             ResponseHeadParser::Header& head, http::verb method,
                                             unsigned client_version, bool keep_alive,
                                             std::string_view request_id) {
  DownstreamResponse out;
  const unsigned status = head.result_int();
  const bool upstream_keep_alive = wantsKeepAlive(head, head.version());
  stripHopByHopFields(head);
  const auto length = parser.content_length();
  const bool has_body = responseHasBody(method, status);
  if (!has_body) {
    // A HEAD or 304 response's length describes the representation; a 204 has none.
    setFraming(head, length && status != 204 ? Framing::Length : Framing::None,
               length.value_or(0));
  } else if (length) {
    out.framing = Framing::Length;
    setFraming(head, out.framing, *length);
  } else if (client_version >= 11) {
    out.framing = Framing::Chunked;
    setFraming(head, out.framing, 0);
  } else {
    // An HTTP/1.0 client of a response without a length: delimited by our close.
    out.framing = Framing::UntilClose;
    setFraming(head, Framing::None, 0);
    keep_alive = false;
  }
  if (head.find("X-Request-Id") == head.end()) {
    head.set("X-Request-Id", request_id);
  }
  head.version(client_version);
  setKeepAlive(head, client_version, keep_alive);
  out.keep_alive = keep_alive;
  // Reusable only when the response ends by its own framing (the caller also checks that no
  // byte followed it).
  out.upstream_reusable = upstream_keep_alive && (!has_body || parser.chunked() || length);
  return out;
}

void BodyFramer::append(std::vector<boost::asio::const_buffer>& wire,
                        const std::vector<boost::asio::const_buffer>& pieces,
                        std::size_t piece_bytes, Framing framing, bool finished) {
  const bool chunked = framing == Framing::Chunked;
  if (piece_bytes > 0) {
    if (chunked) {
      auto [end, ec] = std::to_chars(chunk_line_.data(), chunk_line_.data() + 16, piece_bytes, 16);
      *end++ = '\r';
      *end++ = '\n';
      wire.emplace_back(chunk_line_.data(), static_cast<std::size_t>(end - chunk_line_.data()));
    }
    wire.insert(wire.end(), pieces.begin(), pieces.end());
    if (chunked) {
      wire.emplace_back(Crlf.data(), Crlf.size());
    }
  }
  if (finished && chunked) {
    wire.emplace_back(LastChunk.data(), LastChunk.size());
  }
}

}  // namespace outrider::sidecar
