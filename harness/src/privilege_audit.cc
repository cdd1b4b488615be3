#include "outrider/harness/privilege_audit.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace outrider::harness {

namespace fs = std::filesystem;

namespace {

// A table, four a row, bit 0 first.
// clang-format off
constexpr std::array<const char*, 41> CapabilityNames = {
    "cap_chown",           "cap_dac_override",   "cap_dac_read_search", "cap_fowner",
    "cap_fsetid",          "cap_kill",           "cap_setgid",          "cap_setuid",
    "cap_setpcap",         "cap_linux_immutable", "cap_net_bind_service", "cap_net_broadcast",
    "cap_net_admin",       "cap_net_raw",        "cap_ipc_lock",        "cap_ipc_owner",
    "cap_sys_module",      "cap_sys_rawio",      "cap_sys_chroot",      "cap_sys_ptrace",
    "cap_sys_pacct",       "cap_sys_admin",      "cap_sys_boot",        "cap_sys_nice",
    "cap_sys_resource",    "cap_sys_time",       "cap_sys_tty_config",  "cap_mknod",
    "cap_lease",           "cap_audit_write",    "cap_audit_control",   "cap_setfcap",
    "cap_mac_override",    "cap_mac_admin",      "cap_syslog",          "cap_wake_alarm",
    "cap_block_suspend",   "cap_audit_read",     "cap_perfmon",         "cap_bpf",
    "cap_checkpoint_restore"};
// clang-format on

// Capabilities that amount to root (each one opens a way to all the others or to every file).
constexpr std::array<int, 14> RootLikeCapabilities = {0,  1,  2,  3,  6,  7,  8,
                                                      12, 16, 17, 19, 21, 31, 39};

std::string_view trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) {
    return {};
  }
  const auto last = text.find_last_not_of(" \t\r\n");
  return text.substr(first, last - first + 1);
}

// The value of `key:` in a status text ("Uid:\t0\t0\t0\t0" -> "0\t0\t0\t0").
std::optional<std::string_view> statusField(std::string_view text, std::string_view key) {
  size_t at = 0;
  while (at < text.size()) {
    const size_t end = std::min(text.find('\n', at), text.size());
    const std::string_view line = text.substr(at, end - at);
    if (line.size() > key.size() && line.substr(0, key.size()) == key && line[key.size()] == ':') {
      return trim(line.substr(key.size() + 1));
    }
    at = end + 1;
  }
  return std::nullopt;
}

template <class T>
std::optional<T> parseNumber(std::string_view text, int base) {
  T value{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, base);
  if (ec != std::errc() || end == text.data()) {
    return std::nullopt;
  }
  return value;
}

std::optional<std::string> readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return std::nullopt;
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string modeText(uint32_t mode) { return fmt::format("{:04o}", mode & 07777); }

// "--tls-key=x" -> ("--tls-key", "x"); "--tls-key" -> ("--tls-key", nullopt).
std::pair<std::string_view, std::optional<std::string_view>> splitFlag(std::string_view arg) {
  const auto eq = arg.find('=');
  if (arg.substr(0, 2) != "--" || eq == std::string_view::npos) {
    return {arg, std::nullopt};
  }
  return {arg.substr(0, eq), arg.substr(eq + 1)};
}

bool endsWith(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

std::string programName(const std::vector<std::string>& command) {
  return command.empty() ? std::string() : fs::path(command.front()).filename().string();
}

}  // namespace

ProcStatus parseProcStatus(std::string_view text) {
  ProcStatus status;
  if (auto uid = statusField(text, "Uid")) {
    // real, effective, saved, filesystem
    const auto tab = uid->find_first_of(" \t");
    if (tab != std::string_view::npos) {
      status.effective_uid = parseNumber<uint32_t>(trim(uid->substr(tab)), 10);
    }
  }
  if (auto cap = statusField(text, "CapEff")) {
    status.cap_eff = parseNumber<uint64_t>(*cap, 16);
  }
  if (auto nnp = statusField(text, "NoNewPrivs")) {
    if (auto value = parseNumber<int>(*nnp, 10)) {
      status.no_new_privs = *value != 0;
    }
  }
  return status;
}

std::string capabilityName(int bit) {
  if (bit >= 0 && bit < static_cast<int>(CapabilityNames.size())) {
    return CapabilityNames[static_cast<size_t>(bit)];
  }
  return "cap_" + std::to_string(bit);
}

