#include "outrider/harness/load_schedule.h"

#include <fmt/format.h>

#include <cmath>

namespace outrider::harness {

Result<LoadSchedule> LoadSchedule::create(double rate, std::chrono::nanoseconds duration,
                                          std::chrono::nanoseconds warmup) {
  if (!std::isfinite(rate) || rate < 1e-6 || rate > 1e9) {
    return makeError(ErrorCode::InvalidArgument,
                     fmt::format("load rate must be in [0.000001, 1e9] requests/s, got {}", rate));
  }
  if (duration.count() <= 0) {
    return makeError(ErrorCode::InvalidArgument, "load duration must be positive");
  }
  if (warmup.count() < 0 || warmup >= duration) {
    return makeError(ErrorCode::InvalidArgument,
                     "load warmup must be >= 0 and shorter than the run's duration");
  }
  const auto rate_micro = static_cast<uint64_t>(std::llround(rate * 1e6));
  return LoadSchedule(rate_micro, duration, warmup);
}

LoadSchedule::LoadSchedule(uint64_t rate_micro, std::chrono::nanoseconds duration,
                           std::chrono::nanoseconds warmup)
    : rate_micro_(rate_micro), duration_(duration), warmup_(warmup) {
  total_ = countBefore(duration_);
  warmup_count_ = countBefore(warmup_);
}

uint64_t LoadSchedule::countBefore(std::chrono::nanoseconds bound) const {
  if (bound.count() <= 0) {
    return 0;
  }
  // floor(i * 1e15 / r) < b  <=>  i * 1e15 < b * r  <=>  i < b * r / 1e15.
  const Wide product = static_cast<Wide>(bound.count()) * rate_micro_;
  return static_cast<uint64_t>((product + MicroNanos - 1) / MicroNanos);
}

uint64_t LoadSchedule::dueBy(std::chrono::nanoseconds elapsed) const {
  if (elapsed.count() < 0) {
    return 0;
  }
  const uint64_t due = countBefore(elapsed + std::chrono::nanoseconds(1));
  return due < total_ ? due : total_;
}

}  // namespace outrider::harness
