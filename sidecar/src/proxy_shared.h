#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "outrider/common/clock.h"
#include "outrider/sidecar/connection_tracker.h"
#include "outrider/sidecar/proxy_metrics.h"
#include "outrider/sidecar/proxy_options.h"
#include "outrider/sidecar/request_id.h"
#include "outrider/sidecar/upstream_pool.h"

namespace outrider::sidecar {

// What every event loop of one proxy shares; read-mostly, the counters are atomics.
struct ProxyShared {
  ProxyShared(const ProxyOptions& proxy_options, const Clock& proxy_clock)
      : options(proxy_options), clock(proxy_clock) {}

  bool isDraining() const { return draining.load(std::memory_order_relaxed); }

  const ProxyOptions options;
  const Clock& clock;
  ProxyMetrics metrics;
  std::vector<boost::asio::ip::tcp::endpoint> upstream_endpoints;
  std::atomic<bool> draining{false};
  std::atomic<int64_t> active_connections{0};
  std::atomic<std::size_t> upstream_requests_active{0};
  // Runs (on the closing connection's loop) when the last connection closes during a drain.
  std::function<void()> on_drained;
};

// The per-loop state: everything here is touched from its own loop only.
struct ProxyWorker {
  ProxyWorker(ProxyShared& proxy_shared, boost::asio::io_context& loop, std::size_t index,
              std::chrono::nanoseconds tick)
      : shared(proxy_shared),
        context(loop),
        tracker(loop.get_executor(), proxy_shared.clock, tick),
        pool(proxy_shared.options.pool_size),
        ids(proxy_shared.options.request_id_seed, static_cast<uint16_t>(index)) {}

  ProxyShared& shared;
  boost::asio::io_context& context;
  ConnectionTracker tracker;
  UpstreamPool pool;
  RequestIdGenerator ids;
};

}  // namespace outrider::sidecar
