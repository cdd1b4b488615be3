#include "outrider/harness/run_as.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

namespace outrider::harness {

namespace fs = std::filesystem;

namespace {

std::string sectionOf(const scenarios::ProcessSpec& process) {
  switch (process.role) {
    case scenarios::ProcessRole::App:
      return "[app]";
    case scenarios::ProcessRole::Sidecar:
      return "[[sidecar]] " + process.name;
    case scenarios::ProcessRole::Service:
      return "[[service]] " + process.name;
  }
  return process.name;
}

bool endsWith(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

// `path` lexically normal and strictly inside `run_dir`: the part below it ("credentials/x").
std::optional<fs::path> belowRunDir(std::string path, const std::string& run_dir) {
  while (path.size() > 1 && path.back() == '/') {
    path.pop_back();  // "state/" is the folder "state", not "state" and an empty name
  }
  const fs::path normal = fs::path(path).lexically_normal();
  const fs::path relative = normal.lexically_relative(fs::path(run_dir).lexically_normal());
  if (relative.empty() || relative == "." || *relative.begin() == "..") {
    return std::nullopt;
  }
  return relative;
}

// The first folder from / down to `path` that uid/gid (no supplementary groups) cannot search.
std::optional<std::string> unreachable(const fs::path& path, uid_t uid, gid_t gid) {
  fs::path at;
  for (const auto& part : path) {
    at /= part;
    struct stat info {};
    if (::stat(at.c_str(), &info) != 0) {
      return std::nullopt;  // not there yet: mkdir reports it
    }
    const bool searchable = uid == 0 || (info.st_mode & S_IXOTH) != 0 ||
                            (info.st_uid == uid && (info.st_mode & S_IXUSR) != 0) ||
                            (info.st_gid == gid && (info.st_mode & S_IXGRP) != 0);
    if (!searchable) {
      char mode[8];
      std::snprintf(mode, sizeof(mode), "%04o", static_cast<unsigned>(info.st_mode & 07777));
      return at.string() + " (mode " + mode + ", uid " + std::to_string(info.st_uid) + ")";
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> runAsRefusal(const scenarios::Scenario& scenario, uid_t euid,
                                        gid_t egid) {
  if (euid == 0) {
    return std::nullopt;
  }
  for (const auto* process : scenario.processes()) {
    const auto& run_as = process->run_as;
    if (run_as && (run_as->uid != euid || run_as->gid != egid)) {
      return sectionOf(*process) + ": user = \"" + run_as->user + "\" (uid " +
             std::to_string(run_as->uid) + ", gid " + std::to_string(run_as->gid) +
             ") needs a harness running as root, as runAsUser needs a privileged kubelet; this "
             "one runs as uid " +
             std::to_string(euid) + " (drop the key, or run outrider as root)";
    }
  }
  return std::nullopt;
}

std::vector<OwnedDir> runAsDirs(const scenarios::Scenario& resolved, const std::string& run_dir) {
  std::vector<OwnedDir> out;
  for (const auto* process : resolved.processes()) {
    if (!process->run_as) {
      continue;
    }
    const auto& command = process->command;
    for (size_t i = 1; i < command.size(); ++i) {
      const std::string& arg = command[i];
      if (arg.compare(0, 2, "--") != 0) {
        continue;
      }
      const auto eq = arg.find('=');
      const std::string flag = arg.substr(0, eq);
      if (!endsWith(flag, "dir")) {
        continue;
      }
      std::string value;
      if (eq != std::string::npos) {
        value = arg.substr(eq + 1);
      } else if (i + 1 < command.size()) {
        value = command[i + 1];
      }
      auto below = belowRunDir(value, run_dir);
      if (!below || *below->begin() == "logs") {
        continue;  // outside the run folder, or the harness's own logs/
      }
      const std::string path = (fs::path(run_dir).lexically_normal() / *below).string();
      const bool taken = std::any_of(out.begin(), out.end(),
                                     [&path](const OwnedDir& dir) { return dir.path == path; });
      if (!taken) {
        out.push_back(OwnedDir{path, process->run_as->uid, process->run_as->gid, process->name});
      }
    }
  }
  return out;
}

Result<void> createRunAsDirs(const std::vector<OwnedDir>& dirs, const std::string& run_dir) {
  for (const auto& dir : dirs) {
    auto below = belowRunDir(dir.path, run_dir);
    if (!below) {
      return makeError(ErrorCode::Internal, dir.path + " is not inside the run folder");
    }
    fs::path at = fs::path(run_dir).lexically_normal();
    for (const auto& part : *below) {
      at /= part;
      const bool last = at == fs::path(dir.path);
      if (::mkdir(at.c_str(), 0755) != 0) {
        if (errno != EEXIST) {
          return makeError(ErrorCode::Io, "cannot create " + at.string() + " for " + dir.process +
                                              ": " + std::strerror(errno));
        }
        if (!last) {
          continue;  // a folder on the way that was there: not ours to give away
        }
      }
      struct stat info {};
      if (::lstat(at.c_str(), &info) != 0 || !S_ISDIR(info.st_mode)) {
        return makeError(ErrorCode::Io,
                         at.string() + " (for " + dir.process + ") exists and is not a directory");
      }
      if (::chown(at.c_str(), dir.uid, dir.gid) != 0) {
        return makeError(ErrorCode::Io, "cannot give " + at.string() + " to uid " +
                                            std::to_string(dir.uid) + " for " + dir.process + ": " +
                                            std::strerror(errno));
      }
    }
    // Its own folder is no use to it behind a folder it cannot enter (a mkdtemp 0700 parent).
    if (auto blocked = unreachable(fs::absolute(dir.path), dir.uid, dir.gid)) {
      return makeError(ErrorCode::Io, dir.process + " (uid " + std::to_string(dir.uid) +
                                          ") cannot reach " + dir.path + ": it may not enter " +
                                          *blocked + " (chmod o+x it, or choose another --out)");
    }
  }
  return {};
}

}  // namespace outrider::harness
