#include "outrider/common/clock_skew.h"

#include "outrider/common/units.h"

namespace outrider {

Result<std::chrono::nanoseconds> parseClockSkew(const char* value) {
  if (value == nullptr || *value == '\0') {
    return std::chrono::nanoseconds(0);
  }
  auto skew = parseSignedDuration(value);
  if (!skew) {
    // The value is ours (a duration), not a secret: quoting it helps find the typo.
    return makeError(ErrorCode::InvalidArgument,
                     std::string(ClockSkewVariable) + "=\"" + std::string(value).substr(0, 64) +
                         "\": expected a signed duration like -2h, +30m or 90s");
  }
  return *skew;
}

std::string formatClockSkew(std::chrono::nanoseconds skew) {
  return (skew.count() < 0 ? "-" : "+") + formatDuration(skew.count() < 0 ? -skew : skew);
}

}  // namespace outrider
