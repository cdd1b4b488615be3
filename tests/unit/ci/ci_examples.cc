#include "ci_examples.h"

#include <algorithm>
#include <array>

namespace outrider::test {

namespace {

// A script's words, with separators as words of their own (";", "&&", "||", "|", "\n") and
// comments dropped; "\\\n" joins lines; quotes are removed, their content kept as one word.
std::vector<std::string> shellWords(const std::string& text) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  auto flush = [&] {
    if (in_word) {
      words.push_back(word);
    }
    word.clear();
    in_word = false;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\\' && i + 1 < text.size() && text[i + 1] == '\n') {
      ++i;
      continue;
    }
    if (c == '\'' || c == '"') {
      const size_t end = text.find(c, i + 1);
      word += text.substr(i + 1, end == std::string::npos ? std::string::npos : end - i - 1);
      in_word = true;
      i = end == std::string::npos ? text.size() : end;
      continue;
    }
    if (c == '#' && !in_word) {
      i = std::min(text.find('\n', i), text.size()) - 1;
      continue;
    }
    if (c == ' ' || c == '\t') {
      flush();
      continue;
    }
    if (c == '\n' || c == ';' || c == '|' || c == '&' || c == '(' || c == ')') {
      flush();
      std::string separator(1, c);
      if ((c == '|' || c == '&') && i + 1 < text.size() && text[i + 1] == c) {
        separator += c;
        ++i;
      }
      words.push_back(separator);
      continue;
    }
    word += c;
    in_word = true;
  }
  flush();
  return words;
}

bool isSeparator(const std::string& word) {
  static const std::array<std::string, 7> separators{";", "&&", "||", "|", "\n", "(", ")"};
  return std::find(separators.begin(), separators.end(), word) != separators.end() || word == "&";
}

bool startsOutrider(const std::string& word) {
  const auto slash = word.rfind('/');
  return (slash == std::string::npos ? word : word.substr(slash + 1)) == "outrider";
}

void addScripts(std::vector<Script>& out, const YAML::Node& node, const std::string& where) {
  if (!node) {
    return;
  }
  if (node.IsScalar()) {
    out.push_back(Script{where, node.as<std::string>()});
    return;
  }
  if (node.IsSequence()) {
    for (size_t i = 0; i < node.size(); ++i) {
      addScripts(out, node[i], where + "[" + std::to_string(i) + "]");
    }
  }
}

}  // namespace

YAML::Node loadYaml(const std::string& path) { return YAML::LoadFile(path); }

std::vector<Script> githubScripts(const YAML::Node& workflow) {
  std::vector<Script> out;
  for (const auto& job : workflow["jobs"]) {
    const auto name = job.first.as<std::string>();
    const auto& steps = job.second["steps"];
    for (size_t i = 0; steps && i < steps.size(); ++i) {
      if (steps[i]["run"]) {
        out.push_back(Script{"jobs." + name + ".steps[" + std::to_string(i) + "].run",
                             steps[i]["run"].as<std::string>()});
      }
    }
  }
  return out;
}

std::vector<Script> gitlabScripts(const YAML::Node& pipeline) {
  std::vector<Script> out;
  for (const auto& entry : pipeline) {
    const auto key = entry.first.as<std::string>();
    if (key != "default" && isGitlabGlobalKey(key)) {
      continue;
    }
    for (const char* part : {"before_script", "script", "after_script"}) {
      addScripts(out, entry.second[part], key + "." + part);
    }
  }
  return out;
}

std::vector<CommandLine> outriderCommands(const Script& script) {
  std::vector<CommandLine> out;
  const auto words = shellWords(script.text);
  for (size_t i = 0; i < words.size(); ++i) {
    if (!startsOutrider(words[i])) {
      continue;
    }
    CommandLine line;
    line.where = script.where;
    line.text = words[i];
    size_t j = i + 1;
    if (j < words.size() && !isSeparator(words[j]) && words[j].rfind('-', 0) != 0) {
      line.subcommand = words[j];
      line.text += " " + words[j];
      ++j;
    }
    for (; j < words.size() && !isSeparator(words[j]); ++j) {
      const std::string& word = words[j];
      line.text += " " + word;
      if (word.rfind('-', 0) == 0) {
        const auto equals = word.find('=');
        const std::string flag = word.substr(0, equals);
        line.flags.push_back(flag);
        if (equals != std::string::npos) {
          line.values[flag] = word.substr(equals + 1);
        } else if (j + 1 < words.size() && !isSeparator(words[j + 1])) {
          line.values[flag] = words[j + 1];
        }
      } else if (word.size() > 5 && word.ends_with(".toml")) {
        line.scenarios.push_back(word);
      }
    }
    out.push_back(std::move(line));
    i = j;
  }
  return out;
}

bool isGitlabGlobalKey(const std::string& key) {
  static const std::array<std::string, 9> keys{"stages",   "default",  "variables",
                                               "include",  "workflow", "image",
                                               "services", "cache",    "before_script"};
  // Hidden jobs (".name") are templates, not jobs.
  return key.rfind('.', 0) == 0 || key == "after_script" ||
         std::find(keys.begin(), keys.end(), key) != keys.end();
}

}  // namespace outrider::test
