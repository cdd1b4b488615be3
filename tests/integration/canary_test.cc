// `outrider canary` end to end on known answers (tests/integration/scenarios/gd-canary.toml):
// the baseline against itself does not fail; a candidate 5 ms slower with 1% more 503s fails on
// both, and the report names the metrics and the size of the change.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "game_day_fixture.h"
#include "run_program.h"

namespace outrider {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using test::GameDayTest;
using testing::HasSubstr;

class CanaryTest : public GameDayTest {
 protected:
  int canary(const std::string& baseline, const std::string& candidate,
             std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = {test::binDir() + "/outrider",
                                     "canary",
                                     "tests/integration/scenarios/gd-canary.toml",
                                     "--baseline",
                                     baseline,
                                     "--candidate",
                                     candidate,
                                     "--out",
                                     (work_ / "canary").string()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    auto result = test::runProgram(argv, work_ / "canary-output", 300s);
    EXPECT_TRUE(result.finished);
    last_output_ = result.out + result.err;
    return result.exit_code;
  }
  nlohmann::json canaryJson() const {
    std::ifstream in(work_ / "canary" / "canary.json");
    return nlohmann::json::parse(in, nullptr, false);
  }
  static const nlohmann::json* metric(const nlohmann::json& j, const std::string& name) {
    for (const auto& m : j["metrics"]) {
      if (m["name"] == name) {
        return &m;
      }
    }
    return nullptr;
  }
};

// Two pairs: too few to judge a latency (the judge's unit is the run), so marginal at best, but
// never fail; what this checks is the order of the runs and what each records.
TEST_F(CanaryTest, BaselineAgainstItselfDoesNotFail) {
  const int code = canary("baseline", "baseline", {"--pairs", "2"});
  EXPECT_TRUE(code == 0 || code == 4) << "exit " << code << "\n" << last_output_;
  const auto j = canaryJson();
  ASSERT_FALSE(j.is_discarded());
  EXPECT_NE(j["verdict"], "fail") << j.dump(2);
  EXPECT_EQ(j["pairs"], 2);
  // Interleaved: A B, then B A; one seed for all.
  ASSERT_EQ(j["runs"].size(), 4u);
  EXPECT_EQ(j["runs"][0]["role"], "baseline");
  EXPECT_EQ(j["runs"][1]["role"], "candidate");
  EXPECT_EQ(j["runs"][2]["role"], "candidate");
  EXPECT_EQ(j["runs"][3]["role"], "baseline");
  for (const auto& run : j["runs"]) {
    auto journal = reports::readJournal((work_ / "canary" / run["folder"].get<std::string>()));
    ASSERT_TRUE(journal) << run.dump();
    EXPECT_EQ(journal->seed, 7u);
    EXPECT_EQ(journal->variant, "baseline");
    EXPECT_FALSE(journal->load.latency_histogram_ns.empty());
  }
  for (const char* file : {"canary.md", "canary.html", "junit.xml"}) {
    EXPECT_TRUE(fs::exists(work_ / "canary" / file)) << file;
  }
}

// Five pairs (the scenario's): enough for a run-level rank test at alpha 0.01.
TEST_F(CanaryTest, SlowerAndLossierCandidateFailsOnBoth) {
  EXPECT_EQ(canary("baseline", "slow"), 1) << last_output_;
  const auto j = canaryJson();
  ASSERT_FALSE(j.is_discarded());
  EXPECT_EQ(j["verdict"], "fail");
  const auto* p50 = metric(j, "latency_p50");
  ASSERT_NE(p50, nullptr) << j.dump(2);
  EXPECT_EQ((*p50)["classification"], "high") << p50->dump(2);
  // About +5 ms on about 1.1 ms.
  EXPECT_NEAR((*p50)["candidate"].get<double>() - (*p50)["baseline"].get<double>(), 5.0, 1.5);
  const auto* errors = metric(j, "error_rate");
  ASSERT_NE(errors, nullptr);
  EXPECT_EQ((*errors)["classification"], "high") << errors->dump(2);
  EXPECT_NEAR((*errors)["candidate"].get<double>() - (*errors)["baseline"].get<double>(), 0.01,
              0.005);
  EXPECT_THAT(last_output_, HasSubstr("latency_p50"));
  std::ifstream md(work_ / "canary" / "canary.md");
  const std::string text((std::istreambuf_iterator<char>(md)), std::istreambuf_iterator<char>());
  EXPECT_THAT(text, HasSubstr("error_rate"));
  EXPECT_THAT(text, HasSubstr("slow against baseline: fail"));
}

TEST_F(CanaryTest, RunWithAVariantRecordsIt) {
  EXPECT_EQ(run("gd-canary", "nope", {"--variant", "nope"}), 2);
  EXPECT_THAT(last_output_, HasSubstr("no [[variant]] named 'nope' (it has: baseline, slow)"));
  const int code = run("gd-canary", "run", {"--variant", "slow"});
  EXPECT_TRUE(code == 0 || code == 1) << last_output_;
  const auto j = journal();
  EXPECT_EQ(j.variant, "slow");
  EXPECT_GT(j.load.latency_ms.p50, 5.0);
}

}  // namespace
}  // namespace outrider
