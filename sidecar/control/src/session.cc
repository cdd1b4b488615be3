#include "outrider/control/session.h"

#include <fmt/core.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <charconv>

namespace outrider::control {
namespace {

constexpr std::string_view Version = "v1.";

int64_t toUnixMs(SystemTime t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

std::string toHex(const unsigned char* data, std::size_t size) {
  static constexpr char Digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (std::size_t i = 0; i < size; ++i) {
    out.push_back(Digits[data[i] >> 4]);
    out.push_back(Digits[data[i] & 0xf]);
  }
  return out;
}

}  // namespace

std::string SessionSigner::mac(std::string_view node_name, int64_t expires_ms) const {
  const std::string message = fmt::format("outrider-session-v1|{}|{}", node_name, expires_ms);
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()),
           reinterpret_cast<const unsigned char*>(message.data()), message.size(), out,
           &size) == nullptr) {
    return {};
  }
  return toHex(out, size);
}

std::string SessionSigner::mint(const std::string& node_name, SystemTime expires) const {
  const int64_t expires_ms = toUnixMs(expires);
  return fmt::format("{}{}.{}.{}", Version, expires_ms, mac(node_name, expires_ms), node_name);
}

std::optional<Session> SessionSigner::verify(std::string_view credential, SystemTime now) const {
  if (credential.substr(0, Version.size()) != Version) {
    return std::nullopt;
  }
  credential.remove_prefix(Version.size());
  const auto dot1 = credential.find('.');
  if (dot1 == std::string_view::npos) {
    return std::nullopt;
  }
  const auto dot2 = credential.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos) {
    return std::nullopt;
  }
  const std::string_view expiry_text = credential.substr(0, dot1);
  const std::string_view presented = credential.substr(dot1 + 1, dot2 - dot1 - 1);
  const std::string_view node_name = credential.substr(dot2 + 1);
  int64_t expires_ms = 0;
  const auto [end, ec] =
      std::from_chars(expiry_text.data(), expiry_text.data() + expiry_text.size(), expires_ms);
  if (ec != std::errc{} || end != expiry_text.data() + expiry_text.size()) {
    return std::nullopt;
  }
  const std::string expected = mac(node_name, expires_ms);
  if (expected.empty() || presented.size() != expected.size() ||
      CRYPTO_memcmp(presented.data(), expected.data(), expected.size()) != 0) {
    return std::nullopt;
  }
  const SystemTime expires{std::chrono::milliseconds(expires_ms)};
  if (expires <= now) {
    return std::nullopt;
  }
  return Session{std::string(node_name), expires};
}

std::string_view bearerCredential(std::string_view authorization) {
  constexpr std::string_view Prefix = "Bearer ";
  if (authorization.size() <= Prefix.size() || authorization.substr(0, Prefix.size()) != Prefix) {
    return {};
  }
  return authorization.substr(Prefix.size());
}

}  // namespace outrider::control
