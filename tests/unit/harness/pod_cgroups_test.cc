// The pod's cgroups on a fake tree: one per process with its limits, and the decision a run
// takes before it starts when the host has no writable cgroups.
#include "outrider/harness/pod_cgroups.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fake_cgroup_tree.h"

namespace outrider::harness {
namespace {

using faults::host::CgroupVersion;
using testing::HasSubstr;

scenarios::Scenario pod(std::optional<uint64_t> proxy_memory, std::optional<double> proxy_cpu) {
  scenarios::Scenario scenario;
  scenarios::ProcessSpec app;
  app.name = "app";
  app.role = scenarios::ProcessRole::App;
  scenarios::ProcessSpec proxy;
  proxy.name = "proxy";
  proxy.role = scenarios::ProcessRole::Sidecar;
  proxy.memory_limit_bytes = proxy_memory;
  proxy.cpu_limit_cores = proxy_cpu;
  scenario.app = app;
  scenario.sidecars.push_back(proxy);
  return scenario;
}

Result<faults::host::CgroupHost> detect(test::FakeCgroupTree& tree) {
  return faults::host::detectCgroups(tree.procSelfCgroup(), tree.mountinfo(), tree, tree.root());
}

TEST(PodCgroupsTest, EachProcessItsOwnCgroupWithItsLimits) {
  for (auto version : {CgroupVersion::V2, CgroupVersion::V1}) {
    test::FakeCgroupTree tree(version);
    auto host = detect(tree);
    ASSERT_TRUE(host) << host.error().message;
    const auto scenario = pod(128u << 20, 0.5);
    auto cgroups = PodCgroups::create(tree, *host, "outrider-1", scenario.processes());
    ASSERT_TRUE(cgroups) << cgroups.error().message;
    const auto files = (*cgroups)->procsFiles();
    ASSERT_EQ(files.size(), 2u);
    EXPECT_EQ(files.at("proxy").size(), version == CgroupVersion::V2 ? 1u : 2u);
    const std::string proxy = host->memory_dir + "/outrider-1/proxy";
    const std::string app = host->memory_dir + "/outrider-1/app";
    if (version == CgroupVersion::V2) {
      EXPECT_EQ(tree.contents(proxy + "/memory.max"), "134217728\n");
      EXPECT_EQ(tree.contents(proxy + "/cpu.max"), "50000 100000\n");
      EXPECT_EQ(tree.contents(app + "/memory.max"), "max\n");  // no limit asked for
    } else {
      EXPECT_EQ(tree.contents(proxy + "/memory.limit_in_bytes"), "134217728\n");
      EXPECT_EQ(tree.contents(host->cpu_dir + "/outrider-1/proxy/cpu.cfs_quota_us"), "50000\n");
    }
    ASSERT_NE((*cgroups)->find("proxy"), nullptr);
    EXPECT_EQ((*cgroups)->find("nobody"), nullptr);
    ASSERT_TRUE((*cgroups)->remove());
    EXPECT_FALSE(std::filesystem::exists(host->memory_dir + "/outrider-1"));
    EXPECT_FALSE(std::filesystem::exists(host->cpu_dir + "/outrider-1"));
  }
}

// A scenario that asks for a limit on a host without writable cgroups is invalid before it
// starts; one that asks for none runs without them.
TEST(PodCgroupsTest, ReadOnlyTreeMakesALimitedScenarioInvalid) {
  test::FakeCgroupTree tree(CgroupVersion::V1);
  tree.setReadOnly(true);
  const auto host = detect(tree);
  ASSERT_FALSE(host);
  const auto limited = decideCgroups(pod(64u << 20, std::nullopt), host);
  EXPECT_FALSE(limited.use);
  ASSERT_TRUE(limited.invalid_reason);
  EXPECT_THAT(*limited.invalid_reason, HasSubstr("need cgroups"));
  EXPECT_THAT(*limited.invalid_reason, HasSubstr("Read-only file system"));
  const auto unlimited = decideCgroups(pod(std::nullopt, std::nullopt), host);
  EXPECT_FALSE(unlimited.use);
  EXPECT_FALSE(unlimited.invalid_reason);
  // A fault that acts through a cgroup needs one as much as a limit does.
  auto starved = pod(std::nullopt, std::nullopt);
  scenarios::Fault starve;
  starve.kind = scenarios::FaultKind::CpuStarve;
  starved.faults.push_back(starve);
  EXPECT_TRUE(decideCgroups(starved, host).invalid_reason);
  tree.setReadOnly(false);
  EXPECT_TRUE(decideCgroups(pod(64u << 20, std::nullopt), detect(tree)).use);
}

}  // namespace
}  // namespace outrider::harness
