// How clock-skew shifts a target, and what it needs of the host (faketime), as data.
#include "outrider/faults/clock_skew_launch.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "outrider/faults/host/faketime.h"
#include "outrider/faults/registry.h"

namespace outrider::faults {
namespace {

using namespace std::chrono_literals;
using testing::HasSubstr;

// Our programs are told by their basename, wherever they are installed.
TEST(ClockSkewLaunchTest, OurProgramsAreOutriderStar) {
  EXPECT_TRUE(takesInjectedClock({"outrider-proxy", "--listen", "x"}));
  EXPECT_TRUE(takesInjectedClock({"/opt/build/bin/outrider-control"}));
  EXPECT_FALSE(takesInjectedClock({"haproxy", "-f", "outrider-proxy.cfg"}));
  EXPECT_FALSE(takesInjectedClock({"/usr/bin/outrider"}));  // the harness itself, not a sidecar
  EXPECT_FALSE(takesInjectedClock({"/outrider-bin/envoy"}));
  EXPECT_FALSE(takesInjectedClock({}));
}

// Ours get the variable; others the faketime prefix with a whole-second offset.
TEST(ClockSkewLaunchTest, LaunchForEitherKindOfProgram) {
  const auto ours = clockSkewLaunch({"outrider-secrets"}, -2h);
  EXPECT_EQ(ours.env, (std::map<std::string, std::string>{{"OUTRIDER_CLOCK_SKEW", "-2h"}}));
  EXPECT_TRUE(ours.prefix.empty());
  const auto other = clockSkewLaunch({"haproxy", "-db"}, 30min);
  EXPECT_TRUE(other.env.empty());
  EXPECT_EQ(other.prefix,
            (std::vector<std::string>{"faketime", "--exclude-monotonic", "-f", "+1800s"}));
  EXPECT_EQ(faketimeOffset(-1500ms), "-1s");  // toward zero: no locale-dependent fractions
  EXPECT_EQ(faketimeOffset(0s), "+0s");
}

class FaketimeHostTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("outrider-faketime-test-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_ / "bin");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void executable(const std::string& name, mode_t mode) {
    const auto path = dir_ / "bin" / name;
    std::ofstream(path) << "#!/bin/sh\n";
    ::chmod(path.c_str(), mode);
  }
  scenarios::Scenario withSkewOn(const std::string& target, std::vector<std::string> command) {
    scenarios::Scenario scenario;
    scenarios::ProcessSpec process;
    process.name = target;
    process.role = scenarios::ProcessRole::Sidecar;
    process.command = std::move(command);
    scenario.sidecars.push_back(process);
    scenarios::Fault fault;
    fault.name = "skew-" + target;
    fault.kind = scenarios::FaultKind::ClockSkew;
    fault.target = target;
    fault.skew = -2h;
    scenario.faults.push_back(fault);
    return scenario;
  }
  std::filesystem::path dir_;
};

// An executable on one of PATH's folders is found; a file that is not executable is not.
TEST_F(FaketimeHostTest, OnPathLooksInEachFolder) {
  executable("faketime", 0755);
  executable("notrun", 0644);
  const std::string bin = (dir_ / "bin").string();
  EXPECT_TRUE(host::onPath("faketime", "/nonexistent:" + bin));
  EXPECT_FALSE(host::onPath("faketime", "/nonexistent"));
  EXPECT_FALSE(host::onPath("notrun", bin));
}

// Only a clock-skew on a program that is not ours needs faketime, and the problem names it.
TEST_F(FaketimeHostTest, FaketimeIsNeededForOtherProgramsOnly) {
  const auto other = withSkewOn("edge", {"haproxy", "-db"});
  const auto problem = host::faketimeProblem(other, /*faketime_found=*/false);
  ASSERT_TRUE(problem);
  EXPECT_THAT(*problem, HasSubstr("'skew-edge' (target 'edge' runs haproxy)"));
  EXPECT_THAT(*problem, HasSubstr("Debian package faketime"));
  EXPECT_FALSE(host::faketimeProblem(other, /*faketime_found=*/true));
  EXPECT_FALSE(host::faketimeProblem(withSkewOn("proxy", {"outrider-proxy"}), false));
}

// The three certificate and clock kinds are carried out by this version, none listed as not.
TEST(FaultKindsTest, CertificateAndClockKindsAreCarriedOut) {
  for (const char* kind : {"cert-expiry", "cert-wrong-ca", "clock-skew"}) {
    const FaultKindEntry* entry = registry().find(kind);
    ASSERT_NE(entry, nullptr) << kind;
    EXPECT_TRUE(entry->carriedOut()) << kind;
  }
  EXPECT_THAT(renderFaultKinds(registry()), testing::Not(HasSubstr("not carried out")));
}

}  // namespace
}  // namespace outrider::faults
