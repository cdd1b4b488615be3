// The CI examples (ci/examples/) hold the keys GitHub Actions and GitLab CI require, publish
// their JUnit files and run folders also when a job fails, and run the commands of a rollout
// gate. actionlint is not packaged for Debian 12, so these checks stand in for it; that every
// outrider command line uses real commands and flags is checked against the built CLI in
// ci_examples_cli_test.cc.
#include "ci_examples.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

namespace outrider::test {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

std::vector<CommandLine> commandsOf(const std::vector<Script>& scripts) {
  std::vector<CommandLine> all;
  for (const auto& script : scripts) {
    for (auto& line : outriderCommands(script)) {
      all.push_back(std::move(line));
    }
  }
  return all;
}

const CommandLine* findCommand(const std::vector<CommandLine>& lines, const std::string& sub) {
  for (const auto& line : lines) {
    if (line.subcommand == sub) {
      return &line;
    }
  }
  return nullptr;
}

bool has(const CommandLine& line, const std::string& flag) {
  return std::find(line.flags.begin(), line.flags.end(), flag) != line.flags.end();
}

// Where in the scripts `needle` first appears, in script order; npos when nowhere.
size_t firstScriptWith(const std::vector<Script>& scripts, const std::string& needle) {
  for (size_t i = 0; i < scripts.size(); ++i) {
    if (scripts[i].text.find(needle) != std::string::npos) {
      return i;
    }
  }
  return std::string::npos;
}

std::string asText(const YAML::Node& node) {
  if (!node) {
    return "";
  }
  if (node.IsScalar()) {
    return node.as<std::string>();
  }
  std::string text;
  for (const auto& item : node) {
    text += asText(item) + "\n";
  }
  return text;
}

// The shell word splitter: continuations joined, quotes taken off, flags and scenarios found.
TEST(CiExamplesTest, FindsOutriderCommandLines) {
  const auto lines = outriderCommands(
      Script{"x",
             "rc=0\nbuild/bin/outrider gate a.toml b.toml \\\n  --out=o --junit 'j.xml' "
             "--summary \"$GITHUB_STEP_SUMMARY\" || rc=$?  # note: outrider run\n"
             "cd outrider-src; ./outrider --version"});
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].subcommand, "gate");
  EXPECT_EQ(lines[0].scenarios, (std::vector<std::string>{"a.toml", "b.toml"}));
  EXPECT_EQ(lines[0].flags, (std::vector<std::string>{"--out", "--junit", "--summary"}));
  EXPECT_EQ(lines[0].values.at("--out"), "o");
  EXPECT_EQ(lines[0].values.at("--junit"), "j.xml");
  EXPECT_EQ(lines[0].values.at("--summary"), "$GITHUB_STEP_SUMMARY");
  EXPECT_EQ(lines[1].subcommand, "");
  EXPECT_EQ(lines[1].flags, (std::vector<std::string>{"--version"}));
}

// GitHub: `on`, and per job `runs-on` and steps that each have `run` or `uses` (not both).
TEST(CiExamplesTest, GithubWorkflowHasTheRequiredKeys) {
  const auto workflow = loadYaml(GithubExample);
  ASSERT_TRUE(workflow.IsMap());
  EXPECT_TRUE(workflow["on"]) << "a workflow needs `on`";
  ASSERT_TRUE(workflow["jobs"] && workflow["jobs"].IsMap() && workflow["jobs"].size() > 0);
  for (const auto& job : workflow["jobs"]) {
    const auto name = job.first.as<std::string>();
    EXPECT_TRUE(job.second["runs-on"]) << "jobs." << name << ": runs-on";
    const auto& steps = job.second["steps"];
    ASSERT_TRUE(steps && steps.IsSequence() && steps.size() > 0) << "jobs." << name << ".steps";
    for (size_t i = 0; i < steps.size(); ++i) {
      EXPECT_NE(static_cast<bool>(steps[i]["run"]), static_cast<bool>(steps[i]["uses"]))
          << "jobs." << name << ".steps[" << i << "]: one of run or uses";
    }
  }
}

// GitHub: the checkout, the Debian build from the Makefile, then gate and canary; the artifacts
// are uploaded with `if: always()` and hold the JUnit file and the run folders.
TEST(CiExamplesTest, GithubWorkflowGatesAndPublishesAlways) {
  const auto workflow = loadYaml(GithubExample);
  const auto scripts = githubScripts(workflow);
  const auto lines = commandsOf(scripts);
  const auto* gate = findCommand(lines, "gate");
  const auto* canary = findCommand(lines, "canary");
  ASSERT_NE(gate, nullptr) << "no `outrider gate`";
  ASSERT_NE(canary, nullptr) << "no `outrider canary`";
  EXPECT_GE(gate->scenarios.size(), 2u) << gate->text;
  ASSERT_TRUE(has(*gate, "--junit") && has(*gate, "--out") && has(*gate, "--summary"))
      << gate->text;
  EXPECT_EQ(gate->values.at("--summary"), "$GITHUB_STEP_SUMMARY");
  EXPECT_TRUE(has(*canary, "--baseline") && has(*canary, "--candidate")) << canary->text;

  const size_t deps = firstScriptWith(scripts, "make deps");
  const size_t build = firstScriptWith(scripts, "make build");
  const size_t first_run = firstScriptWith(scripts, "build/bin/outrider ");
  EXPECT_LT(deps, build);
  EXPECT_LT(build, first_run);

  bool checkout = false;
  bool uploaded = false;
  for (const auto& job : workflow["jobs"]) {
    const auto& container = job.second["container"];  // "image" or {image: ..., options: ...}
    EXPECT_THAT(container && container.IsMap() ? asText(container["image"]) : asText(container),
                HasSubstr("debian:12"));
    for (const auto& step : job.second["steps"]) {
      const std::string uses = step["uses"] ? step["uses"].as<std::string>() : "";
      checkout = checkout || uses.rfind("actions/checkout@", 0) == 0;
      if (uses.rfind("actions/upload-artifact@", 0) != 0) {
        continue;
      }
      uploaded = true;
      EXPECT_THAT(asText(step["if"]), HasSubstr("always()")) << "upload-artifact without always()";
      const std::string paths = asText(step["with"]["path"]);
      EXPECT_THAT(paths, HasSubstr(gate->values.at("--junit")));
      EXPECT_THAT(paths, HasSubstr(gate->values.at("--out")));
      if (canary->values.count("--out") > 0) {
        EXPECT_THAT(paths, HasSubstr(canary->values.at("--out")));
      }
    }
  }
  EXPECT_TRUE(checkout) << "no actions/checkout step";
  EXPECT_TRUE(uploaded) << "no actions/upload-artifact step";
}

