#pragma once

#include <cstddef>
#include <memory>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>

namespace outrider::sidecar {

// One keep-alive connection to the upstream with its read buffer.
struct UpstreamConnection {
  explicit UpstreamConnection(boost::asio::any_io_executor executor) : socket(executor) {}

  boost::asio::ip::tcp::socket socket;
  boost::beast::flat_buffer buffer;
};
using UpstreamConnectionPtr = std::unique_ptr<UpstreamConnection>;

// Idle keep-alive upstream connections of one event loop (share-nothing: no locking). Reuse is
// LIFO: the most recently used connection is the least likely to have been closed by the peer.
class UpstreamPool {
 public:
  explicit UpstreamPool(std::size_t max_idle) : max_idle_(max_idle) {}

  // An idle connection, or nullptr when the pool is empty.
  UpstreamConnectionPtr acquire();
  // Keeps the connection for reuse, or closes it when the pool is full.
  void release(UpstreamConnectionPtr&& connection);
  void closeAll();
  std::size_t idleCount() const { return idle_.size(); }

 private:
  std::size_t max_idle_;
  std::vector<UpstreamConnectionPtr> idle_;
};

}  // namespace outrider::sidecar
