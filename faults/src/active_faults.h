#pragma once

// The state a link shares with its connections: the active faults as an immutable snapshot
// (swapped under a mutex by the control thread, picked up by a connection when the version
// moves, so the data plane reads one atomic per chunk) and the counters both sides update.

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "outrider/common/clock.h"
#include "outrider/faults/link_filter.h"
#include "outrider/faults/link_proxy.h"
#include "outrider/faults/plan.h"

namespace outrider::faults::detail {

struct ActiveFault {
  uint64_t instance = 0;  // unique per applyFault(): a re-applied name is a new fault
  PlannedFault planned;
  std::shared_ptr<FaultCounters> counters;
  // The kind's filter, one per connection (from the registry); empty: it acts on the listener.
  LinkFilterFactory make_filter;
  // Set for a kind that sends new connections elsewhere (misroute on a tcp link): where they go
  // instead.
  std::optional<LinkEndpoint> redirect;
  // Set for the same kind on an http link, which sends requests its filter picks there instead.
  std::optional<LinkEndpoint> divert;
};

struct ActiveFaults {
  std::vector<ActiveFault> faults;

  const ActiveFault* find(uint64_t instance) const {
    for (const auto& fault : faults) {
      if (fault.instance == instance) {
        return &fault;
      }
    }
    return nullptr;
  }
};

using ActiveFaultsPtr = std::shared_ptr<const ActiveFaults>;

struct LinkShared {
  LinkShared(LinkConfig link_config, const Clock& link_clock)
      : config(std::move(link_config)), clock(link_clock) {}

  ActiveFaultsPtr snapshot() const {
    std::lock_guard lock(mutex);
    return faults;
  }
  void publish(ActiveFaultsPtr next) {
    {
      std::lock_guard lock(mutex);
      faults = std::move(next);
    }
    version.fetch_add(1, std::memory_order_release);
  }

  const LinkConfig config;
  const Clock& clock;  // the connections' delays, pacing and resets wait on its timers
  std::atomic<uint64_t> version{0};
  mutable std::mutex mutex;
  ActiveFaultsPtr faults = std::make_shared<const ActiveFaults>();

  std::atomic<uint64_t> accepted{0};
  // Link-wide request numbers for per-request draws on http links. Which pooled connection a
  // proxy sends a request on depends on timing; the n-th request through the link does not, so
  // the same seed injects on the same number of requests in a window.
  std::atomic<uint64_t> http_requests{0};
  std::atomic<uint64_t> connect_errors{0};
  std::atomic<uint64_t> active{0};
  std::atomic<uint64_t> bytes_upstream{0};
  std::atomic<uint64_t> bytes_downstream{0};
  std::atomic<uint64_t> framing_errors{0};
  std::atomic<uint64_t> local_replies{0};
};

}  // namespace outrider::faults::detail
