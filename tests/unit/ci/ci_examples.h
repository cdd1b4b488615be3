#pragma once

// The CI examples of ci/examples/ as data for their checks: the YAML, the shell scripts each
// file holds (GitHub steps' `run`, GitLab jobs' `script`) and the `outrider` command lines in
// those scripts.

#include <yaml-cpp/yaml.h>

#include <map>
#include <string>
#include <vector>

namespace outrider::test {

inline constexpr const char* GithubExample = "ci/examples/github-actions.yml";
inline constexpr const char* GitlabExample = "ci/examples/gitlab-ci.yml";

// A shell script of a CI file and where it is ("jobs.gate.steps[4].run", "canary.script[2]").
struct Script {
  std::string where;
  std::string text;
};

// One `outrider` invocation: `build/bin/outrider gate a.toml --junit x.xml ...`.
struct CommandLine {
  std::string where;
  std::string text;                // as written, continuation lines joined
  std::string subcommand;          // "gate"; empty when the first word is a flag (--version)
  std::vector<std::string> flags;  // "--junit", in order ("--out=x" as "--out")
  std::map<std::string, std::string> values;  // a flag -> the word after it (or after its '=')
  std::vector<std::string> scenarios;         // the words that end in .toml
};

YAML::Node loadYaml(const std::string& path);

// GitHub: every step's `run`. GitLab: every job's (and `default`'s) before_script, script and
// after_script, a string or a list of strings.
std::vector<Script> githubScripts(const YAML::Node& workflow);
std::vector<Script> gitlabScripts(const YAML::Node& pipeline);

// The `outrider` command lines of a script: a word whose last path part is `outrider` starts one,
// and it ends at a shell separator (; && || | newline) or a comment. Quotes are taken off words.
std::vector<CommandLine> outriderCommands(const Script& script);

// GitLab's top-level keys that are not jobs.
bool isGitlabGlobalKey(const std::string& key);

}  // namespace outrider::test
