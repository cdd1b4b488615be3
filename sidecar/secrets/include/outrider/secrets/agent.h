#pragma once

// The workload agent of outrider-secrets (SPIRE agent, Vault Agent): joins the control plane with
// a token, streams its X.509 identity (FetchX509), writes each set atomically, rotates by opening
// a new call at the planned point, and rides out an outage on the set it has, backing off with
// full jitter, marking itself degraded as the set runs low and never deleting valid material.
//
// gRPC's client runs on its own threads; every one of its completions is posted onto the agent's
// executor, where all state, policy and timing live on the injected Clock. So a unit test drives
// the agent on a ManualClock against an in-process fake control plane.

#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "outrider/common/clock.h"
#include "outrider/common/result.h"
#include "outrider/secrets/atomic_writer.h"
#include "outrider/secrets/credential_set.h"
#include "outrider/secrets/rotation.h"
#include "outrider/secrets/secrets_metrics.h"

namespace outrider::secrets {

struct AgentOptions {
  std::string control;  // outrider-control's gRPC address, HOST:PORT
  std::string token;    // the join token (main reads --token-file once); never logged
  std::string node_name = "workload";
  std::vector<std::string> dns_names{"localhost"};
  std::filesystem::path dir;  // where the sets go (atomic_writer.h)
  RotationPolicy policy;
  // A join, or a new call whose first message, takes longer than this: DEADLINE_EXCEEDED.
  std::chrono::nanoseconds fetch_timeout = std::chrono::seconds(10);
  uint64_t seed = 0;  // the jitter of rotations and retries
  AtomicWriterOptions writer;
  // Off (--no-chain-check): a certificate that does not chain to the bundle it came with is
  // written and served anyway, as by fetchers that do not check.
  ChainCheck chain_check = ChainCheck::Bundle;
};

// One log line per event, without a trailing newline. Never given a key, a token or a session.
using LogSink = std::function<void(std::string_view)>;

class Agent {
 public:
  static Result<std::unique_ptr<Agent>> create(const boost::asio::any_io_executor& executor,
                                               const Clock& clock, AgentOptions options,
                                               SecretsMetrics& metrics, LogSink log);
  // Cancels the calls and waits (bounded) until gRPC has let go of them.
  virtual ~Agent() = default;

  // On the executor: reads the set on disk (ready at once while it is valid), then joins and
  // fetches. Returns after the disk read; the rest happens on the executor.
  virtual void start() = 0;
  // Cancels timers and calls; the set on disk stays.
  virtual void stop() = 0;

  // A valid set is on disk (NotBefore <= now < NotAfter, by the injected clock).
  virtual bool ready() const = 0;
  // Expired, or less than policy.degraded_below of the lifetime left.
  virtual bool degraded() const = 0;
  // "ready serial ..." or why not, for /ready's body.
  virtual std::string describe() const = 0;
  // Brings the time-dependent gauges up to now (before a /metrics scrape).
  virtual void refreshGauges() = 0;
  // Called on the executor after each set from the wire is on disk.
  virtual void onSetWritten(std::function<void(const SetInfo&)> callback) = 0;

  virtual std::optional<SetInfo> current() const = 0;
  // No join and no first message being waited for (a test's "settled").
  virtual bool idleForTest() const = 0;
  // FetchX509 calls opened so far.
  virtual uint64_t callsOpenedForTest() const = 0;
};

using AgentPtr = std::unique_ptr<Agent>;

// "UNAVAILABLE", "DEADLINE_EXCEEDED", ... for a gRPC status code number.
std::string grpcCodeName(int code);

}  // namespace outrider::secrets
