#include "outrider/sidecar/host_port.h"

#include <charconv>

namespace outrider::sidecar {

Result<HostPort> parseHostPort(std::string_view text) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size()) {
    return makeError(ErrorCode::InvalidArgument,
                     "expected HOST:PORT like 127.0.0.1:8080, got '" + std::string(text) + "'");
  }
  std::string_view host = text.substr(0, colon);
  const std::string_view port_text = text.substr(colon + 1);
  if (host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') {
      return makeError(ErrorCode::InvalidArgument, "bad IPv6 host in '" + std::string(text) + "'");
    }
    host = host.substr(1, host.size() - 2);
  }
  unsigned port = 0;
  const auto* end = port_text.data() + port_text.size();
  const auto [ptr, ec] = std::from_chars(port_text.data(), end, port);
  if (ec != std::errc() || ptr != end || port > 65535) {
    return makeError(ErrorCode::InvalidArgument,
                     "port must be 0-65535, got '" + std::string(port_text) + "'");
  }
  return HostPort{std::string(host), static_cast<uint16_t>(port)};
}

std::string formatEndpoint(const boost::asio::ip::tcp::endpoint& endpoint) {
  const auto address = endpoint.address();
  std::string text;
  if (address.is_v6()) {
    text += '[';
    text += address.to_string();
    text += ']';
  } else {
    text += address.to_string();
  }
  text += ':';
  text += std::to_string(endpoint.port());
  return text;
}

}  // namespace outrider::sidecar
