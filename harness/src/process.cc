#include "outrider/harness/process.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <ctime>
#include <deque>
#include <system_error>
#include <tuple>
#include <utility>
#include "outrider/common/fd_io.h"

extern char** environ;

namespace outrider::harness {
namespace {

constexpr auto PollInterval = std::chrono::milliseconds(20);  // without pidfd only
constexpr auto DestructorReapTimeout = std::chrono::milliseconds(2000);

std::string errnoText(int err) { return std::system_category().message(err); }

// Closes an fd on scope exit (the parent side of spawn has several).
class FdGuard {
 public:
  explicit FdGuard(int fd = -1) : fd_(fd) {}
  ~FdGuard() { reset(); }
  FdGuard(const FdGuard&) = delete;
  FdGuard& operator=(const FdGuard&) = delete;
  int get() const { return fd_; }
  void reset(int fd = -1) {
    if (fd_ >= 0) {
      ::close(fd_);
    }
    fd_ = fd;
  }

 private:
  int fd_;
};

// Moves a fresh descriptor above stdio: dup2() onto the same number would keep close-on-exec.
int aboveStdio(int fd) {
  if (fd < 0 || fd > STDERR_FILENO) {
    return fd;
  }
  const int moved = ::fcntl(fd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
  ::close(fd);
  return moved;
}

bool isExecutableFile(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode) &&
         ::access(path.c_str(), X_OK) == 0;
}

// Resolves argv[0] the way execvp would, but in the parent, so a missing program is an error
// that names it rather than a child exiting 127.
Result<std::string> resolveProgram(const std::string& name, const std::string& program,
                                   const std::string& path_env) {
  if (program.empty()) {
    return makeError(ErrorCode::InvalidArgument, "cannot start " + name + ": empty program name");
  }
  if (program.find('/') != std::string::npos) {
    struct stat info {};
    if (::stat(program.c_str(), &info) != 0) {
      return makeError(ErrorCode::NotFound,
                       "cannot start " + name + ": program '" + program + "' does not exist");
    }
    if (!S_ISREG(info.st_mode) || ::access(program.c_str(), X_OK) != 0) {
      return makeError(ErrorCode::InvalidArgument, "cannot start " + name + ": program '" +
                                                       program + "' is not an executable file");
    }
    return program;
  }
  size_t begin = 0;
  while (begin <= path_env.size()) {
    size_t end = path_env.find(':', begin);
    if (end == std::string::npos) {
      end = path_env.size();
    }
    std::string dir = path_env.substr(begin, end - begin);
    std::string candidate = (dir.empty() ? std::string(".") : dir) + "/" + program;
    if (isExecutableFile(candidate)) {
      return candidate;
    }
    begin = end + 1;
  }
  return makeError(ErrorCode::NotFound, "cannot start " + name + ": program '" + program +
                                            "' not found in PATH (" + path_env + ")");
}

// The harness's environment with `extra` set on top, as "KEY=VALUE" strings.
std::vector<std::string> buildEnvironment(const std::map<std::string, std::string>& extra) {
  std::map<std::string, std::string> merged;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    std::string text(*entry);
    const size_t eq = text.find('=');
    if (eq == std::string::npos) {
      continue;
    }
    merged[text.substr(0, eq)] = text.substr(eq + 1);
  }
  for (const auto& [key, value] : extra) {
    merged[key] = value;
  }
  std::vector<std::string> out;
  out.reserve(merged.size());
  for (const auto& [key, value] : merged) {
    out.push_back(key + "=" + value);
  }
  return out;
}

std::vector<char*> toCStrings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (auto& text : strings) {
    out.push_back(text.data());
  }
  out.push_back(nullptr);
  return out;
}

// Marks every fd from `first` up close-on-exec so the child inherits none of the harness's
// sockets (a listener kept open by a child would turn a `refuse` fault into a hang).
// Async-signal-safe: runs between fork and exec.
void closeInheritedFds(int first) {
  if (::close_range(static_cast<unsigned>(first), ~0U, CLOSE_RANGE_CLOEXEC) == 0) {
    return;
  }
  // Before Linux 5.11: flag them one by one, up to a bound that real harnesses stay under.
  for (int fd = first; fd < 65536; ++fd) {
    const int flags = ::fcntl(fd, F_GETFD);
    if (flags >= 0) {
      ::fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
    }
  }
}

// What the child reports through the close-on-exec pipe when it cannot exec.
struct ChildFailure {
  enum Stage : int { Exec = 0, Cgroup = 1, Credentials = 2 };
  int stage = Exec;
  int error = 0;
};

