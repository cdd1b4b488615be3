#include "outrider/sidecar/upstream_pool.h"

namespace outrider::sidecar {

UpstreamConnectionPtr UpstreamPool::acquire() {
  if (idle_.empty()) {
    return nullptr;
  }
  UpstreamConnectionPtr connection = std::move(idle_.back());
  idle_.pop_back();
  return connection;
}

void UpstreamPool::release(UpstreamConnectionPtr&& connection) {
  if (idle_.size() < max_idle_) {
    idle_.push_back(std::move(connection));
    return;
  }
  boost::system::error_code ignored;
  connection->socket.close(ignored);
  connection.reset();
}

void UpstreamPool::closeAll() {
  boost::system::error_code ignored;
  for (auto& connection : idle_) {
    connection->socket.close(ignored);
  }
  idle_.clear();
}

}  // namespace outrider::sidecar
