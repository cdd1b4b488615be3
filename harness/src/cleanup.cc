#include "outrider/harness/cleanup.h"

#include <fmt/format.h>
#include <signal.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "outrider/common/exit_codes.h"
#include "outrider/common/timer.h"
#include "outrider/harness/commands.h"
#include "outrider/harness/leases.h"

namespace outrider::harness {
namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;

constexpr std::chrono::milliseconds Poll{20};

struct ProcInfo {
  pid_t pid = 0;
  pid_t pgid = 0;
  uint64_t start_ticks = 0;
};

// Every process's group and start time, from /proc/PID/stat.
std::vector<ProcInfo> processTable() {
  std::vector<ProcInfo> table;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || !std::all_of(name.begin(), name.end(),
                                     [](unsigned char c) { return std::isdigit(c) != 0; })) {
      continue;
    }
    std::ifstream file(entry.path() / "stat");
    std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    const auto close = text.rfind(')');
    if (close == std::string::npos) {
      continue;
    }
    std::istringstream fields(text.substr(close + 2));
    std::vector<std::string> values;
    std::string field;
    while (values.size() < 20 && fields >> field) {
      values.push_back(field);  // values[0] is field 3
    }
    if (values.size() < 20) {
      continue;
    }
    ProcInfo info;
    info.pid = static_cast<pid_t>(std::stol(name));
    info.pgid = static_cast<pid_t>(std::stol(values[2]));  // field 5
    info.start_ticks = std::stoull(values[19]);            // field 22
    table.push_back(info);
  }
  return table;
}

// The processes still in the group a pod process led: started no earlier than its leader
// (while any member lives, the kernel does not reuse the group's id for another group).
std::vector<pid_t> groupMembers(const Lease& lease) {
  std::vector<pid_t> members;
  for (const auto& info : processTable()) {
    if (info.pgid == lease.pgid && info.start_ticks >= lease.start_ticks) {
      members.push_back(info.pid);
    }
  }
  return members;
}

// The folder and its descendants, deepest first (the order rmdir needs).
std::vector<fs::path> cgroupTree(const fs::path& root) {
  std::vector<fs::path> folders{root};
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_directory(ec)) {
      folders.push_back(it->path());
    }
  }
  std::sort(folders.begin(), folders.end(), [](const fs::path& a, const fs::path& b) {
    return a.string().size() > b.string().size();
  });
  return folders;
}

std::vector<pid_t> cgroupProcesses(const std::vector<fs::path>& tree) {
  std::vector<pid_t> pids;
  for (const auto& folder : tree) {
    std::ifstream procs(folder / "cgroup.procs");
    pid_t pid = 0;
    while (procs >> pid) {
      pids.push_back(pid);
    }
  }
  return pids;
}

class Cleaner {
 public:
  Cleaner(const Clock& clock, const CleanupOptions& options, asio::io_context& context)
      : clock_(clock), options_(options), context_(context) {}

  asio::awaitable<void> run(CleanupReport& report) {
    for (auto& run : readLeases(options_.runtime)) {
      if (heldByALiveHarness(run)) {
        ++report.live_runs;
        continue;
      }
      co_await cleanRun(run, report);
    }
  }

