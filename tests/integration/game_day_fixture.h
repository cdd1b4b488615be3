#pragma once

// The game days' fixture: runs `outrider run` on a scenario into a temp folder and reads back its
// journal.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "outrider/reports/journal.h"
#include "run_program.h"

namespace outrider::test {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

class GameDayTest : public testing::Test {
 protected:
  void SetUp() override {
    const auto* info = testing::UnitTest::GetInstance()->current_test_info();
    work_ = fs::temp_directory_path() /
            ("outrider-gd-" + std::string(info->name()) + "-" + std::to_string(::getpid()));
    fs::remove_all(work_);
  }
  void TearDown() override {
    if (!HasFailure()) {
      fs::remove_all(work_);
    }
  }

  // Runs a scenario of tests/integration/scenarios (or a shipped one, "scenarios/<name>") into
  // work_/<out>; returns the exit code.
  int run(const std::string& scenario, const std::string& out = "run",
          std::vector<std::string> extra = {}) {
    const std::string file = scenario.rfind("scenarios/", 0) == 0
                                 ? scenario + ".toml"
                                 : "tests/integration/scenarios/" + scenario + ".toml";
    std::vector<std::string> argv = {test::binDir() + "/outrider", "run", file, "--out",
                                     (work_ / out).string()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    auto result = test::runProgram(argv, work_ / (out + "-output"), 150s);
    EXPECT_TRUE(result.finished) << scenario << " did not finish";
    last_output_ = result.out + result.err;
    return result.exit_code;
  }
  reports::Journal journal(const std::string& out = "run") const {
    auto journal = reports::readJournal((work_ / out).string());
    EXPECT_TRUE(journal.has_value()) << journal.error().message;
    return journal ? *journal : reports::Journal{};
  }
  static const reports::SloRecord* slo(const reports::Journal& j, const std::string& name);

  fs::path work_;
  std::string last_output_;
};

inline const reports::SloRecord* sloNamed(const reports::Journal& j, const std::string& name) {
  for (const auto& s : j.slos) {
    if (s.name == name) {
      return &s;
    }
  }
  return nullptr;
}

inline const reports::SloRecord* GameDayTest::slo(const reports::Journal& j,
                                                  const std::string& name) {
  return sloNamed(j, name);
}

inline const reports::ProcessRecord* processNamed(const reports::Journal& j,
                                                  const std::string& name) {
  for (const auto& p : j.processes) {
    if (p.name == name) {
      return &p;
    }
  }
  return nullptr;
}

// The run had one fault and it took effect (its evidence says why not, otherwise).
inline testing::AssertionResult hasOneEffectiveFault(const reports::Journal& j) {
  if (j.faults.size() != 1) {
    return testing::AssertionFailure() << j.faults.size() << " faults, expected 1";
  }
  if (!j.faults[0].effective) {
    return testing::AssertionFailure()
           << j.faults[0].name << " not effective: " << j.faults[0].evidence;
  }
  return testing::AssertionSuccess();
}

inline uint64_t badRequests(const reports::Journal& j) {
  const auto fives = j.load.status.find("5xx");
  return j.load.failed + j.load.timed_out + j.load.not_sent +
         (fives == j.load.status.end() ? 0 : fives->second);
}

}  // namespace outrider::test
