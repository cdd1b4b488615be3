#include "outrider/metrics/proc_stat.h"

#include <fmt/format.h>

#include <charconv>
#include <vector>

namespace outrider::metrics {
namespace {

bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\n'; }

std::vector<std::string_view> fields(std::string_view text) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && isSpace(text[i])) {
      ++i;
    }
    const size_t from = i;
    while (i < text.size() && !isSpace(text[i])) {
      ++i;
    }
    if (i > from) {
      out.push_back(text.substr(from, i - from));
    }
  }
  return out;
}

template <class T>
std::optional<T> number(std::string_view text) {
  T value{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return value;
}

// cutime and cstime are signed in the kernel's format ("long"); a negative one is read as 0.
std::optional<uint64_t> ticks(std::string_view text) {
  if (auto value = number<int64_t>(text)) {
    return *value < 0 ? 0 : static_cast<uint64_t>(*value);
  }
  return number<uint64_t>(text);
}

}  // namespace

Result<ProcStat> parseProcStat(std::string_view text) {
  auto invalid = [](std::string what) {
    return makeError(ErrorCode::InvalidArgument, "/proc/PID/stat: " + what);
  };
  const size_t open = text.find('(');
  const size_t close = text.rfind(')');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) {
    return invalid("no command name in parentheses");
  }
  ProcStat stat;
  const auto head = fields(text.substr(0, open));
  auto pid = head.size() == 1 ? number<int>(head[0]) : std::nullopt;
  if (!pid || *pid <= 0) {
    return invalid("field 1 (pid) is not a process id");
  }
  stat.pid = *pid;
  stat.comm = std::string(text.substr(open + 1, close - open - 1));
  // Fields from 3 (state) on; rest[0] is field 3.
  const auto rest = fields(text.substr(close + 1));
  constexpr size_t RssField = 24;
  if (rest.size() < RssField - 2) {
    return invalid(fmt::format("{} fields, expected at least {}", rest.size() + 2, RssField));
  }
  auto field = [&rest](size_t n) { return rest[n - 3]; };
  if (field(3).size() != 1) {
    return invalid("field 3 (state) is not one letter");
  }
  stat.state = field(3)[0];
  struct Target {
    size_t field;
    const char* name;
    uint64_t* value;
  };
  auto ppid = number<int>(field(4));
  auto pgrp = number<int>(field(5));
  if (!ppid || !pgrp) {
    return invalid(!ppid ? "field 4 (ppid) is not a number" : "field 5 (pgrp) is not a number");
  }
  stat.ppid = *ppid;
  stat.pgrp = *pgrp;
  const Target targets[] = {{14, "utime", &stat.utime},         {15, "stime", &stat.stime},
                            {16, "cutime", &stat.cutime},       {17, "cstime", &stat.cstime},
                            {22, "starttime", &stat.starttime}, {24, "rss", &stat.rss_pages}};
  for (const auto& target : targets) {
    auto value = ticks(field(target.field));
    if (!value) {
      return invalid(fmt::format("field {} ({}) is not a number", target.field, target.name));
    }
    *target.value = *value;
  }
  return stat;
}

std::optional<uint64_t> parseStatusRssBytes(std::string_view text) {
  size_t at = 0;
  while (at < text.size()) {
    size_t end = text.find('\n', at);
    if (end == std::string_view::npos) {
      end = text.size();
    }
    const std::string_view line = text.substr(at, end - at);
    if (line.substr(0, 6) == "VmRSS:") {
      const auto parts = fields(line.substr(6));
      if (parts.size() != 2 || parts[1] != "kB") {
        return std::nullopt;
      }
      auto kib = number<uint64_t>(parts[0]);
      if (!kib || *kib > UINT64_MAX / 1024) {
        return std::nullopt;
      }
      return *kib * 1024;
    }
    at = end + 1;
  }
  return std::nullopt;
}

std::optional<uint64_t> parseStatmResidentPages(std::string_view text) {
  const auto parts = fields(text);
  if (parts.size() < 2) {
    return std::nullopt;
  }
  return number<uint64_t>(parts[1]);
}

}  // namespace outrider::metrics