[[noreturn]] void failChild(int report_fd, ChildFailure::Stage stage) {
  const ChildFailure failure{stage, errno};
  [[maybe_unused]] ssize_t n = ::write(report_fd, &failure, sizeof(failure));
  ::_exit(127);
}

// Joins the cgroups: its pid in decimal to each cgroup.procs. Async-signal-safe (no allocation).
bool joinCgroups(const std::vector<int>& procs_fds) {
  char digits[24];
  size_t length = 0;
  for (auto pid = static_cast<unsigned long>(::getpid()); pid > 0 || length == 0; pid /= 10) {
    digits[sizeof(digits) - 1 - length++] = static_cast<char>('0' + pid % 10);
  }
  const char* text = digits + sizeof(digits) - length;
  for (int fd : procs_fds) {
    const ssize_t written = ::write(fd, text, length);
    if (written != static_cast<ssize_t>(length)) {
      if (written >= 0) {
        errno = EIO;  // a short write sets no errno of its own
      }
      return false;
    }
  }
  return true;
}

// Drops to `credentials`: supplementary groups first (setgroups needs CAP_SETGID, gone after
// setuid), then the gid, then the uid, real, effective and saved alike so none can be taken back;
// then no_new_privs, so no exec (setuid binary, file capabilities) can raise them again.
// Raw system calls: glibc's wrappers are not async-signal-safe in the child of a threaded process
// (they broadcast the change to every thread they know of). `change` false: the harness's own
// identity, only no_new_privs is set.
bool dropPrivileges(const Credentials& credentials, bool change) {
  if (change) {
    if (::syscall(SYS_setgroups, 0, nullptr) != 0 ||
        ::syscall(SYS_setresgid, credentials.gid, credentials.gid, credentials.gid) != 0 ||
        ::syscall(SYS_setresuid, credentials.uid, credentials.uid, credentials.uid) != 0) {
      return false;
    }
    // The belief: a uid other than 0 cannot become root again. Checked, as the drop is the point.
    if (credentials.uid != 0 && ::syscall(SYS_setresuid, 0, 0, 0) == 0) {
      errno = EPERM;
      return false;
    }
  }
  return ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0;
}

// The child between fork and exec: only async-signal-safe calls. Never returns.
[[noreturn]] void execChild(pid_t parent, int stdin_fd, int log_fd, int report_fd,
                            const std::vector<int>& cgroup_fds,
                            const std::optional<Credentials>& credentials, bool change_identity,
                            const char* program, char* const* argv, char* const* envp) {
  ::setpgid(0, 0);
  // First, so that everything the child does (and all it forks) is within its limits, and while
  // it may still write to the cgroup files.
  if (!joinCgroups(cgroup_fds)) {
    failChild(report_fd, ChildFailure::Cgroup);
  }
  if (credentials && !dropPrivileges(*credentials, change_identity)) {
    failChild(report_fd, ChildFailure::Credentials);
  }
  // Die with the harness; if it already died before prctl took effect, go now. After the drop:
  // a change of the effective uid or gid clears the parent-death signal.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) {
    ::_exit(127);
  }
  // Signals the harness blocks or ignores must not leak into the child (SIG_IGN survives exec).
  sigset_t none;
  ::sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  struct sigaction default_action {};
  default_action.sa_handler = SIG_DFL;
  ::sigemptyset(&default_action.sa_mask);
  for (int signo = 1; signo < NSIG; ++signo) {
    ::sigaction(signo, &default_action, nullptr);
  }
  if (::dup2(stdin_fd, STDIN_FILENO) < 0 || ::dup2(log_fd, STDOUT_FILENO) < 0 ||
      ::dup2(log_fd, STDERR_FILENO) < 0) {
    failChild(report_fd, ChildFailure::Exec);
  }
  closeInheritedFds(STDERR_FILENO + 1);
  ::execve(program, argv, envp);
  failChild(report_fd, ChildFailure::Exec);
}

int openPidfd(pid_t pid) {
#ifdef SYS_pidfd_open
  const long fd = ::syscall(SYS_pidfd_open, pid, 0);
  if (fd >= 0) {
    ::fcntl(static_cast<int>(fd), F_SETFD, FD_CLOEXEC);
    return static_cast<int>(fd);
  }
#else
  (void)pid;
#endif
  return -1;
}

}  // namespace

