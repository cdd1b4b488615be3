#include "outrider/common/units.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace outrider {
namespace {

// Reads a non-negative decimal number ("10", "1.5") from the front of text.
std::optional<double> takeNumber(std::string_view& text) {
  size_t i = 0;
  bool digits = false;
  bool dot = false;
  while (i < text.size()) {
    char c = text[i];
    if (c >= '0' && c <= '9') {
      digits = true;
    } else if (c == '.' && !dot) {
      dot = true;
    } else {
      break;
    }
    ++i;
  }
  if (!digits) {
    return std::nullopt;
  }
  double value = std::strtod(std::string(text.substr(0, i)).c_str(), nullptr);
  text.remove_prefix(i);
  return value;
}

std::optional<double> durationUnitNanos(std::string_view& text) {
  struct Unit {
    std::string_view name;
    double nanos;
  };
  // Longest names first so "ms" is not read as "m" followed by "s".
  static constexpr Unit Units[] = {
      {"ns", 1.0},     {"us", 1e3},       {"\xC2\xB5s", 1e3}, {"ms", 1e6},
      {"s", 1e9},      {"m", 60e9},       {"h", 3600e9},      {"d", 86400e9},
  };
  for (const auto& unit : Units) {
    if (text.substr(0, unit.name.size()) == unit.name) {
      text.remove_prefix(unit.name.size());
      return unit.nanos;
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::chrono::nanoseconds> parseDuration(std::string_view text) {
  if (text.empty()) {
    return std::nullopt;
  }
  double total = 0;
  while (!text.empty()) {
    auto number = takeNumber(text);
    if (!number) {
      return std::nullopt;
    }
    auto unit = durationUnitNanos(text);
    if (!unit) {
      return std::nullopt;
    }
    total += *number * *unit;
  }
  // 2^63 itself is not representable: >= keeps llround from wrapping to INT64_MIN.
  if (total >= 0x1p63) {
    return std::nullopt;
  }
  return std::chrono::nanoseconds(static_cast<int64_t>(std::llround(total)));
}

std::optional<std::chrono::nanoseconds> parseSignedDuration(std::string_view text) {
  const bool negative = !text.empty() && text.front() == '-';
  if (!text.empty() && (text.front() == '-' || text.front() == '+')) {
    text.remove_prefix(1);
  }
  auto parsed = parseDuration(text);
  if (!parsed) {
    return std::nullopt;
  }
  return negative ? -*parsed : *parsed;
}

std::optional<uint64_t> parseSize(std::string_view text) {
  auto number = takeNumber(text);
  if (!number) {
    return std::nullopt;
  }
  struct Unit {
    std::string_view name;
    double bytes;
  };
  static constexpr Unit Units[] = {
      {"KiB", 1024.0}, {"MiB", 1048576.0}, {"GiB", 1073741824.0}, {"TiB", 1099511627776.0},
      {"KB", 1e3},     {"MB", 1e6},        {"GB", 1e9},           {"B", 1.0},
      {"", 1.0},
  };
  for (const auto& unit : Units) {
    if (text == unit.name) {
      // Unsigned all the way: llround would misread anything between 2^63 and 2^64.
      double bytes = std::round(*number * unit.bytes);
      if (bytes >= 0x1p64) {
        return std::nullopt;
      }
      return static_cast<uint64_t>(bytes);
    }
  }
  return std::nullopt;
}

std::optional<uint64_t> parseByteRate(std::string_view text) {
  constexpr std::string_view PerSecond = "/s";
  if (text.size() <= PerSecond.size() || text.substr(text.size() - PerSecond.size()) != PerSecond) {
    return std::nullopt;
  }
  text.remove_suffix(PerSecond.size());
  return parseSize(text);
}

namespace {

// "min" -> 60, "s" -> 1, "10s" -> 10: the seconds of a rate's span; nullopt when not positive.
std::optional<double> rateSpanSeconds(std::string_view span) {
  if (span == "s") {
    return 1.0;
  }
  if (span == "min") {
    return 60.0;
  }
  if (span == "h") {
    return 3600.0;
  }
  if (span == "d") {
    return 86400.0;
  }
  auto parsed = parseDuration(span);
  if (!parsed || parsed->count() <= 0) {
    return std::nullopt;
  }
  return toSeconds(*parsed);
}

}  // namespace

std::optional<double> parseSizeRate(std::string_view text) {
  const auto slash = text.rfind('/');
  // A unit is required ("20B/min"): a bare "20/min" reads as a count (parseCountRate).
  if (slash == std::string_view::npos || slash == 0 || text[slash - 1] != 'B') {
    return std::nullopt;
  }
  auto size = parseSize(text.substr(0, slash));
  auto span = rateSpanSeconds(text.substr(slash + 1));
  if (!size || !span) {
    return std::nullopt;
  }
  return static_cast<double>(*size) / *span;
}

std::optional<double> parseCountRate(std::string_view text) {
  const auto slash = text.rfind('/');
  if (slash == std::string_view::npos || slash == 0) {
    return std::nullopt;
  }
  const std::string_view count = text.substr(0, slash);
  if (!std::all_of(count.begin(), count.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
      count.size() > 15) {
    return std::nullopt;
  }
  auto span = rateSpanSeconds(text.substr(slash + 1));
  if (!span) {
    return std::nullopt;
  }
  return std::stod(std::string(count)) / *span;
}

std::string formatDuration(std::chrono::nanoseconds d) {
  using namespace std::chrono;
  int64_t ns = d.count();
  if (ns == 0) {
    return "0s";
  }
  std::string out;
  if (ns < 0) {
    out = "-";
    ns = -ns;
  }
  if (ns % 1000000000 != 0) {
    // Sub-second precision: one unit is clearer than "1s250ms".
    if (ns % 1000000 == 0) {
      return out + std::to_string(ns / 1000000) + "ms";
    }
    if (ns % 1000 == 0) {
      return out + std::to_string(ns / 1000) + "us";
    }
    return out + std::to_string(ns) + "ns";
  }
  int64_t s = ns / 1000000000;
  const int64_t days = s / 86400;
  s %= 86400;
  const int64_t hours = s / 3600;
  s %= 3600;
  const int64_t minutes = s / 60;
  s %= 60;
  if (days) {
    out += std::to_string(days) + "d";
  }
  if (hours) {
    out += std::to_string(hours) + "h";
  }
  if (minutes) {
    out += std::to_string(minutes) + "m";
  }
  if (s) {
    out += std::to_string(s) + "s";
  }
  return out;
}

double toSeconds(std::chrono::nanoseconds d) { return static_cast<double>(d.count()) / 1e9; }

std::string formatDurationSeconds(double seconds) {
  if (!std::isfinite(seconds) || std::abs(seconds) > 9.2e9) {
    return "?";
  }
  return formatDuration(std::chrono::milliseconds(std::llround(seconds * 1000.0)));
}

}  // namespace outrider

namespace outrider {

std::string formatBytes(uint64_t bytes) {
  struct Unit {
    uint64_t size;
    const char* name;
  };
  static constexpr Unit Units[] = {{1ull << 30, "GiB"}, {1ull << 20, "MiB"}, {1ull << 10, "KiB"}};
  char text[48];
  for (const auto& unit : Units) {
    if (bytes >= unit.size) {
      std::snprintf(text, sizeof(text), "%.1f %s",
                    static_cast<double>(bytes) / static_cast<double>(unit.size), unit.name);
      return text;
    }
  }
  std::snprintf(text, sizeof(text), "%llu B", static_cast<unsigned long long>(bytes));
  return text;
}

}  // namespace outrider
