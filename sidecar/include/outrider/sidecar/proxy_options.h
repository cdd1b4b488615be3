#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

#include "outrider/sidecar/host_port.h"
#include "outrider/tls/context.h"

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
  // Header fields per request (431 past it) and the request line's length (414 past it).
  std::size_t max_headers = 100;
  std::size_t max_request_line = 8 * 1024;
  // Largest request body, 413 past it; 0: no limit (bodies stream, so size costs no memory).
  std::size_t max_body_size = 0;
  // The most one connection buffers in each direction (Envoy's per_connection_buffer_limit_bytes):
  // bodies stream through reads of at most this size, with back-pressure, never held whole.
  std::size_t buffer_limit = 1024 * 1024;
  // Open downstream connections; past it a new connection is closed at once (and counted).
  // 0: derived from RLIMIT_NOFILE so that admin, upstream and log descriptors always remain.
  std::size_t max_connections = 0;
  std::size_t threads = 1;
  // Idle upstream keep-alive connections kept per event loop.
  std::size_t pool_size = 128;
  // Concurrent upstream requests before fast-failing with 503 (Envoy's max_requests default).
  std::size_t max_upstream_requests = 1024;
  // TLS on the listener when `cert` and `key` are set (--tls-cert, --tls-key); with `ca`
  // (--tls-client-ca) every client must present a certificate that verifies against it.
  tls::Files downstream_tls;
  // TLS to the upstream when any is set: `ca` verifies the upstream (--upstream-tls-ca), `cert`
  // and `key` are our client certificate (--upstream-tls-cert, --upstream-tls-key). The
  // upstream's host name (or IP) is the SNI and the name its certificate must carry.
  tls::Files upstream_tls;
  // Also count responses by request path (outrider_proxy_requests_by_path_total{path, code}):
  // a new series for every path ever seen, the kind of setting that floods a metrics backend
  // (F5). Off by default; it exists so a scenario can show the flood, never to be used.
  bool metrics_path_label = false;
  // Seeds X-Request-Id generation; main draws it from random_device.
  uint64_t request_id_seed = 0;
};

}  // namespace outrider::sidecar
