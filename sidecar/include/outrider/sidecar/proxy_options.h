#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

#include "outrider/sidecar/host_port.h"

namespace outrider::sidecar {

// Everything outrider-proxy is told on its command line; the defaults are the documented ones.
struct ProxyOptions {
  HostPort listen{"127.0.0.1", 0};
  HostPort upstream{"127.0.0.1", 8080};
  HostPort admin{"127.0.0.1", 0};
  std::chrono::nanoseconds request_timeout = std::chrono::seconds(15);
  std::chrono::nanoseconds idle_timeout = std::chrono::seconds(60);
  std::chrono::nanoseconds header_timeout = std::chrono::seconds(10);
  std::chrono::nanoseconds upstream_connect_timeout = std::chrono::seconds(1);
  std::chrono::nanoseconds drain_timeout = std::chrono::seconds(10);
  std::size_t max_header_size = 16 * 1024;
  std::size_t max_body_size = 1024 * 1024;
  std::size_t threads = 1;
  // Idle upstream keep-alive connections kept per event loop.
  std::size_t pool_size = 128;
  // Concurrent upstream requests before fast-failing with 503 (Envoy's max_requests default).
  std::size_t max_upstream_requests = 1024;
  // Seeds X-Request-Id generation; main draws it from random_device.
  uint64_t request_id_seed = 0;
};

}  // namespace outrider::sidecar