std::vector<reports::AuditRecord> auditStatus(const std::string& process,
                                              const ProcStatus& status) {
  std::vector<reports::AuditRecord> out;
  if (status.effective_uid && *status.effective_uid == 0) {
    out.push_back({process, "user", "high", "runs as root (euid 0)"});
  }
  if (status.cap_eff && *status.cap_eff != 0) {
    std::vector<std::string> root_like;
    std::vector<std::string> others;
    for (int bit = 0; bit < 64; ++bit) {
      if ((*status.cap_eff >> bit & 1U) == 0) {
        continue;
      }
      const bool strong = std::find(RootLikeCapabilities.begin(), RootLikeCapabilities.end(),
                                    bit) != RootLikeCapabilities.end();
      (strong ? root_like : others).push_back(capabilityName(bit));
    }
    // The strong ones first, four named at most.
    std::vector<std::string> named = root_like;
    named.insert(named.end(), others.begin(), others.end());
    const size_t count = named.size();
    std::string list;
    for (size_t i = 0; i < std::min<size_t>(count, 4); ++i) {
      list += (i == 0 ? "" : ", ") + named[i];
    }
    if (count > 4) {
      list += fmt::format(" and {} more", count - 4);
    }
    out.push_back({process, "capabilities", root_like.empty() ? "medium" : "high",
                   fmt::format("CapEff not empty: {:016x} ({})", *status.cap_eff, list)});
  }
  if (status.no_new_privs && !*status.no_new_privs) {
    out.push_back({process, "no_new_privs", "low", "no_new_privs not set"});
  }
  return out;
}

std::vector<std::string> parseTokenFile(std::string_view text) {
  std::vector<std::string> tokens;
  while (!text.empty()) {
    const auto newline = text.find('\n');
    const std::string_view line = trim(text.substr(0, newline));
    if (line.size() >= MinSecretLength && line.front() != '#') {
      tokens.emplace_back(line);
    }
    if (newline == std::string_view::npos) {
      break;
    }
    text.remove_prefix(newline + 1);
  }
  return tokens;
}

std::vector<std::string> privateKeyNeedles(std::string_view pem) {
  std::vector<std::string> out;
  size_t at = 0;
  for (;;) {
    const auto begin = pem.find("-----BEGIN ", at);
    if (begin == std::string_view::npos) {
      break;
    }
    const auto header_end = pem.find("-----", begin + 11);
    if (header_end == std::string_view::npos) {
      break;
    }
    const std::string_view label = pem.substr(begin + 11, header_end - begin - 11);
    at = header_end + 5;
    if (!endsWith(label, "PRIVATE KEY")) {
      continue;
    }
    // The first body line that is base64 (an encrypted key's Proc-Type headers are not).
    size_t line_start = pem.find('\n', at);
    while (line_start != std::string_view::npos && line_start + 1 < pem.size()) {
      ++line_start;
      const size_t line_end = std::min(pem.find('\n', line_start), pem.size());
      const std::string_view line = trim(pem.substr(line_start, line_end - line_start));
      if (line.substr(0, 5) == "-----") {
        break;
      }
      const bool base64 = !line.empty() && line.find_first_not_of(
                                               "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstu"
                                               "vwxyz0123456789+/=") == std::string_view::npos;
      if (base64 && line.size() >= MinSecretLength) {
        out.emplace_back(line);
        break;
      }
      line_start = line_end;
    }
  }
  return out;
}

std::vector<SecretHit> findSecrets(std::string_view text, const std::vector<KnownSecret>& secrets) {
  std::vector<SecretHit> hits;
  std::map<size_t, size_t> index;  // secret -> its hit
  size_t line_number = 0;
  size_t at = 0;
  while (at < text.size()) {
    const size_t end = std::min(text.find('\n', at), text.size());
    const std::string_view line = text.substr(at, end - at);
    ++line_number;
    for (size_t i = 0; i < secrets.size(); ++i) {
      if (secrets[i].needle.empty() || line.find(secrets[i].needle) == std::string_view::npos) {
        continue;
      }
      auto [found, inserted] = index.emplace(i, hits.size());
      if (inserted) {
        hits.push_back(SecretHit{i, line_number, 0});
      }
      ++hits[found->second].lines;
    }
    at = end + 1;
  }
  return hits;
}

