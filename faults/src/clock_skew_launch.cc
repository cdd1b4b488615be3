#include "outrider/faults/clock_skew_launch.h"

#include <fmt/format.h>

#include "outrider/common/clock_skew.h"

namespace outrider::faults {

bool takesInjectedClock(const std::vector<std::string>& command) {
  if (command.empty()) {
    return false;
  }
  const std::string& program = command.front();
  const auto slash = program.rfind('/');
  const std::string base = slash == std::string::npos ? program : program.substr(slash + 1);
  return base.rfind("outrider-", 0) == 0;
}

std::string faketimeOffset(std::chrono::nanoseconds skew) {
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(skew).count();
  return fmt::format("{}{}s", seconds < 0 ? "-" : "+", seconds < 0 ? -seconds : seconds);
}

ProcessLaunch clockSkewLaunch(const std::vector<std::string>& command,
                              std::chrono::nanoseconds skew) {
  ProcessLaunch launch;
  if (takesInjectedClock(command)) {
    launch.env[ClockSkewVariable] = formatClockSkew(skew);
  } else {
    launch.prefix = {FaketimeProgram, "--exclude-monotonic", "-f", faketimeOffset(skew)};
  }
  return launch;
}

}  // namespace outrider::faults
