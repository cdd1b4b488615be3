#include "outrider/sidecar/host_port.h"

namespace outrider::sidecar {

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
