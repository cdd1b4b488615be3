#include "outrider/faults/host/cgroups.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace outrider::faults::host {
namespace {

namespace fs = std::filesystem;

tl::unexpected<Error> ioError(std::string message) {
  return makeError(ErrorCode::Io, std::move(message));
}

std::string errnoText(int error) { return std::strerror(error); }

class HostCgroupFiles final : public CgroupFiles {
 public:
  Result<void> makeDir(const std::string& path) override {
    if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) {
      return ioError(fmt::format("cannot create cgroup {}: {}", path, errnoText(errno)));
    }
    return {};
  }

  Result<void> removeDir(const std::string& path) override {
    if (::rmdir(path.c_str()) != 0 && errno != ENOENT) {
      return ioError(fmt::format("cannot remove cgroup {}: {}", path, errnoText(errno)));
    }
    return {};
  }

  std::optional<std::string> read(const std::string& path) const override {
    std::ifstream in(path);
    if (!in) {
      return std::nullopt;
    }
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
  }

  // cgroup files take one write(2) per value; a short or failed write is the kernel's refusal.
  Result<void> write(const std::string& path, const std::string& value) override {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
      return ioError(fmt::format("cannot open {}: {}", path, errnoText(errno)));
    }
    const ssize_t n = ::write(fd, value.data(), value.size());
    const int error = errno;
    ::close(fd);
    if (n != static_cast<ssize_t>(value.size())) {
      return ioError(fmt::format("cannot write \"{}\" to {}: {}", value, path,
                                 n < 0 ? errnoText(error) : "short write"));
    }
    return {};
  }
};

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t end = text.find(separator, start);
    parts.push_back(
        text.substr(start, end == std::string_view::npos ? text.size() - start : end - start));
    if (end == std::string_view::npos) {
      break;
    }
    start = end + 1;
  }
  return parts;
}

// "key value" lines (memory.events, cpu.stat, memory.oom_control).
std::map<std::string, uint64_t> keyValues(const std::string& text) {
  std::map<std::string, uint64_t> values;
  std::istringstream in(text);
  std::string key;
  uint64_t value = 0;
  while (in >> key >> value) {
    values[key] = value;
  }
  return values;
}

struct Mount {
  std::string root;   // the hierarchy's folder that is mounted
  std::string point;  // where
};

// mountinfo: "id parent major:minor root mount-point options... - fstype source super-options".
std::map<std::string, Mount> cgroupMounts(std::string_view mountinfo) {
  std::map<std::string, Mount> mounts;  // "unified" or a v1 controller name
  for (std::string_view line : split(mountinfo, '\n')) {
    const auto fields = split(line, ' ');
    size_t dash = 0;
    while (dash < fields.size() && fields[dash] != "-") {
      ++dash;
    }
    if (fields.size() < 5 || dash + 3 > fields.size()) {
      continue;
    }
    const std::string_view type = fields[dash + 1];
    Mount mount{std::string(fields[3]), std::string(fields[4])};
    if (type == "cgroup2") {
      mounts.emplace("unified", mount);
    } else if (type == "cgroup") {
      for (std::string_view option : split(fields[dash + 3], ',')) {
        if (option == "memory" || option == "cpu") {
          mounts.emplace(std::string(option), mount);
        }
      }
    }
  }
  return mounts;
}

// /proc/self/cgroup: "id:controllers:path"; v2's line is "0::path".
std::map<std::string, std::string> ownCgroups(std::string_view proc_self_cgroup) {
  std::map<std::string, std::string> own;
  for (std::string_view line : split(proc_self_cgroup, '\n')) {
    const size_t first = line.find(':');
    const size_t second = first == std::string_view::npos ? first : line.find(':', first + 1);
    if (second == std::string_view::npos) {
      continue;
    }
    const std::string_view controllers = line.substr(first + 1, second - first - 1);
    const std::string path(line.substr(second + 1));
    if (controllers.empty()) {
      own.emplace("unified", path);
    }
    for (std::string_view controller : split(controllers, ',')) {
      if (controller == "memory" || controller == "cpu") {
        own.emplace(std::string(controller), path);
      }
    }
  }
  return own;
}

