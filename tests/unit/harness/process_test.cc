#include "outrider/harness/process.h"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace outrider::harness {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

// Waits at most `limit` for any process (child or not) to exit, through a pidfd.
bool waitForDeath(pid_t pid, std::chrono::milliseconds limit) {
  const int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (fd < 0) {
    return errno == ESRCH;
  }
  pollfd entry{fd, POLLIN, 0};
  const int ready = ::poll(&entry, 1, static_cast<int>(limit.count()));
  ::close(fd);
  return ready == 1;
}

class ProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "outrider-process-XXXXXX");
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  SpawnOptions options(const std::string& name, std::vector<std::string> argv) {
    SpawnOptions out;
    out.name = name;
    out.argv = std::move(argv);
    out.log_path = (dir_ / (name + ".log")).string();
    return out;
  }

  ProcessPtr spawn(const SpawnOptions& spawn_options) {
    auto process = Process::spawn(ctx_.get_executor(), spawn_options);
    EXPECT_TRUE(process.has_value()) << (process ? "" : process.error().message);
    return process ? std::move(*process) : nullptr;
  }

  // Runs the io_context until the process has been reaped, at most `limit`.
  std::optional<ExitStatus> waitExit(Process& process, std::chrono::milliseconds limit = 5000ms) {
    std::optional<ExitStatus> out;
    bool done = false;
    asio::co_spawn(ctx_, process.waitExit(),
                   [&](std::exception_ptr error, std::optional<ExitStatus> status) {
                     EXPECT_FALSE(error);
                     out = status;
                     done = true;
                   });
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done && std::chrono::steady_clock::now() < deadline) {
      ctx_.run_one_for(10ms);
    }
    return out;
  }

  // Spawns and waits for the exit: its status; nullopt (and a failure) when the spawn failed.
  std::optional<ExitStatus> runToExit(const SpawnOptions& spawn_options) {
    auto process = spawn(spawn_options);
    if (!process) {
      return std::nullopt;
    }
    return waitExit(*process);
  }

  std::string readLog(const std::string& name) {
    std::ifstream in(dir_ / (name + ".log"));
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  void expectChildDiesWithItsHarness(std::optional<Credentials> credentials);

  std::filesystem::path dir_;
  asio::io_context ctx_;
  asio::executor_work_guard<asio::io_context::executor_type> work_ = asio::make_work_guard(ctx_);
};

// stdout and stderr land in the log after the marker line; the exit code is recorded.
TEST_F(ProcessTest, ExitCodeAndOutputGoToLog) {
  auto spawn_options = options("app", {"/bin/sh", "-c", "echo out; echo err >&2; exit 3"});
  spawn_options.log_marker = "=== start 1 ===";
  auto process = spawn(spawn_options);
  ASSERT_TRUE(process);
  auto status = waitExit(*process);
  ASSERT_TRUE(status);
  EXPECT_EQ(status->code, 3);
  EXPECT_FALSE(status->signal);
  EXPECT_EQ(readLog("app"), "=== start 1 ===\nout\nerr\n");
  EXPECT_EQ(process->exitStatus()->code, 3);
}

// A signal death is recorded as the signal, not as an exit code.
TEST_F(ProcessTest, SignalDeathRecordsSignal) {
  auto process = spawn(options("sleeper", {"sleep", "60"}));
  ASSERT_TRUE(process);
  ASSERT_TRUE(process->signalGroup(SIGTERM));
  auto status = waitExit(*process);
  ASSERT_TRUE(status);
  EXPECT_EQ(status->signal, SIGTERM);
  EXPECT_EQ(status->describe(), "signal SIGTERM");
}

// A program missing from PATH is an error naming it, not a child exiting 127.
TEST_F(ProcessTest, MissingProgramIsNamed) {
  auto process =
      Process::spawn(ctx_.get_executor(), options("proxy", {"outrider-no-such-program", "--flag"}));
  ASSERT_FALSE(process);
  EXPECT_EQ(process.error().code, ErrorCode::NotFound);
  EXPECT_THAT(process.error().message, HasSubstr("outrider-no-such-program"));
  EXPECT_THAT(process.error().message, HasSubstr("proxy"));
}

// The same for a path that does not exist.
TEST_F(ProcessTest, MissingPathIsNamed) {
  auto process = Process::spawn(ctx_.get_executor(), options("app", {"/nonexistent/bin/app"}));
  ASSERT_FALSE(process);
  EXPECT_EQ(process.error().code, ErrorCode::NotFound);
  EXPECT_THAT(process.error().message, HasSubstr("/nonexistent/bin/app"));
}

// exec's own failure (here ENOEXEC) travels back through the close-on-exec pipe.
TEST_F(ProcessTest, ExecFailureIsReportedWithErrno) {
  const auto program = dir_ / "not-a-binary";
  std::ofstream(program) << "\x01\x02\x03 garbage";
  std::filesystem::permissions(program, std::filesystem::perms::owner_all);
  auto process = Process::spawn(ctx_.get_executor(), options("bad", {program.string()}));
  ASSERT_FALSE(process);
  EXPECT_EQ(process.error().code, ErrorCode::Io);
  EXPECT_THAT(process.error().message, HasSubstr(program.string()));
  EXPECT_THAT(process.error().message, HasSubstr("Exec format error"));
}

