// Lease files: what a run writes before it acts, how cleanup reads them back, and which runs it
// may touch (never one whose harness still runs, never a file that is not a lease).
#include "outrider/harness/leases.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "outrider/harness/cleanup.h"
#include "test_dir.h"

namespace outrider::harness {
namespace {

namespace fs = std::filesystem;
using testing::ElementsAre;
using testing::HasSubstr;
using testing::IsEmpty;

class LeasesTest : public testing::Test {
 protected:
  void SetUp() override { runtime_ = outrider::test::freshTestDir("leases"); }
  void TearDown() override { fs::remove_all(runtime_); }
  void write(const fs::path& path, const std::string& text) {
    fs::create_directories(path.parent_path());
    std::ofstream(path) << text;
  }

  fs::path runtime_;
};

TEST_F(LeasesTest, WhatARunHoldsIsReadBackAndReleasedLeavesNoFolder) {
  {
    auto book = LeaseBook::open(runtime_.string(), "/runs/x");
    ASSERT_TRUE(book) << book.error().message;
    auto group = (*book)->holdProcessGroup("proxy", ::getpid());
    auto cgroup = (*book)->holdCgroup("/sys/fs/cgroup/cpu/outrider-1");
    ASSERT_TRUE(group && cgroup);
    auto runs = readLeases(runtime_.string());
    ASSERT_EQ(runs.size(), 1u);
    EXPECT_EQ(runs[0].harness_pid, ::getpid());
    EXPECT_EQ(runs[0].run_dir, "/runs/x");
    EXPECT_TRUE(heldByALiveHarness(runs[0]));  // this very process
    ASSERT_EQ(runs[0].leases.size(), 2u);
    EXPECT_THAT(runs[0].unreadable, IsEmpty());
    for (const auto& lease : runs[0].leases) {
      if (lease.kind == Lease::Kind::ProcessGroup) {
        EXPECT_EQ(lease.name, "proxy");
        EXPECT_EQ(lease.pgid, ::getpid());
        EXPECT_EQ(lease.start_ticks, processStartTicks(::getpid()).value());
      } else {
        EXPECT_EQ(lease.path, "/sys/fs/cgroup/cpu/outrider-1");
      }
    }
    (*book)->release(*group);
    (*book)->release(*cgroup);
  }
  EXPECT_THAT(readLeases(runtime_.string()), IsEmpty());  // the book removed its folder
}

TEST_F(LeasesTest, ALeaseStillHeldOutlivesTheBook) {
  {
    auto book = LeaseBook::open(runtime_.string(), "/runs/y");
    ASSERT_TRUE(book);
    ASSERT_TRUE((*book)->holdCgroup("/sys/fs/cgroup/memory/outrider-2"));
  }
  ASSERT_EQ(readLeases(runtime_.string()).size(), 1u);
}

// A pid whose start time differs is a later process that reused it: its run is stale.
TEST_F(LeasesTest, AReusedPidIsNotTheHarness) {
  write(runtime_ / "1" / "harness.json",
        R"({"pid": 1, "start_ticks": 123456789012, "run_dir": "/runs/z"})");
  auto runs = readLeases(runtime_.string());
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_FALSE(heldByALiveHarness(runs[0]));
}

// Files that are not leases, and leases that would aim cleanup at init or outside a run's own
// cgroup folder, are never acted on: they are reported as not leases.
TEST_F(LeasesTest, WhatIsNotALeaseIsNeverActedOn) {
  const fs::path run = runtime_ / "999999999";
  write(run / "harness.json", R"({"pid": 999999999, "start_ticks": 1})");
  write(run / "pg-1.json", R"({"kind": "process-group", "name": "init", "pgid": 1})");
  write(run / "pg-0.json", R"({"kind": "process-group", "name": "all", "pgid": 0})");
  write(run / "cgroup-a.json", R"({"kind": "cgroup", "path": "/sys/fs/cgroup/memory"})");
  write(run / "cgroup-b.json", R"({"kind": "cgroup", "path": "relative/outrider-1"})");
  write(run / "junk.json", "{not json");
  auto runs = readLeases(runtime_.string());
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_THAT(runs[0].leases, IsEmpty());
  EXPECT_EQ(runs[0].unreadable.size(), 5u);

  // Cleanup of that stale run removes the files and says so, and touches nothing else.
  const RealClock clock;
  CleanupOptions options;
  options.runtime = runtime_.string();
  options.dry_run = true;
  auto dry = cleanUpStaleRuns(clock, options);
  EXPECT_EQ(dry.done.size(), 5u);
  EXPECT_THAT(dry.done[0], HasSubstr("would remove"));
  EXPECT_TRUE(fs::exists(run));  // a dry run changes nothing
  options.dry_run = false;
  auto done = cleanUpStaleRuns(clock, options);
  EXPECT_THAT(done.failed, IsEmpty());
  EXPECT_FALSE(fs::exists(run));
}

// Another run's folder caught half-made: a hidden one (LeaseBook::open renames it into place)
// is skipped, and one without its harness.json is judged by the pid its name gives.
TEST_F(LeasesTest, AFolderWithoutItsOwnerIsJudgedByItsName) {
  write(runtime_ / ("." + std::to_string(::getpid()) + ".new") / "harness.json", "{}");
  write(runtime_ / std::to_string(::getpid()) / "cgroup-1.json",
        R"({"kind": "cgroup", "path": "/sys/fs/cgroup/cpu/outrider-9"})");
  auto runs = readLeases(runtime_.string());
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].harness_pid, ::getpid());
  EXPECT_TRUE(heldByALiveHarness(runs[0]));  // a live pid: never undone
  const RealClock clock;
  CleanupOptions options;
  options.runtime = runtime_.string();
  EXPECT_EQ(cleanUpStaleRuns(clock, options).live_runs, 1u);
  EXPECT_TRUE(fs::exists(runtime_ / std::to_string(::getpid()) / "cgroup-1.json"));
}

TEST_F(LeasesTest, ARunWhoseHarnessLivesIsLeftAlone) {
  auto book = LeaseBook::open(runtime_.string(), "/runs/live");
  ASSERT_TRUE(book);
  ASSERT_TRUE((*book)->holdCgroup("/sys/fs/cgroup/memory/outrider-3"));
  const RealClock clock;
  CleanupOptions options;
  options.runtime = runtime_.string();
  auto report = cleanUpStaleRuns(clock, options);
  EXPECT_EQ(report.live_runs, 1u);
  EXPECT_THAT(report.done, IsEmpty());
  EXPECT_EQ(readLeases(runtime_.string()).at(0).leases.size(), 1u);
}

}  // namespace
}  // namespace outrider::harness
