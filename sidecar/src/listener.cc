#include "listener.h"

#include <string>

namespace outrider::sidecar {

namespace asio = boost::asio;
using asio::ip::tcp;

Result<std::vector<tcp::endpoint>> resolveHostPort(asio::io_context& context,
                                                   const HostPort& host_port) {
  tcp::resolver resolver(context);
  boost::system::error_code ec;
  const auto results = resolver.resolve(host_port.host, std::to_string(host_port.port), ec);
  if (ec || results.empty()) {
    return makeError(ErrorCode::InvalidArgument, "cannot resolve '" + host_port.host +
                                                     "': " + (ec ? ec.message() : "no address"));
  }
  std::vector<tcp::endpoint> endpoints;
  for (const auto& entry : results) {
    endpoints.push_back(entry.endpoint());
  }
  return endpoints;
}

Result<tcp::acceptor> bindAcceptor(asio::io_context& context, const HostPort& host_port) {
  auto endpoints = resolveHostPort(context, host_port);
  if (!endpoints) {
    return tl::unexpected(endpoints.error());
  }
  const tcp::endpoint endpoint = endpoints->front();
  tcp::acceptor acceptor(context);
  boost::system::error_code ec;
  const auto fail = [&](const char* what) {
    return makeError(ErrorCode::Io, std::string(what) + " " + host_port.host + ":" +
                                        std::to_string(host_port.port) + ": " + ec.message());
  };
  if (acceptor.open(endpoint.protocol(), ec)) {
    return fail("cannot open");
  }
  if (acceptor.set_option(tcp::acceptor::reuse_address(true), ec)) {
    return fail("cannot set SO_REUSEADDR on");
  }
  if (acceptor.bind(endpoint, ec)) {
    return fail("cannot bind");
  }
  if (acceptor.listen(tcp::acceptor::max_listen_connections, ec)) {
    return fail("cannot listen on");
  }
  return acceptor;
}

}  // namespace outrider::sidecar
