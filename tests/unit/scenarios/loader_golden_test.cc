// Golden files: the exact text `outrider validate` prints for a file with several mistakes.
// Set OUTRIDER_UPDATE_GOLDEN=1 to rewrite the .expected files after an intended change.

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "outrider/scenarios/loader.h"

namespace outrider::scenarios {
namespace {

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Every diagnostic of the file, one formatted line each.
std::string validate(const std::string& path) {
  auto loaded = loadScenarioFile(path, LoadOptions{});
  std::string out;
  if (!loaded) {
    for (const auto& diagnostic : loaded.error().diagnostics) {
      out += diagnostic.format() + "\n";
    }
  }
  return out;
}

class LoaderGoldenTest : public testing::TestWithParam<std::string> {};

// The diagnostics of each golden scenario match its .expected file byte for byte.
TEST_P(LoaderGoldenTest, MatchesExpectedOutput) {
  const std::string scenario = "tests/golden/scenarios/" + GetParam() + ".toml";
  const std::string expected_path = "tests/golden/scenarios/" + GetParam() + ".expected";
  const std::string actual = validate(scenario);
  if (std::getenv("OUTRIDER_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(expected_path, std::ios::binary) << actual;
  }
  const std::string expected = readFile(expected_path);
  ASSERT_FALSE(expected.empty()) << expected_path << " is missing or empty";
  EXPECT_EQ(actual, expected);
}

INSTANTIATE_TEST_SUITE_P(Scenarios, LoaderGoldenTest, testing::Values("several-mistakes"));

}  // namespace
}  // namespace outrider::scenarios
