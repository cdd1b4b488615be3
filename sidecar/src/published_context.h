#pragma once

// A TLS context for the event loops that follows its files: reload() (control loop) rebuilds it
// when the files changed and publishes the new one atomically; a connection takes current() once,
// at its start, and keeps that context for its life. A broken set keeps the published context
// and is reported once per version of the files, not at every check.

#include <atomic>
#include <memory>
#include <optional>
#include <string>

#include "outrider/common/result.h"
#include "outrider/tls/context.h"
#include "outrider/tls/file_stamp.h"
#include "outrider/tls/stamped_context.h"

namespace outrider::sidecar {

class PublishedContext {
 public:
  static Result<std::unique_ptr<PublishedContext>> create(tls::Role role, tls::Files files);

  // Any thread.
  tls::ContextPtr current() const { return current_.load(std::memory_order_acquire); }

  enum class Reload { Unchanged, Reloaded, Failed };
  // Control loop only. Failed: lastError() says why (file names and OpenSSL's reason).
  Reload reload();
  const std::string& lastError() const { return last_error_; }
  const tls::Files& files() const { return files_; }

 private:
  PublishedContext(tls::Files files, std::unique_ptr<tls::StampedContext> stamped);

  const tls::Files files_;
  std::unique_ptr<tls::StampedContext> stamped_;
  std::atomic<tls::ContextPtr> current_;
  // The files' stamp when a rebuild last failed: unchanged files are not tried (and logged) again.
  std::optional<tls::FileStamp> failed_stamp_;
  std::string last_error_;
};

// NotAfter of the certificate `context` presents, unix seconds; nullopt without one.
std::optional<double> certificateNotAfter(const tls::ContextPtr& context);

}  // namespace outrider::sidecar
