// Every outrider command line in the CI examples uses a command and flags the built CLI has
// (`outrider <command> --help`), and the scenarios they name pass `outrider validate`.
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <sstream>

#include "ci_examples.h"
#include "run_program.h"

namespace outrider::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class CiExamplesCliTest : public testing::Test {
 protected:
  void SetUp() override {
    work_ = fs::temp_directory_path() / ("outrider-ci-examples-" + std::to_string(::getpid()));
    fs::create_directories(work_);
    // ${env.*} of the canary scenario, as the examples' pipelines set them.
    ::setenv("BASELINE_PROXY", (binDir() + "/outrider-proxy").c_str(), 0);
    ::setenv("CANDIDATE_PROXY", (binDir() + "/outrider-proxy").c_str(), 0);
  }
  void TearDown() override {
    if (!HasFailure()) {
      fs::remove_all(work_);
    }
  }

  // The options `outrider [command] --help` lists; nullopt when the CLI has no such command.
  std::optional<std::set<std::string>> optionsOf(const std::string& command) {
    if (auto known = help_.find(command); known != help_.end()) {
      return known->second;
    }
    std::vector<std::string> argv{binDir() + "/outrider"};
    if (!command.empty()) {
      argv.push_back(command);
    }
    argv.push_back("--help");
    const auto result = runProgram(argv, work_ / ("help-" + command), 10s);
    std::optional<std::set<std::string>> options;
    // CLI11 answers `outrider nosuch --help` with the program's own help (exit 0): the command
    // exists when its usage line names it.
    const std::regex usage("Usage: \\S+" + (command.empty() ? "" : " " + command) + "( |$)");
    std::smatch usage_match;
    if (result.finished && result.exit_code == 0 &&
        std::regex_search(result.out, usage_match, usage)) {
      options.emplace();
      // CLI11: "  -h,--help   Print this help..." and "  --out TEXT   Folder ...".
      static const std::regex option_line(R"(^\s+(-[^ ]*(?: [A-Z]+)?)\s)");
      static const std::regex name(R"(--?[A-Za-z0-9][A-Za-z0-9-]*)");
      std::istringstream lines(result.out);
      for (std::string line; std::getline(lines, line);) {
        std::smatch match;
        if (!std::regex_search(line, match, option_line)) {
          continue;
        }
        const std::string names = match[1].str();
        for (std::sregex_iterator it(names.begin(), names.end(), name), end; it != end; ++it) {
          options->insert(it->str());
        }
      }
    }
    help_[command] = options;
    return options;
  }

  std::vector<CommandLine> allCommands() const {
    std::vector<CommandLine> all;
    for (const auto& scripts :
         {githubScripts(loadYaml(GithubExample)), gitlabScripts(loadYaml(GitlabExample))}) {
      for (const auto& script : scripts) {
        for (auto& line : outriderCommands(script)) {
          all.push_back(std::move(line));
        }
      }
    }
    return all;
  }

  fs::path work_;
  std::map<std::string, std::optional<std::set<std::string>>> help_;
};

// Each command line's command exists and takes each of its flags.
TEST_F(CiExamplesCliTest, CommandsAndFlagsExist) {
  const auto lines = allCommands();
  ASSERT_FALSE(lines.empty());
  for (const auto& line : lines) {
    auto options = optionsOf(line.subcommand);
    ASSERT_TRUE(options.has_value())
        << line.where << ": the CLI has no command `" << line.subcommand << "`: " << line.text;
    for (const auto& flag : line.flags) {
      EXPECT_EQ(options->count(flag), 1u) << line.where << ": `outrider " << line.subcommand
                                          << "` has no " << flag << ": " << line.text;
    }
  }
}

// The scenarios the examples run are valid, the canary's variants included.
TEST_F(CiExamplesCliTest, ScenariosValidate) {
  std::set<std::string> scenarios;
  for (const auto& line : allCommands()) {
    scenarios.insert(line.scenarios.begin(), line.scenarios.end());
  }
  ASSERT_FALSE(scenarios.empty());
  std::vector<std::string> argv{binDir() + "/outrider", "validate"};
  argv.insert(argv.end(), scenarios.begin(), scenarios.end());
  const auto result = runProgram(argv, work_ / "validate", 30s);
  ASSERT_TRUE(result.finished);
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
}

}  // namespace
}  // namespace outrider::test
