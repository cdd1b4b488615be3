#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

namespace outrider::test {

// The directory holding the programs under test: $OUTRIDER_BIN (set by ctest), else build/bin.
inline std::string binDir() {
  const char* dir = std::getenv("OUTRIDER_BIN");
  return dir != nullptr && *dir != '\0' ? dir : "build/bin";
}

inline std::string binPath(const std::string& program) { return binDir() + "/" + program; }

// A program under test, run on loopback: fork/exec with its stdout captured and its stderr left
// on the test's stderr. It dies with the test (PR_SET_PDEATHSIG) and is killed on destruction.
// Every wait takes a deadline; nothing sleeps to synchronise.
class ChildProcess {
 public:
  using Millis = std::chrono::milliseconds;

  ChildProcess() = default;
  ~ChildProcess() { kill(); }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  testing::AssertionResult start(const std::string& program, const std::vector<std::string>& args) {
    if (pid_ > 0) {
      return testing::AssertionFailure() << "already started: " << program;
    }
    if (::access(program.c_str(), X_OK) != 0) {
      return testing::AssertionFailure()
             << program << " is not executable (build it, or set OUTRIDER_BIN)";
    }
    int out[2];
    if (::pipe2(out, O_CLOEXEC) != 0) {
      return testing::AssertionFailure() << "pipe: " << std::strerror(errno);
    }
    std::vector<std::string> argv_storage{program};
    argv_storage.insert(argv_storage.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& arg : argv_storage) {
      argv.push_back(arg.data());
    }
    argv.push_back(nullptr);
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid < 0) {
      ::close(out[0]);
      ::close(out[1]);
      return testing::AssertionFailure() << "fork: " << std::strerror(errno);
    }
    if (pid == 0) {
      // Child: only async-signal-safe calls until exec.
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) {
        ::_exit(127);
      }
      ::dup2(out[1], STDOUT_FILENO);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    ::close(out[1]);
    pid_ = pid;
    stdout_fd_ = out[0];
    program_ = program;
    return testing::AssertionSuccess();
  }

