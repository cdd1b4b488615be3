#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/beast/core/error.hpp>
#include <boost/beast/http/message.hpp>

#include "head_parser.h"

namespace outrider::sidecar {

// The framing and routing rules of RFC 9110/9112 that a proxy applies to each head before it
// relays the message, in the spirit of HAProxy's strict parsing and Envoy's HTTP/1 codec: a
// message whose length or destination two parsers could read differently is refused, never
// repaired. Beast has already refused malformed syntax, unequal Content-Length values and
// Content-Length beside chunked; these are the rules it leaves to the application.

// A refused head: the status to answer with and a short reason (for the body and the log).
struct Refusal {
  unsigned status = 0;
  std::string_view reason;
};

// How a body is delimited on the wire.
enum class Framing {
  None,        // no body (HEAD, 1xx, 204, 304, a request without length)
  Length,      // Content-Length
  Chunked,     // Transfer-Encoding: chunked
  UntilClose,  // a response read (or written) until the connection closes
};

// The status for a request head the parser refused: 414 or 431 past a limit, 505 for a
// well-formed version that is not 1.x, 400 otherwise. `unparsed` is what the parser left.
Refusal refusalForHeadError(const boost::beast::error_code& ec, HeadProblem problem,
                            bool start_line_done, std::string_view unparsed);

// A client's request head: version, Transfer-Encoding, method, Host, target form and Expect.
std::optional<Refusal> checkRequestHead(const boost::beast::http::request_header<>& head);

// An upstream's response head; any refusal is a 502 and the connection is not reused.
std::optional<Refusal> checkResponseHead(const boost::beast::http::response_header<>& head);

// The target to send upstream: origin-form for an absolute-form target (whose authority was
// checked against Host), the target itself otherwise.
std::string upstreamTarget(std::string_view target);

// Removes every Content-Length and Transfer-Encoding field and writes the one framing field the
// outgoing message needs: "Content-Length: N", "Transfer-Encoding: chunked" or none.
void setFraming(boost::beast::http::fields& fields, Framing framing, std::uint64_t length);

// Whether the sender of a head with these fields wants the connection kept (RFC 9112 §9.3).
bool wantsKeepAlive(const boost::beast::http::fields& fields, unsigned version);

// Writes the Connection field our side sends, Connection having been stripped as hop-by-hop:
// "close" on HTTP/1.1 when closing, "keep-alive" on HTTP/1.0 when keeping, else nothing.
void setKeepAlive(boost::beast::http::fields& fields, unsigned version, bool keep_alive);

// How a response to `method` with this status carries a body at all (RFC 9110 §6.4.1).
bool responseHasBody(boost::beast::http::verb method, unsigned status);

}  // namespace outrider::sidecar