Result<ProcessPtr> Process::spawn(const asio::any_io_executor& executor,
                                  const SpawnOptions& options) {
  if (options.argv.empty()) {
    return makeError(ErrorCode::InvalidArgument, "cannot start " + options.name + ": no command");
  }
  std::string path_env = "/usr/local/bin:/usr/bin:/bin";
  if (auto it = options.env.find("PATH"); it != options.env.end()) {
    path_env = it->second;
  } else if (const char* inherited = std::getenv("PATH")) {
    path_env = inherited;
  }
  auto program = resolveProgram(options.name, options.argv.front(), path_env);
  if (!program) {
    return tl::unexpected(program.error());
  }
  // Only root may become another user: elsewhere a clear refusal, never a silent run as oneself.
  bool change_identity = false;
  if (options.credentials) {
    change_identity =
        options.credentials->uid != ::geteuid() || options.credentials->gid != ::getegid();
    if (change_identity && ::geteuid() != 0) {
      return makeError(
          ErrorCode::InvalidArgument,
          "cannot start " + options.name + " as uid " + std::to_string(options.credentials->uid) +
              " gid " + std::to_string(options.credentials->gid) + ": the harness runs as uid " +
              std::to_string(::geteuid()) + ", and only root may run a process as another user");
    }
  }

  // Everything the child needs is allocated before fork: the child may only make
  // async-signal-safe calls (the harness has other threads).
  std::vector<std::string> argv_strings = options.argv;
  std::vector<std::string> env_strings = buildEnvironment(options.env);
  std::vector<char*> argv = toCStrings(argv_strings);
  std::vector<char*> envp = toCStrings(env_strings);

  FdGuard log_fd(aboveStdio(
      ::open(options.log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644)));
  if (log_fd.get() < 0) {
    return makeError(ErrorCode::Io, "cannot start " + options.name + ": cannot open log '" +
                                        options.log_path + "': " + errnoText(errno));
  }
  if (!options.log_marker.empty()) {
    (void)writeAll(log_fd.get(), options.log_marker + "\n");  // a marker only: the child runs anyway
  }
  FdGuard stdin_fd(aboveStdio(::open("/dev/null", O_RDONLY | O_CLOEXEC)));
  if (stdin_fd.get() < 0) {
    return makeError(ErrorCode::Io, "cannot start " + options.name +
                                        ": cannot open /dev/null: " + errnoText(errno));
  }
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    return makeError(ErrorCode::Io, "cannot start " + options.name + ": pipe: " + errnoText(errno));
  }
  FdGuard report_read(aboveStdio(pipe_fds[0]));
  FdGuard report_write(aboveStdio(pipe_fds[1]));
  if (report_read.get() < 0 || report_write.get() < 0) {
    return makeError(ErrorCode::Io, "cannot start " + options.name + ": pipe: " + errnoText(errno));
  }

  std::deque<FdGuard> cgroup_files;  // a deque: FdGuard does not move
  std::vector<int> cgroup_fds;
  for (const auto& procs : options.cgroup_procs) {
    cgroup_files.emplace_back(aboveStdio(::open(procs.c_str(), O_WRONLY | O_CLOEXEC)));
    if (cgroup_files.back().get() < 0) {
      return makeError(ErrorCode::Io, "cannot start " + options.name + ": cannot open '" + procs +
                                          "': " + errnoText(errno));
    }
    cgroup_fds.push_back(cgroup_files.back().get());
  }

  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    return makeError(ErrorCode::Io, "cannot start " + options.name + ": fork: " + errnoText(errno));
  }
  if (pid == 0) {
    execChild(parent, stdin_fd.get(), log_fd.get(), report_write.get(), cgroup_fds,
              options.credentials, change_identity, program->c_str(), argv.data(), envp.data());
  }
  // Also from the parent, so signalling the group works even before the child has run.
  ::setpgid(pid, pid);
  report_write.reset();

  // EOF means exec succeeded (the pipe closed on exec); a ChildFailure says what did not.
  ChildFailure failure;
  ssize_t got = 0;
  do {
    got = ::read(report_read.get(), &failure, sizeof(failure));
  } while (got < 0 && errno == EINTR);
  if (got > 0) {
    int wait_status = 0;
    while (::waitpid(pid, &wait_status, 0) < 0 && errno == EINTR) {
    }
    if (failure.stage == ChildFailure::Cgroup) {
      return makeError(ErrorCode::Io, "cannot start " + options.name +
                                          ": cannot join its cgroup: " + errnoText(failure.error));
    }
    if (failure.stage == ChildFailure::Credentials) {
      return makeError(ErrorCode::Io, "cannot start " + options.name + ": cannot drop to uid " +
                                          std::to_string(options.credentials->uid) + " gid " +
                                          std::to_string(options.credentials->gid) + ": " +
                                          errnoText(failure.error));
    }
    const ErrorCode code = failure.error == ENOENT ? ErrorCode::NotFound : ErrorCode::Io;
    return makeError(code, "cannot start " + options.name + ": exec '" + *program +
                               "' failed: " + errnoText(failure.error));
  }

  const int pidfd = openPidfd(pid);
  return ProcessPtr(new Process(executor, pid, pidfd, options.name));
}

