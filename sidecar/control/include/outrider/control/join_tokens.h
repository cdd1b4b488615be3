#pragma once

// The join tokens the control plane accepts (--tokens FILE): one a line, blank lines and
// '#' comments skipped, surrounding whitespace trimmed. Only SHA-256 digests are kept, and a
// presented token is compared with every one of them in constant time.

#include <array>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "outrider/common/result.h"

namespace outrider::control {

class JoinTokens {
 public:
  // InvalidArgument naming the file when it cannot be read or holds no token.
  static Result<JoinTokens> load(const std::filesystem::path& file);
  static JoinTokens parse(std::string_view text);

  bool accepts(std::string_view token) const;
  std::size_t size() const { return digests_.size(); }

 private:
  std::vector<std::array<unsigned char, 32>> digests_;
};

}  // namespace outrider::control
