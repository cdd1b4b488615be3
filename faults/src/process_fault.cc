#include "outrider/faults/process_fault.h"

#include <fmt/format.h>

#include "outrider/common/units.h"

namespace outrider::faults {

std::string runMoment(const FaultContext& context, MonotonicTime at, MonotonicTime since) {
  if (context.run_start) {
    return fmt::format(
        "{:.1f}s",
        toSeconds(std::chrono::duration_cast<std::chrono::nanoseconds>(at - *context.run_start)));
  }
  return fmt::format("+{:.1f}s",
                     toSeconds(std::chrono::duration_cast<std::chrono::nanoseconds>(at - since)));
}

}  // namespace outrider::faults
