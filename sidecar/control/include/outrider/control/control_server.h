#pragma once

// outrider-control's gRPC server (outrider.control.v1.Control) on grpc++'s callback API, with
// the control-plane-outage fault modes built in.
//
// Why the callback API: a FetchX509 stream stays open for as long as the client wants it, and a
// `hang` call stays unanswered for as long as the mode lasts; with the sync API each would hold
// one server thread, so a few hundred streams (or one hang) would exhaust the pool. Reactors
// hold no thread while they wait, and cancellation arrives as OnCancel instead of polling.
//
// Threads: gRPC's callback threads run the handlers; `slow` delays run as timers of the injected
// Clock on `executor` (the admin listener's); setFault() and stop() may come from any thread.

#include <prometheus/registry.h>

#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "outrider/common/clock.h"
#include "outrider/common/host_port.h"
#include "outrider/common/result.h"
#include "outrider/control/fault_switch.h"
#include "outrider/control/issuance_switch.h"
#include "outrider/control/state_dir.h"

namespace outrider::control {

struct ControlOptions {
  HostPort listen{"127.0.0.1", 0};
  std::filesystem::path state_dir;
  std::filesystem::path tokens_file;
  std::optional<std::filesystem::path> secrets_file;  // {"name": {"key": "value"}, ...}
  std::chrono::seconds cert_ttl{3600};
  std::chrono::milliseconds secret_ttl{std::chrono::minutes(5)};
  std::string trust_domain = "outrider.local";
  std::chrono::seconds session_ttl{std::chrono::hours(24)};
  // Larger requests get RESOURCE_EXHAUSTED before they are decoded.
  int max_receive_message_bytes = 64 * 1024;
  // A peer that stops answering pings is dropped after time + timeout, with its streams, so a
  // half-open connection does not keep a stream (and its gauge) for ever.
  std::chrono::milliseconds keepalive_time{std::chrono::seconds(30)};
  std::chrono::milliseconds keepalive_timeout{std::chrono::seconds(10)};
  std::chrono::milliseconds max_connection_idle{std::chrono::minutes(5)};
  int max_concurrent_streams = 100;  // per connection
};

class ControlServer {
 public:
  // Opens the state dir and reads the tokens and secrets files: InvalidArgument naming the
  // file that is wrong. Does not listen yet.
  static Result<std::unique_ptr<ControlServer>> create(const ControlOptions& options,
                                                       const Clock& clock,
                                                       const boost::asio::any_io_executor& executor,
                                                       prometheus::Registry& registry);
  ~ControlServer();
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

  // Binds the gRPC listener and serves: Io when the address cannot be bound.
  Result<void> start();
  // The bound port (the one the kernel chose when options.listen.port was 0).
  uint16_t port() const;
  // start() succeeded and stop() has not run (true during `down` too: the process serves).
  bool started() const;

  // The control-plane-outage switch. Entering `down` ends open streams and closes the listener;
  // leaving it binds the same port again (Io when that fails; the mode then stays `down`).
  Result<FaultState> setFault(const FaultSetting& setting);
  FaultState fault() const;

  // The issuance switch (cert-expiry, cert-wrong-ca; issuance_switch.h), independent of the
  // outage switch. Entering or leaving wrong-ca pushes every open stream a new certificate
  // (reissueAll). Io/InvalidArgument when the wrong CA cannot be made or loaded (the mode stays).
  Result<IssuanceState> setIssuance(const IssuanceSetting& setting);
  IssuanceState issuance() const;

  // Rereads --tokens (SIGHUP); the old set stays when the file is unusable.
  Result<std::size_t> reloadTokens();

  // The re-issue hook: every open FetchX509 stream is pushed a freshly issued SVID (as the
  // issuance switch says) and the current bundle; none while the outage switch holds calls
  // (down, hang, error). Returns how many.
  std::size_t reissueAll();

  // Ends open streams (UNAVAILABLE), stops the listener; idempotent.
  void stop();

  const StateDir& stateDir() const;

  struct Core;

 private:
  ControlServer() = default;
  Result<void> bind(uint16_t port);
  void shutdownGrpc();

  struct Generation;
  std::shared_ptr<Core> core_;
  std::unique_ptr<Generation> generation_;
  uint16_t port_ = 0;
  bool started_ = false;
  mutable std::mutex mutex_;  // setFault/start/stop, one at a time
  std::mutex issuance_mutex_;  // setIssuance, one at a time (apart: it may push on streams)
};

using ControlServerPtr = std::unique_ptr<ControlServer>;

}  // namespace outrider::control
