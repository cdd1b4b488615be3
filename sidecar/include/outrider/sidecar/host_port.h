#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <boost/asio/ip/tcp.hpp>

#include "outrider/common/host_port.h"
#include "outrider/common/result.h"

namespace outrider::sidecar {

// A "HOST:PORT" flag value before resolution; port 0 asks the kernel for a free port.
using HostPort = outrider::HostPort;

// Parses "127.0.0.1:8080", "localhost:0", "[::1]:9000" (common/host_port.h, port 0 allowed).
inline Result<HostPort> parseHostPort(std::string_view text) {
  return outrider::parseHostPort(text, PortZero::Allowed);
}

// Renders an endpoint as the announce line prints it: "127.0.0.1:8080", "[::1]:9000".
std::string formatEndpoint(const boost::asio::ip::tcp::endpoint& endpoint);

}  // namespace outrider::sidecar
