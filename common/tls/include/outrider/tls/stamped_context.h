#pragma once

// A context that follows its files: current() stamps them (file_stamp.h) and builds a new context
// when they changed, so a connection opened after a rotation uses the new files. A failed build
// (a half-written or mismatched set) keeps the last good context and counts the failure; the
// next call tries again. Thread-safe; a stat of three files per call, no reading while unchanged.

#include <cstdint>
#include <mutex>
#include <string>

#include "outrider/tls/context.h"
#include "outrider/tls/file_stamp.h"

namespace outrider::tls {

class StampedContext {
 public:
  // Builds the first context; its error is the files' error.
  static Result<std::unique_ptr<StampedContext>> create(Role role, Files files);

  ContextPtr current();
  uint64_t reloads() const;         // successful rebuilds after the first
  uint64_t reloadFailures() const;  // rebuilds that failed (the last good context stayed)
  std::string lastError() const;

 private:
  StampedContext(Role role, Files files, FileStamp stamp, ContextPtr context);

  const Role role_;
  const Files files_;
  mutable std::mutex mutex_;
  FileStamp stamp_;
  ContextPtr context_;
  uint64_t reloads_ = 0;
  uint64_t failures_ = 0;
  std::string last_error_;
};

}  // namespace outrider::tls
