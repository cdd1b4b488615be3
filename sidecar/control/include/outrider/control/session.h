#pragma once

// Session credentials the control plane hands out on Join and checks on every other call, with
// no table to keep: "v1.<expiry unix ms>.<HMAC-SHA256 hex>.<node name>", the MAC over the node
// name and the expiry with a key from the state dir, so sessions survive a control restart.

#include <optional>
#include <string>
#include <string_view>

#include "outrider/common/clock.h"

namespace outrider::control {

struct Session {
  std::string node_name;
  SystemTime expires;
};

class SessionSigner {
 public:
  // `key`: raw secret bytes (the state dir keeps 32 random bytes).
  explicit SessionSigner(std::string key) : key_(std::move(key)) {}

  std::string mint(const std::string& node_name, SystemTime expires) const;
  // The session when `credential` was minted with this key and has not expired at `now`.
  std::optional<Session> verify(std::string_view credential, SystemTime now) const;

 private:
  std::string mac(std::string_view node_name, int64_t expires_ms) const;
  std::string key_;
};

// The credential of an "authorization: Bearer <credential>" value; empty when it has another form.
std::string_view bearerCredential(std::string_view authorization);

}  // namespace outrider::control
