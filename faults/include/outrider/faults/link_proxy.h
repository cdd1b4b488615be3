#pragma once

// The built-in hop that serves one [[link]]: everything between `listen` and `to` passes through
// it, so link faults act on real bytes and connections. With no fault active it only copies
// bytes, in both directions, with half-close preserved. Faults are applied and removed from any
// thread while the link runs on its own executor; each one keeps the evidence that it acted.

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "outrider/common/clock.h"
#include "outrider/common/result.h"
#include "outrider/faults/link_fault.h"
#include "outrider/faults/plan.h"
#include "outrider/scenarios/scenario.h"

namespace outrider::faults {

struct LinkEndpoint {
  std::string host;
  uint16_t port = 0;
  bool operator==(const LinkEndpoint&) const = default;
};

struct LinkConfig {
  std::string name;
  LinkEndpoint listen;
  LinkEndpoint to;
  // http: the link frames HTTP/1.1 (bytes still pass verbatim) so faults can act per request.
  scenarios::LinkProtocol protocol = scenarios::LinkProtocol::Tcp;
  size_t buffer_size = 16 * 1024;
};

// Counters a fault or the journal can read at any time from any thread.
struct LinkStats {
  uint64_t accepted = 0;        // downstream connections accepted
  uint64_t connect_errors = 0;  // upstream connects that failed
  uint64_t active = 0;          // connections open now
  uint64_t bytes_upstream = 0;  // client -> target
  uint64_t bytes_downstream = 0;
  uint64_t framing_errors = 0;  // http links: streams that stopped parsing as HTTP/1.1
  uint64_t local_replies = 0;   // http links: replies the link wrote itself (http-abort)
};

class LinkProxy {
 public:
  // Binds the listening socket now, so a taken port is an error before any process starts.
  // Every wait of the link (latency, pacing, slices, slow closes, resets) is on a timer of
  // `clock`, which must outlive the link; a ManualClock needs `executor` run on its thread.
  static Result<std::unique_ptr<LinkProxy>> create(boost::asio::any_io_executor executor,
                                                   const Clock& clock, LinkConfig config);
  ~LinkProxy();
  LinkProxy(const LinkProxy&) = delete;
  LinkProxy& operator=(const LinkProxy&) = delete;

  // Starts accepting on the executor given to create().
  void start();
  // Stops accepting, removes every fault and closes every connection. Safe from any thread.
  void stop();

  // Activates a link fault on this link; a fault of the same name is replaced. Data-plane
  // faults take effect from the next chunk each connection reads. `refuse` has closed the
  // listener and probed that a connect is refused when this returns: it waits for the link's
  // executor, so apply and remove refuse from another thread. Any thread otherwise. Errors:
  // not a link fault, another link's fault, http-abort on a tcp link, a listener that cannot
  // be closed (also recorded in the fault's evidence).
  Result<void> applyFault(const PlannedFault& fault);
  // Reverts the fault: delays and pacing stop for new data, held (blackholed) connections are
  // closed, pending resets are cancelled, a refused listener listens again on the same port
  // (the error says why it could not). Unknown or inactive names are a no-op. Same threads as
  // applyFault.
  Result<void> removeFault(const std::string& name);
  // The counters and evidence line of a fault applied to this link, active or removed. Any
  // thread. An unknown name gives applied = false.
  FaultEvidence faultEvidence(const std::string& name) const;
  // Names of the faults active now.
  std::vector<std::string> activeFaults() const;

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