// The folder of this process's cgroup in one hierarchy.
std::optional<std::string> ownFolder(const std::map<std::string, Mount>& mounts,
                                     const std::map<std::string, std::string>& own,
                                     const std::string& which, const std::string& root) {
  auto mount = mounts.find(which);
  auto path = own.find(which);
  if (mount == mounts.end() || path == own.end()) {
    return std::nullopt;
  }
  std::string relative = path->second;
  // A namespaced view shows paths relative to the mount's root already.
  if (mount->second.root != "/" && relative.rfind(mount->second.root, 0) == 0) {
    relative = relative.substr(mount->second.root.size());
  }
  return root + mount->second.point + (relative == "/" ? "" : relative);
}

// Whether a child folder can be made (and removed) here: the test of delegation.
Result<void> probeWritable(CgroupFiles& files, const std::string& dir) {
  const std::string probe = dir + "/outrider-probe-" + std::to_string(::getpid());
  if (auto made = files.makeDir(probe); !made) {
    return made;
  }
  return files.removeDir(probe);
}

bool listsControllers(const CgroupFiles& files, const std::string& controllers_file) {
  auto text = files.read(controllers_file);
  if (!text) {
    return false;
  }
  bool memory = false;
  bool cpu = false;
  std::istringstream in(*text);
  std::string controller;
  while (in >> controller) {
    memory = memory || controller == "memory";
    cpu = cpu || controller == "cpu";
  }
  return memory && cpu;
}

}  // namespace

CgroupFiles& hostCgroupFiles() {
  static HostCgroupFiles files;
  return files;
}

Result<CgroupHost> detectCgroups(std::string_view proc_self_cgroup, std::string_view mountinfo,
                                 CgroupFiles& files, const std::string& root) {
  const auto mounts = cgroupMounts(mountinfo);
  const auto own = ownCgroups(proc_self_cgroup);
  std::string v2_problem = "no cgroup2 mount";
  if (auto unified = ownFolder(mounts, own, "unified", root)) {
    if (!listsControllers(files, *unified + "/cgroup.controllers")) {
      v2_problem = "the cgroup2 mount offers no memory and cpu controllers to " + *unified;
    } else if (auto writable = probeWritable(files, *unified); !writable) {
      v2_problem = writable.error().message;
    } else {
      // Children get the controllers only when the parent delegates them.
      auto delegated = files.write(*unified + "/cgroup.subtree_control", "+memory +cpu");
      if (delegated) {
        return CgroupHost{CgroupVersion::V2, *unified, *unified};
      }
      v2_problem = delegated.error().message;
    }
  }
  auto memory = ownFolder(mounts, own, "memory", root);
  auto cpu = ownFolder(mounts, own, "cpu", root);
  if (!memory || !cpu) {
    return ioError(fmt::format("no writable cgroups: {}, and no cgroup v1 {} hierarchy", v2_problem,
                               !memory ? "memory" : "cpu"));
  }
  for (const auto& dir : {*memory, *cpu}) {
    if (auto writable = probeWritable(files, dir); !writable) {
      return ioError(
          fmt::format("no writable cgroups: {}; v1: {}", v2_problem, writable.error().message));
    }
  }
  return CgroupHost{CgroupVersion::V1, *memory, *cpu};
}

Result<CgroupHost> detectHostCgroups() {
  auto& files = hostCgroupFiles();
  auto own = files.read("/proc/self/cgroup");
  auto mountinfo = files.read("/proc/self/mountinfo");
  if (!own || !mountinfo) {
    return ioError("cannot read /proc/self/cgroup or /proc/self/mountinfo");
  }
  return detectCgroups(*own, *mountinfo, files);
}

