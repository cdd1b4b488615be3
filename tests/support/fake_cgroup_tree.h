#pragma once

// A cgroup tree in a temporary folder that behaves like the kernel's in what the harness uses:
// making a cgroup's folder creates its control files with the kernel's initial values, writing
// a control file replaces its value (cgroup.procs adds a pid), removing a folder fails while a
// process is in it, and a read-only tree refuses every change (EROFS) even to root.

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>

#include "outrider/faults/host/cgroups.h"

namespace outrider::test {

class FakeCgroupTree final : public faults::host::CgroupFiles {
 public:
  using Version = faults::host::CgroupVersion;

  // v2: one unified mount with memory and cpu; v1: a memory and a cpu hierarchy, the harness
  // nested in the memory one as on the development machines.
  explicit FakeCgroupTree(Version version, bool v2_controllers = true) : version_(version) {
    std::string pattern = std::filesystem::temp_directory_path() / "outrider-cgroups-XXXXXX";
    root_ = ::mkdtemp(pattern.data());
    if (version == Version::V2) {
      own_ = {{"unified", "/outrider-test"}};
      mountinfo_ = "30 23 0:27 / /sys/fs/cgroup rw,relatime - cgroup2 cgroup2 rw\n";
      make(root_ + "/sys/fs/cgroup" + own_["unified"], v2_controllers);
    } else {
      own_ = {{"memory", "/process_api/abc"}, {"cpu", "/"}};
      mountinfo_ =
          "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
          "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
          "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";
      make(root_ + "/sys/fs/cgroup/memory/process_api/abc", false);
      make(root_ + "/sys/fs/cgroup/cpu", false);
      make(root_ + "/sys/fs/cgroup/unified", false);  // v2 without controllers, as on the hosts
    }
  }
  ~FakeCgroupTree() override { std::filesystem::remove_all(root_); }

  const std::string& root() const { return root_; }
  std::string procSelfCgroup() const {
    if (version_ == Version::V2) {
      return "0::" + own_.at("unified") + "\n";
    }
    return "4:memory:" + own_.at("memory") + "\n1:cpu:" + own_.at("cpu") + "\n0::/\n";
  }
  const std::string& mountinfo() const { return mountinfo_; }
  // The harness's own folders, as detection should find them.
  std::string ownMemoryDir() const {
    return root_ + (version_ == Version::V2 ? "/sys/fs/cgroup/outrider-test"
                                            : "/sys/fs/cgroup/memory/process_api/abc");
  }
  std::string ownCpuDir() const {
    return root_ +
           (version_ == Version::V2 ? "/sys/fs/cgroup/outrider-test" : "/sys/fs/cgroup/cpu");
  }

  void setReadOnly(bool read_only) { read_only_ = read_only; }
  // The kernel refusing one file's writes (EBUSY), as v1 does for a cap below usage.
  void refuseWrites(const std::string& path) { refused_.insert(path); }
  // What the kernel would change: a counter file's text.
  void kernelWrites(const std::string& path, const std::string& text) { put(path, text); }
  std::string contents(const std::string& path) const { return read(path).value_or("<missing>"); }

  Result<void> makeDir(const std::string& path) override {
    if (read_only_) {
      return refuse("mkdir", path);
    }
    if (!std::filesystem::exists(path)) {
      make(path, version_ == Version::V2);
    }
    return {};
  }

  Result<void> removeDir(const std::string& path) override {
    if (read_only_) {
      return refuse("rmdir", path);
    }
    if (!std::filesystem::exists(path)) {
      return {};
    }
    for (const auto& entry : std::filesystem::directory_iterator(path)) {
      if (entry.is_directory()) {
        return makeError(ErrorCode::Io, "cannot remove cgroup " + path + ": Directory not empty");
      }
    }
    if (!read(path + "/cgroup.procs").value_or("").empty()) {
      return makeError(ErrorCode::Io, "cannot remove cgroup " + path + ": Device or resource busy");
    }
    std::filesystem::remove_all(path);
    return {};
  }

  // Reading is reading: the host's way does for the temporary folder.
  std::optional<std::string> read(const std::string& path) const override {
    return faults::host::hostCgroupFiles().read(path);
  }

  Result<void> write(const std::string& path, const std::string& value) override {
    if (read_only_) {
      return refuse("write", path);
    }
    if (!std::filesystem::exists(path)) {
      return makeError(ErrorCode::Io, "cannot open " + path + ": No such file or directory");
    }
    if (refused_.count(path) > 0) {
      return makeError(ErrorCode::Io, "cannot write to " + path + ": Device or resource busy");
    }
    const std::string name = std::filesystem::path(path).filename();
    if (name == "cgroup.procs") {
      put(path, read(path).value_or("") + value + "\n");
    } else if (name == "cgroup.subtree_control") {
      // "+memory +cpu" enables what cgroup.controllers offers, and nothing else.
      const auto offered = read(std::filesystem::path(path).parent_path() / "cgroup.controllers");
      if (offered.value_or("").find("memory") == std::string::npos) {
        return makeError(ErrorCode::Io, "cannot write to " + path + ": No such file or directory");
      }
      put(path, "memory cpu\n");
    } else {
      put(path, value + "\n");
    }
    return {};
  }

 private:
  static tl::unexpected<Error> refuse(const std::string& what, const std::string& path) {
    return makeError(ErrorCode::Io, "cannot " + what + " " + path + ": Read-only file system");
  }

  void put(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

  // A cgroup folder and the control files the kernel gives it.
  void make(const std::string& dir, bool v2_controllers) {
    std::filesystem::create_directories(dir);
    put(dir + "/cgroup.procs", "");
    if (version_ == Version::V2 || dir.find("/unified") != std::string::npos) {
      put(dir + "/cgroup.controllers",
          v2_controllers ? "cpuset cpu io memory pids\n" : "hugetlb\n");
      put(dir + "/cgroup.subtree_control", "");
      if (v2_controllers) {
        put(dir + "/memory.max", "max\n");
        put(dir + "/memory.current", "0\n");
        put(dir + "/memory.events", "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\noom_group_kill 0\n");
        put(dir + "/cpu.max", "max 100000\n");
        put(dir + "/cpu.stat",
            "usage_usec 0\nuser_usec 0\nsystem_usec 0\nnr_periods 0\nnr_throttled 0\n"
            "throttled_usec 0\n");
      }
      return;
    }
    if (dir.find("/memory") != std::string::npos) {
      put(dir + "/memory.limit_in_bytes", "9223372036854771712\n");
      put(dir + "/memory.usage_in_bytes", "0\n");
      put(dir + "/memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n");
    } else {
      put(dir + "/cpu.cfs_period_us", "100000\n");
      put(dir + "/cpu.cfs_quota_us", "-1\n");
      put(dir + "/cpu.stat", "nr_periods 0\nnr_throttled 0\nthrottled_time 0\n");
    }
  }

  Version version_;
  std::string root_;
  std::map<std::string, std::string> own_;
  std::string mountinfo_;
  bool read_only_ = false;
  std::set<std::string> refused_;
};

}  // namespace outrider::test
