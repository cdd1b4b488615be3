#include "outrider/sidecar/upstream_pool.h"

#include <algorithm>

#include "socket_probe.h"

namespace outrider::sidecar {
namespace {

bool isClean(UpstreamConnection& connection) {
  // A TLS close_notify or alert is bytes on the socket like any other: MSG_PEEK sees it.
  return connection.buffer.size() == 0 && connection.stream.socket().is_open() &&
         !connection.stream.hasBufferedInput() &&
         idleConnectionIsClean(connection.stream.socket().native_handle());
}

void closeConnection(UpstreamConnection& connection) { connection.stream.close(); }

}  // namespace

UpstreamConnectionPtr UpstreamPool::acquire(std::size_t& discarded) {
  while (!idle_.empty()) {
    UpstreamConnectionPtr connection = std::move(idle_.back());
    idle_.pop_back();
    if (isClean(*connection)) {
      return connection;
    }
    closeConnection(*connection);
    ++discarded;
  }
  return nullptr;
}

void UpstreamPool::release(UpstreamConnectionPtr&& connection) {
  if (idle_.size() < max_idle_ && connection->buffer.size() == 0) {
    idle_.push_back(std::move(connection));
    return;
  }
  closeConnection(*connection);
  connection.reset();
}

std::size_t UpstreamPool::reap() {
  const auto dead = std::stable_partition(idle_.begin(), idle_.end(),
                                          [](const auto& connection) { return isClean(*connection); });
  const auto count = static_cast<std::size_t>(idle_.end() - dead);
  for (auto it = dead; it != idle_.end(); ++it) {
    closeConnection(**it);
  }
  idle_.erase(dead, idle_.end());
  return count;
}

void UpstreamPool::closeAll() {
  for (auto& connection : idle_) {
    closeConnection(*connection);
  }
  idle_.clear();
}

}  // namespace outrider::sidecar