SecretSources secretSourcesOf(const scenarios::Scenario& resolved) {
  std::set<SecretSources::File> tokens;
  std::set<SecretSources::File> keys;
  std::set<SecretSources::File> secrets_dirs;
  std::set<SecretSources::File> state_dirs;
  for (const auto* process : resolved.processes()) {
    const auto& command = process->command;
    const std::string program = programName(command);
    for (size_t i = 1; i < command.size(); ++i) {
      auto [flag, inline_value] = splitFlag(command[i]);
      if (flag.substr(0, 2) != "--") {
        continue;
      }
      std::optional<std::string> value;
      if (inline_value) {
        value = std::string(*inline_value);
      } else if (i + 1 < command.size()) {
        value = command[i + 1];
      }
      if (!value || value->empty()) {
        continue;
      }
      const SecretSources::File file{process->name, *value};
      if (flag == "--token-file" || flag == "--tokens") {
        tokens.insert(file);
      } else if (endsWith(flag, "key") || endsWith(flag, "key-file")) {
        keys.insert(file);
      } else if (flag == "--dir" && program == "outrider-secrets") {
        secrets_dirs.insert(file);
      } else if (flag == "--state-dir" && program == "outrider-control") {
        state_dirs.insert(file);
      }
    }
  }
  if (resolved.load && resolved.load->tls && !resolved.load->tls->key.empty()) {
    keys.insert(SecretSources::File{"load", resolved.load->tls->key});
  }
  SecretSources out;
  out.token_files.assign(tokens.begin(), tokens.end());
  out.key_files.assign(keys.begin(), keys.end());
  out.secrets_dirs.assign(secrets_dirs.begin(), secrets_dirs.end());
  out.state_dirs.assign(state_dirs.begin(), state_dirs.end());
  return out;
}

std::vector<reports::AuditRecord> auditKeyFile(const std::string& process,
                                               const std::string& shown_path, uint32_t mode,
                                               uint32_t file_uid, uint32_t owner_uid) {
  std::vector<reports::AuditRecord> out;
  if ((mode & 077) != 0) {
    out.push_back({process, "key_file_mode", (mode & 007) != 0 ? "high" : "medium",
                   fmt::format("{} mode {} (group or others may {})", shown_path, modeText(mode),
                               (mode & 022) != 0 ? "read or write it" : "read it")});
  }
  if (file_uid != 0 && file_uid != owner_uid) {
    out.push_back({process, "key_file_owner", "medium",
                   fmt::format("{} belongs to uid {}, not to {}'s uid {} or root", shown_path,
                               file_uid, process, owner_uid)});
  }
  return out;
}

PrivilegeAudit::PrivilegeAudit(const scenarios::Scenario& resolved, Paths paths,
                               uint32_t harness_uid)
    : sources_(secretSourcesOf(resolved)), paths_(std::move(paths)), harness_uid_(harness_uid) {
  for (const auto* process : resolved.processes()) {
    uids_.emplace_back(process->name, process->run_as ? process->run_as->uid : harness_uid);
  }
}

uint32_t PrivilegeAudit::uidOf(const std::string& process) const {
  for (const auto& [name, uid] : uids_) {
    if (name == process) {
      return uid;
    }
  }
  return harness_uid_;  // "load": the harness reads it
}

std::string PrivilegeAudit::shown(const std::string& path) const {
  if (!paths_.run_dir.empty()) {
    const std::string prefix = paths_.run_dir + (paths_.run_dir.back() == '/' ? "" : "/");
    if (path.compare(0, prefix.size(), prefix) == 0) {
      return path.substr(prefix.size());
    }
  }
  return path;
}

void PrivilegeAudit::add(reports::AuditRecord record) {
  if (seen_.emplace(record.process, record.check, record.detail).second) {
    records_.push_back(std::move(record));
  }
}

std::vector<SecretSources::File> PrivilegeAudit::keyFiles() const {
  std::vector<SecretSources::File> out;
  std::set<std::string> canonical;
  auto take = [&](const std::string& process, const fs::path& path) {
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) {
      return;
    }
    const auto real = fs::canonical(path, ec);
    if (ec || !canonical.insert(real.string()).second) {
      return;
    }
    out.push_back(SecretSources::File{process, path.string()});
  };
  for (const auto& file : sources_.key_files) {
    take(file.process, file.path);
  }
  for (const auto& dir : sources_.secrets_dirs) {
    take(dir.process, fs::path(dir.path) / "key.pem");
    std::error_code ec;
    for (fs::directory_iterator it(dir.path, ec), end; !ec && it != end; it.increment(ec)) {
      // The kept sets are real folders; the ..data link points at one of them.
      if (!it->is_symlink(ec) && it->is_directory(ec)) {
        take(dir.process, it->path() / "key.pem");
      }
    }
  }
  for (const auto& dir : sources_.state_dirs) {
    take(dir.process, fs::path(dir.path) / "ca.key");
    take(dir.process, fs::path(dir.path) / "wrong-ca.key");
  }
  return out;
}

