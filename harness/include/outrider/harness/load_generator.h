#pragma once

// The open-loop HTTP/1.1 load generator (wrk2's method, shared/reference/sidecars-and-load.md C):
// requests leave on a fixed schedule whatever the replies, over N keep-alive connections, and
// each latency is measured from the request's scheduled send time, so a stalled target cannot
// hide its stall by slowing the generator down (coordinated omission).
//
// https: every new connection takes the client context as the files are at connect time (a
// rotation reaches the next connection) and makes a full handshake under the request's deadline;
// sessions are never resumed, so each handshake verifies the certificate the server serves now
// (a resumed session would skip it, and an expired certificate would go unnoticed). Handshake
// failures are failed requests, counted by reason; handshake and connect durations are kept
// apart from request latency (load_stats.h).

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "outrider/common/clock.h"
#include "outrider/common/result.h"
#include "outrider/harness/load_schedule.h"
#include "outrider/harness/load_stats.h"
#include "outrider/harness/reply_matcher.h"
#include "outrider/harness/served_certificates.h"
#include "outrider/tls/context.h"

namespace outrider::harness {

// An https target: the client's files (tls::Files: `ca` verifies the server, none: encrypted but
// not verified; `cert` and `key`: a client certificate) and the name the server must carry.
struct LoadTlsConfig {
  tls::Files files;
  std::string server_name;  // SNI and the certificate's name check; empty: LoadConfig::host
};

struct LoadConfig {
  std::string host = "127.0.0.1";  // where to connect: an address or a name (resolved once)
  uint16_t port = 0;
  // The request path; ${seq} and ${rand:N} make it vary per request (common/path_template.h),
  // each ${rand:N} drawn from path_seed and the request's number.
  std::string path = "/";
  uint64_t path_seed = 0;
  std::string host_header;  // empty: "host:port"
  std::string method = "GET";
  std::vector<std::pair<std::string, std::string>> headers;  // sent as given, in order
  std::string body;                                          // sent with a Content-Length
  std::optional<LoadTlsConfig> tls;                          // set: https
  // A connection is closed (TLS: close_notify) and opened anew after this many replies, so
  // connects and handshakes stay part of the load; 0: keep-alive for as long as it lasts.
  uint64_t requests_per_connection = 0;
  // [load] expect: a full reply that does not match is unexpected (LoadCounts::unexpected), bad
  // for every SLI. Absent: headers and body are not looked at.
  std::optional<ReplyExpectation> expect;

  double rate = 0;  // requests per second
  uint32_t connections = 16;
  std::chrono::nanoseconds warmup{0};    // requests due before it are sent but not measured
  std::chrono::nanoseconds duration{0};  // the whole run, warmup included
  std::chrono::nanoseconds timeout = std::chrono::seconds(1);  // from the scheduled send time
  // The schedule's t0 when the caller shares it with other schedules (the fault plan); absent:
  // the moment run() starts. Give it a few milliseconds ahead so the first requests are not late.
  std::optional<MonotonicTime> start;
  // The status groups the SLOs' bad_status keys need counted per second (load_stats.h).
  StatusGroups status_groups;

  // Called on the generator's thread when a measured second's counts are final (its last
  // request completed or expired), in order, for live SLO evaluation. Must be quick.
  std::function<void(uint64_t second, const LoadSecond& counts)> on_second_final;

  std::chrono::nanoseconds late_threshold = std::chrono::milliseconds(1);
  // The generator's own lag beyond which it counts a stall (LoadCounts::stalled_dispatch). A
  // shared 2-core host delays a thread by a millisecond now and then; 10 ms is a real stall.
  std::chrono::nanoseconds stall_threshold = std::chrono::milliseconds(10);
  // After a failure a connection waits initial, doubling up to max, before its next attempt.
  std::chrono::nanoseconds reconnect_backoff_initial = std::chrono::milliseconds(1);
  std::chrono::nanoseconds reconnect_backoff_max = std::chrono::milliseconds(50);
};

// http(s)://host[:port][/path] split for LoadConfig (the scenario's [load] target).
struct LoadTarget {
  std::string host;
  uint16_t port = 80;  // 443 for https without a port
  std::string path = "/";
  bool tls = false;  // https
};
Result<LoadTarget> parseLoadTarget(std::string_view url);

class LoadGenerator {
 public:
  // Validates the config (rate, duration > warmup, connections in [1, 10000], timeout > 0, a
  // port, header and method syntax) and pre-serialises the request; for https it builds the
  // client context from the files, which must exist by then. Nothing runs yet. The clock
  // times every request; it must advance in real time (waits use Asio's steady timers), so it is
  // the RealClock in production.
  static Result<std::unique_ptr<LoadGenerator>> create(boost::asio::io_context& io,
                                                       const Clock& clock, LoadConfig config);
  ~LoadGenerator();
  LoadGenerator(const LoadGenerator&) = delete;
  LoadGenerator& operator=(const LoadGenerator&) = delete;

  // The run, once: t0 is the moment it starts; it returns after the duration plus the time the
  // last in-flight requests take (at most `timeout`). Spawn it on the io_context given to
  // create(), which one thread must run, and keep the generator alive until it completes:
  //   auto done = co_spawn(io, generator->run(), boost::asio::use_future);
  boost::asio::awaitable<LoadResult> run();

  // Ends the run early (from any thread): nothing new is scheduled, queued requests count as
  // not_sent, in-flight ones finish or time out. The result has stopped_early set.
  void stop();

  // Progress for a display, from any thread; a few atomic loads.
  LoadSnapshot snapshot() const;

  // https: the certificates served so far, from any thread (a copy, taken under a lock that only
  // handshakes take). For certificate faults' evidence while the run goes on; LoadResult has the
  // same table at the end.
  ServedCertificates servedCertificates() const;

  const LoadConfig& config() const;
  const LoadSchedule& schedule() const;

 private:
  class Engine;
  explicit LoadGenerator(std::shared_ptr<Engine> engine);
  std::shared_ptr<Engine> engine_;  // shared only so a posted stop() can check it is alive
};

}  // namespace outrider::harness
