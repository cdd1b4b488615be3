#pragma once

#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "outrider/common/result.h"
#include "outrider/sidecar/host_port.h"

namespace outrider::sidecar {

// Resolves HOST:PORT once at startup (the data plane never resolves).
Result<std::vector<boost::asio::ip::tcp::endpoint>> resolveHostPort(
    boost::asio::io_context& context, const HostPort& host_port);

// Opens, binds (SO_REUSEADDR) and listens on the first endpoint HOST:PORT resolves to.
Result<boost::asio::ip::tcp::acceptor> bindAcceptor(boost::asio::io_context& context,
                                                    const HostPort& host_port);

}  // namespace outrider::sidecar
