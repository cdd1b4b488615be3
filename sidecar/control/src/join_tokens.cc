#include "outrider/control/join_tokens.h"

#include <fmt/core.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <fstream>
#include <sstream>

namespace outrider::control {
namespace {

std::array<unsigned char, 32> digest(std::string_view text) {
  std::array<unsigned char, 32> out{};
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), out.data());
  return out;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t' || text.front() == '\r')) {
    text.remove_prefix(1);
  }
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) {
    text.remove_suffix(1);
  }
  return text;
}

}  // namespace

JoinTokens JoinTokens::parse(std::string_view text) {
  JoinTokens tokens;
  while (!text.empty()) {
    const auto newline = text.find('\n');
    const std::string_view line = trim(text.substr(0, newline));
    if (!line.empty() && line.front() != '#') {
      tokens.digests_.push_back(digest(line));
    }
    if (newline == std::string_view::npos) {
      break;
    }
    text.remove_prefix(newline + 1);
  }
  return tokens;
}

Result<JoinTokens> JoinTokens::load(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    return makeError(ErrorCode::InvalidArgument,
                     fmt::format("--tokens {}: cannot be read", file.string()));
  }
  std::ostringstream text;
  text << in.rdbuf();
  auto tokens = parse(text.str());
  if (tokens.size() == 0) {
    return makeError(ErrorCode::InvalidArgument,
                     fmt::format("--tokens {}: holds no token (one a line; '#' starts a comment)",
                                 file.string()));
  }
  return tokens;
}

bool JoinTokens::accepts(std::string_view token) const {
  if (token.empty()) {
    return false;
  }
  // Every digest is compared, whichever matches, so the time taken says nothing about which.
  const auto presented = digest(token);
  int matched = 0;
  for (const auto& known : digests_) {
    matched |= CRYPTO_memcmp(presented.data(), known.data(), known.size()) == 0 ? 1 : 0;
  }
  return matched != 0;
}

}  // namespace outrider::control
