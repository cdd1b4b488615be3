#pragma once

// Resolves a probe's or a scrape's host once, when it is created: they run every second or more
// often, and a resolver's thread cannot be cancelled. An IP literal needs no lookup.

#include <cstdint>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "outrider/common/result.h"

namespace outrider::harness::detail {

// `what` names the user's setting in the message ("probe http://...", "metrics http://...").
inline Result<std::vector<boost::asio::ip::tcp::endpoint>> resolveOnce(const std::string& host,
                                                                       uint16_t port,
                                                                       const std::string& what) {
  namespace asio = boost::asio;
  using asio::ip::tcp;
  std::vector<tcp::endpoint> endpoints;
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(host, ec);
  if (!ec) {
    endpoints.emplace_back(address, port);
    return endpoints;
  }
  asio::io_context resolver_context;
  tcp::resolver resolver(resolver_context);
  auto results = resolver.resolve(host, std::to_string(port), ec);
  if (ec || results.empty()) {
    return makeError(ErrorCode::InvalidArgument,
                     what + ": cannot resolve host '" + host + "': " + ec.message());
  }
  for (const auto& entry : results) {
    endpoints.push_back(entry.endpoint());
  }
  return endpoints;
}

}  // namespace outrider::harness::detail
