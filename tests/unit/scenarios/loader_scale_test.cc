#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "loader_test_helpers.h"
#include "outrider/scenarios/loader.h"

namespace outrider::scenarios {
namespace {

using test::loadOrFail;
using test::problemsIn;
using test::withMinimal;
using testing::ElementsAre;
using testing::SizeIs;

// A link named "upstream" and an http link named "edge", for faults to target.
constexpr std::string_view Links = R"([[link]]
name = "upstream"
listen = "127.0.0.1:1"
to = "127.0.0.1:2"

[[link]]
name = "edge"
listen = "127.0.0.1:3"
to = "127.0.0.1:4"
protocol = "http"

)";

// Large files load in time linear (or n log n) in their size: each check below was quadratic in
// the number of faults or names, and 16,000 faults took 21 s to validate.
class LoaderScaleTest : public testing::Test {
 protected:
  static std::string fault(std::string_view name, std::string_view target) {
    std::string text = "[[fault]]\n";
    if (!name.empty()) {
      text += "name = \"" + std::string(name) + "\"\n";
    }
    return text + "kind = \"latency\"\ntarget = \"" + std::string(target) +
           "\"\nlatency = \"5ms\"\n";
  }
};

// 16,000 named faults load, each with its own name.
TEST_F(LoaderScaleTest, SixteenThousandNamedFaultsLoad) {
  std::string text = withMinimal(Links);
  for (int i = 0; i < 16'000; ++i) {
    text += fault("fault-" + std::to_string(i), i % 2 == 0 ? "upstream" : "edge");
  }
  Scenario scenario = loadOrFail(text);
  ASSERT_THAT(scenario.faults, SizeIs(16'000));
  EXPECT_EQ(scenario.faults.back().name, "fault-15999");
}

// Unnamed faults on one link are numbered in file order, skipping names given explicitly; each
// suffix is tried once, not once per earlier fault.
TEST_F(LoaderScaleTest, SixteenThousandUnnamedFaultsAreNumbered) {
  std::string text = withMinimal(Links);
  text += fault("latency-upstream-3", "edge");
  for (int i = 0; i < 16'000; ++i) {
    text += fault("", "upstream");
  }
  text += fault("latency-upstream-16002", "edge");
  Scenario scenario = loadOrFail(text);
  ASSERT_THAT(scenario.faults, SizeIs(16'002));
  EXPECT_EQ(scenario.faults[1].name, "latency-upstream");
  EXPECT_EQ(scenario.faults[2].name, "latency-upstream-2");
  EXPECT_EQ(scenario.faults[3].name, "latency-upstream-4");
  EXPECT_EQ(scenario.faults[16'000].name, "latency-upstream-16001");
  EXPECT_EQ(scenario.faults[16'001].name, "latency-upstream-16002");
  std::set<std::string> names;
  for (const Fault& each : scenario.faults) {
    names.insert(each.name);
  }
  EXPECT_THAT(names, SizeIs(16'002));
}

// Every repeat of a name is reported once, naming the first owner, in file order.
TEST_F(LoaderScaleTest, DuplicatesNameTheFirstOwner) {
  std::string text = withMinimal(Links);
  for (int i = 0; i < 3; ++i) {
    text += fault("same", "upstream");
  }
  EXPECT_THAT(problemsIn(text),
              ElementsAre("t.toml:24:1: error: fault[1].name: name 'same' is already used by "
                          "fault[0]",
                          "t.toml:29:1: error: fault[2].name: name 'same' is already used by "
                          "fault[0]"));
}

// 16,000 faults with wrong targets: one problem each. A word already judged keeps its "did you
// mean", however often it comes back; a new word costs a scan of every name in the pod, so only
// the first 64 distinct words get one.
TEST_F(LoaderScaleTest, SuggestionsForUnknownTargetsAreBounded) {
  std::string text = withMinimal(Links);
  // 676 distinct typos, "upstreamaa" to "upstreamzz", in turn with "upstrem".
  auto typo = [](int k) {
    return "upstream" + std::string(1, static_cast<char>('a' + k / 26 % 26)) +
           std::string(1, static_cast<char>('a' + k % 26));
  };
  for (int i = 0; i < 16'000; ++i) {
    text += fault("", i % 2 == 0 ? std::string("upstrem") : typo(i / 2 % 676));
  }
  const std::vector<std::string> problems = problemsIn(text);
  ASSERT_THAT(problems, SizeIs(16'000));
  size_t hints = 0;
  for (const auto& problem : problems) {
    hints += problem.find("(did you mean 'upstream'?)") != std::string::npos ? 1 : 0;
  }
  // Every "upstrem", and the typos among the first 63 of the 676 (12 rounds of them in 8,000).
  EXPECT_EQ(hints, 8'000u + 12 * 63);
  EXPECT_EQ(problems[0],
            "t.toml:20:1: error: fault[0].target: no link or process named 'upstrem' (did you "
            "mean 'upstream'?)");
}

// A word close to a name gets its suggestion even when both are 60,000 characters long: the
// edit distance looks only near the diagonal, not at a 60,000 x 60,000 table.
TEST_F(LoaderScaleTest, LongNamesAreCompared) {
  const std::string name(60'000, 'n');
  std::string typo = name;
  typo[100] = 'x';
  std::string text = withMinimal("[[link]]\nname = \"" + name +
                                 "\"\nlisten = \"127.0.0.1:1\"\nto = \"127.0.0.1:2\"\n");
  text += fault("", typo);
  const std::vector<std::string> problems = problemsIn(text);
  ASSERT_THAT(problems, SizeIs(1));
  EXPECT_NE(problems[0].find("(did you mean 'nnnn"), std::string::npos);
}

}  // namespace
}  // namespace outrider::scenarios
