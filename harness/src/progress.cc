#include "outrider/harness/progress.h"

#include <fmt/format.h>

namespace outrider::harness {

namespace {
constexpr const char* ClearLine = "\r\x1b[2K";
}

void Progress::event(double at_s, const std::string& what, bool startup) {
  if (mode_ == Mode::Quiet) {
    return;
  }
  if (mode_ == Mode::Terminal && line_open_) {
    out_ << ClearLine;
    line_open_ = false;
  }
  if (startup) {
    out_ << fmt::format("[start-up {:5.2f}s] {}\n", at_s, what);
  } else {
    out_ << fmt::format("[{:8.2f}s] {}\n", at_s, what);
  }
  out_.flush();
}

void Progress::status(const ProgressStatus& s) {
  const std::string text = fmt::format(
      "{:5.0f}s / {:.0f}s  {:7.1f} req/s  errors {}  faults: {}  alerts: {}", s.elapsed_s,
      s.duration_s, s.rps, s.errors, s.faults.empty() ? "-" : s.faults,
      s.alerts.empty() ? "-" : s.alerts);
  if (mode_ == Mode::Terminal) {
    out_ << ClearLine << text;
    out_.flush();
    line_open_ = true;
  } else if (mode_ == Mode::Plain && status_calls_ % 10 == 0) {
    out_ << "[progress] " << text << "\n";
    out_.flush();
  }
  ++status_calls_;
}

void Progress::finish() {
  if (mode_ == Mode::Terminal && line_open_) {
    out_ << ClearLine;
    out_.flush();
    line_open_ = false;
  }
}

}  // namespace outrider::harness
