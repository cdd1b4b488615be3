// This host's real cgroups (v1 on the development and CI machines): a child joins its cgroup
// before exec, the kernel enforces the memory limit with an OOM kill, and the counters show it.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "outrider/faults/host/cgroups.h"

namespace outrider::faults::host {
namespace {

// Forks a child that joins `cgroup` (as the supervisor's children do, between fork and exec),
// touches `bytes` of memory, says so on `ready_fd` (when given) and waits to be killed.
pid_t spawnAllocator(const Cgroup& cgroup, size_t bytes, int ready_fd = -1) {
  const pid_t pid = ::fork();
  if (pid != 0) {
    return pid;
  }
  const std::string self = std::to_string(::getpid());
  for (const auto& file : cgroup.procsFiles()) {
    FILE* procs = std::fopen(file.c_str(), "w");
    if (procs == nullptr || std::fputs(self.c_str(), procs) < 0 || std::fclose(procs) != 0) {
      ::_exit(3);
    }
  }
  auto* memory = static_cast<char*>(std::malloc(bytes));
  if (memory == nullptr) {
    ::_exit(4);
  }
  std::memset(memory, 0x5a, bytes);
  if (ready_fd >= 0 && ::write(ready_fd, "r", 1) != 1) {
    ::_exit(5);
  }
  ::pause();  // the limit kills it before this, or the test does
  ::_exit(0);
}

class HostCgroupTest : public testing::Test {
 protected:
  void SetUp() override {
    auto host = detectHostCgroups();
    if (!host) {
      GTEST_SKIP() << "this host has no writable cgroups: " << host.error().message;
    }
    host_ = *host;
    group_ = "outrider-test-" + std::to_string(::getpid());
    auto cgroup = Cgroup::create(hostCgroupFiles(), host_, group_, "allocator");
    ASSERT_TRUE(cgroup) << cgroup.error().message;
    cgroup_ = std::move(*cgroup);
  }
  void TearDown() override {
    if (cgroup_) {
      EXPECT_TRUE(cgroup_->remove());
      EXPECT_TRUE(Cgroup::removeGroup(hostCgroupFiles(), host_, group_));
    }
  }

  CgroupHost host_;
  std::string group_;
  std::unique_ptr<Cgroup> cgroup_;
};

TEST_F(HostCgroupTest, TheKernelOomKillsAProcessOverItsLimit) {
  ASSERT_TRUE(cgroup_->setMemoryLimit(32u << 20));
  const auto before = cgroup_->stats();
  ASSERT_TRUE(before) << before.error().message;
  const pid_t child = spawnAllocator(*cgroup_, 256u << 20);
  ASSERT_GT(child, 0);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status)) << "exit status " << status;
  EXPECT_EQ(WTERMSIG(status), SIGKILL);
  const auto after = cgroup_->stats();
  ASSERT_TRUE(after) << after.error().message;
  EXPECT_EQ(after->oom_kills, before->oom_kills + 1);
}

TEST_F(HostCgroupTest, AProcessUnderItsLimitLivesAndIsListed) {
  ASSERT_TRUE(cgroup_->setMemoryLimit(256u << 20));
  ASSERT_TRUE(cgroup_->setCpuLimit(0.5));
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  const pid_t child = spawnAllocator(*cgroup_, 8u << 20, ready[1]);
  ASSERT_GT(child, 0);
  ::close(ready[1]);
  char byte = 0;
  EXPECT_EQ(::read(ready[0], &byte, 1), 1);  // joined and allocated
  ::close(ready[0]);
  const auto pids = cgroup_->processes();
  EXPECT_NE(std::find(pids.begin(), pids.end(), child), pids.end());
  const auto stats = cgroup_->stats();
  ASSERT_TRUE(stats) << stats.error().message;
  EXPECT_EQ(stats->oom_kills, 0u);
  ::kill(child, SIGKILL);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_EQ(WTERMSIG(status), SIGKILL);
}

}  // namespace
}  // namespace outrider::faults::host