Cgroup::Cgroup(CgroupFiles& files, CgroupVersion version, std::vector<std::string> dirs)
    : files_(files), version_(version), dirs_(std::move(dirs)) {
  for (const auto& dir : dirs_) {
    procs_files_.push_back(dir + "/cgroup.procs");
  }
}

Result<std::unique_ptr<Cgroup>> Cgroup::create(CgroupFiles& files, const CgroupHost& host,
                                               const std::string& group, const std::string& name) {
  std::vector<std::string> bases = {host.memory_dir};
  if (host.version == CgroupVersion::V1) {
    bases.push_back(host.cpu_dir);
  }
  std::vector<std::string> dirs;
  // What a failure half-way leaves is removed again (the group folders only when empty).
  auto undo = [&](const Error& error) -> Result<std::unique_ptr<Cgroup>> {
    for (const auto& dir : dirs) {
      (void)files.removeDir(dir);
    }
    for (const auto& base : bases) {
      (void)files.removeDir(base + "/" + group);
    }
    return tl::unexpected(error);
  };
  for (const auto& base : bases) {
    const std::string group_dir = base + "/" + group;
    if (auto made = files.makeDir(group_dir); !made) {
      return undo(made.error());
    }
    if (host.version == CgroupVersion::V2) {
      // The run's folder delegates the controllers to each process's cgroup in turn.
      if (auto delegated = files.write(group_dir + "/cgroup.subtree_control", "+memory +cpu");
          !delegated) {
        return undo(delegated.error());
      }
    }
    const std::string dir = group_dir + "/" + name;
    if (auto made = files.makeDir(dir); !made) {
      return undo(made.error());
    }
    dirs.push_back(dir);
  }
  return std::unique_ptr<Cgroup>(new Cgroup(files, host.version, std::move(dirs)));
}

Cgroup::~Cgroup() {
  if (!removed_) {
    (void)remove();
  }
}

// A limit is two or three files: when one write fails, the ones before it are put back, so a
// refused limit never stays half applied.
Result<void> Cgroup::setMemoryLimit(std::optional<uint64_t> bytes) {
  auto set = writeMemoryLimit(bytes);
  if (set) {
    memory_limit_ = bytes;
  } else {
    (void)writeMemoryLimit(memory_limit_);
  }
  return set;
}

Result<void> Cgroup::setCpuLimit(std::optional<double> cores) {
  if (cores && !(std::isfinite(*cores) && *cores > 0)) {
    return makeError(ErrorCode::InvalidArgument,
                     fmt::format("a CPU limit must be a positive number of cores, got {}", *cores));
  }
  auto set = writeCpuLimit(cores);
  if (set) {
    cpu_limit_ = cores;
  } else {
    (void)writeCpuLimit(cpu_limit_);
  }
  return set;
}

Result<void> Cgroup::writeMemoryLimit(std::optional<uint64_t> bytes) {
  const std::string& dir = dirs_[0];
  // A limit means memory, not swap (as kubelet sets it): swap is capped too where it exists.
  if (version_ == CgroupVersion::V2) {
    if (auto set = files_.write(dir + "/memory.max", bytes ? std::to_string(*bytes) : "max");
        !set) {
      return set;
    }
    if (files_.read(dir + "/memory.swap.max")) {
      return files_.write(dir + "/memory.swap.max", bytes ? "0" : "max");
    }
    return {};
  }
  // v1: -1 lifts a limit; memory+swap may never be below memory, so the order depends on the
  // direction: lifting goes memsw first, setting goes memory first.
  const std::string value = bytes ? std::to_string(*bytes) : "-1";
  const std::string memory = dir + "/memory.limit_in_bytes";
  const std::string memsw = dir + "/memory.memsw.limit_in_bytes";
  const bool has_memsw = files_.read(memsw).has_value();
  if (!bytes && has_memsw) {
    if (auto lifted = files_.write(memsw, value); !lifted) {
      return lifted;
    }
  }
  if (auto set = files_.write(memory, value); !set) {
    // Raising an existing limit: memory+swap has to grow first.
    if (!bytes || !has_memsw || !files_.write(memsw, value)) {
      return set;
    }
    if (auto again = files_.write(memory, value); !again) {
      return again;
    }
  }
  if (bytes && has_memsw) {
    return files_.write(memsw, value);
  }
  return {};
}

