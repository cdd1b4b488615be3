#pragma once

#include <boost/beast/http/fields.hpp>

namespace outrider::sidecar {

// Removes the hop-by-hop fields (RFC 9110 §7.6.1): Connection and every field it names,
// Keep-Alive, TE, Trailer, Transfer-Encoding, Upgrade and all Proxy-* fields. Callers must read
// keep-alive and framing before stripping; framing is re-derived from the buffered body.
void stripHopByHopFields(boost::beast::http::fields& fields);

}  // namespace outrider::sidecar
