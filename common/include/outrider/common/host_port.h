#pragma once

// "host:port" as scenarios and flags write it: "127.0.0.1:8080", "localhost:9000", "[::1]:80".
// One parser for all of them, with messages that quote the text and say what is wrong.

#include <cstdint>
#include <string>
#include <string_view>

#include "outrider/common/result.h"

namespace outrider {

struct HostPort {
  std::string host;  // without the brackets of an IPv6 literal
  uint16_t port = 0;
};

// Port 0 asks the kernel for a free port: right for a listener's flag, wrong for a destination.
enum class PortZero { Refused, Allowed };

// InvalidArgument with a message like "\"host:\" names no port".
Result<HostPort> parseHostPort(std::string_view text, PortZero zero = PortZero::Refused);

}  // namespace outrider
