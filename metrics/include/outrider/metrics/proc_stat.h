#pragma once

// What the kernel says about one process in /proc (proc(5)), parsed from the files' text so that
// tests can hand it strings: /proc/PID/stat for CPU times, process group and resident pages,
// /proc/PID/status and /proc/PID/statm for resident memory.

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "outrider/common/result.h"

namespace outrider::metrics {

struct ProcStat {
  pid_t pid = 0;
  std::string comm;  // may hold spaces and parentheses
  char state = '?';
  pid_t ppid = 0;
  pid_t pgrp = 0;
  // Clock ticks (sysconf(_SC_CLK_TCK)): user and system time of the process, and of its children
  // that it has waited for.
  uint64_t utime = 0;
  uint64_t stime = 0;
  uint64_t cutime = 0;
  uint64_t cstime = 0;
  uint64_t starttime = 0;  // ticks after boot
  uint64_t rss_pages = 0;

  // Everything the process and its reaped children have run, in ticks.
  uint64_t cpuTicks() const { return utime + stime + cutime + cstime; }
};

// /proc/PID/stat: "4242 (outrider-proxy) S 1 4242 ... utime stime cutime cstime ... rss ...".
// The command name is everything between the first '(' and the last ')', so a name like
// "a) b (c" cannot shift the fields. InvalidArgument, naming the field, for anything else.
Result<ProcStat> parseProcStat(std::string_view text);

// /proc/PID/status: the VmRSS line in bytes ("VmRSS:	  10240 kB"); nullopt when the line is
// absent (a kernel thread, a zombie) or malformed.
std::optional<uint64_t> parseStatusRssBytes(std::string_view text);

// /proc/PID/statm: its second field, resident pages; nullopt when malformed.
std::optional<uint64_t> parseStatmResidentPages(std::string_view text);

}  // namespace outrider::metrics
