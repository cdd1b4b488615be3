#pragma once

// The checks every request passes before the control plane acts on it; each returns the reason
// a request is refused (INVALID_ARGUMENT's message) or nullopt. Pure functions over the decoded
// messages, so the fuzzer (tests/fuzz/control_request_fuzz.cc) runs exactly these.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "outrider/control/v1/control.pb.h"

namespace outrider::control {

inline constexpr std::size_t MaxDnsNames = 16;
inline constexpr std::size_t MaxTokenSize = 4096;

// [a-z0-9.-]{1,63}
bool isValidNodeName(std::string_view name);
// [A-Za-z0-9._/-]{1,253}
bool isValidSecretName(std::string_view name);

std::optional<std::string> validateJoin(const v1::JoinRequest& request);
std::optional<std::string> validateFetchX509(const v1::FetchX509Request& request);
std::optional<std::string> validateFetchSecret(const v1::FetchSecretRequest& request);

}  // namespace outrider::control