 private:
  asio::awaitable<void> cleanRun(const RunLeases& run, CleanupReport& report) {
    const std::string who = fmt::format("run of harness pid {}{}", run.harness_pid,
                                        run.run_dir.empty() ? "" : " (" + run.run_dir + ")");
    bool kept = false;
    // Process groups first: SIGCONT, so a stopped process can take the SIGKILL and exit now.
    for (const auto& lease : run.leases) {
      if (lease.kind != Lease::Kind::ProcessGroup) {
        continue;
      }
      const auto members = groupMembers(lease);
      if (members.empty()) {
        continue;
      }
      report.done.push_back(fmt::format("{}: {} {} process(es) of {}'s group {}", who,
                                        options_.dry_run ? "would resume and kill"
                                                         : "resumed and "
                                                           "killed",
                                        members.size(), lease.name, lease.pgid));
      if (!options_.dry_run) {
        ::kill(-lease.pgid, SIGCONT);
        ::kill(-lease.pgid, SIGKILL);
      }
    }
    for (const auto& lease : run.leases) {
      if (lease.kind != Lease::Kind::Cgroup || !fs::exists(lease.path)) {
        continue;
      }
      if (!fs::exists(fs::path(lease.path) / "cgroup.procs")) {
        report.failed.push_back(fmt::format("{}: {} is not a cgroup; left alone", who, lease.path));
        kept = true;
        continue;
      }
      const auto tree = cgroupTree(lease.path);
      const auto pids = cgroupProcesses(tree);
      if (options_.dry_run) {
        report.done.push_back(fmt::format("{}: would kill {} process(es) in and remove cgroup {}",
                                          who, pids.size(), lease.path));
        continue;
      }
      for (pid_t pid : pids) {
        ::kill(pid, SIGCONT);
        ::kill(pid, SIGKILL);
      }
      if (co_await removeTree(tree)) {
        report.done.push_back(fmt::format("{}: killed {} process(es) in and removed cgroup {}", who,
                                          pids.size(), lease.path));
      } else {
        report.failed.push_back(
            fmt::format("{}: cgroup {} is still busy after {}: {} process(es) left", who,
                        lease.path, formatWait(), cgroupProcesses(cgroupTree(lease.path)).size()));
        kept = true;
      }
    }
    for (const auto& file : run.unreadable) {
      report.done.push_back(fmt::format("{}: {} {}, which is not a lease", who,
                                        options_.dry_run ? "would remove" : "removed", file));
    }
    if (!options_.dry_run && !kept) {
      std::error_code ec;
      fs::remove_all(run.folder, ec);
    }
  }

  // rmdir deepest first, retrying while killed processes are still on their way out.
  asio::awaitable<bool> removeTree(const std::vector<fs::path>& tree) {
    const auto deadline = clock_.monotonicNow() + options_.exit_wait;
    auto timer = clock_.createTimer(context_.get_executor());
    for (;;) {
      bool all = true;
      for (const auto& folder : tree) {
        std::error_code ec;
        if (fs::exists(folder) && !fs::remove(folder, ec)) {
          all = false;
        }
      }
      if (all || clock_.monotonicNow() >= deadline) {
        co_return all;
      }
      timer->expiresAfter(Poll);
      const bool expired = co_await timer->wait();
      if (!expired) {
        co_return false;
      }
    }
  }

  std::string formatWait() const {
    return fmt::format("{:.1f}s", std::chrono::duration<double>(options_.exit_wait).count());
  }

  const Clock& clock_;
  const CleanupOptions& options_;
  asio::io_context& context_;
};

}  // namespace

CleanupReport cleanUpStaleRuns(const Clock& clock, const CleanupOptions& options) {
  CleanupReport report;
  asio::io_context context;
  Cleaner cleaner(clock, options, context);
  asio::co_spawn(context, cleaner.run(report), asio::detached);
  context.run();
  return report;
}

int cleanupCommand(bool dry_run, const Environment& env) {
  CleanupOptions options;
  options.runtime = runtimeDir();
  options.dry_run = dry_run;
  const CleanupReport report = cleanUpStaleRuns(env.clock, options);
  for (const auto& line : report.done) {
    std::cout << line << "\n";
  }
  for (const auto& line : report.failed) {
    std::cout << "could not undo: " << line << "\n";
  }
  if (report.done.empty() && report.failed.empty()) {
    std::cout << "nothing to clean up in " << options.runtime << "\n";
  }
  if (report.live_runs > 0) {
    std::cout << report.live_runs << " run(s) still running; left alone\n";
  }
  return report.failed.empty() ? exit_code::Pass : exit_code::Harness;
}

}  // namespace outrider::harness
