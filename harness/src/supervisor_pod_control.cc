#include "outrider/harness/supervisor_pod_control.h"

#include <boost/asio/co_spawn.hpp>
#include <fstream>
#include <iterator>

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

namespace {

boost::asio::awaitable<void> reportWhenDone(
    boost::asio::awaitable<faults::PodRestartReport> restart, faults::PodRestartDone done) {
  const faults::PodRestartReport report = co_await std::move(restart);
  if (done) {
    done(report);
  }
}

}  // namespace

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
