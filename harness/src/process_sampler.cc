#include "outrider/harness/process_sampler.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "outrider/common/units.h"
#include "outrider/metrics/proc_stat.h"

namespace outrider::harness {
namespace {

// One small file read whole with plain syscalls; nullopt when it vanished or cannot be read.
std::optional<std::string> readSmallFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return std::nullopt;
  }
  std::string text;
  char buffer[1024];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      break;
    }
    text.append(buffer, static_cast<size_t>(n));
    if (text.size() > 64 * 1024) {
      break;  // no stat line is this long
    }
  }
  ::close(fd);
  return text;
}

class SystemProcSource final : public ProcSource {
 public:
  std::vector<std::string> statTexts() const override {
    std::vector<std::string> texts;
    DIR* dir = ::opendir("/proc");
    if (dir == nullptr) {
      return texts;
    }
    while (const dirent* entry = ::readdir(dir)) {
      const char* name = entry->d_name;
      bool numeric = name[0] != '\0';
      for (const char* c = name; *c != '\0'; ++c) {
        numeric = numeric && *c >= '0' && *c <= '9';
      }
      if (!numeric) {
        continue;
      }
      if (auto text = readSmallFile(std::string("/proc/") + name + "/stat")) {
        texts.push_back(std::move(*text));
      }
    }
    ::closedir(dir);
    return texts;
  }
  uint64_t ticksPerSecond() const override {
    const long ticks = ::sysconf(_SC_CLK_TCK);
    return ticks > 0 ? static_cast<uint64_t>(ticks) : 100;
  }
  uint64_t pageBytes() const override {
    const long page = ::sysconf(_SC_PAGESIZE);
    return page > 0 ? static_cast<uint64_t>(page) : 4096;
  }
};

}  // namespace

std::unique_ptr<ProcSource> systemProcSource() { return std::make_unique<SystemProcSource>(); }

ProcessSampler::ProcessSampler(const Clock& clock, std::unique_ptr<ProcSource> source)
    : clock_(clock), source_(std::move(source)) {}

void ProcessSampler::started(const std::string& name, pid_t pid, MonotonicTime at) {
  running_[name] = Tracked{pid, 0, at};
}

void ProcessSampler::exited(const std::string& name) { running_.erase(name); }

std::map<std::string, ProcessSample> ProcessSampler::sample() {
  std::map<std::string, ProcessSample> out;
  if (running_.empty()) {
    return out;
  }
  const MonotonicTime now = clock_.monotonicNow();
  // One pass over /proc for every group: pgrp -> (ticks, pages, members).
  struct Group {
    uint64_t ticks = 0;
    uint64_t pages = 0;
    bool seen = false;
  };
  std::map<pid_t, Group> groups;
  for (const auto& tracked : running_) {
    groups.emplace(tracked.second.pid, Group{});
  }
  for (const auto& text : source_->statTexts()) {
    auto stat = metrics::parseProcStat(text);
    if (!stat) {
      ++unreadable_;
      continue;
    }
    auto group = groups.find(stat->pgrp);
    if (group == groups.end()) {
      continue;
    }
    group->second.ticks += stat->cpuTicks();
    group->second.pages += stat->rss_pages;
    group->second.seen = true;
  }
  const double ticks_per_second = static_cast<double>(source_->ticksPerSecond());
  for (auto& [name, tracked] : running_) {
    const Group& group = groups.at(tracked.pid);
    ProcessSample sample;
    if (!group.seen) {
      out.emplace(name, sample);  // exited, not yet reaped and reported
      continue;
    }
    sample.rss_bytes = group.pages * source_->pageBytes();
    const double elapsed_s = toSeconds(now - tracked.at);
    if (elapsed_s > 0) {
      // A member that exited unreaped takes its time with it: never a negative CPU.
      const uint64_t used = group.ticks > tracked.ticks ? group.ticks - tracked.ticks : 0;
      sample.cpu_cores = static_cast<double>(used) / ticks_per_second / elapsed_s;
    }
    tracked.ticks = group.ticks;
    tracked.at = now;
    out.emplace(name, sample);
  }
  return out;
}

}  // namespace outrider::harness
