#include "outrider/harness/supervisor_pod_control.h"

#include <boost/asio/co_spawn.hpp>
#include <csignal>
#include <fstream>
#include <iterator>

#include "outrider/common/http_call.h"
#include "outrider/common/units.h"

namespace outrider::harness {

std::optional<pid_t> SupervisorPodControl::pid(const std::string& process) const {
  return supervisor_.pid(process);
}

bool SupervisorPodControl::isReady(const std::string& process) const {
  return supervisor_.isReady(process);
}

Result<void> SupervisorPodControl::signal(const std::string& process, int signo) {
  return supervisor_.signal(process, signo);
}

SupervisorPodControl::~SupervisorPodControl() {
  for (auto& [pid, hog] : hogs_) {
    (void)hog->killAndReap(std::chrono::seconds(2));
  }
}

Result<int> SupervisorPodControl::setOomScoreAdj(const std::string& process, int value) {
  const auto pid = supervisor_.pid(process);
  if (!pid) {
    return makeError(ErrorCode::Io, process + " is not running");
  }
  const std::string path = "/proc/" + std::to_string(*pid) + "/oom_score_adj";
  int previous = 0;
  {
    std::ifstream in(path);
    if (!(in >> previous)) {
      return makeError(ErrorCode::Io, "cannot read " + path);
    }
  }
  std::ofstream out(path);
  out << value << "\n";
  out.flush();
  if (!out) {
    return makeError(ErrorCode::Io, "cannot write " + std::to_string(value) + " to " + path);
  }
  return previous;
}

Result<pid_t> SupervisorPodControl::startHog(const std::string& process,
                                             const faults::HogSpec& spec) {
  if (cgroups_ == nullptr || cgroups_->find(process) == nullptr) {
    return makeError(ErrorCode::NotFound, process + " has no cgroup of its own to start a hog in");
  }
  if (launcher_.program.empty()) {
    return makeError(ErrorCode::InvalidArgument, "no hog program configured");
  }
  SpawnOptions options;
  options.name = "hog of " + process;
  options.argv = {launcher_.program};
  if (spec.memory_rate > 0) {
    options.argv.insert(options.argv.end(),
                        {"--memory-rate", std::to_string(spec.memory_rate) + "B", "--memory-max",
                         std::to_string(spec.memory_max) + "B"});
  }
  if (spec.cpu_workers > 0) {
    options.argv.insert(options.argv.end(), {"--cpu-workers", std::to_string(spec.cpu_workers)});
  }
  if (spec.oom_shield) {
    options.argv.push_back("--oom-shield");
  }
  options.log_path = launcher_.log_dir + "/hog-" + process + ".log";
  options.log_marker = "--- outrider: hog in " + process + "'s cgroup";
  options.cgroup_procs = cgroups_->procsFiles().at(process);
  auto spawned = Process::spawn(launcher_.executor, options);
  if (!spawned) {
    return tl::unexpected(spawned.error());
  }
  const pid_t pid = (*spawned)->pid();
  hogs_.emplace(pid, std::move(*spawned));
  return pid;
}

std::string SupervisorPodControl::stopHog(pid_t hog) {
  auto found = hogs_.find(hog);
  if (found == hogs_.end()) {
    return "not a hog of this run";
  }
  // A hog that had ended is a zombie until reaped here: its own status survives the SIGKILL.
  const auto status = found->second->killAndReap(std::chrono::seconds(2));
  std::string ended;
  if (!status) {
    ended = "still there 2s after SIGKILL";
  } else if (status->signal != SIGKILL) {
    ended = status->describe();
  }
  hogs_.erase(found);
  return ended;
}

namespace {

boost::asio::awaitable<void> reportWhenDone(
    boost::asio::awaitable<faults::PodRestartReport> restart, faults::PodRestartDone done) {
  const faults::PodRestartReport report = co_await std::move(restart);
  if (done) {
    done(report);
  }
}

boost::asio::awaitable<void> reportProcessWhenDone(
    boost::asio::awaitable<faults::ProcessRestartReport> restart, faults::ProcessRestartDone done) {
  const faults::ProcessRestartReport report = co_await std::move(restart);
  if (done) {
    done(report);
  }
}

void rethrowIfFailed(const std::exception_ptr& error) {
  if (error) {
    std::rethrow_exception(error);  // a bug: seen, never swallowed
  }
}

}  // namespace

void SupervisorPodControl::restartProcess(const std::string& process,
                                          const faults::ProcessLaunch& launch,
                                          faults::ProcessRestartDone done) {
  // Made here, as restartPod's: it holds the supervisor's state from now on.
  auto restart = supervisor_.restartProcess(process, launch);
  boost::asio::co_spawn(supervisor_.executor(),
                        reportProcessWhenDone(std::move(restart), std::move(done)),
                        rethrowIfFailed);
}

void SupervisorPodControl::restartPod(const faults::PodRestartRequest& request,
                                      faults::PodRestartDone done) {
  // Made here, not in the coroutine: it holds the supervisor's state from now on, so the
  // supervisor may go before the restart completes.
  auto restart = supervisor_.restartPod(request);
  boost::asio::co_spawn(supervisor_.executor(), reportWhenDone(std::move(restart), std::move(done)),
                        [](const std::exception_ptr& error) {
                          if (error) {
                            std::rethrow_exception(error);  // a bug: seen, never swallowed
                          }
                        });
}

char SupervisorPodControl::schedulerState(pid_t pid) const { return processState(pid); }

Result<faults::AdminAnswer> SupervisorPodControl::adminCall(const std::string& process,
                                                            std::string_view method,
                                                            std::string_view target) {
  auto origin = admin_.find(process);
  if (origin == admin_.end()) {
    return PodControl::adminCall(process, method, target);
  }
  auto answer = httpCall(origin->second, method, target, std::chrono::seconds(2), "outrider");
  if (!answer) {
    return tl::unexpected(answer.error());
  }
  return faults::AdminAnswer{answer->status, std::move(answer->body)};
}

char processState(pid_t pid) {
  std::ifstream file("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  // The command name may hold spaces and parentheses: the state follows the last ')'.
  auto close = text.rfind(')');
  if (close == std::string::npos || close + 2 >= text.size()) {
    return 0;
  }
  return text[close + 2];
}

}  // namespace outrider::harness
