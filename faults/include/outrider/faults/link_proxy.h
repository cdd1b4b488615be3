#pragma once

// The built-in TCP hop that serves one [[link]]: everything between `listen` and `to` passes
// through it, so link faults (issue 3) act on real bytes and connections. With no fault active
// it only copies bytes, in both directions, with half-close preserved.

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include <boost/asio/any_io_executor.hpp>

#include "outrider/common/result.h"

namespace outrider::faults {

struct LinkEndpoint {
  std::string host;
  uint16_t port = 0;
};

struct LinkConfig {
  std::string name;
  LinkEndpoint listen;
  LinkEndpoint to;
  size_t buffer_size = 16 * 1024;
};

// Counters a fault or the journal can read at any time from any thread.
struct LinkStats {
  uint64_t accepted = 0;        // downstream connections accepted
  uint64_t connect_errors = 0;  // upstream connects that failed
  uint64_t active = 0;          // connections open now
  uint64_t bytes_upstream = 0;  // client -> target
  uint64_t bytes_downstream = 0;
};

class LinkProxy {
 public:
  // Binds the listening socket now, so a taken port is an error before any process starts.
  static Result<std::unique_ptr<LinkProxy>> create(boost::asio::any_io_executor executor,
                                                   LinkConfig config);
  ~LinkProxy();
  LinkProxy(const LinkProxy&) = delete;
  LinkProxy& operator=(const LinkProxy&) = delete;

  // Starts accepting on the executor given to create().
  void start();
  // Stops accepting and closes every connection. Safe to call from any thread.
  void stop();

  const LinkConfig& config() const;
  uint16_t boundPort() const;
  LinkStats stats() const;

  class Impl;

 private:
  explicit LinkProxy(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

using LinkProxyPtr = std::unique_ptr<LinkProxy>;

}  // namespace outrider::faults
