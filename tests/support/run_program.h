#pragma once

// Runs a program to completion for integration tests: output captured to files, a deadline,
// and no sleeps (the wait is a poll() on a pidfd, which wakes when the child exits).

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace outrider::test {

inline std::string binDir() {
  const char* bin = std::getenv("OUTRIDER_BIN");
  return bin != nullptr ? bin : "build/bin";
}

inline std::string readFile(const std::filesystem::path& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

struct ProgramResult {
  bool finished = false;  // false: the deadline passed and the program was killed
  int exit_code = -1;     // when it exited normally
  int term_signal = 0;    // when a signal ended it
  std::string out;
  std::string err;
  std::chrono::milliseconds took{0};
};

// A running program; wait() collects it. The child dies with the test (PR_SET_PDEATHSIG).
class Program {
 public:
  Program(std::vector<std::string> argv, const std::filesystem::path& output_dir)
      : out_path_(output_dir / "stdout.txt"), err_path_(output_dir / "stderr.txt") {
    std::filesystem::create_directories(output_dir);
    start_ = std::chrono::steady_clock::now();
    pid_ = ::fork();
    if (pid_ == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      ::setpgid(0, 0);
      int out = ::open(out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      int err = ::open(err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      int in = ::open("/dev/null", O_RDONLY);
      ::dup2(in, 0);
      ::dup2(out, 1);
      ::dup2(err, 2);
      std::vector<char*> args;
      for (auto& arg : argv) {
        args.push_back(arg.data());
      }
      args.push_back(nullptr);
      ::execv(args[0], args.data());
      ::_exit(127);
    }
    pidfd_ = static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));
  }
  ~Program() {
    if (!reaped_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (pidfd_ >= 0) {
      ::close(pidfd_);
    }
  }

  pid_t pid() const { return pid_; }
  void signal(int signo) { ::kill(pid_, signo); }

  // Waits until the program exits or the deadline passes (then kills it).
  ProgramResult wait(std::chrono::milliseconds deadline) {
    ProgramResult result;
    pollfd fd{pidfd_, POLLIN, 0};
    int ready = ::poll(&fd, 1, static_cast<int>(deadline.count()));
    if (ready <= 0) {
      ::kill(pid_, SIGKILL);
    } else {
      result.finished = true;
    }
    int status = 0;
    ::waitpid(pid_, &status, 0);
    reaped_ = true;
    result.took = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - start_);
    if (WIFEXITED(status)) {
      result.exit_code = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
      result.term_signal = WTERMSIG(status);
    }
    result.out = readFile(out_path_);
    result.err = readFile(err_path_);
    return result;
  }

  // The output so far, for waiting on a line.
  std::string currentOut() const { return readFile(out_path_); }

  // Waits (bounded) until the program's stdout holds `needle`: it polls the file, which is a
  // condition with a deadline, not a sleep standing in for synchronisation.
  bool waitForOutput(const std::string& needle, std::chrono::milliseconds deadline) const {
    const auto until = std::chrono::steady_clock::now() + deadline;
    while (currentOut().find(needle) == std::string::npos) {
      if (std::chrono::steady_clock::now() >= until) {
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return true;
  }

 private:
  std::filesystem::path out_path_;
  std::filesystem::path err_path_;
  std::chrono::steady_clock::time_point start_;
  pid_t pid_ = -1;
  int pidfd_ = -1;
  bool reaped_ = false;
};

inline ProgramResult runProgram(std::vector<std::string> argv,
                                const std::filesystem::path& output_dir,
                                std::chrono::milliseconds deadline) {
  Program program(std::move(argv), output_dir);
  return program.wait(deadline);
}

}  // namespace outrider::test
