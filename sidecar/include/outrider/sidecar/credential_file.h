#pragma once

// outrider-echo --credential-file: an app whose credentials a secret sidecar keeps fresh (F4).
// While the file holds no certificate that is valid now, the app answers 401. The file is
// re-parsed only when what the path points at changes (a `..data` swap shows as a new inode),
// so checking it on every request costs one stat().

#include <sys/types.h>

#include <cstdint>
#include <mutex>
#include <string>

#include "outrider/common/clock.h"

namespace outrider::sidecar {

struct CredentialCheck {
  bool valid = false;
  std::string reason;  // why not: "no such file", "expired at 2026-12-01T10:00:00Z", ...
};

class CredentialFile {
 public:
  CredentialFile(std::string path, const Clock& clock) : path_(std::move(path)), clock_(clock) {}

  // Thread-safe: the echo's loops share one.
  CredentialCheck check();

 private:
  struct Identity {
    dev_t dev = 0;
    ino_t ino = 0;
    off_t size = -1;
    int64_t mtime_ns = 0;
    bool operator==(const Identity&) const = default;
  };

  std::string path_;
  const Clock& clock_;
  std::mutex mutex_;
  Identity seen_{};
  bool parsed_ = false;
  std::string parse_error_;  // the file's certificate could not be read
  int64_t not_before_ = 0;   // unix seconds
  int64_t not_after_ = 0;
};

}  // namespace outrider::sidecar
