#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace outrider {

// Parses "250ms", "10s", "5m", "1h", "30d", "1m30s", "1.5s", "100us". Returns nullopt on any
// other text. Units: ns, us (or µs), ms, s, m, h, d.
std::optional<std::chrono::nanoseconds> parseDuration(std::string_view text);

// A duration with an optional sign: "-2h", "+30m", "90s" (an offset, such as a clock skew).
std::optional<std::chrono::nanoseconds> parseSignedDuration(std::string_view text);

// Parses sizes "64KiB", "256MiB", "1GiB", "512B", "10KB" (KB = 1000). Returns bytes.
std::optional<uint64_t> parseSize(std::string_view text);

// Parses byte rates "64KiB/s", "1MiB/s". Returns bytes per second.
std::optional<uint64_t> parseByteRate(std::string_view text);

// A size per span of time, as a gate's growth limit: "20MiB/min", "4MiB/s", "1GiB/h",
// "512KiB/10s". The span: s, min, h, d, or any duration parseDuration takes. Returns bytes per
// second; nullopt on any other text or a zero span.
std::optional<double> parseSizeRate(std::string_view text);

// A count per span of time: "100/min", "5/s", "1000/1h". Returns the count per second.
std::optional<double> parseCountRate(std::string_view text);

// Renders a duration the way a scenario would write it: "1m30s", "250ms", "0s".
std::string formatDuration(std::chrono::nanoseconds d);

double toSeconds(std::chrono::nanoseconds d);

// A journal's seconds (3600.0) as a scenario would write them ("1h"), to the millisecond;
// "?" when not finite.
std::string formatDurationSeconds(double seconds);

// 1234567 -> "1.2 MiB" (binary units, one decimal).
std::string formatBytes(uint64_t bytes);

}  // namespace outrider
