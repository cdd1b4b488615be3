#pragma once

// What the supervisor needs of the machine: children it can signal and wait for, and health
// checks it can run. The OS runtime forks real programs and probes them over loopback; a test's
// runtime scripts exits and probe answers, so the supervisor's order, back-off and grace run on
// a ManualClock in milliseconds.

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "outrider/common/clock.h"
#include "outrider/common/result.h"
#include "outrider/harness/process_events.h"

namespace outrider::harness {

struct SpawnOptions;
struct ProbeResult;

// A running (or exited, not yet destroyed) child; see Process for the real one.
class ChildProcess {
 public:
  virtual ~ChildProcess() = default;
  virtual pid_t pid() const = 0;
  virtual std::optional<ExitStatus> exitStatus() const = 0;
  bool exited() const { return exitStatus().has_value(); }
  // To the whole process group. Fails once the child has been reaped.
  virtual Result<void> signalGroup(int signo) = 0;
  // Completes once the child has exited and been reaped; nullopt when the wait was cancelled.
  virtual boost::asio::awaitable<std::optional<ExitStatus>> waitExit() = 0;
  // Synchronous emergency teardown: SIGKILL, then reap within `timeout`.
  virtual std::optional<ExitStatus> killAndReap(std::chrono::milliseconds timeout) = 0;
};

// One readiness or liveness probe; see Probe for the real one.
class HealthCheck {
 public:
  virtual ~HealthCheck() = default;
  virtual boost::asio::awaitable<ProbeResult> check() = 0;
  virtual const std::string& url() const = 0;
};

class PodRuntime {
 public:
  virtual ~PodRuntime() = default;
  virtual Result<std::unique_ptr<ChildProcess>> spawn(const boost::asio::any_io_executor& executor,
                                                      const SpawnOptions& options) = 0;
  // InvalidArgument for a URL it cannot probe.
  virtual Result<std::unique_ptr<HealthCheck>> probe(const std::string& url,
                                                     std::chrono::nanoseconds timeout) = 0;
};

// Real programs and real probes; probe timeouts on `clock`'s timers.
std::unique_ptr<PodRuntime> makeOsRuntime(const Clock& clock);

}  // namespace outrider::harness
