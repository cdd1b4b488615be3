// cgroups v2 and v1 against a fake tree that behaves like the kernel's (fake_cgroup_tree.h):
// detection, limits, joining, the counters the faults' evidence reads, removal.
#include "outrider/faults/host/cgroups.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <limits>

#include "fake_cgroup_tree.h"

namespace outrider::faults::host {
namespace {

using test::FakeCgroupTree;
using testing::HasSubstr;

Result<CgroupHost> detect(FakeCgroupTree& tree) {
  return detectCgroups(tree.procSelfCgroup(), tree.mountinfo(), tree, tree.root());
}

TEST(CgroupDetectTest, V2WhenTheUnifiedCgroupOffersMemoryAndCpu) {
  FakeCgroupTree tree(CgroupVersion::V2);
  auto host = detect(tree);
  ASSERT_TRUE(host) << host.error().message;
  EXPECT_EQ(host->version, CgroupVersion::V2);
  EXPECT_EQ(host->memory_dir, tree.ownMemoryDir());
  EXPECT_EQ(host->cpu_dir, tree.ownMemoryDir());
  // The controllers are delegated to the children the harness makes.
  EXPECT_EQ(tree.contents(host->memory_dir + "/cgroup.subtree_control"), "memory cpu\n");
}

// The development machines: v1 controllers, a v2 mount beside them without any.
TEST(CgroupDetectTest, V1WhereTheUnifiedMountHasNoControllers) {
  FakeCgroupTree tree(CgroupVersion::V1);
  auto host = detect(tree);
  ASSERT_TRUE(host) << host.error().message;
  EXPECT_EQ(host->version, CgroupVersion::V1);
  EXPECT_EQ(host->memory_dir, tree.ownMemoryDir());  // nested, as /proc/self/cgroup says
  EXPECT_EQ(host->cpu_dir, tree.ownCpuDir());
}

TEST(CgroupDetectTest, NoControllersAnywhereSaysWhy) {
  FakeCgroupTree tree(CgroupVersion::V2, /*v2_controllers=*/false);
  auto host = detect(tree);
  ASSERT_FALSE(host);
  EXPECT_THAT(host.error().message, HasSubstr("no memory and cpu controllers"));
  EXPECT_THAT(host.error().message, HasSubstr("no cgroup v1 memory hierarchy"));
}

// Root is not stopped by file modes, so read-only is the tree's (EROFS), as a ro mount would be.
TEST(CgroupDetectTest, ReadOnlyTreeIsNotWritable) {
  for (auto version : {CgroupVersion::V2, CgroupVersion::V1}) {
    FakeCgroupTree tree(version);
    tree.setReadOnly(true);
    auto host = detect(tree);
    ASSERT_FALSE(host);
    EXPECT_THAT(host.error().message, HasSubstr("no writable cgroups"));
    EXPECT_THAT(host.error().message, HasSubstr("Read-only file system"));
  }
}

class CgroupTest : public testing::TestWithParam<CgroupVersion> {
 protected:
  void SetUp() override {
    auto detected = detect(tree_);
    ASSERT_TRUE(detected) << detected.error().message;
    host_ = *detected;
    auto cgroup = Cgroup::create(tree_, host_, "outrider-run", "proxy");
    ASSERT_TRUE(cgroup) << cgroup.error().message;
    cgroup_ = std::move(*cgroup);
  }
  bool v2() const { return GetParam() == CgroupVersion::V2; }
  std::string memoryDir() const { return host_.memory_dir + "/outrider-run/proxy"; }
  std::string cpuDir() const { return host_.cpu_dir + "/outrider-run/proxy"; }