  // The next complete stdout line (without the newline).
  testing::AssertionResult readLine(std::string& line, Millis timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      if (const auto newline = pending_.find('\n'); newline != std::string::npos) {
        line = pending_.substr(0, newline);
        pending_.erase(0, newline + 1);
        return testing::AssertionSuccess();
      }
      const auto result = readSome(deadline);
      if (!result) {
        return testing::AssertionFailure()
               << program_ << ": no complete stdout line within " << timeout.count()
               << "ms: " << result.message() << "; got so far '" << pending_ << "'";
      }
    }
  }

  // Everything left on stdout until the program closes it.
  testing::AssertionResult readAll(std::string& text, Millis timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!stdout_closed_) {
      const auto result = readSome(deadline);
      if (!result && !stdout_closed_) {
        return testing::AssertionFailure() << program_ << ": stdout not closed within "
                                           << timeout.count() << "ms: " << result.message();
      }
    }
    text = std::move(pending_);
    pending_.clear();
    return testing::AssertionSuccess();
  }

  // Reads the announce line ("outrider-proxy listening=127.0.0.1:P admin=127.0.0.1:Q") and
  // fills ports with each key=HOST:PORT pair.
  testing::AssertionResult waitForAnnounce(std::map<std::string, uint16_t>& ports,
                                           Millis timeout = Millis(5000)) {
    std::string line;
    if (auto got = readLine(line, timeout); !got) {
      return got;
    }
    std::string_view rest(line);
    while (!rest.empty()) {
      const auto space = rest.find(' ');
      const std::string_view word = rest.substr(0, space);
      rest = space == std::string_view::npos ? std::string_view() : rest.substr(space + 1);
      const auto equals = word.find('=');
      const auto colon = word.rfind(':');
      if (equals == std::string_view::npos || colon == std::string_view::npos || colon < equals) {
        continue;
      }
      unsigned port = 0;
      const auto digits = word.substr(colon + 1);
      const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
      if (ec != std::errc() || ptr != digits.data() + digits.size() || port == 0 ||
          port > 65535) {
        return testing::AssertionFailure() << "bad port in announce line '" << line << "'";
      }
      ports[std::string(word.substr(0, equals))] = static_cast<uint16_t>(port);
    }
    if (ports.empty()) {
      return testing::AssertionFailure() << "no key=HOST:PORT in announce line '" << line << "'";
    }
    return testing::AssertionSuccess();
  }

  void signal(int signo) {
    if (pid_ > 0 && !exited_) {
      ::kill(pid_, signo);
    }
  }

  // Waits for the program to exit; exit_code is its status, or 128 + signal if killed.
  testing::AssertionResult waitForExit(int& exit_code, Millis timeout) {
    if (pid_ <= 0) {
      return testing::AssertionFailure() << "not started";
    }
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!exited_) {
      if (reap(WNOHANG)) {
        break;
      }
      if (std::chrono::steady_clock::now() >= deadline) {
        return testing::AssertionFailure()
               << program_ << " still running after " << timeout.count() << "ms";
      }
      waitForChildEvent(deadline);
    }
    exit_code = exit_code_;
    return testing::AssertionSuccess();
  }

  bool running() { return pid_ > 0 && !exited_ && !reap(WNOHANG); }

  // SIGKILL and reap; safe to call twice.
  void kill() {
    if (pid_ > 0 && !exited_) {
      ::kill(pid_, SIGKILL);
      reap(0);
    }
    if (stdout_fd_ >= 0) {
      ::close(stdout_fd_);
      stdout_fd_ = -1;
    }
  }

  pid_t pid() const { return pid_; }

 private:
  // Appends what stdout has before the deadline; fails on timeout.
  testing::AssertionResult readSome(std::chrono::steady_clock::time_point deadline) {
    if (stdout_closed_) {
      return testing::AssertionFailure() << "stdout closed";
    }
    const auto left =
        std::chrono::duration_cast<Millis>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      return testing::AssertionFailure() << "timed out";
    }
    pollfd fd{stdout_fd_, POLLIN, 0};
    const int ready = ::poll(&fd, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno != EINTR) {
      return testing::AssertionFailure() << "poll: " << std::strerror(errno);
    }
    if (ready <= 0) {
      return ready == 0 ? testing::AssertionFailure() << "timed out" : testing::AssertionSuccess();
    }
    char chunk[4096];
    const ssize_t n = ::read(stdout_fd_, chunk, sizeof(chunk));
    if (n < 0 && errno != EINTR) {
      return testing::AssertionFailure() << "read: " << std::strerror(errno);
    }
    if (n == 0) {
      stdout_closed_ = true;
      return testing::AssertionFailure() << "stdout closed (exited?)";
    }
    if (n > 0) {
      pending_.append(chunk, static_cast<std::size_t>(n));
    }
    return testing::AssertionSuccess();
  }

  bool reap(int flags) {
    int status = 0;
    const pid_t got = ::waitpid(pid_, &status, flags);
    if (got != pid_) {
      return false;
    }
    exited_ = true;
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return true;
  }

  // Blocks until the child may have changed state or the deadline: a pidfd when the kernel has
  // one (5.3+), else a short bounded poll interval.
  void waitForChildEvent(std::chrono::steady_clock::time_point deadline) {
    const auto left =
        std::chrono::duration_cast<Millis>(deadline - std::chrono::steady_clock::now());
    int wait_ms = static_cast<int>(std::max<int64_t>(left.count(), 0));
#ifdef SYS_pidfd_open
    const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));
    if (pidfd >= 0) {
      pollfd fd{pidfd, POLLIN, 0};
      ::poll(&fd, 1, wait_ms);
      ::close(pidfd);
      return;
    }
#endif
    wait_ms = std::min(wait_ms, 5);
    ::poll(nullptr, 0, wait_ms);
  }

  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  bool stdout_closed_ = false;
  bool exited_ = false;
  int exit_code_ = -1;
  std::string pending_;
  std::string program_;
};

}  // namespace outrider::test
