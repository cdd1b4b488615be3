#pragma once

#include <memory>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "outrider/common/clock.h"
#include "outrider/common/result.h"
#include "outrider/sidecar/proxy_options.h"

namespace outrider::sidecar {

class ProxyState;
using ProxyPtr = std::unique_ptr<class Proxy>;

// The outrider-proxy HTTP/1.1 reverse proxy: one event loop per thread (share-nothing; a
// connection and its upstream pool live on one loop, so no strand is needed), a keep-alive
// upstream pool per loop, an admin listener (/ready, /live, /metrics) and a graceful drain.
class Proxy {
 public:
  // Resolves the upstream and binds both listeners; nothing runs until run().
  static Result<ProxyPtr> create(const ProxyOptions& options, const Clock& clock);
  ~Proxy();
  Proxy(const Proxy&) = delete;
  Proxy& operator=(const Proxy&) = delete;

  boost::asio::ip::tcp::endpoint listenEndpoint() const;
  boost::asio::ip::tcp::endpoint adminEndpoint() const;
  // The loop that runs the acceptors and the admin server; signal handlers belong here.
  boost::asio::io_context& controlContext();

  // Serves until the drain finishes; runs loop 0 on the calling thread.
  void run();
  // Starts the graceful drain: /ready turns 503, the listener closes, idle keep-alive
  // connections close, in-flight requests finish with "Connection: close", and run() returns
  // when no connection is left or the drain timeout passes. Safe from any thread; idempotent.
  void drain();

 private:
  explicit Proxy(std::unique_ptr<ProxyState> state);

  std::unique_ptr<ProxyState> state_;
};

}  // namespace outrider::sidecar
