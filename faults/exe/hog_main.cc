// outrider-hog: memory and CPU pressure from inside a pod process's cgroup, for the oom
// (mode "pressure") and cpu-starve (mode "hog") faults. The harness starts it already in the
// target's cgroup and SIGKILLs it when the fault ends; it never outlives the harness
// (PR_SET_PDEATHSIG from the spawn).
//
// Memory is touched page by page at --memory-rate, so the cgroup's charge grows as a leak would;
// with --oom-shield it tries to set its own oom_score_adj to -1000 first, so the kernel's OOM
// killer picks the pod process that shares the cgroup, never the hog. Lowering the score needs
// CAP_SYS_RESOURCE, which containers often drop: then it says so and runs on (the oom fault also
// raises its target's score to 1000, which needs no privilege).
#include <fmt/core.h>
#include <sys/mman.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <thread>
#include <vector>

#include "outrider/common/units.h"

namespace {

// Mapped and touched in steps of this size; small enough that a slow rate grows smoothly.
constexpr uint64_t Chunk = 256 * 1024;
constexpr auto Tick = std::chrono::milliseconds(10);

bool shieldFromOom() {
  std::ofstream adj("/proc/self/oom_score_adj");
  adj << "-1000\n";
  adj.flush();
  return static_cast<bool>(adj);
}

void busy(std::atomic<bool>& running) {
  volatile uint64_t spin = 0;
  while (running.load(std::memory_order_relaxed)) {
    spin = spin + 1;
  }
}

uint64_t parseSizeFlag(const std::string& text, const std::string& flag) {
  auto parsed = outrider::parseSize(text);
  if (!parsed) {
    throw CLI::ValidationError(flag, "expected a size like 64MiB, got '" + text + "'");
  }
  return *parsed;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"outrider-hog: memory and CPU pressure inside a cgroup"};
  uint64_t rate = 0;
  uint64_t max = 0;
  unsigned workers = 0;
  bool shield = false;
  app.add_option_function<std::string>(
         "--memory-rate", [&](const std::string& text) { rate = parseSizeFlag(text, "rate"); },
         "Memory to allocate and touch per second (0: none)")
      ->type_name("SIZE");
  app.add_option_function<std::string>(
         "--memory-max", [&](const std::string& text) { max = parseSizeFlag(text, "max"); },
         "Never touch more than this in all (required with --memory-rate)")
      ->type_name("SIZE");
  app.add_option("--cpu-workers", workers, "Busy threads")->check(CLI::Range(0, 64));
  app.add_flag("--oom-shield", shield,
               "oom_score_adj -1000: the OOM killer picks another process of the cgroup");
  CLI11_PARSE(app, argc, argv);
  if (rate > 0 && max == 0) {
    fmt::print(stderr, "outrider-hog: --memory-rate needs --memory-max (a bound on the total)\n");
    return 2;
  }
  std::string shielded = "no";
  if (shield) {
    shielded = shieldFromOom() ? "yes" : fmt::format("no ({})", std::strerror(errno));
  }
  fmt::print("outrider-hog pid={} memory_rate={}/s memory_max={} cpu_workers={} oom_shield={}\n",
             ::getpid(), outrider::formatBytes(rate), outrider::formatBytes(max), workers,
             shielded);
  std::fflush(stdout);

  std::atomic<bool> running{true};
  std::vector<std::thread> threads;
  for (unsigned i = 0; i < workers; ++i) {
    threads.emplace_back(busy, std::ref(running));
  }

  // The one place real time enters: the rate is in real seconds.
  const auto start = std::chrono::steady_clock::now();
  uint64_t touched = 0;
  std::vector<void*> chunks;
  bool full = rate == 0;
  auto next_report = start + std::chrono::seconds(1);
  const long page = ::sysconf(_SC_PAGESIZE);
  for (;;) {
    const auto now = std::chrono::steady_clock::now();
    if (!full) {
      const double elapsed = std::chrono::duration<double>(now - start).count();
      const uint64_t due = std::min<uint64_t>(max, static_cast<uint64_t>(elapsed * rate));
      while (touched + Chunk <= due) {
        void* chunk =
            ::mmap(nullptr, Chunk, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (chunk == MAP_FAILED) {
          fmt::print(stderr, "outrider-hog: mmap: {}; holding {}\n", std::strerror(errno),
                     outrider::formatBytes(touched));
          full = true;
          break;
        }
        // One write per page makes the kernel charge the page to this cgroup now.
        for (uint64_t offset = 0; offset < Chunk; offset += static_cast<uint64_t>(page)) {
          static_cast<volatile char*>(chunk)[offset] = 1;
        }
        chunks.push_back(chunk);
        touched += Chunk;
      }
      if (touched + Chunk > max) {
        full = true;
        fmt::print("outrider-hog holding {} (its bound)\n", outrider::formatBytes(touched));
        std::fflush(stdout);
      }
    }
    if (now >= next_report && rate > 0) {
      fmt::print("outrider-hog touched={}\n", outrider::formatBytes(touched));
      std::fflush(stdout);
      next_report += std::chrono::seconds(1);
    }
    if (full && workers == 0) {
      ::pause();  // holding: SIGKILL or SIGTERM ends it
    }
    std::this_thread::sleep_for(Tick);
  }
}
