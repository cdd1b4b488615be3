// parseProbe() from placeholders.h: the shape probes and the load target must have once their
// placeholders are resolved (host:port itself is common/host_port.h).

#include <string_view>

#include "outrider/common/text.h"
#include "outrider/scenarios/placeholders.h"

namespace outrider::scenarios {
namespace {

tl::unexpected<Error> invalid(std::string message) {
  return makeError(ErrorCode::InvalidArgument, std::move(message));
}

}  // namespace

Result<ProbeTarget> parseProbe(const std::string& url) {
  const std::string_view view = url;
  ProbeTarget probe;
  std::string_view rest;
  if (view.substr(0, 7) == "http://") {
    probe.kind = ProbeTarget::Kind::Http;
    rest = view.substr(7);
  } else if (view.substr(0, 8) == "https://") {
    probe.kind = ProbeTarget::Kind::Https;
    rest = view.substr(8);
  } else if (view.substr(0, 6) == "tcp://") {
    probe.kind = ProbeTarget::Kind::Tcp;
    rest = view.substr(6);
  } else {
    return invalid(inQuotes(url) + " is not an http://, https:// or tcp:// URL");
  }
  const size_t authority_end = rest.find_first_of("/?#");
  const std::string_view authority = rest.substr(0, authority_end);
  if (authority.find('@') != std::string_view::npos) {
    return invalid(inQuotes(url) + " carries credentials, which probes do not send");
  }
  if (authority.empty()) {
    return invalid(inQuotes(url) + " names no host");
  }
  auto endpoint = parseHostPort(std::string(authority));
  if (!endpoint) {
    // Name the whole URL, not just its authority, so the user can find it.
    const std::string prefix = inQuotes(authority);
    std::string message = endpoint.error().message;
    if (message.compare(0, prefix.size(), prefix) == 0) {
      message = inQuotes(url) + message.substr(prefix.size());
    }
    return invalid(std::move(message));
  }
  probe.host = endpoint->host;
  probe.port = endpoint->port;
  std::string_view path =
      authority_end == std::string_view::npos ? std::string_view() : rest.substr(authority_end);
  path = path.substr(0, path.find('#'));
  if (probe.kind == ProbeTarget::Kind::Tcp) {
    if (!path.empty() && path != "/") {
      return invalid(inQuotes(url) + " is a tcp:// probe and takes no path");
    }
    return probe;  // path keeps its default "/"
  }
  // "http://h:1?x" asks for "/?x"; the field's default "/" already holds the slash.
  if (path.empty() || path.front() == '?') {
    probe.path.append(path);
  } else {
    probe.path = std::string(path);
  }
  for (char c : probe.path) {
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f) {
      return invalid(inQuotes(url) + " has a space or control character in its path");
    }
  }
  return probe;
}

}  // namespace outrider::scenarios
