// The proxy's upstream response path under arbitrary upstream bytes: the real response head
// reader (interim responses, limits), the framing checks, the rewrite for the client, and the
// body as re-framed for it. The first byte picks the read size, whether the request was a HEAD
// and whether the client speaks HTTP/1.0. Nothing crashes, and a relayed response keeps its
// meaning: the client can parse it whole, its body is the body the proxy read, and its framing is
// one field or (HTTP/1.0, no length) the close.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "head_reader.h"
#include "proxy_fuzz_support.h"
#include "wire_head.h"

namespace {

namespace http = boost::beast::http;
namespace sc = outrider::sidecar;
using outrider::sidecar::fuzz::check;

void fuzzResponse(uint8_t choice, std::string_view bytes) {
  const bool head_request = (choice & 1) != 0;
  const unsigned client_version = (choice & 2) != 0 ? 10 : 11;
  const std::size_t read_size = 1 + (choice >> 2) * 61;
  boost::asio::io_context io;
  auto stream = sc::fuzz::inputStream(io, bytes, read_size);
  boost::beast::flat_buffer buffer(128 * 1024);
  const sc::HeadLimits limits{8192, 32, 8192};
  std::optional<sc::ResponseHeadParser> parser;
  bool got_bytes = false;
  bool parse_error = false;
  const bool ok = sc::fuzz::runToEnd<bool>(
      io, sc::readResponseHead(stream, buffer, head_request, limits, parser, got_bytes,
                               parse_error));
  if (!ok) {
    return;  // 502 for the client
  }
  if (sc::checkResponseHead(parser->head())) {
    return;  // 502, and the connection is closed
  }
  const auto method = head_request ? http::verb::head : http::verb::get;
  const sc::DownstreamResponse answer = sc::prepareDownstreamResponse(
      *parser, parser->head(), method, client_version, true, "0123456789abcdef");
  std::string rendered;
  sc::renderResponseHead(parser->head(), rendered);
  check(answer.framing != sc::Framing::UntilClose || (client_version == 10 && !answer.keep_alive),
        "only an HTTP/1.0 client gets a close-delimited body, and the close");
  check(answer.framing != sc::Framing::Chunked || client_version == 11,
        "chunked only to HTTP/1.1 clients");

  std::string recognised;
  std::string framed;
  if (!sc::fuzz::relayBody(*parser, stream, buffer, answer.framing, recognised, framed)) {
    return;  // truncated or broken mid-body: the client connection is closed early
  }
  http::response_parser<http::string_body> client_view;
  client_view.skip(head_request);
  sc::fuzz::checkPeerReadsWhole(client_view, rendered + framed, recognised,
                                answer.framing == sc::Framing::UntilClose, "the client",
                                "the relayed response");
  const auto& head = client_view.get();
  check(head.count(http::field::content_length) + head.count(http::field::transfer_encoding) <= 1,
        "at most one framing field");
  check(head.version() == client_version, "answered in the client's version");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return outrider::sidecar::fuzz::withChoiceByte(data, size, fuzzResponse);
}
