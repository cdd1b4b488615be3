#include "outrider/harness/supervisor_pod_control.h"

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
