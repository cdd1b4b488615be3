#include "outrider/faults/host/faketime.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdlib>

#include "outrider/faults/clock_skew_launch.h"

namespace outrider::faults::host {

bool onPath(std::string_view program, std::string_view path) {
  while (true) {
    const auto colon = path.find(':');
    std::string folder(path.substr(0, colon));
    if (folder.empty()) {
      folder = ".";  // an empty PATH entry is the current folder
    }
    const std::string candidate = folder + "/" + std::string(program);
    if (::access(candidate.c_str(), X_OK) == 0) {
      return true;
    }
    if (colon == std::string_view::npos) {
      return false;
    }
    path.remove_prefix(colon + 1);
  }
}

bool faketimeInstalled() {
  const char* path = std::getenv("PATH");
  return onPath(FaketimeProgram, path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin");
}

std::optional<std::string> faketimeProblem(const scenarios::Scenario& scenario,
                                           bool faketime_found) {
  if (faketime_found) {
    return std::nullopt;
  }
  std::string needing;
  for (const auto& fault : scenario.faults) {
    if (fault.kind != scenarios::FaultKind::ClockSkew) {
      continue;
    }
    const scenarios::ProcessSpec* target = scenario.findProcess(fault.target);
    if (target == nullptr || takesInjectedClock(target->command)) {
      continue;
    }
    needing += fmt::format("{}'{}' (target '{}' runs {})", needing.empty() ? "" : ", ", fault.name,
                           fault.target, target->command.empty() ? "?" : target->command.front());
  }
  if (needing.empty()) {
    return std::nullopt;
  }
  return fmt::format(
      "clock-skew {} needs faketime (Debian package faketime) to shift a program that is not "
      "outrider-*, and it is not on PATH",
      needing);
}

}  // namespace outrider::faults::host