// GitLab: `stages`, and every job has a `script` and a stage from that list.
TEST(CiExamplesTest, GitlabPipelineHasTheRequiredKeys) {
  const auto pipeline = loadYaml(GitlabExample);
  ASSERT_TRUE(pipeline.IsMap());
  ASSERT_TRUE(pipeline["stages"] && pipeline["stages"].IsSequence());
  const auto stages = asText(pipeline["stages"]);
  size_t jobs = 0;
  for (const auto& entry : pipeline) {
    const auto name = entry.first.as<std::string>();
    if (isGitlabGlobalKey(name)) {
      continue;
    }
    ++jobs;
    ASSERT_TRUE(entry.second.IsMap()) << name;
    const auto& script = entry.second["script"];
    EXPECT_TRUE(script && (script.IsScalar() || script.size() > 0)) << name << ": script";
    ASSERT_TRUE(entry.second["stage"]) << name << ": stage";
    EXPECT_THAT(stages, HasSubstr(entry.second["stage"].as<std::string>() + "\n")) << name;
  }
  EXPECT_GT(jobs, 0u);
}

// GitLab: each job that runs gate or canary keeps its artifacts `when: always` and reports the
// JUnit file it writes; the image is Debian 12 and the build uses the Makefile.
TEST(CiExamplesTest, GitlabJobsGateAndPublishAlways) {
  const auto pipeline = loadYaml(GitlabExample);
  const auto scripts = gitlabScripts(pipeline);
  EXPECT_THAT(asText(pipeline["default"]["image"]) + asText(pipeline["image"]),
              HasSubstr("debian:12"));
  EXPECT_NE(firstScriptWith(scripts, "make deps"), std::string::npos);
  EXPECT_NE(firstScriptWith(scripts, "make build"), std::string::npos);
  bool gate_seen = false;
  bool canary_seen = false;
  for (const auto& entry : pipeline) {
    const auto name = entry.first.as<std::string>();
    if (isGitlabGlobalKey(name)) {
      continue;
    }
    std::vector<Script> own;
    for (const char* part : {"before_script", "script", "after_script"}) {
      if (entry.second[part]) {
        own.push_back(Script{name + "." + part, asText(entry.second[part])});
      }
    }
    for (const auto& line : commandsOf(own)) {
      std::string junit;
      if (line.subcommand == "gate") {
        gate_seen = true;
        EXPECT_GE(line.scenarios.size(), 2u) << line.text;
        ASSERT_TRUE(has(line, "--junit") && has(line, "--out")) << line.text;
        junit = line.values.at("--junit");
      } else if (line.subcommand == "canary") {
        canary_seen = true;
        EXPECT_TRUE(has(line, "--baseline") && has(line, "--candidate")) << line.text;
        ASSERT_TRUE(has(line, "--out")) << line.text;
        junit = line.values.at("--out") + "/junit.xml";  // spec/cli.md: canary writes junit.xml
      } else {
        continue;
      }
      const auto& artifacts = entry.second["artifacts"];
      ASSERT_TRUE(artifacts) << name << ": artifacts";
      EXPECT_EQ(asText(artifacts["when"]), "always") << name;
      EXPECT_THAT(asText(artifacts["reports"]["junit"]), HasSubstr(junit)) << name;
      const auto paths = asText(artifacts["paths"]);
      EXPECT_THAT(paths, HasSubstr(line.values.at("--out"))) << name << ": the run folders";
    }
  }
  EXPECT_TRUE(gate_seen) << "no `outrider gate`";
  EXPECT_TRUE(canary_seen) << "no `outrider canary`";
}

// Every scenario file the examples name is in the repository.
TEST(CiExamplesTest, ScenarioFilesExist) {
  for (const auto& lines : {commandsOf(githubScripts(loadYaml(GithubExample))),
                            commandsOf(gitlabScripts(loadYaml(GitlabExample)))}) {
    for (const auto& line : lines) {
      for (const auto& scenario : line.scenarios) {
        EXPECT_TRUE(fs::exists(scenario)) << line.where << ": " << scenario;
      }
    }
  }
}

}  // namespace
}  // namespace outrider::test