std::vector<KnownSecret> PrivilegeAudit::knownSecrets() const {
  std::vector<KnownSecret> out;
  std::set<std::string> needles;
  for (const auto& file : sources_.token_files) {
    auto text = readFile(file.path);
    if (!text) {
      continue;
    }
    for (auto& token : parseTokenFile(*text)) {
      if (needles.insert(token).second) {
        out.push_back(KnownSecret{"join token from " + shown(file.path), std::move(token)});
      }
    }
  }
  for (const auto& file : keyFiles()) {
    auto text = readFile(file.path);
    if (!text) {
      continue;
    }
    for (auto& needle : privateKeyNeedles(*text)) {
      if (needles.insert(needle).second) {
        out.push_back(KnownSecret{"private key " + shown(file.path), std::move(needle)});
      }
    }
  }
  return out;
}

void PrivilegeAudit::auditProcess(const std::string& name, pid_t pid) {
  const std::string base = paths_.proc_root + "/" + std::to_string(pid);
  if (auto status = readFile(base + "/status")) {
    for (auto& record : auditStatus(name, parseProcStatus(*status))) {
      add(std::move(record));
    }
  }
  const auto secrets = knownSecrets();
  if (secrets.empty()) {
    return;
  }
  // NUL-separated: each argument or variable is a line of its own for findSecrets.
  auto asLines = [](std::string text) {
    std::replace(text.begin(), text.end(), '\0', '\n');
    return text;
  };
  if (auto cmdline = readFile(base + "/cmdline")) {
    for (const auto& hit : findSecrets(asLines(*cmdline), secrets)) {
      add({name, "secret_in_command_line", "high",
           fmt::format("{} found in the command line of {} (argument {})",
                       secrets[hit.secret].label, name, hit.first_line - 1)});
    }
  }
  if (auto environ = readFile(base + "/environ")) {
    const std::string lines = asLines(*environ);
    for (const auto& hit : findSecrets(lines, secrets)) {
      // The variable's name, never its value.
      size_t at = 0;
      for (size_t line = 1; line < hit.first_line; ++line) {
        at = lines.find('\n', at) + 1;
      }
      const std::string variable = lines.substr(at, lines.find_first_of("=\n", at) - at);
      add({name, "secret_in_environment", "medium",
           fmt::format("{} found in the environment of {} (variable {})", secrets[hit.secret].label,
                       name, variable)});
    }
  }
}

void PrivilegeAudit::auditFiles() {
  for (const auto& file : keyFiles()) {
    struct stat info {};
    if (::stat(file.path.c_str(), &info) != 0) {
      continue;
    }
    for (auto& record : auditKeyFile(file.process, shown(file.path), info.st_mode, info.st_uid,
                                     uidOf(file.process))) {
      add(std::move(record));
    }
  }
  const auto secrets = knownSecrets();
  if (secrets.empty() || paths_.run_dir.empty()) {
    return;
  }
  std::vector<fs::path> logs;
  std::error_code ec;
  for (fs::directory_iterator it(fs::path(paths_.run_dir) / "logs", ec), end; !ec && it != end;
       it.increment(ec)) {
    if (it->path().extension() == ".log" && it->is_regular_file(ec)) {
      logs.push_back(it->path());
    }
  }
  std::sort(logs.begin(), logs.end());
  for (const auto& log : logs) {
    auto text = readFile(log.string());
    if (!text) {
      continue;
    }
    // The log's process: logs/<name>.log (a hog's log, hog-<name>.log, is the harness's).
    const std::string process = log.stem().string();
    for (const auto& hit : findSecrets(*text, secrets)) {
      add({process, "secret_in_log", "high",
           fmt::format("{} found in {} line {}{}", secrets[hit.secret].label, shown(log.string()),
                       hit.first_line,
                       hit.lines > 1 ? fmt::format(" ({} lines)", hit.lines) : std::string())});
    }
  }
}

std::vector<slo::Finding> PrivilegeAudit::findings(const scenarios::Gate& gate) const {
  const bool fails = std::find(gate.fail_on.begin(), gate.fail_on.end(),
                               scenarios::FindingKind::Audit) != gate.fail_on.end();
  std::vector<slo::Finding> out;
  for (const auto& record : records_) {
    if (record.severity == "high" || record.severity == "medium") {
      out.push_back(slo::Finding{scenarios::FindingKind::Audit, "",
                                 record.process + ": " + record.detail, fails});
    }
  }
  return out;
}

}  // namespace outrider::harness
