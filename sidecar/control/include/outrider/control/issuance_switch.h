#pragma once

// The issuance-fault switch of outrider-control's admin listener (the cert-expiry and
// cert-wrong-ca faults), apart from the outage switch (fault_switch.h) and combinable with it:
// the outage switch decides whether a call is answered, this one what certificate it gets.
//   POST /issuance?mode=normal|no-renewal|wrong-ca[&ttl=30s]
//   GET  /issuance -> {"mode": "...", "ttl_ms": N, "since_unix_ms": N,
//                      "re_served_certificates": N, "wrong_ca_certificates": N,
//                      "issued_certificates": N, "last_not_after_unix_ms": N}
// - no-renewal: a node that holds a certificate of ours gets that same one back (same serial,
//   NotAfter and key), so the one in use runs out unless the window ends first; a node that holds
//   none gets a fresh one, `ttl` long when given.
// - wrong-ca: leaves are signed by a second CA of the state dir that no bundle holds (the bundle
//   sent stays the real one), `ttl` long when given; every open stream is pushed one at once,
//   and a real one again when the mode ends.
// - ttl (at least 2s, whole seconds: X.509 times have no finer grain) only with those two; 0 in
//   the JSON when not given (--cert-ttl applies).
// The counters count since the mode began; last_not_after_unix_ms is the NotAfter of the last
// certificate handed out in any mode (0: none yet).

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "outrider/common/clock.h"
#include "outrider/common/result.h"

namespace outrider::control {

enum class IssuanceMode { Normal, NoRenewal, WrongCa };

inline constexpr IssuanceMode AllIssuanceModes[] = {IssuanceMode::Normal, IssuanceMode::NoRenewal,
                                                    IssuanceMode::WrongCa};

std::string_view issuanceModeName(IssuanceMode mode);
std::optional<IssuanceMode> parseIssuanceMode(std::string_view name);

// The shortest ttl the switch takes (as --cert-ttl).
inline constexpr std::chrono::seconds MinIssuanceTtl{2};

struct IssuanceSetting {
  IssuanceMode mode = IssuanceMode::Normal;
  std::optional<std::chrono::seconds> ttl;  // fresh certificates' lifetime while the mode holds

  bool operator==(const IssuanceSetting&) const = default;
};

// From an admin query "mode=no-renewal&ttl=10s": InvalidArgument for an unknown mode, a ttl
// below 2s or a ttl on mode=normal.
Result<IssuanceSetting> parseIssuanceQuery(std::string_view query);

struct IssuanceState {
  IssuanceSetting setting;
  SystemTime since{};
  uint64_t re_served = 0;  // handed back without renewal (no-renewal)
  uint64_t wrong_ca = 0;   // signed by the wrong CA (wrong-ca)
  uint64_t issued = 0;     // fresh certificates (either CA)
  std::optional<SystemTime> last_not_after;
};

std::string issuanceStateJson(const IssuanceState& state);

// Thread-safe: the admin listener sets it, gRPC's threads read it and count on every issue.
class IssuanceSwitch {
 public:
  IssuanceState state() const;
  // Returns the state that ended. The same setting again keeps the mode's start and counts.
  IssuanceState set(const IssuanceSetting& setting, SystemTime now);
  // One certificate handed out: re-served (no renewal) or fresh, by the wrong CA or not.
  void countHandedOut(bool re_served, bool wrong_ca, SystemTime not_after);

 private:
  mutable std::mutex mutex_;
  IssuanceState state_;
};

}  // namespace outrider::control
