#include "outrider/harness/leases.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>

#include "outrider/common/atomic_file.h"

namespace outrider::harness {

namespace fs = std::filesystem;
using nlohmann::json;

std::string runtimeDir() {
  if (const char* dir = std::getenv("OUTRIDER_RUNTIME_DIR"); dir != nullptr && *dir != '\0') {
    return dir;
  }
  if (::geteuid() == 0) {
    return "/run/outrider";
  }
  if (const char* dir = std::getenv("XDG_RUNTIME_DIR"); dir != nullptr && *dir != '\0') {
    return std::string(dir) + "/outrider";
  }
  return "/tmp/outrider-" + std::to_string(::geteuid());
}

std::optional<uint64_t> processStartTicks(pid_t pid) {
  std::ifstream file("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  // The command name may hold spaces and parentheses: fields are counted after the last ')'.
  const auto close = text.rfind(')');
  if (close == std::string::npos) {
    return std::nullopt;
  }
  std::istringstream fields(text.substr(close + 2));
  std::string field;
  // Field 3 (state) is the first after ')'; start time is field 22.
  for (int index = 3; index < 22 && fields >> field; ++index) {
  }
  uint64_t ticks = 0;
  if (!(fields >> ticks)) {
    return std::nullopt;
  }
  return ticks;
}

namespace {

std::optional<Lease> parseLease(const std::string& text) {
  auto doc = json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    return std::nullopt;
  }
  Lease lease;
  const std::string kind = doc.value("kind", "");
  if (kind == "process-group") {
    lease.kind = Lease::Kind::ProcessGroup;
    lease.name = doc.value("name", "");
    lease.pgid = doc.value("pgid", 0);
    lease.start_ticks = doc.value("start_ticks", uint64_t{0});
    if (lease.pgid <= 1) {
      return std::nullopt;  // never a signal to every process, or to init
    }
  } else if (kind == "cgroup") {
    lease.kind = Lease::Kind::Cgroup;
    lease.path = doc.value("path", "");
    lease.name = lease.path;
    // Only a run's own group folder: cleanup must never kill or rmdir anywhere else (it also
    // checks that the folder is a cgroup, with a cgroup.procs, before it acts).
    if (lease.path.empty() || lease.path.front() != '/' ||
        fs::path(lease.path).filename().string().rfind("outrider-", 0) != 0) {
      return std::nullopt;
    }
  } else {
    return std::nullopt;
  }
  return lease;
}

std::string readAll(const fs::path& path) {
  std::ifstream file(path);
  return std::string((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
}

}  // namespace

Result<std::unique_ptr<LeaseBook>> LeaseBook::open(const std::string& runtime,
                                                   std::string run_dir) {
  const pid_t self = ::getpid();
  const std::string folder = runtime + "/" + std::to_string(self);
  // Made under a hidden name and renamed into place with its harness.json, so another run's
  // cleanup never sees a lease folder without its owner.
  const std::string making = runtime + "/." + std::to_string(self) + ".new";
  std::error_code ec;
  fs::remove_all(making, ec);
  fs::remove_all(folder, ec);  // an earlier process's with this pid: it is not alive now
  fs::create_directories(making, ec);
  if (ec) {
    return makeError(ErrorCode::Io,
                     "cannot create the lease folder " + making + ": " + ec.message());
  }
  fs::permissions(runtime, fs::perms::owner_all, fs::perm_options::replace, ec);
  json harness = {{"pid", self},
                  {"start_ticks", processStartTicks(self).value_or(0)},
                  {"run_dir", std::move(run_dir)}};
  // Written whole or not at all (writeFileAtomically), as a killed harness may leave only what it
  // already renamed.
  if (auto written =
          writeFileAtomically(making + "/harness.json", harness.dump() + "\n", {.mode = 0600});
      !written) {
    fs::remove_all(making, ec);
    return tl::unexpected(written.error());
  }
  fs::rename(making, folder, ec);
  if (ec) {
    fs::remove_all(making, ec);
    return makeError(ErrorCode::Io,
                     "cannot create the lease folder " + folder + ": " + ec.message());
  }
  return std::unique_ptr<LeaseBook>(new LeaseBook(folder));
}

LeaseBook::~LeaseBook() {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(folder_, ec)) {
    if (entry.path().filename() != "harness.json") {
      return;  // a lease still held: leave it all for cleanup
    }
  }
  fs::remove_all(folder_, ec);
}

Result<std::string> LeaseBook::write(const std::string& id, const std::string& text) {
  if (auto written = writeFileAtomically(folder_ + "/" + id + ".json", text + "\n", {.mode = 0600});
      !written) {
    return tl::unexpected(written.error());
  }
  return id;
}

Result<std::string> LeaseBook::holdProcessGroup(const std::string& name, pid_t pgid) {
  json lease = {{"kind", "process-group"},
                {"name", name},
                {"pgid", pgid},
                {"start_ticks", processStartTicks(pgid).value_or(0)}};
  return write("pg-" + std::to_string(pgid), lease.dump());
}

Result<std::string> LeaseBook::holdCgroup(const std::string& path) {
  std::string id = "cgroup-" + std::to_string(std::hash<std::string>{}(path));
  json lease = {{"kind", "cgroup"}, {"path", path}};
  return write(id, lease.dump());
}

void LeaseBook::release(const std::string& id) {
  std::error_code ec;
  fs::remove(folder_ + "/" + id + ".json", ec);
}

std::vector<RunLeases> readLeases(const std::string& runtime) {
  std::vector<RunLeases> runs;
  std::error_code ec;
  for (const auto& run_entry : fs::directory_iterator(runtime, ec)) {
    const std::string name = run_entry.path().filename().string();
    if (!run_entry.is_directory() || name.empty() || name.front() == '.') {
      continue;  // a folder still being made (LeaseBook::open), or not ours
    }
    RunLeases run;
    run.folder = run_entry.path().string();
    auto harness = json::parse(readAll(run_entry.path() / "harness.json"), nullptr, false);
    if (!harness.is_discarded() && harness.is_object()) {
      run.harness_pid = harness.value("pid", 0);
      run.harness_start_ticks = harness.value("start_ticks", uint64_t{0});
      run.run_dir = harness.value("run_dir", "");
    } else {
      // Folders appear with their harness.json; without one, the folder's name is the pid.
      run.unreadable.push_back((run_entry.path() / "harness.json").string());
      if (std::all_of(name.begin(), name.end(),
                      [](unsigned char c) { return std::isdigit(c) != 0; })) {
        run.harness_pid = static_cast<pid_t>(std::stol(name));
        run.harness_start_ticks = 0;  // unknown: heldByALiveHarness goes by the pid alone
      }
    }
    std::error_code dir_ec;
    for (const auto& entry : fs::directory_iterator(run_entry.path(), dir_ec)) {
      const std::string file = entry.path().filename().string();
      if (file == "harness.json") {
        continue;
      }
      auto lease =
          entry.path().extension() == ".json" ? parseLease(readAll(entry.path())) : std::nullopt;
      if (lease) {
        run.leases.push_back(*lease);
      } else {
        run.unreadable.push_back(entry.path().string());
      }
    }
    runs.push_back(std::move(run));
  }
  return runs;
}

bool heldByALiveHarness(const RunLeases& run) {
  if (run.harness_pid <= 0) {
    return false;
  }
  const auto ticks = processStartTicks(run.harness_pid);
  // Without a recorded start time, any live process with that pid may be the owner: safer to
  // leave its folder than to undo a live run.
  return ticks && (run.harness_start_ticks == 0 || *ticks == run.harness_start_ticks);
}

}  // namespace outrider::harness
