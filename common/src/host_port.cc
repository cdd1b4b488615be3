// The one parser of "host:port" text: scenario endpoints, the reference programs' flags.

#include "outrider/common/host_port.h"

#include <cstdint>

#include "outrider/common/text.h"

namespace outrider {
namespace {

tl::unexpected<Error> invalid(std::string message) {
  return makeError(ErrorCode::InvalidArgument, std::move(message));
}

bool isHostChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '-' || c == '_';
}

Result<uint16_t> parsePort(std::string_view digits, std::string_view whole, PortZero zero) {
  if (digits.empty()) {
    return invalid(inQuotes(whole) + " names no port");
  }
  uint32_t port = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') {
      return invalid(inQuotes(whole) + " has an invalid port '" + std::string(digits) + "'");
    }
    port = port * 10 + static_cast<uint32_t>(c - '0');
    if (port > 65535) {
      break;
    }
  }
  if (port > 65535 || (port == 0 && zero == PortZero::Refused)) {
    return invalid(inQuotes(whole) + " has port " + std::string(digits) + ", outside " +
                   (zero == PortZero::Refused ? "1-65535" : "0-65535"));
  }
  return static_cast<uint16_t>(port);
}

}  // namespace

Result<HostPort> parseHostPort(std::string_view text, PortZero zero) {
  const std::string_view view = text;
  HostPort endpoint;
  std::string_view port;
  if (!view.empty() && view.front() == '[') {
    // [v6]:port, the only way a host may contain ':'.
    const size_t close = view.find(']');
    if (close == std::string_view::npos || close == 1) {
      return invalid(inQuotes(view) + " is not host:port");
    }
    endpoint.host = std::string(view.substr(1, close - 1));
    for (char c : endpoint.host) {
      if (!(isHostChar(c) || c == ':')) {
        return invalid(inQuotes(view) + " has an invalid host");
      }
    }
    const std::string_view rest = view.substr(close + 1);
    if (rest.empty()) {
      return invalid(inQuotes(view) + " names no port");
    }
    if (rest.front() != ':') {
      return invalid(inQuotes(view) + " is not host:port");
    }
    port = rest.substr(1);
  } else {
    const size_t colon = view.rfind(':');
    const std::string_view host = view.substr(0, colon);
    if (host.empty()) {
      return invalid(inQuotes(view) + " names no host");
    }
    for (char c : host) {
      if (c == ':') {
        return invalid(inQuotes(view) + " needs brackets around an IPv6 host, like [::1]:8080");
      }
      if (!isHostChar(c)) {
        return invalid(inQuotes(view) + " has an invalid host");
      }
    }
    if (colon == std::string_view::npos) {
      return invalid(inQuotes(view) + " names no port");
    }
    endpoint.host = std::string(host);
    port = view.substr(colon + 1);
  }
  auto number = parsePort(port, view, zero);
  if (!number) {
    return tl::unexpected<Error>(number.error());
  }
  endpoint.port = *number;
  return endpoint;
}

}  // namespace outrider
