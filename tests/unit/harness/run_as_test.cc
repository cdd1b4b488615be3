// user/group before a run: the refusal of a harness that is not root, and the run-folder
// directories handed to the processes that write them.
#include "outrider/harness/run_as.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "test_dir.h"

namespace outrider::harness {
namespace {

namespace fs = std::filesystem;
using testing::ElementsAre;
using testing::HasSubstr;
using testing::IsEmpty;

scenarios::Scenario podAsNobody(const std::string& run_dir) {
  scenarios::Scenario scenario;
  scenario.app.name = "app";
  scenario.app.command = {"/b/outrider-echo", "--credential-file", run_dir + "/credentials/c.pem"};
  scenarios::ProcessSpec secrets;
  secrets.name = "secrets";
  secrets.role = scenarios::ProcessRole::Sidecar;
  secrets.command = {"/b/outrider-secrets",
                     "--dir",
                     run_dir + "/credentials",
                     "--state-dir=" + run_dir + "/deep/state/",
                     "--log-dir",
                     run_dir + "/logs",
                     "--dir",
                     "/elsewhere"};
  secrets.run_as = scenarios::RunAs{"nobody", "nogroup", 65534, 65534};
  scenario.sidecars.push_back(secrets);
  return scenario;
}

// Only root may run a process as another user; one's own identity needs nothing.
TEST(RunAsTest, RefusedWithoutRoot) {
  const auto scenario = podAsNobody("/r");
  EXPECT_FALSE(runAsRefusal(scenario, 0, 0));
  auto refusal = runAsRefusal(scenario, 1000, 1000);
  ASSERT_TRUE(refusal);
  EXPECT_THAT(*refusal, HasSubstr("[[sidecar]] secrets: user = \"nobody\" (uid 65534, gid 65534) "
                                  "needs a harness running as root"));
  EXPECT_THAT(*refusal, HasSubstr("this one runs as uid 1000"));
  EXPECT_FALSE(runAsRefusal(scenario, 65534, 65534));
  scenarios::Scenario plain;
  EXPECT_FALSE(runAsRefusal(plain, 1000, 1000));
}

// The paths under the run folder after a flag ending in "dir", not logs/ and not outside it.
TEST(RunAsTest, DirsFromDirFlags) {
  const auto dirs = runAsDirs(podAsNobody("/r"), "/r");
  EXPECT_THAT(dirs, ElementsAre(OwnedDir{"/r/credentials", 65534, 65534, "secrets"},
                                OwnedDir{"/r/deep/state", 65534, 65534, "secrets"}));
  // The app runs as the harness: nothing of its own to create.
  auto scenario = podAsNobody("/r");
  scenario.sidecars[0].run_as.reset();
  EXPECT_THAT(runAsDirs(scenario, "/r"), IsEmpty());
}

// Created and given to the process, each folder made on the way too; the run folder keeps its
// owner. (Needs root, as the feature does.)
TEST(RunAsTest, CreatesAndChowns) {
  if (::geteuid() != 0) {
    GTEST_SKIP() << "chown needs root";
  }
  const fs::path dir = test::freshTestDir("run-as");
  fs::create_directories(dir);
  ::chmod(dir.c_str(), 0755);
  const std::string run = dir.string();
  ASSERT_TRUE(createRunAsDirs(runAsDirs(podAsNobody(run), run), run));
  for (const auto* path : {"credentials", "deep", "deep/state"}) {
    struct stat info {};
    ASSERT_EQ(::stat((dir / path).c_str(), &info), 0) << path;
    EXPECT_EQ(info.st_uid, 65534u) << path;
    EXPECT_EQ(info.st_gid, 65534u) << path;
    EXPECT_EQ(info.st_mode & 07777, 0755u) << path;
  }
  struct stat run_info {};
  ASSERT_EQ(::stat(dir.c_str(), &run_info), 0);
  EXPECT_EQ(run_info.st_uid, 0u);
  // Behind a folder nobody may not enter, the dir is no use: refused, naming that folder.
  ::chmod(dir.c_str(), 0700);
  auto blocked = createRunAsDirs(runAsDirs(podAsNobody(run), run), run);
  ASSERT_FALSE(blocked);
  EXPECT_THAT(blocked.error().message, HasSubstr("may not enter " + run + " (mode 0700, uid 0)"));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace outrider::harness