// Extra environment variables are set on top of the harness's environment.
TEST_F(ProcessTest, ExtraEnvironment) {
  auto spawn_options = options("env", {"/bin/sh", "-c", "echo \"$OUTRIDER_X:${HOME:+home}\""});
  spawn_options.env["OUTRIDER_X"] = "hello";
  ::setenv("HOME", "/root", 0);
  ASSERT_TRUE(runToExit(spawn_options));
  EXPECT_EQ(readLog("env"), "hello:home\n");
}

// The child leads its own process group, so signals reach all of it.
TEST_F(ProcessTest, OwnProcessGroup) {
  auto process = spawn(options("leader", {"sleep", "60"}));
  ASSERT_TRUE(process);
  EXPECT_EQ(::getpgid(process->pid()), process->pid());
  EXPECT_NE(::getpgid(process->pid()), ::getpgrp());
}

// When the leader exits, what is left of its group dies with it (a container's PID 1 rule).
TEST_F(ProcessTest, LeaderExitKillsStragglers) {
  auto status = runToExit(options("forker", {"/bin/sh", "-c", "sleep 60 & echo $!"}));
  ASSERT_TRUE(status);
  EXPECT_EQ(status->code, 0);
  const pid_t straggler = std::stoi(readLog("forker"));
  EXPECT_TRUE(waitForDeath(straggler, 5000ms));
}

// stdin is /dev/null: a program reading it sees end of file at once.
TEST_F(ProcessTest, StdinIsDevNull) {
  auto status = runToExit(options("cat", {"cat"}));
  ASSERT_TRUE(status);
  EXPECT_EQ(status->code, 0);
}

// Descriptors the harness holds (sockets, listeners) are not inherited.
TEST_F(ProcessTest, DoesNotLeakDescriptors) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  ASSERT_EQ(::dup2(fds[0], 100), 100);  // no close-on-exec
  ASSERT_TRUE(runToExit(options(
      "fds",
      {"/bin/sh", "-c", "if [ -e /proc/self/fd/100 ]; then echo leaked; else echo clean; fi"})));
  EXPECT_EQ(readLog("fds"), "clean\n");
  ::close(100);
  ::close(fds[0]);
  ::close(fds[1]);
}

// Each start appends its marker, so restarts are told apart in one log.
TEST_F(ProcessTest, MarkersSeparateStarts) {
  for (int i = 1; i <= 2; ++i) {
    auto spawn_options = options("twice", {"/bin/sh", "-c", "echo run"});
    spawn_options.log_marker = "=== start " + std::to_string(i) + " ===";
    ASSERT_TRUE(runToExit(spawn_options));
  }
  EXPECT_EQ(readLog("twice"), "=== start 1 ===\nrun\n=== start 2 ===\nrun\n");
}

// Destroying a Process kills and reaps its child: nothing outlives the object.
TEST_F(ProcessTest, DestructorKillsAndReaps) {
  auto process = spawn(options("orphan", {"sleep", "60"}));
  ASSERT_TRUE(process);
  const pid_t pid = process->pid();
  process.reset();
  EXPECT_EQ(::kill(pid, 0), -1);
  EXPECT_EQ(errno, ESRCH);
}

// killAndReap gets past a SIGTERM-ignoring group synchronously.
TEST_F(ProcessTest, KillAndReapIgnoresTerm) {
  auto process = spawn(options("stubborn", {"/bin/sh", "-c", "trap '' TERM; sleep 60"}));
  ASSERT_TRUE(process);
  auto status = process->killAndReap(2000ms);
  ASSERT_TRUE(status);
  EXPECT_EQ(status->signal, SIGKILL);
  EXPECT_FALSE(process->signalGroup(SIGTERM));  // reaped: nothing left to signal
}

