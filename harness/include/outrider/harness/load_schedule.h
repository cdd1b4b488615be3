#pragma once

// The open-loop plan of a load run, as pure arithmetic: request i is due at offset floor(i / R)
// from the run's start, whatever happened to the requests before it (the wrk2 method). Testable
// as data; the generator only asks it when each request is due.

#include <chrono>
#include <cstdint>

#include "outrider/common/result.h"

namespace outrider::harness {

class LoadSchedule {
 public:
  // rate in requests per second (used to 1e-6 rps), duration = the whole run with its warmup.
  // Errors: rate not in [1e-6, 1e9], duration <= 0, warmup < 0 or warmup >= duration.
  static Result<LoadSchedule> create(double rate, std::chrono::nanoseconds duration,
                                     std::chrono::nanoseconds warmup);

  // Offset of request i from the run's start: floor(i * 1e9 / rate) ns, exact integer
  // arithmetic, so the millionth request is not a rounding error late.
  std::chrono::nanoseconds offsetOf(uint64_t i) const {
    return std::chrono::nanoseconds(
        static_cast<int64_t>(static_cast<Wide>(i) * MicroNanos / rate_micro_));
  }

  // Requests in the run: those with offsetOf(i) < duration.
  uint64_t total() const { return total_; }
  // Requests due before the warmup ends (offsetOf(i) < warmup); sent but kept out of every SLI.
  uint64_t warmupCount() const { return warmup_count_; }
  // Requests after the warmup: what the journal's load.scheduled counts for a whole run.
  uint64_t measuredCount() const { return total_ - warmup_count_; }
  bool isWarmup(uint64_t i) const { return i < warmup_count_; }

  // How many requests are due at `elapsed` (offsetOf(i) <= elapsed), capped at total().
  uint64_t dueBy(std::chrono::nanoseconds elapsed) const;

  // The series bucket (whole seconds since the start) request i belongs to.
  uint64_t secondOf(uint64_t i) const {
    return static_cast<uint64_t>(offsetOf(i).count() / 1'000'000'000);
  }

  double rate() const { return static_cast<double>(rate_micro_) / 1e6; }
  std::chrono::nanoseconds duration() const { return duration_; }
  std::chrono::nanoseconds warmup() const { return warmup_; }

 private:
  __extension__ using Wide = unsigned __int128;                 // i * 1e15 needs more than 64 bits
  static constexpr Wide MicroNanos = 1'000'000'000'000'000ULL;  // 1e9 ns * 1e6 micro-rps

  LoadSchedule(uint64_t rate_micro, std::chrono::nanoseconds duration,
               std::chrono::nanoseconds warmup);
  // Requests with offset < bound: ceil(bound * rate / 1e9).
  uint64_t countBefore(std::chrono::nanoseconds bound) const;

  uint64_t rate_micro_;  // requests per 1e6 s
  std::chrono::nanoseconds duration_;
  std::chrono::nanoseconds warmup_;
  uint64_t total_;
  uint64_t warmup_count_;
};

}  // namespace outrider::harness
