#include "outrider/tls/stamped_context.h"

namespace outrider::tls {

Result<std::unique_ptr<StampedContext>> StampedContext::create(Role role, Files files) {
  FileStamp stamp = stampOf(files);
  auto context = makeContext(role, files);
  if (!context) {
    return tl::unexpected(context.error());
  }
  return std::unique_ptr<StampedContext>(
      new StampedContext(role, std::move(files), stamp, std::move(*context)));
}

StampedContext::StampedContext(Role role, Files files, FileStamp stamp, ContextPtr context)
    : role_(role), files_(std::move(files)), stamp_(stamp), context_(std::move(context)) {}

ContextPtr StampedContext::current() {
  // Stamped before reading: a change during the build shows as a changed stamp next time.
  const FileStamp now = stampOf(files_);
  std::lock_guard lock(mutex_);
  if (now == stamp_) {
    return context_;
  }
  auto rebuilt = makeContext(role_, files_);
  if (!rebuilt) {
    ++failures_;
    last_error_ = rebuilt.error().message;
    return context_;  // the stamp stays old, so the next connection tries again
  }
  stamp_ = now;
  context_ = std::move(*rebuilt);
  ++reloads_;
  return context_;
}

uint64_t StampedContext::reloads() const {
  std::lock_guard lock(mutex_);
  return reloads_;
}

uint64_t StampedContext::reloadFailures() const {
  std::lock_guard lock(mutex_);
  return failures_;
}

std::string StampedContext::lastError() const {
  std::lock_guard lock(mutex_);
  return last_error_;
}

}  // namespace outrider::tls
