#pragma once

#include <string>

#include <boost/beast/http/message.hpp>

namespace outrider::sidecar {

// Renders a start line and header fields in HTTP/1.1 wire form into `out` (cleared first, its
// capacity kept). The proxy frames bodies itself, so head and the first body bytes go out in one
// gathered write instead of through Beast's general serializer, which was the largest user-space
// cost per request under callgrind.
void renderRequestHead(const boost::beast::http::request_header<>& header, std::string& out);
void renderResponseHead(const boost::beast::http::response_header<>& header, std::string& out);

}  // namespace outrider::sidecar
