// The proxy's request front end under arbitrary client bytes: the real head reader (limits and
// framing rules), the rewrite for the upstream, the rendered head and the re-framed body. The
// first byte picks how many bytes each read returns (the segmentation a client controls).
// Whatever the bytes, nothing crashes, and a request that is forwarded keeps its meaning: its
// rendered head parses, it has exactly one Host, one framing field that matches the body, and the
// body as the upstream would parse it is byte for byte the body the proxy recognised.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "head_reader.h"
#include "proxy_fuzz_support.h"
#include "wire_head.h"

namespace {

namespace http = boost::beast::http;
namespace sc = outrider::sidecar;
using outrider::sidecar::fuzz::check;

void fuzzRequest(uint8_t choice, std::string_view bytes) {
  const std::size_t read_size = 1 + choice % 97 * 37;
  boost::asio::io_context io;
  auto stream = sc::fuzz::inputStream(io, bytes, read_size);
  boost::beast::flat_buffer buffer(64 * 1024);
  const sc::HeadLimits limits{4096, 32, 1024};
  sc::RequestHeadParser parser(limits);
  const bool timed_out = false;
  const sc::HeadRead read = sc::fuzz::runToEnd<sc::HeadRead>(
      io, sc::readRequestHead(stream, buffer, parser, 0, timed_out, [] {}));
  if (read.outcome == sc::HeadRead::Outcome::Refused) {
    check(read.refusal.status >= 400 && read.refusal.status <= 505, "a refusal is 4xx or 5xx");
    return;
  }
  if (read.outcome != sc::HeadRead::Outcome::Complete) {
    return;
  }
  auto& head = parser.head();
  const std::size_t hosts = head.count(http::field::host);
  check(hosts <= 1 && (hosts == 1 || head.version() < 11), "one Host on HTTP/1.1");
  std::string request_id;
  const sc::UpstreamRequest forwarded =
      sc::prepareUpstreamRequest(parser, head, "127.0.0.1", "0123456789abcdef", request_id);
  std::string rendered;
  sc::renderRequestHead(head, rendered);

  http::request_parser<http::empty_body> reparsed;
  reparsed.eager(false);
  boost::beast::error_code ec;
  reparsed.put(boost::asio::buffer(rendered), ec);
  check(!ec && reparsed.is_header_done(), "the forwarded head parses");
  const auto& again = reparsed.get();
  check(again.count(http::field::host) == hosts, "Host is neither added nor removed");
  check(again.count(http::field::content_length) + again.count(http::field::transfer_encoding) ==
            (forwarded.framing == sc::Framing::None ? 0u : 1u),
        "exactly one framing field when there is a body");
  check(again.count(http::field::connection) == 0 && again.count(http::field::expect) == 0,
        "no hop-by-hop field or expectation goes upstream");
  check(again.target().size() > 0 && (again.target()[0] == '/' || again.target() == "*"),
        "the upstream target is origin-form");
  check(again.version() == 11, "HTTP/1.1 upstream");

  std::string recognised;
  std::string framed;
  if (!sc::fuzz::relayBody(parser, stream, buffer, forwarded.framing, recognised, framed)) {
    return;  // a broken body: the proxy answers 400 or closes, nothing more is forwarded
  }
  http::request_parser<http::string_body> upstream_view;
  sc::fuzz::checkPeerReadsWhole(upstream_view, rendered + framed, recognised,
                                /*until_close=*/false, "the upstream", "the forwarded message");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return outrider::sidecar::fuzz::withChoiceByte(data, size, fuzzRequest);
}
