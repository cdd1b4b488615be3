#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <boost/asio/ip/tcp.hpp>

#include "outrider/common/result.h"

namespace outrider::sidecar {

// A "HOST:PORT" flag value before resolution; port 0 asks the kernel for a free port.
struct HostPort {
  std::string host;
  uint16_t port = 0;
};

// Parses "127.0.0.1:8080", "localhost:0", "[::1]:9000". The host is required.
Result<HostPort> parseHostPort(std::string_view text);

// Renders an endpoint as the announce line prints it: "127.0.0.1:8080", "[::1]:9000".
std::string formatEndpoint(const boost::asio::ip::tcp::endpoint& endpoint);

}  // namespace outrider::sidecar
