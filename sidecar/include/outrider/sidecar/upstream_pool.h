#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace outrider::sidecar {

// One keep-alive connection to the upstream with its read buffer.
struct UpstreamConnection {
  UpstreamConnection(boost::asio::any_io_executor executor, std::size_t buffer_limit)
      : socket(std::move(executor)), buffer(buffer_limit) {}

  boost::asio::ip::tcp::socket socket;
  boost::beast::flat_buffer buffer;
  // Every byte written on this connection, to compare with what the upstream acknowledged.
  std::uint64_t bytes_written = 0;
  // Requests sent on it; above 0 it is a reused connection.
  std::uint64_t requests = 0;
};
using UpstreamConnectionPtr = std::unique_ptr<UpstreamConnection>;

// Idle keep-alive upstream connections of one event loop (share-nothing: no locking). Reuse is
// LIFO: the most recently used connection is the least likely to have been closed by the peer.
// A connection is only ever pooled with nothing unread, and is checked again when it leaves: one
// that received any byte or EOF while idle is discarded, so a late or smuggled response can never
// be read as the answer to somebody else's request.
class UpstreamPool {
 public:
  explicit UpstreamPool(std::size_t max_idle) : max_idle_(max_idle) {}

  // A clean idle connection, or nullptr. Adds the connections it had to discard to `discarded`.
  UpstreamConnectionPtr acquire(std::size_t& discarded);
  // Keeps the connection for reuse (its buffer must be empty), or closes it when the pool is full.
  void release(UpstreamConnectionPtr&& connection);
  // Drops every idle connection that is no longer clean; returns how many.
  std::size_t reap();
  void closeAll();
  std::size_t idleCount() const { return idle_.size(); }

 private:
  std::size_t max_idle_;
  std::vector<UpstreamConnectionPtr> idle_;
};

}  // namespace outrider::sidecar
