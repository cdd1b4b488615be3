#pragma once

// Small renderers shared by the plan and the evidence texts.

#include <cstdint>
#include <string>

#include <fmt/format.h>

namespace outrider::faults::detail {

// "512B", "64KiB", "1.5MiB": exact binary units when they divide, else one decimal.
inline std::string formatBytes(uint64_t bytes) {
  constexpr const char* Units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int unit = 0;
  uint64_t whole = bytes;
  while (unit < 4 && whole >= 1024 && whole % 1024 == 0) {
    whole /= 1024;
    ++unit;
  }
  if (whole < 1024 || unit == 4) {
    return fmt::format("{}{}", whole, Units[unit]);
  }
  double value = static_cast<double>(bytes);
  unit = 0;
  while (unit < 4 && value >= 1024) {
    value /= 1024;
    ++unit;
  }
  return fmt::format("{:.1f}{}", value, Units[unit]);
}

}  // namespace outrider::faults::detail
