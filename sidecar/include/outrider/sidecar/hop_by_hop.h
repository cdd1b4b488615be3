#pragma once

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/fields.hpp>

namespace outrider::sidecar {

// Removes the hop-by-hop fields (RFC 9110 §7.6.1): Connection and every field it names,
// Keep-Alive, TE, Trailer, Transfer-Encoding, Upgrade and all Proxy-* fields. A field that frames,
// routes or identifies the message (isProtectedFromConnection) is kept even when Connection names
// it. Callers read keep-alive and framing before stripping and write the framing again after.
void stripHopByHopFields(boost::beast::http::fields& fields);

// Host, Content-Length, Transfer-Encoding, X-Request-Id, X-Forwarded-*, Forwarded, Via...: the
// fields a Connection nomination never removes.
bool isProtectedFromConnection(boost::beast::string_view name);

}  // namespace outrider::sidecar