Process::Process(const asio::any_io_executor& executor, pid_t pid, int pidfd, std::string name)
    : pid_(pid), name_(std::move(name)), poll_timer_(executor) {
  if (pidfd >= 0) {
    pidfd_ = std::make_unique<asio::posix::stream_descriptor>(executor, pidfd);
  }
}

Process::~Process() {
  if (!exitStatus()) {
    killAndReap(DestructorReapTimeout);
  }
}

std::optional<ExitStatus> Process::exitStatus() const {
  std::lock_guard lock(mutex_);
  return status_;
}

Result<void> Process::signalGroup(int signo) {
  std::lock_guard lock(mutex_);
  if (status_) {
    return makeError(ErrorCode::Io,
                     "cannot signal " + name_ + ": it has exited (" + status_->describe() + ")");
  }
  // Under the lock, so the pid cannot be reaped (and reused) between the check and the kill.
  if (::kill(-pid_, signo) != 0) {
    return makeError(ErrorCode::Io, "cannot send " + signalName(signo) + " to " + name_ +
                                        " (process group " + std::to_string(pid_) +
                                        "): " + errnoText(errno));
  }
  return {};
}

std::optional<ExitStatus> Process::tryReapLocked() {
  if (status_) {
    return status_;
  }
  siginfo_t info{};
  // Peek first (WNOWAIT): while the leader is an unreaped zombie its pid still pins the group
  // id, so killing the rest of the group cannot hit an unrelated process.
  if (::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) != 0) {
    if (errno == ECHILD) {
      status_ = ExitStatus{};  // someone else reaped it; the status is lost
    }
    return status_;
  }
  if (info.si_pid == 0) {
    return std::nullopt;
  }
  ::kill(-pid_, SIGKILL);
  int wait_status = 0;
  pid_t reaped = 0;
  do {
    reaped = ::waitpid(pid_, &wait_status, 0);
  } while (reaped < 0 && errno == EINTR);
  status_ = reaped == pid_ ? ExitStatus::fromWaitStatus(wait_status) : ExitStatus{};
  return status_;
}

asio::awaitable<std::optional<ExitStatus>> Process::waitExit() {
  for (;;) {
    {
      std::lock_guard lock(mutex_);
      if (auto status = tryReapLocked()) {
        co_return status;
      }
    }
    boost::system::error_code ec;
    if (pidfd_) {
      std::tie(ec) = co_await pidfd_->async_wait(asio::posix::descriptor_base::wait_read,
                                                 asio::as_tuple(asio::use_awaitable));
    } else {
      poll_timer_.expires_after(PollInterval);
      std::tie(ec) = co_await poll_timer_.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    if (ec == asio::error::operation_aborted) {
      // Cancelled, or this Process is being destroyed: touch no member.
      co_return std::nullopt;
    }
    if (ec) {
      pidfd_.reset();  // the descriptor misbehaves; poll from now on
    }
  }
}

std::optional<ExitStatus> Process::killAndReap(std::chrono::milliseconds timeout) {
  std::lock_guard lock(mutex_);
  if (status_) {
    return status_;
  }
  ::kill(-pid_, SIGKILL);
  ::kill(pid_, SIGKILL);  // in case the group was never set up
  const int pidfd = pidfd_ ? pidfd_->native_handle() : -1;
  auto remaining = timeout;
  for (;;) {
    if (auto status = tryReapLocked()) {
      return status;
    }
    if (remaining <= std::chrono::milliseconds(0)) {
      return std::nullopt;
    }
    // Emergency path, off the event loop: block on the pidfd (or sleep) in small steps.
    const auto step = std::min(remaining, std::chrono::milliseconds(10));
    if (pidfd >= 0) {
      pollfd entry{pidfd, POLLIN, 0};
      ::poll(&entry, 1, static_cast<int>(step.count()));
    } else {
      timespec pause{0, static_cast<long>(std::chrono::nanoseconds(step).count())};
      ::nanosleep(&pause, nullptr);
    }
    remaining -= step;
  }
}

}  // namespace outrider::harness