Result<void> Cgroup::writeCpuLimit(std::optional<double> cores) {
  std::optional<uint64_t> quota;
  if (cores) {
    // The kernel refuses quotas under 1 ms.
    quota = std::max<uint64_t>(1000, static_cast<uint64_t>(std::llround(*cores * CpuPeriodUs)));
  }
  if (version_ == CgroupVersion::V2) {
    return files_.write(
        dirs_[0] + "/cpu.max",
        fmt::format("{} {}", quota ? std::to_string(*quota) : std::string("max"), CpuPeriodUs));
  }
  const std::string& dir = dirs_[1];
  if (auto period = files_.write(dir + "/cpu.cfs_period_us", std::to_string(CpuPeriodUs));
      !period) {
    return period;
  }
  return files_.write(dir + "/cpu.cfs_quota_us", quota ? std::to_string(*quota) : "-1");
}

Result<void> Cgroup::addProcess(pid_t pid) {
  for (const auto& file : procs_files_) {
    if (auto joined = files_.write(file, std::to_string(pid)); !joined) {
      return joined;
    }
  }
  return {};
}

Result<CgroupStats> Cgroup::stats() const {
  CgroupStats stats;
  const std::string& memory = dirs_[0];
  const std::string& cpu = version_ == CgroupVersion::V2 ? dirs_[0] : dirs_[1];
  auto events = files_.read(
      memory + (version_ == CgroupVersion::V2 ? "/memory.events" : "/memory.oom_control"));
  auto usage = files_.read(
      memory + (version_ == CgroupVersion::V2 ? "/memory.current" : "/memory.usage_in_bytes"));
  auto cpu_stat = files_.read(cpu + "/cpu.stat");
  if (!events || !usage || !cpu_stat) {
    return ioError("cannot read the counters of cgroup " + memory);
  }
  stats.oom_kills = keyValues(*events)["oom_kill"];
  stats.memory_bytes = std::strtoull(usage->c_str(), nullptr, 10);
  auto values = keyValues(*cpu_stat);
  stats.cpu_periods = values["nr_periods"];
  stats.throttled_periods = values["nr_throttled"];
  stats.throttled = version_ == CgroupVersion::V2
                        ? std::chrono::microseconds(values["throttled_usec"])
                        : std::chrono::microseconds(values["throttled_time"] / 1000);
  return stats;
}

std::vector<pid_t> Cgroup::processes() const {
  std::vector<pid_t> pids;
  if (auto text = files_.read(procs_files_[0])) {
    std::istringstream in(*text);
    pid_t pid = 0;
    while (in >> pid) {
      pids.push_back(pid);
    }
  }
  return pids;
}

Result<void> Cgroup::remove() {
  for (const auto& dir : dirs_) {
    if (auto removed = files_.removeDir(dir); !removed) {
      return removed;
    }
  }
  removed_ = true;
  return {};
}

Result<void> Cgroup::removeGroup(CgroupFiles& files, const CgroupHost& host,
                                 const std::string& group) {
  std::vector<std::string> bases = {host.memory_dir};
  if (host.version == CgroupVersion::V1) {
    bases.push_back(host.cpu_dir);
  }
  for (const auto& base : bases) {
    if (auto removed = files.removeDir(base + "/" + group); !removed) {
      return removed;
    }
  }
  return {};
}

}  // namespace outrider::faults::host
