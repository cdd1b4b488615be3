#pragma once

// One spawned child process: its own process group, output appended to a log file, a parent-death
// signal so it never outlives the harness, and exit detection through a pidfd on the executor.

#include <sys/types.h>

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

#include "outrider/common/result.h"
#include "outrider/harness/pod_runtime.h"
#include "outrider/harness/process_events.h"

namespace outrider::harness {

namespace asio = boost::asio;

// The identity a child drops to before exec (a scenario's user and group).
struct Credentials {
  uid_t uid = 0;
  gid_t gid = 0;
  bool operator==(const Credentials&) const = default;
};

struct SpawnOptions {
  std::string name;                        // for messages: "cannot start proxy: ..."
  std::vector<std::string> argv;           // argv[0] without '/' is looked up in PATH
  std::map<std::string, std::string> env;  // set on top of the harness's own environment
  std::string log_path;    // stdout and stderr are appended here (created if missing)
  std::string log_marker;  // written to the log as one line just before the child starts
  // cgroup.procs files the child writes its pid to before exec, so it runs in its cgroup from
  // its first instruction (memory_limit, cpu_limit); empty: the harness's own cgroup.
  std::vector<std::string> cgroup_procs;
  // Set: after joining its cgroups the child clears its supplementary groups, sets its gid, then
  // its uid (real, effective and saved) and PR_SET_NO_NEW_PRIVS, then execs. Needs a harness
  // running as root unless it is the harness's own identity (then only no_new_privs changes).
  std::optional<Credentials> credentials;
};

class Process;
using ProcessPtr = std::unique_ptr<Process>;

// A running (or exited, not yet destroyed) child. All methods may be called from any thread;
// waitExit() runs on the executor given to spawn().
//
// The child gets PR_SET_PDEATHSIG(SIGKILL), which Linux ties to the *thread* that forked: spawn
// from a thread that lives as long as the harness (the io_context's thread), or the child is
// killed when that thread exits.
class Process final : public ChildProcess {
 public:
  // Fork and exec. Fails with NotFound when the program does not exist (or is not in PATH), and
  // with Io when exec itself fails (the child reports errno through a close-on-exec pipe);
  // InvalidArgument when credentials are asked of a harness that is not root (a refusal, as
  // runAsUser would be refused), and Io when the child could not take them.
  static Result<ProcessPtr> spawn(const asio::any_io_executor& executor,
                                  const SpawnOptions& options);

  // Kills the process group and reaps the child if it is still there: a child never leaks.
  ~Process() override;
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const override { return pid_; }
  const std::string& name() const { return name_; }
  // The exit status once reaped.
  std::optional<ExitStatus> exitStatus() const override;

  // Sends `signo` to the whole process group. Fails once the child has been reaped.
  Result<void> signalGroup(int signo) override;

  // Completes once the child has exited and been reaped; nullopt when the wait was cancelled.
  // When the group leader exits, whatever else remains in its group is SIGKILLed (as a
  // container's processes die with its PID 1). One waiter at a time.
  asio::awaitable<std::optional<ExitStatus>> waitExit() override;

  // Synchronous: SIGKILL to the group, then reap, waiting at most `timeout`. For emergency
  // teardown; returns nullopt when the child did not die in time (uninterruptible sleep).
  std::optional<ExitStatus> killAndReap(std::chrono::milliseconds timeout) override;

 private:
  Process(const asio::any_io_executor& executor, pid_t pid, int pidfd, std::string name);
  // Reaps without blocking; requires mutex_.
  std::optional<ExitStatus> tryReapLocked();

  pid_t pid_;
  std::string name_;
  // Readable when the child exits; null when the kernel lacks pidfd_open (Linux < 5.3), in which
  // case waitExit() polls.
  std::unique_ptr<asio::posix::stream_descriptor> pidfd_;
  asio::steady_timer poll_timer_;
  mutable std::mutex mutex_;  // guards status_ and the reap: killAll() may run on another thread
  std::optional<ExitStatus> status_;
};

}  // namespace outrider::harness
