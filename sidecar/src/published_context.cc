#include "published_context.h"

#include <chrono>

#include "outrider/tls/peer_certificate.h"

namespace outrider::sidecar {

Result<std::unique_ptr<PublishedContext>> PublishedContext::create(tls::Role role,
                                                                   tls::Files files) {
  auto stamped = tls::StampedContext::create(role, files);
  if (!stamped) {
    return tl::unexpected(stamped.error());
  }
  return std::unique_ptr<PublishedContext>(
      new PublishedContext(std::move(files), std::move(*stamped)));
}

PublishedContext::PublishedContext(tls::Files files, std::unique_ptr<tls::StampedContext> stamped)
    : files_(std::move(files)), stamped_(std::move(stamped)), current_(stamped_->current()) {}

PublishedContext::Reload PublishedContext::reload() {
  const tls::FileStamp stamp = tls::stampOf(files_);
  if (failed_stamp_ && *failed_stamp_ == stamp) {
    return Reload::Unchanged;
  }
  const uint64_t reloads = stamped_->reloads();
  const uint64_t failures = stamped_->reloadFailures();
  tls::ContextPtr context = stamped_->current();
  if (stamped_->reloadFailures() != failures) {
    failed_stamp_ = stamp;
    last_error_ = stamped_->lastError();
    return Reload::Failed;
  }
  failed_stamp_.reset();
  if (stamped_->reloads() == reloads) {
    return Reload::Unchanged;
  }
  current_.store(std::move(context), std::memory_order_release);
  return Reload::Reloaded;
}

std::optional<double> certificateNotAfter(const tls::ContextPtr& context) {
  const X509* leaf = context ? SSL_CTX_get0_certificate(context->native_handle()) : nullptr;
  if (leaf == nullptr) {
    return std::nullopt;
  }
  const auto validity = tls::validityOf(leaf);
  if (!validity) {
    return std::nullopt;
  }
  return std::chrono::duration<double>(validity->not_after.time_since_epoch()).count();
}

}  // namespace outrider::sidecar
