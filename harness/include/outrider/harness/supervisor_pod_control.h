#pragma once

// The pod as the process faults see it (faults::PodControl), over the supervisor.

#include <boost/asio/any_io_executor.hpp>
#include <map>
#include <string>

#include "outrider/common/url.h"
#include "outrider/faults/pod_control.h"
#include "outrider/harness/pod_cgroups.h"
#include "outrider/harness/process.h"
#include "outrider/harness/supervisor.h"

namespace outrider::harness {

// How hogs are started: the program and where their output goes.
struct HogLauncher {
  boost::asio::any_io_executor executor;  // the thread that lives as long as the harness
  std::string program;                    // ${bin}/outrider-hog
  std::string log_dir;                    // hog-<process>.log in it
};

class SupervisorPodControl final : public faults::PodControl {
 public:
  // `cgroups`: the pod's, or null when the run has none.
  // `admin`: each process's admin origin, the scheme, host and port of its `metrics` URL.
  SupervisorPodControl(Supervisor& supervisor, PodCgroups* cgroups, HogLauncher hogs = {},
                       std::map<std::string, Url> admin = {})
      : supervisor_(supervisor),
        cgroups_(cgroups),
        launcher_(std::move(hogs)),
        admin_(std::move(admin)) {}
  // Hogs still running are SIGKILLed and reaped.
  ~SupervisorPodControl() override;

  std::optional<pid_t> pid(const std::string& process) const override;
  bool isReady(const std::string& process) const override;
  Result<void> signal(const std::string& process, int signo) override;
  char schedulerState(pid_t pid) const override;
  faults::host::Cgroup* cgroup(const std::string& process) override {
    return cgroups_ ? cgroups_->find(process) : nullptr;
  }
  Result<int> setOomScoreAdj(const std::string& process, int value) override;
  Result<pid_t> startHog(const std::string& process, const faults::HogSpec& spec) override;
  std::string stopHog(pid_t hog) override;
  // On the supervisor's executor; `done` runs there too, also after this object is gone (a
  // callback that outlives its fault must guard itself).
  void restartPod(const faults::PodRestartRequest& request, faults::PodRestartDone done) override;
  std::vector<std::string> command(const std::string& process) const override {
    return supervisor_.command(process);
  }
  // Like restartPod: on the supervisor's executor, `done` there too.
  void restartProcess(const std::string& process, const faults::ProcessLaunch& launch,
                      faults::ProcessRestartDone done) override;
  Result<faults::AdminAnswer> adminCall(const std::string& process, std::string_view method,
                                        std::string_view target) override;

 private:
  Supervisor& supervisor_;
  PodCgroups* cgroups_;
  HogLauncher launcher_;
  std::map<std::string, Url> admin_;
  std::map<pid_t, ProcessPtr> hogs_;
};

// The state letter of /proc/PID/stat ('R', 'S', 'T' stopped...), or 0 when unreadable.
char processState(pid_t pid);

}  // namespace outrider::harness