// PR_SET_PDEATHSIG: when the harness dies without cleaning up, its child dies too. A forked
// helper plays the harness; this test process adopts the orphan (subreaper) to see its end.
void ProcessTest::expectChildDiesWithItsHarness(std::optional<Credentials> credentials) {
  ASSERT_EQ(::prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const pid_t helper = ::fork();
  ASSERT_GE(helper, 0);
  if (helper == 0) {
    ::close(fds[0]);
    asio::io_context helper_ctx;
    auto grandchild_options = options("grandchild", {"sleep", "60"});
    grandchild_options.credentials = credentials;
    auto child = Process::spawn(helper_ctx.get_executor(), grandchild_options);
    const pid_t pid = child ? (*child)->pid() : -1;
    [[maybe_unused]] ssize_t n = ::write(fds[1], &pid, sizeof(pid));
    ::_exit(0);  // no destructors run: only PDEATHSIG can end the grandchild
  }
  ::close(fds[1]);
  pid_t grandchild = -1;
  ASSERT_EQ(::read(fds[0], &grandchild, sizeof(grandchild)),
            static_cast<ssize_t>(sizeof(grandchild)));
  ::close(fds[0]);
  ASSERT_GT(grandchild, 0);
  int helper_status = 0;
  ASSERT_EQ(::waitpid(helper, &helper_status, 0), helper);

  const bool died = waitForDeath(grandchild, 5000ms);
  EXPECT_TRUE(died);
  if (!died) {
    ::kill(grandchild, SIGKILL);  // keep the failure bounded
  }
  int status = 0;
  ASSERT_EQ(::waitpid(grandchild, &status, 0), grandchild);  // adopted by this process
  EXPECT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(WTERMSIG(status), SIGKILL);
  ::prctl(PR_SET_CHILD_SUBREAPER, 0);
}

TEST_F(ProcessTest, ChildDiesWithItsHarness) { expectChildDiesWithItsHarness(std::nullopt); }

// The drop to another user clears the parent-death signal (a change of euid does): it is set
// again after the drop, so a child as nobody dies with its harness too.
TEST_F(ProcessTest, ChildAsAnotherUserDiesWithItsHarness) {
  if (::geteuid() != 0) {
    GTEST_SKIP() << "only root may run a child as nobody";
  }
  expectChildDiesWithItsHarness(Credentials{65534, 65534});
}

// user/group: the child runs as that uid and gid (real, effective, saved), with no supplementary
// group, no capability and no_new_privs set, as its own /proc/self/status says.
TEST_F(ProcessTest, DropsToCredentialsBeforeExec) {
  if (::geteuid() != 0) {
    GTEST_SKIP() << "only root may run a child as nobody";
  }
  auto spawn_options = options("nobody", {"/bin/cat", "/proc/self/status"});
  spawn_options.credentials = Credentials{65534, 65534};
  auto status = runToExit(spawn_options);
  ASSERT_TRUE(status);
  EXPECT_EQ(status->code, 0);
  const std::string log = readLog("nobody");
  EXPECT_THAT(log, HasSubstr("Uid:\t65534\t65534\t65534\t65534\n"));
  EXPECT_THAT(log, HasSubstr("Gid:\t65534\t65534\t65534\t65534\n"));
  EXPECT_THAT(log, ::testing::ContainsRegex("Groups:[ \t]*\n"));
  EXPECT_THAT(log, HasSubstr("CapEff:\t0000000000000000\n"));
  EXPECT_THAT(log, HasSubstr("CapPrm:\t0000000000000000\n"));
  EXPECT_THAT(log, HasSubstr("NoNewPrivs:\t1\n"));
  // Without credentials the child keeps the harness's identity and no_new_privs stays unset.
  auto plain = options("plain", {"/bin/cat", "/proc/self/status"});
  ASSERT_TRUE(runToExit(plain));
  EXPECT_THAT(readLog("plain"), HasSubstr("NoNewPrivs:\t0\n"));
}

// A harness that is not root asked for another user refuses, naming both identities; asked for
// its own, it only sets no_new_privs. (A forked helper drops to nobody to play that harness.)
TEST_F(ProcessTest, AnotherUserNeedsRoot) {
  if (::geteuid() != 0) {
    GTEST_SKIP() << "the helper drops from root to nobody";
  }
  ::chmod(dir_.c_str(), 0777);  // the helper, as nobody, writes its logs here
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const pid_t helper = ::fork();
  ASSERT_GE(helper, 0);
  if (helper == 0) {
    ::close(fds[0]);
    char verdict = 'x';
    if (::setgroups(0, nullptr) == 0 && ::setresgid(65534, 65534, 65534) == 0 &&
        ::setresuid(65534, 65534, 65534) == 0) {
      asio::io_context helper_ctx;
      auto as_root = options("as-root", {"/bin/true"});
      as_root.credentials = Credentials{0, 0};
      auto refused = Process::spawn(helper_ctx.get_executor(), as_root);
      auto as_self = options("as-self", {"/bin/true"});
      as_self.credentials = Credentials{65534, 65534};
      auto own = Process::spawn(helper_ctx.get_executor(), as_self);
      const bool named = !refused && refused.error().code == ErrorCode::InvalidArgument &&
                         refused.error().message.find(
                             "as uid 0 gid 0: the harness runs as uid 65534, and only "
                             "root may run a process as another user") != std::string::npos;
      verdict = named && own.has_value() ? 'y' : 'n';
      if (own) {
        (*own)->killAndReap(2000ms);
      }
    }
    [[maybe_unused]] ssize_t n = ::write(fds[1], &verdict, 1);
    ::_exit(0);
  }
  ::close(fds[1]);
  char verdict = 0;
  ASSERT_EQ(::read(fds[0], &verdict, 1), 1);
  ::close(fds[0]);
  int helper_status = 0;
  ASSERT_EQ(::waitpid(helper, &helper_status, 0), helper);
  EXPECT_EQ(verdict, 'y');
}

}  // namespace
}  // namespace outrider::harness