  FakeCgroupTree tree_{GetParam()};
  CgroupHost host_;
  std::unique_ptr<Cgroup> cgroup_;
};

TEST_P(CgroupTest, MemoryLimitSetAndLifted) {
  ASSERT_TRUE(cgroup_->setMemoryLimit(64u << 20));
  const std::string file = memoryDir() + (v2() ? "/memory.max" : "/memory.limit_in_bytes");
  EXPECT_EQ(tree_.contents(file), "67108864\n");
  ASSERT_TRUE(cgroup_->setMemoryLimit(std::nullopt));
  EXPECT_EQ(tree_.contents(file), v2() ? "max\n" : "-1\n");
}

// Swap is capped with memory; when the kernel refuses the second file, the first is put back.
TEST_P(CgroupTest, ARefusedLimitIsNeverLeftHalfApplied) {
  const std::string swap =
      memoryDir() + (v2() ? "/memory.swap.max" : "/memory.memsw.limit_in_bytes");
  const std::string memory = memoryDir() + (v2() ? "/memory.max" : "/memory.limit_in_bytes");
  tree_.kernelWrites(swap, v2() ? "max\n" : "9223372036854771712\n");
  ASSERT_TRUE(cgroup_->setMemoryLimit(64u << 20));
  EXPECT_EQ(tree_.contents(swap), v2() ? "0\n" : "67108864\n");
  tree_.refuseWrites(swap);
  auto refused = cgroup_->setMemoryLimit(16u << 20);
  ASSERT_FALSE(refused);
  EXPECT_THAT(refused.error().message, HasSubstr("busy"));
  EXPECT_EQ(tree_.contents(memory), "67108864\n");
  EXPECT_EQ(cgroup_->memoryLimit(), std::optional<uint64_t>(64u << 20));
}

TEST_P(CgroupTest, ACpuLimitIsAPositiveNumberOfCores) {
  EXPECT_FALSE(cgroup_->setCpuLimit(-0.5));
  EXPECT_FALSE(cgroup_->setCpuLimit(std::numeric_limits<double>::quiet_NaN()));
  EXPECT_FALSE(cgroup_->setCpuLimit(0.0));
  EXPECT_EQ(cgroup_->cpuLimit(), std::nullopt);
}

TEST_P(CgroupTest, CpuLimitIsAQuotaPerPeriod) {
  ASSERT_TRUE(cgroup_->setCpuLimit(0.02));
  if (v2()) {
    EXPECT_EQ(tree_.contents(cpuDir() + "/cpu.max"), "2000 100000\n");
  } else {
    EXPECT_EQ(tree_.contents(cpuDir() + "/cpu.cfs_quota_us"), "2000\n");
    EXPECT_EQ(tree_.contents(cpuDir() + "/cpu.cfs_period_us"), "100000\n");
  }
  ASSERT_TRUE(cgroup_->setCpuLimit(0.001));  // below the kernel's 1 ms floor
  EXPECT_THAT(tree_.contents(cpuDir() + (v2() ? "/cpu.max" : "/cpu.cfs_quota_us")),
              testing::StartsWith("1000"));
  ASSERT_TRUE(cgroup_->setCpuLimit(std::nullopt));
  EXPECT_EQ(tree_.contents(cpuDir() + (v2() ? "/cpu.max" : "/cpu.cfs_quota_us")),
            v2() ? "max 100000\n" : "-1\n");
}

TEST_P(CgroupTest, CountersAreTheKernels) {
  if (v2()) {
    tree_.kernelWrites(memoryDir() + "/memory.events", "low 0\nmax 4\noom 2\noom_kill 2\n");
    tree_.kernelWrites(memoryDir() + "/memory.current", "1048576\n");
    tree_.kernelWrites(cpuDir() + "/cpu.stat",
                       "usage_usec 9\nnr_periods 50\nnr_throttled 40\nthrottled_usec 2500000\n");
  } else {
    tree_.kernelWrites(memoryDir() + "/memory.oom_control",
                       "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n");
    tree_.kernelWrites(memoryDir() + "/memory.usage_in_bytes", "1048576\n");
    tree_.kernelWrites(cpuDir() + "/cpu.stat",
                       "nr_periods 50\nnr_throttled 40\nthrottled_time 2500000000\n");
  }
  auto stats = cgroup_->stats();
  ASSERT_TRUE(stats) << stats.error().message;
  EXPECT_EQ(stats->oom_kills, 2u);
  EXPECT_EQ(stats->memory_bytes, 1048576u);
  EXPECT_EQ(stats->cpu_periods, 50u);
  EXPECT_EQ(stats->throttled_periods, 40u);
  EXPECT_EQ(stats->throttled, std::chrono::microseconds(2500000));
}

TEST_P(CgroupTest, JoinsEveryHierarchyAndIsRemovedOnceEmpty) {
  EXPECT_EQ(cgroup_->procsFiles().size(), v2() ? 1u : 2u);
  ASSERT_TRUE(cgroup_->addProcess(4242));
  EXPECT_EQ(cgroup_->processes(), std::vector<pid_t>{4242});
  EXPECT_EQ(tree_.contents(cpuDir() + "/cgroup.procs"), "4242\n");
  auto busy = cgroup_->remove();
  ASSERT_FALSE(busy);
  EXPECT_THAT(busy.error().message, HasSubstr("busy"));
  // The group folder cannot go while a process's cgroup is in it.
  EXPECT_FALSE(Cgroup::removeGroup(tree_, host_, "outrider-run"));
  tree_.kernelWrites(memoryDir() + "/cgroup.procs", "");  // the process exited
  tree_.kernelWrites(cpuDir() + "/cgroup.procs", "");
  ASSERT_TRUE(cgroup_->remove());
  ASSERT_TRUE(Cgroup::removeGroup(tree_, host_, "outrider-run"));
  EXPECT_FALSE(std::filesystem::exists(host_.memory_dir + "/outrider-run"));
  EXPECT_FALSE(std::filesystem::exists(host_.cpu_dir + "/outrider-run"));
}

INSTANTIATE_TEST_SUITE_P(Versions, CgroupTest,
                         testing::Values(CgroupVersion::V2, CgroupVersion::V1),
                         [](const auto& version) {
                           return version.param == CgroupVersion::V2 ? "v2" : "v1";
                         });

}  // namespace
}  // namespace outrider::faults::host
