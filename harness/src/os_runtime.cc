// The real pod runtime: fork and exec (Process), probes over loopback (Probe).

#include "outrider/harness/pod_runtime.h"
#include "outrider/harness/probe.h"
#include "outrider/harness/process.h"

namespace outrider::harness {
namespace {

class OsRuntime final : public PodRuntime {
 public:
  explicit OsRuntime(const Clock& clock) : clock_(clock) {}

  Result<std::unique_ptr<ChildProcess>> spawn(const asio::any_io_executor& executor,
                                              const SpawnOptions& options) override {
    auto process = Process::spawn(executor, options);
    if (!process) {
      return tl::unexpected(process.error());
    }
    return std::unique_ptr<ChildProcess>(std::move(*process));
  }

  Result<std::unique_ptr<HealthCheck>> probe(const std::string& url,
                                             std::chrono::nanoseconds timeout) override {
    auto probe = Probe::create(url, timeout, clock_);
    if (!probe) {
      return tl::unexpected(probe.error());
    }
    return std::unique_ptr<HealthCheck>(std::move(*probe));
  }

 private:
  const Clock& clock_;
};

}  // namespace

std::unique_ptr<PodRuntime> makeOsRuntime(const Clock& clock) {
  return std::make_unique<OsRuntime>(clock);
}

}  // namespace outrider::harness
