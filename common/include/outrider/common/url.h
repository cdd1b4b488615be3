#pragma once

// The one URL parser of scenarios and flags: probes, the load target, metrics scrapes. RFC 3986
// syntax by Boost.URL, then the shape outrider can send to: a scheme from the caller's list, no
// credentials, a host and port as host_port.h accepts them, a path without spaces. Messages
// quote the whole URL and say what is wrong.

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "outrider/common/result.h"

namespace outrider {

struct Url {
  std::string scheme;        // lower case, as listed by the caller: "http", "https", "tcp"
  std::string host;          // without the brackets of an IPv6 literal
  uint16_t port = 0;         // the URL's, or the scheme's default when allowed
  std::string target = "/";  // path and query as a request line sends them; the fragment dropped
  bool has_path = false;     // the URL named a path other than "" or "/" (or a query)
};

// Probes and scrapes name their port; a load target may lean on http's 80.
enum class UrlPort { Required, SchemeDefault };

// InvalidArgument with a message like "\"http://127.0.0.1/healthz\" names no port".
Result<Url> parseUrl(std::string_view text, std::initializer_list<std::string_view> schemes,
                     UrlPort port = UrlPort::Required);

}  // namespace outrider
