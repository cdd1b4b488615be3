#include "outrider/harness/process_events.h"

#include <sys/wait.h>

#include <csignal>
#include <cstring>

namespace outrider::harness {

ExitStatus ExitStatus::fromWaitStatus(int wait_status) {
  ExitStatus status;
  if (WIFEXITED(wait_status)) {
    status.code = WEXITSTATUS(wait_status);
  } else if (WIFSIGNALED(wait_status)) {
    status.signal = WTERMSIG(wait_status);
  }
  return status;
}

bool ExitStatus::success() const { return code.has_value() && *code == 0; }

std::string ExitStatus::describe() const {
  if (code) {
    return "exit code " + std::to_string(*code);
  }
  if (signal) {
    return "signal " + signalName(*signal);
  }
  return "unknown status";
}

std::string signalName(int signo) {
  if (signo >= SIGRTMIN && signo <= SIGRTMAX) {
    return signo == SIGRTMIN ? "SIGRTMIN" : "SIGRTMIN+" + std::to_string(signo - SIGRTMIN);
  }
  // sigabbrev_np (glibc 2.32) is thread-safe, unlike strsignal.
  if (const char* abbrev = sigabbrev_np(signo)) {
    return std::string("SIG") + abbrev;
  }
  return "signal " + std::to_string(signo);
}

std::string toString(ProcessEventKind kind) {
  switch (kind) {
    case ProcessEventKind::Started:
      return "start";
    case ProcessEventKind::StartFailed:
      return "start-failed";
    case ProcessEventKind::Ready:
      return "ready";
    case ProcessEventKind::NotReady:
      return "not-ready";
    case ProcessEventKind::LivenessFailed:
      return "liveness-failed";
    case ProcessEventKind::Signalled:
      return "signal";
    case ProcessEventKind::Exited:
      return "exit";
    case ProcessEventKind::BackingOff:
      return "back-off";
  }
  return "unknown";
}

}  // namespace outrider::harness
