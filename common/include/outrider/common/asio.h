#pragma once

// The names the network code shares: Asio, Beast and the error-code completion token. For .cc
// files only (the names land in namespace outrider): the proxy and echo sessions, the admin
// listener, httpCall.

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http.hpp>

namespace outrider {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::awaitable;
using asio::ip::tcp;

// Completions as (error_code, ...) tuples: the data plane handles errors as values.
inline constexpr auto UseNothrow = asio::as_tuple(asio::use_awaitable);

}  // namespace outrider
